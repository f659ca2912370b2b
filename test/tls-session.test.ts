// The TLS options of the Requests API through a Session (API.md `verify`, `cert`): CA bundle
// files and directories, the environment's bundle, verify: false (warned once, never shared
// with verified connections), client certificates, and SSLError for each certificate problem.
// Servers are node:tls on 127.0.0.1 with the fixtures of test/fixtures/make-certs.sh.

import t, { type Test } from 'tap'
import { fixturePaths, fixtures, startTlsServer, clientKeyPassphrase, type TlsTestServer } from './support/tls-fixtures.js'
import { httpbinFor } from './support/httpbin.js'
import { ConnectionError, HTTPAdapter, Session, SSLError } from '../lib/index.js'

async function server(t: Test, options: Parameters<typeof startTlsServer>[0]): Promise<TlsTestServer> {
  const s = await startTlsServer(options)
  t.teardown(() => s.close())
  return s
}

function session(t: Test): { s: Session; adapter: HTTPAdapter } {
  const adapter = new HTTPAdapter()
  const s = new Session({ adapter })
  s.trustEnv = false
  t.teardown(() => s.close())
  return { s, adapter }
}

t.test('verify: a CA bundle file trusts the test CA', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  const r = await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca })
  t.equal(r.statusCode, 200)
  t.equal(r.text, 'ok')
})

t.test('verify: a directory of certificates works as a bundle', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  const r = await s.get(`https://localhost:${srv.port}/`, { verify: fixturePaths.caDir })
  t.equal(r.statusCode, 200)
})

t.test('verify: true with Node\'s CA store refuses the test CA\'s certificate with an SSLError naming the cause', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  const err = await s.get(`https://127.0.0.1:${srv.port}/`).catch((e: unknown) => e) as SSLError
  t.type(err, SSLError)
  t.match(err.message, /unknown issuer|self-signed/)
  t.equal(err.request?.url, `https://127.0.0.1:${srv.port}/`)
})

t.test('a session setting of verify is used when the request gives none', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  s.verify = fixturePaths.ca
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`)).statusCode, 200)
})

t.test('REQUESTS_CA_BUNDLE supplies the bundle when verify is left at true and trustEnv is on', async (t) => {
  const srv = await server(t, fixtures.server)
  const before = process.env.REQUESTS_CA_BUNDLE
  process.env.REQUESTS_CA_BUNDLE = fixturePaths.ca
  t.teardown(() => {
    if (before === undefined) delete process.env.REQUESTS_CA_BUNDLE
    else process.env.REQUESTS_CA_BUNDLE = before
  })
  const { s } = session(t)
  s.trustEnv = true
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`)).statusCode, 200)
  s.trustEnv = false
  await t.rejects(s.get(`https://127.0.0.1:${srv.port}/`), SSLError, 'without trustEnv the environment is not read')
})

t.test('certificate problems are SSLErrors with the cause in words', async (t) => {
  const cases: [string, { cert: Buffer; key: Buffer }, RegExp][] = [
    ['expired', fixtures.expired, /expired/],
    ['self-signed', fixtures.selfSigned, /self-signed/],
    ['wrong name', fixtures.wrongName, /does not match|altnames|other\.example/i],
  ]
  for (const [name, pair, pattern] of cases) {
    const srv = await server(t, pair)
    const { s } = session(t)
    const err = await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca }).catch((e: unknown) => e) as SSLError
    t.type(err, SSLError, name)
    t.match(err.message, pattern, name)
  }
})

t.test('verify: false connects to a self-signed server, warns once per process, and never shares a verified connection', async (t) => {
  const srv = await server(t, fixtures.selfSigned)
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const { s, adapter } = session(t)
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`, { verify: false })).statusCode, 200)
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`, { verify: false })).statusCode, 200)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(warnings.filter((w) => (w as Error & { code?: string }).code === 'REQWIRE_INSECURE_REQUEST').length, 1)
  // The verified request gets a pool of its own and fails: the unverified socket is not reused.
  await t.rejects(s.get(`https://127.0.0.1:${srv.port}/`), SSLError)
  t.equal(adapter.stats().length, 2)
})

t.test('cert: a client certificate as [cert, key] paths is accepted by a server that requires one', async (t) => {
  const srv = await server(t, { ...fixtures.server, ca: fixtures.clientCa, requestCert: true, rejectUnauthorized: true })
  const { s } = session(t)
  const r = await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, cert: [fixturePaths.client.cert, fixturePaths.client.key] })
  t.equal(r.statusCode, 200)
})

t.test('cert: one PEM holding both, and { cert, key, passphrase } for an encrypted key', async (t) => {
  const srv = await server(t, { ...fixtures.server, ca: fixtures.clientCa, requestCert: true, rejectUnauthorized: true })
  const { s } = session(t)
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, cert: fixturePaths.client.combined })).statusCode, 200)
  const encrypted = { cert: fixturePaths.client.cert, key: fixturePaths.client.encryptedKey, passphrase: clientKeyPassphrase }
  t.equal((await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, cert: encrypted })).statusCode, 200)
})

t.test('a wrong passphrase or a missing file is an SSLError before connecting', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  const wrong = { cert: fixturePaths.client.cert, key: fixturePaths.client.encryptedKey, passphrase: 'not-it' }
  await t.rejects(s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, cert: wrong }), SSLError)
  await t.rejects(s.get(`https://127.0.0.1:${srv.port}/`, { verify: '/nonexistent/ca.pem' }), SSLError)
  t.equal(srv.connections, 0, 'nothing reached the server')
})

t.test('without the client certificate the server refuses: an SSLError saying a client certificate is required (TLS 1.3 tells on the first read)', async (t) => {
  const srv = await server(t, { ...fixtures.server, ca: fixtures.clientCa, requestCert: true, rejectUnauthorized: true })
  const { s } = session(t)
  const err = await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, timeout: 5000 }).catch((e: unknown) => e) as SSLError
  t.type(err, SSLError)
  t.match(err.message, /client certificate/)
})

t.test('a client certificate from a CA the server does not trust is a ConnectionError, never a hang (node:tls checks it after the handshake and hangs up without an alert, so nothing says why)', async (t) => {
  const srv = await server(t, { ...fixtures.server, ca: fixtures.otherCa, requestCert: true, rejectUnauthorized: true })
  const { s } = session(t)
  const err = await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca, cert: [fixturePaths.client.cert, fixturePaths.client.key], timeout: 5000 }).catch((e: unknown) => e)
  t.type(err, ConnectionError)
})

t.test('https:// to a plain-HTTP port is an SSLError that says so', async (t) => {
  const bin = await httpbinFor(t)
  const { s } = session(t)
  const err = await s.get(bin.url.replace('http://', 'https://'), { timeout: 5000 }).catch((e: unknown) => e) as SSLError
  t.type(err, SSLError)
  t.match(err.message, /plain HTTP|TLS/)
})

t.test('keep-alive over TLS: 1,000 sequential requests share one connection', async (t) => {
  const srv = await server(t, fixtures.server)
  const { s } = session(t)
  for (let i = 0; i < 1000; i++) await s.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca })
  t.equal(srv.connections, 1)
})

t.test('a new connection to a known origin resumes its TLS session instead of a full handshake', async (t) => {
  const srv = await server(t, { ...fixtures.server, tlsOptions: { maxVersion: 'TLSv1.2' } })
  const first = session(t).s
  await first.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca })
  await first.close()
  const second = session(t).s
  await second.get(`https://127.0.0.1:${srv.port}/`, { verify: fixturePaths.ca })
  t.equal(srv.connections, 2)
  t.equal(srv.sessionsResumed, 1)
})
