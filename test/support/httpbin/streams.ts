// The endpoints whose bodies are encoded, generated or paced: /gzip, /deflate, /brotli, /stream,
// /drip, /delay, /bytes, /stream-bytes, /range, and the test-only /chunked. Every wait is a timer
// tied to the exchange's signal, so a client that hangs up (or a closing server) cancels it.

import { randomBytes } from 'node:crypto'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import {
  type Exchange, HttpError, echo, intSegment, jsonText, numberParam, send, sendJson, sleep, writeChunk,
} from './context.js'
import { GET, type Route } from './router.js'

/** Generated bodies stop here; httpbin's 100 KiB is too small to exercise streaming and pooling. */
export const MAX_GENERATED_BYTES = 10 * 1024 * 1024
/** /delay waits at most this long, as httpbin does. */
export const MAX_DELAY_MS = 10_000
/** /drip and /range spread their bodies over at most this long, to keep test runs short. */
export const MAX_DRIP_MS = 5_000

function ensureStatus(code: number): number {
  if (!Number.isInteger(code) || code < 200 || code > 599) throw new HttpError(400, 'code must be a final status (200-599)')
  return code
}

/**
 * Deterministic bytes for `?seed=`: mulberry32, a small 32-bit generator. The bytes differ from
 * httpbin's (Python's Mersenne Twister), but the same seed always gives the same body here.
 */
export function seededBytes(n: number, seed: string | null): Buffer {
  if (seed === null) return randomBytes(n)
  if (!/^-?\d+$/.test(seed)) throw new HttpError(400, 'seed must be an integer')
  let state = Number(BigInt.asUintN(32, BigInt(seed)))
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i += 4) {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const word = (t ^ (t >>> 14)) >>> 0
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (word >>> (8 * k)) & 0xff
  }
  return out
}

function sizeParam(raw: string | undefined): number {
  const n = intSegment(raw)
  if (n === null) throw new HttpError(404, 'Not Found')
  return Math.min(n, MAX_GENERATED_BYTES)
}

/** Writes `body` in slices of `chunkSize`, spreading `totalMs` evenly across them. */
async function paced(ex: Exchange, body: Buffer, chunkSize: number, totalMs: number): Promise<void> {
  const slices = Math.max(1, Math.ceil(body.length / chunkSize))
  for (let i = 0; i < slices; i++) {
    if (!(await writeChunk(ex, body.subarray(i * chunkSize, (i + 1) * chunkSize)))) return
    if (totalMs > 0 && i < slices - 1 && !(await sleep(ex.signal, totalMs / slices))) return
  }
  ex.res.end()
}

/** RFC 9110 §14.1.2: one `bytes=first-last`, `first-` or `-suffix` range; `null` for none or another unit. */
function parseRange(header: string | undefined, size: number): { first: number; last: number } | 'unsatisfiable' | null {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header ?? '')
  if (match === null) return null
  const [, a = '', b = ''] = match
  if (a === '' && b === '') return null
  let first: number
  let last: number
  if (a === '') {
    first = Math.max(0, size - Number(b))
    last = size - 1
  } else {
    first = Number(a)
    last = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  }
  return first > last || first >= size ? 'unsatisfiable' : { first, last }
}

export function streamRoutes(): Route[] {
  const encoded = (name: string, flag: string, encoding: string, compress: (b: Buffer) => Buffer): Route => ({
    path: `/${name}`,
    methods: GET,
    handler: ex => {
      const text = jsonText(echo(ex, ['origin', 'headers'], { method: ex.method, [flag]: true }))
      send(ex, 200, compress(Buffer.from(text)), 'application/json', { 'Content-Encoding': encoding })
    },
  })

  return [
    encoded('gzip', 'gzipped', 'gzip', b => gzipSync(b)),
    // "deflate" is the zlib format (RFC 1950) here, as httpbin sends it, not raw RFC 1951 data.
    encoded('deflate', 'deflated', 'deflate', b => deflateSync(b)),
    encoded('brotli', 'brotli', 'br', b => brotliCompressSync(b)),

    { path: '/stream/:n', methods: GET, handler: async (ex, p) => {
      // n JSON documents, one per line and one per chunk: the shape iter_lines() examples read.
      const n = Math.min(sizeParam(p.n), 100)
      const base = echo(ex, ['url', 'args', 'headers', 'origin'])
      ex.res.writeHead(200, { 'Content-Type': 'application/json' })
      for (let id = 0; id < n; id++) {
        if (!(await writeChunk(ex, JSON.stringify({ ...base, id }) + '\n'))) return
        await new Promise(resolve => setImmediate(resolve))
      }
      ex.res.end()
    } },

    { path: '/drip', methods: GET, handler: async ex => {
      const numbytes = Math.min(Math.trunc(numberParam(ex.query.get('numbytes'), 10, 'numbytes')), MAX_GENERATED_BYTES)
      const durationMs = Math.min(Math.max(0, numberParam(ex.query.get('duration'), 2, 'duration') * 1000), MAX_DRIP_MS)
      const delayMs = Math.min(Math.max(0, numberParam(ex.query.get('delay'), 0, 'delay') * 1000), MAX_DELAY_MS)
      const code = ensureStatus(numberParam(ex.query.get('code'), 200, 'code'))
      if (numbytes <= 0) return send(ex, 400, 'number of bytes must be positive', 'text/html; charset=utf-8')
      if (delayMs > 0 && !(await sleep(ex.signal, delayMs))) return
      ex.res.writeHead(code, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(numbytes) })
      // One byte per step as httpbin does, but never more than ~100 steps, so big drips stay cheap.
      const steps = Math.min(numbytes, 100)
      await paced(ex, Buffer.alloc(numbytes, '*'), Math.ceil(numbytes / steps), durationMs)
    } },

    { path: '/delay/:s', methods: 'any', handler: async (ex, p) => {
      const seconds = Number(p.s)
      if (!Number.isFinite(seconds)) throw new HttpError(400, 'delay must be a number of seconds')
      if (!(await sleep(ex.signal, Math.min(Math.max(0, seconds * 1000), MAX_DELAY_MS)))) return
      sendJson(ex, echo(ex, ['url', 'args', 'form', 'data', 'origin', 'headers', 'files']))
    } },

    { path: '/bytes/:n', methods: GET, handler: (ex, p) => {
      send(ex, 200, seededBytes(sizeParam(p.n), ex.query.get('seed')), 'application/octet-stream')
    } },

    { path: '/stream-bytes/:n', methods: GET, handler: async (ex, p) => {
      const body = seededBytes(sizeParam(p.n), ex.query.get('seed'))
      const chunkSize = Math.max(1, Math.trunc(numberParam(ex.query.get('chunk_size'), 10 * 1024, 'chunk_size')))
      ex.res.writeHead(200, { 'Content-Type': 'application/octet-stream' }) // no length: sent chunked
      await paced(ex, body, chunkSize, 0)
    } },

    { path: '/range/:n', methods: GET, handler: async (ex, p) => {
      const size = intSegment(p.n) ?? 0
      const common = { 'ETag': `range${size}`, 'Accept-Ranges': 'bytes' }
      if (size <= 0 || size > 100 * 1024) {
        return send(ex, 404, 'number of bytes must be in the range (0, 102400]', 'text/html; charset=utf-8', common)
      }
      const range = parseRange(ex.req.headers.range, size)
      if (range === 'unsatisfiable') return send(ex, 416, '', null, { ...common, 'Content-Range': `bytes */${size}` })
      const { first, last } = range ?? { first: 0, last: size - 1 }
      const body = Buffer.alloc(last - first + 1)
      for (let i = first; i <= last; i++) body[i - first] = 0x61 + (i % 26) // 'a'..'z', stable across requests
      const partial = range !== null && !(first === 0 && last === size - 1)
      ex.res.writeHead(partial ? 206 : 200, {
        ...common,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
        ...(range !== null ? { 'Content-Range': `bytes ${first}-${last}/${size}` } : {}),
      })
      const chunkSize = Math.max(1, Math.trunc(numberParam(ex.query.get('chunk_size'), 10 * 1024, 'chunk_size')))
      const durationMs = Math.min(Math.max(0, numberParam(ex.query.get('duration'), 0, 'duration') * 1000), MAX_DRIP_MS)
      await paced(ex, body, chunkSize, durationMs * (body.length / size))
    } },

    // Test helper: exactly n chunks of `chunk <i>\n`, `?delay=<ms>` apart, with `?trailers=1` a trailer.
    { path: '/chunked/:n', methods: 'any', handler: async (ex, p) => {
      const n = Math.min(intSegment(p.n) ?? -1, 10_000)
      if (n < 0) throw new HttpError(404, 'Not Found')
      const delayMs = Math.min(Math.max(0, numberParam(ex.query.get('delay'), 0, 'delay')), 1000)
      const trailers = ex.query.get('trailers') === '1'
      ex.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', ...(trailers ? { Trailer: 'X-Chunk-Count' } : {}) })
      for (let i = 0; i < n; i++) {
        if (!(await writeChunk(ex, `chunk ${i}\n`))) return
        if (delayMs > 0 ? !(await sleep(ex.signal, delayMs)) : false) return
        if (delayMs === 0) await new Promise(resolve => setImmediate(resolve))
      }
      if (trailers) ex.res.addTrailers({ 'X-Chunk-Count': String(n) })
      ex.res.end()
    } },
  ]
}
