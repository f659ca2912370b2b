// Bytes the client never asked for: after a complete response (in the same packet or later), or
// sent to an idle pooled socket. Whatever they look like (garbage, a whole forged response), they
// are never taken as the answer to the next request: the socket is discarded and the next request
// gets its own response on a new connection.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { response } from '../support/raw-server.js'
import { base, client, connectionOf, hostile, nextWorks, rawServer, totals } from './helpers.js'

t.setTimeout(60_000)

const FORGED = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged'

interface Case {
  name: string
  bad: (socket: Socket) => void
}

const later = (bytes: string, ms = 30) => (socket: Socket): void => {
  socket.write(response(200, 'first'))
  setTimeout(() => { if (!socket.destroyed) socket.write(bytes) }, ms)
}

const cases: Case[] = [
  { name: 'garbage in the same packet as a Content-Length response', bad: socket => { socket.write(Buffer.concat([response(200, 'first'), Buffer.from('garbage')])) } },
  { name: 'a forged response in the same packet as a Content-Length response', bad: socket => { socket.write(Buffer.concat([response(200, 'first'), Buffer.from(FORGED)])) } },
  { name: 'a forged response right after a chunked response', bad: socket => { socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n${FORGED}`) } },
  { name: 'more body bytes than the Content-Length', bad: socket => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst and more') } },
  { name: 'garbage sent to the idle socket after the response', bad: later('garbage') },
  { name: 'a forged response sent to the idle socket after the response', bad: later(FORGED) },
  { name: 'a single byte sent to the idle socket after the response', bad: later('H') },
  { name: 'a 100 Continue sent to the idle socket after the response', bad: later('HTTP/1.1 100 Continue\r\n\r\n') },
]

async function check(t: Test, c: Case): Promise<void> {
  const server = await rawServer(t, { handler: hostile(c.bad) })
  const { s, adapter } = client(t)
  const r = await s.get(`${base(server)}/first`, { timeout: 5000 })
  t.equal(r.statusCode, 200)
  t.equal(r.text, 'first', 'the first response is read to its own end')
  // Let the late bytes land on the idle socket.
  await new Promise(resolve => setTimeout(resolve, 80))
  await nextWorks(t, s, server)
  t.equal(connectionOf(server, '/first'), 1)
  t.equal(connectionOf(server, '/after'), 2, 'the tainted socket was discarded: a new connection')
  t.equal(server.connections[0]?.requests.length, 1, 'nothing else was sent on the tainted socket')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the tainted socket to close')
  t.equal(totals(adapter).open, 1, 'only the new connection is open')
}

for (const c of cases) {
  t.test(`${c.name}: the socket is discarded and the next request gets its own response`, t => check(t, c))
}

async function forgedRace(t: Test, delay: number): Promise<string[]> {
  let first: Socket | undefined
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/first') { first = socket; socket.write(response(200, 'first')); return }
      socket.write(response(200, `own:${req.target}`))
    },
  })
  const { s } = client(t)
  const wrong: string[] = []
  for (let i = 0; i < 10; i++) {
    await s.get(`${base(server)}/first`, { timeout: 5000 })
    first?.write(FORGED)
    if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay))
    const r = await s.get(`${base(server)}/n${i}`, { timeout: 5000 })
    if (r.text !== `own:/n${i}`) wrong.push(`/n${i} got ${JSON.stringify(r.text)}`)
  }
  return wrong
}

t.test('a forged response sent to an idle socket a moment before the next request is never read as its answer', async t => {
  t.same(await forgedRace(t, 5), [], 'every request got its own response')
})

t.test('a forged response already in the kernel buffer, unread, when the next request is sent is never read as its answer', async t => {
  // As a server does that sends 408 on an idle keep-alive connection: the bytes are in the
  // client's receive buffer, only not yet read by Node, when the request is written.
  t.same(await forgedRace(t, 0), [], 'every request got its own response')
})

t.test('a stray CRLF after a response does not break the next request', async t => {
  const server = await rawServer(t, { handler: hostile(socket => { socket.write(Buffer.concat([response(200, 'first'), Buffer.from('\r\n')])) }) })
  const { s } = client(t)
  const r = await s.get(`${base(server)}/first`, { timeout: 5000 })
  t.equal(r.text, 'first')
  await nextWorks(t, s, server)
})
