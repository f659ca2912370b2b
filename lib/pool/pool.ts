// The connections to one origin (one pool key). Policy lives here, mechanism in Connection:
// which connection a request gets (the most recently idle one: LIFO keeps few sockets warm),
// when a new one is dialed, who waits (first come, first served), and when a failed request
// may be sent again.
//
// A request goes to, in order of preference: an idle connection; a new one while there is room
// under maxSize; with pipelining on, behind the requests in flight on the least loaded connection
// that accepts it (pipelining.ts); else it waits (poolBlock) or gets an extra connection.

import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ConnectTimeout, ConnectionError, ReadTimeout, SSLError } from '../errors.js'
import { Connection, type ConnectionOwner } from './connection.js'
import { dial, type DialOptions } from './dial.js'
import { Exchange } from './exchange.js'
import { translateFailure } from './failures.js'
import type { Outgoing } from './outgoing.js'
import { mayPipeline } from './pipelining.js'
import type { OriginStats, PoolRequest, PoolResponse } from './types.js'

export interface PoolSettings {
  readonly maxSize: number
  readonly block: boolean
  readonly poolTimeout: number | undefined
  readonly keepAliveTimeout: number
  /** Requests in flight per connection; 1 is no pipelining. */
  readonly pipelining: number
}

/** A request waiting for a connection (poolBlock, all connections busy). */
interface Waiter {
  /** The waiting exchange, placed on a connection by the pool as soon as one takes it. */
  readonly exchange: Exchange
  /** The exchange has been placed on a connection. */
  resolve(): void
  reject(error: Error): void
  /**
   * The pool dials a connection for it now: it no longer waits, so its pool timeout and abort
   * listener give way to the dial's own (connect timeout, total deadline, signal), and it can no
   * longer be failed while the dial goes on to send it.
   */
  stopWaiting(): void
}

export class Pool implements ConnectionOwner {
  /** Idle connections, most recently released last. */
  private readonly idle: Connection[] = []
  private readonly connections = new Set<Connection>()
  private readonly waiters: Waiter[] = []
  private dialing = 0
  private closing = false
  /** Evicted by the manager: requests in flight finish, then their connections close. */
  private retired = false
  /** For least-recently-used eviction by the manager. */
  lastUsed = 0

  constructor(
    readonly key: string,
    private readonly settings: PoolSettings,
    private readonly dialOptions: DialOptions,
  ) {}

  async request(request: PoolRequest, outgoing: Outgoing): Promise<PoolResponse> {
    const { signal, timeout } = request
    signal?.throwIfAborted()
    const totalDeadline = timeout?.total === undefined ? undefined : performance.now() + timeout.total
    for (let attempt = 0; ; attempt++) {
      const exchange = new Exchange(request, outgoing, timeout?.read, totalDeadline)
      // A retry goes to a fresh connection: the other idle ones may be as stale as the first.
      const idle = attempt === 0 ? this.takeIdle() : null
      if (idle !== null) this.start(idle, exchange)
      else if (attempt > 0 || this.settings.pipelining === 1 || !this.pipelineOnto(exchange)) {
        await this.obtain(exchange, totalDeadline, attempt > 0)
      }
      try {
        return await exchange.head
      } catch (err) {
        if (attempt === 0 && mayRetry(exchange, err)) continue
        throw err
      }
    }
  }

  stats(): OriginStats {
    const open = this.connections.size
    let inFlight = 0
    for (const connection of this.connections) inFlight += connection.inFlight
    return { key: this.key, open, idle: this.idle.length, busy: open - this.idle.length, inFlight, queued: this.waiters.length }
  }

  close(): void {
    this.closing = true
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ConnectionError('connection pool closed'))
    for (const connection of this.connections) connection.close()
    this.idle.length = 0
  }

  /**
   * Leaves the manager (poolConnections, least recently used first), as urllib3 does: idle
   * connections close now; requests in flight and those waiting are served, and each connection
   * closes when it is free.
   */
  retire(): void {
    this.retired = true
    for (const connection of this.idle.splice(0)) connection.close()
  }

  /** Whether the pool holds nothing and can be dropped. */
  get empty(): boolean {
    return this.connections.size === 0 && this.dialing === 0 && this.waiters.length === 0
  }

  // ── ConnectionOwner ──

  released(connection: Connection): void {
    const waiter = this.waiters.shift()
    if (waiter !== undefined) {
      this.start(connection, waiter.exchange)
      waiter.resolve()
      if (this.waiters.length > 0 && this.settings.pipelining > 1) this.pipelineWaiters(connection)
    } else if (connection.extra || this.closing || this.retired) {
      connection.close()
    } else {
      this.idle.push(connection)
    }
  }

  closed(connection: Connection): void {
    this.connections.delete(connection)
    const at = this.idle.indexOf(connection)
    if (at !== -1) this.idle.splice(at, 1)
    // A waiter may now have room for a connection of its own.
    if (this.waiters.length > 0 && this.hasRoom()) this.dialForWaiter()
  }

  roomBehind(connection: Connection): void {
    if (this.waiters.length > 0) this.pipelineWaiters(connection)
  }

  // ── choosing a connection ──

  private takeIdle(): Connection | null {
    for (;;) {
      const connection = this.idle.pop()
      if (connection === undefined) return null
      if (connection.usable) {
        connection.state = 'busy'
        return connection
      }
      connection.close()
    }
  }

  private hasRoom(): boolean {
    return this.connections.size + this.dialing < this.settings.maxSize
  }

  /** Sends the exchange on a connection it has to itself, watching its signal. */
  private start(connection: Connection, exchange: Exchange): void {
    const { signal } = exchange.request
    if (signal !== undefined) watchAbort(signal, connection, exchange)
    connection.send(exchange)
  }

  /**
   * Pipelining: writes the exchange behind the requests in flight on the least loaded connection
   * that accepts it, if any does. Never ahead of a waiting request (first come, first served).
   */
  private pipelineOnto(exchange: Exchange): boolean {
    if (this.hasRoom() || this.waiters.length > 0 || !mayPipeline(exchange.outgoing)) return false
    const depth = this.settings.pipelining
    let best: Connection | null = null
    for (const connection of this.connections) {
      if (connection.acceptsBehind(depth) && (best === null || connection.inFlight < best.inFlight)) best = connection
    }
    if (best === null) return false
    this.pipeline(best, exchange)
    return true
  }

  /** Writes waiting requests behind those in flight on `connection`, in their order, while it takes them. */
  private pipelineWaiters(connection: Connection): void {
    const depth = this.settings.pipelining
    for (;;) {
      const waiter = this.waiters[0]
      if (waiter === undefined || !mayPipeline(waiter.exchange.outgoing) || !connection.acceptsBehind(depth)) return
      this.waiters.shift()
      this.pipeline(connection, waiter.exchange)
      waiter.resolve()
    }
  }

  private pipeline(connection: Connection, exchange: Exchange): void {
    const { signal } = exchange.request
    if (signal !== undefined) watchAbort(signal, connection, exchange)
    connection.pipeline(exchange)
  }

  /** Places the exchange on a new connection, or (poolBlock, full) on the next one free. */
  private obtain(exchange: Exchange, totalDeadline: number | undefined, fresh: boolean): Promise<void> {
    if (fresh || this.hasRoom() || !this.settings.block) return this.connect(exchange, totalDeadline)
    return this.wait(exchange, totalDeadline)
  }

  /** Waits for a connection: until one is free, the pool timeout, the total deadline or an abort. */
  private wait(exchange: Exchange, totalDeadline: number | undefined): Promise<void> {
    const { signal } = exchange.request
    const { poolTimeout } = this.settings
    const totalLeft = totalDeadline === undefined ? undefined : Math.max(0, totalDeadline - performance.now())
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        exchange,
        resolve: () => {
          cleanup()
          resolve()
        },
        reject: (error) => {
          cleanup()
          reject(error)
        },
        stopWaiting: cleanup,
      }
      const leave = (error: Error): void => {
        const at = this.waiters.indexOf(waiter)
        if (at !== -1) this.waiters.splice(at, 1)
        waiter.reject(error)
      }
      const onAbort = (): void => leave(signal!.reason as Error)
      if (totalLeft !== undefined && (poolTimeout === undefined || totalLeft < poolTimeout)) {
        const url = exchange.url
        timer = setTimeout(() => leave(new ReadTimeout(`the request took longer than its total timeout (waiting for a connection) for url: ${url}`, { url, code: 'TOTAL_TIMEOUT' })), totalLeft)
      } else if (poolTimeout !== undefined) {
        timer = setTimeout(() => leave(new ConnectionError(`no connection free within the pool timeout of ${poolTimeout} ms`, { code: 'POOL_TIMEOUT', phase: 'connect' })), poolTimeout)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private dialForWaiter(): void {
    const waiter = this.waiters.shift()
    if (waiter === undefined) return
    waiter.stopWaiting()
    this.connect(waiter.exchange, waiter.exchange.totalDeadline).then(waiter.resolve, waiter.reject)
  }

  private async connect(exchange: Exchange, totalDeadline: number | undefined): Promise<void> {
    const { request } = exchange
    const extra = !this.hasRoom()
    this.dialing++
    const { cancel, ready } = dial({ ...this.dialOptions, lookup: request.lookup ?? this.dialOptions.lookup })
    const url = `${this.dialOptions.origin.scheme}://${this.dialOptions.origin.hostname}:${this.dialOptions.origin.port}/`
    let timer: NodeJS.Timeout | undefined
    let failure: Error | null = null
    const stop = (error: Error): void => {
      failure = error
      cancel()
    }
    const connectMs = deadlineMs(request.timeout?.connect, totalDeadline)
    if (connectMs !== undefined) {
      timer = setTimeout(() => stop(new ConnectTimeout(`could not connect within ${Math.round(connectMs)} ms for url: ${url}`, { phase: 'connect', code: 'ETIMEDOUT', url })), connectMs)
    }
    const signal = request.signal
    const onAbort = (): void => stop(signal!.reason as Error)
    signal?.addEventListener('abort', onAbort, { once: true })
    let socket: Socket | null = null
    let error: unknown = null
    try {
      socket = await ready
    } catch (err) {
      error = err
    }
    this.dialing--
    if (timer !== undefined) clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    if (socket === null) {
      // The room this dial held is free again: a request waiting for room dials in its turn
      // (each gets its own error if the server stays unreachable).
      if (this.waiters.length > 0 && this.hasRoom()) this.dialForWaiter()
      throw failure ?? translateFailure(error, 'connect', url)
    }
    const connection = new Connection(socket, this, this.settings.keepAliveTimeout)
    // Through a forwarding proxy (plain http), only an explicit keep-alive keeps the socket.
    connection.explicitKeepAlive = this.dialOptions.proxy !== undefined && this.dialOptions.origin.scheme === 'http'
    connection.extra = extra
    connection.state = 'busy'
    this.connections.add(connection)
    if (this.closing) connection.close()
    this.start(connection, exchange)
  }
}

/** The tighter of a connect timeout and what is left of the total. */
function deadlineMs(connect: number | undefined, totalDeadline: number | undefined): number | undefined {
  const left = totalDeadline === undefined ? undefined : Math.max(0, totalDeadline - performance.now())
  if (connect === undefined) return left
  return left === undefined ? connect : Math.min(connect, left)
}

/**
 * May a failed request be sent again on a new connection? Only when it failed on a reused
 * connection before any byte of a response arrived (the server closed a keep-alive socket we
 * thought was open), and only when sending it twice cannot do harm: nothing of it was written,
 * or it is idempotent (RFC 9110 §9.2.2) and its body can be sent again. Never for timeouts,
 * aborts or TLS failures, which a retry would only repeat. Requests pipelined behind one that
 * failed qualify by construction: only idempotent requests with replayable bodies are pipelined,
 * and they fail with PIPELINE_CLOSED only when no byte of their responses arrived.
 */
function mayRetry(exchange: Exchange, err: unknown): boolean {
  if (!exchange.reused || exchange.responseStarted) return false
  if (!(err instanceof ConnectionError) || err instanceof SSLError || err instanceof ConnectTimeout) return false
  const { outgoing } = exchange
  return !exchange.wroteAny || (outgoing.idempotent && outgoing.replayable)
}

/** Aborting the signal stops the exchange; the listener goes when the exchange is over. */
function watchAbort(signal: AbortSignal, connection: Connection, exchange: Exchange): void {
  if (signal.aborted) {
    queueMicrotask(() => connection.abort(exchange, signal.reason as Error))
    return
  }
  const onAbort = (): void => connection.abort(exchange, signal.reason as Error)
  signal.addEventListener('abort', onAbort, { once: true })
  exchange.onDone = () => signal.removeEventListener('abort', onAbort)
}
