// multipart/form-data bodies (RFC 7578) as Requests' _encode_files and urllib3's
// encode_multipart_formdata write them: text fields first, then files, each part framed by a
// random boundary. Every part header is checked before a byte is produced; streams stay streams.

import { randomBytes } from 'node:crypto'
import { ReadStream, fstatSync, statSync, type Stats } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { InvalidHeader } from './errors.js'
import { isToken } from './http1/chars.js'
import type { EncodedBody, FileContent, FileSpec } from './bodies.js'

// RFC 9110 §5.6.2 token: what a part header name may be.
// RFC 2046 §5.1.1 bchars, 1 to 70 of them, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/
// A CR or LF would end the part header early and let the value write headers (or a boundary) of
// its own; a NUL is refused by most parsers. urllib3 percent-encodes CR and LF in names instead;
// we refuse them, as for every other header (API.md: deliberate differences).
const FORBIDDEN = /[\r\n\0]/

const CRLF = Buffer.from('\r\n', 'latin1')

/**
 * The number of bytes a stream will still produce when that can be known without reading it: an
 * unread fs.ReadStream over a regular file (its start/end options honoured, as Requests'
 * super_len does with tell()). Anything else is null: sent chunked.
 */
export function readableLength(stream: Readable): number | null {
  if (!(stream instanceof ReadStream) || stream.bytesRead > 0 || stream.destroyed) return null
  // start/end are options fs keeps on the stream but @types/node does not declare.
  const { path, fd, start, end } = stream as ReadStream & { fd?: number | null; start?: number; end?: number }
  let stats: Stats
  try {
    if (typeof path === 'string' || Buffer.isBuffer(path)) stats = statSync(path)
    else if (typeof fd === 'number') stats = fstatSync(fd)
    else return null
  } catch {
    return null
  }
  if (!stats.isFile()) return null
  const from = start ?? 0
  const to = end === undefined || end === Infinity ? stats.size : Math.min(stats.size, end + 1)
  return Math.max(0, to - from)
}

/** A part made ready: its header block (with the delimiter before it) and its content. */
interface Part {
  head: Buffer
  content: Buffer | Readable
}

function refuse(what: string, value: string): never {
  throw new InvalidHeader(`multipart ${what} holds CR, LF or NUL: ${JSON.stringify(value)}`, { code: 'INVALID_PART_HEADER' })
}

/**
 * urllib3 2.x format_multipart_header_param, the HTML standard's rule as browsers and curl follow
 * it: the value is UTF-8, `"` is written %22 and nothing else is escaped (a backslash stays a
 * backslash: form-data parsers do not read RFC 9110 quoted-pair escapes).
 */
function param(name: string, value: string): string {
  if (FORBIDDEN.test(value)) refuse(name, value)
  return `${name}="${value.replaceAll('"', '%22')}"`
}

/** Strings as UTF-8; a Uint8Array viewed as a Buffer without copying. */
export function toBuffer(content: Uint8Array | string): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8')
  return Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength)
}

/** Requests' guess_filename for a stream: the base name of the file it reads, if any. */
function streamFilename(content: FileContent): string | null {
  if (!(content instanceof ReadStream)) return null
  const path = content.path
  if (typeof path === 'string') return basename(path)
  if (Buffer.isBuffer(path)) return basename(path.toString('utf8'))
  return null
}

function buildPart(boundary: string, name: string, filename: string | null, content: FileContent,
  contentType: string | null, extra: Readonly<Record<string, string>> | null): Part {
  let head = `--${boundary}\r\nContent-Disposition: form-data; ${param('name', name)}`
  if (filename !== null) head += `; ${param('filename', filename)}`
  head += '\r\n'
  // As urllib3's render_headers: Content-Type only when given (Requests guesses none), then the
  // extra headers in their order, an empty value left out.
  if (contentType !== null && contentType !== '') {
    if (FORBIDDEN.test(contentType)) refuse('content type', contentType)
    head += `Content-Type: ${contentType}\r\n`
  }
  if (extra !== null) {
    for (const [key, value] of Object.entries(extra)) {
      if (!isToken(key)) throw new InvalidHeader(`multipart header name is not a token: ${JSON.stringify(key)}`, { code: 'INVALID_PART_HEADER' })
      if (FORBIDDEN.test(value)) refuse(`header ${key}`, value)
      const lower = key.toLowerCase()
      // One Content-Disposition per part, ours; one Content-Type, the given one if any.
      if (lower === 'content-disposition' || (lower === 'content-type' && contentType !== null && contentType !== '')) continue
      if (value === '') continue
      head += `${key}: ${value}\r\n`
    }
  }
  head += '\r\n'
  return { head: Buffer.from(head, 'utf8'), content: content instanceof Readable ? content : toBuffer(content) }
}

/** The parts a FileSpec describes, as Requests' _encode_files unpacks its 1- to 4-item values. */
function filePart(boundary: string, name: string, spec: FileSpec): Part {
  if (Array.isArray(spec)) {
    const [filename, content, contentType, extra] = spec as readonly [string | null, FileContent, string?, Readonly<Record<string, string>>?]
    return buildPart(boundary, name, filename, content, contentType ?? null, extra ?? null)
  }
  // A bare content: `guess_filename(v) or k`, so the field name stands in for a filename.
  const content = spec as FileContent
  return buildPart(boundary, name, streamFilename(content) ?? name, content, null, null)
}

/**
 * A multipart/form-data body: `fields` (already flattened to strings) first, then `files`, in
 * order. When every part is in memory the body is one Buffer; when a part is a stream the body is
 * an async iterable that reads the streams in turn, with a length only if each stream's is known.
 */
export function encodeMultipart(fields: readonly (readonly [string, string])[],
  files: readonly (readonly [string, FileSpec])[], boundary?: string): EncodedBody {
  const b = boundary ?? randomBytes(16).toString('hex')
  if (!BOUNDARY.test(b)) throw new InvalidHeader(`invalid multipart boundary ${JSON.stringify(b)}`, { code: 'INVALID_BOUNDARY' })

  const parts: Part[] = []
  for (const [name, value] of fields) parts.push(buildPart(b, name, null, value, null, null))
  for (const [name, spec] of files) parts.push(filePart(b, name, spec))
  const close = Buffer.from(`--${b}--\r\n`, 'latin1')
  const contentType = `multipart/form-data; boundary=${b}`

  let length: number | null = close.length
  let streamed = false
  for (const part of parts) {
    const size = part.content instanceof Readable ? readableLength(part.content) : part.content.length
    if (part.content instanceof Readable) streamed = true
    length = length === null || size === null ? null : length + part.head.length + size + CRLF.length
  }

  if (!streamed) {
    const pieces: Buffer[] = []
    for (const part of parts) pieces.push(part.head, part.content as Buffer, CRLF)
    pieces.push(close)
    const body = Buffer.concat(pieces)
    return { body, contentType, length: body.length }
  }
  return { body: streamParts(parts, close), contentType, length }
}

async function* streamParts(parts: readonly Part[], close: Buffer): AsyncGenerator<Buffer> {
  for (const part of parts) {
    yield part.head
    if (part.content instanceof Readable) {
      for await (const chunk of part.content as AsyncIterable<unknown>) {
        if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8')
        else if (chunk instanceof Uint8Array) yield toBuffer(chunk)
        else throw new TypeError('a multipart stream must produce strings or bytes')
      }
    } else if (part.content.length > 0) {
      yield part.content
    }
    yield CRLF
  }
  yield close
}
