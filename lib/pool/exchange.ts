// One request's life on a connection: what was written, what has arrived, and the promise the
// caller waits on. The pool reads it after a failure to decide whether a retry is safe.

import type { Phase } from '../errors.js'
import type { Outgoing } from './outgoing.js'
import type { IncomingBody } from './response-body.js'
import type { PoolRequest, PoolResponse } from './types.js'

export class Exchange {
  /** Where the exchange is: writing the request, waiting for the head, reading the body. */
  phase: Phase = 'write'
  /** Some byte of the request was handed to the socket: the server may have acted on it. */
  wroteAny = false
  /** The socket reported the head's write done (the kernel took the bytes). */
  headConfirmed = false
  /** The whole request, body included, was handed to the socket. */
  requestDone = false
  /** Some byte of the response arrived. */
  responseStarted = false
  responseDone = false
  /** Holding the body until the server answers `Expect: 100-continue`. */
  awaitingContinue = false
  /** The server answered before the body was sent, so the server and we disagree on what follows. */
  bodySkipped = false
  /** The head promise has been resolved or rejected. */
  settled = false
  reused = false
  startedAt = 0
  readonly interim: { status: number; headers: string[] }[] = []
  body: IncomingBody | null = null
  /** Called once when the exchange is over, successfully or not (removes abort listeners). */
  onDone: (() => void) | null = null

  private resolveHead!: (response: PoolResponse) => void
  private rejectHead!: (error: Error) => void
  readonly head: Promise<PoolResponse>

  constructor(
    readonly request: PoolRequest,
    readonly outgoing: Outgoing,
    /** ms allowed for each wait for bytes; undefined for none. */
    readonly readTimeout: number | undefined,
    /** performance.now() by which the whole exchange must be over; undefined for none. */
    readonly totalDeadline: number | undefined,
  ) {
    this.head = new Promise<PoolResponse>((resolve, reject) => {
      this.resolveHead = resolve
      this.rejectHead = reject
    })
  }

  /** The request's URL, for error messages only (built when an error needs it). */
  get url(): string {
    const { origin, target } = this.request
    if (!target.startsWith('/')) return target // absolute-form already names the origin
    const host = origin.hostname.includes(':') ? `[${origin.hostname}]` : origin.hostname
    return `${origin.scheme}://${host}:${origin.port}${target}`
  }

  succeed(response: PoolResponse): void {
    if (this.settled) return
    this.settled = true
    this.resolveHead(response)
  }

  /** Fails the exchange: the head promise if still pending, else the body. */
  fail(error: Error): void {
    if (!this.settled) {
      this.settled = true
      this.rejectHead(error)
    } else {
      this.body?.fail(error)
    }
    this.done()
  }

  done(): void {
    const onDone = this.onDone
    this.onDone = null
    onDone?.()
  }
}
