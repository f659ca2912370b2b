// One client in a process of its own, for the client suite (bench/clients.ts). The process
// lives for one scenario: it loads one client, checks one exchange, warms up, then runs as many
// rounds as the parent asks for, so its JIT warms up once and its peak RSS is this client's on
// this workload alone.
//
// Messages from the parent, each answered by one message:
//   { type: 'setup', client, target, workload } → { type: 'ready', probe } after one checked exchange
//   { type: 'warm', ops, maxMs }                → { type: 'warmed', ops, ms } after that many exchanges (or time)
//   { type: 'round', warmupMs, minTimeMs, fresh } → { type: 'metrics', metrics }; with `fresh`, the
//                                                  client is closed and made anew first (new connections)
// Any failure answers { type: 'error', error }. The process exits when the IPC channel closes.

import { latency, loadAsync } from './child.js'
import { throughput, type Metrics } from './harness.js'
import { createDriver, expectedBytes, type ClientName, type Driver, type Target, type Workload } from './clients-drivers.js'

export type ChildRequest =
  | { readonly type: 'setup'; readonly client: ClientName; readonly target: Target; readonly workload: Workload }
  | { readonly type: 'warm'; readonly ops: number; readonly maxMs: number }
  | { readonly type: 'round'; readonly warmupMs: number; readonly minTimeMs: number; readonly fresh: boolean }

export type ChildReply =
  | { readonly type: 'ready'; readonly probe: string }
  | { readonly type: 'warmed'; readonly ops: number; readonly ms: number }
  | { readonly type: 'metrics'; readonly metrics: Metrics }
  | { readonly type: 'error'; readonly error: string }

let driver: Driver | null = null
let workload: Workload | null = null
let target: Target | null = null
let client: ClientName = 'raw-socket'

async function handle(message: ChildRequest): Promise<ChildReply> {
  if (message.type === 'setup') {
    client = message.client
    workload = message.workload
    target = message.target
    driver = await createDriver(message.client, message.target, message.workload)
    return { type: 'ready', probe: await probe(driver, workload) }
  }
  if (driver === null || workload === null || target === null) throw new Error('round before setup')
  if (message.type === 'round' && message.fresh) {
    await driver.close()
    driver = await createDriver(client, target, workload)
  }
  const d = driver
  // The decoded length for clients, the length as sent for raw-socket (see clients-drivers.ts).
  const expected = expectedBytes(client, workload)
  const op = async (): Promise<void> => {
    const n = await d.exchange()
    if (n !== expected) throw new Error(`${client}: ${n} body bytes, expected ${expected}`)
  }
  if (message.type === 'warm') return warm(op, workload.concurrency, message.ops, message.maxMs)
  // No forced GC before a round: the garbage in this process is this client's own, the steady
  // state it makes anyway; and a forced full GC right before a short round bills the concurrent
  // sweeping that follows it to the round (undici's CPU per request tripled in 150 ms rounds).
  const sample = await loadAsync(op, { concurrency: workload.concurrency, warmupMs: message.warmupMs, minTimeMs: message.minTimeMs })
  const base = throughput(sample, expected)
  const lat = latency(sample)
  const usage = process.resourceUsage()
  const cpuNs = base['cpu ns/op'] ?? Number.NaN
  return {
    type: 'metrics',
    metrics: {
      ...base,
      ...lat,
      'p50 ms': (lat['p50 µs'] ?? Number.NaN) / 1000,
      'p99 ms': (lat['p99 µs'] ?? Number.NaN) / 1000,
      'cpu µs/req': cpuNs / 1000,
      'cpu ms/req': cpuNs / 1e6,
      requests: sample.iterations,
      // maxRSS is in kibibytes on Linux and macOS; the peak of this process so far.
      'peak RSS MiB': usage.maxRSS / 1024,
    },
  }
}

/**
 * The JIT's warm-up, counted in exchanges rather than time: on a slow or loaded machine a client
 * needs some thousands of small exchanges before its CPU per request settles, however long
 * that takes (up to `maxMs`).
 */
async function warm(op: () => Promise<void>, concurrency: number, ops: number, maxMs: number): Promise<ChildReply> {
  const started = performance.now()
  const deadline = started + maxMs
  let done = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < ops && performance.now() < deadline) {
        await op()
        done++
      }
    }),
  )
  return { type: 'warmed', ops: done, ms: performance.now() - started }
}

/** The check before timing: one exchange, its status (inside `exchange`), length and first bytes. */
async function probe(d: Driver, w: Workload): Promise<string> {
  let first: Buffer | null = null
  const n = await d.exchange((chunk) => {
    first = chunk
  })
  const expected = expectedBytes(client, w)
  if (n !== expected) throw new Error(`${client} probe: ${n} body bytes, expected ${expected}`)
  const start = (first as Buffer | null)?.toString('latin1', 0, 40) ?? ''
  if (w.expectPrefix !== undefined && !start.startsWith(w.expectPrefix)) {
    throw new Error(`${client} probe: body starts ${JSON.stringify(start)}, expected ${JSON.stringify(w.expectPrefix)}`)
  }
  return `200, ${n} body bytes${w.expectPrefix === undefined ? '' : `, "${w.expectPrefix}"`}`
}

process.on('message', (message: ChildRequest) => {
  handle(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildReply),
  )
})
process.on('disconnect', () => {
  const closing = driver?.close()
  const exit = (): never => process.exit(0)
  setTimeout(exit, 500).unref()
  void closing?.then(exit, exit)
  if (closing === undefined) exit()
})
