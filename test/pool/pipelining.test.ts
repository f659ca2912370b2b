// Pipelining (RFC 9112 §9.3.2), option `pipelining`: requests written behind others on one
// connection, answered in order. The server here holds its answers and records how many requests
// of a connection were waiting unanswered when each arrived, so a test can see them pipelined; every
// body names its request, so a response handed to the wrong caller shows. After each case the pool's
// counts must come back to nothing busy and nothing queued.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { ConnectionError, ProtocolError, ReadTimeout } from '../../lib/errors.js'
import { PoolManager } from '../../lib/pool/index.js'
import type { PoolManager as Manager } from '../../lib/pool/index.js'
import { response, type RawRequest, type RawServer } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, settledTotals, type RequestExtras } from './fixtures/helpers.js'

/** What the server does with one held request: answer it, and possibly end the socket after. */
type Answer = Buffer | { readonly bytes: Buffer; readonly end: true } | null

interface HoldOptions {
  /** Answer a connection's held requests once this many are waiting (default: never by count). */
  readonly flushAt?: number
  /** Answer them this long after the first of a batch arrived (default 40 ms; 0: only by hand). */
  readonly holdMs?: number
  /** The bytes for a request (default: 200 naming its target). */
  readonly answer?: (req: RawRequest) => Answer
}

interface Holding {
  readonly server: RawServer
  /** For each request, in arrival order: how many of its connection's requests were unanswered before it. */
  readonly arrivals: { readonly target: string; readonly connection: number; readonly waiting: number }[]
  /** The size of each batch answered at once. */
  readonly batches: number[]
  /** Requests waiting on each connection. */
  waiting(connection: number): number
  /** Answers what a connection holds now. */
  flush(connection: number): void
}

const named = (req: RawRequest): Answer => response(200, `${req.method} ${req.target}`)

async function holdingServer(t: Test, options: HoldOptions = {}): Promise<Holding> {
  const { flushAt = Infinity, holdMs = 40, answer = named } = options
  const held = new Map<number, { req: RawRequest; socket: Socket }[]>()
  const timers = new Map<number, NodeJS.Timeout>()
  const arrivals: { target: string; connection: number; waiting: number }[] = []
  const batches: number[] = []
  const flush = (connection: number): void => {
    const timer = timers.get(connection)
    if (timer !== undefined) clearTimeout(timer)
    timers.delete(connection)
    const batch = held.get(connection) ?? []
    held.set(connection, [])
    if (batch.length === 0) return
    batches.push(batch.length)
    const socket = batch[0]!.socket
    const parts: Buffer[] = []
    let end = false
    for (const { req } of batch) {
      const a = answer(req)
      if (a === null) continue
      if (Buffer.isBuffer(a)) parts.push(a)
      else {
        parts.push(a.bytes)
        end = true
        break
      }
    }
    // All answers of a batch in one write: the client reads several responses from one chunk.
    if (end) socket.end(Buffer.concat(parts))
    else if (parts.length > 0) socket.write(Buffer.concat(parts))
  }
  const server = await rawServer(t, {
    handler: (req, socket) => {
      const list = held.get(req.connection) ?? []
      held.set(req.connection, list)
      arrivals.push({ target: req.target, connection: req.connection, waiting: list.length })
      list.push({ req, socket })
      if (list.length >= flushAt) flush(req.connection)
      else if (holdMs > 0 && !timers.has(req.connection)) timers.set(req.connection, setTimeout(() => flush(req.connection), holdMs))
    },
  })
  t.teardown(() => { for (const timer of timers.values()) clearTimeout(timer) })
  return { server, arrivals, batches, waiting: (c) => held.get(c)?.length ?? 0, flush }
}

/** Nothing busy, nothing queued, every open connection idle. */
async function settled(t: Test, m: Manager): Promise<void> {
  const now = await settledTotals(m, { busy: 0, queued: 0 })
  t.equal(now.busy, 0, 'no connection left busy')
  t.equal(now.queued, 0, 'no request left queued')
  t.equal(now.open, now.idle, 'every open connection is idle')
}

/** A GET (or what `extra` says) whose body is read to the end, as text. */
async function text(m: Manager, server: RawServer, target: string, extra: RequestExtras = {}): Promise<string> {
  return (await fetchText(m, server, target, extra)).text
}

/** One request on a fresh connection, so that it has proven it stays open. */
async function warm(t: Test, m: Manager, server: RawServer): Promise<void> {
  t.equal(await text(m, server, '/warm'), 'GET /warm', 'the warm-up request')
}

t.test('nine concurrent GETs with depth 3 on one connection are pipelined three at a time, each answered to its caller', async t => {
  const h = await holdingServer(t, { flushAt: 3 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  const targets = Array.from({ length: 9 }, (_, i) => `/${i}`)
  const bodies = await Promise.all(targets.map(target => text(m, h.server, target)))
  t.same(bodies, targets.map(target => `GET ${target}`), 'every body names its own request')
  t.equal(h.server.accepted, 1, 'one connection')
  t.same(h.server.requests.map(r => r.target), targets, 'written in the order they were asked for')
  t.equal(Math.max(...h.arrivals.map(a => a.waiting)), 2, 'up to two requests waited unanswered before the next arrived')
  t.equal(Math.max(...h.batches), 3, 'never more than three in flight')
  t.equal(h.batches.reduce((a, b) => a + b, 0), 9)
  t.equal(h.arrivals[0]?.waiting, 0, 'the first request on the fresh connection went alone')
  await settled(t, m)
})

t.test('with the default depth nothing is pipelined', async t => {
  const h = await holdingServer(t, { flushAt: 3, holdMs: 10 })
  const m = manager(t, { maxSize: 1, block: true })
  await warm(t, m, h.server)
  const bodies = await Promise.all(['/a', '/b', '/c'].map(target => text(m, h.server, target)))
  t.same(bodies, ['GET /a', 'GET /b', 'GET /c'])
  t.same(h.arrivals.map(a => a.waiting), [0, 0, 0, 0], 'each request arrived alone')
  await settled(t, m)
})

t.test('pipelined requests go to the least loaded connection', async t => {
  const h = await holdingServer(t, { holdMs: 30 })
  const m = manager(t, { maxSize: 2, block: true, pipelining: 3 })
  t.same(await Promise.all([text(m, h.server, '/warm1'), text(m, h.server, '/warm2')]), ['GET /warm1', 'GET /warm2'])
  t.equal(h.server.accepted, 2)
  const targets = ['/a', '/b', '/c', '/d']
  t.same(await Promise.all(targets.map(target => text(m, h.server, target))), targets.map(target => `GET ${target}`))
  for (const connection of [1, 2]) {
    const mine = h.arrivals.filter(a => a.connection === connection && targets.includes(a.target))
    t.same(mine.map(a => a.waiting), [0, 1], `connection ${connection} carried two of them, the second pipelined`)
  }
  t.equal(h.server.accepted, 2, 'no third connection')
  await settled(t, m)
})

t.test('without poolBlock, a request is pipelined before an extra connection is opened', async t => {
  const h = await holdingServer(t, { holdMs: 30 })
  const m = manager(t, { maxSize: 1, pipelining: 3 })
  await warm(t, m, h.server)
  const targets = ['/a', '/b', '/c', '/d']
  t.same(await Promise.all(targets.map(target => text(m, h.server, target))), targets.map(target => `GET ${target}`))
  t.same(h.arrivals.filter(a => a.connection === 1).map(a => a.waiting), [0, 0, 1, 2], 'three in flight on the one connection')
  t.equal(h.server.accepted, 2, 'the fourth, with no room behind, got an extra connection')
  await settled(t, m)
})

t.test('a POST is never pipelined, nor is anything written behind it', async t => {
  const h = await holdingServer(t, { holdMs: 30 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 4 })
  await warm(t, m, h.server)
  const results = await Promise.all([
    text(m, h.server, '/get1'),
    text(m, h.server, '/post', { method: 'POST', body: 'payload' }),
    text(m, h.server, '/get2'),
    text(m, h.server, '/get3'),
  ])
  t.same(results, ['GET /get1', 'POST /post', 'GET /get2', 'GET /get3'])
  const at = (target: string): number | undefined => h.arrivals.find(a => a.target === target)?.waiting
  t.equal(at('/post'), 0, 'the POST was written on a connection with nothing in flight')
  t.equal(at('/get2'), 0, 'the GET after it waited for its response')
  t.equal(at('/get3'), 1, 'the next GET was pipelined behind that one')
  t.same(h.server.requests.map(r => r.target), ['/warm', '/get1', '/post', '/get2', '/get3'], 'first come, first served')
  await settled(t, m)
})

t.test('a PUT with a body in memory may be pipelined, a PUT streaming its body may not', async t => {
  const h = await holdingServer(t, { holdMs: 30 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const results = await Promise.all([
    text(m, h.server, '/get'),
    text(m, h.server, '/put-buffer', { method: 'PUT', body: Buffer.from('in memory') }),
    text(m, h.server, '/put-stream', { method: 'PUT', body: (async function * () { yield 'streamed' })() }),
  ])
  t.same(results, ['GET /get', 'PUT /put-buffer', 'PUT /put-stream'])
  const at = (target: string): number | undefined => h.arrivals.find(a => a.target === target)?.waiting
  t.equal(at('/put-buffer'), 1, 'the PUT with a Buffer went behind the GET')
  t.equal(at('/put-stream'), 0, 'the streamed PUT waited for a connection with nothing in flight')
  t.equal(h.server.requests.find(r => r.target === '/put-buffer')?.body.toString(), 'in memory')
  await settled(t, m)
})

t.test('a HEAD in the middle of a pipeline has no body, and the responses around it frame correctly', async t => {
  const h = await holdingServer(t, {
    flushAt: 3,
    answer: req => req.method === 'HEAD'
      // The length of the body a GET would have had; none follows (RFC 9110 §9.3.2).
      ? Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nX-For: HEAD /h\r\n\r\n')
      : named(req),
  })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const [a, head, b] = await Promise.all([
    fetchText(m, h.server, '/a'),
    fetchText(m, h.server, '/h', { method: 'HEAD' }),
    fetchText(m, h.server, '/b'),
  ])
  t.equal(a.text, 'GET /a')
  t.equal(head.text, '', 'the HEAD response has no body')
  t.equal(head.res.framing.kind, 'none')
  t.ok(head.res.headers.includes('HEAD /h'), 'the HEAD got its own head')
  t.equal(b.text, 'GET /b', 'the response after it was read from the right byte')
  t.same(h.batches, [1, 3], 'the three went out together')
  t.equal(h.server.accepted, 1)
  await settled(t, m)
})

t.test('the server closing after the first of three pipelined responses: the two behind are sent again on a new connection and succeed', async t => {
  const h = await holdingServer(t, {
    flushAt: 3,
    answer: req => req.connection === 1 && req.target === '/a'
      ? { bytes: named(req) as Buffer, end: true } // no Connection: close, just a FIN after it
      : named(req),
  })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const bodies = await Promise.all(['/a', '/b', '/c'].map(target => text(m, h.server, target)))
  t.same(bodies, ['GET /a', 'GET /b', 'GET /c'], 'every caller got its own body')
  const onFirst = h.server.requests.filter(r => r.connection === 1).map(r => r.target)
  t.same(onFirst, ['/warm', '/a', '/b', '/c'], 'all three were pipelined on the first connection')
  for (const target of ['/b', '/c']) {
    const copies = h.server.requests.filter(r => r.target === target)
    t.equal(copies.length, 2, `${target} was sent twice`)
    t.not(copies[1]?.connection, 1, `${target} was sent again on another connection`)
  }
  t.equal(h.server.requests.filter(r => r.target === '/a').length, 1, 'the answered one was not sent again')
  await settled(t, m)
})

t.test('a response with Connection: close stops pipelining on that connection; the request behind it goes to a new one', async t => {
  // The first connection's pipelined requests are answered by hand below; the others at once.
  const h = await holdingServer(t, { flushAt: 1, answer: req => req.connection === 1 && req.target !== '/warm' ? null : named(req) })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const first = h.server.connections[0]!.socket
  const closing = send(m, h.server, '/closing')
  const behind = text(m, h.server, '/behind')
  await h.server.waitFor(() => h.server.requests.length === 3, 5000, 'two requests pipelined')
  t.same(h.server.requests.map(r => r.connection), [1, 1, 1])
  // The head says the connection ends after this response; its body is still to come.
  first.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 12\r\n\r\nGET /c')
  const res = await closing
  const later = text(m, h.server, '/later')
  await new Promise(resolve => setTimeout(resolve, 30))
  t.notOk(h.server.requests.some(r => r.target === '/later'), 'nothing was pipelined behind a Connection: close head')
  first.end('losing')
  t.equal((await res.body.collect()).toString(), 'GET /closing')
  t.equal(await behind, 'GET /behind', 'the request behind it got no byte from the closing connection and was sent again')
  t.equal(await later, 'GET /later')
  t.same(h.server.requests.filter(r => r.target === '/later').map(r => r.connection), [h.server.requests.find(r => r.target === '/later')!.connection])
  t.not(h.server.requests.find(r => r.target === '/later')?.connection, 1, 'the later request went to a new connection')
  await settled(t, m)
})

t.test('an HTTP/1.0 keep-alive server is never sent pipelined requests', async t => {
  const h = await holdingServer(t, {
    holdMs: 20,
    answer: req => Buffer.from(`HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: ${req.target.length}\r\n\r\n${req.target}`),
  })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  const bodies = await Promise.all(['/1', '/2', '/3', '/4'].map(target => text(m, h.server, target)))
  t.same(bodies, ['/1', '/2', '/3', '/4'])
  t.equal(h.server.accepted, 1, 'the connection was kept alive')
  t.same(h.arrivals.map(a => a.waiting), [0, 0, 0, 0], 'each request went alone')
  await settled(t, m)
})

/** Sends `target` to a server that answers only by hand, and answers it. */
async function byHand(m: Manager, h: Holding, target: string): Promise<string> {
  const body = text(m, h.server, target)
  const before = h.server.requests.length
  await h.server.waitFor(() => h.server.requests.length > before, 5000, target)
  h.flush(h.server.requests[before]!.connection)
  return body
}

t.test('aborting a request waiting behind another drops its response and gives no one a wrong body', async t => {
  const h = await holdingServer(t, { holdMs: 0 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  t.equal(await byHand(m, h, '/warm'), 'GET /warm')
  const controller = new AbortController()
  const a = text(m, h.server, '/a')
  const b = text(m, h.server, '/b', { signal: controller.signal })
  const c = text(m, h.server, '/c')
  await h.server.waitFor(() => h.waiting(1) === 3, 5000, 'three requests pipelined')
  controller.abort()
  t.equal(await rejection(b), controller.signal.reason, 'the aborted request rejects with its signal\'s reason')
  h.flush(1)
  t.equal(await a, 'GET /a')
  t.equal(await c, 'GET /c', 'the request after it got its own body, not the dropped one')
  t.equal(await byHand(m, h, '/d'), 'GET /d', 'the connection, still in step, serves the next request')
  t.equal(h.server.accepted, 1, 'the connection was kept')
  await settled(t, m)
})

t.test('a dropped response larger than what a body buffers before pausing the socket does not stall the requests behind it', async t => {
  const big = Buffer.alloc(3 * 1024 * 1024, 'x')
  const h = await holdingServer(t, { holdMs: 0, answer: req => req.target === '/big' ? response(200, big) : named(req) })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  t.equal(await byHand(m, h, '/warm'), 'GET /warm')
  const controller = new AbortController()
  const a = text(m, h.server, '/a')
  const dropped = text(m, h.server, '/big', { signal: controller.signal })
  const c = text(m, h.server, '/c')
  await h.server.waitFor(() => h.waiting(1) === 3, 5000, 'three requests pipelined')
  controller.abort()
  await rejection(dropped)
  h.flush(1)
  t.equal(await a, 'GET /a')
  t.equal(await c, 'GET /c', 'read past the 3 MiB nobody wanted')
  t.equal(h.server.accepted, 1)
  await settled(t, m)
})

t.test('aborting the request being answered closes the connection; the requests behind it are sent again and succeed', async t => {
  const h = await holdingServer(t, { holdMs: 0 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  t.equal(await byHand(m, h, '/warm'), 'GET /warm')
  const controller = new AbortController()
  const a = text(m, h.server, '/a', { signal: controller.signal })
  const b = text(m, h.server, '/b')
  const c = text(m, h.server, '/c')
  await h.server.waitFor(() => h.waiting(1) === 3, 5000, 'three requests pipelined')
  controller.abort()
  t.equal(await rejection(a), controller.signal.reason)
  // The two sent again arrive on new connections; answer them there.
  await h.server.waitFor(() => h.server.requests.filter(r => r.connection > 1).length === 2, 5000, 'the two sent again')
  for (const r of h.server.requests.filter(r => r.connection > 1)) h.flush(r.connection)
  t.equal(await b, 'GET /b')
  t.equal(await c, 'GET /c')
  await h.server.waitFor(() => h.server.connections[0]!.closed, 5000, 'the first connection to close')
  await settled(t, m)
})

t.test('a garbled response in the middle of a pipeline fails its request with a ProtocolError; the one behind is sent again; no wrong body', async t => {
  const h = await holdingServer(t, {
    flushAt: 3,
    answer: req => req.connection === 1 && req.target === '/b'
      ? Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd')
      : named(req),
  })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const [a, b, c] = await Promise.allSettled(['/a', '/b', '/c'].map(target => text(m, h.server, target)))
  t.same(a, { status: 'fulfilled', value: 'GET /a' }, 'the response before it was delivered')
  t.equal(b?.status, 'rejected')
  const err = (b as PromiseRejectedResult).reason as ProtocolError
  t.type(err, ProtocolError)
  t.equal(typeof err.code, 'string')
  t.same(c, { status: 'fulfilled', value: 'GET /c' }, 'the request behind it got its own body')
  t.equal(h.server.requests.filter(r => r.target === '/b').length, 1, 'the request whose response was garbled was not sent again')
  t.same(h.server.requests.filter(r => r.target === '/c').map(r => r.connection === 1), [true, false], '/c was sent again on a new connection')
  await settled(t, m)
})

t.test('a read timeout of the request being answered: it fails with a ReadTimeout, those behind are sent again', async t => {
  const h = await holdingServer(t, { flushAt: 1, answer: req => req.connection === 1 && req.target !== '/warm' ? null : named(req) })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const [slow, b, c] = await Promise.allSettled([
    text(m, h.server, '/slow', { timeout: { read: 100 } }),
    text(m, h.server, '/b'),
    text(m, h.server, '/c'),
  ])
  t.equal(slow.status, 'rejected')
  t.type((slow as PromiseRejectedResult).reason, ReadTimeout)
  t.same([b, c], [{ status: 'fulfilled', value: 'GET /b' }, { status: 'fulfilled', value: 'GET /c' }])
  t.same(h.server.requests.filter(r => r.connection === 1).map(r => r.target), ['/warm', '/slow', '/b', '/c'], 'all three had been pipelined')
  await settled(t, m)
})

t.test('a request whose total timeout passes while it waits in line fails alone; its response is dropped', async t => {
  const h = await holdingServer(t, { holdMs: 0 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  t.equal(await byHand(m, h, '/warm'), 'GET /warm')
  const a = text(m, h.server, '/a')
  const b = text(m, h.server, '/b', { timeout: { total: 80 } })
  const c = text(m, h.server, '/c')
  await h.server.waitFor(() => h.waiting(1) === 3, 5000, 'three requests pipelined')
  t.type(await rejection(b), ReadTimeout, 'the one in the middle timed out')
  h.flush(1)
  t.equal(await a, 'GET /a')
  t.equal(await c, 'GET /c')
  t.equal(h.server.accepted, 1, 'the connection was kept')
  await settled(t, m)
})

t.test('a failure that leaves a pipelined request nothing to retry with: it is not retried twice', async t => {
  // Every request after the warm-up is met by a reset: the pipelined ones are sent again once each.
  const h = await holdingServer(t, { flushAt: 2, answer: req => req.index === 0 ? named(req) : null })
  h.server.events.on('request', (req: RawRequest) => {
    if (req.index > 0 && req.connection > 1) setImmediate(() => h.server.connections[req.connection - 1]?.socket.resetAndDestroy())
  })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const first = h.server.connections[0]!.socket
  const results = Promise.allSettled(['/a', '/b'].map(target => text(m, h.server, target)))
  await h.server.waitFor(() => h.server.requests.length === 3, 5000, 'two pipelined')
  first.resetAndDestroy()
  for (const r of await results) {
    t.equal(r.status, 'rejected')
    t.type((r as PromiseRejectedResult).reason, ConnectionError)
  }
  t.same(['/a', '/b'].map(target => h.server.requests.filter(r => r.target === target).length), [2, 2], 'each sent twice, never three times')
  await settled(t, m)
})

t.test('stats() counts the requests in flight apart from the busy connections', async t => {
  const h = await holdingServer(t, { flushAt: 3 })
  const m = manager(t, { maxSize: 1, block: true, pipelining: 3 })
  await warm(t, m, h.server)
  const bodies = Promise.all(['/a', '/b', '/c'].map(target => text(m, h.server, target)))
  await h.server.waitFor(() => h.server.requests.length === 4, 5000, 'three pipelined')
  const [origin] = m.stats()
  t.equal(origin?.busy, 1, 'one busy connection')
  t.equal(origin?.inFlight, 3, 'three requests on it')
  t.same(await bodies, ['GET /a', 'GET /b', 'GET /c'])
  await settled(t, m)
  t.equal(m.stats()[0]?.inFlight, 0, 'none once answered')
})

t.test('the pipelining option must be a whole number of at least 1', async t => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => new PoolManager({ pipelining: bad }), RangeError, `pipelining: ${bad}`)
  }
  for (const good of [1, 2, 16]) {
    const m = new PoolManager({ pipelining: good })
    t.pass(`pipelining: ${good}`)
    await m.close()
  }
})
