// A socket that went idle in this turn of the event loop is written to only after a poll phase
// (lib/pool/poll-fence.ts): bytes or a close the server sent meanwhile, already in the kernel but
// not yet read by Node, are seen first, and the request goes to a fresh connection instead of
// taking them as its answer. Also here: a socket paused by a slow reader as its body ended reads
// again once idle.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { afterPoll, idleMark, polledSince } from '../../lib/pool/poll-fence.js'
import { response } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send, totals } from './fixtures/helpers.js'

const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

t.test('a mark is passed only after the loop has polled, and held writes run then, in order', async t => {
  const mark = idleMark()
  t.notOk(polledSince(mark), 'not in the turn it was taken')
  const ran: number[] = []
  afterPoll(mark, () => ran.push(1))
  afterPoll(mark, () => ran.push(2))
  t.same(ran, [], 'nothing runs at once')
  await turn()
  t.notOk(polledSince(mark), 'not after this turn\'s check phase alone')
  for (let i = 0; i < 3 && !polledSince(mark); i++) await turn()
  t.ok(polledSince(mark), 'passed within three turns')
  t.same(ran, [1, 2], 'the held writes ran, in the order they came')
})

/** A server that answers every request with its target and hands the test each socket it answered on. */
async function echoServer(t: Test) {
  const sockets: Socket[] = []
  const server = await rawServer(t, {
    handler: (req, socket) => {
      sockets.push(socket)
      socket.write(response(200, `own:${req.target}`))
    },
  })
  return { server, sockets }
}

const FORGED = response(200, 'forged')

t.test('a response forged onto a socket as it went idle is never read as the next request\'s answer', async t => {
  const { server, sockets } = await echoServer(t)
  const m = manager(t)
  const wrong: string[] = []
  for (let i = 0; i < 10; i++) {
    await fetchText(m, server, '/first')
    // Written now, in this turn: in the client's receive buffer before its next request goes out.
    sockets.at(-1)!.write(FORGED)
    const { text } = await fetchText(m, server, `/n${i}`)
    if (text !== `own:/n${i}`) wrong.push(`/n${i} got ${text}`)
  }
  t.same(wrong, [], 'every request got its own response')
  t.equal(server.accepted, 11, 'each forged socket was dropped and its request sent on a new one')
  t.equal(server.requests.length, 20, 'no request was written to a forged socket')
})

t.test('requests pipelined behind one held for the poll are written after it, and none takes forged bytes', async t => {
  const { server, sockets } = await echoServer(t)
  const m = manager(t, { maxSize: 1, pipelining: 3 })
  await fetchText(m, server, '/first')
  await fetchText(m, server, '/second') // a connection that has carried a response accepts requests behind
  sockets.at(-1)!.write(FORGED)
  const texts = await Promise.all(['/a', '/b', '/c'].map(async target => (await fetchText(m, server, target)).text))
  t.same(texts, ['own:/a', 'own:/b', 'own:/c'], 'each got its own response')
  t.same(server.requests.slice(2).map(r => r.target), ['/a', '/b', '/c'], 'written once each, in order, after the forged socket was dropped')
  t.notOk(server.requests.slice(2).some(r => r.connection === 1), 'none on the forged socket')
})

t.test('aborting a held request with others pipelined behind it sends those on a fresh connection', async t => {
  const { server } = await echoServer(t)
  const m = manager(t, { maxSize: 1, pipelining: 3 })
  await fetchText(m, server, '/first')
  await fetchText(m, server, '/second')
  const controller = new AbortController()
  const head = send(m, server, '/aborted', { signal: controller.signal })
  const behind = ['/b', '/c'].map(async target => (await fetchText(m, server, target)).text)
  controller.abort(new Error('changed my mind'))
  t.equal((await rejection(head)).message, 'changed my mind')
  t.same(await Promise.all(behind), ['own:/b', 'own:/c'])
  t.notOk(server.requests.some(r => r.target === '/aborted'), 'the aborted request was never written')
})

t.test('a POST taken for a socket the server closed in that turn goes out once, on a fresh connection', async t => {
  const { server, sockets } = await echoServer(t)
  const m = manager(t)
  await fetchText(m, server, '/first')
  sockets.at(-1)!.end()
  const { res, text } = await fetchText(m, server, '/post', { method: 'POST', body: Buffer.from('once'), headers: ['Content-Length', '4'] })
  t.equal(text, 'own:/post')
  t.equal(res.reused, false, 'answered on a new connection')
  t.same(server.requests.map(r => r.target), ['/first', '/post'], 'the POST reached the server once')
})

t.test('aborting a request held for the poll writes nothing and leaves the connection idle for the next', async t => {
  const { server } = await echoServer(t)
  const m = manager(t)
  await fetchText(m, server, '/first')
  const controller = new AbortController()
  const held = send(m, server, '/aborted', { signal: controller.signal })
  controller.abort(new Error('changed my mind'))
  t.equal((await rejection(held)).message, 'changed my mind')
  t.same(totals(m), { open: 1, idle: 1, busy: 0, queued: 0 }, 'the connection is idle again')
  const { res, text } = await fetchText(m, server, '/next')
  t.equal(text, 'own:/next')
  t.equal(res.reused, true, 'on the same connection')
  t.same(server.requests.map(r => r.target), ['/first', '/next'], 'the aborted request never reached the server')
})

t.test('a socket paused by an unread body as it ended reads again once idle', async t => {
  // 1 MiB of body fills the unread body's buffer to its high-water mark; the last 100 bytes,
  // sent later, cross it and end the message in the same read, so the socket is paused as the
  // connection goes idle. The next request on it must still get its answer.
  const MiB = 1024 * 1024
  const server = await rawServer(t, {
    handler: async (req, socket) => {
      if (req.target !== '/big') {
        socket.write(response(200, `own:${req.target}`))
        return
      }
      const whole = response(200, Buffer.alloc(MiB + 100, 97))
      socket.write(whole.subarray(0, whole.length - 100))
      await new Promise(resolve => setTimeout(resolve, 100))
      socket.write(whole.subarray(whole.length - 100))
    },
  })
  const m = manager(t)
  const big = await send(m, server, '/big')
  await server.waitFor(() => totals(m).idle === 1, 5000, 'the connection idle')
  const { res, text } = await fetchText(m, server, '/small', { timeout: { read: 2000 } })
  t.equal(text, 'own:/small')
  t.equal(res.reused, true, 'on the connection the body paused')
  t.equal((await big.body.collect()).length, MiB + 100, 'the first body is whole')
})

t.test('a request pipelined behind a held one and aborted before it was written never reaches the server', async t => {
  const { server } = await echoServer(t)
  const m = manager(t, { maxSize: 1, pipelining: 2 })
  await fetchText(m, server, '/a')
  await fetchText(m, server, '/b') // a connection that has carried a response accepts one behind
  const x = fetchText(m, server, '/x') // held for the poll
  const controller = new AbortController()
  const y = send(m, server, '/y', { signal: controller.signal }) // pipelined behind /x, unwritten
  controller.abort(new Error('changed my mind'))
  t.equal((await rejection(y)).message, 'changed my mind')
  t.equal((await x).text, 'own:/x')
  t.same(server.requests.map(r => r.target), ['/a', '/b', '/x'], '/y was never written')
})

t.test('with pipelining, a body that paused the socket as it ended does not stall the response behind it', async t => {
  // /big ends in a chunk that crosses its unread body's high-water mark: the socket is paused as
  // the next response's turn comes, and that response must still be read.
  const MiB = 1024 * 1024
  // Answers go out in order.
  let bigSent: Promise<void> = Promise.resolve()
  const server = await rawServer(t, {
    handler: async (req, socket) => {
      if (req.target !== '/big') {
        // After /big's last bytes, and in a read of its own (they must not come in together).
        await bigSent
        setTimeout(() => socket.write(response(200, `own:${req.target}`)), 50)
        return
      }
      const whole = response(200, Buffer.alloc(MiB + 100, 97))
      socket.write(whole.subarray(0, whole.length - 100))
      bigSent = new Promise(resolve => setTimeout(() => {
        socket.write(whole.subarray(whole.length - 100))
        resolve()
      }, 100))
    },
  })
  const m = manager(t, { maxSize: 1, pipelining: 2 })
  await fetchText(m, server, '/warm')
  const big = await send(m, server, '/big')
  const next = await fetchText(m, server, '/next', { timeout: { total: 3000 } })
  t.equal(next.text, 'own:/next', 'answered while the big body is still unread')
  t.equal((await big.body.collect()).length, MiB + 100)
})
