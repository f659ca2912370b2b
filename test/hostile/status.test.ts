// Status codes that change framing, through the whole stack: interim 1xx before the final
// response, a 101 nobody asked for, and HEAD/204/304 answers that carry a length but (rightly) no
// body. The final response is read correctly, and the next request on the same connection works.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { ProtocolError, type Session } from '../../lib/index.js'
import type { RawServer } from '../support/raw-server.js'
import { base, className, client, connectionOf, hostile, nextWorks, rawServer, rejection } from './helpers.js'

t.setTimeout(60_000)

interface Case {
  name: string
  method?: 'GET' | 'HEAD'
  answer: string
  status: number
  body: string
  /** A header the final response must carry. */
  header?: [string, string]
}

const cases: Case[] = [
  { name: 'a 100 Continue before the final response is skipped', answer: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', status: 200, body: 'hello' },
  { name: 'a 103 Early Hints with fields before the final response is skipped', answer: 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nhello', status: 200, body: 'hello', header: ['X-Final', 'yes'] },
  { name: '100, 102 and 103 in a row before the final response are skipped', answer: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', status: 201, body: 'ok' },
  { name: 'a 1xx with a Content-Length has no body', answer: 'HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', status: 200, body: 'hello' },
  { name: 'fields of a 1xx do not leak into the final response', answer: 'HTTP/1.1 103 Early Hints\r\nX-Early: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', status: 200, body: 'ok' },
  { name: 'a HEAD answered with a Content-Length has no body', method: 'HEAD', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', status: 200, body: '' },
  { name: 'a HEAD answered with Transfer-Encoding: chunked has no body', method: 'HEAD', answer: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', status: 200, body: '' },
  { name: 'a 204 with a Content-Length has no body', answer: 'HTTP/1.1 204 No Content\r\nContent-Length: 100\r\n\r\n', status: 204, body: '' },
  { name: 'a 204 with Transfer-Encoding: chunked has no body', answer: 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n', status: 204, body: '' },
  { name: 'a 304 with a Content-Length has no body', answer: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: "x"\r\n\r\n', status: 304, body: '' },
  { name: 'a 304 with Transfer-Encoding: chunked has no body', answer: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n', status: 304, body: '' },
  { name: 'a 200 with Content-Length: 0 has an empty body', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', status: 200, body: '' },
]

async function send(s: Session, server: RawServer, method: 'GET' | 'HEAD', target: string) {
  return method === 'HEAD'
    ? s.head(`${base(server)}${target}`, { timeout: 5000 })
    : s.get(`${base(server)}${target}`, { timeout: 5000 })
}

for (const c of cases) {
  t.test(`${c.name}, and the next request on the same connection works`, async (t: Test) => {
    const server = await rawServer(t, { handler: hostile((socket: Socket) => { socket.write(c.answer) }) })
    const { s } = client(t)
    const r = await send(s, server, c.method ?? 'GET', '/bad')
    t.equal(r.statusCode, c.status)
    t.equal(r.content.toString('latin1'), c.body)
    if (c.header !== undefined) t.equal(r.headers.get(c.header[0]), c.header[1])
    t.equal(r.headers.has('X-Early'), false, 'no interim field in the final head')
    t.equal(r.headers.has('Link'), false, 'no interim Link in the final head')
    await nextWorks(t, s, server)
    t.equal(connectionOf(server, '/after'), connectionOf(server, '/bad'), 'the same connection carried the next request')
    t.equal(server.accepted, 1)
  })
}

t.test('a 101 Switching Protocols nobody asked for is a ProtocolError and the connection is not reused', async t => {
  const server = await rawServer(t, {
    handler: hostile(socket => { socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello') }),
  })
  const { s } = client(t)
  await nextWorks(t, s, server)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 5000 }))
  t.ok(err instanceof ProtocolError, `a ProtocolError (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'UNEXPECTED_UPGRADE')
  await nextWorks(t, s, server)
  t.not(connectionOf(server, '/after'), 1, 'not reused')
})

t.test('a 101 without Upgrade fields is a ProtocolError too', async t => {
  const server = await rawServer(t, { handler: hostile(socket => { socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\n') }) })
  const { s } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 5000 }))
  t.ok(err instanceof ProtocolError, `a ProtocolError (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'UNEXPECTED_UPGRADE')
  await nextWorks(t, s, server)
})

t.test('a HEAD answer followed by the bytes of a body it should not have: the bytes are not the next response', async t => {
  // The server wrongly sends a body after the HEAD answer. Those bytes must never be read as the
  // answer to the next request.
  const server = await rawServer(t, {
    handler: hostile(socket => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad') }),
  })
  const { s } = client(t)
  const r = await s.head(`${base(server)}/bad`, { timeout: 5000 })
  t.equal(r.statusCode, 200)
  t.equal(r.content.length, 0)
  await nextWorks(t, s, server)
})

t.test('a 204 followed by the bytes of a body it should not have: the bytes are not the next response', async t => {
  const server = await rawServer(t, {
    handler: hostile(socket => { socket.write('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad') }),
  })
  const { s } = client(t)
  const r = await s.get(`${base(server)}/bad`, { timeout: 5000 })
  t.equal(r.statusCode, 204)
  t.equal(r.content.length, 0)
  await nextWorks(t, s, server)
})
