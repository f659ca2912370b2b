// The incremental HTTP/1.1 response parser: bytes in, events out, no I/O.
//
// A connection owns one parser. For every request it writes, it calls `expect()` with the method
// (the response to HEAD has no body, a 2xx to CONNECT opens a tunnel), then hands every socket
// read to `receive()` and the close to `receiveEof()`. The parser calls its handler back:
//
//   onInterim(head)*  onHead(head)  onData(chunk)*  onEnd(end)
//
// Reads are walked through one state machine:
//
//   idle ──expect()──▶ head ──▶ length | chunked | close ──▶ (end) ──▶ head (pipelined) | idle
//                         └──▶ (no body) ──────────────────▶ (end)
//                                           tunnel / close reason ──▶ closed
//
// Whatever the reads' sizes and split points, the events are the same; body events carry slices
// of the input buffers. Any violation throws a ParseError, and the parser refuses all input after.

import { ParseError } from './errors.js'
import { FieldBlockReader } from './field-block.js'
import { decideFraming, type Framing, type HttpVersion } from './framing.js'
import { parseFieldLines, parseStatusLine, type FieldSummary } from './head.js'
import { ChunkedReader } from './chunked.js'
import { DEFAULT_LIMITS, type ParserLimits } from './limits.js'
import { CR, LF } from './chars.js'

export interface ResponseHead {
  readonly version: HttpVersion
  readonly status: number
  /** The reason phrase, possibly empty. */
  readonly reason: string
  /** Raw fields in arrival order: [name0, value0, name1, value1, …], names as the server wrote them. */
  readonly headers: string[]
  /** How the body is delimited; `none` for interim responses. */
  readonly framing: Framing
}

/** Why the connection cannot carry another request after this response. */
export type CloseReason =
  | 'connection-close' // the server sent Connection: close (RFC 9112 §9.6)
  | 'http10' // HTTP/1.0 without Connection: keep-alive (§9.3)
  | 'read-until-close' // the body ends only when the connection does (§6.3 step 8)
  | 'unsolicited-data' // bytes arrived after the response that no request asked for
  | 'tunnel' // 101 Switching Protocols or a 2xx to CONNECT: the bytes are no longer HTTP

export interface MessageEnd {
  /** Trailer fields of a chunked body as [name, value, …]; empty otherwise. */
  readonly trailers: string[]
  /** null when the connection may carry another request. */
  readonly closeReason: CloseReason | null
  /** For a tunnel: the bytes that arrived after the head and belong to the new protocol. */
  readonly tunnel: Buffer | null
  /**
   * Bytes of the next pipelined response came in the same read as this message's end. A client
   * may send a pipelined request again only if none of its response arrived (RFC 9112 §9.3.2).
   */
  readonly nextStarted: boolean
}

export interface ResponseHandler {
  /** A 1xx response other than 101 (100 Continue, 102, 103); the final response follows. */
  onInterim(head: ResponseHead): void
  onHead(head: ResponseHead): void
  /** Body bytes with any chunked coding removed; a slice of a received buffer. */
  onData(chunk: Buffer): void
  onEnd(end: MessageEnd): void
}

/** What the parser must know about the request a response answers. */
export interface ExpectedResponse {
  readonly method: string
  /** The request carried `Connection: upgrade`, so a 101 is a valid final answer. */
  readonly upgrade?: boolean
}

type ReadState =
  | 'idle' // no request outstanding: any byte is unsolicited
  | 'head' // reading a status line and fields
  | 'length' // a Content-Length body
  | 'chunked' // a chunked body
  | 'close' // a body that ends when the connection does
  | 'closed' // the message ended and the connection cannot be reused
  | 'failed' // a ParseError was thrown

const NO_TRAILERS: string[] = []
const HTTP_NAME = 'HTTP/'

export class ResponseParser {
  private state: ReadState = 'idle'
  private readonly limits: ParserLimits
  private readonly expected: ExpectedResponse[] = []
  private readonly headBlock: FieldBlockReader
  private readonly chunked: ChunkedReader
  private interimCount = 0
  /** Bytes of the current head checked against "HTTP/" (see checkVersionPrefix). */
  private prefixChecked = 0
  /** Body bytes still to come for a Content-Length body. */
  private remaining = 0
  /** Decided when the head arrives, reported when the message ends. */
  private closeReason: CloseReason | null = null
  private received = 0
  /** handler.onData bound once, for the chunked reader to call. */
  private readonly emitData: (chunk: Buffer) => void

  constructor(
    private readonly handler: ResponseHandler,
    limits?: Partial<ParserLimits>,
  ) {
    this.limits = limits === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...limits }
    this.headBlock = new FieldBlockReader(this.limits.maxHeadSize, 'HEAD_TOO_LARGE')
    this.chunked = new ChunkedReader(this.limits)
    this.emitData = (chunk) => handler.onData(chunk)
  }

  /** Total bytes given to receive(). */
  get bytesReceived(): number {
    return this.received
  }

  /**
   * The final head being read announced the end of the connection (Connection: close, HTTP/1.0,
   * read-until-close, a tunnel): nothing more may be pipelined behind it (RFC 9112 §9.3.2).
   */
  get willClose(): boolean {
    return this.closeReason !== null
  }

  /** Registers the next request written on this connection; responses come back in this order. */
  expect(request: ExpectedResponse): void {
    this.expected.push(request)
    if (this.state === 'idle') this.startHead()
  }

  receive(data: Buffer): void {
    const base = this.received
    this.received += data.length
    if (this.state === 'failed') throw new ParseError('PARSER_FAILED', base, 'parser already failed')
    try {
      let pos = 0
      while (pos < data.length) pos = this.step(data, pos, base)
    } catch (err) {
      this.state = 'failed'
      throw err
    }
  }

  /** The server closed its side of the connection. */
  receiveEof(): void {
    switch (this.state) {
      case 'close':
        this.finish(NO_TRAILERS, null)
        return
      case 'head':
      case 'length':
      case 'chunked':
        this.state = 'failed'
        throw new ParseError('PREMATURE_EOF', this.received, 'connection closed before the response was complete')
      case 'failed':
        throw new ParseError('PARSER_FAILED', this.received, 'parser already failed')
      default:
    }
  }

  /** Consumes bytes in the current state; returns where the next state starts. */
  private step(data: Buffer, pos: number, base: number): number {
    switch (this.state) {
      case 'head':
        return this.readHead(data, pos, base)
      case 'length': {
        const n = Math.min(this.remaining, data.length - pos)
        this.remaining -= n
        this.handler.onData(data.subarray(pos, pos + n))
        pos += n
        if (this.remaining === 0) return this.finish(NO_TRAILERS, data, pos)
        return pos
      }
      case 'chunked':
        pos = this.chunked.read(data, pos, base, this.emitData)
        if (this.chunked.done) return this.finish(this.chunked.trailers, data, pos)
        return pos
      case 'close':
        this.handler.onData(pos === 0 ? data : data.subarray(pos))
        return data.length
      case 'idle':
      case 'closed':
        throw new ParseError('UNSOLICITED_DATA', base + pos, 'bytes arrived that no request asked for')
      case 'failed':
        throw new ParseError('PARSER_FAILED', base + pos, 'parser already failed')
    }
  }

  private readHead(data: Buffer, pos: number, base: number): number {
    if (this.prefixChecked < HTTP_NAME.length) this.checkVersionPrefix(data, pos, base)
    const got = this.headBlock.feed(data, pos, base)
    if (got === null) return data.length
    const { block, consumedTo } = got
    const { line, next } = parseStatusLine(block)
    const headers: string[] = []
    const fields = parseFieldLines(block, next, this.limits.maxFields, headers)
    const request = this.expected[0]!

    if (line.status < 200) {
      if (line.status === 101) {
        // RFC 9110 §15.2.2: 101 answers an Upgrade request and nothing else.
        if (request.upgrade !== true) throw new ParseError('UNEXPECTED_UPGRADE', block.offset, '101 Switching Protocols without an upgrade request')
        this.handler.onHead({ ...line, headers, framing: { kind: 'none' } })
        this.closeReason = 'tunnel'
        return this.finish(NO_TRAILERS, data, consumedTo)
      }
      if (++this.interimCount > this.limits.maxInterimResponses) {
        throw new ParseError('TOO_MANY_INTERIM_RESPONSES', block.offset, `more than ${this.limits.maxInterimResponses} 1xx responses`)
      }
      this.handler.onInterim({ ...line, headers, framing: { kind: 'none' } })
      this.prefixChecked = 0
      return consumedTo
    }

    const framing = decideFraming({
      requestMethod: request.method,
      status: line.status,
      version: line.version,
      contentLength: fields.contentLength,
      transferEncoding: fields.transferEncoding,
    })
    if (framing.kind === 'violation') throw new ParseError(framing.code, block.offset, framing.detail)
    this.closeReason = closeReasonOf(request, line.status, line.version, framing, fields)
    this.handler.onHead({ version: line.version, status: line.status, reason: line.reason, headers, framing })

    switch (framing.kind) {
      case 'none':
        return this.finish(NO_TRAILERS, data, consumedTo)
      case 'length':
        if (framing.length === 0) return this.finish(NO_TRAILERS, data, consumedTo)
        this.remaining = framing.length
        this.state = 'length'
        return consumedTo
      case 'chunked':
        this.chunked.reset()
        this.state = 'chunked'
        return consumedTo
      case 'close':
        this.state = 'close'
        return consumedTo
    }
  }

  /**
   * Ends the current message. `rest` is what follows it in the current read (from `pos`):
   * the next pipelined response, a tunnel's first bytes, or bytes nobody asked for.
   */
  private finish(trailers: string[], rest: Buffer | null, pos = 0): number {
    this.expected.shift()
    const left = rest === null ? 0 : rest.length - pos
    let reason = this.closeReason
    if (reason === null && left > 0 && this.expected.length === 0) reason = 'unsolicited-data'
    const tunnel = reason === 'tunnel' ? (rest === null ? Buffer.alloc(0) : rest.subarray(pos)) : null

    if (reason !== null) {
      // The connection is done: whatever else arrived is the tunnel's or nobody's.
      this.state = 'closed'
      this.expected.length = 0
      this.handler.onEnd({ trailers, closeReason: reason, tunnel, nextStarted: false })
      return rest === null ? 0 : rest.length
    }
    if (this.expected.length > 0) this.startHead()
    else this.state = 'idle'
    this.handler.onEnd({ trailers, closeReason: null, tunnel: null, nextStarted: left > 0 })
    return pos
  }

  /**
   * Refuses a head that cannot start with "HTTP/" from its first bytes: a server speaking another
   * protocol (an SSH or SMTP banner) may send one line and wait, and must not be waited for until
   * the head budget or a timeout runs out. Case is left to the full parse (INVALID_VERSION).
   */
  private checkVersionPrefix(data: Buffer, pos: number, base: number): void {
    for (let i = pos; i < data.length && this.prefixChecked < HTTP_NAME.length; i++, this.prefixChecked++) {
      const b = data[i]!
      // A line ending here is the block reader's to judge (a bare LF has its own code).
      if (b === CR || b === LF) {
        this.prefixChecked = HTTP_NAME.length
        return
      }
      if ((b | 0x20) !== (HTTP_NAME.charCodeAt(this.prefixChecked) | 0x20)) {
        throw new ParseError('INVALID_STATUS_LINE', base + i, 'response does not start with a status line')
      }
    }
  }

  private startHead(): void {
    this.state = 'head'
    this.interimCount = 0
    this.prefixChecked = 0
    this.closeReason = null
    this.headBlock.reset()
  }
}

/** RFC 9112 §9.3, §9.6: may the connection carry another request after this response? */
function closeReasonOf(
  request: ExpectedResponse,
  status: number,
  version: HttpVersion,
  framing: Framing,
  fields: FieldSummary,
): CloseReason | null {
  if (request.method === 'CONNECT' && status < 300) return 'tunnel'
  if (framing.kind === 'close') return 'read-until-close'
  if (fields.close) return 'connection-close'
  if (version === '1.0' && !fields.keepAlive) return 'http10'
  return null
}
