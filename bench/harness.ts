// The benchmark harness: how one contender is timed, how rounds of several contenders are
// interleaved, and how the rounds become medians and ratios. Suites describe scenarios and their
// contenders; every number's method lives here, so all suites measure the same way.
//
// Benchmarks never pass or fail. A round is one contender measured once; a scenario runs its
// contenders in interleaved rounds (A B C, B C A, C A B …) so that a change in machine load
// lands on all of them, and reports per contender the median of each metric over its rounds and,
// for the headline metric, the ratio against a baseline contender of the same run.

import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// ── Measuring one contender ──────────────────────────────────────────────────────────────────

/** How long one contender is timed in one round. */
export interface Timing {
  /** Untimed calls before the first round's clock starts, so the JIT settles what it will settle. */
  readonly warmupMs: number
  /** Untimed calls before a later round: the code is optimized by then, the caches are not. */
  readonly rewarmMs: number
  /** The timed loop runs at least this long … */
  readonly minTimeMs: number
  /** … and makes at least this many calls. */
  readonly minIterations: number
}

/** What one timed loop saw. */
export interface Sample {
  readonly iterations: number
  readonly elapsedNs: number
  /** User plus system CPU time of this process during the loop. */
  readonly cpuNs: number
}

/**
 * Times a synchronous operation. Calls are made in batches between two clock reads, the batch
 * grown during warm-up until it lasts about a millisecond, so reading the clock costs nothing
 * measurable even when one call takes a few hundred nanoseconds.
 */
export function timeSync(op: () => void, timing: Timing, round: number): Sample {
  const warmupEnd = now() + (round === 0 ? timing.warmupMs : timing.rewarmMs) * 1e6
  let batch = 1
  for (;;) {
    const started = now()
    for (let i = 0; i < batch; i++) op()
    const finished = now()
    if (finished >= warmupEnd) break
    if (finished - started < BATCH_NS && batch < MAX_BATCH) batch *= 2
  }

  const minNs = timing.minTimeMs * 1e6
  const cpuBefore = process.cpuUsage()
  const start = now()
  let iterations = 0
  let elapsedNs = 0
  do {
    for (let i = 0; i < batch; i++) op()
    iterations += batch
    elapsedNs = now() - start
  } while (elapsedNs < minNs || iterations < timing.minIterations)
  const cpu = process.cpuUsage(cpuBefore)
  return { iterations, elapsedNs, cpuNs: (cpu.user + cpu.system) * 1000 }
}

const BATCH_NS = 1e6
const MAX_BATCH = 1 << 20

function now(): number {
  return Number(process.hrtime.bigint())
}

/** Throughput metrics of a sample: `ops/s`, `ns/op`, and `MiB/s` when each call moves `bytesPerOp`. */
export function throughput(sample: Sample, bytesPerOp?: number): Metrics {
  const seconds = sample.elapsedNs / 1e9
  const metrics: Record<string, number> = {
    'ops/s': sample.iterations / seconds,
    'ns/op': sample.elapsedNs / sample.iterations,
    'cpu ns/op': sample.cpuNs / sample.iterations,
  }
  if (bytesPerOp !== undefined) metrics['MiB/s'] = (sample.iterations * bytesPerOp) / MiB / seconds
  return metrics
}

export const KiB = 1024
export const MiB = 1024 * KiB

/**
 * Collects garbage between rounds, so one contender's garbage is not collected on the next one's
 * clock. Without `--expose-gc` the flag is turned on at run time and `gc` fetched from a fresh
 * context, which V8 allows once the flag is set.
 */
export const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (typeof exposed === 'function') return exposed
  try {
    setFlagsFromString('--expose-gc')
    const gc: unknown = runInNewContext('gc')
    if (typeof gc === 'function') return gc as () => void
  } catch {
    // Fall through: rounds still interleave, they are only noisier.
  }
  return () => {}
})()

// ── Statistics ───────────────────────────────────────────────────────────────────────────────

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** The p-th percentile (0–100) by linear interpolation between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p)
}

/** `percentile` for values already sorted ascending. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const below = Math.floor(rank)
  const low = sorted[below] as number
  const high = sorted[Math.min(below + 1, sorted.length - 1)] as number
  return low + (high - low) * (rank - below)
}

// ── Scenarios, contenders, rounds ───────────────────────────────────────────────────────────

/** Named numbers one round produced, e.g. `{ 'ops/s': …, 'ns/op': … }`. */
export type Metrics = Readonly<Record<string, number>>

/** A column of a scenario's table. `key` names the metric in each round's `Metrics`. */
export interface MetricSpec {
  readonly key: string
  /** Column header; defaults to `key`. */
  readonly label?: string
  readonly better: 'higher' | 'lower'
  /** Fraction digits shown; the JSON keeps full precision. */
  readonly digits: number
}

/** One thing being measured. A round may run in this process or in a child (see child.ts). */
export interface Contender {
  readonly name: string
  /** Measures once; `round` counts from 0 for each contender. */
  round(round: number): Metrics | Promise<Metrics>
}

/** The contenders of one scenario, built for this run, with what was checked while building them. */
export interface Prepared {
  readonly contenders: readonly Contender[]
  /** Lines printed under the table: equivalence and zero-copy checks, caveats. */
  readonly notes?: readonly string[]
  /** Stops servers, children, timers the scenario started. */
  dispose?(): void | Promise<void>
}

export interface Scenario {
  /** Short id, also used in the JSON. */
  readonly name: string
  /** One line for the table's title. */
  readonly title: string
  readonly metrics: readonly MetricSpec[]
  /** The metric the ratio compares. */
  readonly headline: string
  /** Name of the contender every other is compared with. */
  readonly baseline: string
  prepare(ctx: RunContext): Prepared | Promise<Prepared>
}

export interface Suite {
  readonly name: string
  readonly title: string
  readonly scenarios: readonly Scenario[]
}

/** What the runner hands to every scenario. */
export interface RunContext {
  readonly quick: boolean
  readonly rounds: number
  /** Timing for in-process contenders; a suite may scale it. */
  readonly timing: Timing
  /** Progress, to stderr; tables go to stdout. */
  log(line: string): void
}

/** One contender's rounds and what they add up to. */
export interface ContenderResult {
  readonly name: string
  readonly rounds: readonly Metrics[]
  readonly median: Metrics
  /** (max − min) / median of the headline metric over the rounds. */
  readonly spread: number
  /** Median over rounds of (this ÷ baseline) of the headline metric, paired by round; null for the baseline. */
  readonly ratio: number | null
  readonly ratioMin: number | null
  readonly ratioMax: number | null
}

export interface ScenarioResult {
  readonly name: string
  readonly title: string
  readonly metrics: readonly MetricSpec[]
  readonly headline: string
  readonly baseline: string
  readonly rounds: number
  readonly contenders: readonly ContenderResult[]
  readonly notes: readonly string[]
}

/**
 * Runs a scenario: prepares it, then `ctx.rounds` rounds in which every contender runs once. The
 * order rotates each round (A B C, B C A, …) so no contender always follows the same neighbour
 * and inherits its garbage or its thermal state.
 */
export async function runScenario(scenario: Scenario, ctx: RunContext): Promise<ScenarioResult> {
  const prepared = await scenario.prepare(ctx)
  try {
    const { contenders } = prepared
    if (!contenders.some((c) => c.name === scenario.baseline)) {
      throw new Error(`scenario ${scenario.name}: baseline ${scenario.baseline} is not a contender`)
    }
    const rounds = new Map<string, Metrics[]>(contenders.map((c) => [c.name, []]))
    for (let r = 0; r < ctx.rounds; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(r + k) % contenders.length] as Contender
        collectGarbage()
        const metrics = await contender.round(r)
        rounds.get(contender.name)?.push(metrics)
        const shown = metrics[scenario.headline]
        ctx.log(`  ${scenario.name} round ${r + 1}/${ctx.rounds} ${contender.name}: ${shown === undefined ? '?' : format(shown, 1)} ${scenario.headline}`)
      }
    }
    return summarize(scenario, rounds, prepared.notes ?? [])
  } finally {
    await prepared.dispose?.()
  }
}

function summarize(scenario: Scenario, rounds: Map<string, Metrics[]>, notes: readonly string[]): ScenarioResult {
  const headlineOf = (m: Metrics): number => m[scenario.headline] ?? Number.NaN
  const baseline = (rounds.get(scenario.baseline) ?? []).map(headlineOf)
  const contenders: ContenderResult[] = []
  for (const [name, list] of rounds) {
    const keys = new Set(list.flatMap((m) => Object.keys(m)))
    const med: Record<string, number> = {}
    for (const key of keys) med[key] = median(list.map((m) => m[key] ?? Number.NaN))
    const head = list.map(headlineOf)
    const mid = med[scenario.headline] ?? Number.NaN
    const spread = (Math.max(...head) - Math.min(...head)) / mid
    // Ratios are paired by round: both runs of a round saw the same machine, so a burst of load
    // from elsewhere moves both and cancels out of their ratio.
    const ratios = name === scenario.baseline ? [] : head.map((v, i) => v / (baseline[i] ?? Number.NaN))
    contenders.push({
      name,
      rounds: list,
      median: med,
      spread,
      ratio: ratios.length > 0 ? median(ratios) : null,
      ratioMin: ratios.length > 0 ? Math.min(...ratios) : null,
      ratioMax: ratios.length > 0 ? Math.max(...ratios) : null,
    })
  }
  return {
    name: scenario.name,
    title: scenario.title,
    metrics: scenario.metrics,
    headline: scenario.headline,
    baseline: scenario.baseline,
    rounds: Math.min(...contenders.map((c) => c.rounds.length)),
    contenders,
    notes,
  }
}

// ── Tables ───────────────────────────────────────────────────────────────────────────────────

/** The rows of a scenario's table as strings: header first. */
export function tableCells(result: ScenarioResult): string[][] {
  const headline = result.metrics.find((m) => m.key === result.headline)
  const header = ['contender', ...result.metrics.map((m) => m.label ?? m.key), `${headline?.label ?? result.headline} vs ${result.baseline}`, 'spread']
  const rows = result.contenders.map((c) => [
    c.name,
    ...result.metrics.map((m) => format(c.median[m.key] ?? Number.NaN, m.digits)),
    c.ratio === null ? 'baseline' : `${c.ratio.toFixed(2)}× (${(c.ratioMin ?? 0).toFixed(2)}–${(c.ratioMax ?? 0).toFixed(2)})`,
    `${(c.spread * 100).toFixed(1)}%`,
  ])
  return [header, ...rows]
}

/** A table aligned with spaces for a terminal: text left, numbers right. */
export function consoleTable(result: ScenarioResult): string {
  const cells = tableCells(result)
  const widths = (cells[0] ?? []).map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)))
  const lines = cells.map((row) =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0))).join('  '),
  )
  const title = `${result.name}. ${result.title}  (median of ${result.rounds} rounds)`
  return [title, ...lines.map((l) => `  ${l}`), ...result.notes.map((n) => `  · ${n}`)].join('\n')
}

export function markdownTable(result: ScenarioResult): string {
  const cells = tableCells(result)
  const header = cells[0] ?? []
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, col) => (col === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...cells.slice(1).map((row) => `| ${row.join(' | ')} |`),
  ]
  const notes = result.notes.map((n) => `- ${n}`)
  return [`### ${result.name}. ${result.title}`, '', `Median of ${result.rounds} rounds.`, '', ...lines, '', ...notes].join('\n')
}

/** A number with thousands separators and a fixed count of fraction digits. */
export function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value)
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

// ── The machine the numbers came from ────────────────────────────────────────────────────────

export interface Environment {
  readonly date: string
  readonly node: string
  readonly v8: string
  readonly platform: string
  readonly cpu: string
  readonly cpus: number
  readonly memoryGiB: number
  /** 1-minute load average when the run started: high means other work shared the CPUs. */
  readonly loadAverage: number
  readonly commit: string | null
  readonly dirty: boolean | null
}

export function describeEnvironment(): Environment {
  const cores = cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cpus: cores.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: loadavg()[0] ?? 0,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: gitDirty(),
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

function gitDirty(): boolean | null {
  const status = git(['status', '--porcelain', '--untracked-files=no'])
  return status === null ? null : status.length > 0
}

export function environmentLine(env: Environment): string {
  const commit = env.commit === null ? 'no git' : `${env.commit}${env.dirty === true ? '+dirty' : ''}`
  return `node ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cpus}× ${env.cpu}, ${env.memoryGiB} GiB, load ${env.loadAverage.toFixed(2)}, ${commit}`
}
