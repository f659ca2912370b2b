// Request and PreparedRequest (Requests' models.py): a Request is what the caller asked for; its
// prepare() turns it into the exact method, URL, headers and body that go on the wire, in
// Requests' order of steps — method, URL, headers, cookies, body, auth, hooks — because each step
// may depend on the ones before it (auth signs the final URL and body; cookies need the URL).

import type { Readable } from 'node:stream'
import { applyAuth, type AuthInput } from './auth.js'
import { encodeBody, type BodyChunk, type DataInput, type FilesInput } from './bodies.js'
import { cookieHeaderFor, cookiejarFromDict, RequestsCookieJar } from './cookies.js'
import { isToken } from './http1/chars.js'
import { InvalidHeader, inContext, UnrewindableBodyError, URLRequired } from './errors.js'
import { hookLists, toList, type HookEvent, type HookLists } from './hooks.js'
import type { HeadersInput, Hook, HooksInput } from './options.js'
import { CaseInsensitiveDict } from './structures.js'
import { authFromUrl, prepareUrl, type ParamsInput } from './urls.js'

/** A body as it goes to the adapter. Strings are UTF-8; streams and iterables are read once. */
export type PreparedBody = Buffer | Uint8Array | string | Readable | AsyncIterable<BodyChunk> | Iterable<BodyChunk>

export interface RequestInit {
  headers?: HeadersInput | null
  files?: FilesInput | null
  data?: DataInput | null
  json?: unknown
  params?: ParamsInput | null
  auth?: AuthInput | null
  cookies?: Readonly<Record<string, string>> | RequestsCookieJar | null
  hooks?: HooksInput | null
}

/** What the caller asked for, before any defaults or encoding. */
export class Request {
  method: string
  url: string
  headers: HeadersInput | null
  files: FilesInput | null
  data: DataInput | null
  json: unknown
  params: ParamsInput | null
  auth: AuthInput | null
  cookies: Readonly<Record<string, string>> | RequestsCookieJar | null
  hooks: HookLists

  constructor(method: string, url: string, init: RequestInit = {}) {
    this.method = method
    this.url = url
    this.headers = init.headers ?? null
    this.files = init.files ?? null
    this.data = init.data ?? null
    this.json = init.json
    this.params = init.params ?? null
    this.auth = init.auth ?? null
    this.cookies = init.cookies ?? null
    this.hooks = hookLists(init.hooks)
  }

  registerHook(event: HookEvent, hook: Hook | readonly Hook[]): void {
    this.hooks[event].push(...toList(hook))
  }

  /** The request on its own, without a session's defaults. */
  prepare(): PreparedRequest {
    const p = new PreparedRequest()
    p.prepare(this)
    return p
  }
}

/** Everything prepare() needs, with the session's defaults already merged in. */
export interface PrepareInput extends Omit<RequestInit, 'hooks'> {
  method: string
  url: string
  hooks?: HookLists | HooksInput | null
  /** Headers made for this request alone (a session's merge): checked in place instead of copied. */
  ownedHeaders?: CaseInsensitiveDict<string>
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD'])
const COMMON_METHODS: ReadonlySet<unknown> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** The exact bytes-to-be of one request. Adapters send these; redirects and auth copy them. */
export class PreparedRequest {
  method = ''
  /** The full URL: params appended, IDNA host, percent-encoded; the fragment is kept here but never sent. */
  url = ''
  /** Made on first read when prepare() did not set one: most requests never need the empty one. */
  #headers: CaseInsensitiveDict<string> | undefined
  body: PreparedBody | null = null
  hooks: HookLists = { response: [] }
  /** The jar cookies were taken from; redirects add the cookies each hop sets and recompute. */
  cookieJar: RequestsCookieJar | null = null
  /** Set once a stream body has been handed to an adapter: it cannot be sent a second time. */
  #bodyTaken = false

  get headers(): CaseInsensitiveDict<string> {
    return (this.#headers ??= new CaseInsensitiveDict<string>())
  }

  set headers(value: CaseInsensitiveDict<string>) {
    this.#headers = value
  }

  prepare(input: PrepareInput): void {
    this.prepareMethod(input.method)
    this.prepareUrl(input.url, input.params)
    if (input.ownedHeaders !== undefined) this.#checkHeadersInPlace(input.ownedHeaders)
    else this.prepareHeaders(input.headers)
    this.prepareCookies(input.cookies)
    this.prepareBody(input.data, input.files, input.json)
    this.prepareAuth(input.auth)
    // After auth, as in Requests: a hook an auth handler registered (Digest's 401 handler)
    // comes before the caller's.
    this.prepareHooks(input.hooks)
  }

  prepareMethod(method: string): void {
    if (COMMON_METHODS.has(method)) {
      this.method = method // already upper case and a token
      return
    }
    if (typeof method !== 'string' || method === '') throw new TypeError('a request needs a method')
    this.method = method.toUpperCase()
    // A method is a token (RFC 9110 §9.1); anything else could split the request line.
    if (!isToken(this.method)) {
      throw new InvalidHeader(`invalid HTTP method ${JSON.stringify(method)}: a method is a token (RFC 9110 §9.1)`, { code: 'INVALID_METHOD' })
    }
  }

  prepareUrl(url: string, params?: ParamsInput | null): void {
    if (url === null || url === undefined) {
      throw new URLRequired('a URL is required to make a request')
    }
    this.url = prepareUrl(String(url), params)
  }

  prepareHeaders(headers?: HeadersInput | null): void {
    const url = this.url
    if (headers instanceof CaseInsensitiveDict) {
      // A copy shares the entries: cheaper than building a second dictionary entry by entry.
      this.#checkHeadersInPlace(headers.copy())
      return
    }
    const dict = new CaseInsensitiveDict<string>()
    if (headers !== null && headers !== undefined) {
      for (const [name, value] of entriesOf(headers)) {
        if (value === null || value === undefined) continue
        dict.set(name, checkHeader(name, value, this.url))
      }
    }
    this.headers = dict
  }

  /** Checks every header of a dict no one else holds; null values (a caller's removal) are dropped. */
  #checkHeadersInPlace(dict: CaseInsensitiveDict<string>): void {
    const url = this.url
    const removed: string[] = []
    dict.forEach((value: unknown, name) => {
      if (value === null || value === undefined) removed.push(name)
      else if (typeof value !== 'string') dict.set(name, checkHeader(name, value, url))
      else checkHeader(name, value, url)
    })
    for (const name of removed) dict.delete(name)
    this.headers = dict
  }

  prepareCookies(cookies?: Readonly<Record<string, string>> | RequestsCookieJar | null): void {
    this.cookieJar = cookies instanceof RequestsCookieJar ? cookies : cookiejarFromDict(cookies ?? null)
    // A Cookie header the caller set by hand wins over the jar, as cookielib does.
    if (this.headers.has('Cookie')) return
    const header = cookieHeaderFor(this.cookieJar, this.url)
    if (header !== '') this.headers.set('Cookie', header)
  }

  prepareBody(data?: DataInput | null, files?: FilesInput | null, json?: unknown): void {
    const none = (data === null || data === undefined) && (files === null || files === undefined) && json === undefined
    let encoded: ReturnType<typeof encodeBody> | null = null
    try {
      if (!none) encoded = encodeBody({ data: data ?? null, files: files ?? null, json })
    } catch (err) {
      // InvalidJSONError, InvalidHeader: they name the request they were refused for.
      throw inContext(err, { request: this, url: this.url })
    }
    this.#bodyTaken = false
    if (encoded === null) {
      this.body = null
      this.prepareContentLength(null)
      return
    }
    this.body = encoded.body
    if (encoded.contentType !== null && !this.headers.has('Content-Type')) {
      this.headers.set('Content-Type', encoded.contentType)
    }
    this.prepareContentLength(encoded.length)
  }

  /**
   * Content-Length when the size is known, else chunked for a body (RFC 9112 §6.1), and
   * `Content-Length: 0` for a bodyless method that has a body in its semantics, so servers that
   * insist on a length (411) accept it. GET and HEAD without a body carry neither.
   */
  prepareContentLength(length: number | null): void {
    if (this.body !== null) {
      if (length !== null) {
        this.headers.set('Content-Length', String(length))
        this.headers.delete('Transfer-Encoding')
      } else if (!this.headers.has('Content-Length')) {
        this.headers.set('Transfer-Encoding', 'chunked')
      }
    } else if (!BODYLESS_METHODS.has(this.method) && !this.headers.has('Content-Length')) {
      this.headers.set('Content-Length', '0')
    }
  }

  prepareAuth(auth?: AuthInput | null, url: string = this.url): void {
    let chosen = auth ?? null
    if (chosen === null) chosen = authFromUrl(url)
    if (chosen === null) return
    const result = applyAuth(chosen, this)
    if (result !== this && result instanceof PreparedRequest) this.#adopt(result)
    // Auth may have changed the body (a signing scheme); its length goes with it.
    if (this.body !== null && typeof this.body !== 'string' && !(this.body instanceof Uint8Array)) return
    if (this.body !== null) this.prepareContentLength(byteLength(this.body))
  }

  prepareHooks(hooks?: HookLists | HooksInput | null): void {
    if (hooks === null || hooks === undefined) return
    const response = (hooks as HooksInput).response
    if (response === undefined || response === null || (Array.isArray(response) && response.length === 0)) return
    this.registerHook('response', response)
  }

  registerHook(event: HookEvent, hook: Hook | readonly Hook[]): void {
    this.hooks[event].push(...toList(hook))
  }

  /** The request-target: path and query, never the fragment (RFC 9112 §3.2.1). */
  get pathUrl(): string {
    const url = this.url
    const start = url.indexOf('/', url.indexOf('//') + 2)
    if (start === -1) return '/'
    const hash = url.indexOf('#', start)
    return hash === -1 ? url.slice(start) : url.slice(start, hash)
  }

  copy(): PreparedRequest {
    const p = new PreparedRequest()
    p.method = this.method
    p.url = this.url
    p.headers = this.headers.copy()
    p.body = this.body
    p.hooks = { response: [...this.hooks.response] }
    p.cookieJar = this.cookieJar === null ? null : this.cookieJar.copy()
    p.#bodyTaken = this.#bodyTaken
    return p
  }

  /**
   * Makes the body sendable again, for a redirect that keeps it (307/308) or an auth retry.
   * Bytes can be sent any number of times; a stream that has been read cannot.
   */
  rewindBody(): void {
    if (this.#bodyTaken) {
      throw new UnrewindableBodyError(`the request body is a stream that was already sent and cannot be rewound (${this.url})`, { request: this })
    }
  }

  /** Hands the body to an adapter, remembering that a stream has now been used up. */
  takeBody(): PreparedBody | null {
    const body = this.body
    if (body !== null && !isReplayable(body)) {
      if (this.#bodyTaken) this.rewindBody() // throws: the stream is gone
      this.#bodyTaken = true
    }
    return body
  }

  #adopt(other: PreparedRequest): void {
    this.method = other.method
    this.url = other.url
    this.headers = other.headers
    this.body = other.body
    this.hooks = other.hooks
    this.cookieJar = other.cookieJar
  }
}

function isReplayable(body: PreparedBody): boolean {
  return typeof body === 'string' || body instanceof Uint8Array
}

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
}

/** Entries of any HeadersInput, in order. */
export function entriesOf(headers: HeadersInput): Iterable<readonly [string, string | null | undefined]> {
  if (headers instanceof CaseInsensitiveDict) return headers
  if (Array.isArray(headers)) return headers as readonly (readonly [string, string | null | undefined])[]
  return Object.entries(headers as Readonly<Record<string, string | null | undefined>>)
}

/**
 * Requests' check_header_validity, stricter: a name is a token, a value holds no CR, LF or NUL
 * (or other controls but HTAB) and has no leading whitespace. Refused here, with the header's
 * name, before anything is sent; the serializer checks again as the last line of defence.
 */
function checkHeader(name: string, value: unknown, url: string): string {
  // A session sends the same few headers with every request; a pair seen valid a moment ago
  // needs no second look (a Map lookup instead of two character loops).
  if (typeof value === 'string' && checkedHeaders.get(name) === value) return value
  const text = checkHeaderSlow(name, value, url)
  if (checkedHeaders.size >= 256) checkedHeaders.clear()
  checkedHeaders.set(name, text)
  return text
}

/** Header name → the last value that passed checkHeader. */
const checkedHeaders = new Map<string, string>()

function checkHeaderSlow(name: string, value: unknown, url: string): string {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new InvalidHeader(`invalid header name ${JSON.stringify(name)}: a field name is a token (RFC 9110 §5.1)`, { code: 'INVALID_HEADER_NAME', url })
  }
  let text: string
  if (typeof value === 'string') text = value
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value)
  else throw new InvalidHeader(`header ${name} must be a string: got ${typeof value}`, { code: 'INVALID_HEADER_VALUE', url })
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw new InvalidHeader(`invalid character 0x${c.toString(16)} in the value of header ${name} (RFC 9110 §5.5)`, { code: 'INVALID_HEADER_VALUE', url })
    }
  }
  if (text.length > 0 && (text.charCodeAt(0) === 0x20 || text.charCodeAt(0) === 0x09)) {
    throw new InvalidHeader(`the value of header ${name} starts with whitespace`, { code: 'INVALID_HEADER_VALUE', url })
  }
  return text
}
