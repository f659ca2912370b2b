// One socket and one response parser. The connection writes a request, feeds every socket read
// to the parser, turns the parser's events into a PoolResponse and its body, and tells its pool
// when it is free again or gone. Its one timer serves the exchange in flight (read and total
// deadlines) and, between exchanges, the idle deadline.
//
//   idle ──send()──▶ busy ──(request written and response ended, reusable)──▶ idle
//                    │ ▲└──(failure, close reason, abandoned body)──────────▶ closed
//        pipeline()──┘ └──(response ended, more requests behind: the next one's turn)
//
// With pipelining on (pipelining.ts), the pool may write further requests while one is being
// answered; they wait in `behind`, and the parser, told of each as it is written, frames their
// responses in the same order (RFC 9112 §9.3.2).

import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ResponseParser, type MessageEnd, type ResponseHandler, type ResponseHead } from '../http1/index.js'
import type { HttpVersion } from '../http1/index.js'
import { ReadTimeout } from '../errors.js'
import { writeStreamBody } from './body-writer.js'
import type { Exchange } from './exchange.js'
import { translateFailure } from './failures.js'
import { Behind, mayPipeline } from './pipelining.js'
import { afterPoll, idleMark, polledSince } from './poll-fence.js'
import { IncomingBody, type BodySource } from './response-body.js'

/** What a connection tells the pool it belongs to. */
export interface ConnectionOwner {
  /** The exchange is over and the connection can carry another request. */
  released(connection: Connection): void
  /** The connection is closed and must be forgotten. */
  closed(connection: Connection): void
  /** A pipelined response ended and the next one's turn came: there is room behind it again. */
  roomBehind(connection: Connection): void
}

type ConnectionState = 'idle' | 'busy' | 'closed'

/** How long to hold a body after `Expect: 100-continue` before sending it anyway (RFC 9110 §10.1.1). */
const CONTINUE_TIMEOUT = 1000

/** Taken off the server's Keep-Alive timeout, so we never send on a socket it is about to close. */
const KEEP_ALIVE_MARGIN = 1000

export class Connection implements ResponseHandler, BodySource {
  state: ConnectionState = 'idle'
  /** Requests this connection has carried. */
  served = 0
  /** Opened beyond the pool's size (poolBlock false): closed instead of kept when released. */
  extra = false
  /** The exchange whose response is being read (and, unless pipelined, the only one in flight). */
  private exchange: Exchange | null = null
  /** Requests written after `exchange`, awaiting their turn; null until the first is pipelined. */
  private behind: Behind | null = null
  /** The HTTP version of the last response head: pipelining needs an HTTP/1.1 server. */
  private lastVersion: HttpVersion | null = null
  private readonly parser: ResponseParser
  /** Set by the last message end: may the connection carry another request? */
  private reusable = false
  private timer: NodeJS.Timeout | null = null
  private timerMs = -1
  /** When the last byte arrived, for the read deadline. */
  private lastRead = 0
  /** The body's reader has fallen behind: the read deadline does not run against the server. */
  private readPaused = false
  /** When the connection last went idle (poll-fence.ts); a new one has never been idle. */
  private idleSince = -Infinity
  /** The exchange is taken but its request not yet written: waiting for a poll (poll-fence.ts). */
  private holding = false
  /**
   * Keep the socket only when a response says `keep-alive` in Connection or Proxy-Connection.
   * Set for connections to a forwarding proxy: HTTP/1.0-minded proxies (tinyproxy) answer
   * HTTP/1.1 without `Connection: close` and then hang up, and a POST sent into that moment
   * would be lost (it cannot be retried).
   */
  explicitKeepAlive = false

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    /** Idle connections are closed after this long (the pool's setting, lowered by the server's hint). */
    private keepAliveMs: number,
  ) {
    this.parser = new ResponseParser(this)
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk))
    socket.on('end', () => this.onSocketEnd())
    socket.on('error', (err: Error) => this.failWith(err))
    socket.on('close', () => this.onSocketClose())
  }

  /** Whether the socket still looks able to carry a request. */
  get usable(): boolean {
    const { socket } = this
    return this.state === 'idle' && !socket.destroyed && socket.writable && !socket.readableEnded
  }

  /** Writes the exchange's request; the exchange's `head` settles when the response head arrives. */
  send(exchange: Exchange): void {
    this.state = 'busy'
    this.exchange = exchange
    this.served++
    exchange.reused = this.served > 1
    exchange.startedAt = performance.now()
    this.socket.ref()
    if (this.socket.destroyed) {
      this.failWith(new Error('connection closed before the request was sent'))
      return
    }
    this.armExchangeTimer()
    if (polledSince(this.idleSince)) {
      this.write(exchange)
      return
    }
    // Idle since this turn of the event loop: unread bytes may be waiting. The deadlines run
    // from now, and an abort works as for any exchange in flight.
    this.holding = true
    afterPoll(this.idleSince, () => {
      if (this.exchange !== exchange || this.state === 'closed') return
      this.holding = false
      this.write(exchange)
      // Requests pipelined behind it while it was held follow it, in order.
      if (this.behind !== null) for (const next of this.behind) this.writeBehind(next)
    })
  }

  private write(exchange: Exchange): void {
    const { outgoing } = exchange
    this.parser.expect({ method: exchange.request.method, upgrade: outgoing.upgrade })
    exchange.wroteAny = true
    this.socket.write(outgoing.head, (err) => {
      if (err == null) exchange.headConfirmed = true
    })
    if (outgoing.body.kind === 'none') {
      this.requestWritten(exchange)
    } else if (outgoing.expectContinue) {
      exchange.awaitingContinue = true
      setTimeout(() => this.sendBodyAfterContinue(exchange), CONTINUE_TIMEOUT).unref()
    } else {
      this.writeBody(exchange)
    }
  }

  /** Requests written and not yet answered in full. */
  get inFlight(): number {
    return (this.exchange === null ? 0 : 1) + (this.behind === null ? 0 : this.behind.length)
  }

  /**
   * May another request be written behind those in flight (at most `depth` in all)? Only on a
   * connection that has already carried a whole HTTP/1.1 response and stayed open, while the
   * request being answered is one that may be pipelined (those behind it are, or they would not
   * be there), and never once its response has announced that the connection ends with it.
   */
  acceptsBehind(depth: number): boolean {
    const head = this.exchange
    if (this.state !== 'busy' || head === null || !head.reused || this.inFlight >= depth) return false
    if (this.lastVersion !== '1.1' || this.parser.willClose || !mayPipeline(head.outgoing)) return false
    const { socket } = this
    return !socket.destroyed && socket.writable && !socket.readableEnded
  }

  /**
   * Writes a request behind those in flight (the pool checked `acceptsBehind` and `mayPipeline`).
   * Its body is absent or in memory, so the whole request goes out now, in order; its response
   * comes after theirs.
   */
  pipeline(exchange: Exchange): void {
    const behind = (this.behind ??= new Behind())
    behind.push(exchange)
    this.served++
    exchange.reused = true
    exchange.startedAt = performance.now()
    // Behind a request held for the poll, it is written when that one is.
    if (!this.holding) this.writeBehind(exchange)
    // Its total deadline may come before anything the timer waits for now.
    if (exchange.totalDeadline !== undefined) {
      const now = performance.now()
      this.armTimer(this.nextDeadline(this.exchange!, now) - now)
    }
  }

  private writeBehind(exchange: Exchange): void {
    const { outgoing } = exchange
    this.parser.expect({ method: exchange.request.method, upgrade: false })
    exchange.wroteAny = true
    this.socket.write(outgoing.head, (err) => {
      if (err == null) exchange.headConfirmed = true
    })
    if (outgoing.body.kind === 'buffer') this.socket.write(outgoing.body.data)
    exchange.requestDone = true
    exchange.phase = 'head'
  }

  /**
   * Stops the exchange now (an aborted signal). The one being answered: the socket is destroyed,
   * nothing is reused (requests behind it are sent again elsewhere). One waiting behind it leaves
   * the line at once; its response is read and dropped when it comes (pipelining.ts). One held
   * for the poll was never written, and the connection goes back to idle.
   */
  abort(exchange: Exchange, reason: Error): void {
    if (this.exchange !== exchange) {
      this.behind?.discard(exchange, reason)
      return
    }
    this.exchange = null
    exchange.fail(reason)
    if (this.holding && (this.behind === null || this.behind.length === 0)) {
      // Nothing was written: the connection is as good as before it was taken.
      this.holding = false
      this.goIdle()
      return
    }
    this.destroy()
  }

  close(): void {
    this.destroy()
  }

  // ── writing ──

  private writeBody(exchange: Exchange): void {
    const { body } = exchange.outgoing
    if (body.kind === 'buffer') {
      this.socket.write(body.data)
      this.requestWritten(exchange)
    } else if (body.kind === 'stream') {
      writeStreamBody(this.socket, body, exchange.url).then(
        () => this.requestWritten(exchange),
        (err: Error) => {
          // Once the response is complete a failed upload no longer matters to anyone.
          if (this.exchange === exchange) this.failWith(err)
        },
      )
    }
  }

  private sendBodyAfterContinue(exchange: Exchange): void {
    if (this.exchange !== exchange || !exchange.awaitingContinue) return
    exchange.awaitingContinue = false
    this.writeBody(exchange)
  }

  private requestWritten(exchange: Exchange): void {
    exchange.requestDone = true
    if (exchange.phase === 'write') exchange.phase = 'head'
    this.finishIfDone(exchange)
  }

  // ── reading: the parser's events ──

  onInterim(head: ResponseHead): void {
    const exchange = this.exchange!
    exchange.interim.push({ status: head.status, headers: head.headers })
    if (head.status === 100 && exchange.awaitingContinue) {
      exchange.awaitingContinue = false
      this.writeBody(exchange)
    }
  }

  onHead(head: ResponseHead): void {
    const exchange = this.exchange!
    if (exchange.awaitingContinue) {
      // A final answer instead of 100: the body is never sent, and the server may still be
      // waiting for it, so this connection's framing can no longer be trusted.
      exchange.awaitingContinue = false
      exchange.bodySkipped = true
      exchange.requestDone = true
    }
    exchange.phase = 'body'
    this.lastVersion = head.version
    const hint = keepAliveHint(head.headers)
    if (hint !== null) this.keepAliveMs = Math.min(this.keepAliveMs, hint - Math.min(KEEP_ALIVE_MARGIN, hint / 2))
    if (this.explicitKeepAlive && !saysKeepAlive(head.headers)) this.keepAliveMs = 0
    exchange.body = new IncomingBody(this)
    exchange.succeed({
      status: head.status,
      reason: head.reason,
      version: head.version,
      headers: head.headers,
      framing: head.framing,
      interim: exchange.interim,
      body: exchange.body,
      reused: exchange.reused,
      elapsed: performance.now() - exchange.startedAt,
    })
  }

  onData(chunk: Buffer): void {
    this.exchange!.body!.push(chunk)
  }

  onEnd(end: MessageEnd): void {
    const exchange = this.exchange!
    exchange.responseDone = true
    this.reusable = end.closeReason === null && !exchange.bodySkipped
    exchange.body!.end(end.trailers)
    // The server answered before the upload finished: stop sending, the socket cannot be reused.
    if (!exchange.requestDone) this.reusable = false
    this.finishIfDone(exchange, true)
    // The next response's first bytes came with this one's end: it may no longer be sent again.
    if (end.nextStarted && this.exchange !== null) this.exchange.responseStarted = true
  }

  private finishIfDone(exchange: Exchange, responseEnded = false): void {
    if (this.exchange !== exchange || !exchange.responseDone) return
    if (!exchange.requestDone && !responseEnded) return
    this.exchange = null
    exchange.done()
    if (!this.reusable || this.socket.destroyed || this.keepAliveMs <= 0) {
      this.destroy()
      return
    }
    if (this.behind !== null && this.behind.length > 0) {
      this.nextInLine()
      return
    }
    this.idleSince = idleMark()
    this.goIdle()
  }

  private goIdle(): void {
    this.state = 'idle'
    // A reader that fell behind may have paused the socket as the body ended; an idle socket must
    // read, or a server's close or stray bytes go unnoticed and the next response is never read.
    this.resumeIfPaused()
    this.socket.unref()
    this.armTimer(this.keepAliveMs)
    this.owner.released(this)
  }

  /** The response just read was not the last one asked for: the next request's turn. */
  private nextInLine(): void {
    this.exchange = this.behind!.shift()!
    // The body that ended may have paused the socket (a slow reader): this response must be read.
    this.resumeIfPaused()
    this.armExchangeTimer()
    this.owner.roomBehind(this)
  }

  private resumeIfPaused(): void {
    if (!this.readPaused) return
    this.readPaused = false
    this.socket.resume()
  }

  // ── the body's reader (BodySource) ──

  pause(): void {
    this.readPaused = true
    this.socket.pause()
  }

  resume(): void {
    this.readPaused = false
    this.lastRead = performance.now()
    this.socket.resume()
  }

  abandon(): void {
    const exchange = this.exchange
    if (exchange === null || exchange.body === null) return
    this.exchange = null
    exchange.done()
    this.destroy()
  }

  // ── the socket's events ──

  private onSocketData(chunk: Buffer): void {
    if (this.exchange === null || this.holding) {
      // Bytes on an idle connection answer nothing we asked: the connection is unusable. A request
      // held for the poll was not written, so it may go again on another connection.
      this.failWith(new Error('the server sent data on an idle connection'))
      return
    }
    this.exchange.responseStarted = true
    if (this.timer !== null) this.lastRead = performance.now()
    try {
      this.parser.receive(chunk)
    } catch (err) {
      this.failWith(err as Error)
    }
  }

  private onSocketEnd(): void {
    if (this.exchange === null || this.holding) {
      this.failWith(new Error('the server closed the idle connection'))
      return
    }
    try {
      this.parser.receiveEof()
    } catch (err) {
      this.failWith(err as Error)
    }
  }

  private onSocketClose(): void {
    if (this.exchange !== null) this.failWith(new Error('connection closed'))
    this.clearTimer()
    this.markClosed()
  }

  /** Fails the exchange in flight (translated into the error hierarchy) and closes. */
  private failWith(err: Error): void {
    const exchange = this.exchange
    this.exchange = null
    if (exchange !== null) {
      if (refusedWholeRequest(exchange, err)) exchange.wroteAny = false
      exchange.fail(translateFailure(err, exchange.phase, exchange.url))
    }
    this.destroy()
  }

  /**
   * Closes the socket and leaves the pool now, not when the socket's 'close' event comes. Requests
   * pipelined behind the one in flight got no byte of their responses: they fail in a way the
   * pool may retry.
   */
  private destroy(): void {
    this.clearTimer()
    this.socket.destroy()
    if (this.behind !== null) this.behind.failAll()
    this.markClosed()
  }

  private markClosed(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.owner.closed(this)
  }

  // ── the one timer ──

  private armExchangeTimer(): void {
    const exchange = this.exchange!
    const { readTimeout, totalDeadline } = exchange
    // No deadlines: leave the idle timer be. If it fires mid-exchange it finds nothing to do, and
    // when the connection is idle again it is refreshed rather than created anew.
    if (readTimeout === undefined && totalDeadline === undefined && this.behind === null) return
    const now = performance.now()
    this.lastRead = now
    const due = this.nextDeadline(exchange, now)
    if (due !== Infinity) this.armTimer(due - now)
  }

  private nextDeadline(exchange: Exchange, now: number): number {
    let due = Infinity
    if (exchange.readTimeout !== undefined) due = (this.readPaused ? now : this.lastRead) + exchange.readTimeout
    if (exchange.totalDeadline !== undefined) due = Math.min(due, exchange.totalDeadline)
    if (this.behind !== null) due = Math.min(due, this.behind.earliestDeadline())
    return due
  }

  private armTimer(ms: number): void {
    const delay = Math.max(1, Math.ceil(ms))
    if (this.timer !== null && this.timerMs === delay) {
      this.timer.refresh()
      return
    }
    this.clearTimer()
    this.timer = setTimeout(() => this.onTimer(), delay)
    this.timer.unref()
    this.timerMs = delay
  }

  private clearTimer(): void {
    if (this.timer === null) return
    clearTimeout(this.timer)
    this.timer = null
    this.timerMs = -1
  }

  private onTimer(): void {
    this.timer = null
    this.timerMs = -1
    const exchange = this.exchange
    if (exchange === null) {
      if (this.state === 'idle') this.destroy() // idle for keepAliveMs
      return
    }
    const now = performance.now()
    if (exchange.totalDeadline !== undefined && now >= exchange.totalDeadline) {
      this.expire(exchange, 'TOTAL_TIMEOUT', `the request took longer than its total timeout`)
      return
    }
    if (exchange.readTimeout !== undefined && !this.readPaused && now - this.lastRead >= exchange.readTimeout) {
      this.expire(exchange, 'READ_TIMEOUT', `no data from the server for ${exchange.readTimeout} ms`)
      return
    }
    if (this.behind !== null) this.behind.expire(now)
    const due = this.nextDeadline(exchange, now)
    if (due !== Infinity) this.armTimer(due - now)
  }

  /** READ_TIMEOUT: the server went quiet (worth a retry); TOTAL_TIMEOUT: the caller's budget is spent. */
  private expire(exchange: Exchange, code: 'READ_TIMEOUT' | 'TOTAL_TIMEOUT', why: string): void {
    this.exchange = null
    exchange.fail(new ReadTimeout(`${why} (${exchange.phase}) for url: ${exchange.url}`, { url: exchange.url, code }))
    this.destroy()
  }
}

/**
 * Did the kernel refuse the request's only write? A write that fails with EPIPE or ECONNRESET
 * (the peer had already reset the socket) put nothing on the wire; when the head and any body
 * went out in that one write and it was never confirmed, none of the request reached the server,
 * so even a POST may be sent again.
 */
function refusedWholeRequest(exchange: Exchange, err: Error): boolean {
  const { syscall } = err as NodeJS.ErrnoException
  return syscall === 'write' && !exchange.headConfirmed && exchange.outgoing.body.kind === 'none'
}

/** A `keep-alive` token in Connection or Proxy-Connection (RFC 9112 §9.3; Proxy-Connection is non-standard but sent by proxies). */
function saysKeepAlive(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase()
    if (name !== 'connection' && name !== 'proxy-connection') continue
    if (/(?:^|,)\s*keep-alive\s*(?:,|$)/i.test(headers[i + 1]!)) return true
  }
  return false
}

/** The server's `Keep-Alive: timeout=N` in ms (RFC 2068 §19.7.1.1, still sent by most servers). */
function keepAliveHint(headers: string[]): number | null {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue
    const match = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(headers[i + 1]!)
    if (match !== null) return Number(match[1]) * 1000
  }
  return null
}
