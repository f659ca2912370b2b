// A server that dies at a chosen moment: before the head, in the middle of it, in the middle of
// the body, by FIN or by RST. Each becomes a typed error naming the phase, a short body is a
// ChunkedEncodingError, and the broken connection is never handed out again.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { ChunkedEncodingError, ConnectionError, ProtocolError } from '../../lib/errors.js'
import { PoolManager } from '../../lib/pool/index.js'
import { response, startRawServer, type RawServer } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, settledTotals } from './fixtures/helpers.js'

/** The next request goes on a new connection and succeeds; the broken one is gone. */
async function notReused(t: Test, m: PoolManager, server: RawServer): Promise<void> {
  const after = await fetchText(m, server, '/after')
  t.equal(after.text, 'ok', 'the next request succeeds')
  t.equal(after.res.reused, false, 'on a new connection')
  t.equal(server.requests.at(-1)?.connection, server.accepted, 'the server saw it on its newest connection')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the broken connection to close')
  t.same(await settledTotals(m, { open: 1, idle: 1, busy: 0 }), { open: 1, idle: 1, busy: 0, queued: 0 })
}

/** Answers /after with "ok"; everything else with `kill`. */
function killer(kill: (socket: Socket) => void) {
  return (req: { target: string }, socket: Socket): void => {
    if (req.target === '/after') socket.write(response(200, 'ok'))
    else kill(socket)
  }
}

const cases: { name: string; how: 'fin' | 'rst'; bytes: string }[] = [
  { name: 'before the head', how: 'fin', bytes: '' },
  { name: 'before the head', how: 'rst', bytes: '' },
  { name: 'in the middle of the head', how: 'fin', bytes: 'HTTP/1.1 200 OK\r\nContent-Le' },
  { name: 'in the middle of the head', how: 'rst', bytes: 'HTTP/1.1 200 OK\r\nContent-Le' },
]

for (const c of cases) {
  t.test(`a server that ${c.how === 'fin' ? 'closes' : 'resets'} the connection ${c.name} fails the request in phase head`, async t => {
    const server = await rawServer(t, {
      handler: killer(socket => {
        if (c.bytes !== '') socket.write(c.bytes)
        // Let the partial head reach the client before the RST, which would discard it.
        if (c.how === 'fin') socket.end()
        else setTimeout(() => socket.resetAndDestroy(), 20)
      }),
    })
    const m = manager(t)
    const err = await rejection(send(m, server, '/die'))
    t.type(err, ConnectionError)
    t.equal((err as ConnectionError).phase, 'head')
    if (c.how === 'rst') t.equal((err as ConnectionError).code, 'ECONNRESET')
    t.equal(server.requests.filter(r => r.target === '/die').length, 1, 'not retried: the connection was new')
    await notReused(t, m, server)
  })
}

t.test('a body cut short by a FIN is a ChunkedEncodingError and the connection is not reused', async t => {
  const server = await rawServer(t, {
    handler: killer(socket => { socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789') }),
  })
  const m = manager(t)
  const res = await send(m, server, '/die')
  t.equal(res.status, 200)
  const err = await rejection(res.body.collect())
  t.type(err, ChunkedEncodingError)
  t.equal((err as ChunkedEncodingError).code, 'PREMATURE_EOF')
  t.equal(res.body.complete, false)
  await notReused(t, m, server)
})

t.test('a chunked body cut short by a FIN is a ChunkedEncodingError', async t => {
  const server = await rawServer(t, {
    handler: killer(socket => { socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n5\r\nab') }),
  })
  const m = manager(t)
  const res = await send(m, server, '/die')
  const seen: Buffer[] = []
  const err = await rejection((async () => { for await (const chunk of res.body) seen.push(chunk) })())
  t.type(err, ChunkedEncodingError)
  t.ok(Buffer.concat(seen).toString().startsWith('0123456789'), 'the bytes before the cut were delivered')
  await notReused(t, m, server)
})

t.test('a body cut short by a RST is a ChunkedEncodingError (ECONNRESET) and the connection is not reused', async t => {
  let victim: Socket | undefined
  const server = await rawServer(t, {
    handler: killer(socket => {
      victim = socket
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789')
    }),
  })
  const m = manager(t)
  const res = await send(m, server, '/die')
  victim?.resetAndDestroy()
  const err = await rejection(res.body.collect())
  t.type(err, ChunkedEncodingError, 'the body is cut short, as by a FIN')
  t.equal((err as ChunkedEncodingError).code, 'ECONNRESET')
  t.match(err.message, /while reading the response body, which is cut short/)
  await notReused(t, m, server)
})

t.test('a response with both Content-Length and Transfer-Encoding is a ProtocolError and its connection is closed', async t => {
  const server = await rawServer(t, {
    handler: killer(socket => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')
    }),
  })
  const m = manager(t)
  const err = await rejection(send(m, server, '/die'))
  t.type(err, ProtocolError)
  t.equal((err as ProtocolError).code, 'CONFLICTING_FRAMING')
  t.equal(server.connections[0]?.serverClosed, false, 'the server left it open')
  await notReused(t, m, server)
})

t.test('a server that resets the connection while a streamed body is being sent fails the request in phase write', async t => {
  const server = await rawServer(t, {
    onHead: (req, socket) => { if (req.target === '/upload') setTimeout(() => socket.resetAndDestroy(), 20) },
    handler: killer(() => undefined),
  })
  const m = manager(t)
  // An endless body, paced by backpressure.
  let produced = 0
  const body = new Readable({
    read () {
      produced++
      if (produced > 100_000) this.push(null)
      else this.push(Buffer.alloc(16 * 1024, 97))
    },
  })
  const err = await rejection(send(m, server, '/upload', { method: 'POST', body }))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).phase, 'write')
  t.ok(['ECONNRESET', 'EPIPE'].includes((err as ConnectionError).code ?? ''), `code ${String((err as ConnectionError).code)}`)
  await notReused(t, m, server)
})

t.test('a closed port is ECONNREFUSED in phase connect', async t => {
  const gone = await startRawServer()
  const { port } = gone
  await gone.close()
  const m = manager(t)
  const err = await rejection(m.request({ origin: { scheme: 'http', hostname: '127.0.0.1', port }, method: 'GET', target: '/', headers: [] }))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).phase, 'connect')
  t.equal((err as ConnectionError).code, 'ECONNREFUSED')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
})
