// How long is this response's body? RFC 9112 §6.3 answers in eight ordered steps; this file is
// those steps, for responses, as one pure function. Every framing decision the parser makes
// comes from here: nothing else looks at Content-Length or Transfer-Encoding.

import type { ParseErrorCode } from './errors.js'
import { isToken } from './chars.js'

/** Where a response body ends. */
export type Framing =
  /** No body: HEAD, 1xx, 204, 304, a 2xx to CONNECT (§6.3 steps 1–2). */
  | { readonly kind: 'none' }
  /** Exactly `length` bytes (§6.3 step 6). */
  | { readonly kind: 'length'; readonly length: number }
  /** Chunked transfer coding, last of `codings` (§6.3 step 3, §7.1). */
  | { readonly kind: 'chunked'; readonly codings: readonly string[] }
  /** Everything until the server closes the connection (§6.3 steps 3 and 8). */
  | { readonly kind: 'close'; readonly codings: readonly string[] }

/** A head whose framing cannot be trusted; the parser turns it into a ParseError. */
export interface FramingViolation {
  readonly kind: 'violation'
  readonly code: ParseErrorCode
  readonly detail: string
}

export type HttpVersion = '1.0' | '1.1'

/** What the framing decision depends on, and nothing more. */
export interface FramingInput {
  /** The method of the request this response answers. */
  readonly requestMethod: string
  readonly status: number
  readonly version: HttpVersion
  /** Every Content-Length field value, in arrival order, as received. */
  readonly contentLength: readonly string[]
  /** Every Transfer-Encoding field value, in arrival order, as received. */
  readonly transferEncoding: readonly string[]
}

const NO_BODY: Framing = Object.freeze({ kind: 'none' })
const NO_CODINGS: readonly string[] = Object.freeze([])

export function decideFraming(input: FramingInput): Framing | FramingViolation {
  const { requestMethod, status, contentLength, transferEncoding } = input

  // Step 1: a response to HEAD, and any 1xx, 204 or 304, ends at the empty line after the head,
  // whatever its Content-Length says (for HEAD and 304 it describes the representation).
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return NO_BODY

  // Step 2: a 2xx to CONNECT turns the connection into a tunnel right after the head.
  if (requestMethod === 'CONNECT' && status < 300) return NO_BODY

  if (transferEncoding.length > 0) {
    // Step 3: Transfer-Encoding would override Content-Length, but a message carrying both is
    // the shape of a smuggling attack (§6.1 ¶14); we refuse it rather than pick one.
    if (contentLength.length > 0) {
      return violation('CONFLICTING_FRAMING', 'response has both Content-Length and Transfer-Encoding')
    }
    // §6.1 ¶16: Transfer-Encoding in an HTTP/1.0 message means the framing is faulty.
    if (input.version === '1.0') {
      return violation('TRANSFER_ENCODING_IN_HTTP10', 'HTTP/1.0 response has Transfer-Encoding')
    }
    const codings = parseTransferCodings(transferEncoding)
    if (codings === null) {
      return violation('INVALID_TRANSFER_ENCODING', 'Transfer-Encoding is not a list of codings')
    }
    const chunkedAt = codings.indexOf('chunked')
    // chunked may be applied once, and only as the final coding (§6.1 ¶6, §7.1).
    if (chunkedAt !== -1 && chunkedAt !== codings.length - 1) {
      return violation('INVALID_TRANSFER_ENCODING', 'chunked is not the final transfer coding')
    }
    if (chunkedAt === -1) return { kind: 'close', codings }
    return { kind: 'chunked', codings: codings.length === 1 ? NO_CODINGS : codings.slice(0, -1) }
  }

  if (contentLength.length > 0) {
    // Steps 5–6: a valid Content-Length frames the body; an invalid one, or several that
    // differ, means the response must be discarded and the connection closed.
    const length = parseContentLength(contentLength)
    if (typeof length === 'number') return { kind: 'length', length }
    return length
  }

  // Step 8: a response with neither is delimited by the server closing the connection.
  return { kind: 'close', codings: NO_CODINGS }
}

/**
 * Content-Length = 1*DIGIT (RFC 9110 §8.6). Repeated fields, or a comma list, are accepted only
 * when every value is the same number.
 */
function parseContentLength(values: readonly string[]): number | FramingViolation {
  let length = -1
  for (const value of values) {
    let start = 0
    while (start <= value.length) {
      let end = value.indexOf(',', start)
      if (end === -1) end = value.length
      const n = parseDigits(value, start, end)
      if (n === null) return violation('INVALID_CONTENT_LENGTH', `Content-Length ${JSON.stringify(value)} is not a number of bytes`)
      if (length !== -1 && n !== length) {
        return violation('CONFLICTING_CONTENT_LENGTH', 'response has Content-Length values that differ')
      }
      length = n
      start = end + 1
    }
  }
  return length
}

/** Decimal digits between start and end, optional whitespace around them; null if anything else. */
function parseDigits(s: string, start: number, end: number): number | null {
  while (start < end && isOws(s.charCodeAt(start))) start++
  while (end > start && isOws(s.charCodeAt(end - 1))) end--
  if (start === end) return null
  let n = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 0x30
    if (c < 0 || c > 9) return null
    n = n * 10 + c
    if (n > Number.MAX_SAFE_INTEGER) return null
  }
  return n
}

/** The coding names of every Transfer-Encoding value, lower-cased, parameters dropped. */
function parseTransferCodings(values: readonly string[]): string[] | null {
  const codings: string[] = []
  for (const value of values) {
    for (const element of value.split(',')) {
      const semicolon = element.indexOf(';')
      const name = (semicolon === -1 ? element : element.slice(0, semicolon)).trim().toLowerCase()
      // RFC 9110 §5.6.1: empty list elements are ignored.
      if (name === '' && semicolon === -1) continue
      if (!isToken(name)) return null
      codings.push(name)
    }
  }
  return codings.length === 0 ? null : codings
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}

function violation(code: ParseErrorCode, detail: string): FramingViolation {
  return { kind: 'violation', code, detail }
}
