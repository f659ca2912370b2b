// Session (Requests' sessions.py): defaults merged into every request, a cookie jar that
// persists, mounted adapters, and the policy on top of the transport — redirects, hooks and
// cookie storage. Mechanism (connections) stays below adapter.ts; policy lives here.

import { HTTPAdapter } from './adapter.js'
import type { AuthInput } from './auth.js'
import { cookiejarFromDict, mergeCookies, RequestsCookieJar, storeResponseCookies } from './cookies.js'
import { InvalidSchema, TooManyRedirects } from './errors.js'
import { dispatchHooks, type HookLists } from './hooks.js'
import { netrcAuth } from './netrc.js'
import { resolveProxies } from './proxies.js'
import {
  normalizeTimeout,
  type CertInput,
  type HeadersInput,
  type ProxiesInput,
  type RequestOptions,
  type SendOptions,
  type TimeoutInput,
  type VerifyInput,
} from './options.js'
import { dropBody, keepsBody, rebuildMethod, redirectTarget, resolveLocation, shouldStripAuth, stripCredentials } from './redirects.js'
import { entriesOf, PreparedRequest, Request } from './request.js'
import type { Connection, Response } from './response.js'
import { CaseInsensitiveDict } from './structures.js'
import type { ParamsInput } from './urls.js'
import { VERSION } from './version.js'

const NO_PROXIES: Readonly<Record<string, string>> = Object.freeze({})
/** The variables that name a proxy; with them, no_proxy and REQUEST_METHOD decide (lib/proxies.ts). */
const PROXY_URL_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const
const ENV_VARIABLES = [
  ...PROXY_URL_VARIABLES, 'no_proxy', 'NO_PROXY', 'REQUEST_METHOD',
  'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE',
] as const

/** Requests' DEFAULT_REDIRECT_LIMIT. */
export const DEFAULT_MAX_REDIRECTS = 30

export function defaultHeaders(): CaseInsensitiveDict<string> {
  return new CaseInsensitiveDict<string>([
    ['User-Agent', `reqwire/${VERSION}`],
    ['Accept-Encoding', 'gzip, deflate, br'],
    ['Accept', '*/*'],
    ['Connection', 'keep-alive'],
  ])
}

/** What `Session.send` takes besides the prepared request; unset fields come from the session. */
export interface SendInit {
  stream?: boolean | null
  timeout?: TimeoutInput | null
  verify?: VerifyInput | null
  cert?: CertInput | null
  proxies?: ProxiesInput | null
  allowRedirects?: boolean
  signal?: AbortSignal | null
  maxBodySize?: number | null
}

export interface SessionInit {
  /** Mounted for both http:// and https:// instead of a new HTTPAdapter each (one-shot calls share one). */
  adapter?: Connection
}

export class Session {
  headers: CaseInsensitiveDict<string> = defaultHeaders()
  auth: AuthInput | null = null
  proxies: Record<string, string> = {}
  hooks: HookLists = { response: [] }
  params: ParamsInput = {}
  stream = false
  verify: VerifyInput = true
  cert: CertInput | null = null
  maxRedirects = DEFAULT_MAX_REDIRECTS
  /** The most bytes a decoded body may have (a decompression bomb stops there); null: no limit. */
  maxBodySize: number | null = null
  /** Read credentials from ~/.netrc and CA bundles from the environment. */
  trustEnv = true
  cookies: RequestsCookieJar = new RequestsCookieJar()
  /** Mounted adapters, longest prefix first (the first match wins); an array, walked per request. */
  #mounts: (readonly [prefix: string, lower: string, adapter: Connection])[] = []
  /** Until when netrc is known to have nothing (see #netrc). */
  #netrcAbsentUntil = 0
  /** The proxy and CA-bundle variables of the environment, and until when they are taken as read (see #environment). */
  #env: NodeJS.ProcessEnv = {}
  #envHasProxies = false
  #envReadUntil = 0

  constructor(init: SessionInit = {}) {
    this.mount('https://', init.adapter ?? new HTTPAdapter())
    this.mount('http://', init.adapter ?? new HTTPAdapter())
  }

  request(method: string, url: string, options: RequestOptions = {}): Promise<Response> {
    // Not async: one promise fewer per call. What prepare throws still arrives as a rejection.
    let prepared: PreparedRequest
    try {
      prepared = this.prepareRequest(this.#toRequest(method, url, options))
    } catch (err) {
      return Promise.reject(err)
    }
    // RequestOptions holds every SendInit field under the same name: passed as it is.
    return this.send(prepared, options)
  }

  #toRequest(method: string, url: string, options: RequestOptions): Request {
    return new Request(method, url, {
      headers: options.headers,
      files: options.files,
      data: options.data,
      json: options.json,
      params: options.params,
      auth: options.auth,
      cookies: options.cookies,
      hooks: options.hooks,
    })
  }

  get(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('GET', url, options)
  }

  options(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('OPTIONS', url, options)
  }

  /** HEAD does not follow redirects unless asked (Requests' default). */
  head(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('HEAD', url, { ...options, allowRedirects: options.allowRedirects ?? false })
  }

  post(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('POST', url, options)
  }

  put(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('PUT', url, options)
  }

  patch(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('PATCH', url, options)
  }

  delete(url: string, options: RequestOptions = {}): Promise<Response> {
    return this.request('DELETE', url, options)
  }

  /** A Request with this session's defaults merged in, prepared (Requests' prepare_request). */
  prepareRequest(request: Request): PreparedRequest {
    // Cookies: the session's jar, plus the request's own, which are sent but never stored in it.
    let jar = this.cookies
    if (request.cookies !== null) {
      const own = request.cookies instanceof RequestsCookieJar ? request.cookies : cookiejarFromDict(request.cookies)
      jar = mergeCookies(mergeCookies(new RequestsCookieJar(), this.cookies), own)
    }
    let auth = request.auth ?? this.auth
    if (auth === null && this.trustEnv) auth = this.#netrc(request.url)
    const p = new PreparedRequest()
    p.prepare({
      method: request.method,
      url: request.url,
      files: request.files,
      data: request.data,
      json: request.json,
      ownedHeaders: mergeHeaders(request.headers, this.headers),
      params: mergeParams(request.params, this.params),
      auth,
      cookies: jar,
      // Deliberately unlike Requests, which drops the session's response hooks when the request
      // brings its own: both run, the session's first.
      hooks: this.hooks.response.length === 0 ? request.hooks : { response: [...this.hooks.response, ...request.hooks.response] },
    })
    return p
  }

  /**
   * Credentials from netrc. Finding that there is no netrc file reads the environment and the
   * file system, which costs more than the rest of preparing a request, so a session remembers
   * "none" for a second: a netrc file created meanwhile is used from the next second on.
   */
  #netrc(url: string): [string, string] | null {
    if (Date.now() < this.#netrcAbsentUntil) return null
    const auth = netrcAuth(url)
    if (auth === null) this.#netrcAbsentUntil = Date.now() + 1000
    return auth
  }

  /** Sends a PreparedRequest: adapter, hooks, cookies, redirects, and the body unless streaming. */
  send(request: PreparedRequest, init: SendInit = {}): Promise<Response> {
    if (!(request instanceof PreparedRequest)) {
      return Promise.reject(new TypeError('Session.send takes a PreparedRequest: call request.prepare() or session.prepareRequest(request) first'))
    }
    let options: SendOptions
    let adapter: Connection
    try {
      options = this.#sendOptions(request, init)
      adapter = this.getAdapter(request.url)
    } catch (err) {
      return Promise.reject(err)
    }
    // Adapters hand back the body unread; it is loaded last, after redirects, so that a
    // redirect's body is read under the history cap (loadForHistory). Plain promise chaining rather than
    // async functions: on the common path (no hooks, no redirect) that saves promise hops.
    return adapter.send(request, options).then((r) => {
      if (request.hooks.response.length > 0 || r.isRedirect) return this.#policies(r, request, options)
      this.#storeCookies(r)
      return options.stream ? r : r.load()
    })
  }

  /** Hooks, cookies of every response and redirects, then the body unless streaming. */
  async #policies(first: Response, request: PreparedRequest, options: SendOptions): Promise<Response> {
    let r = first
    if (request.hooks.response.length > 0) r = await dispatchHooks(request.hooks.response, r, options)
    this.#storeAllCookies(r)
    if (r.isRedirect) {
      if (options.allowRedirects) {
        const chain: Response[] = [r]
        for await (const next of this.resolveRedirects(r, request, options)) chain.push(next)
        r = chain.pop() as Response
        r.history = chain
      } else {
        r.next = this.#nextRequest(r, request)
      }
    }
    if (!options.stream) await r.load()
    return r
  }

  /**
   * Follows redirects from `response`, yielding each response that comes back (Requests'
   * resolve_redirects). A loop, not recursion: each hop is one iteration.
   */
  async *resolveRedirects(response: Response, request: PreparedRequest, options: SendOptions): AsyncGenerator<Response> {
    const hops: Response[] = []
    let resp = response
    let req = request
    while (resp.isRedirect) {
      hops.push(resp)
      resp.history = hops.slice(0, -1)
      // Read, as Requests does: the hop's content stays readable in history.
      await resp.loadForHistory()
      if (hops.length > this.maxRedirects) {
        throw new TooManyRedirects(`Exceeded ${this.maxRedirects} redirects.`, { request: req, response: resp, url: resp.url, code: 'TOO_MANY_REDIRECTS' })
      }
      const next = this.#nextRequest(resp, req)
      resp = await this.getAdapter(next.url).send(next, this.#hopOptions(next, options))
      if (next.hooks.response.length > 0) resp = await dispatchHooks(next.hooks.response, resp, options)
      this.#storeAllCookies(resp)
      req = next
      yield resp
    }
  }

  /**
   * Requests' rebuild_proxies: the environment's proxy for the new URL joins the proxies in use
   * (a host the first URL's no_proxy bypassed may not be bypassed, and the other way round).
   */
  #hopOptions(next: PreparedRequest, options: SendOptions): SendOptions {
    if (!this.trustEnv || !this.#environmentHasProxies()) return options
    return { ...options, proxies: resolveProxies(next.url, options.proxies, NO_PROXIES, true, this.#environment()) }
  }

  /** The request a redirect response asks for: the redirect rules in redirects.ts, in Requests' order. */
  #nextRequest(resp: Response, req: PreparedRequest): PreparedRequest {
    const location = redirectTarget(resp) as string
    const next = req.copy()
    next.prepareUrl(resolveLocation(location, resp.url))
    this.getAdapter(next.url) // only schemes we can send to (InvalidSchema for file:, data: …)
    next.method = rebuildMethod(next.method, resp.statusCode)
    if (!keepsBody(resp.statusCode) || next.method !== req.method) dropBody(next)
    // Cookies are computed again for the new URL from the jar. What this hop set is in the
    // session's jar already (stored when the response came), and merged in from there.
    next.headers.delete('Cookie')
    const jar = next.cookieJar ?? new RequestsCookieJar()
    if (jar !== this.cookies) mergeCookies(jar, this.cookies)
    next.prepareCookies(jar)
    this.rebuildAuth(next, resp)
    // A body that goes along must be sendable again (a stream already read is not).
    if (next.body !== null) next.rewindBody()
    return next
  }

  /**
   * Requests' rebuild_auth, called for each redirect hop: drops Authorization and
   * Proxy-Authorization when the hop leaves the origin (`shouldStripAuth`), then applies the new
   * host's netrc credentials. Override it to drop headers of your own that hold secrets (an
   * X-Api-Key), which nothing else knows to be secret and which follow redirects as in Requests.
   */
  rebuildAuth(prepared: PreparedRequest, response: Response): void {
    if (this.shouldStripAuth(response.url, prepared.url)) stripCredentials(prepared)
    if (this.trustEnv) {
      const auth = this.#netrc(prepared.url)
      if (auth !== null) prepared.prepareAuth(auth)
    }
  }

  /** Requests' should_strip_auth: does going from `oldUrl` to `newUrl` leave the origin? */
  shouldStripAuth(oldUrl: string, newUrl: string): boolean {
    return shouldStripAuth(oldUrl, newUrl)
  }

  /** The adapter mounted for the longest prefix of `url`. */
  getAdapter(url: string): Connection {
    const mounts = this.#mounts
    for (let i = 0; i < mounts.length; i++) {
      const [prefix, lower, adapter] = mounts[i] as (typeof mounts)[number]
      // Prefixes match ignoring case, as Requests lower-cases both; most URLs match as written.
      if (url.startsWith(prefix) || url.slice(0, prefix.length).toLowerCase() === lower) return adapter
    }
    throw new InvalidSchema(`No connection adapters were found for ${JSON.stringify(url)}`, { url, code: 'NO_ADAPTER' })
  }

  /** Mounts `adapter` for URLs starting with `prefix`; longer prefixes are tried first. */
  mount(prefix: string, adapter: Connection): void {
    const mounts = this.#mounts.filter(([p]) => p !== prefix)
    mounts.push([prefix, prefix.toLowerCase(), adapter])
    mounts.sort((a, b) => b[0].length - a[0].length)
    this.#mounts = mounts
  }

  /** Prefix → adapter, in the order they are tried (Requests' `session.adapters`). */
  get adapters(): ReadonlyMap<string, Connection> {
    return new Map(this.#mounts.map(([prefix, , adapter]) => [prefix, adapter]))
  }

  /** Closes every mounted adapter and the connections they hold. */
  async close(): Promise<void> {
    const unique = new Set(this.#mounts.map(([, , adapter]) => adapter))
    await Promise.all([...unique].map((adapter) => adapter.close()))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #sendOptions(request: PreparedRequest, init: SendInit): SendOptions {
    let verify = init.verify ?? this.verify
    // Requests takes a CA bundle from the environment only when verification is left on. Each
    // process.env read is a call into C++, so plain http:// requests do not pay for it.
    if (verify === true && this.trustEnv && isHttps(request.url)) verify = caBundleFrom(this.#environment()) ?? true
    const proxies = init.proxies == null && isEmptyRecord(this.proxies) && !(this.trustEnv && this.#environmentHasProxies())
      ? NO_PROXIES // the common case: no proxy anywhere, nothing to parse or match
      : resolveProxies(request.url, init.proxies ?? NO_PROXIES, this.proxies, this.trustEnv, this.#environment())
    const timeout = normalizeTimeout(init.timeout)
    return {
      stream: init.stream ?? this.stream,
      timeout,
      deadline: timeout.total === undefined ? null : performance.now() + timeout.total,
      verify,
      cert: init.cert ?? this.cert,
      proxies,
      allowRedirects: init.allowRedirects ?? true,
      signal: init.signal ?? null,
      maxBodySize: checkMaxBodySize(init.maxBodySize ?? this.maxBodySize),
    }
  }

  /**
   * The environment's proxy and CA-bundle variables. Each process.env read is a call into C++,
   * and a request through a session would make up to eleven of them, so the values are read at
   * most once a second: a variable changed at run time applies to this session within a second.
   */
  #environment(): NodeJS.ProcessEnv {
    const now = Date.now()
    if (now < this.#envReadUntil) return this.#env
    const env: NodeJS.ProcessEnv = {}
    for (const name of ENV_VARIABLES) {
      const value = process.env[name]
      if (value !== undefined) env[name] = value
    }
    this.#env = env
    this.#envHasProxies = PROXY_URL_VARIABLES.some((name) => env[name] !== undefined)
    this.#envReadUntil = now + 1000
    return env
  }

  #environmentHasProxies(): boolean {
    this.#environment()
    return this.#envHasProxies
  }

  /**
   * Cookies of a response and of any a hook put in its history (Digest's 401 may set one the
   * retry needed): Requests stores both after the hooks have run.
   */
  #storeAllCookies(r: Response): void {
    for (const earlier of r.history) this.#storeCookies(earlier)
    this.#storeCookies(r)
  }

  #storeCookies(r: Response): void {
    if (!r.headers.has('Set-Cookie')) return
    storeResponseCookies(this.cookies, r.url, r.headers.getAll('Set-Cookie'))
  }
}

function checkMaxBodySize(value: number | null): number | null {
  if (value !== null && (!Number.isInteger(value) || value < 0)) {
    throw new TypeError(`maxBodySize must be a whole number of bytes >= 0, or null: got ${String(value)}`)
  }
  return value
}

function isHttps(url: string): boolean {
  return url.length > 6 && (url.charCodeAt(4) === 0x73 || url.charCodeAt(4) === 0x53) && url.charCodeAt(5) === 0x3a
}

/** Requests' REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE, then (as OpenSSL does) SSL_CERT_FILE. */
function caBundleFrom(env: NodeJS.ProcessEnv): string | null {
  return env.REQUESTS_CA_BUNDLE || env.CURL_CA_BUNDLE || env.SSL_CERT_FILE || null
}

/** Request headers over session headers, ignoring case; a null value removes the session's header. */
export function mergeHeaders(requestHeaders: HeadersInput | null, sessionHeaders: CaseInsensitiveDict<string>): CaseInsensitiveDict<string> {
  const merged = sessionHeaders.copy()
  if (requestHeaders === null) return merged
  for (const [name, value] of entriesOf(requestHeaders)) {
    if (value === null || value === undefined) merged.delete(name)
    else merged.set(name, value)
  }
  return merged
}

/**
 * Request params over session params (Requests' merge_setting): records are merged key by key,
 * a null value removing the session's; any other form of request params replaces the session's.
 */
export function mergeParams(requestParams: ParamsInput | null, sessionParams: ParamsInput): ParamsInput | null {
  const sessionIsRecord = isRecord(sessionParams)
  if (sessionIsRecord && isEmptyRecord(sessionParams)) return requestParams
  if (requestParams === null) return sessionParams
  if (!sessionIsRecord || !isRecord(requestParams)) return requestParams
  const merged: Record<string, unknown> = { ...sessionParams }
  for (const [key, value] of Object.entries(requestParams)) {
    if (value === null || value === undefined) delete merged[key]
    else merged[key] = value
  }
  return merged as ParamsInput
}

function isEmptyRecord(value: Readonly<Record<string, unknown>>): boolean {
  for (const _ in value) return false
  return true
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof URLSearchParams)
}
