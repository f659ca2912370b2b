// HTTPAdapter through a Session against raw servers: which failures the mounted Retry policy
// retries (connect failures always, read failures only when asked, forcelisted statuses and
// Retry-After), what it never resends (a POST by default, a stream ever), what errors carry,
// and that nothing is left busy in the pool afterwards. Backoffs are a few milliseconds; the
// server's request counts, not clocks, say how many attempts were made.

import { closedPort } from './support/ports.js'
import t, { type Test } from 'tap'
import { Readable } from 'node:stream'
import { ConnectionError, HTTPAdapter, PreparedRequest, ReadTimeout, Retry, RetryError, Session, type HTTPAdapterOptions } from '../lib/index.js'
import { hangUp, response, startRawServer, type RawHandler, type RawServer } from './support/raw-server.js'
import { mapLookup, rejection } from './pool/fixtures/helpers.js'

/** Every adapter made here: the last test checks that none holds a busy connection, then closes them. */
const adapters: HTTPAdapter[] = []

function session(options: HTTPAdapterOptions = {}): { s: Session; adapter: HTTPAdapter } {
  const adapter = new HTTPAdapter(options)
  adapters.push(adapter)
  return { s: new Session({ adapter }), adapter }
}

async function rawServer(t: Test, handler: RawHandler): Promise<RawServer> {
  const server = await startRawServer({ handler })
  t.teardown(() => server.close())
  return server
}

/** Answers the n-th request (over the whole server) with `script[n]`, the last entry after that. */
function scripted(...script: (Buffer | 'hang up')[]): RawHandler {
  return (req, socket) => {
    const step = script[Math.min(req.index, script.length - 1)]
    if (step === undefined || step === 'hang up') hangUp(socket)
    else socket.write(step)
  }
}



/** No connection of the adapter is busy or waited for. */
function settled(t: Test, adapter: HTTPAdapter): void {
  for (const origin of adapter.stats()) {
    t.equal(origin.busy, 0, `no busy connection to ${origin.key}`)
    t.equal(origin.queued, 0, `no request waiting for ${origin.key}`)
  }
}

const busy = (n: number): Buffer => response(503, `busy ${n}`)
const ok = response(200, 'ok')

t.test('a read failure is not retried by maxRetries: 2 (Retry.from(n) retries connects only)', async t => {
  const server = await rawServer(t, scripted('hang up'))
  const { s, adapter } = session({ maxRetries: 2 })
  const url = `http://127.0.0.1:${server.port}/read?x=1`
  const err = await rejection(s.get(url))
  t.type(err, ConnectionError)
  t.notOk(err instanceof RetryError, 'the failure itself, not RetryError')
  t.equal(server.requests.length, 1, 'exactly one attempt: the request reached the server')
  t.equal(server.accepted, 1, 'on a fresh connection, so the pool has no stale socket to retry either')
  const e = err as ConnectionError
  t.equal(e.url, url, 'the error names the full URL')
  t.type(e.request, PreparedRequest)
  t.equal(e.request?.url, url)
  t.equal(e.request?.method, 'GET')
  settled(t, adapter)
})

t.test('a kept-alive socket the server closed is retried once by the pool, outside the Retry count', async t => {
  // Request 0 is answered and its connection kept; request 1 arrives on it and the server hangs
  // up without a byte of response: the pool sends it again on a new connection.
  const server = await rawServer(t, scripted(ok, 'hang up', ok))
  const { s, adapter } = session({ maxRetries: 0 })
  const url = `http://127.0.0.1:${server.port}/`
  t.equal((await s.get(url)).statusCode, 200)
  const again = await s.get(url)
  t.equal(again.statusCode, 200)
  t.equal(server.requests.length, 3)
  t.same(server.requests.map(r => [r.connection, r.indexOnConnection]), [[1, 0], [1, 1], [2, 0]], 'the resend went on a new connection')
  settled(t, adapter)
})

t.test('a stale-socket resend that fails too is not retried again by maxRetries: 2', async t => {
  // Request 0 answered; request 1 (reused socket) hung up on, resent by the pool on a fresh
  // connection as request 2 and hung up on again: a read failure, which Retry.from(2) never retries.
  const server = await rawServer(t, scripted(ok, 'hang up'))
  const { s, adapter } = session({ maxRetries: 2 })
  const url = `http://127.0.0.1:${server.port}/`
  t.equal((await s.get(url)).statusCode, 200)
  const err = await rejection(s.get(url))
  t.type(err, ConnectionError)
  t.equal(server.requests.length, 3, 'one request, one resend by the pool, no more')
  t.equal(server.accepted, 2)
  settled(t, adapter)
})

t.test('a Retry with read retries resends a GET the server hung up on', async t => {
  const server = await rawServer(t, scripted('hang up', 'hang up', ok))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, read: 2, backoffFactor: 1 }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.statusCode, 200)
  t.equal(r.text, 'ok')
  t.equal(server.requests.length, 3)
  settled(t, adapter)
})

t.test('read retries are spent after total, and the last failure is thrown, not RetryError', async t => {
  const server = await rawServer(t, scripted('hang up'))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, read: 5 }) })
  const err = await rejection(s.get(`http://127.0.0.1:${server.port}/`))
  t.type(err, ConnectionError)
  t.notOk(err instanceof RetryError)
  t.equal(server.requests.length, 3)
  settled(t, adapter)
})

t.test('a POST the server hung up on is not resent, even with read retries', async t => {
  const server = await rawServer(t, scripted('hang up', ok))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, read: 2 }) })
  const err = await rejection(s.post(`http://127.0.0.1:${server.port}/`, { data: 'once' }))
  t.type(err, ConnectionError)
  t.equal(server.requests.length, 1, 'a POST may have done its work')
  settled(t, adapter)
})

t.test('a read timeout of a GET is a read failure that a Retry with read retries retries, as urllib3', async t => {
  // Request 0 is never answered (the socket stays open); request 1 is. The read timeout is only
  // the way to make the failure happen: nothing here measures time.
  const server = await rawServer(t, (req, socket) => {
    if (req.index > 0) socket.write(ok)
  })
  const { s, adapter } = session({ maxRetries: new Retry({ total: 1, read: 1 }) })
  const outcome = await s.get(`http://127.0.0.1:${server.port}/slow`, { timeout: { read: 100 } }).then(r => r.statusCode, (err: Error) => err.name)
  t.equal(outcome, 200)
  t.equal(server.requests.length, 2)
  settled(t, adapter)
})

t.test('a spent total timeout is not retried, whatever the Retry allows: the caller\'s budget is gone', async t => {
  const server = await rawServer(t, (req, socket) => {
    if (req.index > 0) socket.write(ok)
  })
  const { s, adapter } = session({ maxRetries: new Retry({ total: 3, read: 3 }) })
  const err = await s.get(`http://127.0.0.1:${server.port}/slow`, { timeout: { total: 100 } }).then(() => null, (e: unknown) => e)
  t.type(err, ReadTimeout)
  t.equal((err as ReadTimeout).code, 'TOTAL_TIMEOUT')
  t.equal(server.requests.length, 1)
  settled(t, adapter)
})

t.test('aborting during the backoff sleep rejects with the signal\'s reason and sends nothing more', async t => {
  const controller = new AbortController()
  const server = await rawServer(t, (req, socket) => {
    socket.write(busy(req.index))
    // After the second 503 the policy sleeps backoffFactor * 2 = 200 s: abort then.
    if (req.index === 1) setImmediate(() => controller.abort())
  })
  const { s, adapter } = session({ maxRetries: new Retry({ total: 5, statusForcelist: [503], backoffFactor: 100_000 }) })
  const err = await rejection(s.get(`http://127.0.0.1:${server.port}/`, { signal: controller.signal }))
  t.equal(err.name, 'AbortError')
  t.equal(server.requests.length, 2)
  settled(t, adapter)
})

t.test('connect failures: maxRetries: 2 tries 3 times, then throws the ConnectionError itself', async t => {
  const port = await closedPort()
  const calls: string[] = []
  const lookup = mapLookup({ 'retry.test': [['127.0.0.1', 4]] }, calls)
  const { s, adapter } = session({ maxRetries: 2, lookup })
  const url = `http://retry.test:${port}/path?q=1`
  const err = await rejection(s.get(url))
  t.type(err, ConnectionError)
  t.notOk(err instanceof RetryError, 'Requests raises ConnectionError for connect retries spent')
  const e = err as ConnectionError
  t.equal(e.code, 'ECONNREFUSED')
  t.equal(e.phase, 'connect')
  t.equal(calls.length, 3, 'one lookup, one dial per attempt')
  t.same([...new Set(calls)], ['retry.test'])
  t.equal(e.url, url, 'the full URL, with its path and query, not just the origin')
  t.type(e.request, PreparedRequest)
  t.equal(e.request?.url, url)
  settled(t, adapter)
})

t.test('connect failures of a POST are retried too: nothing reached the server', async t => {
  const port = await closedPort()
  const calls: string[] = []
  const { s, adapter } = session({ maxRetries: 1, lookup: mapLookup({ 'retry.test': [['127.0.0.1', 4]] }, calls) })
  const err = await rejection(s.post(`http://retry.test:${port}/`, { data: Buffer.from('body') }))
  t.type(err, ConnectionError)
  t.equal(calls.length, 2)
  settled(t, adapter)
})

t.test('no retries by default: one connect attempt', async t => {
  const port = await closedPort()
  const calls: string[] = []
  const { s } = session({ lookup: mapLookup({ 'retry.test': [['127.0.0.1', 4]] }, calls) })
  await t.rejects(s.get(`http://retry.test:${port}/`), ConnectionError)
  t.equal(calls.length, 1)
})

t.test('statusForcelist: 503 twice then 200 is a 200 after 3 requests on one connection', async t => {
  const server = await rawServer(t, scripted(busy(0), busy(1), ok))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503], backoffFactor: 1 }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/flaky`)
  t.equal(r.statusCode, 200)
  t.equal(r.text, 'ok')
  t.same(r.history, [], 'retries are not redirects: no history')
  t.equal(server.requests.length, 3)
  t.equal(server.accepted, 1, 'each 503 was read to its end and its connection reused')
  settled(t, adapter)
})

t.test('statusForcelist: always 503 ends in RetryError carrying the last 503', async t => {
  const server = await rawServer(t, (req, socket) => { socket.write(busy(req.index)) })
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503], backoffFactor: 1 }) })
  const url = `http://127.0.0.1:${server.port}/down?x=1`
  const err = await rejection(s.get(url))
  t.type(err, RetryError)
  const e = err as RetryError
  t.equal(e.code, 'MAX_RETRIES')
  t.equal(e.response?.statusCode, 503)
  t.equal(e.url, url)
  t.equal(e.request?.url, url)
  t.match(e.message, /too many 503 error responses/)
  t.equal(server.requests.length, 3, 'the first request and two retries')
  settled(t, adapter)
})

t.test('raiseOnStatus: false returns the last 503 instead, its body readable', async t => {
  const server = await rawServer(t, (req, socket) => { socket.write(busy(req.index)) })
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503], backoffFactor: 1, raiseOnStatus: false }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/down`)
  t.equal(r.statusCode, 503)
  t.equal(r.text, 'busy 2', 'the third response, not an earlier one')
  t.equal(server.requests.length, 3)
  settled(t, adapter)
})

t.test('Retry-After: 0 is honoured in place of the backoff', async t => {
  // backoffFactor is huge: the second retry would sleep 200 s if Retry-After were not honoured.
  // The signal is only a safety net so a regression fails instead of hanging.
  const after = (n: number): Buffer => response(503, `busy ${n}`, ['Retry-After: 0'])
  const server = await rawServer(t, scripted(after(0), after(1), ok))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 3, statusForcelist: [503], backoffFactor: 100_000 }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/`, { signal: AbortSignal.timeout(10_000) })
  t.equal(r.statusCode, 200)
  t.equal(server.requests.length, 3)
  settled(t, adapter)
})

t.test('Retry-After on 429 and 503 asks for a retry without a forcelist; a past date means now', async t => {
  const server = await rawServer(t, scripted(
    response(429, 'slow down', ['Retry-After: Wed, 21 Oct 2015 07:28:00 GMT']),
    response(503, 'later', ['Retry-After: 0']),
    ok,
  ))
  const { s, adapter } = session({ maxRetries: new Retry({ total: 2 }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.statusCode, 200)
  t.equal(server.requests.length, 3)
  settled(t, adapter)
})

t.test('respectRetryAfterHeader: false returns a 503 with Retry-After that is not forcelisted', async t => {
  const server = await rawServer(t, scripted(response(503, 'later', ['Retry-After: 0']), ok))
  const { s } = session({ maxRetries: new Retry({ total: 2, respectRetryAfterHeader: false }) })
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.statusCode, 503)
  t.equal(server.requests.length, 1)
})

t.test('with the default adapter (no retries) a 503 with Retry-After is returned, not RetryError', async t => {
  const server = await rawServer(t, scripted(response(503, 'later', ['Retry-After: 0']), ok))
  const { s, adapter } = session()
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.statusCode, 503)
  t.equal(r.text, 'later')
  t.equal(server.requests.length, 1)
  settled(t, adapter)
})

t.test('a POST with a forcelisted status is not retried unless allowedMethods includes POST', async t => {
  t.test('not by default', async t => {
    const server = await rawServer(t, scripted(busy(0), ok))
    const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503] }) })
    const r = await s.post(`http://127.0.0.1:${server.port}/`, { data: 'payload' })
    t.equal(r.statusCode, 503, 'returned as it came, not RetryError')
    t.equal(server.requests.length, 1)
    settled(t, adapter)
  })
  t.test('with allowedMethods, resent with the same body', async t => {
    const server = await rawServer(t, scripted(busy(0), ok))
    const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503], allowedMethods: ['GET', 'POST'] }) })
    const body = Buffer.from('payload \u00e9\r\n\0 end')
    const r = await s.post(`http://127.0.0.1:${server.port}/`, { data: body })
    t.equal(r.statusCode, 200)
    t.equal(server.requests.length, 2)
    t.same(server.requests.map(q => q.method), ['POST', 'POST'])
    t.ok(server.requests[1]?.body.equals(body), 'the resent body is intact')
    t.equal(server.requests[1]?.header('content-length'), String(body.length))
    settled(t, adapter)
  })
})

t.test('a streamed (Readable) body is never resent', async t => {
  t.test('not for a forcelisted status', async t => {
    const server = await rawServer(t, scripted(busy(0), ok))
    const { s, adapter } = session({ maxRetries: new Retry({ total: 2, statusForcelist: [503], allowedMethods: false }) })
    const r = await s.put(`http://127.0.0.1:${server.port}/`, { data: Readable.from([Buffer.from('one '), Buffer.from('two')]) })
    t.equal(r.statusCode, 503, 'the 503 comes back: the stream is gone')
    t.equal(server.requests.length, 1)
    t.equal(server.requests[0]?.body.toString(), 'one two')
    settled(t, adapter)
  })
  t.test('not after a read failure', async t => {
    const server = await rawServer(t, scripted('hang up', ok))
    const { s, adapter } = session({ maxRetries: new Retry({ total: 2, read: 2, allowedMethods: false }) })
    const err = await rejection(s.put(`http://127.0.0.1:${server.port}/`, { data: Readable.from([Buffer.from('once')]) }))
    t.type(err, ConnectionError)
    t.equal(server.requests.length, 1)
    settled(t, adapter)
  })
})

t.test('after all of that no adapter holds a busy connection, and close() empties them', async t => {
  t.ok(adapters.length > 10)
  for (const adapter of adapters) {
    for (const origin of adapter.stats()) {
      t.equal(origin.busy, 0, origin.key)
      t.equal(origin.queued, 0, origin.key)
    }
  }
  await Promise.all(adapters.map(a => a.close()))
  for (const adapter of adapters) {
    t.equal(adapter.stats().reduce((n, o) => n + o.open, 0), 0, 'nothing open after close()')
  }
})
