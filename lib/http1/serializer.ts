// Turns a request into the bytes of its head (RFC 9112 §3), and a body into chunked coding (§7.1).
// Everything is validated before a single byte is produced: a CR or LF that reached the wire
// would let a caller's data start a second request (CWE-113), so an invalid method, target,
// name or value is a SerializeError and nothing is returned.

import { SerializeError, type SerializeErrorCode } from './errors.js'
import { FIELD_VALUE, TARGET, TOKEN } from './chars.js'

export interface RequestHead {
  /** A token: GET, POST, … (RFC 9110 §9.1). */
  readonly method: string
  /** The request-target in origin-, absolute- or authority-form (see the helpers below). */
  readonly target: string
  /** The Host field value, always sent first (RFC 9112 §3.2). */
  readonly host: string
  /** Further fields as [name0, value0, name1, value1, …], written in this order. */
  readonly headers: readonly string[]
}

/** The head alone, e.g. when the body is streamed after it. */
export function serializeHead(head: RequestHead): Buffer {
  return Buffer.from(headText(head), 'latin1')
}

/** Head and body in one Buffer, so a small request goes out in one write. */
export function serializeRequest(head: RequestHead, body?: Uint8Array): Buffer {
  const text = headText(head)
  if (body === undefined || body.length === 0) return Buffer.from(text, 'latin1')
  // Every char of `text` is validated to be < 0x100, so latin1 writes exactly one byte per char.
  const out = Buffer.allocUnsafe(text.length + body.length)
  out.write(text, 0, 'latin1')
  out.set(body, text.length)
  return out
}

function headText(head: RequestHead): string {
  const { method, target, host, headers } = head
  check(method, TOKEN, 'INVALID_METHOD', 'method', 'method is not a token')
  check(target, TARGET, 'INVALID_TARGET', 'target', 'request-target holds a byte that is not visible ASCII')
  checkValue(host, 'Host')
  if (headers.length % 2 !== 0) throw new TypeError('headers must be [name, value] pairs')
  let text = `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n`
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!
    const value = headers[i + 1]!
    checkName(name)
    if (name.length === 4 && name.toLowerCase() === 'host') {
      throw new SerializeError('DUPLICATE_HOST', name, 'Host is given separately; it may not appear among the headers')
    }
    checkValue(value, name)
    text += `${name}: ${value}\r\n`
  }
  return text + '\r\n'
}

function checkName(name: string): void {
  check(name, TOKEN, 'INVALID_HEADER_NAME', name, `header name ${JSON.stringify(name)} is not a token`)
}

function checkValue(value: string, name: string): void {
  // Empty values are allowed (RFC 9110 §5.5); CR, LF, NUL and the other controls are not.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c > 0xff || FIELD_VALUE[c] !== 1) {
      throw new SerializeError('INVALID_HEADER_VALUE', name, `value of header ${JSON.stringify(name)} holds a forbidden character at index ${i}`)
    }
  }
}

function check(s: string, allowed: Uint8Array, code: SerializeErrorCode, field: string, detail: string): void {
  if (s.length === 0) throw new SerializeError(code, field, detail)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0xff || allowed[c] !== 1) throw new SerializeError(code, field, detail)
  }
}

// Request-target forms (RFC 9112 §3.2). The URL is already parsed and percent-encoded by the
// layer above; these only choose which parts go on the request line.

/** `/path?query` for a request sent straight to the origin; the fragment is never sent. */
export function originForm(url: URL): string {
  return (url.pathname === '' ? '/' : url.pathname) + url.search
}

/** `http://host:port/path?query` for a request sent to a plain-http proxy; no userinfo. */
export function absoluteForm(url: URL): string {
  return `${url.protocol}//${url.host}${originForm(url)}`
}

/** `host:port` for CONNECT; an IPv6 literal goes in brackets. */
export function authorityForm(host: string, port: number): string {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`
}

// Chunked coding of a request body (§7.1): each chunk is its size in hex, CRLF, the data, CRLF;
// a zero-size chunk ends the body, so empty data must produce no chunk at all.

export const CRLF = Buffer.from('\r\n', 'latin1')

/** The size line that precedes `size` bytes of chunk data, for writing chunk pieces separately. */
export function chunkHeader(size: number): Buffer {
  return Buffer.from(`${size.toString(16)}\r\n`, 'latin1')
}

/** One whole chunk in one Buffer; an empty Buffer for empty data. */
export function encodeChunk(data: Uint8Array): Buffer {
  if (data.length === 0) return Buffer.alloc(0)
  const header = `${data.length.toString(16)}\r\n`
  const out = Buffer.allocUnsafe(header.length + data.length + 2)
  out.write(header, 0, 'latin1')
  out.set(data, header.length)
  out[out.length - 2] = 0x0d
  out[out.length - 1] = 0x0a
  return out
}

/** The last chunk, optional trailer fields ([name, value, …]) and the final CRLF. */
export function lastChunk(trailers: readonly string[] = []): Buffer {
  if (trailers.length % 2 !== 0) throw new TypeError('trailers must be [name, value] pairs')
  let text = '0\r\n'
  for (let i = 0; i < trailers.length; i += 2) {
    const name = trailers[i]!
    const value = trailers[i + 1]!
    checkName(name)
    checkValue(value, name)
    text += `${name}: ${value}\r\n`
  }
  return Buffer.from(text + '\r\n', 'latin1')
}
