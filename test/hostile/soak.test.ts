// The bounded soak: 5,000 requests, 32 at a time, against a server that answers well, slowly,
// never, chunked, or closes after answering, with random aborts and short timeouts. Nothing wrong
// comes back, the pool settles to nothing busy or queued, no socket, timer or abort listener is
// left once everything is closed, and RSS does not run away after warm-up. `npm run soak` runs
// the same with 100,000 requests (test/hostile/soak-run.ts).

import t from 'tap'
import { runSoak } from './soak-run.js'

t.setTimeout(60_000)

const MiB = 2 ** 20

t.test('5,000 requests with random aborts and short timeouts leave nothing behind', async t => {
  const report = await runSoak({ requests: 5000, concurrency: 32, seed: 20240607, warmup: 1000 })
  t.comment(`outcomes: ${JSON.stringify(report.outcomes)}`)
  t.comment(`${report.ms} ms; RSS ${Math.round(report.rssAfterWarmup / MiB)} → ${Math.round(report.rssAtEnd / MiB)} MiB; heap ${Math.round(report.heapAfterWarmup / MiB)} → ${Math.round(report.heapAtEnd / MiB)} MiB`)
  t.same(report.wrong.slice(0, 10), [], 'no wrong body and no untyped error')
  t.equal(Object.values(report.outcomes).reduce((a, b) => a + b, 0), 5000, 'every request settled')
  t.ok((report.outcomes['ok'] ?? 0) > 1000, 'most requests succeeded')
  t.ok(Object.keys(report.outcomes).some(k => k.startsWith('ReadTimeout')), 'timeouts happened')
  t.ok(Object.keys(report.outcomes).some(k => k === 'AbortError'), 'aborts happened')
  t.same({ busy: report.afterRun.busy, queued: report.afterRun.queued }, { busy: 0, queued: 0 }, 'the pool settled')
  t.equal(report.sharedSignalListeners, 0, 'no abort listener left on a signal shared by finished requests')
  for (const kind of new Set([...Object.keys(report.resourcesBefore), ...Object.keys(report.resourcesAfter), 'TCPSocketWrap', 'Timeout'])) {
    t.ok((report.resourcesAfter[kind] ?? 0) <= (report.resourcesBefore[kind] ?? 0),
      `${kind}: ${report.resourcesBefore[kind] ?? 0} before, ${report.resourcesAfter[kind] ?? 0} after close`)
  }
  // Generous: a leak of a socket or a response per request would be far more over 4,000 requests
  // of 4 KiB bodies; what is measured here is GC slack.
  t.ok(report.rssAtEnd - report.rssAfterWarmup < 150 * MiB, `RSS after warm-up grew by ${Math.round((report.rssAtEnd - report.rssAfterWarmup) / MiB)} MiB`)
})
