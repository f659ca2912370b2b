// A response body as the connection receives it: chunks pushed in by the parser's events, read
// out once by the user, either collected whole (one promise for the whole body, the fast path of
// a buffered response) or iterated (one promise per chunk, with backpressure on the socket).

import type { ResponseBody } from './types.js'

/** What the body asks of the connection it comes from. */
export interface BodySource {
  /** The reader has fallen behind: stop reading the socket. */
  pause(): void
  resume(): void
  /** The reader gave up on the body: the connection cannot be reused. */
  abandon(reason: Error): void
}

/** How the body is being read; set once by the first reader. */
type ReadMode = 'none' | 'collect' | 'iterate' | 'dump'

type BodyState = 'open' | 'ended' | 'failed' | 'destroyed'

/** Bytes queued for an iterating reader before the socket is paused. */
const HIGH_WATER_MARK = 1024 * 1024

interface Waiter<T> {
  resolve(value: T): void
  reject(reason: Error): void
}

export class IncomingBody implements ResponseBody {
  private readonly chunks: Buffer[] = []
  private queued = 0
  private state: BodyState = 'open'
  private mode: ReadMode = 'none'
  private error: Error | null = null
  private paused = false
  private nextWaiter: Waiter<IteratorResult<Buffer>> | null = null
  private endWaiter: Waiter<void> | null = null
  trailers: string[] = []

  constructor(private readonly source: BodySource) {}

  get complete(): boolean {
    return this.state === 'ended'
  }

  // ── the connection's side ──

  push(chunk: Buffer): void {
    if (this.state !== 'open' || this.mode === 'dump') return
    if (this.nextWaiter !== null) {
      const waiter = this.nextWaiter
      this.nextWaiter = null
      waiter.resolve({ value: chunk, done: false })
      return
    }
    this.chunks.push(chunk)
    this.queued += chunk.length
    if (this.mode !== 'collect' && this.queued > HIGH_WATER_MARK && !this.paused) {
      this.paused = true
      this.source.pause()
    }
  }

  end(trailers: string[]): void {
    if (this.state !== 'open') return
    this.state = 'ended'
    this.trailers = trailers
    // The message is over, and with it the pause: the connection reads again for its next
    // exchange, which a late resume from this body must not touch.
    this.paused = false
    if (this.nextWaiter !== null && this.chunks.length === 0) {
      const waiter = this.nextWaiter
      this.nextWaiter = null
      waiter.resolve({ value: undefined, done: true })
    }
    this.settleEnd()
  }

  fail(error: Error): void {
    if (this.state !== 'open') return
    this.state = 'failed'
    this.error = error
    if (this.nextWaiter !== null) {
      const waiter = this.nextWaiter
      this.nextWaiter = null
      waiter.reject(error)
    }
    this.settleEnd()
  }

  // ── the reader's side ──

  collect(): Promise<Buffer> {
    this.claim('collect')
    if (this.paused) this.resume()
    return new Promise<void>((resolve, reject) => {
      this.endWaiter = { resolve, reject }
      this.settleEnd()
    }).then(() => {
      const { chunks, queued } = this
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, queued)
      chunks.length = 0
      this.queued = 0
      return body
    })
  }

  dump(): Promise<void> {
    this.claim('dump')
    this.chunks.length = 0
    this.queued = 0
    if (this.paused) this.resume()
    return new Promise<void>((resolve, reject) => {
      this.endWaiter = { resolve, reject }
      this.settleEnd()
    })
  }

  destroy(reason: Error = new Error('response body destroyed')): void {
    if (this.state === 'ended' || this.state === 'destroyed') return
    const wasOpen = this.state === 'open'
    this.state = 'destroyed'
    this.error = reason
    this.chunks.length = 0
    this.queued = 0
    if (this.nextWaiter !== null) {
      const waiter = this.nextWaiter
      this.nextWaiter = null
      waiter.resolve({ value: undefined, done: true })
    }
    if (wasOpen) this.source.abandon(reason)
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.claim('iterate')
    return {
      next: () => this.next(),
      return: () => {
        // Leaving a for-await loop early abandons the rest of the body.
        if (this.state === 'open') this.destroy(new Error('response body iteration stopped early'))
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }

  private next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.chunks.shift()
    if (chunk !== undefined) {
      this.queued -= chunk.length
      if (this.paused && this.queued <= HIGH_WATER_MARK / 2) this.resume()
      return Promise.resolve({ value: chunk, done: false })
    }
    if (this.state === 'ended' || this.state === 'destroyed') return Promise.resolve({ value: undefined, done: true })
    if (this.state === 'failed') return Promise.reject(this.error)
    if (this.paused) this.resume()
    return new Promise((resolve, reject) => {
      this.nextWaiter = { resolve, reject }
    })
  }

  private claim(mode: ReadMode): void {
    if (this.mode !== 'none') throw new Error(`response body already read (${this.mode})`)
    if (this.state === 'destroyed') throw this.error ?? new Error('response body destroyed')
    this.mode = mode
  }

  private resume(): void {
    this.paused = false
    this.source.resume()
  }

  private settleEnd(): void {
    const waiter = this.endWaiter
    if (waiter === null || this.state === 'open') return
    this.endWaiter = null
    if (this.state === 'ended') waiter.resolve()
    else waiter.reject(this.error ?? new Error('response body destroyed'))
  }
}
