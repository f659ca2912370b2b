// A small multipart/form-data parser (RFC 7578 over RFC 2046 §5.1) for the test server. It splits a
// fully buffered body into parts and reads each part's Content-Disposition. It is strict on purpose:
// a client that frames a body wrongly should get a 400 from the test server, not an empty form.

/** Thrown for a body that does not follow RFC 2046 framing; the server turns it into a 400. */
export class MultipartError extends Error {
  override name = 'MultipartError' as const
}

export interface MultipartPart {
  /** The `name` parameter of Content-Disposition; `null` when absent (such parts are ignored). */
  name: string | null
  /** The `filename` (or RFC 8187 `filename*`) parameter; `null` when absent, which makes it a form field. */
  filename: string | null
  contentType: string | null
  headers: Array<[string, string]>
  body: Buffer
}

export interface HeaderValue {
  /** The value before the first `;`, lower-cased (a media type or a disposition type). */
  value: string
  params: Map<string, string>
}

// RFC 2046 §5.1.1: 1 to 70 characters from a restricted set; anything else is a framing error,
// since a client that produces it will fail against real servers too.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d

/**
 * Splits a header value such as `form-data; name="a"; filename*=UTF-8''%E2%82%AC` into its main
 * value and parameters. Quoted strings honour backslash escapes (RFC 9110 §5.6.4); a `name*`
 * parameter (RFC 8187) is decoded and wins over the plain `name`.
 */
export function parseHeaderValue(input: string): HeaderValue {
  const semi = input.indexOf(';')
  const value = (semi < 0 ? input : input.slice(0, semi)).trim().toLowerCase()
  const params = new Map<string, string>()
  const extended = new Map<string, string>()
  let i = semi < 0 ? input.length : semi + 1
  while (i < input.length) {
    while (i < input.length && (input[i] === ' ' || input[i] === '\t' || input[i] === ';')) i++
    const eq = input.indexOf('=', i)
    if (eq < 0) break
    const key = input.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    while (input[i] === ' ' || input[i] === '\t') i++
    let raw = ''
    if (input[i] === '"') {
      i++
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++
        raw += input[i]
        i++
      }
      i++ // the closing quote
      const next = input.indexOf(';', i)
      i = next < 0 ? input.length : next + 1
    } else {
      const next = input.indexOf(';', i)
      raw = (next < 0 ? input.slice(i) : input.slice(i, next)).trim()
      i = next < 0 ? input.length : next + 1
    }
    if (key.endsWith('*')) {
      const decoded = decodeExtended(raw)
      if (decoded !== null) extended.set(key.slice(0, -1), decoded)
    } else if (key !== '') {
      params.set(key, raw)
    }
  }
  for (const [key, v] of extended) params.set(key, v)
  return { value, params }
}

/** RFC 8187 `charset'language'percent-encoded`; only UTF-8 and ISO-8859-1 are defined there. */
function decodeExtended(raw: string): string | null {
  const match = /^([^']*)'[^']*'(.*)$/.exec(raw)
  if (match === null) return null
  const charset = (match[1] ?? '').toLowerCase()
  const bytes: number[] = []
  const text = match[2] ?? ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? ''
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(c.charCodeAt(0) & 0xff)
    }
  }
  if (charset === 'utf-8') return Buffer.from(bytes).toString('utf8')
  if (charset === 'iso-8859-1') return Buffer.from(bytes).toString('latin1')
  return null
}

/** The boundary parameter of a `multipart/*` Content-Type, or `null` if there is none or it is invalid. */
export function boundaryOf(contentType: string): string | null {
  const { value, params } = parseHeaderValue(contentType)
  if (!value.startsWith('multipart/')) return null
  const boundary = params.get('boundary')
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : null
}

/**
 * Parses a whole multipart body. The first delimiter may open the body or follow a preamble; each
 * later delimiter is `CRLF--boundary`, followed by `--` (the close) or optional whitespace and CRLF
 * (another part). Anything after the close delimiter is epilogue and ignored.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  if (!BOUNDARY.test(boundary)) throw new MultipartError(`invalid boundary ${JSON.stringify(boundary)}`)
  const opening = Buffer.from(`--${boundary}`, 'latin1')
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1')

  let pos: number
  if (body.subarray(0, opening.length).equals(opening)) {
    pos = opening.length
  } else {
    const found = body.indexOf(delimiter)
    if (found < 0) throw new MultipartError('no opening boundary')
    pos = found + delimiter.length
  }

  const parts: MultipartPart[] = []
  for (;;) {
    if (body[pos] === DASH && body[pos + 1] === DASH) return parts
    // RFC 2046 allows linear whitespace ("transport padding") between the boundary and its CRLF.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++
    if (body[pos] !== CR || body[pos + 1] !== LF) {
      throw new MultipartError(pos >= body.length ? 'body ends without a close delimiter' : 'boundary not followed by CRLF')
    }
    pos += 2
    const end = body.indexOf(delimiter, pos)
    if (end < 0) throw new MultipartError('part not terminated by a boundary')
    parts.push(parsePart(body.subarray(pos, end)))
    pos = end + delimiter.length
  }
}

function parsePart(part: Buffer): MultipartPart {
  let headerBytes: Buffer
  let content: Buffer
  if (part[0] === CR && part[1] === LF) {
    // An empty header section: the part opens with the blank line.
    headerBytes = Buffer.alloc(0)
    content = part.subarray(2)
  } else if (part.length === 0) {
    headerBytes = part
    content = part
  } else {
    const blank = part.indexOf('\r\n\r\n')
    if (blank < 0) throw new MultipartError('part headers not terminated by a blank line')
    headerBytes = part.subarray(0, blank)
    content = part.subarray(blank + 4)
  }

  // Clients put UTF-8 names and filenames straight into the part headers (RFC 7578 §5.1.3 allows it).
  const headers: Array<[string, string]> = []
  for (const line of headerBytes.toString('utf8').split('\r\n')) {
    if (line === '') continue
    const last = headers[headers.length - 1]
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      last[1] += ' ' + line.trim() // obsolete line folding
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MultipartError(`malformed part header ${JSON.stringify(line)}`)
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
  }

  const header = (name: string): string | undefined => headers.find(([k]) => k.toLowerCase() === name)?.[1]
  const disposition = header('content-disposition')
  const parsed = disposition === undefined ? null : parseHeaderValue(disposition)
  return {
    name: parsed?.params.get('name') ?? null,
    filename: parsed?.params.get('filename') ?? null,
    contentType: header('content-type') ?? null,
    headers,
    body: content,
  }
}
