// Field names that nearly every response carries, kept as ready-made strings. Matching a name's
// bytes against this table is cheaper than making a new string for it, and the match also tells
// the parser whether the field is one that framing depends on, so it never compares twice.
// Matching is exact (case-sensitive): the parser promises names as the server wrote them.

/** What a field means to the parser. */
export type FieldRole = 'other' | 'content-length' | 'transfer-encoding' | 'connection'

interface KnownName {
  readonly name: string
  readonly role: FieldRole
}

const CANONICAL: readonly (readonly [string, FieldRole])[] = [
  ['Content-Length', 'content-length'],
  ['Transfer-Encoding', 'transfer-encoding'],
  ['Connection', 'connection'],
  ['Content-Type', 'other'],
  ['Content-Encoding', 'other'],
  ['Date', 'other'],
  ['Server', 'other'],
  ['Cache-Control', 'other'],
  ['ETag', 'other'],
  ['Etag', 'other'],
  ['Vary', 'other'],
  ['Last-Modified', 'other'],
  ['Expires', 'other'],
  ['Set-Cookie', 'other'],
  ['Location', 'other'],
  ['Keep-Alive', 'other'],
  ['Accept-Ranges', 'other'],
  ['Age', 'other'],
  ['Pragma', 'other'],
  ['X-Powered-By', 'other'],
  ['Access-Control-Allow-Origin', 'other'],
  ['Strict-Transport-Security', 'other'],
]

/** Known names by length; both the canonical spelling and the all-lower-case one many servers send. */
const BY_LENGTH: KnownName[][] = []
for (const [name, role] of CANONICAL) {
  for (const spelling of new Set([name, name.toLowerCase()])) {
    ;(BY_LENGTH[spelling.length] ??= []).push({ name: spelling, role })
  }
}

/** The known name spelled by buf[start..end), or undefined. */
export function knownName(buf: Buffer, start: number, end: number): KnownName | undefined {
  const candidates = BY_LENGTH[end - start]
  if (candidates === undefined) return undefined
  next: for (const known of candidates) {
    const { name } = known
    for (let i = 0; i < name.length; i++) if (buf[start + i] !== name.charCodeAt(i)) continue next
    return known
  }
  return undefined
}

/** The role of a name that is not in the table (any case, e.g. `CONTENT-LENGTH`). */
export function roleOf(buf: Buffer, start: number, end: number): FieldRole {
  switch (end - start) {
    case 10:
      return isNamed(buf, start, 'connection') ? 'connection' : 'other'
    case 14:
      return isNamed(buf, start, 'content-length') ? 'content-length' : 'other'
    case 17:
      return isNamed(buf, start, 'transfer-encoding') ? 'transfer-encoding' : 'other'
    default:
      return 'other'
  }
}

/** Case-insensitive match against a lower-case name of the same length. */
function isNamed(buf: Buffer, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    // Setting bit 0x20 lower-cases ASCII letters and leaves '-' (0x2d) as it is.
    if ((buf[start + i]! | 0x20) !== lower.charCodeAt(i)) return false
  }
  return true
}
