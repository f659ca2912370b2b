// Shared bits of the hostile suite: a raw server and a Session (with its own HTTPAdapter) both
// closed at teardown, the rejection of a promise, and the check every case ends with: the next
// request on the same session gets its own, correct response.

import type { LookupFunction, Socket } from 'node:net'
import type { Test } from 'tap'
import { HTTPAdapter, Session, type HTTPAdapterOptions } from '../../lib/index.js'
import { response, startRawServer, type RawServer, type RawServerOptions } from '../support/raw-server.js'
import { sumStats, type Totals } from '../support/stats.js'

/** The subset of a tap Test these helpers use. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

export interface Client {
  s: Session
  adapter: HTTPAdapter
}

/** A Session on its own HTTPAdapter, with the environment ignored (no proxies, no netrc). */
export function client(t: Teardown, options: HTTPAdapterOptions = {}): Client {
  const adapter = new HTTPAdapter(options)
  const s = new Session({ adapter })
  s.trustEnv = false
  t.teardown(() => s.close())
  return { s, adapter }
}

export async function rawServer(t: Teardown, options?: RawServerOptions): Promise<RawServer> {
  const server = await startRawServer(options)
  t.teardown(() => server.close())
  return server
}

/** The base URL of a raw server. */
export function base(server: RawServer): string {
  return `http://127.0.0.1:${server.port}`
}

/** The rejection of `promise`; an Error saying so when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    const value = await promise
    return Object.assign(new Error(`expected a rejection, but the promise resolved (${describe(value)})`), { code: 'RESOLVED' })
  } catch (err) {
    if (err instanceof Error) return err
    return new Error(`rejected with a non-Error: ${String(err)}`)
  }
}

function describe(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'statusCode' in value) {
    const r = value as { statusCode: number; content?: Buffer }
    let body = ''
    try { body = ` body ${JSON.stringify(r.content?.toString('latin1').slice(0, 40))}` } catch { /* streamed */ }
    return `status ${r.statusCode}${body}`
  }
  return typeof value
}

/** The name of an error's class, for messages. */
export function className(err: unknown): string {
  return err instanceof Error ? err.constructor.name : typeof err
}

/**
 * A handler that answers `/after` (the request every case sends next) with "after-ok" and
 * keep-alive, and every other request with `hostile`.
 */
export function hostile(bad: (socket: Socket, target: string) => void) {
  return (req: { target: string }, socket: Socket): void => {
    if (req.target === '/after') socket.write(response(200, 'after-ok'))
    else bad(socket, req.target)
  }
}

/** Sends GET /after on `s` and checks it gets its own response. */
export async function nextWorks(t: Test, s: Session, server: RawServer): Promise<void> {
  const r = await s.get(`${base(server)}/after`, { timeout: 5000 })
  t.equal(r.statusCode, 200, 'the next request gets a 200')
  t.equal(r.text, 'after-ok', 'the next request gets its own body')
}

/** The connection number the last request to `target` arrived on. */
export function connectionOf(server: RawServer, target: string): number | undefined {
  return server.requests.filter(r => r.target === target).at(-1)?.connection
}

/** A lookup that never resolves anything: every name is ENOTFOUND. */
export const failingLookup: LookupFunction = (hostname, _options, callback) => {
  process.nextTick(() => {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname })
    callback(err, '', 4)
  })
}

/** A lookup that maps names from a table to loopback addresses; anything else is ENOTFOUND. */
export function mapLookup(table: Record<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const address = table[hostname]
    process.nextTick(() => {
      if (address === undefined) {
        failingLookup(hostname, options, callback)
        return
      }
      if (options.all === true) {
        const all = callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void
        all(null, [{ address, family: 4 }])
      } else {
        callback(null, address, 4)
      }
    })
  }
}

/** Sum of an adapter's stats over every origin. */
export function totals(adapter: HTTPAdapter): Totals {
  return sumStats(adapter.stats())
}

/** Waits (bounded) until the adapter has nothing busy or queued. */
export async function settled(adapter: HTTPAdapter, ms = 5000): Promise<{ busy: number; queued: number }> {
  const deadline = Date.now() + ms
  for (;;) {
    const { busy, queued } = totals(adapter)
    if ((busy === 0 && queued === 0) || Date.now() > deadline) return { busy, queued }
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
