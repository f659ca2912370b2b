// https through the pool against the fixture TLS server (test/support/tls-fixtures.ts): the test
// CA, SNI, keep-alive, session resumption, verification failures as SSLError, and the TLS identity
// in the pool key, so that an unverified connection never carries a verified request.

import t, { type Test } from 'tap'
import { ConnectionError, SSLError } from '../../lib/errors.js'
import type { PoolManager } from '../../lib/pool/index.js'
import type { PoolRequest, PoolResponse, TlsOptions } from '../../lib/pool/types.js'
import { fixtures, startTlsServer, type TlsServerOptions, type TlsTestServer } from '../support/tls-fixtures.js'
import { manager, mapLookup, rejection } from './fixtures/helpers.js'

const lookup = mapLookup({ localhost: [['127.0.0.1', 4]] })

async function tlsServer(t: Test, options: TlsServerOptions = fixtures.server): Promise<TlsTestServer> {
  const server = await startTlsServer(options)
  t.teardown(() => server.close())
  return server
}

function get(m: PoolManager, server: TlsTestServer, tls: TlsOptions | undefined, extra: Partial<PoolRequest> = {}): Promise<PoolResponse> {
  return m.request({ origin: { scheme: 'https', hostname: 'localhost', port: server.port }, method: 'GET', target: '/', headers: [], lookup, tls, ...extra })
}

async function text(res: Promise<PoolResponse>): Promise<string> {
  return (await (await res).body.collect()).toString()
}

const verified: TlsOptions = { ca: fixtures.ca }

t.test('an https request verifies the server against the given CA and sends SNI', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  t.equal(await text(get(m, server, verified)), 'ok')
  t.same(server.servernames, ['localhost'])
})

t.test('https connections are kept alive', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  const reused: boolean[] = []
  for (let i = 0; i < 5; i++) {
    const res = await get(m, server, verified)
    await res.body.collect()
    reused.push(res.reused)
  }
  t.same(reused, [false, true, true, true, true])
  t.equal(server.connections, 1)
  t.equal(server.requests, 5)
})

t.test('a second connection to the same origin resumes the TLS session', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  // Connection: close makes the server end the first connection, so the second request dials.
  t.equal(await text(get(m, server, verified, { headers: ['Connection', 'close'] })), 'ok')
  t.equal(await text(get(m, server, verified)), 'ok')
  t.equal(server.connections, 2)
  t.equal(server.sessionsResumed, 1, 'the second handshake resumed the first session')
})

t.test('an IP literal origin sends no SNI and is verified against the IP in the certificate', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  const res = await m.request({ origin: { scheme: 'https', hostname: '127.0.0.1', port: server.port }, method: 'GET', target: '/', headers: [], tls: verified })
  t.equal((await res.body.collect()).toString(), 'ok')
  t.same(server.servernames, [false])
})

t.test('a servername option sets SNI and the name verified when dialing an IP', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  const res = await m.request({ origin: { scheme: 'https', hostname: '127.0.0.1', port: server.port }, method: 'GET', target: '/', headers: [], tls: { ca: fixtures.ca, servername: 'localhost' } })
  t.equal((await res.body.collect()).toString(), 'ok')
  t.same(server.servernames, ['localhost'])
})

for (const [name, pair] of [
  ['a self-signed certificate', fixtures.selfSigned],
  ['a certificate for another name', fixtures.wrongName],
  ['an expired certificate', fixtures.expired],
] as const) {
  t.test(`verification refuses ${name} with an SSLError in phase connect`, async t => {
    const server = await tlsServer(t, pair)
    const m = manager(t)
    const err = await rejection(get(m, server, verified))
    t.type(err, SSLError)
    t.type(err, ConnectionError)
    t.equal((err as SSLError).phase, 'connect')
    t.type((err as SSLError).code, 'string')
    t.equal(server.requests, 0)
  })
}

t.test('a certificate the default store does not know is refused when no CA is given', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  const err = await rejection(get(m, server, undefined))
  t.type(err, SSLError)
})

t.test('verify: false accepts a self-signed certificate', async t => {
  const server = await tlsServer(t, fixtures.selfSigned)
  const m = manager(t)
  t.equal(await text(get(m, server, { verify: false })), 'ok')
})

t.test('a connection made with verify: false is never reused for a verified request, nor the other way round', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  t.equal(await text(get(m, server, { verify: false })), 'ok')
  t.equal(await text(get(m, server, verified)), 'ok')
  t.equal(server.connections, 2, 'the verified request dialed its own connection')
  t.equal(await text(get(m, server, { verify: false })), 'ok')
  t.equal(await text(get(m, server, { ca: fixtures.ca })), 'ok')
  t.equal(server.connections, 2, 'each kind reused its own')
  const keys = m.stats().map(s => s.key)
  t.equal(keys.length, 2)
  t.equal(new Set(keys).size, 2, 'two pool keys for one host')
})

t.test('a different CA is a different pool', async t => {
  const server = await tlsServer(t)
  const m = manager(t)
  t.equal(await text(get(m, server, { ca: fixtures.ca })), 'ok')
  t.equal(await text(get(m, server, { ca: [fixtures.ca, fixtures.otherCa] })), 'ok')
  t.equal(m.stats().length, 2)
  t.equal(server.connections, 2)
})

t.test('a TLS server that refuses a client without a certificate fails the request with a ConnectionError', async t => {
  // A verified request against a server that refuses to finish the handshake (requires a client
  // certificate the client does not have).
  const server = await tlsServer(t, { ...fixtures.server, ca: fixtures.clientCa, requestCert: true, rejectUnauthorized: true })
  const m = manager(t)
  const err = await rejection(get(m, server, verified))
  t.type(err, ConnectionError)
  t.ok((err as ConnectionError).phase === 'connect' || (err as ConnectionError).phase === 'head', `phase ${String((err as ConnectionError).phase)}`)
})
