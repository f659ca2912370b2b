// The client suite: reqwire (its Requests API and its pool alone) against undici.request (the
// baseline), undici.fetch, the global fetch, node:http, axios, got, node-fetch and a raw-socket
// ceiling, each client in a process of its own, against a server in another process on
// 127.0.0.1 (bench/server.ts, and nginx when it is installed).
//
// A scenario starts its server, then one child per client (bench/clients-child.ts), which loads
// that client alone with as many connections as the scenario has requests in flight, and makes
// one exchange checked for status, body length and (own server) the body's first bytes. All the
// children then warm up together for a number of exchanges (the JIT settles by count, not by
// time). Then the harness interleaves rounds: in each, one child warms up briefly and runs a
// closed loop for the round's time; every exchange's body length is checked again. Around each
// round the own server counts the connections that carried requests, and the request-body bytes
// it received, so nobody wins by opening more sockets or sending less.
//
// Every process started here is stopped when the scenario ends, when the bench fails, and on
// SIGINT/SIGTERM/SIGHUP; the children also exit on their own when their IPC channel (or, for
// nginx.sh, their stdin) closes, so none outlives a bench killed with SIGKILL either.

import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Contender, Metrics, MetricSpec, Prepared, RunContext, Scenario, Suite } from './harness.js'
import { CHUNK_COUNT, CHUNKED_DECODED_BYTES, chunkedBody, gzipJson, KiB, MiB } from './bodies.js'
import type { ChildReply, ChildRequest } from './clients-child.js'
import { CLIENTS, QUICK_CLIENTS, type ClientName, type Target, type Workload } from './clients-drivers.js'

// ── Processes, stopped whatever happens ──────────────────────────────────────────────────────

const live = new Set<ChildProcess>()
let handlersInstalled = false

function track(proc: ChildProcess): void {
  live.add(proc)
  proc.once('exit', () => live.delete(proc))
  if (handlersInstalled) return
  handlersInstalled = true
  // SIGTERM, not SIGKILL: nginx.sh traps it to stop nginx and remove its directory.
  process.on('exit', () => {
    for (const p of live) p.kill('SIGTERM')
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const p of live) p.kill('SIGTERM')
      process.kill(process.pid, signal) // the default action now that our handler is gone
    })
  }
}

/** A child process spoken to one message at a time: each request waits for the next message. */
class Peer {
  private pending: { resolve(message: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout } | null = null
  private gone: Error | null = null

  constructor(
    readonly proc: ChildProcess,
    readonly label: string,
  ) {
    track(proc)
    proc.on('message', (message) => this.settle(null, message))
    proc.on('error', (error) => this.settle(error))
    proc.on('exit', (code, signal) => {
      this.gone = new Error(`${label} exited (${signal ?? `code ${code}`})`)
      this.settle(this.gone)
    })
  }

  /** The next message, or a rejection when the process exits first or `timeoutMs` passes. */
  next<T>(timeoutMs: number): Promise<T> {
    if (this.gone !== null) return Promise.reject(this.gone)
    if (this.pending !== null) return Promise.reject(new Error(`${this.label}: two requests at once`))
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(new Error(`${this.label}: no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)
      this.pending = { resolve: resolve as (message: unknown) => void, reject, timer }
    })
  }

  ask<T>(message: object, timeoutMs: number): Promise<T> {
    const reply = this.next<T>(timeoutMs)
    if (this.gone === null) this.proc.send(message)
    return reply
  }

  /** Closes the IPC channel (the child exits by itself), then insists. */
  stop(): Promise<void> {
    const { proc } = this
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      const term = setTimeout(() => proc.kill('SIGTERM'), 1000)
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000)
      proc.once('exit', () => {
        clearTimeout(term)
        clearTimeout(kill)
        resolve()
      })
      if (proc.connected) proc.disconnect()
      else proc.kill('SIGTERM')
    })
  }

  private settle(error: Error | null, message?: unknown): void {
    const pending = this.pending
    if (pending === null) return
    this.pending = null
    clearTimeout(pending.timer)
    if (error !== null) pending.reject(error)
    else pending.resolve(message)
  }
}

/** A compiled sibling module (this file runs from .build/bench/). */
function sibling(name: string): URL {
  return new URL(`./${name}`, import.meta.url)
}

// ── Servers ──────────────────────────────────────────────────────────────────────────────────

interface ServerStats {
  readonly requests: number
  readonly bodyBytes: number
  /** Connections that carried at least one request since the mark. */
  readonly connections: number
}

interface RunningServer {
  readonly target: Target
  /** The same server over TLS (own server only). */
  readonly tlsTarget?: Target
  /** Start counting (own server only). */
  mark?(): Promise<void>
  stats?(): Promise<ServerStats>
  stop(): Promise<void>
}

interface ServerKind {
  readonly id: 'own' | 'nginx'
  readonly description: string
  /** Whether each client's body is checked to start with the server's echo of the request size. */
  readonly echoes: boolean
  start(): Promise<RunningServer>
}

const ownServer: ServerKind = {
  id: 'own',
  description: 'own net server (bench/server.ts), one process',
  echoes: true,
  async start() {
    const peer = new Peer(fork(sibling('server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), 'bench/server.js')
    const { port, tlsPort } = await peer.next<{ type: 'listening'; port: number; tlsPort: number }>(15_000)
    return {
      target: { scheme: 'http', host: '127.0.0.1', port },
      tlsTarget: { scheme: 'https', host: '127.0.0.1', port: tlsPort, ca: tlsCaPath() },
      async mark() {
        await peer.ask({ type: 'mark' }, 10_000)
      },
      stats: () => peer.ask<ServerStats>({ type: 'stats' }, 10_000),
      stop: () => peer.stop(),
    }
  },
}

/** A file of the source tree, whether this file runs from bench/ or .build/bench/. */
function sourceFile(path: string): string {
  for (const candidate of [`../../${path}`, `../${path}`]) {
    const found = fileURLToPath(new URL(candidate, import.meta.url))
    if (existsSync(found)) return found
  }
  throw new Error(`${path} not found`)
}

function nginxScript(): string {
  return sourceFile('bench/nginx.sh')
}

/**
 * The test fixtures' CA (test/fixtures/tls/ca.pem, see test/support/tls-fixtures.ts), which
 * signed the own server's certificate for 127.0.0.1. Every client is given it as its users give
 * a private CA; none turns verification off.
 */
function tlsCaPath(): string {
  return sourceFile('test/fixtures/tls/ca.pem')
}

const nginxServer: ServerKind = {
  id: 'nginx',
  description: 'nginx, 1 worker, sendfile, keepalive_requests 1000000 (bench/nginx.sh)',
  echoes: false,
  async start() {
    const port = await freePort()
    const proc = spawn('bash', [nginxScript(), String(port)], { stdio: ['pipe', 'pipe', 'inherit'] })
    track(proc)
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error('bench/nginx.sh: nginx not ready within 30 s')), 30_000)
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('latin1')
        if (out.includes(`ready ${port}\n`)) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`bench/nginx.sh exited (code ${code}) before nginx was ready`))
      })
    })
    return {
      target: { scheme: 'http', host: '127.0.0.1', port },
      stop: () =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
          const term = setTimeout(() => proc.kill('SIGTERM'), 5000)
          proc.once('exit', () => {
            clearTimeout(term)
            resolve()
          })
          proc.stdin!.end() // nginx.sh stops nginx when its stdin closes
        }),
    }
  },
}

/** A port free on loopback now (nginx needs one in its config before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

function nginxInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// ── Workloads and their tables ───────────────────────────────────────────────────────────────

const REQS: MetricSpec = { key: 'ops/s', label: 'req/s', better: 'higher', digits: 0 }
const MIBS: MetricSpec = { key: 'MiB/s', better: 'higher', digits: 0 }
const RSS: MetricSpec = { key: 'peak RSS MiB', label: 'RSS MiB', better: 'lower', digits: 0 }
const CONNS: MetricSpec = { key: 'conns', better: 'lower', digits: 0 }

const SMALL_METRICS: readonly MetricSpec[] = [
  REQS,
  { key: 'p50 µs', better: 'lower', digits: 0 },
  { key: 'p99 µs', better: 'lower', digits: 0 },
  { key: 'cpu µs/req', better: 'lower', digits: 1 },
  RSS,
]
const MIB_METRICS: readonly MetricSpec[] = [
  MIBS,
  REQS,
  { key: 'p50 ms', better: 'lower', digits: 2 },
  { key: 'p99 ms', better: 'lower', digits: 2 },
  { key: 'cpu µs/req', better: 'lower', digits: 0 },
  RSS,
]
const STREAM_METRICS: readonly MetricSpec[] = [
  MIBS,
  { key: 'p50 ms', better: 'lower', digits: 1 },
  { key: 'p99 ms', better: 'lower', digits: 1 },
  { key: 'cpu ms/req', better: 'lower', digits: 1 },
  RSS,
]

interface Shape {
  readonly id: string
  readonly title: string
  readonly workload: Workload
  readonly headline: 'ops/s' | 'MiB/s'
  readonly metrics: readonly MetricSpec[]
  /** Rounds of this workload run this many times longer (few, long exchanges). */
  readonly timeScale: number
  /** The warm-up's exchanges are this fraction of TIMING's (large bodies run their per-chunk code many times per exchange). */
  readonly warmupScale: number
  /**
   * Also run against nginx in quick runs: GET 100 B c=16 only, so that a quick run (with nginx)
   * stays under a minute; `--scenario nginx/` runs the others.
   */
  readonly quickWithNginx: boolean
  /** Run in quick runs at all (the scenarios the issue's goals name; the others are full runs only). */
  readonly quick: boolean
  /** Over TLS: the own server's TLS listener. */
  readonly tls?: boolean
  /**
   * Each round on new connections (the child makes its client anew). For long streams: the
   * kernel sizes a TCP receive window per connection as it goes (autotuning), and one
   * connection's window, better or worse by chance, would otherwise set a client's result for
   * the whole run; the median over rounds then is a median over connections.
   */
  readonly freshConnections?: boolean
  /**
   * Only against the own server: bench/nginx.sh has no TLS listener, no chunked route and no
   * gzip route (nginx is not installed here to test them with).
   */
  readonly ownServerOnly?: boolean
}

function small(concurrency: number, quickWithNginx: boolean): Shape {
  return {
    id: `small-c${concurrency}`,
    title: `GET 100 B body, c=${concurrency}`,
    workload: { method: 'GET', path: '/small', requestBytes: 0, mode: 'buffer', concurrency, responseBytes: 100 },
    headline: 'ops/s',
    metrics: SMALL_METRICS,
    timeScale: 1,
    warmupScale: 1,
    quickWithNginx,
    quick: true,
  }
}

const CHUNKED_WIRE_BYTES = chunkedBody().length
const GZIP_JSON = gzipJson()

/**
 * The workloads, in table order; each path is a route of bench/server.ts and bench/nginx.sh. The
 * goals' workloads come first and run in quick runs; chunked, gzip and HTTPS in full runs only.
 */
const SHAPES: readonly Shape[] = [
  small(1, false),
  small(16, true),
  small(64, false),
  {
    id: 'post-c16',
    title: 'POST 1 KiB body, 100 B answer, c=16',
    workload: { method: 'POST', path: '/post', requestBytes: KiB, mode: 'buffer', concurrency: 16, responseBytes: 100 },
    headline: 'ops/s',
    metrics: SMALL_METRICS,
    timeScale: 1,
    warmupScale: 1,
    quickWithNginx: false,
    quick: true,
  },
  {
    id: '1m-c4',
    title: 'GET 1 MiB body, buffered, c=4',
    workload: { method: 'GET', path: '/1m', requestBytes: 0, mode: 'buffer', concurrency: 4, responseBytes: MiB },
    headline: 'MiB/s',
    metrics: MIB_METRICS,
    timeScale: 1,
    warmupScale: 0.05,
    quickWithNginx: false,
    quick: true,
  },
  {
    id: '64m-stream',
    title: 'GET 64 MiB body, streamed (chunks counted, not kept), c=1',
    workload: { method: 'GET', path: '/64m', requestBytes: 0, mode: 'stream', concurrency: 1, responseBytes: 64 * MiB },
    headline: 'MiB/s',
    metrics: STREAM_METRICS,
    timeScale: 2,
    warmupScale: 0.001,
    quickWithNginx: false,
    quick: true,
    freshConnections: true,
  },
  {
    id: 'chunked-c16',
    title: `GET 16 KiB body, chunked (${CHUNK_COUNT} × 1 KiB chunks), buffered, c=16`,
    workload: { method: 'GET', path: '/chunked', requestBytes: 0, mode: 'buffer', concurrency: 16, responseBytes: CHUNKED_DECODED_BYTES, wireBytes: CHUNKED_WIRE_BYTES },
    headline: 'ops/s',
    metrics: SMALL_METRICS,
    timeScale: 1,
    warmupScale: 0.5,
    quickWithNginx: false,
    quick: false,
    ownServerOnly: true,
  },
  {
    id: 'gzip-c16',
    title: `GET gzip JSON, ${GZIP_JSON.encoded.length.toLocaleString('en-US')} B sent, ${GZIP_JSON.decoded.length.toLocaleString('en-US')} B decoded, buffered, c=16`,
    workload: { method: 'GET', path: '/gzip', requestBytes: 0, mode: 'buffer', concurrency: 16, responseBytes: GZIP_JSON.decoded.length, wireBytes: GZIP_JSON.encoded.length },
    headline: 'ops/s',
    metrics: SMALL_METRICS,
    timeScale: 1,
    warmupScale: 0.5,
    quickWithNginx: false,
    quick: false,
    ownServerOnly: true,
  },
  {
    id: 'https-c16',
    title: 'HTTPS GET 100 B body, c=16 (TLS 1.3, keep-alive)',
    workload: { method: 'GET', path: '/small', requestBytes: 0, mode: 'buffer', concurrency: 16, responseBytes: 100 },
    headline: 'ops/s',
    metrics: SMALL_METRICS,
    timeScale: 1,
    warmupScale: 1,
    quickWithNginx: false,
    quick: false,
    tls: true,
    ownServerOnly: true,
  },
]

/** The client every ratio is taken against. */
const BASELINE: ClientName = 'undici.request'

/**
 * Child timing. Before the first round every child warms up at once for `warmupOps` exchanges
 * (times the workload's `warmupScale`), or `warmupMaxMs` if that comes first: a client's CPU per
 * request settles after some thousands of small exchanges, not after a fixed time. Then each
 * round warms up again for `rewarmMs` (sockets, caches) and times a closed loop of `minTimeMs`.
 */
const TIMING = {
  quick: { warmupOps: 5000, warmupMaxMs: 3000, rewarmMs: 50, minTimeMs: 150 },
  // Ten clients and nine scenarios: half-second rounds keep a full run to a few minutes, and
  // five of them still give a median that one burst of load from elsewhere cannot move.
  full: { warmupOps: 12_000, warmupMaxMs: 8000, rewarmMs: 100, minTimeMs: 500 },
} as const

/** Beyond its warm-up and timed span, how long a round may take before the child counts as hung. */
const HANG_MS = 30_000

// ── Scenarios ────────────────────────────────────────────────────────────────────────────────

/** A scenario the runner may leave out of quick runs (see bench/run.ts). */
export interface ClientScenario extends Scenario {
  readonly quick: boolean
}

/** One client's child for one scenario; restarted after a failed round. */
interface Slot {
  readonly client: ClientName
  peer: Peer | null
}

function clientScenario(shape: Shape, server: ServerKind, leadNote?: string): ClientScenario {
  const w = shape.workload
  const workload: Workload = server.echoes && w.method === 'POST' ? { ...w, expectPrefix: `received ${w.requestBytes} bytes` } : w
  const metrics = server.id === 'own' ? [...shape.metrics, CONNS] : shape.metrics
  return {
    name: server.id === 'own' ? shape.id : `nginx/${shape.id}`,
    title: `${shape.title} · ${server.id === 'own' ? 'own server' : 'nginx'}`,
    metrics,
    headline: shape.headline,
    baseline: BASELINE,
    quick: shape.quick && (server.id === 'own' || shape.quickWithNginx),
    async prepare(ctx: RunContext): Promise<Prepared> {
      const timing = ctx.quick ? TIMING.quick : TIMING.full
      // The harness reads the notes after the last round: failures seen in rounds go here too.
      const notes: string[] = []
      if (leadNote !== undefined) {
        notes.push(leadNote)
        ctx.log(`  ${leadNote}`)
      }
      let running: RunningServer | null = null
      try {
        running = await server.start()
      } catch (error) {
        notes.push(`${server.id} did not start, every round was skipped: ${firstLine(error)}`)
      }
      const target = shape.tls === true ? running?.tlsTarget : running?.target
      if (running !== null && target === undefined) notes.push(`${server.id} has no TLS listener, every round was skipped`)

      const setup = async (slot: Slot): Promise<string> => {
        if (target === undefined) throw new Error('no server')
        const peer = new Peer(fork(sibling('clients-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), `${slot.client} child`)
        slot.peer = peer
        const message: ChildRequest = { type: 'setup', client: slot.client, target, workload }
        const reply = await peer.ask<ChildReply>(message, HANG_MS)
        if (reply.type !== 'ready') throw new Error(reply.type === 'error' ? reply.error : `unexpected ${reply.type}`)
        return reply.probe
      }
      const warmupOps = Math.max(2, Math.round(timing.warmupOps * shape.warmupScale))
      const warm = async (slot: Slot): Promise<string> => {
        const reply = await slot.peer!.ask<ChildReply>({ type: 'warm', ops: warmupOps, maxMs: timing.warmupMaxMs } satisfies ChildRequest, timing.warmupMaxMs + HANG_MS)
        if (reply.type !== 'warmed') throw new Error(reply.type === 'error' ? reply.error : `unexpected ${reply.type}`)
        const capped = reply.ops < warmupOps ? ' (time cap)' : ''
        return `${slot.client} ${reply.ops.toLocaleString('en-US')} in ${(reply.ms / 1000).toFixed(1)} s${capped}`
      }
      const fail = async (slot: Slot, what: string, error: unknown): Promise<void> => {
        const detail = firstLine(error)
        const inRound = what.startsWith('round')
        const seen = !inRound || running?.stats === undefined ? null : await running.stats().catch(() => null)
        notes.push(`${slot.client} ${what} FAILED: ${detail}${seen === null ? '' : ` (the server saw ${seen.requests} requests in that round)`}`)
        ctx.log(`  ${shape.id} ${slot.client} ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        await slot.peer?.stop()
        slot.peer = null
      }

      // Quick runs, and nginx's scenarios in full runs, keep the five core clients (QUICK_CLIENTS):
      // quick runs stay under a minute and full ones a few minutes. The other clients are
      // measured against the own server.
      const core = ctx.quick || server.id === 'nginx'
      const slots: Slot[] = CLIENTS.filter((client) => !core || QUICK_CLIENTS.has(client)).map((client) => ({ client, peer: null }))
      const probes = await Promise.all(
        slots.map(async (slot) => {
          try {
            return `${slot.client} ${await setup(slot)}`
          } catch (error) {
            await fail(slot, 'check before timing', error)
            return null
          }
        }),
      )
      const checked = probes.filter((p): p is string => p !== null)
      if (checked.length > 0) notes.push(`checked before timing: ${checked.join('; ')}`)
      // All children warm up together: the JIT's work is counted in exchanges, and running them
      // side by side fills the gaps each leaves while it waits for the server.
      const warmed = await Promise.all(
        slots.map(async (slot) => {
          if (slot.peer === null) return null
          try {
            return await warm(slot)
          } catch (error) {
            await fail(slot, 'warm-up', error)
            return null
          }
        }),
      )
      notes.push(
        `warm-up before the first round, all clients at once, ${warmupOps.toLocaleString('en-US')} exchanges each: ${warmed.filter((x) => x !== null).join(', ')}; then each round ${shape.freshConnections === true ? 'opens new connections, ' : ''}warms up ${timing.rewarmMs * shape.timeScale} ms and times ${timing.minTimeMs * shape.timeScale} ms`,
      )
      notes.push(
        `${w.concurrency} request${w.concurrency === 1 ? '' : 's'} in flight, ${w.concurrency} connection${w.concurrency === 1 ? '' : 's'} per client; server: ${server.description}; each client in its own process`,
      )

      const contenders: Contender[] = slots.map((slot) => ({
        name: slot.client,
        round: async (index): Promise<Metrics> => {
          if (target === undefined) return {}
          if (slot.peer === null) {
            // The child failed before: a fresh one, checked again, for this round.
            try {
              await setup(slot)
              await warm(slot)
            } catch (error) {
              await fail(slot, `round ${index + 1} (restart)`, error)
              return {}
            }
          }
          const minTimeMs = timing.minTimeMs * shape.timeScale
          const warmupMs = timing.rewarmMs * shape.timeScale
          const request: ChildRequest = { type: 'round', warmupMs, minTimeMs, fresh: shape.freshConnections === true }
          try {
            await running?.mark?.()
            const reply = await slot.peer!.ask<ChildReply>(request, warmupMs + minTimeMs + HANG_MS)
            if (reply.type !== 'metrics') throw new Error(reply.type === 'error' ? reply.error : `unexpected ${reply.type}`)
            const stats = await running?.stats?.()
            if (stats === undefined) return reply.metrics
            if (stats.bodyBytes !== stats.requests * w.requestBytes) {
              notes.push(`${slot.client} round ${index + 1}: the server received ${stats.bodyBytes} body bytes for ${stats.requests} requests of ${w.requestBytes}`)
            }
            if (stats.connections > w.concurrency) {
              notes.push(`${slot.client} round ${index + 1}: used ${stats.connections} connections, more than the ${w.concurrency} allowed`)
            }
            return { ...reply.metrics, conns: stats.connections }
          } catch (error) {
            await fail(slot, `round ${index + 1}`, error)
            return {}
          }
        },
      }))

      return {
        contenders,
        notes,
        async dispose() {
          await Promise.all(slots.map((slot) => slot.peer?.stop()))
          await running?.stop()
        },
      }
    },
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n', 1)[0] ?? text
}

const withNginx = nginxInstalled()
const NO_NGINX = 'nginx is not installed (command -v nginx): the nginx scenarios are skipped'

const scenarios: ClientScenario[] = [
  ...SHAPES.map((shape, i) => clientScenario(shape, ownServer, i === 0 && !withNginx ? NO_NGINX : undefined)),
  ...(withNginx ? SHAPES.filter((shape) => shape.ownServerOnly !== true).map((shape) => clientScenario(shape, nginxServer)) : []),
]

export const clientsSuite: Suite & { readonly rounds: { readonly quick: number; readonly full: number } } = {
  name: 'clients',
  title: 'HTTP clients on loopback: reqwire vs undici, fetch, node:http, axios, got, node-fetch and raw sockets, one process each',
  // Each round is a child's warm-up plus a timed closed loop: fewer, longer rounds than in-process suites.
  rounds: { quick: 3, full: 5 },
  scenarios,
}
