// connect (DNS + TCP + TLS), read (each wait for bytes) and total (the whole exchange). No
// assertion here is about time itself: a server that never answers, a lookup that never calls
// back, and the typed error that must come out, with the socket gone and its slot free.

import t from 'tap'
import type { LookupFunction, Socket } from 'node:net'
import { ConnectTimeout, ConnectionError, ReadTimeout, Timeout } from '../../lib/errors.js'
import { response } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, settledTotals } from './fixtures/helpers.js'

/** A lookup that never answers: the request hangs in DNS until its connect timeout. */
const neverLookup: LookupFunction = () => { /* never calls back */ }

t.test('a server that never answers fails the request with a ReadTimeout and frees its slot', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => { if (req.target === '/waiter') socket.write(response(200, 'served')) },
  })
  const m = manager(t, { maxSize: 1, block: true })
  const silent = send(m, server, '/silent', { timeout: { read: 100 } })
  await server.waitFor(() => server.requests.length === 1, 5000, 'the first request')
  const waiter = fetchText(m, server, '/waiter')
  const err = await rejection(silent)
  t.type(err, ReadTimeout)
  t.type(err, Timeout)
  const { text } = await waiter
  t.equal(text, 'served', 'the queued request got the freed slot')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the timed-out socket to close')
  t.equal(server.connections[0]?.serverClosed, false, 'the client destroyed it')
  t.same(await settledTotals(m, { open: 1, idle: 1 }), { open: 1, idle: 1, busy: 0, queued: 0 })
})

t.test('a body that stalls fails with a ReadTimeout and the connection is destroyed', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart') },
  })
  const m = manager(t)
  const res = await send(m, server, '/', { timeout: { read: 100 } })
  const err = await rejection(res.body.collect())
  t.type(err, ReadTimeout)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the stalled socket to close')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
})

t.test('the read timeout bounds each wait, not the whole body', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n')
      let sent = 0
      const drip = (): void => {
        if (socket.destroyed) return
        socket.write(String(sent))
        if (++sent < 5) setTimeout(drip, 30)
      }
      setTimeout(drip, 30)
    },
  })
  const m = manager(t)
  const { text } = await fetchText(m, server, '/', { timeout: { read: 2000 } })
  t.equal(text, '01234')
})

t.test('a lookup that never answers fails with a ConnectTimeout, which is a Timeout and a ConnectionError', async t => {
  const m = manager(t)
  const err = await rejection(m.request({
    origin: { scheme: 'http', hostname: 'never.test', port: 80 },
    method: 'GET', target: '/', headers: [], lookup: neverLookup, timeout: { connect: 100 },
  }))
  t.type(err, ConnectTimeout)
  t.type(err, Timeout)
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).phase, 'connect')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
})

t.test('the total timeout ends a body that keeps trickling in', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n')
      const drip = setInterval(() => {
        if (socket.destroyed) clearInterval(drip)
        else socket.write('x')
      }, 10)
      socket.on('close', () => clearInterval(drip))
    },
  })
  const m = manager(t)
  const res = await send(m, server, '/', { timeout: { read: 5000, total: 200 } })
  const err = await rejection(res.body.collect())
  t.type(err, Timeout)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
})

t.test('the total timeout ends a wait for a head that never comes', async t => {
  const server = await rawServer(t, { handler: () => undefined })
  const m = manager(t)
  const err = await rejection(send(m, server, '/', { timeout: { total: 100 } }))
  t.type(err, Timeout)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close')
})

t.test('the total timeout also bounds connecting', async t => {
  const m = manager(t)
  const err = await rejection(m.request({
    origin: { scheme: 'http', hostname: 'never.test', port: 80 },
    method: 'GET', target: '/', headers: [], lookup: neverLookup, timeout: { total: 100 },
  }))
  t.type(err, Timeout)
})

t.test('a request that finished in time leaves no timer running on its idle connection but the idle one', async t => {
  const sockets: Socket[] = []
  const server = await rawServer(t, { handler: (_req, socket) => { sockets.push(socket); socket.write(response(200, 'ok')) } })
  const m = manager(t, { keepAliveTimeout: 60_000 })
  for (let i = 0; i < 50; i++) await fetchText(m, server, '/', { timeout: { connect: 60_000, read: 60_000, total: 60_000 } })
  const timers = process.getActiveResourcesInfo().filter(name => name === 'Timeout').length
  await m.close()
  await server.waitFor(() => server.open === 0, 5000, 'the connection to close')
  const after = process.getActiveResourcesInfo().filter(name => name === 'Timeout').length
  t.ok(timers - after <= 1, `at most one timer belonged to the idle connection (${timers - after})`)
})
