// Content decoding (RFC 9110 §8.4): turns de-framed body bytes back into the representation the
// server compressed. It sits above framing and never sees chunks. A buffered response takes the
// whole-body path (decodeBody); a streamed one the incremental path (createDecoder).

import { constants as bufferConstants } from 'node:buffer'
import type { Transform } from 'node:stream'
import zlib from 'node:zlib'
import { DecodeError } from './errors.js'
import { MAX_CONTENT_CODINGS } from './limits.js'

/**
 * A coding this module can undo. `identity` is not one: it names the absence of a coding
 * (§12.5.3) and is dropped while planning, so a plan never holds a step that does nothing.
 */
export type Coding = 'gzip' | 'deflate' | 'br'

/** What to do with a body, decided once from its head. */
export type DecodingPlan =
  /** Nothing to undo: the body is the representation. */
  | { readonly kind: 'identity' }
  /** Undo `codings` in this order: the reverse of the order the server applied them. */
  | { readonly kind: 'decode'; readonly codings: readonly Coding[] }
  /**
   * A coding we cannot undo (`compress`, `zstd`, a private one), named as the header wrote it.
   * Nothing of the chain is undone, so the body goes on exactly as it came; the API can still
   * hand it out raw, and tell the user why it is not decoded.
   */
  | { readonly kind: 'unknown'; readonly coding: string }

// The names we undo. x-gzip is gzip (§8.4.1.3: a recipient SHOULD treat them as equivalent);
// br is Brotli (RFC 7932), registered in the HTTP Content Coding Registry. compress and
// x-compress (§8.4.1.1, LZW) have no decoder in node:zlib and so plan as unknown.
const CODINGS: ReadonlyMap<string, Coding | 'identity'> = new Map<string, Coding | 'identity'>([
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
  ['br', 'br'],
  ['identity', 'identity'],
])

const IDENTITY: DecodingPlan = Object.freeze({ kind: 'identity' })

/**
 * The plan for a body from its Content-Encoding field values (raw, every line in arrival order)
 * and the transfer codings framing found before `chunked`. Transfer codings were applied after
 * the content codings (RFC 9112 §6.1), so the chain to undo is the reverse of both lists in turn.
 * Throws DecodeError TOO_MANY_CODINGS when the chain holds more than MAX_CONTENT_CODINGS names,
 * counted as written (identity and unknown names included): a chain that long is an attack on
 * the decoder, not a body, and it is refused before any decoder exists.
 */
export function planDecoding(contentEncoding: readonly string[], transferCodings: readonly string[] = []): DecodingPlan {
  const applied: Coding[] = []
  let unknown: string | null = null
  let listed = 0

  const take = (name: string): void => {
    if (name === '') return // §5.6.1: empty list elements do not count
    if (++listed > MAX_CONTENT_CODINGS) {
      throw new DecodeError('TOO_MANY_CODINGS', `more than ${MAX_CONTENT_CODINGS} codings applied to one body`)
    }
    // Coding names are case-insensitive tokens (§8.4.1).
    const coding = CODINGS.get(name.toLowerCase())
    if (coding === undefined) unknown ??= name
    else if (coding !== 'identity') applied.push(coding)
  }

  // Content-Encoding = #content-coding (§8.4). Scanned with indexOf rather than split so that a
  // field of thousands of commas stops at the sixth name instead of becoming an array first.
  for (const value of contentEncoding) {
    let start = 0
    while (start <= value.length) {
      let end = value.indexOf(',', start)
      if (end === -1) end = value.length
      take(trimOws(value, start, end))
      start = end + 1
    }
  }
  for (const name of transferCodings) take(trimOws(name, 0, name.length))

  if (unknown !== null) return { kind: 'unknown', coding: unknown }
  if (applied.length === 0) return IDENTITY
  return { kind: 'decode', codings: applied.reverse() }
}

/**
 * The whole body decoded at once, for a response that is buffered anyway: the fast path, with no
 * stream and no thread-pool round trip. No step may produce more than `maxSize` bytes (zlib stops
 * there, so a bomb costs at most `maxSize` of memory) → DecodeError BODY_TOO_LARGE. The cap also
 * holds for identity and unknown plans, where the output is the body itself.
 */
export function decodeBody(plan: DecodingPlan, body: Buffer, maxSize?: number): Buffer {
  const limit = checkLimit(maxSize)
  let data = body
  if (plan.kind === 'decode') {
    for (const coding of plan.codings) data = decodeWhole(coding, data, limit)
  }
  if (data.length > limit) throw tooLarge(limit)
  return data
}

/** Largest Buffer Node can allocate: maxOutputLength may not be more. */
const MAX_BUFFER = bufferConstants.MAX_LENGTH

function decodeWhole(coding: Coding, input: Buffer, limit: number): Buffer {
  // An empty body stays empty. Servers send `Content-Encoding: gzip` on empty error bodies;
  // zlib would call that truncated, but Requests, curl and browsers all give empty content.
  if (input.length === 0) return input
  const options = { maxOutputLength: Math.min(MAX_BUFFER, Math.max(1, Math.floor(limit))) }
  try {
    switch (coding) {
      case 'gzip':
        return zlib.gunzipSync(input, options)
      case 'deflate':
        return isZlibHeader(input) ? zlib.inflateSync(input, options) : zlib.inflateRawSync(input, options)
      case 'br':
        return zlib.brotliDecompressSync(input, options)
    }
  } catch (error) {
    throw translate(error, coding, limit)
  }
}

/**
 * §8.4.1.2: `deflate` means the zlib format (RFC 1950), but servers have long sent raw RFC 1951
 * data under that name, so we look: a zlib header has CM = 8 (deflate) in the low nibble of its
 * first byte, and its first two bytes, read big-endian, are a multiple of 31 (the FCHECK bits).
 * Anything else is taken as raw deflate. Needs at least two bytes.
 */
function isZlibHeader(first: Buffer): boolean {
  if (first.length < 2) return false
  const b0 = first[0] ?? 0
  const b1 = first[1] ?? 0
  return (b0 & 0x0f) === 8 && (b0 * 256 + b1) % 31 === 0
}

/**
 * The one place a zlib or brotli failure becomes a DecodeError; the original stays as `cause`.
 * Both libraries report input that stops before the compressed stream's end as Z_BUF_ERROR
 * ("unexpected end of file"), and maxOutputLength overflows as ERR_BUFFER_TOO_LARGE.
 * Every other failure (Z_DATA_ERROR, a brotli ERR_…_FORMAT code, Z_NEED_DICT) is bad data.
 * Note that Node reads bytes after a gzip member as another member (so junk there is corrupt
 * data, NUL padding excepted), and ignores bytes after the end of a deflate or br stream.
 */
function translate(error: unknown, coding: Coding, limit: number): DecodeError {
  const code = error instanceof Error && 'code' in error ? error.code : undefined
  if (code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(limit, error)
  if (code === 'Z_BUF_ERROR') {
    return new DecodeError('TRUNCATED_DATA', `${coding} data ends before the end of its stream`, { cause: error })
  }
  return new DecodeError('CORRUPT_DATA', `${coding} data is not valid`, { cause: error })
}

function tooLarge(limit: number, cause?: unknown): DecodeError {
  const options = cause === undefined ? undefined : { cause }
  return new DecodeError('BODY_TOO_LARGE', `decoded body is larger than ${limit} bytes`, options)
}

function checkLimit(maxSize: number | undefined): number {
  if (maxSize === undefined) return Infinity
  // A bad cap is the caller's bug, not the server's: a RangeError, not a DecodeError.
  if (!(maxSize >= 0)) throw new RangeError(`maxSize must be a number of bytes, got ${maxSize}`)
  return maxSize
}

function trimOws(s: string, start: number, end: number): string {
  while (start < end && isOws(s.charCodeAt(start))) start++
  while (end > start && isOws(s.charCodeAt(end - 1))) end--
  return s.slice(start, end)
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}

// ---------------------------------------------------------------------------------------------
// Streaming

/**
 * Receives a streaming decoder's output. For a decode plan the callbacks come later, from
 * zlib's thread pool; for identity and unknown plans they may run inside write() and end().
 * None runs after onEnd, onError or destroy(). Callbacks must not throw.
 */
export interface DecoderSink {
  /** The next decoded bytes. The decoder keeps no reference to `chunk`. */
  onData(chunk: Buffer): void
  /** The body ended and every coding's stream was complete. */
  onEnd(): void
  /** The body cannot be decoded; the decoder is already destroyed. */
  onError(error: DecodeError): void
  /** The decoder can take input again after write() returned false. */
  onDrain?(): void
}

/** Limits of one streaming decoder. */
export interface DecoderOptions {
  /** Most bytes any step may produce (the final output included); no cap when absent. */
  maxSize?: number
}

/**
 * A body being decoded as it arrives. Backpressure runs both ways, so memory stays at a few
 * zlib buffers (16 KiB each) per coding however large the decoded body grows:
 * - input: write() returns false once the decoder holds enough; the producer stops (pauses the
 *   socket) until sink.onDrain. A producer that writes on regardless makes the decoder buffer.
 * - output: pause() stops onData; the decoder stops inflating once its buffers are full, and
 *   its write() starts returning false. resume() delivers what was held and carries on.
 */
export interface BodyDecoder {
  /** Feeds the next de-framed body bytes. Throws if called after end(). */
  write(chunk: Buffer): boolean
  /** The body is complete; a coding stream left unfinished is TRUNCATED_DATA. */
  end(): void
  pause(): void
  resume(): void
  /** Stops decoding and frees zlib's memory; no sink callback follows. */
  destroy(): void
}

/** A streaming decoder following `plan`; identity and unknown plans pass bytes straight through. */
export function createDecoder(plan: DecodingPlan, sink: DecoderSink, options: DecoderOptions = {}): BodyDecoder {
  return new Pipeline(plan, sink, checkLimit(options.maxSize))
}

/**
 * One link of the pipeline: a coding's decompressor, or the outlet to the sink. It has the
 * shape of a Writable's write side, and calls `onDrain` after its write() returned false.
 */
interface Step {
  write(chunk: Buffer): boolean
  end(): void
  onDrain: () => void
}

/** The decoder: a chain of steps, one per coding in the order to undo, ending at the outlet. */
class Pipeline implements BodyDecoder {
  /** Set once the sink has had onEnd or onError, or the owner destroyed us. */
  finished = false
  private ended = false
  private readonly first: Step
  private readonly outlet: Outlet
  private readonly steps: InflateStep[] = []

  constructor(plan: DecodingPlan, readonly sink: DecoderSink, readonly limit: number) {
    this.outlet = new Outlet(this)
    let next: Step = this.outlet
    const codings = plan.kind === 'decode' ? [...plan.codings].reverse() : []
    // Built from the sink backwards, so each step is made knowing the one it writes to.
    for (const coding of codings) {
      const step = new InflateStep(coding, next, this)
      this.steps.push(step)
      next = step
    }
    this.first = next
    this.first.onDrain = () => {
      if (!this.finished) this.sink.onDrain?.()
    }
  }

  write(chunk: Buffer): boolean {
    if (this.ended) throw new Error('BodyDecoder.write() after end()')
    if (this.finished) return false
    return this.first.write(chunk)
  }

  end(): void {
    if (this.ended || this.finished) return
    this.ended = true
    this.first.end()
  }

  pause(): void {
    this.outlet.pause()
  }

  resume(): void {
    this.outlet.resume()
  }

  destroy(): void {
    this.finished = true
    for (const step of this.steps) step.destroy()
  }

  fail(error: DecodeError): void {
    if (this.finished) return
    this.destroy()
    this.sink.onError(error)
  }

  complete(): void {
    if (this.finished) return
    this.finished = true
    this.sink.onEnd()
  }
}

/** The last step: counts the output against the cap and holds it while the consumer is paused. */
class Outlet implements Step {
  onDrain: () => void = noop
  private paused = false
  private readonly held: Buffer[] = []
  private ending = false
  /** write() returned false, so the step before waits for onDrain. */
  private owesDrain = false
  private produced = 0

  constructor(private readonly pipeline: Pipeline) {}

  write(chunk: Buffer): boolean {
    if (this.pipeline.finished) return false
    if (this.paused || this.held.length > 0) {
      this.held.push(chunk)
      this.owesDrain = true
      return false
    }
    this.deliver(chunk)
    // The consumer may have paused inside onData.
    if (this.paused || this.pipeline.finished) {
      this.owesDrain = true
      return false
    }
    return true
  }

  end(): void {
    if (this.paused || this.held.length > 0) this.ending = true
    else this.pipeline.complete()
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    // onData may pause again, or fail the pipeline, between two held chunks.
    while (!this.paused && !this.pipeline.finished) {
      const chunk = this.held.shift()
      if (chunk === undefined) break
      this.deliver(chunk)
    }
    if (this.paused || this.pipeline.finished) return
    if (this.ending) {
      this.pipeline.complete()
    } else if (this.owesDrain) {
      this.owesDrain = false
      this.onDrain()
    }
  }

  private deliver(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.produced += chunk.length
    if (this.produced > this.pipeline.limit) this.pipeline.fail(tooLarge(this.pipeline.limit))
    else this.pipeline.sink.onData(chunk)
  }
}

/**
 * One coding undone by a node:zlib stream. The stream is created on the first byte, not before:
 * an empty body costs no zlib memory, and deflate must see two bytes to pick its format.
 */
class InflateStep implements Step {
  onDrain: () => void = noop
  private stream: Transform | null = null
  /** deflate only: a lone first byte, kept until the second tells zlib from raw data. */
  private held: Buffer | null = null
  private produced = 0

  constructor(
    private readonly coding: Coding,
    private readonly next: Step,
    private readonly pipeline: Pipeline,
  ) {
    next.onDrain = () => this.stream?.resume()
  }

  write(chunk: Buffer): boolean {
    if (chunk.length === 0) return this.stream === null || !this.stream.writableNeedDrain
    if (this.stream !== null) return this.stream.write(chunk)
    const first = this.held === null ? chunk : Buffer.concat([this.held, chunk])
    if (this.coding === 'deflate' && first.length < 2) {
      // A copy, so that one byte does not keep a whole socket read alive.
      this.held = Buffer.from(first)
      return true
    }
    this.held = null
    this.stream = this.open(first)
    return this.stream.write(first)
  }

  end(): void {
    if (this.stream === null) {
      // Nothing came in: an empty body stays empty, as in decodeWhole.
      if (this.held === null) return this.next.end()
      // A lone deflate byte: zlib will say the stream is truncated.
      this.stream = this.open(this.held)
      this.stream.write(this.held)
      this.held = null
    }
    this.stream.end()
  }

  destroy(): void {
    this.stream?.destroy()
  }

  private open(first: Buffer): Transform {
    const stream = createInflater(this.coding, first)
    const pipeline = this.pipeline
    stream.on('data', (chunk: Buffer) => {
      if (pipeline.finished) return
      // Every step is capped, not only the last: a bomb inside a chain must stop where it grows.
      this.produced += chunk.length
      if (this.produced > pipeline.limit) return pipeline.fail(tooLarge(pipeline.limit))
      // The next step is full: stop reading, and zlib stops inflating once its own buffer is.
      if (!this.next.write(chunk)) stream.pause()
    })
    stream.on('end', () => {
      if (!pipeline.finished) this.next.end()
    })
    stream.on('error', (error: unknown) => pipeline.fail(translate(error, this.coding, pipeline.limit)))
    stream.on('drain', () => this.onDrain())
    return stream
  }
}

function createInflater(coding: Coding, first: Buffer): Transform {
  switch (coding) {
    case 'gzip':
      return zlib.createGunzip()
    case 'deflate':
      return isZlibHeader(first) ? zlib.createInflate() : zlib.createInflateRaw()
    case 'br':
      return zlib.createBrotliDecompress()
  }
}

function noop(): void {}
