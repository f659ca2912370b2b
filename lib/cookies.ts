// RequestsCookieJar: Requests' cookie jar over a tough-cookie CookieJar, which owns the RFC 6265
// rules (domain and path matching, Secure, expiry, public suffixes, host-only cookies). Cookies set
// without a domain, as `s.cookies.set('a', 'b')` in Requests, are kept apart and go to every host.

import type { InspectOptions } from 'node:util'
import { createRequire } from 'node:module'
import type { Cookie, CookieJar } from 'tough-cookie'
import { InvalidHeader } from './errors.js'
import { isToken } from './http1/chars.js'

// tough-cookie brings the public suffix list (~12 MiB of memory once loaded); a session that
// never meets a cookie never needs it, so it is loaded on the first cookie.
const requireLazily = createRequire(import.meta.url)
type ToughCookie = typeof import('tough-cookie')
let toughModule: ToughCookie | undefined
function tough(): ToughCookie {
  return (toughModule ??= requireLazily('tough-cookie') as ToughCookie)
}

/** Selects cookies by domain and path; a missing field matches any. `domain: ''` means host-less. */
export interface CookieScope {
  domain?: string
  path?: string
}

export interface CookieSetOptions extends CookieScope {
  secure?: boolean
  httpOnly?: boolean
  expires?: Date
  /** Milliseconds from now (API.md: times are ms); wins over `expires`, as Max-Age does (RFC 6265 §5.3 step 3). */
  maxAge?: number
}

/** One cookie as the jar shows it. `domain` is '' for a host-less cookie, without a leading dot otherwise. */
export interface CookieInfo {
  readonly name: string
  readonly value: string
  readonly domain: string
  readonly path: string
  readonly secure: boolean
  readonly httpOnly: boolean
  /** Set by a Set-Cookie without Domain: sent to that exact host only (RFC 6265 §5.3 step 6). */
  readonly hostOnly: boolean
  readonly expires: Date | null
}

/** What the `cookies` option and `update` accept. */
export type CookieSource = Readonly<Record<string, string>> | RequestsCookieJar

/**
 * `get(name)` matched several cookies (same name, different domains or paths): pass a domain or
 * a path to choose. As in Requests, this is not a RequestException; nothing was sent.
 */
export class CookieConflictError extends Error {
  override name = 'CookieConflictError'
  readonly code = 'COOKIE_CONFLICT'
}

// RFC 6265 §4.1.1: cookie-name is an RFC 2616 token.
// Stricter cookie-octets would refuse `hello world` or `{"a":1}`, which Requests sends and servers
// read back whole (a server splits the header on ';' only). What is refused is what can change the
// header's meaning or framing: controls (CR, LF, NUL ...), DEL, ';', and non-ASCII (percent-encode).
const VALUE = /^[\x20-\x3A\x3C-\x7E]*$/
// Domain and path are never sent, but they must not smuggle controls or separators into the jar.
const ATTRIBUTE = /^[\x21-\x2B\x2D-\x3A\x3C-\x7E]*$/
// Cookie headers remembered per URL (without query): a session talks to few URLs, and a lookup in
// tough-cookie costs microseconds (public-suffix walk, a Promise per call). Full → start over.
const HEADER_CACHE_SIZE = 64

interface CachedHeader {
  readonly header: string
  /** The earliest expiry among its cookies: past it, the header must be built again. */
  readonly until: number
}

/** A tough-cookie store call that answers through a callback, made synchronously. */
type Done<T> = (err: Error | null, result?: T) => void

function sync<T>(call: (done: Done<T>) => void): T | undefined {
  let answered = false
  let error: Error | null = null
  let value: T | undefined
  call((err, result) => {
    answered = true
    error = err
    value = result
  })
  // The constructor only accepts synchronous stores, so an unanswered call is a store bug.
  if (!answered) throw new Error('tough-cookie store did not answer synchronously')
  if (error !== null) throw error
  return value
}

function isExpired(c: Cookie, now: number): boolean {
  const at = c.expiryTime()
  return at !== undefined && at <= now
}

/** A Domain option as the store keys it: lower case, punycode, no leading dot; '' is host-less. */
function normalDomain(domain: string): string {
  return domain === '' ? '' : tough().canonicalDomain(domain) ?? ''
}

function infoOf(c: Cookie): CookieInfo {
  const at = c.expiryTime()
  return {
    name: c.key,
    value: c.value,
    domain: c.domain ?? '',
    path: c.path ?? '/',
    secure: c.secure,
    httpOnly: c.httpOnly,
    hostOnly: c.hostOnly === true,
    expires: at === undefined || at === Infinity ? null : new Date(at),
  }
}

function inScope(c: Cookie, name: string | undefined, domain: string | undefined, path: string | undefined): boolean {
  return (name === undefined || c.key === name)
    && (domain === undefined || (c.domain ?? '') === domain)
    && (path === undefined || c.path === path)
}

/**
 * tough-cookie counts Max-Age from `lastAccessed`, which every lookup refreshes, so a cookie read
 * often would never expire. RFC 6265 §5.2.2 fixes the expiry when the cookie arrives: do that.
 */
function fixExpiry(c: Cookie, now: number): void {
  const maxAge = c.maxAge
  if (maxAge === null) return
  c.maxAge = null
  if (maxAge === 'Infinity') c.expires = 'Infinity'
  else if (maxAge === '-Infinity' || maxAge <= 0) c.expires = new Date(0)
  else c.expires = new Date(now + maxAge * 1000)
}

function checkName(name: string): void {
  if (!isToken(name)) {
    throw new InvalidHeader(`invalid cookie name ${JSON.stringify(name)}: it must be an RFC 6265 token`, { code: 'INVALID_COOKIE_NAME' })
  }
}

// Reaches the jar's private state from the module's integration functions, without making it API.
let headerFor: (jar: RequestsCookieJar, url: string) => string
let receive: (jar: RequestsCookieJar, url: string, setCookie: readonly string[]) => void

export class RequestsCookieJar implements Iterable<CookieInfo> {
  /** Made on first use (see tough()); reached through #jar. */
  #jarInstance: CookieJar | undefined
  /** Host-less cookies by path and name; their `domain` is null. */
  readonly #hostless = new Map<string, Cookie>()
  /** False only while #jar is known to hold nothing, so an empty jar costs no tough-cookie call. */
  #jarUsed: boolean
  /** Once the tough-cookie jar has been handed out, it may change behind our back (no caching). */
  #jarShared: boolean
  /** Cookie header by URL up to its query; emptied by every change to the jar. */
  readonly #headers = new Map<string, CachedHeader>()

  constructor(jar?: CookieJar) {
    if (jar !== undefined && !jar.store.synchronous) {
      throw new TypeError('RequestsCookieJar needs a tough-cookie jar with a synchronous store (such as MemoryCookieStore)')
    }
    this.#jarInstance = jar
    this.#jarUsed = jar !== undefined
    this.#jarShared = jar !== undefined
  }

  get #jar(): CookieJar {
    if (this.#jarInstance === undefined) {
      const { CookieJar, MemoryCookieStore } = tough()
      this.#jarInstance = new CookieJar(new MemoryCookieStore(), { rejectPublicSuffixes: true, looseMode: false })
    }
    return this.#jarInstance
  }

  /** The tough-cookie jar holding every cookie that has a domain. */
  get store(): CookieJar {
    this.#jarUsed = true
    this.#jarShared = true
    return this.#jar
  }

  /**
   * The value of the cookie called `name`, narrowed by domain and path if given; undefined when
   * none. Throws CookieConflictError when several match, as Requests does.
   */
  get(name: string, scope: CookieScope = {}): string | undefined {
    const domain = scope.domain === undefined ? undefined : normalDomain(scope.domain)
    let found: Cookie | undefined
    for (const c of this.#all()) {
      if (!inScope(c, name, domain, scope.path)) continue
      if (found !== undefined) {
        throw new CookieConflictError(`several cookies are named ${JSON.stringify(name)}: pass a domain or a path to choose`)
      }
      found = c
    }
    return found?.value
  }

  /**
   * Sets a cookie, replacing the one with the same name, domain and path; `null` removes every
   * cookie called `name` in scope. Without a domain the cookie goes to every host (Requests'
   * `domain=''`); with one, to that domain and its subdomains, as cookielib does.
   */
  set(name: string, value: string | null, options: CookieSetOptions = {}): void {
    checkName(name)
    if (value === null) {
      this.delete(name, options)
      return
    }
    if (!VALUE.test(value)) {
      throw new InvalidHeader(`invalid value for cookie ${name}: controls, ';' and non-ASCII are refused`, { code: 'INVALID_COOKIE_VALUE' })
    }
    const path = options.path ?? '/'
    const rawDomain = options.domain ?? ''
    if (!ATTRIBUTE.test(path) || !ATTRIBUTE.test(rawDomain)) {
      throw new InvalidHeader(`invalid domain or path for cookie ${name}`, { code: 'INVALID_COOKIE_ATTRIBUTE' })
    }
    const now = Date.now()
    let expires: Date | null = options.expires ?? null
    if (options.maxAge !== undefined) expires = new Date(now + options.maxAge)
    if (expires !== null && expires.getTime() <= now) {
      // An expiry in the past deletes (RFC 6265 §5.3 step 11 then §5.3's eviction of expired cookies).
      this.#remove(name, normalDomain(rawDomain), path)
      return
    }
    const domain = normalDomain(rawDomain)
    const cookie = new (tough().Cookie)({
      key: name, value, path, expires, secure: options.secure ?? false, httpOnly: options.httpOnly ?? false,
      domain: domain === '' ? null : domain, hostOnly: false, creation: new Date(now), lastAccessed: new Date(now),
    })
    this.#put(cookie)
  }

  /** Removes every cookie called `name` in scope; true if one was there. */
  delete(name: string, scope: CookieScope = {}): boolean {
    return this.#remove(name, scope.domain === undefined ? undefined : normalDomain(scope.domain), scope.path)
  }

  /** True when any cookie is called `name` (several count too, as in Requests). */
  has(name: string): boolean {
    return this.#all().some(c => c.key === name)
  }

  keys(): string[] {
    return this.#all().map(c => c.key)
  }

  values(): string[] {
    return this.#all().map(c => c.value)
  }

  items(): [string, string][] {
    return this.#all().map(c => [c.key, c.value])
  }

  * [Symbol.iterator](): Iterator<CookieInfo> {
    for (const c of this.#all()) yield infoOf(c)
  }

  get size(): number {
    return this.#all().length
  }

  get isEmpty(): boolean {
    if (this.#hostless.size > 0) return false
    return !this.#jarUsed || this.#all().length === 0
  }

  /** Name → value of the cookies with exactly this domain and path (a later cookie wins a name). */
  getDict(domain?: string, path?: string): Record<string, string> {
    const d = domain === undefined ? undefined : normalDomain(domain)
    const out: Record<string, string> = {}
    for (const c of this.#all()) if (inScope(c, undefined, d, path)) out[c.key] = c.value
    return out
  }

  toJSON(): Record<string, string> {
    return this.getDict()
  }

  listDomains(): string[] {
    return [...new Set(this.#all().map(c => c.domain ?? ''))]
  }

  listPaths(): string[] {
    return [...new Set(this.#all().map(c => c.path ?? '/'))]
  }

  /**
   * True when the cookies span more than one domain, as Requests documents. (Requests' code
   * answers whether any domain appears twice, which is not what its docstring says.)
   */
  multipleDomains(): boolean {
    return this.listDomains().length > 1
  }

  /** Adds `other`'s cookies: a jar's keep their domain, path and flags; a record's are host-less. */
  update(other: CookieSource): void {
    if (other instanceof RequestsCookieJar) {
      if (other === this) return
      for (const c of other.#all()) {
        const copy = c.clone()
        if (copy !== undefined) this.#put(copy)
      }
      return
    }
    for (const [name, value] of Object.entries(other)) this.set(name, value)
  }

  /** A deep copy: changing either jar leaves the other alone. */
  copy(): RequestsCookieJar {
    const out = new RequestsCookieJar(this.#jarUsed ? this.#jar.cloneSync() : undefined)
    // The clone is ours alone, whatever was true of the original.
    out.#jarShared = false
    for (const [key, c] of this.#hostless) {
      const copy = c.clone()
      if (copy !== undefined) out.#hostless.set(key, copy)
    }
    return out
  }

  /** Removes the cookies matching every argument given; with none, all of them. */
  clear(domain?: string, path?: string, name?: string): void {
    if (domain === undefined && path === undefined && name === undefined) {
      this.#hostless.clear()
      this.#headers.clear()
      if (this.#jarUsed) this.#jar.removeAllCookiesSync()
      if (!this.#jarShared) this.#jarUsed = false
      return
    }
    const d = domain === undefined ? undefined : normalDomain(domain)
    for (const c of this.#all()) if (inScope(c, name, d, path)) this.#drop(c)
  }

  // console.log shows names, domains and paths only: values are often credentials.
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, _options: InspectOptions): string {
    const all = this.#all()
    if (all.length === 0) return 'RequestsCookieJar {}'
    const shown = all.map(c => {
      const where = c.domain === null ? 'any host' : c.hostOnly === true ? c.domain : `.${c.domain}`
      return `${c.key} (${where}${c.path ?? '/'})`
    })
    return `RequestsCookieJar { ${shown.join(', ')} }`
  }

  /** Every live cookie in creation order; expired ones found on the way are removed. */
  #all(): Cookie[] {
    const now = Date.now()
    const out: Cookie[] = []
    if (this.#jarUsed) {
      const stored = sync<Cookie[]>(done => this.#jar.store.getAllCookies(done)) ?? []
      for (const c of stored) if (isExpired(c, now)) this.#drop(c); else out.push(c)
    }
    const before = out.length
    for (const c of this.#hostless.values()) if (isExpired(c, now)) this.#drop(c); else out.push(c)
    if (before > 0 && out.length > before) out.sort((a, b) => a.creationIndex - b.creationIndex)
    return out
  }

  /** Stores `c`, which keeps the creation time of the cookie it replaces (RFC 6265 §5.3 step 11.3). */
  #put(c: Cookie): void {
    this.#headers.clear()
    if (c.domain === null) {
      const key = `${c.path ?? '/'}\n${c.key}`
      const old = this.#hostless.get(key)
      if (old !== undefined) {
        c.creation = old.creation
        c.creationIndex = old.creationIndex
      }
      this.#hostless.set(key, c)
      return
    }
    this.#jarUsed = true
    const store = this.#jar.store
    const old = sync<Cookie | undefined>(done => store.findCookie(c.domain, c.path, c.key, done))
    if (old !== undefined) {
      c.creation = old.creation
      c.creationIndex = old.creationIndex
    }
    sync<void>(done => store.putCookie(c, done))
  }

  #drop(c: Cookie): void {
    this.#headers.clear()
    if (c.domain === null) {
      this.#hostless.delete(`${c.path ?? '/'}\n${c.key}`)
      return
    }
    sync<void>(done => this.#jar.store.removeCookie(c.domain, c.path, c.key, done))
  }

  #remove(name: string, domain: string | undefined, path: string | undefined): boolean {
    let removed = false
    for (const c of this.#all()) {
      if (!inScope(c, name, domain, path)) continue
      this.#drop(c)
      removed = true
    }
    return removed
  }

  static {
    headerFor = (jar, url) => jar.#header(url)
    receive = (jar, url, setCookie) => jar.#receive(url, setCookie)
  }

  #header(url: string): string {
    const hostless = this.#hostless
    if (!this.#jarUsed && hostless.size === 0) return ''
    const cache = this.#jarShared ? undefined : this.#headers
    let key = ''
    if (cache !== undefined) {
      key = withoutQuery(url)
      const hit = cache.get(key)
      if (hit !== undefined && (hit.until === Infinity || Date.now() < hit.until)) return hit.header
    }
    let target: URL | undefined
    let cookies: Cookie[] = []
    try {
      if (this.#jarUsed) {
        target = new URL(url)
        cookies = this.#jar.getCookiesSync(target)
      }
      if (hostless.size > 0) {
        const fromJar = cookies.length
        const now = Date.now()
        let path: string | undefined
        for (const c of hostless.values()) {
          if (isExpired(c, now)) {
            this.#drop(c)
            continue
          }
          if (c.secure || c.path !== '/') {
            target ??= new URL(url)
            if (c.secure && target.protocol !== 'https:') continue
            // tough-cookie matches against the decoded path; host-less cookies must agree with it.
            path ??= safeDecodeURI(target.pathname)
            if (c.path !== null && !tough().pathMatch(path, c.path)) continue
          }
          cookies.push(c)
        }
        if (fromJar > 0 || cookies.length > 1) cookies.sort(tough().cookieCompare)
      } else if (cookies.length > 1) {
        cookies.sort(tough().cookieCompare)
      }
    } catch {
      // A URL that does not parse gets no cookies; the request itself will fail on it.
      return ''
    }
    const header = cookies.length === 1 ? (cookies[0] as Cookie).cookieString() : cookies.map(c => c.cookieString()).join('; ')
    if (cache !== undefined) {
      let until = Infinity
      for (const c of cookies) {
        const at = c.expiryTime()
        if (at !== undefined && at < until) until = at
      }
      if (cache.size >= HEADER_CACHE_SIZE) cache.clear()
      cache.set(key, { header, until })
    }
    return header
  }

  #receive(url: string, setCookie: readonly string[]): void {
    if (setCookie.length === 0) return
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return
    }
    const now = Date.now()
    this.#headers.clear()
    for (const line of setCookie) {
      const cookie = tough().Cookie.parse(line, { loose: false })
      if (cookie === undefined) continue
      fixExpiry(cookie, now)
      this.#jarUsed = true
      try {
        // ignoreError: a refused cookie (public suffix, foreign domain, Secure over http, bad
        // prefix) is dropped as a browser drops it, never an error for the response.
        this.#jar.setCookieSync(cookie, target, { ignoreError: true, now: new Date(now) })
      } catch {
        // Store errors are not covered by ignoreError; a cookie is never worth failing a response.
      }
    }
  }
}

/** The part of a URL a Cookie header depends on: scheme, host, port and path. */
function withoutQuery(url: string): string {
  const q = url.indexOf('?')
  const h = url.indexOf('#')
  const end = q < 0 ? h : h < 0 ? q : Math.min(q, h)
  return end < 0 ? url : url.slice(0, end)
}

function safeDecodeURI(path: string): string {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

/**
 * The `Cookie` header value for a request to `url`, '' when no cookie applies: the jar's matching
 * cookies and the host-less ones, longer paths first (RFC 6265 §5.4 step 2).
 */
export function cookieHeaderFor(jar: RequestsCookieJar, url: string): string {
  return headerFor(jar, url)
}

/** Stores each Set-Cookie received from `url`; one the rules refuse is dropped silently. */
export function storeResponseCookies(jar: RequestsCookieJar, url: string, setCookie: readonly string[]): void {
  receive(jar, url, setCookie)
}

/** Requests' `cookiejar_from_dict`: the cookies as host-less ones, in `jar` if given (overwriting). */
export function cookiejarFromDict(cookies: CookieSource | null | undefined, jar?: RequestsCookieJar): RequestsCookieJar {
  if (cookies instanceof RequestsCookieJar) {
    if (jar === undefined) return cookies
    jar.update(cookies)
    return jar
  }
  const out = jar ?? new RequestsCookieJar()
  if (cookies != null) for (const [name, value] of Object.entries(cookies)) out.set(name, value)
  return out
}

/**
 * Requests' `merge_cookies`: a jar's cookies are added to `jar`; a record's only where `jar` has
 * no cookie of that name yet (Requests' `overwrite=False`). Returns `jar`.
 */
export function mergeCookies(jar: RequestsCookieJar, cookies: CookieSource | null | undefined): RequestsCookieJar {
  if (cookies == null) return jar
  if (cookies instanceof RequestsCookieJar) {
    jar.update(cookies)
    return jar
  }
  const present = new Set(jar.keys())
  for (const [name, value] of Object.entries(cookies)) if (!present.has(name)) jar.set(name, value)
  return jar
}
