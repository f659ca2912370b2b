// Percent-encoding (RFC 3986 §2.1) the way Requests and urllib3 do it: character sets as lookup
// tables, quoting that never encodes an escape twice, form encoding (quote_plus) and Python's
// unquote. lib/urls.ts builds URLs with these; nothing here knows what a URL is.

// Character sets, as 128-entry lookup tables. RFC 3986 §2.3 unreserved and §2.2 sub-delims; the
// component sets are urllib3's (_USERINFO_CHARS, _PATH_CHARS, _QUERY_CHARS), the requote set is
// Requests' requote_uri safe set without '%', which every quoting function treats on its own.
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
const SUB_DELIMS = "!$&'()*+,;="

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128)
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1
  return t
}

export const UNRESERVED_SET = table(UNRESERVED)
export const USERINFO_SET = table(UNRESERVED + SUB_DELIMS + ':')
export const PATH_SET = table(UNRESERVED + SUB_DELIMS + ':@/')
export const QUERY_SET = table(UNRESERVED + SUB_DELIMS + ':@/?')
export const REQUOTE_SET = table(UNRESERVED + "!#$&'()*+,/:;=?@[]")
// Python's quote_plus keeps only the always-safe characters (letters, digits, `_.-~`).
const FORM_SET = UNRESERVED_SET
// RFC 3986 reg-name without pct-encoded: what an ASCII host may hold before we refuse it.
export const HOST_SET = table(UNRESERVED + SUB_DELIMS)

const HEX = '0123456789ABCDEF'

/** How a `%` in the input is treated. */
export const Percent = {
  /** Always data: `%` → `%25` (form encoding, where the input is never pre-encoded). */
  Encode: 0,
  /** A valid escape stays (an unreserved one is decoded, as unquote_unreserved does), a stray `%` → `%25`. */
  Keep: 1,
  /** As Keep, and the hex digits of a kept escape are upper-cased (urllib3 normalizes them). */
  KeepUpper: 2,
} as const
export type Percent = (typeof Percent)[keyof typeof Percent]

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10
  return -1
}

function pctByte(b: number): string {
  return '%' + HEX[b >> 4]! + HEX[b & 15]!
}

/**
 * Percent-encodes every character of `s` outside `safe` (non-ASCII as UTF-8). The common case,
 * nothing to encode, is one scan and returns `s` itself.
 */
export function quote(s: string, safe: Uint8Array, percent: Percent, spaceAsPlus = false): string {
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || safe[c] === 0) break
  }
  if (i === s.length) return s

  let out = s.slice(0, i)
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 128) {
      if (safe[c] === 1) {
        out += s[i]!
      } else if (c === 0x25 && percent !== Percent.Encode) {
        const hi = hexValue(s.charCodeAt(i + 1))
        const lo = hexValue(s.charCodeAt(i + 2))
        if (hi < 0 || lo < 0) {
          out += '%25'
          continue
        }
        const byte = hi * 16 + lo
        if (byte < 128 && UNRESERVED_SET[byte] === 1) out += String.fromCharCode(byte)
        else out += percent === Percent.KeepUpper ? pctByte(byte) : s.slice(i, i + 3)
        i += 2
      } else if (c === 0x20 && spaceAsPlus) {
        out += '+'
      } else {
        out += pctByte(c)
      }
      continue
    }
    // Non-ASCII: the code point's UTF-8 bytes. A lone surrogate becomes U+FFFD, as Buffer does.
    let cp = s.codePointAt(i)!
    if (cp > 0xffff) i++
    else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd
    if (cp < 0x800) {
      out += pctByte(0xc0 | (cp >> 6)) + pctByte(0x80 | (cp & 63))
    } else if (cp < 0x10000) {
      out += pctByte(0xe0 | (cp >> 12)) + pctByte(0x80 | ((cp >> 6) & 63)) + pctByte(0x80 | (cp & 63))
    } else {
      out += pctByte(0xf0 | (cp >> 18)) + pctByte(0x80 | ((cp >> 12) & 63))
        + pctByte(0x80 | ((cp >> 6) & 63)) + pctByte(0x80 | (cp & 63))
    }
  }
  return out
}

export function formQuote(value: string): string {
  return quote(value, FORM_SET, Percent.Encode, true)
}

/** Python's unquote: escapes decoded as UTF-8 (invalid sequences → U+FFFD), stray `%` kept. */
export function unquote(s: string): string {
  if (!s.includes('%')) return s
  return unquoteBytes(s).toString('utf8')
}

/** The bytes a percent-encoded string stands for (Python's unquote_to_bytes), stray `%` kept. */
export function unquoteBytes(s: string): Buffer {
  const bytes: number[] = []
  const text = Buffer.from(s, 'utf8')
  for (let i = 0; i < text.length; i++) {
    const b = text[i]!
    if (b === 0x25 && i + 2 < text.length) {
      const hi = hexValue(text[i + 1]!)
      const lo = hexValue(text[i + 2]!)
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo)
        i += 2
        continue
      }
    }
    bytes.push(b)
  }
  return Buffer.from(bytes)
}
