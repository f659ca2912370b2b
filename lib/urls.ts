// URL preparation as Requests' PreparedRequest.prepare_url does it (over urllib3's parse_url and
// Requests' requote_uri), plus the split of a prepared URL into what goes on the wire. The parser
// is our own rather than WHATWG's `new URL()`, whose leniency differs from Requests where it shows.

import { domainToASCII } from 'node:url'
import { isIPv6 } from 'node:net'
import { InvalidSchema, InvalidURL, MissingSchema, URLRequired } from './errors.js'
import { HOST_SET, PATH_SET, Percent, QUERY_SET, REQUOTE_SET, UNRESERVED_SET, USERINFO_SET, formQuote, quote, unquote } from './percent-encoding.js'

export type ParamValue = string | number | boolean | null | undefined

export type ParamsInput =
  | Readonly<Record<string, ParamValue | readonly ParamValue[]>>
  | readonly (readonly [string, ParamValue])[]
  | string
  | URLSearchParams

/** What the transport needs from a prepared http(s) URL. */
export interface WireTarget {
  scheme: 'http' | 'https'
  /** IPv6 literals without brackets (and with a zone as `%zone`), ready for net.connect. */
  hostname: string
  port: number
  /** origin-form `path?query` (RFC 9112 §3.2.1); the fragment is never sent. */
  target: string
  /** The Host field value: port left out when default, IPv6 in brackets (as http.client does). */
  host: string
}

/**
 * Requests' `_encode_params`: a string is taken as already encoded; records and pairs become
 * `application/x-www-form-urlencoded` as Python's `urlencode(…, doseq=True)` writes it, an array
 * value repeats its key and a null/undefined value (or array item) leaves its key out.
 */
export function encodeParams(params: ParamsInput): string {
  if (typeof params === 'string') return params
  if (params instanceof URLSearchParams) return params.toString()
  let out = ''
  const add = (key: string, value: ParamValue): void => {
    if (value === null || value === undefined) return
    if (out !== '') out += '&'
    out += formQuote(key) + '=' + formQuote(String(value))
  }
  if (Array.isArray(params)) {
    // Requests repeats a key for a list value in pairs too (to_key_val_list, then the same loop).
    for (const [key, value] of params as readonly (readonly [string, ParamValue | readonly ParamValue[]])[]) {
      if (Array.isArray(value)) for (const item of value as readonly ParamValue[]) add(key, item)
      else add(key, value as ParamValue)
    }
    return out
  }
  for (const key of Object.keys(params)) {
    const value = (params as Readonly<Record<string, ParamValue | readonly ParamValue[]>>)[key]
    if (Array.isArray(value)) for (const item of value as readonly ParamValue[]) add(key, item)
    else add(key, value as ParamValue)
  }
  return out
}

/**
 * Requests' `requote_uri`: unreserved characters that were escaped are unescaped, characters that
 * may not appear in a URI are escaped, and nothing already escaped is escaped again. Unlike
 * Requests, a stray `%` always becomes `%25` while the valid escapes beside it are kept (Requests
 * falls back to escaping every `%`, turning `%20` into `%2520`, or leaves `%` + non-alnum alone).
 */
export function requoteUri(uri: string): string {
  return quote(uri, REQUOTE_SET, Percent.Keep)
}

/** Any C0 control or DEL: WHATWG strips tab/CR/LF silently, we refuse (nothing injected on the wire). */
function refuseControls(url: string): void {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) {
      throw new InvalidURL(`Invalid URL ${repr(url)}: control character U+${c.toString(16).padStart(4, '0').toUpperCase()} at index ${i}`, { url, code: 'URL_CONTROL_CHARACTER' })
    }
  }
}

/** Python's repr of a str, as Requests' messages show the URL. */
function repr(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, c => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))}'`
}

// urllib3's _SCHEME_RE: without it a string is read as starting with an authority.
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+-]*:/

interface Authority {
  userinfo: string | null
  /** As written; an IPv6 literal with its brackets. */
  host: string
  /** Digits as written ('' for `host:`), or null when absent. */
  port: string | null
}

/** Splits `userinfo@host:port` as urllib3's _HOST_PORT_RE does; null when it does not match. */
function splitAuthority(authority: string): Authority | null {
  // A loop, not lastIndexOf: V8's lastIndexOf is a runtime call that costs more than this scan.
  let at = authority.length - 1
  while (at >= 0 && authority.charCodeAt(at) !== 0x40 /* @ */) at--
  const userinfo = at < 0 ? null : authority.slice(0, at)
  const hostPort = at < 0 ? authority : authority.slice(at + 1)
  let host: string
  let rest: string
  if (hostPort.charCodeAt(0) === 0x5b /* [ */) {
    const close = hostPort.indexOf(']')
    if (close < 0) return null
    host = hostPort.slice(0, close + 1)
    rest = hostPort.slice(close + 1)
  } else {
    const colon = hostPort.indexOf(':')
    host = colon < 0 ? hostPort : hostPort.slice(0, colon)
    rest = colon < 0 ? '' : hostPort.slice(colon)
  }
  if (rest === '') return { userinfo, host, port: null }
  if (rest.charCodeAt(0) !== 0x3a /* : */) return null
  for (let i = 1; i < rest.length; i++) {
    const c = rest.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return null
  }
  return { userinfo, host, port: rest.slice(1) }
}

/** 1..65535, leading zeros dropped (urllib3 reads the port with int()). Port 0 is refused: nothing listens there. */
function parsePort(digits: string, url: string): number {
  const port = digits.length > 10 ? Infinity : Number(digits)
  if (!(port >= 1 && port <= 65535)) {
    throw new InvalidURL(`Invalid URL ${repr(url)}: port ${digits} is out of range`, { url, code: 'URL_INVALID_PORT' })
  }
  return port
}

function invalidLabel(url: string): InvalidURL {
  return new InvalidURL('URL has an invalid label.', { url, code: 'URL_INVALID_LABEL' })
}

/**
 * urllib3's _normalize_host for http(s), with Requests' label checks: an IPv6 literal is checked
 * and lower-cased (a zone id written `%25zone`, RFC 6874 §2); a non-ASCII name must pass strict
 * IDNA 2008 (urllib3's check) and is then encoded (Punycode); an ASCII name is lower-cased and must be a
 * reg-name (Requests lets other characters through to DNS; we refuse them, they are never valid).
 */
function normalizeHost(host: string, url: string): string {
  if (host.charCodeAt(0) === 0x5b) {
    const inner = host.slice(1, -1)
    const pct = inner.indexOf('%')
    const address = pct < 0 ? inner : inner.slice(0, pct)
    if (!isIPv6(address)) {
      throw new InvalidURL(`Invalid URL ${repr(url)}: invalid IPv6 address ${host}`, { url, code: 'URL_INVALID_HOST' })
    }
    if (pct < 0) return host.toLowerCase()
    let zone = inner.slice(pct + 1)
    // "%25" is the delimiter written encoded; a raw "%" is taken as one too.
    if (zone.startsWith('25')) zone = zone.slice(2)
    return `[${address.toLowerCase()}%25${quote(zone, UNRESERVED_SET, Percent.Encode)}]`
  }
  let ascii = true
  let upper = false
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i)
    if (c >= 128) {
      ascii = false
      break
    }
    if (c >= 0x41 && c <= 0x5a) upper = true
    if (HOST_SET[c] === 0) {
      throw new InvalidURL(`Invalid URL ${repr(url)}: invalid character ${JSON.stringify(host[i])} in host`, { url, code: 'URL_INVALID_HOST' })
    }
  }
  if (ascii) {
    if (host.charCodeAt(0) === 0x2a /* * */ || host.charCodeAt(0) === 0x2e /* . */) throw invalidLabel(url)
    return upper ? host.toLowerCase() : host
  }
  // urllib3 encodes a non-ASCII name with strict IDNA 2008 (no UTS #46 mapping, STD3 rules) and
  // Requests refuses what that refuses. domainToASCII alone would map fullwidth letters and accept
  // symbols and emoji (☃.net), so the labels are checked first and only then encoded by it.
  // Each label is lower-cased on its own (a Greek final sigma ends its label, not the name);
  // ASCII labels keep the reg-name rule above, non-ASCII ones get the IDNA 2008 check.
  const labels = host.split('.').map(label => label.toLowerCase())
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string
    const ok = isAscii(label) ? isRegName(label) && (label !== '' || i === labels.length - 1) : idnaLabelOk(label)
    if (!ok) throw invalidLabel(url)
  }
  const lower = labels.join('.')
  const encoded = domainToASCII(lower)
  if (encoded === '' || encoded.split('.').some(label => label.length > 63)) throw invalidLabel(url)
  return encoded
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false
  return true
}

function isRegName(label: string): boolean {
  for (let i = 0; i < label.length; i++) if (HOST_SET[label.charCodeAt(i)] === 0) return false
  return true
}

/** Letters, digits and combining marks (IDNA 2008's LetterDigits, RFC 5892 §2.1). */
const LETTER_DIGIT = /^[\p{Ll}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}]$/u
const COMBINING_MARK = /^\p{M}/u
const MARK = /^\p{M}$/u
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u
const LETTER = /^\p{L}$/u
const KANA_OR_HAN = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u
const HEBREW = /^\p{Script=Hebrew}$/u
const GREEK = /^\p{Script=Greek}$/u

/**
 * Whether a lower-cased, non-ASCII label would pass strict IDNA 2008 (RFC 5891 §5.4, RFC 5892),
 * close enough to the idna package urllib3 uses: NFC; no hyphen at either end nor in the 3rd and
 * 4th places; no leading combining mark; each character an ASCII letter, digit or hyphen, or a
 * non-ASCII letter, digit or mark that NFKC and lower-casing leave as it is (PVALID, roughly), or
 * one of the contextual characters of RFC 5892 Appendix A where its context holds (ZWNJ and ZWJ
 * after a mark such as a virama, ZWNJ also between letters; the Catalan middle dot; the Greek
 * keraia before Greek; Hebrew geresh and gershayim after Hebrew; the katakana middle dot in a
 * label with kana or Han). Not checked: the bidi rule (RFC 5893).
 */
function idnaLabelOk(label: string): boolean {
  if (label.normalize('NFC') !== label || label.startsWith('-') || label.endsWith('-') || label.slice(2, 4) === '--') return false
  if (COMBINING_MARK.test(label)) return false
  const chars = [...label]
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string
    const before = chars[i - 1] ?? ''
    const after = chars[i + 1] ?? ''
    const c = ch.charCodeAt(0)
    let ok: boolean
    if (c < 0x80) ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d
    else if (ch === '\u200d') ok = MARK.test(before)
    else if (ch === '\u200c') ok = MARK.test(before) || (LETTER_OR_MARK.test(before) && LETTER.test(after))
    else if (ch === '\u00b7') ok = before === 'l' && after === 'l'
    else if (ch === '\u0375') ok = GREEK.test(after)
    else if (ch === '\u05f3' || ch === '\u05f4') ok = HEBREW.test(before)
    else if (ch === '\u30fb') ok = KANA_OR_HAN.test(label.replaceAll('\u30fb', ''))
    else ok = LETTER_DIGIT.test(ch) && ch.normalize('NFKC') === ch && ch.toLowerCase() === ch
    if (!ok) return false
  }
  return true
}

/** RFC 3986 §5.2.4 remove_dot_segments, in urllib3's _remove_path_dot_segments wording. */
function removeDotSegments(path: string): string {
  const output: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '.') continue
    if (segment !== '..') output.push(segment)
    else if (output.length > 0) output.pop()
  }
  if (path.startsWith('/') && (output.length === 0 || output[0] !== '')) output.unshift('')
  if (path.endsWith('/.') || path.endsWith('/..')) output.push('')
  return output.join('/')
}

/**
 * Requests' `prepare_url`. Leading whitespace is dropped; a URL that has a `:` but does not start
 * with "http" (mailto:, data:, file:, ftp:, localhost:8080 …) is returned as it is, and the
 * session refuses it with InvalidSchema, exactly as Requests does. Otherwise the URL is split as
 * urllib3 does, its host normalized (IDNA), an empty path made `/`, `params` appended to the
 * query, and each component percent-encoded so that nothing is encoded twice. Schemes other than
 * http/https that start with "http" (http+unix …) are only requoted, as urllib3 leaves them.
 * The fragment stays in the string (Requests keeps it in `r.url`); wireTarget drops it.
 */
export function prepareUrl(url: string, params?: ParamsInput | null): string {
  // A service calls the same few URLs again and again; without params the answer depends on the
  // string alone, so it is remembered (errors are not: a bad URL is refused every time).
  if ((params === null || params === undefined) && typeof url === 'string') {
    const known = preparedUrls.get(url)
    if (known !== undefined) return known
    const prepared = prepareUrlUncached(url, null)
    remember(preparedUrls, url, prepared)
    return prepared
  }
  return prepareUrlUncached(url, params)
}

/** Remembered answers per URL string; cleared whole when full (a cheap bound, not an LRU). */
const MEMO_SIZE = 512
const preparedUrls = new Map<string, string>()
const wireTargets = new Map<string, Readonly<WireTarget>>()

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_SIZE) memo.clear()
  memo.set(key, value)
}

function prepareUrlUncached(url: string, params?: ParamsInput | null): string {
  if (url === null || url === undefined) throw new URLRequired('Invalid URL: no URL supplied', { code: 'URL_REQUIRED' })
  const s = (typeof url === 'string' ? url : String(url)).trimStart()
  // An empty string is a URL without a scheme to Requests (MissingSchema), not a missing one.
  if (s === '') throw new MissingSchema(`Invalid URL '': No scheme supplied. Perhaps you meant https://?`, { url: s, code: 'URL_MISSING_SCHEME' })
  refuseControls(s)

  // The scheme. `http://` and `https://` as written are the common case and need no regex.
  let scheme: string
  let pos: number
  const web = webScheme(s)
  if (web !== null) {
    scheme = web
    pos = web.length + 1 // after the ':'
  } else {
    // Requests: `if ":" in url and not url.lower().startswith("http")`: left for the adapter lookup.
    const startsWithHttp = startsWithCaseless(s, 'http')
    if (!startsWithHttp && s.includes(':')) return s
    const match = startsWithHttp ? SCHEME.exec(s) : null
    if (match === null) {
      throw new MissingSchema(`Invalid URL ${repr(s)}: No scheme supplied. Perhaps you meant https://${s}?`, { url: s, code: 'URL_MISSING_SCHEME' })
    }
    scheme = match[0].slice(0, -1).toLowerCase()
    pos = match[0].length
  }
  const normalize = scheme === 'http' || scheme === 'https'
  // Whether the output differs from `s`; when it does not, `s` itself is returned (no rebuild).
  let changed = hasUpperCase(s, pos)

  // urllib3's _URI_RE: `//` opens the authority, which ends at the first of / \ ? #.
  let authority: Authority | null = null
  if (s.charCodeAt(pos) === 0x2f && s.charCodeAt(pos + 1) === 0x2f) {
    pos += 2
    let end = pos
    for (; end < s.length; end++) {
      const c = s.charCodeAt(end)
      if (c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23) break
    }
    authority = splitAuthority(s.slice(pos, end))
    if (authority === null) throw new InvalidURL(`Invalid URL ${repr(s)}: failed to parse the host and port`, { url: s, code: 'URL_INVALID_HOST' })
    pos = end
  }
  if (authority === null || authority.host === '') {
    throw new InvalidURL(`Invalid URL ${repr(s)}: No host supplied`, { url: s, code: 'URL_NO_HOST' })
  }

  const hash = s.indexOf('#', pos)
  const beforeHash = hash < 0 ? s.length : hash
  const question = s.indexOf('?', pos)
  const pathEnd = question < 0 || question > beforeHash ? beforeHash : question
  let path = s.slice(pos, pathEnd)
  let query = pathEnd < beforeHash ? s.slice(pathEnd + 1, beforeHash) : ''
  let fragment = hash < 0 ? '' : s.slice(hash + 1)
  let userinfo = authority.userinfo
  let host = authority.host
  const port = authority.port === null || authority.port === '' ? null : parsePort(authority.port, s)
  // urlunparse leaves out an empty query, an empty fragment and an empty port (`http://x:/?#`);
  // int() drops a port's leading zeros.
  if ((pathEnd < beforeHash && query === '') || (hash >= 0 && fragment === '') || userinfo === ''
    || (authority.port !== null && (port === null || authority.port.charCodeAt(0) === 0x30))) changed = true

  if (normalize) {
    // quote() and normalizeHost() return their argument itself when it needs no change.
    const h = normalizeHost(host, s)
    const u = userinfo === null ? null : quote(userinfo, USERINFO_SET, Percent.KeepUpper)
    const p = quote(path.includes('/.') ? removeDotSegments(path) : path, PATH_SET, Percent.KeepUpper)
    const q = quote(query, QUERY_SET, Percent.KeepUpper)
    const f = quote(fragment, QUERY_SET, Percent.KeepUpper)
    if (h !== host || u !== userinfo || p !== path || q !== query || f !== fragment) changed = true
    host = h
    userinfo = u
    path = p
    query = q
    fragment = f
  }
  if (path === '') {
    path = '/'
    changed = true
  } else if (path.charCodeAt(0) !== 0x2f) {
    // A path after an authority begins with "/" (RFC 3986 §3.3). It can only begin otherwise with
    // the backslash that ended the authority (`http://evil.example\@good.example/`): encoded as %5C
    // with no "/" before it, it would glue the rest to the host, and the request would go to a
    // host the caller never named (urllib3 puts the "/" there too).
    path = '/' + path
    changed = true
  }

  const encoded = params === undefined || params === null ? '' : encodeParams(params)
  if (encoded !== '') {
    query = query === '' ? encoded : `${query}&${encoded}`
    changed = true
  }
  if (!changed && normalize) return s

  let out = scheme + '://'
  if (userinfo !== null && userinfo !== '') out += userinfo + '@'
  out += host
  if (port !== null) out += ':' + String(port)
  out += path
  if (query !== '') out += '?' + query
  if (fragment !== '') out += '#' + fragment
  // The components above are already quoted with subsets of requote_uri's safe set, so requoting
  // would change nothing but a string given as params, which is taken as it is.
  return normalize && typeof params !== 'string' ? out : requoteUri(out)
}

function hasUpperCase(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) return true
  }
  return false
}

function startsWithCaseless(s: string, prefix: string): boolean {
  if (s.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) c |= 0x20
    if (c !== prefix.charCodeAt(i)) return false
  }
  return true
}

/**
 * The connection and request-line parts of a prepared http(s) URL. Any other scheme has no
 * adapter (Requests' "No connection adapters were found"). The request-target is checked for
 * bytes that may not go on the wire by the serializer, not here.
 */
export function wireTarget(preparedUrl: string): Readonly<WireTarget> {
  const known = wireTargets.get(preparedUrl)
  if (known !== undefined) return known
  const target = Object.freeze(wireTargetUncached(preparedUrl))
  remember(wireTargets, preparedUrl, target)
  return target
}

/** `http` or `https` when `s` starts with `http://` or `https://` in any case, else null. */
function webScheme(s: string): 'http' | 'https' | null {
  if (startsWithCaseless(s, 'http://')) return 'http'
  if (startsWithCaseless(s, 'https://')) return 'https'
  return null
}

function wireTargetUncached(preparedUrl: string): WireTarget {
  const scheme = webScheme(preparedUrl)
  if (scheme === null) {
    throw new InvalidSchema(`No connection adapters were found for ${repr(preparedUrl)}`, { url: preparedUrl, code: 'NO_ADAPTER' })
  }
  const pos = scheme.length + 3 // after '://'
  let end = pos
  for (; end < preparedUrl.length; end++) {
    const c = preparedUrl.charCodeAt(end)
    if (c === 0x2f || c === 0x3f || c === 0x23) break
  }
  const authority = splitAuthority(preparedUrl.slice(pos, end))
  if (authority === null || authority.host === '') {
    throw new InvalidURL(`Invalid URL ${repr(preparedUrl)}: No host supplied`, { url: preparedUrl, code: 'URL_NO_HOST' })
  }
  const defaultPort = scheme === 'http' ? 80 : 443
  const port = authority.port === null || authority.port === '' ? defaultPort : parsePort(authority.port, preparedUrl)
  let hostname = authority.host
  if (hostname.charCodeAt(0) === 0x5b) {
    hostname = hostname.slice(1, -1)
    // RFC 6874: the zone separator is written %25 in a URL; the socket API wants a bare %.
    const zone = hostname.indexOf('%25')
    if (zone >= 0) hostname = hostname.slice(0, zone) + '%' + hostname.slice(zone + 3)
  }
  const hash = preparedUrl.indexOf('#', end)
  let target = hash < 0 ? preparedUrl.slice(end) : preparedUrl.slice(end, hash)
  if (target.charCodeAt(0) !== 0x2f) target = '/' + target
  const host = port === defaultPort ? authority.host : `${authority.host}:${port}`
  return { scheme, hostname, port, target, host }
}

function authorityOf(url: string): { start: number; end: number } | null {
  const colon = url.indexOf(':')
  if (colon < 0 || url.charCodeAt(colon + 1) !== 0x2f || url.charCodeAt(colon + 2) !== 0x2f) return null
  const start = colon + 3
  let end = start
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end)
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) break
  }
  return { start, end }
}

/**
 * Requests' get_auth_from_url: `user:password` from the userinfo, percent-decoded. Null when there
 * is none, when there is no `:` (Requests then gets ('', '') and sends no auth) or both are empty.
 */
export function authFromUrl(url: string): [string, string] | null {
  // The common case, a URL without '@' at all, is answered without finding its authority.
  if (!url.includes('@')) return null
  const span = authorityOf(url)
  if (span === null) return null
  const at = url.lastIndexOf('@', span.end - 1)
  if (at < span.start) return null
  const userinfo = url.slice(span.start, at)
  const colon = userinfo.indexOf(':')
  if (colon < 0) return null
  const user = unquote(userinfo.slice(0, colon))
  const password = unquote(userinfo.slice(colon + 1))
  return user === '' && password === '' ? null : [user, password]
}

/** The URL without credentials or fragment, for messages and Referer-like displays. */
export function stripUserinfoAndFragment(url: string): string {
  const hash = url.indexOf('#')
  const s = hash < 0 ? url : url.slice(0, hash)
  const span = authorityOf(s)
  if (span === null) return s
  const at = s.lastIndexOf('@', span.end - 1)
  return at < span.start ? s : s.slice(0, span.start) + s.slice(at + 1)
}
