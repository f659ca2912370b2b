// Cancellation by AbortSignal in each phase: queued for a connection, connecting, sending,
// waiting for the head, reading the body. Each rejects with the signal's reason, leaves no socket,
// timer or abort listener behind (stats(), getEventListeners and the process's active handles).

import t, { type Test } from 'tap'
import { getEventListeners } from 'node:events'
import type { LookupFunction, Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import type { PoolManager } from '../../lib/pool/index.js'
import type { RawServer } from '../support/raw-server.js'
import { response } from '../support/raw-server.js'
import { backToBaseline, baselineResources, fetchText, manager, rawServer, rejection, send, settledTotals, totals } from './fixtures/helpers.js'

/** The rejection is the signal's own reason, an AbortError. */
function isAbortReason(t: Test, err: Error, controller: AbortController): void {
  t.equal(err, controller.signal.reason, 'rejected with signal.reason')
  t.equal(err.name, 'AbortError')
}

/** After close(), the process holds no more TCP handles or timers than before the manager existed. */
async function noLeaks(t: Test, m: PoolManager, server: RawServer, baseline: { tcp: number; timers: number }, signal: AbortSignal): Promise<void> {
  t.equal(getEventListeners(signal, 'abort').length, 0, 'no abort listener left on the signal')
  await m.close()
  await server.waitFor(() => server.open === 0, 5000, 'every server socket to close')
  const now = await backToBaseline(baseline)
  t.ok(now.tcp <= baseline.tcp && now.timers <= baseline.timers, 'TCP handles and timers back to their baseline', { now, baseline })
}

t.test('aborting a request queued for a connection uses no socket', async t => {
  let first: Socket | undefined
  const server = await rawServer(t, { handler: (_req, socket) => { first = socket } })
  const baseline = await baselineResources()
  const m = manager(t, { maxSize: 1, block: true })
  const busy = send(m, server, '/busy')
  await server.waitFor(() => first !== undefined, 5000, 'the first request')
  const controller = new AbortController()
  const queued = send(m, server, '/queued', { signal: controller.signal })
  t.equal((await settledTotals(m, { queued: 1 })).queued, 1)
  controller.abort()
  isAbortReason(t, await rejection(queued), controller)
  t.same(totals(m), { open: 1, idle: 0, busy: 1, queued: 0 }, 'left the queue')
  first?.write(response(200, 'ok'))
  await (await busy).body.collect()
  t.equal(server.accepted, 1, 'no socket opened for the aborted request')
  t.equal(server.requests.length, 1)
  await noLeaks(t, m, server, baseline, controller.signal)
})

t.test('aborting a request while it connects stops the dial', async t => {
  const server = await rawServer(t)
  const baseline = await baselineResources()
  const m = manager(t)
  let parked: (() => void) | undefined
  const lookup: LookupFunction = (_hostname, options, callback) => {
    parked = () => {
      if (options.all === true) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }])
      else callback(null, '127.0.0.1', 4)
    }
  }
  const controller = new AbortController()
  const pending = m.request({
    origin: { scheme: 'http', hostname: 'slow.test', port: server.port },
    method: 'GET', target: '/', headers: [], lookup, signal: controller.signal,
  })
  await server.waitFor(() => parked !== undefined, 5000, 'the lookup to be called')
  controller.abort()
  isAbortReason(t, await rejection(pending), controller)
  // DNS answers late: nothing may connect on behalf of the aborted request.
  parked?.()
  await new Promise(resolve => setImmediate(resolve))
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
  await noLeaks(t, m, server, baseline, controller.signal)
  t.equal(server.accepted, 0, 'the server never saw a connection')
})

t.test('aborting a request while its body is being sent destroys the socket', async t => {
  const server = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, 'ok')) } })
  const baseline = await baselineResources()
  const m = manager(t)
  const controller = new AbortController()
  const body = new PassThrough()
  const pending = send(m, server, '/upload', { method: 'POST', body, signal: controller.signal })
  body.write('some of it')
  await server.waitFor(() => server.requests[0]?.body.length === 10, 5000, 'the first part of the body')
  controller.abort()
  isAbortReason(t, await rejection(pending), controller)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close')
  t.equal(server.requests[0]?.complete, false)
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
  await noLeaks(t, m, server, baseline, controller.signal)
})

t.test('aborting a request while it waits for the head destroys the socket and frees the slot', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => { if (req.target === '/next') socket.write(response(200, 'next')) },
  })
  const baseline = await baselineResources()
  const m = manager(t, { maxSize: 1, block: true })
  const controller = new AbortController()
  const pending = send(m, server, '/silent', { signal: controller.signal })
  await server.waitFor(() => server.requests.length === 1, 5000, 'the request')
  const next = fetchText(m, server, '/next')
  controller.abort()
  isAbortReason(t, await rejection(pending), controller)
  t.equal((await next).text, 'next', 'the waiter got the slot')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close')
  await noLeaks(t, m, server, baseline, controller.signal)
})

t.test('aborting a request while its body is read rejects the read and destroys the socket', async t => {
  const server = await rawServer(t, {
    handler: (_req, socket) => { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart') },
  })
  const baseline = await baselineResources()
  const m = manager(t)
  const controller = new AbortController()
  const res = await send(m, server, '/', { signal: controller.signal })
  const reading = res.body.collect()
  controller.abort()
  isAbortReason(t, await rejection(reading), controller)
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close')
  t.same(await settledTotals(m, { open: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
  await noLeaks(t, m, server, baseline, controller.signal)
})

t.test('a signal aborted before the call rejects at once without a socket', async t => {
  const server = await rawServer(t)
  const baseline = await baselineResources()
  const m = manager(t)
  const controller = new AbortController()
  controller.abort()
  isAbortReason(t, await rejection(send(m, server, '/', { signal: controller.signal })), controller)
  await noLeaks(t, m, server, baseline, controller.signal)
  t.equal(server.accepted, 0)
})

t.test('a request that completes removes its abort listener, and a later abort leaves the connection alone', async t => {
  const server = await rawServer(t)
  const baseline = await baselineResources()
  const m = manager(t)
  const controller = new AbortController()
  const { text } = await fetchText(m, server, '/', { signal: controller.signal })
  t.equal(text, 'ok')
  t.equal(getEventListeners(controller.signal, 'abort').length, 0, 'listener removed once the body ended')
  const viaDump = await send(m, server, '/', { signal: controller.signal })
  await viaDump.body.dump()
  t.equal(getEventListeners(controller.signal, 'abort').length, 0, 'listener removed after dump()')
  controller.abort()
  const after = await fetchText(m, server)
  t.equal(after.res.reused, true, 'the idle connection survived the late abort')
  t.equal(server.accepted, 1)
  await noLeaks(t, m, server, baseline, controller.signal)
})

t.test('many aborted requests in every phase leave nothing behind', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/head') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab')
      // '/silent' is never answered.
    },
  })
  const baseline = await baselineResources()
  const m = manager(t, { maxSize: 4, block: true })
  const controllers: AbortController[] = []
  const outcomes: Promise<unknown>[] = []
  for (let i = 0; i < 24; i++) {
    const controller = new AbortController()
    controllers.push(controller)
    const target = i % 2 === 0 ? '/silent' : '/head'
    outcomes.push(send(m, server, target, { signal: controller.signal }).then(res => res.body.collect()))
  }
  await server.waitFor(() => server.requests.length >= 4, 5000, 'the pool to fill')
  for (const c of controllers) c.abort()
  const settled = await Promise.allSettled(outcomes)
  t.ok(settled.every(s => s.status === 'rejected' && (s.reason as Error).name === 'AbortError'), 'every request rejected with its AbortError')
  t.same(await settledTotals(m, { open: 0, queued: 0 }), { open: 0, idle: 0, busy: 0, queued: 0 })
  for (const c of controllers) t.equal(getEventListeners(c.signal, 'abort').length, 0)
  await m.close()
  await server.waitFor(() => server.open === 0, 5000, 'every server socket to close')
  const now = await backToBaseline(baseline)
  t.ok(now.tcp <= baseline.tcp && now.timers <= baseline.timers, 'TCP handles and timers back to their baseline', { now, baseline })
})
