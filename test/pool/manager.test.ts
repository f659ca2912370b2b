// PoolManager: one pool per key, a bounded number of origins with the least recently used one
// closed when another comes, and close() ending everything.

import t from 'tap'
import { fetchText, manager, rawServer, rejection, totals } from './fixtures/helpers.js'

t.test('each origin gets its own pool and its own stats', async t => {
  const a = await rawServer(t)
  const b = await rawServer(t)
  const m = manager(t)
  await fetchText(m, a)
  await fetchText(m, b)
  await fetchText(m, a)
  const stats = m.stats()
  t.equal(stats.length, 2)
  t.equal(new Set(stats.map(s => s.key)).size, 2, 'two different keys')
  t.ok(stats.some(s => s.key.includes(String(a.port))) && stats.some(s => s.key.includes(String(b.port))), 'each key names its port')
  t.same(stats.map(s => [s.open, s.idle, s.busy, s.queued]), [[1, 1, 0, 0], [1, 1, 0, 0]])
  t.equal(a.accepted, 1)
})

t.test('beyond maxOrigins the least recently used pool is closed with its sockets', async t => {
  const servers = [await rawServer(t), await rawServer(t), await rawServer(t)]
  const [a, b, c] = servers as [typeof servers[0], typeof servers[0], typeof servers[0]]
  // A long idle timeout, so that only eviction can close a socket here.
  const m = manager(t, { maxOrigins: 2, keepAliveTimeout: 60_000 })
  await fetchText(m, a)
  await fetchText(m, b)
  await fetchText(m, a) // a is now more recently used than b
  const third = await fetchText(m, c).then(r => r.text, (err: unknown) => err) // so b goes
  t.equal(third, 'ok', 'the request to the new origin succeeds')
  await b.waitFor(() => b.connections[0]?.closed === true, 2000, "the evicted pool's socket to close").catch(() => undefined)
  t.equal(b.connections[0]?.closed, true, "the evicted pool's socket was closed")
  t.equal(b.connections[0]?.serverClosed, false, 'closed by the client')
  const keys = m.stats().map(s => s.key)
  t.equal(keys.length, 2)
  t.notOk(keys.some(k => k.includes(String(b.port))), 'b is gone from stats')
  t.equal(a.connections[0]?.closed, false, 'a kept its socket')
  const again = await fetchText(m, a)
  t.equal(again.res.reused, true)
})

t.test('close() ends every connection of every origin and refuses new requests', async t => {
  const a = await rawServer(t)
  const b = await rawServer(t)
  const m = manager(t)
  await Promise.all([fetchText(m, a), fetchText(m, a), fetchText(m, b)])
  t.equal(totals(m).open, 3)
  await m.close()
  await a.waitFor(() => a.open === 0 && b.open === 0, 5000, 'every socket to close')
  t.equal(a.connections.every(c => !c.serverClosed), true, 'the client closed them')
  const err = await rejection(fetchText(m, a))
  t.type(err, Error)
  t.equal(a.accepted, 2, 'no new connection after close()')
})
