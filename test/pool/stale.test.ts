// Stale keep-alive connections: the server closed a socket the pool still thinks is idle. The rule
// (issue 3, after Go's shouldRetryRequest): a request that fails on a REUSED connection before any
// response byte arrived is sent once more, on a fresh connection, if it is idempotent or if none of
// it was written; never otherwise. The server must see a written POST exactly once.

import t from 'tap'
import type { Socket } from 'node:net'
import { ConnectionError } from '../../lib/errors.js'
import { response, type RawRequest } from '../support/raw-server.js'
import { fetchText, manager, rawServer, rejection, send } from './fixtures/helpers.js'

const ROUNDS = 5
const PARALLEL = 16

t.test('GETs on sockets the server closes right after answering all succeed, 16 at a time over several rounds', async t => {
  // No Connection: close: the client believes each socket may be reused, then receives a FIN.
  const server = await rawServer(t, { handler: (req, socket) => { socket.end(response(200, req.target)) } })
  const m = manager(t)
  let failures = 0
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) =>
      fetchText(m, server, `/${round}/${i}`).then(({ text }) => text)))
    results.forEach((r, i) => {
      if (r.status === 'rejected' || r.value !== `/${round}/${i}`) {
        failures++
        t.fail(`round ${round} request ${i}: ${r.status === 'rejected' ? String(r.reason) : r.value}`)
      }
    })
  }
  t.equal(failures, 0, 'every GET succeeded')
  const stale = server.requests.filter(r => r.afterClose).length
  t.comment(`${stale} GETs were written to a socket the server had already closed`)
  t.equal(server.requests.length - stale, ROUNDS * PARALLEL, 'each GET was answered once')
})

for (const how of ['fin', 'rst'] as const) {
  t.test(`GETs on reused sockets the server ${how === 'fin' ? 'ends' : 'resets'} without answering are retried once on fresh connections, 16 at a time`, async t => {
    // Every connection answers its first request only.
    const server = await rawServer(t, {
      handler: (req, socket) => {
        if (req.indexOnConnection === 0) socket.write(response(200, req.target))
        else if (how === 'fin') socket.end()
        else socket.resetAndDestroy()
      },
    })
    const m = manager(t)
    for (let round = 0; round < 4; round++) {
      const results = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) =>
        fetchText(m, server, `/${round}/${i}`).then(({ text }) => text)))
      const bad = results.filter((r, i) => r.status === 'rejected' || r.value !== `/${round}/${i}`)
      t.same(bad, [], `round ${round}: every GET succeeded`)
    }
    let retried = 0
    for (let round = 1; round < 4; round++) {
      for (let i = 0; i < PARALLEL; i++) {
        // Either it went straight to a new connection, or to a reused one and then once to a fresh one.
        const copies = server.requests.filter(r => r.target === `/${round}/${i}`).map(r => r.indexOnConnection)
        if (copies.length === 2) retried++
        if (!(copies.length === 1 && copies[0] === 0) && !(copies.length === 2 && copies[0] === 1 && copies[1] === 0)) {
          t.fail(`/${round}/${i} went out as ${JSON.stringify(copies)} (position on its connection)`)
        }
      }
    }
    t.ok(retried > 0, `${retried} GETs met a stale socket and were retried`)
  })
}

t.test('the fresh connection a stale GET was retried on stays in the pool', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.connection === 1 && req.indexOnConnection === 1) socket.end()
      else socket.write(response(200, 'ok'))
    },
  })
  const m = manager(t, { maxSize: 1 })
  await fetchText(m, server, '/warm')
  const retried = await fetchText(m, server, '/stale')
  t.equal(retried.text, 'ok')
  t.same(server.requests.map(r => [r.target, r.connection]), [['/warm', 1], ['/stale', 1], ['/stale', 2]])
  const after = await fetchText(m, server, '/after')
  t.equal(after.res.reused, true, 'the next request reuses it')
  t.equal(server.accepted, 2, 'no third connection')
})

t.test('a GET whose retry fails too is not retried a second time', async t => {
  // Only the very first request is ever answered: the retry on the fresh connection is reset too.
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.index === 0) socket.write(response(200, 'ok'))
      else socket.resetAndDestroy()
    },
  })
  const m = manager(t)
  await fetchText(m, server, '/first')
  const err = await rejection(send(m, server, '/second'))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).code, 'ECONNRESET')
  t.equal(server.requests.filter(r => r.target === '/second').length, 2, 'sent twice: once on the stale socket, once on a fresh one')
  t.equal(server.accepted, 2)
})

t.test('a PUT with a Buffer body on a reused socket reset without an answer is sent again, whole', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.indexOnConnection === 0) socket.write(response(200, req.body))
      else socket.resetAndDestroy()
    },
  })
  const m = manager(t)
  await fetchText(m, server, '/warm')
  const { text } = await fetchText(m, server, '/put', { method: 'PUT', body: Buffer.from('payload') })
  t.equal(text, 'payload')
  const puts = server.requests.filter(r => r.method === 'PUT')
  t.same(puts.map(r => r.body.toString()), ['payload', 'payload'])
})

for (const how of ['fin', 'rst'] as const) {
  t.test(`POSTs written on reused sockets that the server ${how === 'fin' ? 'ends' : 'resets'} without answering fail and are never sent twice`, async t => {
    const server = await rawServer(t, {
      handler: (req, socket) => {
        if (req.method !== 'POST') socket.write(response(200, 'ok'))
        else if (how === 'fin') socket.end()
        else socket.resetAndDestroy()
      },
    })
    const m = manager(t, { maxSize: PARALLEL })
    // Warm PARALLEL connections, all kept idle afterwards.
    await Promise.all(Array.from({ length: PARALLEL }, (_, i) => fetchText(m, server, `/warm/${i}`)))
    const warm = server.accepted
    const results = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) =>
      send(m, server, `/post/${i}`, { method: 'POST', body: `body ${i}` })))
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') {
        t.fail(`POST ${i} succeeded with ${r.value.status}`)
        continue
      }
      const err = r.reason as ConnectionError
      t.type(err, ConnectionError, `POST ${i} failed with a ConnectionError`)
      t.equal(err.phase, 'head', `POST ${i} failed waiting for the head`)
      if (how === 'rst') t.equal(err.code, 'ECONNRESET')
    }
    for (let i = 0; i < PARALLEL; i++) {
      const posts = server.requests.filter(r => r.target === `/post/${i}`)
      t.equal(posts.length, 1, `the server saw POST ${i} exactly once`)
      t.equal(posts[0]?.indexOnConnection, 1, 'on a reused connection')
      t.equal(posts[0]?.body.toString(), `body ${i}`, 'whole')
    }
    t.equal(server.accepted, warm, 'no connection was opened to send a POST again')
  })
}

t.test('a POST given an idle socket the server has already reset, before anything is written, is sent on a fresh connection', async t => {
  let warmSocket: Socket | undefined
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.method === 'GET') warmSocket = socket
      socket.write(response(200, req.method))
    },
  })
  const m = manager(t)
  const warm = await fetchText(m, server, '/warm')
  t.equal(warm.text, 'GET')
  // Reset the idle socket and hand out the POST in the same turn of the event loop: the kernel has
  // the RST already, the pool has not read it yet, so it picks that socket and the write fails.
  warmSocket?.resetAndDestroy()
  const outcome = await fetchText(m, server, '/post', { method: 'POST', body: 'once' }).catch((err: unknown) => err as Error)
  if (outcome instanceof Error) {
    const cause = outcome.cause as NodeJS.ErrnoException | undefined
    t.fail('the POST was not sent again', {
      error: outcome.name,
      phase: (outcome as ConnectionError).phase,
      code: (outcome as ConnectionError).code,
      causeSyscall: cause?.syscall,
    })
  } else {
    t.equal(outcome.res.status, 200)
    t.equal(outcome.text, 'POST')
  }
  const posts = server.requests.filter((r: RawRequest) => r.method === 'POST')
  t.equal(posts.length, 1, 'the server saw one POST')
  t.equal(posts[0]?.connection, 2, 'on a new connection')
})

t.test('a POST after the server closed an idle socket between requests goes on a new connection', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      // Answer, then close the idle socket a moment later, as servers with short idle timeouts do.
      socket.write(response(200, req.method))
      if (req.method === 'GET') setImmediate(() => socket.end())
    },
  })
  const m = manager(t)
  await fetchText(m, server, '/warm')
  // The server's socket closes once both sides have ended: the client has seen the FIN by then.
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the idle socket to close')
  const { text } = await fetchText(m, server, '/post', { method: 'POST', body: 'once' })
  t.equal(text, 'POST')
  t.same(server.requests.map(r => [r.method, r.connection]), [['GET', 1], ['POST', 2]])
})
