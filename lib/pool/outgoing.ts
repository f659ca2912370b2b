// Turns a PoolRequest into what a connection writes: the serialized head (with a small body in
// the same buffer, for one write) and a plan for the rest of the body. It runs before a
// connection is chosen, so a request that can never be valid fails before any socket is touched.

import { Readable } from 'node:stream'
import { serializeHead, serializeRequest } from '../http1/index.js'
import { InvalidHeader } from '../errors.js'
import type { BodyChunk, PoolRequest } from './types.js'

/** Bodies up to this size travel in the head's buffer: one copy beats a second write. */
const INLINE_BODY_LIMIT = 64 * 1024

/** How the bytes after the head are produced. */
export type BodyPlan =
  | { readonly kind: 'none' } // no body, or it is already inside `head`
  | { readonly kind: 'buffer'; readonly data: Buffer } // one large buffer, written after the head
  | { readonly kind: 'stream'; readonly source: AsyncIterable<BodyChunk> | Iterable<BodyChunk>; readonly length: number | null } // length null: chunked

export interface Outgoing {
  readonly head: Buffer
  readonly body: BodyPlan
  /** `Expect: 100-continue`: hold the body until the server says 100 (RFC 9110 §10.1.1). */
  readonly expectContinue: boolean
  /** `Connection: upgrade`: a 101 is a valid answer. */
  readonly upgrade: boolean
  /** RFC 9110 §9.2.2: the method may be repeated without a different effect. */
  readonly idempotent: boolean
  /** The body can be written again from the start, so the request may be retried. */
  readonly replayable: boolean
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])

/** What the caller's headers already say about the body. */
interface BodyFields {
  contentLength: number | null
  chunked: boolean
  expectContinue: boolean
  upgrade: boolean
}

export function prepareOutgoing(request: PoolRequest, host: string): Outgoing {
  const { method, target, body } = request
  const fields = scanFields(request.headers)
  let headers = request.headers
  const idempotent = IDEMPOTENT.has(method)
  // Built field by field: an object spread here took V8's slow path, ~2.5 µs per request.
  const outgoing = (head: Buffer, plan: BodyPlan, replayable: boolean): Outgoing => ({
    head,
    body: plan,
    expectContinue: fields.expectContinue,
    upgrade: fields.upgrade,
    idempotent,
    replayable,
  })

  if (body === undefined || body === null) {
    return outgoing(serializeHead({ method, target, host, headers }), NONE, true)
  }

  if (typeof body === 'string' || body instanceof Uint8Array) {
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : asBuffer(body)
    if (fields.chunked) {
      // The caller asked for chunked coding of a known body: one chunk, then the last chunk.
      return outgoing(serializeHead({ method, target, host, headers }), { kind: 'stream', source: [data], length: null }, true)
    }
    if (fields.contentLength === null) headers = [...headers, 'Content-Length', String(data.length)]
    else if (fields.contentLength !== data.length) {
      throw new InvalidHeader(`Content-Length ${fields.contentLength} does not match the body's ${data.length} bytes`)
    }
    if (data.length <= INLINE_BODY_LIMIT && !fields.expectContinue) {
      return outgoing(serializeRequest({ method, target, host, headers }, data), NONE, true)
    }
    return outgoing(serializeHead({ method, target, host, headers }), { kind: 'buffer', data }, true)
  }

  if (!isIterable(body)) throw new TypeError('request body must be a Buffer, string, Readable or (async) iterable')
  if (fields.contentLength === null && !fields.chunked) headers = [...headers, 'Transfer-Encoding', 'chunked']
  const length = fields.chunked ? null : fields.contentLength
  // Arrays can be iterated again; a stream or generator is spent once read.
  const replayable = Array.isArray(body)
  return outgoing(serializeHead({ method, target, host, headers }), { kind: 'stream', source: body, length }, replayable)
}

const NONE: BodyPlan = Object.freeze({ kind: 'none' })

function scanFields(headers: readonly string[]): BodyFields {
  const fields: BodyFields = { contentLength: null, chunked: false, expectContinue: false, upgrade: false }
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!
    // Most names are none of these; the length check keeps the scan to a compare or two.
    if (name.length !== 14 && name.length !== 17 && name.length !== 6 && name.length !== 10) continue
    const lower = name.toLowerCase()
    const value = headers[i + 1]!
    if (lower === 'content-length') {
      const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN
      if (!Number.isSafeInteger(n)) throw new InvalidHeader(`Content-Length ${JSON.stringify(value)} is not a number of bytes`)
      fields.contentLength = n
    } else if (lower === 'transfer-encoding') {
      fields.chunked = value.toLowerCase().split(',').some((c) => c.trim() === 'chunked')
    } else if (lower === 'expect') {
      fields.expectContinue = value.trim().toLowerCase() === '100-continue'
    } else if (lower === 'connection') {
      fields.upgrade = value.toLowerCase().split(',').some((c) => c.trim() === 'upgrade')
    }
  }
  if (fields.chunked && fields.contentLength !== null) {
    // RFC 9112 §6.2: a sender must not send both; a server might believe either one.
    throw new InvalidHeader('request has both Content-Length and Transfer-Encoding')
  }
  return fields
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

function isIterable(body: object): body is AsyncIterable<BodyChunk> | Iterable<BodyChunk> {
  return body instanceof Readable || Symbol.asyncIterator in body || Symbol.iterator in body
}
