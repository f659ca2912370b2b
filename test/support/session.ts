// A Session for one test: its own HTTPAdapter (so no pool is shared between tests), nothing
// read from the environment (netrc, proxies, CA bundles), and closed when the test ends.

import { HTTPAdapter, Session } from '../../lib/index.js'

export function isolatedSession(t: { teardown(fn: () => Promise<void> | void): void }): Session {
  const s = new Session({ adapter: new HTTPAdapter() })
  s.trustEnv = false
  t.teardown(() => s.close())
  return s
}

/** The error `promise` rejects with; throws when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the request to fail')
}
