// Which proxy a request goes through, and what that proxy's URL says: Requests' proxy helpers
// (get_environ_proxies, should_bypass_proxies, select_proxy, resolve_proxies, the adapter's
// proxy URL handling) as pure functions. No I/O here: the environment is passed in.

import { domainToASCII } from 'node:url'
import { isIPv4, isIPv6 } from 'node:net'
import { InvalidHeader, InvalidSchema, InvalidURL } from './errors.js'
import { unquoteBytes } from './percent-encoding.js'

// ---------------------------------------------------------------------------------------------
// The environment

/** The proxy keys the environment can supply; other `*_proxy` variables name schemes we never send. */
const ENV_KEYS = ['http', 'https', 'all'] as const

/**
 * One `<name>_proxy` variable, as urllib's getproxies_environment reads it: the lower-case name
 * wins over the upper-case one, and a lower-case name set to '' switches the proxy off even when
 * the upper-case one is set. Undefined when neither gives a proxy.
 *
 * Under CGI (REQUEST_METHOD set) the upper-case HTTP_PROXY is ignored: a web server puts a
 * client's `Proxy:` request header there (httpoxy, CVE-2016-5385 and its siblings in Python, Go,
 * PHP …), so a client could pick our proxy. This is not Python-specific: a Node program run as a
 * CGI script gets the same environment. Lower-case `http_proxy` cannot come from a header, so it
 * still counts. (Go ignores both cases under CGI; we keep urllib's narrower rule.)
 */
function envProxy(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const lower = env[`${key}_proxy`]
  if (lower !== undefined) {
    // Windows' process.env answers any case for any name, so `http_proxy` may be HTTP_PROXY
    // itself; under CGI only a variable really named in lower case is trusted.
    if (key === 'http' && isCgi(env) && !Object.keys(env).includes('http_proxy')) return undefined
    return lower === '' ? undefined : lower
  }
  if (key === 'http' && isCgi(env)) return undefined
  const upper = env[`${key.toUpperCase()}_PROXY`]
  return upper === undefined || upper === '' ? undefined : upper
}

function isCgi(env: NodeJS.ProcessEnv): boolean {
  return env.REQUEST_METHOD !== undefined
}

/** `no_proxy`, else `NO_PROXY` (Requests' `get_proxy`: the upper-case one when the lower is unset or empty). */
function envNoProxy(env: NodeJS.ProcessEnv): string | undefined {
  return env.no_proxy || env.NO_PROXY || undefined
}

/**
 * The proxies the environment names, keyed `http`, `https` and `all` (from `http_proxy`,
 * `https_proxy`, `all_proxy` or their upper-case forms; see envProxy for which one wins).
 */
export function proxiesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const proxies: Record<string, string> = {}
  for (const key of ENV_KEYS) {
    const value = envProxy(env, key)
    if (value !== undefined) proxies[key] = value
  }
  return proxies
}

// ---------------------------------------------------------------------------------------------
// A URL's scheme, host and port, as Python's urlparse gives them to Requests' helpers

interface UrlHost {
  /** Lower-cased, as urlparse's `scheme`. */
  scheme: string
  /** Lower-cased; an IPv6 literal without brackets; null when the URL has no host (file:///x). */
  hostname: string | null
  /** The port written, else the scheme's default, else null. */
  port: number | null
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 }

function urlHost(url: string): UrlHost {
  const colon = url.indexOf(':')
  const scheme = colon > 0 && /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(url.slice(0, colon)) ? url.slice(0, colon).toLowerCase() : ''
  const rest = scheme === '' ? url : url.slice(colon + 1)
  if (!rest.startsWith('//')) return { scheme, hostname: null, port: null }
  let end = 2
  while (end < rest.length && !'/?#\\'.includes(rest[end] as string)) end++
  const authority = rest.slice(2, end)
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1)
  let host: string
  let portText = ''
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    host = close < 0 ? hostPort.slice(1) : hostPort.slice(1, close)
    if (close >= 0 && hostPort[close + 1] === ':') portText = hostPort.slice(close + 2)
  } else {
    const c = hostPort.indexOf(':')
    host = c < 0 ? hostPort : hostPort.slice(0, c)
    if (c >= 0) portText = hostPort.slice(c + 1)
  }
  const written = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : null
  return {
    scheme,
    hostname: host === '' ? null : host.toLowerCase(),
    port: written ?? DEFAULT_PORTS[scheme] ?? null,
  }
}

// ---------------------------------------------------------------------------------------------
// no_proxy

/** 4 bytes for IPv4, 16 for IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 address. */
function ipBytes(address: string): Uint8Array | null {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number))
  const percent = address.indexOf('%')
  const bare = percent < 0 ? address : address.slice(0, percent) // a zone does not change which host it is
  if (!isIPv6(bare)) return null
  let text = bare
  const tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    tail.push(...text.slice(lastColon + 1).split('.').map(Number))
    text = text.slice(0, lastColon + 1) + '0:0'
  }
  const [head = '', after] = text.split('::')
  const groups = (s: string | undefined): number[] => (s === undefined || s === '' ? [] : s.split(':').map(g => parseInt(g, 16)))
  const left = groups(head)
  const right = groups(after)
  const words = after === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  const bytes = new Uint8Array(16)
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8
    bytes[2 * i + 1] = w & 0xff
  })
  if (tail.length === 4) bytes.set(tail, 12)
  const mapped = bytes.subarray(0, 10).every(b => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? bytes.slice(12) : bytes
}

/** Whether the first `bits` bits of two addresses of the same family agree. */
function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((a[i] as number) & mask) !== ((b[i] as number) & mask)) return false
  }
  return true
}

type NoProxyRule =
  | { kind: 'all' }
  | { kind: 'ip'; bytes: Uint8Array; bits: number; port: number | null }
  | { kind: 'name'; name: string; port: number | null }

/** One no_proxy entry; null for one that can match nothing (an invalid CIDR, a bare dot …). */
function parseRule(entry: string): NoProxyRule | null {
  const e = entry.toLowerCase()
  if (e === '*') return { kind: 'all' }
  const slash = e.indexOf('/')
  if (slash >= 0) {
    // A CIDR range, IPv4 or IPv6, the address in brackets or not (curl ≥ 7.86, Requests' is_valid_cidr).
    let address = e.slice(0, slash)
    if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1)
    const prefix = e.slice(slash + 1)
    const bytes = /^[0-9]{1,3}$/.test(prefix) ? ipBytes(address) : null
    if (bytes === null) return null
    // A mapped IPv6 range (::ffff:10.0.0.0/104) becomes the IPv4 range it stands for.
    const bits = Number(prefix) - (bytes.length === 4 && !isIPv4(address) ? 96 : 0)
    if (bits < 0 || bits > bytes.length * 8) return null
    return { kind: 'ip', bytes, bits, port: null }
  }
  let host = e
  let port: number | null = null
  if (e.startsWith('[')) {
    // [v6] or [v6]:port
    const close = e.indexOf(']')
    if (close < 0) return null
    host = e.slice(1, close)
    const after = e.slice(close + 1)
    if (after !== '') {
      if (!/^:[0-9]{1,5}$/.test(after)) return null
      port = Number(after.slice(1))
    }
  } else if (!isIPv6(e)) {
    // host:port or ipv4:port; a bare IPv6 literal has colons of its own and no port.
    const match = /^(.*):([0-9]{1,5})$/.exec(e)
    if (match !== null) {
      host = match[1] as string
      port = Number(match[2])
    }
  }
  const bytes = ipBytes(host)
  if (bytes !== null) return { kind: 'ip', bytes, bits: bytes.length * 8, port }
  // A name matches itself and its subdomains, on label boundaries: `.example.com`, `*.example.com`
  // and `example.com` all mean the domain (curl, urllib's proxy_bypass_environment). Requests'
  // own check is a plain endswith, which lets `example.com` bypass for `badexample.com`; we do not.
  let name = host.startsWith('*.') ? host.slice(2) : host
  while (name.startsWith('.')) name = name.slice(1)
  if (name.endsWith('.')) name = name.slice(0, -1) // example.com. is example.com
  if (name === '' || name.includes('*')) return null
  return { kind: 'name', name, port }
}

const ruleCache = new Map<string, readonly NoProxyRule[]>()

/** The rules of a no_proxy value; a process sees one or two values, so they are kept. */
function parseNoProxy(noProxy: string): readonly NoProxyRule[] {
  let rules = ruleCache.get(noProxy)
  if (rules === undefined) {
    // curl separates entries by commas or white space; Requests strips spaces and splits on commas.
    rules = noProxy.split(/[\s,]+/).filter(e => e !== '').map(parseRule).filter((r): r is NoProxyRule => r !== null)
    if (ruleCache.size >= 64) ruleCache.clear()
    ruleCache.set(noProxy, rules)
  }
  return rules
}

/**
 * Whether `url` goes around the proxies (Requests' should_bypass_proxies, with curl's matching):
 * `*` bypasses everything; entries are separated by commas or spaces and compared without regard
 * to case; a host name (with or without a leading `.` or `*.`) matches that host and its
 * subdomains on label boundaries; `host:port` only that port (the URL's port, else its scheme's
 * default); IPv4 and IPv6 addresses (with or without brackets) match the same address however it
 * is written, and CIDR ranges the addresses in them. Names are never resolved: `localhost` does not
 * match 127.0.0.1. A URL without a host always bypasses, as in Requests.
 */
export function shouldBypassProxies(url: string, noProxy: string | null | undefined): boolean {
  const target = urlHost(url)
  if (target.hostname === null) return true
  if (noProxy === null || noProxy === undefined || noProxy === '') return false
  const rules = parseNoProxy(noProxy)
  if (rules.length === 0) return false
  let hostname = target.hostname
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1)
  const address = ipBytes(hostname)
  for (const rule of rules) {
    if (rule.kind === 'all') return true
    if (rule.port !== null && rule.port !== target.port) continue
    if (rule.kind === 'ip') {
      if (address !== null && samePrefix(address, rule.bytes, rule.bits)) return true
    } else if (address === null) {
      const n = rule.name
      if (hostname === n || (hostname.endsWith(n) && hostname.charCodeAt(hostname.length - n.length - 1) === 0x2e /* . */)) return true
    }
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// Choosing the proxy

function own(record: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key)
}

/**
 * The proxy URL for `url` (Requests' select_proxy): the first key present of `scheme://host`,
 * `scheme`, `all://host`, `all`. A present key ends the search even when its value is '' (which
 * means "no proxy", as in Requests, where '' is falsy). A URL without a host looks at `scheme`,
 * then `all`. An IPv6 host is looked up as Requests writes it (`http://::1`) and in brackets.
 */
export function selectProxy(url: string, proxies: Readonly<Record<string, string>>): string | null {
  for (const _ in proxies) return pick(url, proxies)
  return null // the common case: no proxies at all
}

function pick(url: string, proxies: Readonly<Record<string, string>>): string | null {
  const { scheme, hostname } = urlHost(url)
  const hosts = hostname === null ? [] : hostname.includes(':') ? [`[${hostname}]`, hostname] : [hostname]
  const keys = [...hosts.map(h => `${scheme}://${h}`), scheme, ...hosts.map(h => `all://${h}`), 'all']
  for (const key of keys) {
    if (own(proxies, key)) return proxies[key] || null
  }
  return null
}

/**
 * The proxies a request to `url` uses, in Requests' precedence (merge_environment_settings, and
 * rebuild_proxies on redirects): the request's, then the environment's when `trustEnv` (only when
 * no_proxy does not bypass the URL), then the session's. A null in `requestProxies` removes that
 * key whatever its source, environment included, as merge_setting does after setdefault. The
 * no_proxy used is the request's `no_proxy` key, then the session's, then the environment's; a
 * `no_proxy` key stays in the result (Requests keeps it), selectProxy never picks it. Explicit
 * proxies are used whatever no_proxy says: it only filters the environment's, as in Requests.
 */
export function resolveProxies(
  url: string,
  requestProxies: Readonly<Record<string, string | null | undefined>>,
  sessionProxies: Readonly<Record<string, string>>,
  trustEnv: boolean,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const merged: Record<string, string> = { ...sessionProxies }
  if (trustEnv) {
    // Only the keys select_proxy can use for this URL's scheme are read: each process.env read is
    // a call into C++, and this runs for every request.
    const { scheme } = urlHost(url)
    let fromEnv: Record<string, string> | null = null
    for (const key of scheme === 'http' || scheme === 'https' ? [scheme, 'all'] : ['all']) {
      const value = envProxy(env, key)
      if (value !== undefined) (fromEnv ??= {})[key] = value
    }
    if (fromEnv !== null) {
      const noProxy = requestProxies.no_proxy ?? sessionProxies.no_proxy ?? envNoProxy(env)
      if (!shouldBypassProxies(url, noProxy)) Object.assign(merged, fromEnv)
    }
  }
  for (const key of Object.keys(requestProxies)) {
    const value = requestProxies[key]
    if (value === null || value === undefined) delete merged[key]
    else merged[key] = value
  }
  return merged
}

// ---------------------------------------------------------------------------------------------
// The proxy URL

export interface ParsedProxy {
  scheme: 'http' | 'https'
  /** Lower-cased (IDNA for non-ASCII names); an IPv6 literal without brackets, ready for net.connect. */
  hostname: string
  port: number
  /** `Basic …` from the URL's userinfo, for Proxy-Authorization; absent without a user name. */
  authorization?: string
  /** The proxy URL without credentials (`http://host:port`), for messages. */
  display: string
}

const parsedProxies = new Map<string, Readonly<ParsedProxy>>()

/**
 * What a proxy URL says (Requests' prepend_scheme_if_needed + urllib3's parse_url and ProxyManager
 * checks + the adapter's proxy_headers). Without `://` the URL is `http://` + it: Requests reads
 * `localhost:3128` as scheme `localhost` and fails, curl reads it as host and port, and so do we.
 * The port defaults to the scheme's (80, 443), as in Requests (curl would use 1080). The path is
 * ignored. Userinfo is percent-decoded to bytes and sent as they are in Basic credentials (a
 * non-ASCII character written raw is UTF-8; Requests would encode latin-1); a user name is needed,
 * the password may be missing or empty. Errors never show the credentials: messages use `display`
 * or the URL with everything before its last `@` replaced.
 */
export function parseProxyUrl(proxyUrl: string): ParsedProxy {
  const known = parsedProxies.get(proxyUrl)
  if (known !== undefined) return known
  const parsed = Object.freeze(parseProxyUrlUncached(proxyUrl))
  if (parsedProxies.size >= 64) parsedProxies.clear()
  parsedProxies.set(proxyUrl, parsed)
  return parsed
}

function parseProxyUrlUncached(proxyUrl: string): ParsedProxy {
  if (typeof proxyUrl !== 'string' || proxyUrl.trim() === '') {
    throw new InvalidURL('Please check proxy URL. It is empty.', { code: 'PROXY_URL_INVALID' })
  }
  const input = proxyUrl.trim()
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(input)
  const scheme = schemeMatch === null ? 'http' : (schemeMatch[1] as string).toLowerCase()
  const rest = schemeMatch === null ? input : input.slice(schemeMatch[0].length)
  const shown = redacted(scheme, rest)
  const invalid = (why: string, code = 'PROXY_URL_INVALID'): InvalidURL =>
    new InvalidURL(`Please check proxy URL ${shown}: ${why}`, { code, url: shown })

  if (scheme.startsWith('socks')) {
    throw new InvalidSchema(`SOCKS proxies are not supported (proxy ${shown}); use an http:// or https:// proxy`, { code: 'PROXY_SCHEME_UNSUPPORTED', url: shown })
  }
  if (scheme !== 'http' && scheme !== 'https') {
    throw new InvalidSchema(`Unsupported proxy scheme ${JSON.stringify(scheme)} (proxy ${shown}); use an http:// or https:// proxy`, { code: 'PROXY_SCHEME_UNSUPPORTED', url: shown })
  }
  // Checked before splitting: a raw control character is never part of a valid URL, and one in the
  // userinfo must not reach a message. Percent-encoded ones are checked once decoded, below.
  if (/[\x00-\x1f\x7f]/.test(rest)) throw invalid('it holds a control character', 'URL_CONTROL_CHARACTER')

  let end = 0
  while (end < rest.length && !'/?#\\'.includes(rest[end] as string)) end++
  const authority = rest.slice(0, end)
  const at = authority.lastIndexOf('@')
  const userinfo = at < 0 ? null : authority.slice(0, at)
  const hostPort = authority.slice(at + 1)

  let host: string
  let portText: string | null = null
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    if (close < 0) throw invalid('the IPv6 address is not closed with ]')
    host = hostPort.slice(1, close)
    const after = hostPort.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid('failed to parse the host and port')
      portText = after.slice(1)
    }
    if (!isIPv6(host)) throw invalid('invalid IPv6 address')
    host = host.toLowerCase()
  } else {
    const colon = hostPort.indexOf(':')
    host = colon < 0 ? hostPort : hostPort.slice(0, colon)
    if (colon >= 0) portText = hostPort.slice(colon + 1)
    host = normalizeName(host, invalid)
  }
  if (host === '') throw invalid('it is malformed and could be missing the host', 'PROXY_URL_NO_HOST')

  let port = scheme === 'http' ? 80 : 443
  if (portText !== null && portText !== '') {
    if (!/^[0-9]+$/.test(portText)) throw invalid('the port is not a number')
    port = portText.length > 5 ? 0 : Number(portText)
    if (port < 1 || port > 65535) throw invalid(`port ${portText} is out of range`, 'URL_INVALID_PORT')
  }

  const display = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
  const result: ParsedProxy = { scheme, hostname: host, port, display }
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':')
    const user = unquoteBytes(colon < 0 ? userinfo : userinfo.slice(0, colon))
    const pass = unquoteBytes(colon < 0 ? '' : userinfo.slice(colon + 1))
    if (user.includes(0x0d) || user.includes(0x0a) || user.includes(0x00) || pass.includes(0x0d) || pass.includes(0x0a) || pass.includes(0x00)) {
      throw new InvalidHeader(`The credentials of proxy ${display} hold CR, LF or NUL`, { code: 'PROXY_CREDENTIALS_INVALID', url: display })
    }
    // Requests' proxy_headers: credentials only with a user name (`:secret@` sends none).
    if (user.length > 0) {
      result.authorization = 'Basic ' + Buffer.concat([user, Buffer.from(':'), pass]).toString('base64')
    }
  }
  return result
}

/** The host of a proxy URL, as urls.ts normalizes an http(s) host: ASCII lower-cased, IDNA otherwise. */
function normalizeName(host: string, invalid: (why: string) => InvalidURL): string {
  if (/^[\x00-\x7f]*$/.test(host)) {
    if (!/^[A-Za-z0-9\-._~!$&'()*+,;=]*$/.test(host)) throw invalid('invalid character in host')
    if (host.startsWith('.') || host.startsWith('*')) throw invalid('invalid label in host')
    return host.toLowerCase()
  }
  const ascii = domainToASCII(host)
  if (ascii === '') throw invalid('invalid label in host')
  return ascii
}

/**
 * The proxy URL for a message: everything before the last `@` (wherever it is: a password may hold
 * an unencoded `/` or `#`) becomes `***`, control characters are escaped.
 */
function redacted(scheme: string, rest: string): string {
  const at = rest.lastIndexOf('@')
  const visible = at < 0 ? rest : `***@${rest.slice(at + 1)}`
  return `${scheme}://${visible}`.replace(/[\x00-\x1f\x7f]/g, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
