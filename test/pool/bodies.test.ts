// Bodies both ways. Requests: small ones with Content-Length in the head's write, streams and
// iterables chunked, a declared length enforced, Expect: 100-continue. Responses: collect(),
// iteration, dump() that keeps the connection, destroy() that drops it.

import t from 'tap'
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { RequestException } from '../../lib/errors.js'
import { chunkedResponse, response } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, settledTotals } from './fixtures/helpers.js'

/** Echoes the request body. */
const echo = (req: { body: Buffer }, socket: Socket): void => { socket.write(response(200, req.body)) }

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test('a Buffer body goes with Content-Length in the same write as the head', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const { text } = await fetchText(m, server, '/', { method: 'POST', body: Buffer.from('hello world') })
  t.equal(text, 'hello world')
  const [req] = server.requests
  t.equal(req?.header('content-length'), '11')
  t.equal(req?.header('transfer-encoding'), undefined)
  t.equal(req?.packets, 1, 'head and body arrived in one segment')
})

t.test('a string body is sent as UTF-8 with its byte length', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const body = 'héllo → wörld'
  await fetchText(m, server, '/', { method: 'PUT', body })
  const [req] = server.requests
  t.equal(req?.header('content-length'), String(Buffer.byteLength(body)))
  t.equal(req?.body.toString('utf8'), body)
  t.equal(req?.packets, 1)
})

t.test('a Readable without a length is sent chunked, byte for byte', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const parts = [Buffer.from('first,'), Buffer.alloc(70_000, 120), Buffer.from(''), Buffer.from('last')]
  const { text } = await fetchText(m, server, '/', { method: 'POST', body: Readable.from(parts) })
  const [req] = server.requests
  t.equal(req?.chunked, true)
  t.equal(req?.header('content-length'), undefined)
  t.equal(sha(req?.body ?? Buffer.alloc(0)), sha(Buffer.concat(parts)))
  t.equal(text.length, 6 + 70_000 + 4)
})

t.test('a Readable fed over time is sent as it comes', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const body = new PassThrough()
  const pending = fetchText(m, server, '/', { method: 'POST', body })
  body.write('one,')
  await server.waitFor(() => server.requests[0] !== undefined && server.requests[0].body.toString() === 'one,', 5000, 'the first chunk to arrive alone')
  body.end('two')
  const { text } = await pending
  t.equal(text, 'one,two')
})

t.test('an async iterable is sent chunked, strings as UTF-8', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  async function * gen (): AsyncGenerator<Uint8Array | string> {
    yield 'ä'
    yield new Uint8Array([1, 2, 3])
    await new Promise(resolve => setImmediate(resolve))
    yield Buffer.from('end')
  }
  await fetchText(m, server, '/', { method: 'POST', body: gen() })
  const [req] = server.requests
  t.equal(req?.chunked, true)
  t.same([...(req?.body ?? [])], [...Buffer.concat([Buffer.from('ä'), Buffer.from([1, 2, 3]), Buffer.from('end')])])
})

t.test('a sync iterable is sent chunked', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  function * gen (): Generator<string> { yield 'a'; yield 'bc' }
  const { text } = await fetchText(m, server, '/', { method: 'POST', body: gen() })
  t.equal(text, 'abc')
  t.equal(server.requests[0]?.chunked, true)
})

t.test('a Readable with a declared Content-Length is sent with that length, not chunked', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const { text } = await fetchText(m, server, '/', {
    method: 'POST', headers: ['Content-Length', '6'], body: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
  })
  t.equal(text, 'abcdef')
  t.equal(server.requests[0]?.chunked, false)
  t.equal(server.requests[0]?.header('content-length'), '6')
})

t.test('a Readable that delivers fewer bytes than its Content-Length fails and its connection is not reused', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  await fetchText(m, server, '/warm')
  const err = await rejection(send(m, server, '/short', {
    method: 'POST', headers: ['Content-Length', '10'], body: Readable.from([Buffer.from('12345')]),
  }))
  t.type(err, RequestException)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the connection to close')
  t.equal(server.requests.find(r => r.target === '/short')?.complete, false, 'the server never got a whole request')
  const after = await fetchText(m, server, '/after')
  t.equal(after.res.reused, false)
  t.equal(server.accepted, 2)
})

t.test('a Readable that delivers more bytes than its Content-Length fails and the extra bytes never reach the server', async t => {
  const server = await rawServer(t, { handler: echo })
  const m = manager(t)
  const outcome = await fetchText(m, server, '/long', {
    method: 'POST', headers: ['Content-Length', '3'], body: Readable.from([Buffer.from('abc'), Buffer.from('GET /smuggled HTTP/1.1\r\n\r\n')]),
  }).then(r => r.text, (err: unknown) => err)
  t.type(outcome, RequestException, 'the request failed')
  await m.close()
  await server.waitFor(() => server.open === 0, 5000, 'the connection to close')
  t.same(server.requests.map(r => r.target), ['/long'], 'nothing past the declared length was read as a request')
  t.same(server.garbage, [])
})

t.test('a 4 MiB Readable upload arrives intact', async t => {
  const server = await rawServer(t, { handler: (req, socket) => { socket.write(response(200, sha(req.body))) } })
  const m = manager(t)
  const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(64 * 1024, i))
  const { text } = await fetchText(m, server, '/', { method: 'POST', body: Readable.from(chunks) })
  t.equal(text, sha(Buffer.concat(chunks)))
})

t.test('Expect: 100-continue holds the body until the server sends 100', async t => {
  let early = -1
  const server = await rawServer(t, {
    onHead: (req, socket, ctx) => {
      if (req.header('expect') === undefined) return
      // Give a client that would not wait the time to send its body, then check it did not.
      setTimeout(() => {
        early = ctx.connection.bytesReceived - req.head.length
        socket.write('HTTP/1.1 100 Continue\r\n\r\n')
      }, 30)
    },
    handler: echo,
  })
  const m = manager(t)
  const { res, text } = await fetchText(m, server, '/', {
    method: 'POST', headers: ['Expect', '100-continue'], body: Buffer.from('the body'),
  })
  t.equal(early, 0, 'no body byte before the 100')
  t.equal(res.status, 200)
  t.equal(text, 'the body')
  t.same(res.interim.map(i => i.status), [100])
})

for (const status of [417, 401]) {
  t.test(`Expect: 100-continue answered directly with ${status} sends no body`, async t => {
    const server = await rawServer(t, {
      onHead: (req, socket, ctx) => {
        if (req.header('expect') === undefined) return
        socket.write(response(status, 'no'))
        ctx.skipBody()
      },
    })
    const m = manager(t)
    const { res, text } = await fetchText(m, server, '/', {
      method: 'POST', headers: ['Expect', '100-continue'], body: Buffer.alloc(1000, 98),
    })
    t.equal(res.status, status)
    t.equal(text, 'no')
    await m.close()
    await server.waitFor(() => server.open === 0, 5000, 'the connection to close')
    const conn = server.connections[0]
    t.equal(conn?.bytesReceived, server.requests[0]?.head.length, 'the server received the head and nothing more')
    t.same(server.garbage, [])
  })
}

t.test('collect() returns a 1 MiB body whole', async t => {
  const big = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255
  const server = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, big)) } })
  const m = manager(t)
  const res = await send(m, server)
  const got = await res.body.collect()
  t.equal(got.length, big.length)
  t.equal(sha(got), sha(big))
  t.equal(res.body.complete, true)
  t.same(await settledTotals(m, { idle: 1 }), { open: 1, idle: 1, busy: 0, queued: 0 }, 'back in the pool')
})

t.test('async iteration yields a chunked body and its trailers', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => { socket.write(chunkedResponse(200, ['abc', Buffer.alloc(5000, 100), 'xyz'], ['X-Sum: 42'])) },
  })
  const m = manager(t)
  const res = await send(m, server)
  t.equal(res.framing.kind, 'chunked')
  const parts: Buffer[] = []
  for await (const chunk of res.body) parts.push(chunk)
  const all = Buffer.concat(parts)
  t.equal(all.length, 5006)
  t.equal(all.subarray(0, 3).toString(), 'abc')
  t.equal(all.subarray(-3).toString(), 'xyz')
  t.same(res.body.trailers, ['X-Sum', '42'])
  t.equal(res.body.complete, true)
  const again = await fetchText(m, server)
  t.equal(again.res.reused, true)
})

t.test('dump() reads the rest away and the connection is reused', async t => {
  const server = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, Buffer.alloc(256 * 1024, 1))) } })
  const m = manager(t)
  const res = await send(m, server)
  await res.body.dump()
  t.equal(res.body.complete, true)
  const next = await send(m, server)
  t.equal(next.reused, true)
  await next.body.dump()
  t.equal(server.accepted, 1)
})

t.test('destroy() abandons the body and closes the connection', async t => {
  const server = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, Buffer.alloc(4 * 1024 * 1024, 1))) } })
  const m = manager(t)
  const res = await send(m, server)
  res.body.destroy()
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the connection to close')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
  const next = await send(m, server)
  t.equal(next.reused, false)
  next.body.destroy()
  t.equal(server.accepted, 2)
})

t.test('a body delimited by the close of the connection is read whole and the connection is not reused', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.connection === 1) socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end')
      else socket.write(response(200, 'ok'))
    },
  })
  const m = manager(t)
  const first = await fetchText(m, server)
  t.equal(first.text, 'until the end')
  t.equal(first.res.framing.kind, 'close')
  const second = await fetchText(m, server)
  t.equal(second.res.reused, false)
})

t.test('HEAD, 204 and 304 responses have no body and keep the connection', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.method === 'HEAD') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n')
      else if (req.target === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n')
      else socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n')
    },
  })
  const m = manager(t)
  const head = await fetchText(m, server, '/', { method: 'HEAD' })
  const noContent = await fetchText(m, server, '/204')
  const notModified = await fetchText(m, server, '/304')
  t.same([head.text, noContent.text, notModified.text], ['', '', ''])
  t.same([head.res.status, noContent.res.status, notModified.res.status], [200, 204, 304])
  t.equal(server.accepted, 1)
})
