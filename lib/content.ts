// A response body on its way to the caller: de-framed bytes from the transport, through the
// content decoder (gzip/deflate/br), regrouped into the chunk sizes iterContent promises. The
// Response decides when; this file only knows how, with memory bounded at every step.

import { createDecoder, decodeBody, type DecodingPlan } from './http1/decoding.js'
import { DecodeError } from './http1/errors.js'

/** What the transport hands a Response for its body (the pool's ResponseBody fits). */
export interface BodySource extends AsyncIterable<Buffer> {
  /** The rest of the body in one Buffer. */
  collect(): Promise<Buffer>
  /** Reads and discards the rest, so the connection can be reused. */
  dump(): Promise<void>
  /** Abandons the body: its connection is closed, not reused. */
  destroy(reason?: Error): void
  readonly complete: boolean
}

/** An empty body, for responses that have none (HEAD, 204, 304) or were built by hand. */
export const EMPTY_BODY: BodySource = {
  collect: () => Promise.resolve(Buffer.alloc(0)),
  dump: () => Promise.resolve(),
  destroy: () => {},
  complete: true,
  async *[Symbol.asyncIterator]() {},
}

/** The whole body, decoded at once: one inflate, no stream (the buffered fast path). */
export function decodeWhole(raw: Buffer, plan: DecodingPlan): Buffer {
  return plan.kind === 'decode' ? decodeBody(plan, raw) : raw
}

/** Decoded output held before the decoder is paused: a few zlib buffers' worth. */
const MAX_QUEUED_BYTES = 256 * 1024

/**
 * The body decoded as it arrives. Backpressure both ways keeps memory bounded even for a
 * decompression bomb: input is read only after the decoder drains, and the decoder is paused
 * while its output waits for the consumer.
 */
export async function* decodedChunks(source: BodySource, plan: DecodingPlan, maxSize: number | null = null): AsyncGenerator<Buffer> {
  if (plan.kind !== 'decode') {
    if (maxSize === null) {
      yield* source
      return
    }
    let size = 0
    for await (const chunk of source) {
      size += chunk.length
      if (size > maxSize) throw new DecodeError('BODY_TOO_LARGE', `body is larger than ${maxSize} bytes`)
      yield chunk
    }
    return
  }
  const queue: Buffer[] = []
  let queued = 0
  let writable = true
  let ended = false
  let failure: DecodeError | null = null
  let wake: (() => void) | null = null
  const notify = (): void => {
    const w = wake
    wake = null
    w?.()
  }
  const decoder = createDecoder(plan, {
    onData(chunk) {
      queue.push(chunk)
      queued += chunk.length
      if (queued >= MAX_QUEUED_BYTES) decoder.pause()
      notify()
    },
    onEnd() {
      ended = true
      notify()
    },
    onError(error) {
      failure = error
      notify()
    },
    onDrain() {
      writable = true
      notify()
    },
  }, maxSize === null ? {} : { maxSize })
  // Decoder events come from zlib's thread pool, between our awaits; each wait is entered only
  // after the flags it waits on were checked, so no event can slip by unseen.
  const nextEvent = (): Promise<void> => new Promise((resolve) => { wake = resolve })

  function* flush(): Generator<Buffer> {
    while (queue.length > 0) {
      const chunk = queue.shift() as Buffer
      queued -= chunk.length
      if (queued < MAX_QUEUED_BYTES) decoder.resume()
      yield chunk
    }
    if (failure !== null) throw failure
  }

  try {
    for await (const chunk of source) {
      if (!decoder.write(chunk)) writable = false
      yield* flush()
      while (!writable && failure === null) {
        await nextEvent()
        yield* flush()
      }
    }
    decoder.end()
    yield* flush()
    while (!ended && failure === null) {
      await nextEvent()
      yield* flush()
    }
    yield* flush()
  } finally {
    decoder.destroy()
    if (!source.complete) source.destroy()
  }
}

/**
 * Regroups chunks into pieces of exactly `size` bytes (the last may be shorter), as
 * iter_content(chunk_size) does; copies only the pieces that straddle two chunks.
 */
export async function* fixedSize(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let pendingLength = 0
  for await (let chunk of chunks) {
    if (pendingLength > 0) {
      const need = size - pendingLength
      if (chunk.length < need) {
        pending.push(chunk)
        pendingLength += chunk.length
        continue
      }
      pending.push(chunk.subarray(0, need))
      yield Buffer.concat(pending, size)
      pending = []
      pendingLength = 0
      chunk = chunk.subarray(need)
    }
    let offset = 0
    while (chunk.length - offset >= size) {
      yield chunk.subarray(offset, offset + size)
      offset += size
    }
    if (offset < chunk.length) {
      pending.push(chunk.subarray(offset))
      pendingLength += chunk.length - offset
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength)
}

/** A loaded body handed out again in slices (iter_slices). */
export async function* slices(content: Buffer, size: number | null): AsyncGenerator<Buffer> {
  if (size === null || size >= content.length) {
    if (content.length > 0) yield content
    return
  }
  for (let offset = 0; offset < content.length; offset += size) yield content.subarray(offset, offset + size)
}
