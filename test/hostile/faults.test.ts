// Faults and load through the whole stack: a refused connection, a name that does not resolve (an
// injected lookup: nothing real is ever resolved), resets, a server closing idle keep-alive
// sockets under 64 concurrent requests, and a small blocking pool worked past exhaustion with
// waits, timeouts and aborts mixed in. Every outcome is a right answer or a typed error, and the
// pool ends with nothing busy or queued.

import t from 'tap'
import type { Socket } from 'node:net'
import { ChunkedEncodingError, ConnectionError, RequestException, Timeout } from '../../lib/index.js'
import { response, startRawServer } from '../support/raw-server.js'
import { base, className, client, failingLookup, nextWorks, rawServer, rejection, settled, totals } from './helpers.js'
import { mulberry32 as prng } from '../support/prng.js'

t.setTimeout(60_000)

t.test('a refused connection is a ConnectionError (ECONNREFUSED) and leaves nothing open', async t => {
  const gone = await startRawServer()
  const port = gone.port
  await gone.close()
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`http://127.0.0.1:${port}/`, { timeout: 2000 }))
  t.ok(err instanceof ConnectionError, `a ConnectionError (got ${className(err)}: ${err.message})`)
  t.notOk(err instanceof Timeout)
  t.equal(err.code, 'ECONNREFUSED')
  t.same(totals(adapter), { open: 0, idle: 0, busy: 0, queued: 0 })
})

t.test('a name that does not resolve is a ConnectionError (ENOTFOUND) and no connection is made', async t => {
  const server = await rawServer(t)
  const { s, adapter } = client(t, { lookup: failingLookup })
  const err = await rejection(s.get(`http://nowhere.invalid:${server.port}/`, { timeout: 2000 }))
  t.ok(err instanceof ConnectionError, `a ConnectionError (got ${className(err)}: ${err.message})`)
  t.notOk(err instanceof Timeout)
  t.equal(err.code, 'ENOTFOUND')
  t.equal(server.accepted, 0)
  t.same(totals(adapter), { open: 0, idle: 0, busy: 0, queued: 0 })
})

t.test('a server that resets every connection as soon as it is accepted is a ConnectionError (ECONNRESET)', async t => {
  const server = await rawServer(t, { onConnection: socket => { setTimeout(() => socket.resetAndDestroy(), 10) }, handler: () => {} })
  const { s, adapter } = client(t)
  const err = await rejection(s.get(`${base(server)}/`, { timeout: 2000 }))
  t.ok(err instanceof ConnectionError, `a ConnectionError (got ${className(err)}: ${err.message})`)
  t.equal(err.code, 'ECONNRESET')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.equal(totals(adapter).open, 0)
})

t.test('resets in the middle of bodies under concurrency are typed errors, never short bodies', async t => {
  const rand = prng(7)
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/after') { socket.write(response(200, 'after-ok')); return }
      const body = Buffer.alloc(20_000, req.target.slice(1, 2))
      if (rand() < 0.5) {
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 5000)]))
        setTimeout(() => socket.resetAndDestroy(), 15)
      } else {
        socket.write(response(200, body))
      }
    },
  })
  const { s, adapter } = client(t, { poolMaxSize: 16 })
  const outcomes = await Promise.all(Array.from({ length: 64 }, (_, i) => {
    const letter = String.fromCharCode(97 + (i % 26))
    return s.get(`${base(server)}/${letter}${i}`, { timeout: 5000 }).then(
      r => (r.content.length === 20_000 && r.content.every(b => b === letter.charCodeAt(0)) ? 'ok' : `WRONG BODY ${r.content.length}`),
      (e: unknown) => (e instanceof ChunkedEncodingError && e.code === 'ECONNRESET' ? 'ChunkedEncodingError ECONNRESET' : `UNEXPECTED ${className(e)} ${String((e as { code?: unknown }).code)}`),
    )
  }))
  const counts: Record<string, number> = {}
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1
  t.comment(JSON.stringify(counts))
  t.notOk(outcomes.some(o => o.startsWith('WRONG') || o.startsWith('UNEXPECTED')), 'only whole bodies or ChunkedEncodingErrors (ECONNRESET)')
  t.ok(outcomes.includes('ok'))
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  await nextWorks(t, s, server)
})

t.test('a server closing idle keep-alive sockets under 64 concurrent requests: every request gets its own response', async t => {
  const rand = prng(42)
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(response(200, `own:${req.target}`))
      // No Connection: close: the socket looks reusable, then the server drops it when it likes.
      const r = rand()
      if (r < 0.3) socket.end()
      else if (r < 0.5) setTimeout(() => { if (!socket.destroyed) socket.end() }, Math.floor(rand() * 20))
      else if (r < 0.55) setTimeout(() => { if (!socket.destroyed) socket.resetAndDestroy() }, Math.floor(rand() * 20))
    },
  })
  const { s, adapter } = client(t, { poolMaxSize: 64 })
  const wrong: string[] = []
  for (let round = 0; round < 8; round++) {
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => {
      const target = `/r${round}-${i}`
      return s.get(`${base(server)}${target}`, { timeout: 5000 }).then(
        r => (r.text === `own:${target}` ? null : `${target}: got ${r.text}`),
        (e: unknown) => `${target}: ${className(e)} ${String((e as RequestException).code)}`,
      )
    }))
    for (const w of results) if (w !== null) wrong.push(w)
    await new Promise(resolve => setTimeout(resolve, Math.floor(rand() * 15)))
  }
  t.same(wrong, [], 'all 512 requests got their own response (stale sockets are retried, idempotent GETs)')
  t.same(await settled(adapter), { busy: 0, queued: 0 })
  t.ok(server.accepted > 64, `the server closed sockets: ${server.accepted} connections`)
})

t.test('a blocking pool of 4 worked past exhaustion with waits, timeouts and aborts ends with nothing busy or queued', async t => {
  const rand = prng(1234)
  const server = await rawServer(t, {
    handler: (req, socket: Socket) => {
      if (req.target === '/after') { socket.write(response(200, 'after-ok')); return }
      if (req.target.startsWith('/hang')) return
      const delay = Math.floor(rand() * 30)
      setTimeout(() => { if (!socket.destroyed) socket.write(response(200, `own:${req.target}`)) }, delay)
    },
  })
  const { s, adapter } = client(t, { poolMaxSize: 4, poolBlock: true, poolTimeout: 1000 })
  const kinds: Record<string, number> = {}
  const bad: string[] = []
  const jobs = Array.from({ length: 200 }, async (_, i) => {
    const roll = rand()
    const hang = roll < 0.1
    const target = `/${hang ? 'hang' : 'ok'}${i}`
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    if (roll > 0.85) timer = setTimeout(() => controller.abort(), Math.floor(rand() * 60))
    try {
      const r = await s.get(`${base(server)}${target}`, { timeout: { read: 150 }, signal: controller.signal })
      if (r.text !== `own:${target}`) bad.push(`${target}: got ${r.text}`)
      kinds['ok'] = (kinds['ok'] ?? 0) + 1
    } catch (e) {
      const name = `${className(e)} ${String((e as { code?: unknown }).code)}`
      kinds[name] = (kinds[name] ?? 0) + 1
      if (!(e instanceof RequestException) && !(e instanceof Error && e.name === 'AbortError')) bad.push(`${target}: ${name}`)
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  })
  await Promise.all(jobs)
  t.comment(JSON.stringify(kinds))
  t.same(bad, [], 'every outcome is its own response, a RequestException or an AbortError')
  t.ok((kinds['ok'] ?? 0) > 0)
  t.same(await settled(adapter), { busy: 0, queued: 0 }, 'nothing busy or queued')
  t.ok(totals(adapter).open <= 4, 'never more than the pool size kept open')
  await nextWorks(t, s, server)
})

t.test('a signal aborted before the call rejects with its reason and makes no connection', async t => {
  const server = await rawServer(t)
  const { s } = client(t)
  const controller = new AbortController()
  controller.abort()
  const err = await rejection(s.get(`${base(server)}/`, { signal: controller.signal }))
  t.equal(err.name, 'AbortError')
  t.equal(server.accepted, 0)
})
