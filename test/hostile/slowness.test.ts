// Slow servers through the whole stack: one that accepts and never answers, one that trickles its
// head a byte at a time, one whose body stalls or trickles forever, and a name lookup that never
// answers. `read` and `total` (and `connect`) fire as typed errors with stable codes, the socket is
// destroyed (the server sees it close), the pool slot is freed, and the next request works.

import t, { type Test } from 'tap'
import type { LookupFunction, Socket } from 'node:net'
import { ConnectionError, ConnectTimeout, ReadTimeout, Timeout, type HTTPAdapter, type Session } from '../../lib/index.js'
import type { RawServer } from '../support/raw-server.js'
import { base, className, client, hostile, nextWorks, rawServer, rejection, settled, totals } from './helpers.js'

t.setTimeout(60_000)

/** Writes `bytes` one byte every `ms` until done or the socket closes. */
function trickle(socket: Socket, bytes: string | Buffer, ms: number, then?: () => void): void {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes
  let i = 0
  const timer = setInterval(() => {
    if (socket.destroyed || i >= data.length) {
      clearInterval(timer)
      if (!socket.destroyed) then?.()
      return
    }
    socket.write(data.subarray(i, i + 1))
    i++
  }, ms)
  socket.once('close', () => clearInterval(timer))
}

/** After a timeout: the server saw the socket close, the pool holds nothing busy, the next request works. */
async function cleanedUp(t: Test, s: Session, adapter: HTTPAdapter, server: RawServer, victim = 1): Promise<void> {
  await server.waitFor(() => server.connections[victim - 1]?.closed === true, 5000, 'the timed-out socket to close')
  t.pass('the timed-out socket was destroyed')
  t.same(await settled(adapter), { busy: 0, queued: 0 }, 'the pool slot was freed')
  await nextWorks(t, s, server)
  t.equal(server.requests.at(-1)?.connection, server.accepted, 'the next request went on a new connection')
}

t.test('a server that accepts and never answers is a ReadTimeout (READ_TIMEOUT) and the socket is destroyed', async t => {
  const server = await rawServer(t, { handler: hostile(() => {}) })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: { connect: 1000, read: 200 } }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)}: ${err.message})`)
  t.ok(err instanceof Timeout)
  t.equal(err.code, 'READ_TIMEOUT')
  await cleanedUp(t, s, adapter, server)
})

t.test('a server that never reads the request (accepts, no handler runs) is a ReadTimeout', async t => {
  // The request is never even read by the server: no head arrives back.
  const server = await rawServer(t, { onConnection: socket => { socket.pause() }, handler: hostile(() => {}) })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 200 }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)})`)
  t.equal(err.code, 'READ_TIMEOUT')
  // A paused server socket never reads the client's FIN, so look at the client side instead.
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.equal(totals(adapter).open, 0, 'the client closed its socket')
})

t.test('a head trickled a byte at a time beats the read timeout but not the total: TOTAL_TIMEOUT', async t => {
  const server = await rawServer(t, {
    handler: hostile(socket => { trickle(socket, `HTTP/1.1 200 OK\r\nX-Slow: ${'a'.repeat(1000)}\r\nContent-Length: 2\r\n\r\nok`, 10) }),
  })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: { read: 250, total: 400 } }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'TOTAL_TIMEOUT')
  await cleanedUp(t, s, adapter, server)
})

t.test('a head trickled a byte at a time with only a read timeout is still read (each gap is short)', async t => {
  const server = await rawServer(t, {
    handler: hostile(socket => { trickle(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 2) }),
  })
  const { s } = client(t)
  const r = await s.get(`${base(server)}/slow`, { timeout: { read: 1000 } })
  t.equal(r.text, 'ok')
  await nextWorks(t, s, server)
})

t.test('a body that stalls is a ReadTimeout (READ_TIMEOUT), never a short body', async t => {
  const server = await rawServer(t, { handler: hostile(socket => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789') }) })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 200 }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'READ_TIMEOUT')
  await cleanedUp(t, s, adapter, server)
})

t.test('a chunked body that stalls is a ReadTimeout (READ_TIMEOUT)', async t => {
  const server = await rawServer(t, { handler: hostile(socket => { socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n') }) })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 200 }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)})`)
  t.equal(err.code, 'READ_TIMEOUT')
  await cleanedUp(t, s, adapter, server)
})

t.test('a streamed body that stalls fails the iteration with a ReadTimeout', async t => {
  const server = await rawServer(t, { handler: hostile(socket => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789') }) })
  const { s, adapter } = client(t)
  const got: Buffer[] = []
  const err = await rejection((async () => {
    const r = await s.get(`${base(server)}/bad`, { stream: true, timeout: 200 })
    for await (const chunk of r.iterContent()) got.push(chunk)
    return r
  })())
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)})`)
  t.equal(err.code, 'READ_TIMEOUT')
  t.equal(Buffer.concat(got).toString(), '0123456789', 'what arrived was delivered, and nothing more')
  await cleanedUp(t, s, adapter, server)
})

t.test('a body trickled forever beats the read timeout but not the total: TOTAL_TIMEOUT', async t => {
  const server = await rawServer(t, {
    handler: hostile(socket => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n')
      trickle(socket, Buffer.alloc(1_000_000, 'x'), 10)
    }),
  })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: { read: 250, total: 400 } }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'TOTAL_TIMEOUT')
  await cleanedUp(t, s, adapter, server)
})

t.test('a timeout on a warmed keep-alive connection frees the slot for a blocking pool of one', async t => {
  const server = await rawServer(t, { handler: hostile(() => {}) })
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true, poolTimeout: 2000 })
  await nextWorks(t, s, server)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 150 }))
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)})`)
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  await nextWorks(t, s, server)
  t.equal(totals(adapter).open, 1)
})

t.test('requests queued behind a hung one in a blocking pool of one get their turn once it times out', async t => {
  const server = await rawServer(t, { handler: hostile(() => {}) })
  const { s, adapter } = client(t, { poolMaxSize: 1, poolBlock: true, poolTimeout: 5000 })
  const hung = rejection(s.get(`${base(server)}/bad`, { timeout: 200 }))
  const queued = [1, 2, 3].map(() => s.get(`${base(server)}/after`, { timeout: 5000 }))
  const err = await hung
  t.ok(err instanceof ReadTimeout, `a ReadTimeout (got ${className(err)})`)
  const rs = await Promise.all(queued)
  t.same(rs.map(r => r.text), ['after-ok', 'after-ok', 'after-ok'])
  t.same(await settled(adapter), { busy: 0, queued: 0 })
})

t.test('a name lookup that never answers is a ConnectTimeout', async t => {
  const pending: (() => void)[] = []
  const never: LookupFunction = (_hostname, _options, callback) => {
    // Never answers; the callback is dropped at teardown.
    pending.push(() => callback(Object.assign(new Error('teardown'), { code: 'ECANCELLED' }), '', 4))
  }
  const server = await rawServer(t)
  const { s, adapter } = client(t, { lookup: never })
  const err = await rejection(s.get(`http://never.test:${server.port}/`, { timeout: { connect: 200, read: 1000 } }))
  t.ok(err instanceof ConnectTimeout, `a ConnectTimeout (got ${className(err)}: ${err.message})`)
  t.ok(err instanceof ConnectionError && err instanceof Timeout)
  t.equal(server.accepted, 0)
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.equal(totals(adapter).open, 0)
  for (const p of pending) p()
})
