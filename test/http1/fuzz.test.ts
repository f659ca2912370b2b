// The seeded mutation fuzzer (test/http1/fuzz.ts), bounded to a few seconds. It runs in a worker
// so that a parser stuck in a loop is caught by a watchdog here instead of hanging the suite.
// The seed comes from REQWIRE_FUZZ_SEED, or from the clock; it is printed either way, and every
// failure names the seed and iteration that replay it.

import t, { type Test } from 'tap'
import { Worker } from 'node:worker_threads'
import { bytesOf, expectedEvents, requestsOf } from './harness.js'
import { describeFailure, mutantAt, referenceModel, type FuzzOptions, type FuzzReport } from './fuzz.js'
import { vectors } from './vectors.js'

const FUZZ_MS = Number(process.env['REQWIRE_FUZZ_MS'] ?? 3000)
const FUZZ_ITERATIONS = Number(process.env['REQWIRE_FUZZ_ITERATIONS'] ?? 200_000)
/** Without progress for this long, the parser is taken to be stuck. */
const WATCHDOG_MS = 5000
/** How long the worker may take to load before it is taken to be stuck. */
const STARTUP_MS = 60_000

t.test('the reference model agrees with every vector it judges', async t => {
  let judged = 0
  for (const vector of vectors) {
    if (vector.limits !== undefined) continue
    const verdict = referenceModel(bytesOf(vector.input), requestsOf(vector), vector.eof ?? false)
    if (verdict === null) continue
    judged++
    const expected = expectedEvents(vector, verdict.events).filter(e => e.type !== 'error')
    const refused = vector.error !== undefined
    if (verdict.refused !== refused || JSON.stringify(verdict.events) !== JSON.stringify(expected)) {
      t.same({ refused: verdict.refused, events: verdict.events }, { refused, events: expected }, vector.name)
    }
  }
  t.ok(judged >= 100, `the model judged ${judged} vectors`)
})

t.test('the same seed and iteration always give the same mutant', async t => {
  for (const i of [0, 1, 17, 999]) {
    const a = mutantAt(42, i)
    const b = mutantAt(42, i)
    t.same(a, b, `iteration ${i}`)
  }
  t.not(mutantAt(42, 0).input.toString('hex') + mutantAt(42, 1).input.toString('hex'), mutantAt(43, 0).input.toString('hex') + mutantAt(43, 1).input.toString('hex'))
})

/**
 * runFuzz in a worker, once per options, watched: resolves with the reports, or with a
 * description of the hang or crash that stopped it (naming the seed and iteration to replay).
 */
async function fuzzInWorker(runs: FuzzOptions[]): Promise<FuzzReport[] | string> {
  const progress = new SharedArrayBuffer(8)
  const seen = new Int32Array(progress)
  Atomics.store(seen, 1, -1) // the worker sets its run index once it has loaded
  const worker = new Worker(new URL('./fuzz.js', import.meta.url), { workerData: { reqwireFuzz: runs, progress } })
  const where = (): string => {
    const seed = runs[Atomics.load(seen, 1)]?.seed
    const i = Atomics.load(seen, 0)
    return `seed ${seed} iteration ${i} (replay: mutantAt(${seed}, ${i}))`
  }
  const outcome = await new Promise<FuzzReport[] | string>(resolve => {
    let last = ''
    let lastChange = Date.now()
    const watchdog = setInterval(() => {
      // Compiling the worker's TypeScript takes seconds on a loaded machine: not a hang.
      if (Atomics.load(seen, 1) === -1 && Date.now() - lastChange < STARTUP_MS) return
      const now = `${Atomics.load(seen, 1)}:${Atomics.load(seen, 0)}`
      if (now !== last) {
        last = now
        lastChange = Date.now()
      } else if (Date.now() - lastChange > WATCHDOG_MS) {
        clearInterval(watchdog)
        resolve(`no progress for ${WATCHDOG_MS} ms at ${where()}`)
      }
    }, 100)
    worker.once('message', (reports: FuzzReport[]) => {
      clearInterval(watchdog)
      resolve(reports)
    })
    worker.once('error', err => {
      clearInterval(watchdog)
      resolve(`the fuzz worker failed at ${where()}: ${err.stack ?? String(err)}`)
    })
    worker.once('exit', code => {
      clearInterval(watchdog)
      resolve(`the fuzz worker exited with code ${code} before reporting, at ${where()}`)
    })
  })
  await worker.terminate()
  return outcome
}

function judge(t: Test, report: FuzzReport, minimum: number): void {
  t.comment(`seed ${report.seed}: ${report.iterations} mutants in ${report.milliseconds} ms, ${report.referenceChecked} judged by the reference model`)
  t.comment(`outcomes: ${JSON.stringify(report.outcomes)}`)
  t.ok(report.iterations >= minimum, `ran ${report.iterations} mutants`)
  for (const f of report.failures) t.fail(describeFailure(f))
  t.equal(report.failures.length, 0, `no failures with seed ${report.seed}`)
}

t.test('mutants of the valid vectors give only events or a ParseError, the same however they are cut', async t => {
  const seed = process.env['REQWIRE_FUZZ_SEED'] !== undefined ? Number(process.env['REQWIRE_FUZZ_SEED']) >>> 0 : (Date.now() ^ (process.pid << 12)) >>> 0
  t.comment(`fuzz seed ${seed} (set REQWIRE_FUZZ_SEED=${seed} to replay)`)
  // Seed 1 always, so a regression shows on every run; then a fresh seed to explore.
  const outcome = await fuzzInWorker([{ seed: 1, iterations: 500 }, { seed, iterations: FUZZ_ITERATIONS, milliseconds: FUZZ_MS }])
  if (typeof outcome === 'string') {
    t.fail(outcome)
    return
  }
  const [fixed, fresh] = outcome
  t.ok(fixed !== undefined && fresh !== undefined, 'both runs reported')
  if (fixed !== undefined) t.test('the first 500 mutants of seed 1', async t => judge(t, fixed, 500))
  if (fresh !== undefined) t.test(`mutants of seed ${seed} for ${FUZZ_MS} ms`, async t => judge(t, fresh, 200))
})
