// Keep-alive and the per-origin limit: how many sockets a pool opens, which one a request gets,
// who waits and in what order, and when an idle or retired socket goes away.

import t from 'tap'
import type { Socket } from 'node:net'
import { ConnectionError } from '../../lib/errors.js'
import type { PoolResponse } from '../../lib/pool/types.js'
import { response, type RawRequest } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, settledTotals, totals } from './fixtures/helpers.js'

t.test('1,000 sequential GETs go over one connection', async t => {
  const server = await rawServer(t)
  const m = manager(t)
  let reused = 0
  for (let i = 0; i < 1000; i++) {
    const { res, text } = await fetchText(m, server, `/${i}`)
    if (text !== 'ok' || res.status !== 200) {
      t.fail(`request ${i} got ${res.status} ${text}`)
      break
    }
    if (res.reused) reused++
  }
  t.equal(server.accepted, 1, 'the server saw one connection')
  t.equal(server.requests.length, 1000)
  t.equal(reused, 999, 'every request but the first says it reused the connection')
  t.same(server.requests.map(r => r.connection).filter(c => c !== 1), [])
})

t.test('50 concurrent requests on a blocking pool of 10 use exactly 10 sockets and wait first-in first-out', async t => {
  const held: { req: RawRequest; socket: Socket }[] = []
  const server = await rawServer(t, { handler: (req, socket) => { held.push({ req, socket }) } })
  const m = manager(t, { maxSize: 10, block: true })
  const answer = (): void => {
    const next = held.shift()
    if (next === undefined) throw new Error('nothing held')
    next.socket.write(response(200, next.req.target))
  }
  const results = Array.from({ length: 50 }, (_, i) =>
    send(m, server, `/${i}`).then(async res => (await res.body.collect()).toString()))

  await server.waitFor(() => held.length === 10, 5000, '10 requests in flight')
  t.equal(server.accepted, 10, 'ten sockets')
  t.same(totals(m), { open: 10, idle: 0, busy: 10, queued: 40 })

  // Free one connection at a time: the request that takes it must be the oldest waiter.
  const order: string[] = []
  for (let i = 10; i < 50; i++) {
    answer()
    await server.waitFor(() => server.requests.length === i + 1 && held.length === 10, 5000, `request ${i}`)
    order.push(server.requests[i]?.target ?? '?')
  }
  t.same(order, Array.from({ length: 40 }, (_, i) => `/${i + 10}`), 'waiters served in the order they came')
  while (held.length > 0) answer()

  const bodies = await Promise.all(results)
  t.same(bodies, Array.from({ length: 50 }, (_, i) => `/${i}`), 'every request got its own answer')
  t.equal(server.accepted, 10, 'still ten sockets')
  t.same(totals(m), { open: 10, idle: 10, busy: 0, queued: 0 })
})

t.test('50 concurrent requests on a non-blocking pool of 10 open extra sockets and close them after use', async t => {
  const held: { req: RawRequest; socket: Socket }[] = []
  let holding = true
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (holding) held.push({ req, socket })
      else socket.write(response(200, req.target))
    },
  })
  const m = manager(t, { maxSize: 10, block: false })
  const results = Array.from({ length: 50 }, (_, i) =>
    send(m, server, `/${i}`).then(async res => (await res.body.collect()).toString()))
  await server.waitFor(() => held.length === 50, 5000, 'all 50 requests in flight at once')
  t.equal(server.accepted, 50, 'no request waited for a socket')
  holding = false
  for (const { req, socket } of held.splice(0)) socket.write(response(200, req.target))
  const bodies = await Promise.all(results)
  t.same(bodies, Array.from({ length: 50 }, (_, i) => `/${i}`))
  await server.waitFor(() => server.open <= 10, 5000, 'extra sockets closed')
  t.equal(server.open, 10, 'the server sees the extra sockets closed and ten kept')
  t.same(await settledTotals(m, { open: 10, idle: 10, busy: 0 }), { open: 10, idle: 10, busy: 0, queued: 0 })

  // The kept ones are reused.
  const { res } = await fetchText(m, server, '/again')
  t.equal(res.reused, true)
  t.equal(server.accepted, 50)
})

t.test('a blocked waiter gives up after poolTimeout with a typed error', async t => {
  let first: Socket | undefined
  const server = await rawServer(t, { handler: (_req, socket) => { first = socket } })
  const m = manager(t, { maxSize: 1, block: true, poolTimeout: 100 })
  const busy = send(m, server, '/busy')
  await server.waitFor(() => first !== undefined, 5000, 'first request')
  const err = await rejection(send(m, server, '/waits'))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).code, 'POOL_TIMEOUT')
  t.same(totals(m), { open: 1, idle: 0, busy: 1, queued: 0 }, 'the waiter left the queue')
  t.equal(server.requests.length, 1, 'the waiter never reached the server')
  first?.write(response(200, 'late'))
  const res = await busy
  t.equal((await res.body.collect()).toString(), 'late')
})

t.test('an idle connection is reused last-in first-out', async t => {
  const held: { req: RawRequest; socket: Socket }[] = []
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/next') socket.write(response(200, 'ok'))
      else held.push({ req, socket })
    },
  })
  const m = manager(t)
  const pending = new Map<string, Promise<PoolResponse>>()
  for (const name of ['/a', '/b', '/c']) pending.set(name, send(m, server, name))
  await server.waitFor(() => held.length === 3, 5000, 'three requests in flight')
  // Release them one by one, in an order unrelated to accept order.
  const releaseOrder = [held[1]!, held[2]!, held[0]!]
  for (const { req, socket } of releaseOrder) {
    socket.write(response(200, 'x'))
    await (await pending.get(req.target)!).body.collect()
  }
  const lastReleased = releaseOrder[2]!.req.connection
  await fetchText(m, server, '/next')
  t.equal(server.requests.at(-1)?.connection, lastReleased, 'the most recently released connection served the next request')
})

t.test('an idle connection is closed after keepAliveTimeout', async t => {
  const server = await rawServer(t)
  const m = manager(t, { keepAliveTimeout: 100 })
  await fetchText(m, server)
  t.equal(totals(m).idle, 1)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the idle socket to close')
  t.equal(server.connections[0]?.serverClosed, false, 'the client closed it, not the server')
  t.equal((await settledTotals(m, { open: 0 })).open, 0)
  const { res } = await fetchText(m, server)
  t.equal(res.reused, false)
  t.equal(server.accepted, 2)
})

t.test('a Keep-Alive: timeout=1 hint closes an idle connection well before a keepAliveTimeout of 60 s', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => { socket.write(response(200, 'ok', ['Connection: keep-alive', 'Keep-Alive: timeout=1, max=100'])) },
  })
  const m = manager(t, { keepAliveTimeout: 60_000 })
  await fetchText(m, server)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the idle socket to close by the hint')
  t.equal(server.connections[0]?.serverClosed, false, 'the client closed it')
  t.equal((await settledTotals(m, { open: 0 })).open, 0)
})

t.test('a Connection: close response retires the socket even when the server leaves it open', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(req.indexOnConnection === 0 && req.connection === 1 ? response(200, 'bye', ['Connection: close']) : response(200, 'ok'))
    },
  })
  const m = manager(t)
  const first = await fetchText(m, server)
  t.equal(first.text, 'bye')
  const second = await fetchText(m, server)
  t.equal(second.res.reused, false)
  t.same(server.requests.map(r => r.connection), [1, 2], 'the next request used a new connection')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the retired socket to close')
  t.equal(server.connections[0]?.serverClosed, false, 'the client closed it')
})

t.test('an HTTP/1.0 response retires the socket', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(req.connection === 1 ? 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok' : response(200, 'ok'))
    },
  })
  const m = manager(t)
  const first = await fetchText(m, server)
  t.equal(first.res.version, '1.0')
  await fetchText(m, server)
  t.same(server.requests.map(r => r.connection), [1, 2])
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the HTTP/1.0 socket to close')
})
