// Interop with a real nginx over TLS (issue 5): the CA bundle, wrong CA, wrong name, keep-alive and
// session resumption, and client certificates against `ssl_verify_client on`. nginx comes from
// test/interop/servers.ts; without it, the file skips.

import t from 'tap'
import { skipFile, startNginx, type Nginx } from './servers.js'
import { clientKeyPassphrase, fixturePaths } from '../support/tls-fixtures.js'
import { HTTPError, SSLError } from '../../lib/index.js'
import { isolatedSession as session, failure } from '../support/session.js'



const nginx = await startNginx()
if (typeof nginx === 'string') skipFile(t, nginx)
else {
  t.teardown(() => nginx.stop())
  define(nginx)
}

function define(nginx: Nginx): void {
  const { https, mtls, wrongName } = nginx
  const verify = fixturePaths.ca

  t.test('HTTPS with verify set to the test CA bundle: by address without SNI, by name with it', async (t) => {
    const s = session(t)
    const byAddress = await s.get(`${https.url}/a`, { verify })
    t.equal(byAddress.statusCode, 200)
    t.equal(byAddress.text, 'secure /a\nsni=\nproxy-authorization=\n', 'no SNI for an IP address (RFC 6066)')
    const byName = await s.get(`https://localhost:${https.port}/b`, { verify })
    t.equal(byName.statusCode, 200)
    t.equal(byName.text, 'secure /b\nsni=localhost\nproxy-authorization=\n')
  })

  t.test('ten HTTPS requests on a session share one TLS connection', async (t) => {
    const s = session(t)
    const connections = new Set<string | undefined>()
    for (let i = 1; i <= 10; i++) {
      const r = await s.get(`${https.url}/${i}`, { verify })
      t.equal(r.headers.get('x-connection-requests'), String(i))
      connections.add(r.headers.get('x-connection'))
    }
    t.equal(connections.size, 1)
  })

  t.test('a new connection to nginx resumes the TLS session of the previous one', async (t) => {
    const s = session(t)
    const first = await s.get(`https://localhost:${https.port}/first`, { verify, headers: { Connection: 'close' } })
    t.equal(first.statusCode, 200)
    // (The first may already resume: reqwire's session cache is per process, and earlier tests here met this origin.)
    const second = await s.get(`https://localhost:${https.port}/second`, { verify })
    t.not(second.headers.get('x-connection'), first.headers.get('x-connection'), 'a new connection')
    t.equal(second.headers.get('x-session-reused'), 'r', 'nginx reports the session reused')
  })

  t.test('verify with a CA that did not issue nginx\'s certificate is an SSLError naming the cause', async (t) => {
    const s = session(t)
    const err = await failure(s.get(`${https.url}/`, { verify: fixturePaths.otherCa }))
    t.type(err, SSLError)
    t.match(err.message, /unknown issuer|unable to get local issuer|self-signed/i)
  })

  t.test('verify left at true (Node\'s CA store) refuses the test CA\'s certificate with an SSLError', async (t) => {
    const s = session(t)
    const err = await failure(s.get(`${https.url}/`))
    t.type(err, SSLError)
  })

  t.test('a certificate for another name is an SSLError that names the names it holds', async (t) => {
    const s = session(t)
    const err = await failure(s.get(`https://localhost:${wrongName.port}/`, { verify }))
    t.type(err, SSLError)
    t.match(err.message, /other\.example/)
  })

  t.test('verify: false accepts nginx\'s certificate for that request', async (t) => {
    const s = session(t)
    const r = await s.get(`https://localhost:${wrongName.port}/`, { verify: false })
    t.equal(r.statusCode, 200)
    t.equal(r.text, 'wrong name\n')
  })

  t.test('ssl_verify_client on: a client certificate and key as two paths is accepted', async (t) => {
    const s = session(t)
    const r = await s.get(`${mtls.url}/`, { verify, cert: [fixturePaths.client.cert, fixturePaths.client.key] })
    t.equal(r.statusCode, 200)
    t.match(r.text, /^client .*CN=reqwire test client.*\nverify=SUCCESS\n$/)
    const again = await s.get(`${mtls.url}/`, { verify, cert: [fixturePaths.client.cert, fixturePaths.client.key] })
    t.equal(again.headers.get('x-connection'), r.headers.get('x-connection'), 'the same connection serves the same client identity')
  })

  t.test('ssl_verify_client on: one PEM with both, and an encrypted key with its passphrase, are accepted', async (t) => {
    const s = session(t)
    const combined = await s.get(`${mtls.url}/`, { verify, cert: fixturePaths.client.combined })
    t.match(combined.text, /verify=SUCCESS/)
    const encrypted = await s.get(`${mtls.url}/`, {
      verify,
      cert: { cert: fixturePaths.client.cert, key: fixturePaths.client.encryptedKey, passphrase: clientKeyPassphrase },
    })
    t.match(encrypted.text, /verify=SUCCESS/)
  })

  // nginx asks for a certificate but lets the handshake complete without one, then answers
  // 400 in HTTP: that is nginx's refusal, so reqwire reports a response, not an SSLError.
  t.test('ssl_verify_client on without a client certificate: nginx answers 400 "No required SSL certificate was sent"', async (t) => {
    const s = session(t)
    const r = await s.get(`${mtls.url}/`, { verify })
    t.equal(r.statusCode, 400)
    t.match(r.text, /No required SSL certificate was sent/)
    t.throws(() => r.raiseForStatus(), HTTPError)
    const withCert = await s.get(`${mtls.url}/`, { verify, cert: [fixturePaths.client.cert, fixturePaths.client.key] })
    t.equal(withCert.statusCode, 200, 'a request with a certificate does not reuse the connection without one')
  })

  t.test('ssl_verify_client on with a certificate the client CA did not issue: nginx answers 400 "The SSL certificate error"', async (t) => {
    const s = session(t)
    const r = await s.get(`${mtls.url}/`, { verify, cert: [fixturePaths.server.cert, fixturePaths.server.key] })
    t.equal(r.statusCode, 400)
    t.match(r.text, /The SSL certificate error/)
  })
}
