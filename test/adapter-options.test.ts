// HTTPAdapter's options through a Session against raw servers (poolBlock, poolTimeout, poolConnections,
// keepAliveTimeout, pipelining), Session.resolveRedirects driven by hand, and Response.close() on a
// streamed body. The server's connection count and adapter.stats(), not clocks, say what happened.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import {
  ConnectionError,
  HTTPAdapter,
  PreparedRequest,
  type Response,
  type SendOptions,
  TooManyRedirects,
} from '../lib/index.js'
import { response, waitFor, type RawRequest, type RawServer } from './support/raw-server.js'
import { base, className, client, rawServer, rejection, settled, totals } from './hostile/helpers.js'

t.setTimeout(60_000)

/** Resolves after `ms` (used only to let a functional timeout pass, never to measure). */
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Waits (bounded) for a condition on the client's side, e.g. on adapter.stats(). */
function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  return waitFor(predicate, ms, what)
}

interface Holding {
  server: RawServer
  /** Answers every held request that is still open, in arrival order. */
  release(): void
  /** Requests held so far. */
  readonly held: number
}

/**
 * A server that answers `/hold…` only when the test calls release(), and everything else at once;
 * every body is `own:<target>`, so each caller can check it got its own response.
 */
async function holdingServer(t: Test): Promise<Holding> {
  const held: { socket: Socket; target: string }[] = []
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target.startsWith('/hold')) held.push({ socket, target: req.target })
      else socket.write(response(200, `own:${req.target}`))
    },
  })
  return {
    server,
    release() {
      for (const { socket, target } of held.splice(0)) {
        if (!socket.destroyed) socket.write(response(200, `own:${target}`))
      }
    },
    get held() { return held.length },
  }
}

/** The [target, connection] of every request the server read. */
function where(server: RawServer): [string, number][] {
  return server.requests.map(r => [r.target, r.connection])
}

/** The settled value of a promise: its text, or the error's class and code. */
async function outcome(p: Promise<Response>): Promise<string> {
  try {
    return (await p).text
  } catch (err) {
    return `${className(err)} ${String((err as { code?: unknown }).code)}`
  }
}

// ── poolMaxSize, poolBlock, poolTimeout ─────────────────────────────────────────────────────────

t.test('poolBlock: true with poolMaxSize 1: a second concurrent request waits for the one connection, then reuses it', async t => {
  const h = await holdingServer(t)
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true })
  const first = s.get(`${base(h.server)}/hold1`, { timeout: 5000 })
  await h.server.waitFor(() => h.held === 1, 5000, 'the first request to arrive')
  const second = s.get(`${base(h.server)}/second`, { timeout: 5000 })
  await until(() => totals(adapter).queued === 1, 'the second request to queue')
  t.equal(h.server.requests.length, 1, 'the waiting request was not sent anywhere yet')
  t.equal(h.server.accepted, 1, 'no second connection was opened')
  h.release()
  t.equal((await first).text, 'own:/hold1')
  t.equal((await second).text, 'own:/second', 'the waiting request got its own response')
  t.same(where(h.server), [['/hold1', 1], ['/second', 1]], 'both went on connection 1, one after the other')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
})

t.test('poolTimeout: a request waiting longer than it for a connection fails with ConnectionError POOL_TIMEOUT', async t => {
  const h = await holdingServer(t)
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true, poolTimeout: 100 })
  const first = s.get(`${base(h.server)}/hold1`, { timeout: 5000 })
  await h.server.waitFor(() => h.held === 1, 5000, 'the first request to arrive')
  const url = `${base(h.server)}/waiting`
  // The first response is held for as long as this takes: only the pool timeout can end it.
  const err = await rejection(s.get(url, { timeout: 5000 }))
  t.ok(err instanceof ConnectionError, `a ConnectionError (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'POOL_TIMEOUT')
  t.match(err.message, /no connection free within the pool timeout of 100 ms/)
  const e = err as ConnectionError
  t.equal(e.phase, 'connect')
  t.equal(e.url, url, 'the error names the URL')
  t.type(e.request, PreparedRequest)
  t.equal(e.request?.url, url)
  t.equal(totals(adapter).queued, 0, 'the timed-out request left the queue')
  t.equal(h.server.requests.length, 1, 'the server never saw the timed-out request')
  t.equal(h.server.accepted, 1, 'nor a connection for it')
  h.release()
  t.equal((await first).text, 'own:/hold1', 'the request holding the connection is unaffected')
  t.equal((await s.get(`${base(h.server)}/after`, { timeout: 5000 })).text, 'own:/after')
  t.same(where(h.server).at(-1), ['/after', 1], 'and the connection is reused afterwards')
})

t.test('poolBlock: false (default) at poolMaxSize: an extra connection is opened and closed after use', async t => {
  const h = await holdingServer(t)
  const { s, adapter } = client(t, { poolMaxSize: 1 })
  const first = s.get(`${base(h.server)}/hold1`, { timeout: 5000 })
  await h.server.waitFor(() => h.held === 1, 5000, 'the first request to arrive')
  const second = await s.get(`${base(h.server)}/second`, { timeout: 5000 })
  t.equal(second.text, 'own:/second', 'answered while the first connection is still busy')
  t.same(where(h.server), [['/hold1', 1], ['/second', 2]], 'on a second connection')
  await h.server.waitFor(() => h.server.connections[1]?.closed === true, 5000, 'the extra connection to close')
  t.equal(h.server.connections[1]?.serverClosed, false, 'closed by the client, not kept')
  h.release()
  t.equal((await first).text, 'own:/hold1')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.equal(totals(adapter).open, 1, 'only poolMaxSize connections are kept')
})

t.test('a request with a total timeout waiting in a blocking pool fails by its deadline, not when a connection frees', async t => {
  // poolTimeout is long (5 s) so that only the request's own `total` (200 ms) can end the wait
  // early; the held response is released after 1.5 s if the queued request has not settled by then.
  const h = await holdingServer(t)
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true, poolTimeout: 5000 })
  const first = s.get(`${base(h.server)}/hold1`, { timeout: 5000 })
  await h.server.waitFor(() => h.held === 1, 5000, 'the first request to arrive')
  let released = false
  const fallback = setTimeout(() => { released = true; h.release() }, 1500)
  t.teardown(() => clearTimeout(fallback))
  const queued = await outcome(s.get(`${base(h.server)}/queued`, { timeout: { total: 200 } }))
  const settledWhileHeld = !released
  clearTimeout(fallback)
  h.release()
  t.same({ queued, settledWhileHeld }, { queued: 'ReadTimeout TOTAL_TIMEOUT', settledWhileHeld: true },
    'the queued request failed with TOTAL_TIMEOUT while the only connection was still busy')
  t.equal((await first).text, 'own:/hold1', 'the request holding the connection is unaffected')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.equal((await s.get(`${base(h.server)}/after`, { timeout: 5000 })).text, 'own:/after', 'the next request works')
})

// ── poolConnections ─────────────────────────────────────────────────────────────────────────────

t.test('poolConnections: 2 keeps the pools of the two most recently used origins and closes the other one', async t => {
  const [a, b, c] = [await rawServer(t), await rawServer(t), await rawServer(t)] as [RawServer, RawServer, RawServer]
  const { s, adapter } = client(t, { poolConnections: 2 })
  const get = async (server: RawServer): Promise<void> => {
    t.equal((await s.get(`${base(server)}/`, { timeout: 5000 })).text, 'ok')
  }
  await get(a)
  await get(b)
  await get(a) // a is now more recently used than b
  await get(c) // a third origin: b's pool goes
  const keys = adapter.stats().map(st => st.key).sort()
  t.same(keys, [`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${c.port}`].sort(), 'stats() lists the two kept origins')
  await b.waitFor(() => b.connections[0]?.closed === true, 5000, "the evicted origin's socket to close")
  t.equal(b.connections[0]?.serverClosed, false, "b's idle socket was closed by the client")
  t.equal(a.connections[0]?.closed, false, "a's socket is still open")
  await get(a)
  t.equal(a.accepted, 1, 'a kept origin reuses its connection')
  await get(b)
  t.equal(b.accepted, 2, 'the evicted origin needs a new connection')
  t.equal(adapter.stats().length, 2, 'never more than poolConnections origins')
})

t.test('evicting an origin from poolConnections does not fail a request in flight to it', async t => {
  const h = await holdingServer(t)
  const other = await rawServer(t)
  const { s, adapter } = client(t, { poolConnections: 1 })
  const inFlight = outcome(s.get(`${base(h.server)}/hold1`, { timeout: 5000 }))
  await h.server.waitFor(() => h.held === 1, 5000, 'the first request to arrive')
  t.equal((await s.get(`${base(other)}/`, { timeout: 5000 })).text, 'ok', 'the second origin is answered')
  t.same(adapter.stats().map(st => st.key), [`http://127.0.0.1:${other.port}`], 'only the most recent origin is kept')
  h.release()
  t.equal(await inFlight, 'own:/hold1', 'the request in flight to the evicted origin still gets its response')
  await h.server.waitFor(() => h.server.connections[0]?.closed === true, 5000, "the evicted origin's connection to close once free")
  t.equal(h.server.connections[0]?.serverClosed, false, 'closed by the client')
})

// ── keepAliveTimeout ────────────────────────────────────────────────────────────────────────────

t.test('keepAliveTimeout: an idle connection is reused before it and closed by the client after it', async t => {
  const short = await rawServer(t)
  const control = await rawServer(t)
  const { s, adapter } = client(t, { keepAliveTimeout: 200 })
  const { s: s2 } = client(t) // default keepAliveTimeout (4000 ms)
  await s.get(`${base(short)}/1`, { timeout: 5000 })
  await s.get(`${base(short)}/2`, { timeout: 5000 })
  await s2.get(`${base(control)}/1`, { timeout: 5000 })
  t.equal(short.accepted, 1, 'back to back, the second request reused the connection')
  t.equal(totals(adapter).idle, 1, 'the connection is idle in the pool')
  await sleep(600) // well beyond 200 ms, well within 4000 ms
  await short.waitFor(() => short.connections[0]?.closed === true, 5000, 'the idle connection to close')
  t.equal(short.connections[0]?.serverClosed, false, 'by the client')
  t.equal(totals(adapter).open, 0, 'stats() no longer counts it')
  await s.get(`${base(short)}/3`, { timeout: 5000 })
  t.equal(short.accepted, 2, 'the next request opened a new connection')
  await s2.get(`${base(control)}/2`, { timeout: 5000 })
  t.equal(control.accepted, 1, 'with the default keepAliveTimeout the same wait keeps the connection')
})

t.test('keepAliveTimeout: 0 keeps no connection: every request opens its own', async t => {
  const server = await rawServer(t)
  const { s, adapter } = client(t, { keepAliveTimeout: 0 })
  for (let i = 0; i < 3; i++) t.equal((await s.get(`${base(server)}/${i}`, { timeout: 5000 })).text, 'ok')
  t.same(server.requests.map(r => r.connection), [1, 2, 3])
  t.equal(totals(adapter).open, 0)
})

t.test("the server's Keep-Alive: timeout shortens keepAliveTimeout (by a margin); no hint leaves it alone", async t => {
  // timeout=1 (s) → kept 500 ms (the hint less min(1 s, half of it)); the adapter's own is 4000 ms.
  const hinted = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, 'ok', ['Keep-Alive: timeout=1'])) } })
  const plain = await rawServer(t)
  const { s } = client(t)
  await s.get(`${base(hinted)}/1`, { timeout: 5000 })
  await s.get(`${base(plain)}/1`, { timeout: 5000 })
  await sleep(1500)
  await hinted.waitFor(() => hinted.connections[0]?.closed === true, 5000, 'the hinted connection to close')
  t.equal(hinted.connections[0]?.serverClosed, false, 'by the client')
  await s.get(`${base(hinted)}/2`, { timeout: 5000 })
  await s.get(`${base(plain)}/2`, { timeout: 5000 })
  t.equal(hinted.accepted, 2, 'a new connection after the hinted timeout')
  t.equal(plain.accepted, 1, 'the connection without a hint was kept')
})

// ── pipelining ──────────────────────────────────────────────────────────────────────────────────

/**
 * A server that answers /warm and non-GETs at once, and the other requests only once `batch` of
 * them are in; `onBatch` runs at that moment, before any of them is answered.
 */
async function batchingServer(t: Test, batch: number, onBatch?: () => void): Promise<{ server: RawServer; release(): void }> {
  const pending: { req: RawRequest; socket: Socket }[] = []
  const answer = (): void => {
    for (const { req, socket } of pending.splice(0)) if (!socket.destroyed) socket.write(response(200, `own:${req.target}`))
  }
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/warm' || req.method !== 'GET') { socket.write(response(200, `own:${req.target}`)); return }
      pending.push({ req, socket })
      if (pending.length === batch) {
        onBatch?.()
        answer()
      }
    },
  })
  return { server, release: answer }
}

t.test('pipelining: 3 with poolMaxSize 1: concurrent GETs after a warm-up are all in flight on one connection', async t => {
  let stats: ReturnType<HTTPAdapter['stats']>[number] | undefined
  // The server answers none of them until all three have arrived: they were written together.
  const { server } = await batchingServer(t, 3, () => { stats = adapter.stats()[0] })
  const { s, adapter } = client(t, { poolMaxSize: 1, pipelining: 3 })
  t.equal((await s.get(`${base(server)}/warm`, { timeout: 5000 })).text, 'own:/warm')
  const targets = ['/p1', '/p2', '/p3']
  const rs = await Promise.all(targets.map(p => s.get(`${base(server)}${p}`, { timeout: 5000 })))
  t.equal(stats?.open, 1, 'when all three had arrived, one connection was open')
  t.equal(stats?.inFlight, 3, 'carrying the three requests')
  t.equal(stats?.queued, 0, 'none waiting for a connection')
  t.same(rs.map(r => r.text), targets.map(p => `own:${p}`), 'each caller got its own body')
  t.equal(server.accepted, 1, 'the server saw one connection')
  t.same(where(server), [['/warm', 1], ['/p1', 1], ['/p2', 1], ['/p3', 1]])
  t.same(await settled(adapter), { busy: 0, queued: 0 })
})

t.test('without pipelining the same concurrent GETs go out on extra connections', async t => {
  const { server } = await batchingServer(t, 3)
  const { s } = client(t, { poolMaxSize: 1 })
  await s.get(`${base(server)}/warm`, { timeout: 5000 })
  const rs = await Promise.all(['/p1', '/p2', '/p3'].map(p => s.get(`${base(server)}${p}`, { timeout: 5000 })))
  t.same(rs.map(r => r.text), ['own:/p1', 'own:/p2', 'own:/p3'])
  t.equal(server.accepted, 3, 'two extra connections')
})

t.test('pipelining: a POST is never written behind a request in flight; it gets a connection of its own', async t => {
  const { server, release } = await batchingServer(t, 2)
  const { s } = client(t, { poolMaxSize: 1, pipelining: 3 })
  await s.get(`${base(server)}/warm`, { timeout: 5000 })
  const held = s.get(`${base(server)}/held`, { timeout: 5000 })
  await server.waitFor(() => server.requests.length === 2, 5000, 'the held GET to arrive')
  const post = await s.post(`${base(server)}/post`, { data: 'x', timeout: 5000 })
  t.equal(post.text, 'own:/post')
  release()
  t.equal((await held).text, 'own:/held')
  t.same(where(server), [['/warm', 1], ['/held', 1], ['/post', 2]], 'the POST went on a second connection')
})

t.test('pipelining must be a whole number of at least 1: RangeError at construction', async t => {
  for (const bad of [0, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => new HTTPAdapter({ pipelining: bad }), RangeError, `pipelining: ${bad}`)
  }
  t.throws(() => new HTTPAdapter({ pipelining: 0 }), { message: /pipelining must be a whole number/ })
  const ok = new HTTPAdapter({ pipelining: 1 })
  t.teardown(() => ok.close())
  t.pass('pipelining: 1 (off) is accepted')
})

t.test('pool sizes and durations are checked at construction, under the names the caller used', async t => {
  const cases: [Record<string, number>, RegExp][] = [
    [{ poolMaxSize: 0 }, /^poolMaxSize must be a whole number, at least 1; got 0$/],
    [{ poolMaxSize: 2.5 }, /^poolMaxSize must be a whole number/],
    [{ poolConnections: 0 }, /^poolConnections must be a whole number/],
    [{ poolTimeout: -1 }, /^poolTimeout must be a number of milliseconds, at least 0; got -1$/],
    [{ poolTimeout: Number.NaN }, /^poolTimeout must be/],
    [{ keepAliveTimeout: Number.POSITIVE_INFINITY }, /^keepAliveTimeout must be/],
  ]
  for (const [options, message] of cases) {
    t.throws(() => new HTTPAdapter(options), { name: 'RangeError', message }, JSON.stringify(options))
  }
  const ok = new HTTPAdapter({ poolMaxSize: 1, poolConnections: 1, poolTimeout: 0, keepAliveTimeout: 0 })
  t.teardown(() => ok.close())
  t.pass('the smallest sensible values are accepted')
})

// ── Session.resolveRedirects ────────────────────────────────────────────────────────────────────

/** /hop/N redirects to /hop/N+1 (307 for the first, 303 after) until /hop/last, which answers 200. */
async function chainServer(t: Test, last: number): Promise<RawServer> {
  return rawServer(t, {
    handler: (req, socket) => {
      const n = Number(/^\/hop\/(\d+)$/.exec(req.target)?.[1] ?? NaN)
      if (n >= last || Number.isNaN(n)) socket.write(response(200, `final:${req.target}`))
      else socket.write(response(n === 1 ? 307 : 303, `moved:${n}`, [`Location: /hop/${n + 1}`, `Set-Cookie: hop${n}=yes; Path=/`]))
    },
  })
}

function sendOptions(): SendOptions {
  return { stream: false, timeout: { connect: 5000, read: 5000 }, verify: true, cert: null, proxies: {}, allowRedirects: true, signal: null, maxBodySize: null }
}

t.test('resolveRedirects, iterated by hand after allowRedirects: false, yields each following hop in order', async t => {
  const server = await chainServer(t, 3)
  const { s } = client(t)
  const first = await s.post(`${base(server)}/hop/1`, { data: 'payload', allowRedirects: false, timeout: 5000 })
  t.equal(first.statusCode, 307, 'the first redirect is returned, not followed')
  t.equal(server.requests.length, 1)
  t.ok(first.request !== null)
  const hops: Response[] = []
  for await (const r of s.resolveRedirects(first, first.request as PreparedRequest, sendOptions())) hops.push(r)
  t.same(hops.map(r => [r.statusCode, r.url]), [
    [303, `${base(server)}/hop/2`],
    [200, `${base(server)}/hop/3`],
  ], 'the 303 from /hop/2, then the 200 from /hop/3')
  t.same(hops[0]?.history, [first], 'a yielded redirect records the hops before it')
  const last = await (hops[1] as Response).load()
  t.equal(last.text, 'final:/hop/3')
  t.same(server.requests.map(r => [r.method, r.target, r.body.toString()]), [
    ['POST', '/hop/1', 'payload'],
    ['POST', '/hop/2', 'payload'], // 307 keeps method and body
    ['GET', '/hop/3', ''], // 303 turns it into a GET without a body
  ])
  t.equal(s.cookies.get('hop2'), 'yes', "each hop's cookies are stored in the session's jar")
  t.equal(server.requests[2]?.header('cookie'), 'hop1=yes; hop2=yes', 'and sent on the next hop')
})

t.test('resolveRedirects is lazy: a hop is sent only when the iteration asks for it', async t => {
  const server = await chainServer(t, 3)
  const { s } = client(t)
  const first = await s.get(`${base(server)}/hop/1`, { allowRedirects: false, timeout: 5000 })
  const hops: Response[] = []
  for await (const r of s.resolveRedirects(first, first.request as PreparedRequest, sendOptions())) {
    hops.push(r)
    break
  }
  t.equal(hops.length, 1)
  t.equal(hops[0]?.statusCode, 303)
  t.same(server.requests.map(r => r.target), ['/hop/1', '/hop/2'], '/hop/3 was never requested')
  t.equal((await (hops[0] as Response).load()).text, 'moved:2', 'the yielded redirect is left unread for the caller')
})

t.test('resolveRedirects throws TooManyRedirects past the session maxRedirects, after the hops it allowed', async t => {
  const server = await chainServer(t, 10)
  const { s } = client(t)
  s.maxRedirects = 2
  const first = await s.get(`${base(server)}/hop/1`, { allowRedirects: false, timeout: 5000 })
  const hops: Response[] = []
  const err = await rejection((async () => {
    for await (const r of s.resolveRedirects(first, first.request as PreparedRequest, sendOptions())) hops.push(r)
  })())
  t.ok(err instanceof TooManyRedirects, `TooManyRedirects (got ${className(err)}: ${err.message})`)
  t.same(hops.map(r => r.url), [`${base(server)}/hop/2`, `${base(server)}/hop/3`], 'two hops were yielded first')
  t.equal(server.requests.length, 3, 'no request beyond the limit was sent')
})

// ── Response.close() on a streamed body ─────────────────────────────────────────────────────────

/** /big sends its head and 1000 of 100,000 body bytes, then stalls; anything else is a small 200. */
async function stallingServer(t: Test): Promise<RawServer> {
  return rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/big') {
        socket.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 'latin1'), Buffer.alloc(1000, 0x61)]))
      } else {
        socket.write(response(200, `own:${req.target}`))
      }
    },
  })
}

t.test('close() after reading part of a streamed body closes the connection instead of reusing it', async t => {
  const server = await stallingServer(t)
  const { s, adapter } = client(t)
  const r = await s.get(`${base(server)}/big`, { stream: true, timeout: 5000 })
  const chunks = r.iterContent()[Symbol.asyncIterator]()
  const firstChunk = await chunks.next()
  t.equal(firstChunk.done, false)
  t.ok((firstChunk.value as Buffer).length > 0, 'part of the body was read')
  await r.close()
  t.equal(totals(adapter).open, 0, 'the connection left the pool at once')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the connection to close')
  t.equal(server.connections[0]?.serverClosed, false, 'closed by the client')
  t.equal((await s.get(`${base(server)}/next`, { timeout: 5000 })).text, 'own:/next')
  t.same(where(server), [['/big', 1], ['/next', 2]], 'the next request went on a new connection')
})

t.test('close() on a streamed body never read closes the connection too', async t => {
  const server = await stallingServer(t)
  const { s, adapter } = client(t)
  const r = await s.get(`${base(server)}/big`, { stream: true, timeout: 5000 })
  await r.close()
  t.equal(totals(adapter).open, 0)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the connection to close')
  await s.get(`${base(server)}/next`, { timeout: 5000 })
  t.equal(server.accepted, 2)
})

t.test('close() after a streamed body was read to its end, or had fully arrived, keeps the connection', async t => {
  const server = await stallingServer(t)
  const { s, adapter } = client(t)
  const read = await s.get(`${base(server)}/small1`, { stream: true, timeout: 5000 })
  const parts: Buffer[] = []
  for await (const chunk of read.iterContent()) parts.push(chunk as Buffer)
  t.equal(Buffer.concat(parts).toString(), 'own:/small1')
  await read.close()
  const unread = await s.get(`${base(server)}/small2`, { stream: true, timeout: 5000 })
  // Its whole body has arrived once the connection is idle again (the body is not read).
  await until(() => totals(adapter).idle === 1, 'the connection to go idle after the small body')
  await unread.close()
  t.equal((await s.get(`${base(server)}/small3`, { timeout: 5000 })).text, 'own:/small3')
  t.same(where(server), [['/small1', 1], ['/small2', 1], ['/small3', 1]], 'all on one connection')
  t.equal(totals(adapter).open, 1)
})

t.test('close() on a half-read streamed body frees the slot of a blocking pool for a waiting request', async t => {
  const server = await stallingServer(t)
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true, poolTimeout: 5000 })
  const r = await s.get(`${base(server)}/big`, { stream: true, timeout: 5000 })
  const waiting = s.get(`${base(server)}/next`, { timeout: 5000 })
  await until(() => totals(adapter).queued === 1, 'the second request to queue')
  const chunks = r.iterContent()[Symbol.asyncIterator]()
  await chunks.next()
  await r.close()
  t.equal((await waiting).text, 'own:/next', 'the waiting request got the freed slot')
  t.same(where(server), [['/big', 1], ['/next', 2]], 'on a new connection')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
})
