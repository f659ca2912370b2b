// Rounds that run in a child process. Clients are compared each in its own process, so one
// client's heap, sockets and JIT state never tax another, and peak RSS belongs to one client
// alone. The parent forks a compiled module per round and receives its metrics over IPC; the
// child wraps its work in `serveRound`, which adds the process's CPU time and peak RSS.
//
// Also here: a closed loop for asynchronous operations (a fixed number of requests in flight)
// that records every operation's latency, for the p50/p99 columns.

import { fork } from 'node:child_process'
import type { Metrics, Sample } from './harness.js'
import { percentileOfSorted } from './harness.js'

/** The message a round's child sends back. */
type ChildReply = { readonly ok: true; readonly metrics: Metrics } | { readonly ok: false; readonly error: string }

export interface ChildOptions {
  /** Node flags for the child, e.g. `['--max-semi-space-size=64']`. */
  readonly execArgv?: readonly string[]
  /** A round that takes longer is killed and fails the run. */
  readonly timeoutMs?: number
}

/**
 * Forks `entry` (a module that calls `serveRound`), sends it `input`, and resolves with the
 * metrics it replies with.
 */
export function runChild(entry: URL, input: unknown, options: ChildOptions = {}): Promise<Metrics> {
  return new Promise((resolve, reject) => {
    const child = fork(entry, [], { execArgv: [...(options.execArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let reply: ChildReply | undefined
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('message', (message) => {
      reply = message as ChildReply
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (reply?.ok === true) resolve(reply.metrics)
      else if (reply?.ok === false) reject(new Error(`${entry.pathname}: ${reply.error}`))
      else reject(new Error(`${entry.pathname} exited (${signal ?? code}) without metrics`))
    })
    child.send({ input })
  })
}

/**
 * The child's side: waits for the parent's input, runs `work`, replies with its metrics plus
 * `cpu ms` (user + system of the whole child) and `peak RSS MiB`, then lets the process exit.
 */
export function serveRound(work: (input: unknown) => Promise<Metrics> | Metrics): void {
  process.once('message', (message) => {
    const input = (message as { input?: unknown }).input
    void (async () => {
      let reply: ChildReply
      try {
        const metrics = await work(input)
        const usage = process.resourceUsage()
        reply = {
          ok: true,
          metrics: {
            ...metrics,
            'cpu ms': (usage.userCPUTime + usage.systemCPUTime) / 1000,
            // maxRSS is in kibibytes on Linux and macOS.
            'peak RSS MiB': usage.maxRSS / 1024,
          },
        }
      } catch (error) {
        reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
      }
      process.send?.(reply, () => process.disconnect())
    })()
  })
}

export interface LoadOptions {
  /** Operations in flight at once. */
  readonly concurrency: number
  readonly warmupMs: number
  readonly minTimeMs: number
}

export interface LoadSample extends Sample {
  /** Every timed operation's latency, in nanoseconds, in completion order. */
  readonly latenciesNs: Float64Array
}

/**
 * A closed loop: `concurrency` workers each start the next operation when their last one ends,
 * for the warm-up and then for the timed span. Only operations that start inside the timed span
 * are counted.
 */
export async function loadAsync(op: () => Promise<unknown>, options: LoadOptions): Promise<LoadSample> {
  const clock = (): number => Number(process.hrtime.bigint())
  const warmupEnd = clock() + options.warmupMs * 1e6
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (clock() < warmupEnd) await op()
  }))

  let latencies = new Float64Array(1 << 16)
  let count = 0
  const cpuBefore = process.cpuUsage()
  const start = clock()
  const end = start + options.minTimeMs * 1e6
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    for (let began = clock(); began < end; began = clock()) {
      await op()
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[count++] = clock() - began
    }
  }))
  const elapsedNs = clock() - start
  const cpu = process.cpuUsage(cpuBefore)
  return { iterations: count, elapsedNs, cpuNs: (cpu.user + cpu.system) * 1000, latenciesNs: latencies.subarray(0, count) }
}

/** `p50 µs` and `p99 µs` of a load sample. */
export function latency(sample: LoadSample): Metrics {
  const sorted = Float64Array.from(sample.latenciesNs).sort()
  return { 'p50 µs': percentileOfSorted(sorted, 50) / 1000, 'p99 µs': percentileOfSorted(sorted, 99) / 1000 }
}
