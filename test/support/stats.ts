// The pool's stats summed over every origin, for tests that look at a PoolManager or an
// HTTPAdapter as a whole.

import type { OriginStats } from '../../lib/pool/types.js'

/** What the totals count: connections by state, and waiting requests. */
export type Totals = Pick<OriginStats, 'open' | 'idle' | 'busy' | 'queued'>

export function sumStats(stats: readonly OriginStats[]): Totals {
  const sum = { open: 0, idle: 0, busy: 0, queued: 0 }
  for (const s of stats) {
    sum.open += s.open
    sum.idle += s.idle
    sum.busy += s.busy
    sum.queued += s.queued
  }
  return sum
}
