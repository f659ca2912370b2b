// HTTP/1.1 pipelining (RFC 9112 §9.3.2): a client may write further requests on a connection
// before the responses to the earlier ones have arrived, and the server answers them in order.
// This file holds its policy: which requests may be pipelined, and what happens to the requests
// written behind the one being answered when that one fails, is aborted or runs out of time.
//
// The rule for failures follows from the rule for admission. Only requests that may be sent twice
// (idempotent, with no body or one held in memory) are ever written behind another, so when the
// connection dies before any byte of their responses arrived, the pool sends them again on a fresh
// connection, as it does for a stale keep-alive socket. A request that leaves the line early (its
// signal aborted, its total timeout passed) cannot be taken back off the wire: its response will
// still come, in its turn, so a sink takes its place and reads that response to the end and drops
// it. The others keep their connection and are never handed a response that was not theirs.

import { ConnectionError, ReadTimeout } from '../errors.js'
import { Exchange } from './exchange.js'
import type { Outgoing } from './outgoing.js'

/** Requests in flight per connection when the options say nothing: one, pipelining off. */
export const DEFAULT_PIPELINING = 1

/** The `pipelining` option, checked: a whole number of requests in flight, at least 1. */
export function pipeliningDepth(value: number | undefined): number {
  if (value === undefined) return DEFAULT_PIPELINING
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`pipelining must be a whole number of requests in flight, at least 1 (1 = off); got ${String(value)}`)
  }
  return value
}

/**
 * May this request be written behind others, or others behind it? Only when sending it twice does
 * no harm (RFC 9110 §9.2.2, RFC 9112 §9.3.2: non-idempotent methods must not be pipelined), and
 * when it is written whole at once: a body that is absent or in memory (a stream could stall the
 * requests behind it and cannot be sent again), no `Expect: 100-continue` (its body waits for an
 * answer), no `Connection: upgrade` (what follows a 101 is not HTTP).
 */
export function mayPipeline(outgoing: Outgoing): boolean {
  return outgoing.idempotent && outgoing.body.kind !== 'stream' && !outgoing.expectContinue && !outgoing.upgrade
}

/**
 * The requests written on one connection behind the one whose response is being read, oldest
 * first. The connection owns it; it exists only once a request has been pipelined, so a
 * connection that never pipelines carries none of this.
 */
export class Behind {
  private readonly line: Exchange[] = []

  get length(): number {
    return this.line.length
  }

  push(exchange: Exchange): void {
    this.line.push(exchange)
  }

  [Symbol.iterator](): Iterator<Exchange> {
    return this.line[Symbol.iterator]()
  }

  /** The next in line, whose response comes after the current one. */
  shift(): Exchange | undefined {
    return this.line.shift()
  }

  /**
   * Takes `exchange` out of the line for its caller (who gets `error`), leaving a sink in its
   * place to read and drop its response. False when it is not in this line.
   */
  discard(exchange: Exchange, error: Error): boolean {
    const at = this.line.indexOf(exchange)
    if (at === -1) return false
    // Not written yet (behind a request held for the poll, poll-fence.ts): it simply leaves.
    if (exchange.wroteAny) this.line[at] = sinkFor(exchange)
    else this.line.splice(at, 1)
    exchange.fail(error)
    return true
  }

  /**
   * The connection is gone before any byte of these responses arrived: each request fails with a
   * ConnectionError its pool may retry on a fresh connection (see `mayRetry` in pool.ts).
   */
  failAll(): void {
    const line = this.line.splice(0)
    for (const exchange of line) {
      const url = exchange.url
      exchange.fail(new ConnectionError(`the connection closed before the response to this pipelined request began for url: ${url}`, { phase: 'head', code: 'PIPELINE_CLOSED', url }))
    }
  }

  /** The earliest total deadline in the line (performance.now() time), or Infinity. */
  earliestDeadline(): number {
    let due = Infinity
    for (const exchange of this.line) if (exchange.totalDeadline !== undefined && exchange.totalDeadline < due) due = exchange.totalDeadline
    return due
  }

  /** Fails the requests whose total timeout has passed while they waited in line. */
  expire(now: number): void {
    for (const exchange of this.line) {
      if (exchange.totalDeadline === undefined || now < exchange.totalDeadline) continue
      this.discard(exchange, new ReadTimeout(`the request took longer than its total timeout (waiting behind pipelined requests) for url: ${exchange.url}`, { url: exchange.url, code: 'TOTAL_TIMEOUT' }))
    }
  }
}

/**
 * Stands in for a request that left the line: the same request on the wire, nobody's caller. Its
 * response is read to the end and dropped, with the read timeout of the request it replaces so a
 * server that never answers is still noticed; it has no total deadline of its own.
 */
function sinkFor(exchange: Exchange): Exchange {
  const sink = new Exchange(exchange.request, exchange.outgoing, exchange.readTimeout, undefined)
  sink.reused = true
  sink.wroteAny = true
  sink.headConfirmed = exchange.headConfirmed
  sink.requestDone = true
  sink.phase = 'head'
  sink.startedAt = exchange.startedAt
  sink.head.then((response) => response.body.dump().catch(ignore), ignore)
  return sink
}

function ignore(): void {}
