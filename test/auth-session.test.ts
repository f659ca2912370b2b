// Authentication end to end through a real Session: HTTPDigestAuth against the test server's
// digest verifier (every algorithm, wrong credentials, credentials sent before being asked, stale
// nonces, cookies set on the challenge), a POST body resent after a 401 (a raw server playing the
// digest side, since /digest-auth answers GET only), netrc credentials from $NETRC, and
// HTTPProxyAuth. The server's request count says how many round trips each case took.

import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { HTTPBasicAuth, HTTPDigestAuth, HTTPProxyAuth, Session, UnrewindableBodyError } from '../lib/index.js'
import { httpbinFor } from './support/httpbin.js'
import { DIGEST_REALM, expectedResponse, parseDigestAuthorization } from './support/httpbin/digest.js'
import { response, startRawServer, type RawServer } from './support/raw-server.js'

type Authenticated = { authenticated: boolean; user: string }
type HeadersEcho = { headers: Record<string, string> }

// Every test here runs with $NETRC pointing into a temporary directory, so a real ~/.netrc of
// whoever runs the suite never adds credentials to requests that should have none.
const dir = mkdtempSync(join(tmpdir(), 'reqwire-auth-'))
const savedNetrc = process.env.NETRC
process.env.NETRC = join(dir, 'absent-netrc')
t.teardown(() => {
  if (savedNetrc === undefined) delete process.env.NETRC
  else process.env.NETRC = savedNetrc
  rmSync(dir, { recursive: true, force: true })
})

const bin = await httpbinFor(t)

function session(t: Test): Session {
  const s = new Session()
  t.teardown(() => s.close())
  return s
}

/** Runs `fn` and returns how many requests the test server received meanwhile. */
async function counted<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const before = bin.requests
  const result = await fn()
  return [result, bin.requests - before]
}

let netrcFiles = 0
/** Writes a netrc file and points $NETRC at it for the rest of the test. */
function useNetrc(t: Test, text: string): void {
  const path = join(dir, `netrc-${netrcFiles++}`)
  writeFileSync(path, text, { mode: 0o600 })
  const previous = process.env.NETRC
  process.env.NETRC = path
  t.teardown(() => {
    process.env.NETRC = previous
  })
}

const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')

t.test('HTTPDigestAuth answers the challenge of every algorithm the server offers', async t => {
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512']) {
    const s = session(t)
    const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/auth/user/pass/${algorithm}`, { auth: new HTTPDigestAuth('user', 'pass') }))
    t.equal(r.statusCode, 200, algorithm)
    t.same(r.json<Authenticated>(), { authenticated: true, user: 'user' }, algorithm)
    t.same(r.history.map(h => h.statusCode), [401], `${algorithm}: the challenge is kept in history`)
    t.equal(r.history[0]?.text, '', `${algorithm}: with its (empty) body readable, as in Requests`)
    t.equal(requests, 2, `${algorithm}: one challenge, one answer`)
    t.match(r.request?.headers.get('Authorization'), new RegExp(`^Digest username="user", realm="${DIGEST_REALM}", .*algorithm=${algorithm}`), algorithm)
  }
})

t.test('HTTPDigestAuth answers the RFC 2069 form (no qop) too', async t => {
  const s = session(t)
  const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/none/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'pass') }))
  t.equal(r.statusCode, 200)
  t.equal(requests, 2)
  t.notMatch(r.request?.headers.get('Authorization'), /qop=/)
})

t.test('a challenge that asks for auth-int only is returned as is, without a retry', async t => {
  const s = session(t)
  const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/auth-int/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'pass') }))
  t.equal(r.statusCode, 401)
  t.equal(requests, 1)
  t.same(r.history, [])
})

t.test('a wrong password ends in the second 401, the first in history, and no loop', async t => {
  const s = session(t)
  const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/auth/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'wrong') }))
  t.equal(r.statusCode, 401)
  t.equal(requests, 2, 'one retry, then the 401 is returned')
  t.same(r.history.map(h => h.statusCode), [401])
  t.ok(r.headers.get('WWW-Authenticate')?.startsWith('Digest '), 'the final 401 still carries its challenge')
  t.ok(r.request?.headers.has('Authorization'), 'the final request did send credentials')
})

t.test('the same auth object sends Authorization before being asked on the next request', async t => {
  const s = session(t)
  const auth = new HTTPDigestAuth('user', 'pass')
  const url = `${bin.url}/digest-auth/auth/user/pass/SHA-256`
  const [first, firstRequests] = await counted(() => s.get(url, { auth }))
  t.equal(first.statusCode, 200)
  t.equal(firstRequests, 2)
  const [second, secondRequests] = await counted(() => s.get(url, { auth }))
  t.equal(second.statusCode, 200)
  t.equal(secondRequests, 1, 'one request, no 401')
  t.same(second.history, [])
  t.equal(parseDigestAuthorization(second.request?.headers.get('Authorization') ?? '')?.get('nc'), '00000002', 'the nonce is used a second time')
  // And from a session-wide auth, to another path of the same origin.
  s.auth = auth
  const [third, thirdRequests] = await counted(() => s.get(`${url}?other=1`))
  t.equal(third.statusCode, 200)
  t.equal(thirdRequests, 1)
})

t.test('a redirect to a digest-protected page is answered on the hop that is challenged', async t => {
  const s = session(t)
  const target = '/digest-auth/auth/user/pass/MD5'
  const [r, requests] = await counted(() => s.get(`${bin.url}/redirect-to?url=${encodeURIComponent(target)}`, { auth: new HTTPDigestAuth('user', 'pass') }))
  t.equal(r.statusCode, 200)
  t.equal(r.url, `${bin.url}${target}`)
  t.equal(requests, 3, 'the redirect, the challenge, the answer')
  t.equal(r.history[0]?.statusCode, 302)
})

t.test('concurrent requests with one auth object each answer their own challenge', async t => {
  const s = session(t)
  const auth = new HTTPDigestAuth('user', 'pass')
  const url = `${bin.url}/digest-auth/auth/user/pass/SHA-256`
  const [results, requests] = await counted(() => Promise.all([s.get(url, { auth }), s.get(`${url}?b`, { auth }), s.get(`${url}?c`, { auth })]))
  t.same(results.map(r => r.statusCode), [200, 200, 200])
  t.equal(requests, 6)
})

t.test('a stale nonce sent before being asked gets a stale challenge and one more round trip', async t => {
  // The last path segment makes a nonce stale after that many successful uses.
  const s = session(t)
  const auth = new HTTPDigestAuth('user', 'pass')
  const url = `${bin.url}/digest-auth/auth/user/pass/MD5/1`
  const [first, firstRequests] = await counted(() => s.get(url, { auth }))
  t.equal(first.statusCode, 200)
  t.equal(firstRequests, 2)
  const oldNonce = parseDigestAuthorization(first.request?.headers.get('Authorization') ?? '')?.get('nonce')
  const [second, secondRequests] = await counted(() => s.get(url, { auth }))
  t.equal(second.statusCode, 200, 'the stale nonce is replaced and the request succeeds')
  t.equal(secondRequests, 2)
  t.same(second.history.map(h => h.statusCode), [401])
  t.match(second.history[0]?.headers.get('WWW-Authenticate'), /stale=TRUE/)
  const newNonce = parseDigestAuthorization(second.request?.headers.get('Authorization') ?? '')?.get('nonce')
  t.not(newNonce, oldNonce)
})

t.test('a server that calls every nonce stale cannot keep the client in a loop', async t => {
  const s = session(t)
  const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/auth/user/pass/MD5/0`, { auth: new HTTPDigestAuth('user', 'pass') }))
  t.equal(r.statusCode, 401)
  t.equal(requests, 4, 'the challenge, the one retry and two stale retries')
  t.same(r.history.map(h => h.statusCode), [401, 401, 401])
})

t.test('cookies the 401 sets are sent with the retry (the server\'s require-cookie mode)', async t => {
  const s = session(t)
  const [r, requests] = await counted(() => s.get(`${bin.url}/digest-auth/auth/user/pass/MD5?require-cookie=1`, { auth: new HTTPDigestAuth('user', 'pass') }))
  t.equal(r.statusCode, 200, 'the retry carried fake=fake_value from the challenge')
  t.equal(requests, 2)
  t.match(r.request?.headers.get('Cookie'), /(^|; )fake=fake_value(;|$)/)
})

t.test('cookies the 401 sets are added to a Cookie header the request already had from the jar', async t => {
  const s = session(t)
  s.cookies.set('mine', 'kept')
  const r = await s.get(`${bin.url}/digest-auth/auth/user/pass/MD5?require-cookie=1`, { auth: new HTTPDigestAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  const cookie = r.request?.headers.get('Cookie') ?? ''
  t.match(cookie, /(^|; )fake=fake_value(;|$)/)
  t.match(cookie, /(^|; )mine=kept(;|$)/)
})

t.test('a Cookie header set by hand is left as it is on the retry', async t => {
  const s = session(t)
  const r = await s.get(`${bin.url}/digest-auth/auth/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'pass'), headers: { Cookie: 'hand=made' } })
  t.equal(r.statusCode, 200)
  t.equal(r.request?.headers.get('Cookie'), 'hand=made')
})

t.test('the session keeps the cookies of the 401s in history, as Requests does', async t => {
  // Requests' Session.send extracts the cookies of every response in r.history into the
  // session's jar after the hooks ran; the challenge sets stale_after=never, the 200 does not.
  const s = session(t)
  const r = await s.get(`${bin.url}/digest-auth/auth/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  t.equal(s.cookies.get('fake'), 'fake_value', 'the final response\'s cookie is kept')
  t.equal(s.cookies.get('stale_after'), 'never', 'and the challenge\'s')

})

/** A raw server that plays the server side of Digest (qop=auth, MD5) for any method. */
async function digestServer(t: Test): Promise<RawServer> {
  const nonce = 'raw-nonce-1'
  const server = await startRawServer({
    handler: (req, socket) => {
      const creds = parseDigestAuthorization(req.header('authorization') ?? '')
      if (creds === null) {
        socket.write(response(401, '', [`WWW-Authenticate: Digest realm="raw", nonce="${nonce}", qop="auth", algorithm=MD5`]))
        return
      }
      const expected = expectedResponse({
        algorithm: 'MD5', username: 'user', realm: 'raw', password: 'pass', method: req.method,
        uri: creds.get('uri') ?? '', nonce, nc: creds.get('nc'), cnonce: creds.get('cnonce'), qop: creds.get('qop'),
      })
      const good = creds.get('uri') === req.target && creds.get('response') === expected
      socket.write(good ? response(200, `got ${req.body.length} bytes`) : response(403, 'bad digest'))
    },
  })
  t.teardown(() => server.close())
  return server
}

t.test('a POST with a Buffer body is resent intact after the 401', async t => {
  const server = await digestServer(t)
  const s = session(t)
  const body = Buffer.concat([Buffer.from('binary \u00e9\r\n\0'), Buffer.alloc(70_000, 0x61)])
  const r = await s.post(`http://127.0.0.1:${server.port}/upload?x=1`, { data: body, auth: new HTTPDigestAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  t.equal(r.text, `got ${body.length} bytes`)
  t.equal(server.requests.length, 2)
  const [first, retry] = server.requests
  t.same([first?.method, retry?.method], ['POST', 'POST'])
  t.ok(first?.body.equals(body), 'sent whole the first time')
  t.ok(retry?.body.equals(body), 'and again, byte for byte, with the credentials')
  t.equal(retry?.header('content-length'), String(body.length))
  t.same(r.history.map(h => h.statusCode), [401])
})

t.test('a POST with a form body and with a JSON body is resent intact after the 401', async t => {
  const server = await digestServer(t)
  const s = session(t)
  const auth = new HTTPDigestAuth('user', 'pass')
  t.equal((await s.post(`http://127.0.0.1:${server.port}/form`, { data: { a: '1', b: 'two words' }, auth })).statusCode, 200)
  t.equal(server.requests[1]?.body.toString(), 'a=1&b=two+words')
  // The auth now sends credentials first: one request.
  const r = await s.put(`http://127.0.0.1:${server.port}/json`, { json: { k: [1, 2] }, auth })
  t.equal(r.statusCode, 200)
  t.equal(server.requests.length, 3)
  t.same(JSON.parse(server.requests[2]?.body.toString() ?? 'null'), { k: [1, 2] })
})

t.test('a streamed body cannot be resent after the 401: UnrewindableBodyError, not a resend without it', async t => {
  const server = await digestServer(t)
  const s = session(t)
  await t.rejects(
    s.post(`http://127.0.0.1:${server.port}/stream`, { data: Readable.from([Buffer.from('once')]), auth: new HTTPDigestAuth('user', 'pass') }),
    UnrewindableBodyError,
  )
  t.equal(server.requests.length, 1)
})

t.test('netrc: credentials for the host are sent as Basic when no auth is given', async t => {
  useNetrc(t, 'machine 127.0.0.1\n  login user\n  password pass\n')
  const s = session(t)
  const r = await s.get(`${bin.url}/basic-auth/user/pass`)
  t.equal(r.statusCode, 200)
  t.same(r.json<Authenticated>(), { authenticated: true, user: 'user' })
  t.equal(r.request?.headers.get('Authorization'), basic('user', 'pass'))
})

t.test('netrc: a default entry answers a host without its own', async t => {
  useNetrc(t, 'machine elsewhere.test login x password y\ndefault login user password pass\n')
  const s = session(t)
  t.equal((await s.get(`${bin.url}/basic-auth/user/pass`)).statusCode, 200)
})

t.test('netrc: nothing is sent with trustEnv off', async t => {
  useNetrc(t, 'machine 127.0.0.1 login user password pass\n')
  const s = session(t)
  s.trustEnv = false
  const r = await s.get(`${bin.url}/basic-auth/user/pass`)
  t.equal(r.statusCode, 401)
  const echo = (await s.get(`${bin.url}/headers`)).json<HeadersEcho>()
  t.notOk('Authorization' in echo.headers)
})

t.test('netrc: nothing is sent to a host it has no entry for', async t => {
  useNetrc(t, 'machine other.test login user password pass\n')
  const s = session(t)
  const echo = (await s.get(`${bin.url}/headers`)).json<HeadersEcho>()
  t.notOk('Authorization' in echo.headers)
})

t.test('netrc: an explicit auth wins, on the request or the session', async t => {
  useNetrc(t, 'machine 127.0.0.1 login netrc-user password netrc-pass\n')
  const s = session(t)
  const echo = (await s.get(`${bin.url}/headers`, { auth: ['explicit', 'secret'] })).json<HeadersEcho>()
  t.equal(echo.headers.Authorization, basic('explicit', 'secret'))
  t.equal((await s.get(`${bin.url}/basic-auth/user/pass`, { auth: ['user', 'pass'] })).statusCode, 200)
  s.auth = new HTTPBasicAuth('session', 'auth')
  t.equal((await s.get(`${bin.url}/headers`)).json<HeadersEcho>().headers.Authorization, basic('session', 'auth'))
  s.auth = null
  t.equal((await s.get(`${bin.url}/headers`)).json<HeadersEcho>().headers.Authorization, basic('netrc-user', 'netrc-pass'), 'and without one, netrc again')
})

t.test('netrc: an explicit Digest auth is not replaced by the netrc Basic credentials', async t => {
  useNetrc(t, 'machine 127.0.0.1 login user password wrong\n')
  const s = session(t)
  const r = await s.get(`${bin.url}/digest-auth/auth/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  t.match(r.request?.headers.get('Authorization'), /^Digest /)
})

t.test('HTTPProxyAuth sets Proxy-Authorization, not Authorization', async t => {
  const s = session(t)
  const r = await s.get(`${bin.url}/headers`, { auth: new HTTPProxyAuth('proxy-user', 'proxy-pass') })
  const headers = r.json<HeadersEcho>().headers
  t.equal(headers['Proxy-Authorization'], basic('proxy-user', 'proxy-pass'))
  t.notOk('Authorization' in headers)
})
