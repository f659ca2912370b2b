// Response (Requests' models.Response): the status line, the headers as a CaseInsensitiveDict
// built lazily from the parser's field list, and the body — buffered by send() unless
// `stream: true`, in which case it is read once through iterContent, iterLines, raw or load().

import { Readable } from 'node:stream'
import { inspect } from 'node:util'
import { decodedChunks, decodeWhole, EMPTY_BODY, fixedSize, slices, type BodySource } from './content.js'
import { RequestsCookieJar, storeResponseCookies } from './cookies.js'
import { apparentEncoding, decodeText, encodingFromContentType, incrementalDecoder, parseJson } from './encodings.js'
import { HTTPError, inContext, JSONDecodeError, StreamConsumedError, StreamNotLoadedError } from './errors.js'
import { planDecoding, type DecodingPlan } from './http1/decoding.js'
import { splitLines } from './lines.js'
import { parseLinks, type Link } from './links.js'
import type { SendOptions } from './options.js'
import type { PreparedRequest } from './request.js'
import { reasonPhrase } from './status-codes.js'
import { CaseInsensitiveDict } from './structures.js'

/** What can send a PreparedRequest: an HTTPAdapter, or anything mounted in its place. */
export interface Connection {
  send(request: PreparedRequest, options: SendOptions): Promise<Response>
  close(): Promise<void> | void
}

export interface ResponseInit {
  statusCode: number
  reason?: string
  headers?: CaseInsensitiveDict<string>
  url?: string
  request?: PreparedRequest | null
  /** Milliseconds from sending the request to parsing the response head. */
  elapsed?: number
  connection?: Connection | null
  /** The de-framed, still content-coded body; none for HEAD, 204, 304 or a hand-made response. */
  body?: BodySource
  /** Transfer codings the framing left to undo (RFC 9112 §6.1), beside Content-Encoding. */
  transferCodings?: readonly string[]
  /** The most bytes the decoded body may have; more is ContentDecodingError BODY_TOO_LARGE. */
  maxBodySize?: number | null
}

const IDENTITY: DecodingPlan = Object.freeze({ kind: 'identity' })

/**
 * The most decoded bytes kept of a response that becomes history (a redirect, a 401 Digest
 * answers). Requests keeps them all; a hostile redirect could then fill memory with a body
 * nobody asked for.
 */
const HISTORY_BODY_MAX = 1024 * 1024

/** Status codes whose Location makes a redirect (Requests' REDIRECT_STATI). */
export const REDIRECT_STATI: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Where the body is: still on the wire, loaded into `content`, or streamed away. */
type BodyState = 'unread' | 'loaded' | 'consumed'

export class Response {
  statusCode: number
  reason: string
  url: string
  headers: CaseInsensitiveDict<string>
  /** Redirect responses that led here, oldest first. */
  history: Response[] = []
  request: PreparedRequest | null
  elapsed: number
  connection: Connection | null
  /** With allowRedirects off, the request the redirect would have sent next. */
  next: PreparedRequest | null = null

  #source: BodySource
  #transferCodings: readonly string[]
  #maxBodySize: number | null
  #state: BodyState = 'unread'
  /** The whole raw body on its way (prefetch), for a response that will be loaded anyway. */
  #collecting: Promise<Buffer> | null = null
  #content: Buffer | null = null
  /** Set only by assignment; until then `encoding` is derived from Content-Type. */
  #encoding: string | null | undefined = undefined
  #cookies: RequestsCookieJar | undefined

  constructor(init: ResponseInit) {
    this.statusCode = init.statusCode
    this.reason = init.reason ?? reasonPhrase(init.statusCode) ?? ''
    this.headers = init.headers ?? new CaseInsensitiveDict<string>()
    this.url = init.url ?? init.request?.url ?? ''
    this.request = init.request ?? null
    this.elapsed = init.elapsed ?? 0
    this.connection = init.connection ?? null
    this.#source = init.body ?? EMPTY_BODY
    this.#transferCodings = init.transferCodings ?? []
    this.#maxBodySize = init.maxBodySize ?? null
  }

  /** A response built from bytes already in hand (tests, mock adapters, caches). */
  static fromContent(init: Omit<ResponseInit, 'body'> & { content: Buffer | string }): Response {
    const r = new Response(init)
    r.#content = typeof init.content === 'string' ? Buffer.from(init.content) : init.content
    r.#state = 'loaded'
    return r
  }

  get ok(): boolean {
    return this.statusCode < 400
  }

  get isRedirect(): boolean {
    return REDIRECT_STATI.has(this.statusCode) && this.headers.has('Location')
  }

  get isPermanentRedirect(): boolean {
    return (this.statusCode === 301 || this.statusCode === 308) && this.headers.has('Location')
  }

  /** True once the body has been read to its end (or there never was one on the wire). */
  get isLoaded(): boolean {
    return this.#state === 'loaded'
  }

  /** The body, decompressed. With `stream: true`, only after `await r.load()`. */
  get content(): Buffer {
    if (this.#state === 'loaded') return this.#content as Buffer
    if (this.#state === 'consumed') throw this.#consumedError()
    throw new StreamNotLoadedError(
      `the body of a stream: true response is not loaded: call \`await r.load()\` before reading content, text or json() (${this.url})`,
      this.#errorContext(),
    )
  }

  get text(): string {
    const content = this.content
    if (content.length === 0) return ''
    return decodeText(content, this.encoding ?? this.apparentEncoding)
  }

  /** The charset `text` decodes with: Content-Type's, or assigned; null when neither says. */
  get encoding(): string | null {
    if (this.#encoding !== undefined) return this.#encoding
    return encodingFromContentType(this.headers.get('Content-Type'))
  }

  set encoding(value: string | null) {
    this.#encoding = value
  }

  /** The charset chardet guesses from the body (computed on each call: it reads the content). */
  get apparentEncoding(): string | null {
    return apparentEncoding(this.content)
  }

  json<T = unknown>(): T {
    const content = this.content
    try {
      return parseJson(content, this.#encoding === undefined ? this.#headerEncodingForJson() : this.#encoding) as T
    } catch (err) {
      throw new JSONDecodeError(`response body is not valid JSON: ${(err as Error).message} (${this.url})`, { ...this.#errorContext(), cause: err })
    }
  }

  /** The Link header, keyed by rel (RFC 8288): `r.links.next?.url`. */
  get links(): Record<string, Link> {
    return parseLinks(this.headers.get('Link'))
  }

  /** Cookies this response set, in a jar of their own. */
  get cookies(): RequestsCookieJar {
    if (this.#cookies === undefined) {
      this.#cookies = new RequestsCookieJar()
      const setCookie = this.headers.getAll('Set-Cookie')
      if (setCookie.length > 0) storeResponseCookies(this.#cookies, this.url, setCookie)
    }
    return this.#cookies
  }

  /** Throws HTTPError for 4xx and 5xx, with Requests' message. */
  raiseForStatus(): void {
    let kind: string | null = null
    if (this.statusCode >= 400 && this.statusCode < 500) kind = 'Client Error'
    else if (this.statusCode >= 500 && this.statusCode < 600) kind = 'Server Error'
    if (kind === null) return
    throw new HTTPError(`${this.statusCode} ${kind}: ${this.reason} for url: ${this.url}`, {
      ...this.#errorContext(),
      code: `HTTP_${this.statusCode}`,
    })
  }

  /**
   * Starts reading the whole body now, for a sender that will load() it anyway (`stream: false`):
   * the bytes gather as they arrive instead of queueing behind a paused socket until load().
   */
  prefetch(): void {
    if (this.#state !== 'unread' || this.#collecting !== null || this.#maxBodySize !== null) return
    this.#collecting = this.#source.collect()
    // load() awaits it; a response nobody loads (a hook replaced it) must not leave an
    // unhandled rejection behind.
    this.#collecting.catch(() => {})
  }

  /** Reads the rest of a streamed body; resolves to this response. */
  load(): Promise<this> {
    if (this.#state === 'loaded') return Promise.resolve(this)
    if (this.#state === 'consumed') return Promise.reject(this.#consumedError())
    this.#state = 'consumed'
    const fail = (err: unknown): never => {
      this.#source.destroy()
      throw this.#translate(err)
    }
    let plan: DecodingPlan
    let raw: Promise<Buffer>
    try {
      plan = this.#plan()
      if (this.#maxBodySize !== null) return this.#loadCapped(plan, this.#maxBodySize)
      raw = this.#collecting ?? this.#source.collect()
      this.#collecting = null // the promise would keep the raw bytes alive as long as the response
    } catch (err) {
      return Promise.reject(this.#translate(err))
    }
    // Not async: a buffered send ends here, and every promise hop is paid per request.
    return raw.then((bytes) => {
      try {
        this.#content = decodeWhole(bytes, plan)
      } catch (err) {
        fail(err)
      }
      this.#state = 'loaded'
      return this
    }, fail)
  }

  /**
   * load() under a cap: the body decoded as it streams, so neither the raw bytes nor the
   * decoded ones ever exceed the cap in memory (a 1 KiB → 2 GiB bomb stops at the cap).
   */
  async #loadCapped(plan: DecodingPlan, max: number): Promise<this> {
    const chunks: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of decodedChunks(this.#source, plan, max)) {
        chunks.push(chunk)
        size += chunk.length
      }
    } catch (err) {
      this.#source.destroy()
      throw this.#translate(err)
    }
    this.#content = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size)
    this.#state = 'loaded'
    return this
  }

  /**
   * The body in decompressed pieces: of exactly `chunkSize` bytes (the last may be shorter), or
   * as they arrive with `null`. Requests defaults to 1 byte; a byte per iteration is never what
   * anyone wants, so null is our default. With decodeUnicode, strings decoded with `encoding`.
   */
  iterContent(chunkSize?: number | null, decodeUnicode?: false): AsyncGenerator<Buffer>
  iterContent(chunkSize: number | null | undefined, decodeUnicode: true): AsyncGenerator<string>
  iterContent(chunkSize?: number | null, decodeUnicode?: boolean): AsyncGenerator<Buffer | string>
  iterContent(chunkSize: number | null = null, decodeUnicode = false): AsyncGenerator<Buffer | string> {
    if (chunkSize !== null && (!Number.isInteger(chunkSize) || chunkSize < 1)) {
      throw new TypeError(`chunkSize must be a positive integer or null: got ${String(chunkSize)}`)
    }
    if (chunkSize === null && !decodeUnicode && this.#state === 'unread' && this.#collecting === null
      && this.#maxBodySize === null && this.#plan().kind !== 'decode') {
      return this.#passThrough()
    }
    const bytes = this.#byteChunks(chunkSize)
    return decodeUnicode ? this.#decodeStrings(bytes) : bytes
  }

  /**
   * The body as it arrives when nothing is to be decoded, regrouped or capped: the transport's
   * chunks handed straight on, without generator layers (a promise or two fewer per chunk on a
   * large streamed body). Errors still gain this response's request.
   */
  #passThrough(): AsyncGenerator<Buffer> {
    this.#state = 'consumed'
    const source = this.#source[Symbol.asyncIterator]()
    const translate = (err: unknown): never => {
      throw this.#translate(err)
    }
    const iterator: AsyncGenerator<Buffer> = {
      next: () => source.next().then(undefined, translate),
      return: (value?: unknown) => {
        void source.return?.()
        return Promise.resolve({ value: value as undefined, done: true })
      },
      throw: (err?: unknown) => {
        void source.return?.()
        return Promise.reject(err)
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  /** The body line by line, without line endings (`\r\n`, `\n` or `\r`, or `delimiter`). */
  iterLines(options?: { chunkSize?: number | null; decodeUnicode?: false; delimiter?: Buffer | null }): AsyncGenerator<Buffer>
  iterLines(options: { chunkSize?: number | null; decodeUnicode: true; delimiter?: string | null }): AsyncGenerator<string>
  iterLines(options: { chunkSize?: number | null; decodeUnicode?: boolean; delimiter?: Buffer | string | null } = {}): AsyncGenerator<Buffer | string> {
    const chunkSize = options.chunkSize ?? null
    const delimiter = options.delimiter ?? null
    if (options.decodeUnicode === true) {
      return splitLines(this.iterContent(chunkSize, true), Buffer.isBuffer(delimiter) ? delimiter.toString('utf8') : delimiter)
    }
    return splitLines(this.iterContent(chunkSize, false), typeof delimiter === 'string' ? Buffer.from(delimiter) : delimiter)
  }

  /** The body bytes exactly as they arrived, not decompressed (`stream: true` only). */
  get raw(): Readable {
    if (this.#state !== 'unread' || this.#collecting !== null) throw this.#consumedError()
    this.#state = 'consumed'
    const source = this.#source
    const iterator = source[Symbol.asyncIterator]()
    return new Readable({
      async read() {
        try {
          const next = await iterator.next()
          this.push(next.done === true ? null : next.value)
        } catch (err) {
          this.destroy(err as Error)
        }
      },
      destroy(err, callback) {
        if (!source.complete) source.destroy()
        callback(err)
      },
    })
  }

  /**
   * Releases the connection: back to the pool when the body was read to its end, closed
   * otherwise (reading an unknown rest to save a socket could take forever).
   */
  async close(): Promise<void> {
    if (!this.#source.complete) this.#source.destroy()
    if (this.#state === 'unread') this.#state = 'consumed'
  }

  /**
   * Reads the body of a response on its way into history (a redirect, a 401 that Digest
   * answers), as Requests does with `resp.content`: its content stays readable and its
   * connection goes back to the pool. Kept up to HISTORY_BODY_MAX decoded bytes (or
   * maxBodySize, if lower): a body larger than that, cut short or undecodable costs its
   * connection instead, stays unreadable (StreamConsumedError), and never fails the caller.
   */
  async loadForHistory(): Promise<void> {
    if (this.#state !== 'unread') return
    try {
      // Already being gathered whole (a buffered send): it is in memory either way.
      if (this.#collecting !== null) {
        await this.load()
        return
      }
      this.#state = 'consumed'
      await this.#loadCapped(this.#plan(), Math.min(this.#maxBodySize ?? HISTORY_BODY_MAX, HISTORY_BODY_MAX))
    } catch {
      // load() and #loadCapped() have closed the connection already; the hop goes on.
      this.#source.destroy()
    }
  }

  /** Reads and discards the rest of the body so the connection can be reused (retries). */
  async drain(): Promise<void> {
    if (this.#state !== 'unread') return
    this.#state = 'consumed'
    try {
      await (this.#collecting ?? this.#source.dump())
    } catch {
      // A redirect body that fails to arrive costs its connection, not the redirect.
      this.#source.destroy()
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.iterContent(null)[Symbol.asyncIterator]()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  toString(): string {
    return `<Response [${this.statusCode}]>`
  }

  [inspect.custom](): string {
    return `Response { ${this.statusCode} ${this.reason}, url: ${this.url} }`
  }

  async *#byteChunks(chunkSize: number | null): AsyncGenerator<Buffer> {
    if (this.#state === 'loaded') {
      yield* slices(this.#content as Buffer, chunkSize)
      return
    }
    if (this.#state === 'consumed') throw this.#consumedError()
    if (this.#collecting !== null) {
      // Already being read whole: hand it out from memory once it is in.
      await this.load()
      yield* slices(this.#content as Buffer, chunkSize)
      return
    }
    this.#state = 'consumed'
    try {
      const decoded = decodedChunks(this.#source, this.#plan(), this.#maxBodySize)
      yield* chunkSize === null ? decoded : fixedSize(decoded, chunkSize)
    } catch (err) {
      throw this.#translate(err)
    }
  }

  async *#decodeStrings(bytes: AsyncGenerator<Buffer>): AsyncGenerator<string> {
    const decoder = incrementalDecoder(this.encoding ?? 'utf-8')
    for await (const chunk of bytes) {
      const text = decoder.write(chunk)
      if (text !== '') yield text
    }
    const rest = decoder.end()
    if (rest !== '') yield rest
  }

  #plan(): DecodingPlan {
    // Most bodies are not encoded at all: no list to build, no plan to make.
    if (this.#transferCodings.length === 0 && !this.headers.has('Content-Encoding')) return IDENTITY
    try {
      return planDecoding(this.headers.getAll('Content-Encoding'), this.#transferCodings)
    } catch (err) {
      throw this.#translate(err)
    }
  }

  /** Content-Type's charset for json(): only an explicit one; otherwise guess from the bytes. */
  #headerEncodingForJson(): string | null {
    const contentType = this.headers.get('Content-Type')
    if (contentType === undefined || !/charset=/i.test(contentType)) return null
    return encodingFromContentType(contentType)
  }

  #consumedError(): StreamConsumedError {
    return new StreamConsumedError(`the response body was already read as a stream and cannot be read again (${this.url})`, this.#errorContext())
  }

  #errorContext(): { request: PreparedRequest | null; response: Response; url: string } {
    return { request: this.request, response: this, url: this.url }
  }

  #translate(err: unknown): unknown {
    return inContext(err, { ...this.#errorContext(), phase: 'body' })
  }
}
