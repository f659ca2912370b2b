// Node's own response parser for the benchmarks to measure against: llhttp behind the internal
// `HTTPParser` binding that node:http uses (lib/_http_common.js). Not public API, so it is
// reached through `_http_common` and typed here by hand; only the benchmarks touch it.
//
// It is driven as node:http drives it, minus IncomingMessage: one parser per connection,
// `execute` per socket read, raw header arrays from the binding, one callback per body slice.
// Note that the binding copies every body slice into a new Buffer (node_http_parser.cc,
// on_body), a cost node:http pays and that this wrapper keeps.

import { createRequire } from 'node:module'

/** The binding's callbacks sit at numeric indices on the parser object. */
interface HTTPParserBinding {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void
  /** Bytes consumed, or an Error carrying `code` and `reason`. */
  execute(data: Buffer): number | Error
  /** Signals end of input; an Error if the message was incomplete. */
  finish(): number | Error | undefined
  close(): void
  [index: number]: unknown
}

interface HTTPParserConstructor {
  new (): HTTPParserBinding
  readonly RESPONSE: number
  readonly kOnHeaders: number
  readonly kOnHeadersComplete: number
  readonly kOnBody: number
  readonly kOnMessageComplete: number
}

const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: HTTPParserConstructor }

/** What the wrapper reports, shaped like reqwire's ResponseHandler so both do the same work. */
export interface LlhttpHandler {
  onHead(status: number, reason: string, headers: string[], keepAlive: boolean): void
  onData(chunk: Buffer): void
  onEnd(trailers: string[]): void
}

export class LlhttpResponseParser {
  private readonly parser: HTTPParserBinding
  /**
   * Fields the binding flushed early: it hands over headers in batches of 32 through kOnHeaders
   * when a head has more, and trailers always arrive that way.
   */
  private pending: string[] = []

  constructor(handler: LlhttpHandler) {
    const parser = new HTTPParser()
    // The resource is the async-hooks owner node:http passes; the binding only stores it.
    parser.initialize(HTTPParser.RESPONSE, {})
    parser[HTTPParser.kOnHeaders] = (headers: string[]): void => {
      for (const field of headers) this.pending.push(field)
    }
    parser[HTTPParser.kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      status: number,
      reason: string,
      _upgrade: boolean,
      keepAlive: boolean,
    ): number => {
      let fields = headers
      if (fields === undefined) {
        fields = this.pending
        this.pending = []
      }
      handler.onHead(status, reason, fields, keepAlive)
      // 0: the response has the body its framing says (1 would mean "no body", as for HEAD).
      return 0
    }
    parser[HTTPParser.kOnBody] = (chunk: Buffer): void => handler.onData(chunk)
    parser[HTTPParser.kOnMessageComplete] = (): void => {
      const trailers = this.pending
      this.pending = []
      handler.onEnd(trailers)
    }
    this.parser = parser
  }

  receive(data: Buffer): void {
    const result = this.parser.execute(data)
    if (typeof result !== 'number') throw result
  }

  receiveEof(): void {
    const result = this.parser.finish()
    if (result instanceof Error) throw result
  }

  close(): void {
    this.parser.close()
  }
}
