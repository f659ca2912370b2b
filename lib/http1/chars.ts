// Byte classes of RFC 9110 §5.6.2 (token) and §5.5 (field values), as lookup tables so the
// parser and serializer check a byte with one array read instead of a regular expression.

const TCHAR_PUNCTUATION = "!#$%&'*+-.^_`|~"

/** 1 where the byte may appear in a token (method, field name, coding name). */
export const TOKEN = new Uint8Array(256)
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1
for (const ch of TCHAR_PUNCTUATION) TOKEN[ch.charCodeAt(0)] = 1

/**
 * 1 where the byte may appear inside a field value: visible ASCII, SP, HTAB and obs-text
 * (0x80–0xFF). CR, LF, NUL, the other controls and DEL may not (§5.5 ¶5).
 */
export const FIELD_VALUE = new Uint8Array(256)
FIELD_VALUE[0x09] = 1
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1

/** 1 where the byte may appear in a request-target: visible ASCII only (RFC 3986, §3.2 of 9112). */
export const TARGET = new Uint8Array(256)
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1

export function isTokenChar(c: number): boolean {
  return c < 256 && TOKEN[c] === 1
}

/** A non-empty string of tchars (RFC 9110 §5.6.2): a method, a field name, a coding name. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false
  return true
}

export const CR = 0x0d
export const LF = 0x0a
export const SP = 0x20
export const HTAB = 0x09
export const COLON = 0x3a
export const SEMICOLON = 0x3b

/** Buffer's own latin1 decoder. It is what `toString('latin1', …)` calls after checking its
 * arguments; calling it directly halves the cost of each header string, the parser's largest. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string }

/** buf[start..end) as a string, one char per byte (field values are ISO-8859-1, RFC 9110 §5.5). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end)
}
