// Connecting through the `lookup` a request (or the manager) brings: how a DNS failure surfaces,
// and that every address given is tried in turn. Nothing here resolves a real name; the only
// addresses dialed are loopback (127.0.0.1, 127.0.0.2 and ::1, all local on Linux).

import t from 'tap'
import { ConnectionError } from '../../lib/errors.js'
import { response } from '../support/raw-server.js'
import { fetchText, manager, mapLookup, rawServer, rejection } from './fixtures/helpers.js'

t.test('a lookup that fails with ENOTFOUND is a ConnectionError in phase connect', async t => {
  const m = manager(t)
  const err = await rejection(m.request({
    origin: { scheme: 'http', hostname: 'nowhere.test', port: 80 },
    method: 'GET', target: '/', headers: [], lookup: mapLookup({}),
  }))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).phase, 'connect')
  t.equal((err as ConnectionError).code, 'ENOTFOUND')
})

t.test('a name mapped by the lookup is dialed at that address and sent as the Host', async t => {
  const server = await rawServer(t)
  const calls: string[] = []
  const m = manager(t)
  const origin = { scheme: 'http' as const, hostname: 'localhost', port: server.port }
  const res = await m.request({ origin, method: 'GET', target: '/x', headers: [], lookup: mapLookup({ localhost: [['127.0.0.1', 4]] }, calls) })
  t.equal((await res.body.collect()).toString(), 'ok')
  t.same(calls, ['localhost'])
  t.equal(server.requests[0]?.header('host'), `localhost:${server.port}`)
})

t.test('when the first address refuses the connection the next one is used', async t => {
  const server = await rawServer(t)
  const m = manager(t)
  const origin = { scheme: 'http' as const, hostname: 'two.test', port: server.port }
  // Nothing listens on 127.0.0.2 at that port: the server is bound to 127.0.0.1 only.
  const lookup = mapLookup({ 'two.test': [['127.0.0.2', 4], ['127.0.0.1', 4]] })
  const res = await m.request({ origin, method: 'GET', target: '/', headers: [], lookup })
  t.equal((await res.body.collect()).toString(), 'ok')
  t.equal(server.accepted, 1)
})

t.test('an IPv6 address that refuses is followed by an IPv4 one', async t => {
  const server = await rawServer(t)
  const m = manager(t)
  const origin = { scheme: 'http' as const, hostname: 'dual.test', port: server.port }
  const lookup = mapLookup({ 'dual.test': [['::1', 6], ['127.0.0.1', 4]] })
  const res = await m.request({ origin, method: 'GET', target: '/', headers: [], lookup })
  t.equal((await res.body.collect()).toString(), 'ok')
})

t.test('when every address refuses the error is ECONNREFUSED in phase connect', async t => {
  const gone = await rawServer(t)
  const port = gone.port
  await gone.close()
  const m = manager(t)
  const origin = { scheme: 'http' as const, hostname: 'none.test', port }
  const lookup = mapLookup({ 'none.test': [['127.0.0.2', 4], ['127.0.0.1', 4]] })
  const err = await rejection(m.request({ origin, method: 'GET', target: '/', headers: [], lookup }))
  t.type(err, ConnectionError)
  t.equal((err as ConnectionError).phase, 'connect')
  t.equal((err as ConnectionError).code, 'ECONNREFUSED')
})

t.test('an IPv6 literal origin is dialed directly and bracketed in the Host', async t => {
  const server = await rawServer(t, { host: '::1' })
  const m = manager(t)
  const calls: string[] = []
  const { text } = await fetchText(m, server, '/', { lookup: mapLookup({}, calls) })
  t.equal(text, 'ok')
  t.equal(server.requests[0]?.header('host'), `[::1]:${server.port}`)
  t.same(calls, [], 'an IP literal is never looked up')
})

t.test('the manager lookup serves requests that bring none', async t => {
  const server = await rawServer(t)
  const calls: string[] = []
  const m = manager(t, { lookup: mapLookup({ 'default.test': [['127.0.0.1', 4]] }, calls) })
  const res = await m.request({ origin: { scheme: 'http', hostname: 'default.test', port: server.port }, method: 'GET', target: '/', headers: [] })
  await res.body.collect()
  t.same(calls, ['default.test'])
})

t.test('a waiter that gets a newly dialed connection is dialed with its own lookup', async t => {
  // The first connection retires (Connection: close) while a request waits for the pool's only
  // slot: the connection dialed for the waiter must use the waiter's lookup, not the default.
  const server = await rawServer(t, {
    handler: (req, socket) => { socket.write(req.target === '/first' ? response(200, 'first', ['Connection: close']) : response(200, 'second')) },
  })
  const defaultCalls: string[] = []
  const requestCalls: string[] = []
  const m = manager(t, { maxSize: 1, block: true, lookup: mapLookup({}, defaultCalls) })
  const lookup = mapLookup({ 'own.test': [['127.0.0.1', 4]] }, requestCalls)
  const origin = { scheme: 'http' as const, hostname: 'own.test', port: server.port }
  const first = m.request({ origin, method: 'GET', target: '/first', headers: [], lookup })
  const second = m.request({ origin, method: 'GET', target: '/second', headers: [], lookup })
  const a = await first
  t.equal((await a.body.collect()).toString(), 'first')
  const outcome = await second.then(async res => (await res.body.collect()).toString(), (err: unknown) => err)
  t.equal(outcome, 'second', 'the waiter was served')
  t.same(defaultCalls, [], 'the manager default lookup was not used')
  t.same(requestCalls, ['own.test', 'own.test'])
})
