// The raw server the pool suite relies on, checked with a bare net client: if it misreads a
// request, every pool test built on it would prove nothing.

import t from 'tap'
import * as net from 'node:net'
import { once } from 'node:events'
import { chunkedResponse, hangUp, response, startRawServer, type RawServer } from '../support/raw-server.js'

async function connect(server: RawServer): Promise<net.Socket> {
  const socket = net.connect(server.port, '127.0.0.1')
  await once(socket, 'connect')
  return socket
}

function readAll(socket: net.Socket): Promise<string> {
  const parts: Buffer[] = []
  socket.on('data', (chunk: Buffer) => parts.push(chunk))
  return new Promise(resolve => socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1'))))
}

t.test('it records requests with Content-Length and chunked bodies, per connection, and answers each', async t => {
  const server = await startRawServer({
    handler: (req, socket) => { socket.write(response(200, req.body)) },
  })
  t.teardown(() => server.close())
  const a = await connect(server)
  const textA = readAll(a)
  a.write('POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel')
  a.write('lo')
  a.write('PUT /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n')
  a.write('GET /three HTTP/1.1\r\nHost: x\r\n\r\n')
  await server.waitFor(() => server.requests.length === 3 && server.requests.every(r => r.complete))
  const b = await connect(server)
  const textB = readAll(b)
  b.write('GET /four HTTP/1.1\r\nHost: x\r\n\r\n')
  await server.waitFor(() => server.requests.length === 4)

  t.equal(server.accepted, 2)
  t.same(server.requests.map(r => [r.method, r.target, r.connection, r.indexOnConnection]), [
    ['POST', '/one', 1, 0], ['PUT', '/two', 1, 1], ['GET', '/three', 1, 2], ['GET', '/four', 2, 0],
  ])
  t.equal(server.requests[0]?.body.toString(), 'hello')
  t.equal(server.requests[1]?.body.toString(), 'abcde')
  t.equal(server.requests[1]?.chunked, true)
  t.equal(server.requests[0]?.header('content-length'), '5')
  t.equal(server.requests[0]?.head.toString('latin1'), 'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n')
  t.same(server.garbage, [])

  a.end()
  b.end()
  t.equal(await textA, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' + 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde' + 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
  t.equal(await textB, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
  await server.waitFor(() => server.open === 0)
})

t.test('onHead can answer an Expect: 100-continue with a final status and skip the body', async t => {
  const server = await startRawServer({
    onHead: (req, socket, ctx) => {
      if (req.header('expect') === undefined) return
      socket.write(response(417))
      ctx.skipBody()
    },
  })
  t.teardown(() => server.close())
  const a = await connect(server)
  const text = readAll(a)
  a.write('POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nGET /y HTTP/1.1\r\n\r\n')
  await server.waitFor(() => server.requests.length === 2)
  a.end()
  t.equal(await text, 'HTTP/1.1 417 Status\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  t.same(server.requests.map(r => r.target), ['/x', '/y'])
})

t.test('a request arriving after the server ended its side is recorded and never answered', async t => {
  const server = await startRawServer({
    handler: (_req, socket) => { socket.end(response(200, 'ok')) },
  })
  t.teardown(() => server.close())
  const a = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true })
  await once(a, 'connect')
  const text = readAll(a)
  a.write('GET /1 HTTP/1.1\r\n\r\n')
  await once(a, 'end')
  a.end('GET /2 HTTP/1.1\r\n\r\n')
  t.equal(await text, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  await server.waitFor(() => server.requests.length === 2)
  t.same(server.requests.map(r => r.afterClose), [false, true])
  t.equal(server.connections[0]?.serverClosed, true)
})

t.test('chunkedResponse, hangUp and close() behave', async t => {
  const server = await startRawServer({
    handler: (req, socket) => {
      if (req.target === '/rst') hangUp(socket, 'rst')
      else socket.write(chunkedResponse(200, ['ab', '', 'c'], ['X-T: 1']))
    },
  })
  const a = await connect(server)
  const text = readAll(a)
  a.write('GET / HTTP/1.1\r\n\r\n')
  await server.waitFor(() => server.requests.length === 1)
  const b = await connect(server)
  const errored = once(b, 'error')
  b.write('GET /rst HTTP/1.1\r\n\r\n')
  const [err] = await errored as [NodeJS.ErrnoException]
  t.equal(err.code, 'ECONNRESET')
  await server.close()
  t.equal(await text, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\nX-T: 1\r\n\r\n')
  t.equal(server.open, 0)
  t.equal(server.accepted, 2)
})

t.test('waitFor rejects after its bound instead of hanging', async t => {
  const server = await startRawServer()
  t.teardown(() => server.close())
  await t.rejects(server.waitFor(() => false, 50, 'never'))
})
