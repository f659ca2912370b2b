// Entry of `npm run bench`: picks the suites, runs their scenarios one after another, prints a
// table per scenario as soon as it is done, and writes the whole run as JSON and markdown into
// bench/results/ (git-ignored). Benchmarks print numbers; they never pass or fail.
//
//   node .build/bench/run.js [--quick] [--only <suite>[,<suite>…]] [--scenario <part>[,<part>…]] [--rounds <n>] [--list]

import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Environment, RunContext, Scenario, ScenarioResult, Suite, Timing } from './harness.js'
import { consoleTable, describeEnvironment, environmentLine, markdownTable, runScenario } from './harness.js'
import { clientsSuite } from './clients.js'
import { parserSuite } from './parser.js'

/**
 * What a suite may add to harness.ts's Suite: its own round counts (a suite whose rounds start
 * processes and servers runs fewer, longer rounds), and scenarios left out of quick runs
 * (`quick: false`). `--rounds` overrides every suite's count.
 */
interface SuiteExtras {
  readonly rounds?: { readonly quick: number; readonly full: number }
}
interface ScenarioExtras {
  readonly quick?: boolean
}

/** Every suite, in the order a full run takes them. */
const SUITES: readonly (Suite & SuiteExtras)[] = [parserSuite, clientsSuite]

/**
 * Rounds and in-process timing. Many short rounds pair better than a few long ones: a burst of
 * load from elsewhere then spoils one pair of rounds, not the median. Quick keeps the parser
 * suite near ten seconds; a full run takes about a minute.
 */
const FULL: { rounds: number; timing: Timing } = {
  rounds: 11,
  timing: { warmupMs: 500, rewarmMs: 50, minTimeMs: 800, minIterations: 10 },
}
const QUICK: { rounds: number; timing: Timing } = {
  rounds: 7,
  timing: { warmupMs: 150, rewarmMs: 20, minTimeMs: 200, minIterations: 5 },
}

/** The least rounds a median is taken over. */
const MIN_ROUNDS = 3

interface SuiteReport {
  readonly suite: string
  readonly title: string
  readonly scenarios: readonly ScenarioResult[]
}

interface RunReport {
  readonly environment: Environment
  readonly quick: boolean
  readonly rounds: number
  readonly timing: Timing
  readonly suites: readonly SuiteReport[]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log('usage: node .build/bench/run.js [--quick] [--only <suite>[,<suite>…]] [--scenario <part>[,<part>…]] [--rounds <n>] [--list]')
    return
  }
  if (values.list) {
    for (const suite of SUITES) console.log(`${suite.name.padEnd(10)} ${suite.title}`)
    return
  }

  const wanted = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
  const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name))
  if (unknown.length > 0) {
    throw new UsageError(`unknown suite ${unknown.join(', ')}; suites: ${SUITES.map((s) => s.name).join(', ')}`)
  }
  const suites = wanted.length === 0 ? SUITES : SUITES.filter((s) => wanted.includes(s.name))
  // Scenarios whose name contains one of these parts; a scenario named this way runs in a quick
  // run too, even when it is marked `quick: false`.
  const parts = (values.scenario ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '')
  const picked = (s: Scenario & ScenarioExtras): boolean =>
    parts.length > 0 ? parts.some((part) => s.name.includes(part)) : !values.quick || s.quick !== false

  const preset = values.quick ? QUICK : FULL
  const rounds = values.rounds === undefined ? preset.rounds : Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS) throw new UsageError(`--rounds must be an integer ≥ ${MIN_ROUNDS}`)
  const roundsOf = (suite: SuiteExtras): number =>
    values.rounds === undefined ? (suite.rounds?.[values.quick ? 'quick' : 'full'] ?? preset.rounds) : rounds

  const environment = describeEnvironment()
  console.log(environmentLine(environment))
  if (environment.loadAverage > environment.cpus / 2) {
    console.log(`note: load average ${environment.loadAverage.toFixed(2)} on ${environment.cpus} CPUs, other work is running; expect noisy numbers`)
  }

  const reports: SuiteReport[] = []
  for (const suite of suites) {
    const ctx: RunContext = {
      quick: values.quick,
      rounds: roundsOf(suite),
      timing: preset.timing,
      log: (line) => process.stderr.write(`${line}\n`),
    }
    const chosen = suite.scenarios.filter(picked)
    if (chosen.length === 0) continue
    console.log(`\n== ${suite.name}: ${suite.title}\n`)
    const scenarios: ScenarioResult[] = []
    for (const scenario of chosen) {
      const result = await runScenario(scenario, ctx)
      scenarios.push(result)
      console.log(`${consoleTable(result)}\n`)
    }
    reports.push({ suite: suite.name, title: suite.title, scenarios })
  }

  const written = writeReport({ environment, quick: values.quick, rounds, timing: preset.timing, suites: reports })
  console.log(`results: ${written.join(', ')}`)
}

/** Writes `<stamp>.json` and `<stamp>.md`, and the same as `latest.*`, into bench/results/. */
function writeReport(report: RunReport): string[] {
  // This file runs from .build/bench/, the results belong in the source tree's bench/results/.
  const dir = new URL('../../bench/results/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  const stamp = report.environment.date.replace(/[:.]/g, '-')
  const json = `${JSON.stringify(report, null, 2)}\n`
  const markdown = renderMarkdown(report)
  const paths: string[] = []
  for (const name of [stamp, 'latest']) {
    writeFileSync(new URL(`${name}.json`, dir), json)
    writeFileSync(new URL(`${name}.md`, dir), markdown)
    paths.push(`bench/results/${name}.{json,md}`)
  }
  return paths
}

function renderMarkdown(report: RunReport): string {
  const { timing } = report
  const lines = [
    `# reqwire benchmarks, ${report.environment.date}`,
    '',
    environmentLine(report.environment),
    '',
    `${report.quick ? 'Quick run' : 'Full run'}: ${report.rounds} rounds per scenario unless a table says otherwise; in-process rounds warm up ${timing.warmupMs} ms (later rounds ${timing.rewarmMs} ms) and time ≥ ${timing.minTimeMs} ms.`,
  ]
  for (const suite of report.suites) {
    lines.push('', `## ${suite.suite}: ${suite.title}`)
    for (const scenario of suite.scenarios) lines.push('', markdownTable(scenario))
  }
  return `${lines.join('\n')}\n`
}

/** A bad command line: reported as one line, without a stack. */
class UsageError extends Error {
  override name = 'UsageError' as const
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? (error as Error).message : error)
  process.exitCode = 1
})
