// The Link header (RFC 8288 §3) behind Response.links: `r.links.next.url` for pagination.
// A small scanner rather than Requests' regex split, so commas and semicolons inside <URI> and
// quoted strings stay where they belong; what does not parse is skipped, never thrown.

import { decodeText, isKnownEncoding } from './encodings.js'
import { isTokenChar } from './http1/chars.js'

/** One link-value: its target and its parameters, names lower-cased. */
export interface Link {
  url: string
  rel?: string
  [param: string]: string | undefined
}

/**
 * Parses a Link field value into links keyed by relation type, as Requests' Response.links:
 * each link under its `rel` (under each type when it has several, `rel="next last"`), or under
 * its URL when it has none; a later link with the same key replaces an earlier one. The record
 * has no prototype, so keys such as `__proto__` or `constructor` are just keys.
 */
export function parseLinks(value: string | undefined | null): Record<string, Link> {
  const links: Record<string, Link> = Object.create(null) as Record<string, Link>
  if (!value) return links
  for (const link of scanLinks(value)) {
    const types = link.rel?.split(/[ \t]+/).filter(type => type !== '') ?? []
    if (types.length === 0) links[link.url] = link
    // RFC 8288 §2.1.1: registered relation types compare case-insensitively; extension types
    // are URIs (they hold a ':') and compare as they are written.
    for (const type of types) links[type.includes(':') ? type : type.toLowerCase()] = link
  }
  return links
}

/** tchar of RFC 9110 §5.6.2: what a parameter name (a token) is made of. */

function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t'
}

/**
 * Link = #link-value; link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param );
 * link-param = token BWS [ "=" BWS ( token / quoted-string ) ].
 */
function* scanLinks(s: string): Generator<Link> {
  let i = 0
  while (i < s.length) {
    while (isWhitespace(s[i]) || s[i] === ',') i++
    if (i >= s.length) return
    if (s[i] !== '<') {
      i = skipPast(s, i, ',') // not a link-value: drop it up to the next one
      continue
    }
    const close = s.indexOf('>', i + 1)
    if (close === -1) return // an unterminated URI swallows the rest; nothing after it is sure
    const link: Link = { url: s.slice(i + 1, close).trim() }
    i = close + 1
    // Parameters until the comma that ends this link-value (or the end).
    for (;;) {
      while (isWhitespace(s[i])) i++
      if (i >= s.length) break
      if (s[i] === ',') {
        i++
        break
      }
      if (s[i] !== ';') {
        i = skipTo(s, i, ';,') // junk between parameters
        continue
      }
      i++
      while (isWhitespace(s[i])) i++
      const nameStart = i
      while (i < s.length && isTokenChar(s.charCodeAt(i))) i++
      const name = s.slice(nameStart, i).toLowerCase()
      while (isWhitespace(s[i])) i++
      let paramValue = '' // a parameter without a value (`; crossorigin`) is allowed
      if (s[i] === '=') {
        i++
        while (isWhitespace(s[i])) i++
        if (s[i] === '"') {
          const [text, end] = quotedString(s, i)
          paramValue = text
          i = end
        } else {
          const start = i
          i = skipTo(s, i, ';,')
          // Requests strips single quotes as well; some servers send rel='next'.
          paramValue = s.slice(start, i).trim().replace(/^'(.*)'$/s, '$1')
        }
      }
      if (name === '') {
        i = skipTo(s, i, ';,')
        continue
      }
      if (name.endsWith('*')) paramValue = extValue(paramValue)
      // RFC 8288 §3.3/§3.4.1: occurrences of rel, title, type… after the first MUST be ignored.
      // `url` is the target itself; a parameter of that name must not replace it.
      if (name !== 'url' && !Object.hasOwn(link, name)) {
        Object.defineProperty(link, name, { value: paramValue, enumerable: true, writable: true, configurable: true })
      }
    }
    yield link
  }
}

/** quoted-string at s[i] (the opening quote), backslash escapes resolved (RFC 9110 §5.6.4). */
function quotedString(s: string, i: number): [string, number] {
  let out = ''
  for (i++; i < s.length; i++) {
    const c = s[i]
    if (c === '"') return [out, i + 1]
    if (c === '\\' && i + 1 < s.length) i++
    out += s[i]
  }
  return [out, i] // unterminated: the rest of the field
}

/** The index of the first of `stops` at or after i outside a quoted-string or <…>, or the end. */
function skipTo(s: string, i: number, stops: string): number {
  while (i < s.length) {
    const c = s[i] ?? ''
    if (stops.includes(c)) return i
    if (c === '"') i = quotedString(s, i)[1]
    else if (c === '<') {
      const close = s.indexOf('>', i + 1)
      i = close === -1 ? s.length : close + 1
    } else i++
  }
  return i
}

function skipPast(s: string, i: number, stop: string): number {
  return Math.min(skipTo(s, i, stop) + 1, s.length)
}

/**
 * RFC 8187 ext-value of a `name*` parameter (RFC 8288 §3.4.1 `title*`):
 * charset "'" [ language ] "'" percent-encoded octets. Left as it is when it is not one.
 */
function extValue(value: string): string {
  const match = /^([^']*)'[^']*'(.*)$/s.exec(value)
  const charset = match?.[1]
  const encoded = match?.[2]
  if (charset === undefined || encoded === undefined || !isKnownEncoding(charset)) return value
  const bytes: number[] = []
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      const hex = encoded.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return value
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(encoded.charCodeAt(i) & 0xff)
    }
  }
  return decodeText(Buffer.from(bytes), charset)
}
