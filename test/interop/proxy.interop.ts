// Interop with a real tinyproxy in front of nginx (issue 5): https:// through its CONNECT tunnel
// (client certificates included), http:// in absolute-form, its refusals (a port outside ConnectPort,
// a filtered destination) and its BasicAuth (407). Both servers come from test/interop/servers.ts,
// on 127.0.0.1 only; without them, the file skips.

import t from 'tap'
import { STATIC_TEXT, skipFile, startNginx, startTinyproxy, type Nginx, type Tinyproxy } from './servers.js'
import { fixturePaths } from '../support/tls-fixtures.js'
import { HTTPProxyAuth, ProxyError } from '../../lib/index.js'
import { isolatedSession as session, failure } from '../support/session.js'

const AUTH = { user: 'reqwire', pass: 'pr0xy pass' }



/** Lines of tinyproxy's log that record a request line (`Request (file descriptor N): …`). */
function requestLines(proxy: Tinyproxy): string[] {
  return proxy.log().split('\n').filter((l) => l.includes('Request (file descriptor')).map((l) => l.replace(/^.*?\): /, ''))
}

async function start(): Promise<{ nginx: Nginx; open: Tinyproxy; authed: Tinyproxy } | string> {
  const nginx = await startNginx()
  if (typeof nginx === 'string') return nginx
  const connectPorts = [nginx.https.port, nginx.mtls.port]
  const open = await startTinyproxy({ connectPorts })
  if (typeof open === 'string') {
    await nginx.stop()
    return open
  }
  // BasicAuth takes the password as one word: no spaces in a tinyproxy config value.
  const authed = await startTinyproxy({ connectPorts, auth: { user: AUTH.user, pass: AUTH.pass.replace(/ /g, '') } })
  if (typeof authed === 'string') {
    await Promise.all([nginx.stop(), open.stop()])
    return authed
  }
  return { nginx, open, authed }
}

const servers = await start()
if (typeof servers === 'string') skipFile(t, servers)
else {
  t.teardown(() => Promise.all([servers.nginx.stop(), servers.open.stop(), servers.authed.stop()]))
  define(servers.nginx, servers.open, servers.authed)
}

function define(nginx: Nginx, open: Tinyproxy, authed: Tinyproxy): void {
  const { http, https, mtls } = nginx
  const verify = fixturePaths.ca
  const user = AUTH.user
  const pass = AUTH.pass.replace(/ /g, '')
  const authedUrl = authed.url.replace('http://', `http://${user}:${encodeURIComponent(pass)}@`)

  t.test('https:// through tinyproxy\'s CONNECT tunnel answers 200, tinyproxy logs the CONNECT, and the tunnel is reused', async (t) => {
    const s = session(t)
    const before = requestLines(open).length
    const first = await s.get(`${https.url}/tunnelled`, { proxies: { https: open.url }, verify })
    t.equal(first.statusCode, 200)
    t.equal(first.text, 'secure /tunnelled\nsni=\nproxy-authorization=\n')
    const second = await s.get(`${https.url}/again`, { proxies: { https: open.url }, verify })
    t.equal(second.headers.get('x-connection'), first.headers.get('x-connection'), 'one TLS connection inside one tunnel')
    t.same(requestLines(open).slice(before), [`CONNECT 127.0.0.1:${https.port} HTTP/1.1`], 'one CONNECT in authority-form')
  })

  t.test('https:// by name through the tunnel: CONNECT localhost:port, and SNI localhost to nginx', async (t) => {
    const s = session(t)
    const before = requestLines(open).length
    const r = await s.get(`https://localhost:${https.port}/named`, { proxies: { https: open.url }, verify })
    t.equal(r.text, 'secure /named\nsni=localhost\nproxy-authorization=\n')
    t.same(requestLines(open).slice(before), [`CONNECT localhost:${https.port} HTTP/1.1`])
  })

  t.test('a client certificate works inside tinyproxy\'s tunnel to the ssl_verify_client server', async (t) => {
    const s = session(t)
    const r = await s.get(`${mtls.url}/`, { proxies: { https: open.url }, verify, cert: [fixturePaths.client.cert, fixturePaths.client.key] })
    t.equal(r.statusCode, 200)
    t.match(r.text, /CN=reqwire test client[\s\S]*verify=SUCCESS/)
  })

  t.test('http:// through tinyproxy goes in absolute-form and reaches nginx through it', async (t) => {
    const s = session(t)
    const before = requestLines(open).length
    const r = await s.get(`${http.url}/headers`, { proxies: { http: open.url } })
    t.equal(r.statusCode, 200)
    t.match(r.text, /^via=1\.1 .*tinyproxy/m, 'nginx saw tinyproxy\'s Via')
    t.match(r.text, `host=127.0.0.1:${http.port}\n`)
    t.same(requestLines(open).slice(before), [`GET ${http.url}/headers HTTP/1.1`])
    const redirected = await s.get(`${http.url}/redirect`, { proxies: { http: open.url } })
    t.equal(redirected.text, STATIC_TEXT, 'a redirect followed through the proxy')
    const post = await session(t).post(`${http.url}/post`, { proxies: { http: open.url }, data: { a: '1' } })
    t.equal(post.text, 'POST application/x-www-form-urlencoded 3\na=1', 'a request body through the proxy')
  })

  // tinyproxy 1.11 answers in HTTP/1.1 without `Connection: close` and then closes the client
  // connection a moment later (RFC 9112 §9.6 says it must send "close"). reqwire keeps a socket to
  // a forwarding proxy only when the proxy says keep-alive, so the POST goes on a new connection.
  t.test('a POST right after another request through tinyproxy gets its answer', async (t) => {
    const s = session(t)
    await s.get(`${http.url}/static.txt`, { proxies: { http: open.url } })
    const post = await s.post(`${http.url}/post`, { proxies: { http: open.url }, data: { a: '1' } }).catch((err: unknown) => err as Error)
    t.notOk(post instanceof Error, `answered${post instanceof Error ? `: ${post.message}` : ''}`)
    if (!(post instanceof Error)) t.equal(post.text, 'POST application/x-www-form-urlencoded 3\na=1')
  })

  t.test('a CONNECT to a port outside tinyproxy\'s ConnectPort list is a ProxyError carrying 403', async (t) => {
    const s = session(t)
    const err = await failure(s.get(`https://127.0.0.1:${http.port}/`, { proxies: { https: open.url }, verify }))
    t.type(err, ProxyError)
    t.equal((err as ProxyError).status, 403)
  })

  t.test('tinyproxy reaches loopback only: another destination is refused with 403 before any connection', async (t) => {
    const s = session(t)
    const r = await s.get('http://192.0.2.1/', { proxies: { http: open.url }, timeout: 5000 })
    t.equal(r.statusCode, 403)
    t.match(open.log(), /Proxying refused on filtered domain "192\.0\.2\.1"/)
  })

  t.test('BasicAuth: an https:// CONNECT without credentials is a ProxyError carrying 407', async (t) => {
    const s = session(t)
    const err = await failure(s.get(`${https.url}/`, { proxies: { https: authed.url }, verify }))
    t.type(err, ProxyError)
    t.equal((err as ProxyError).status, 407)
  })

  t.test('BasicAuth: an http:// request without credentials gets tinyproxy\'s 407 response', async (t) => {
    const s = session(t)
    const r = await s.get(`${http.url}/static.txt`, { proxies: { http: authed.url } })
    t.equal(r.statusCode, 407)
    t.match(r.headers.get('proxy-authenticate') ?? '', /^Basic/i)
  })

  t.test('BasicAuth: credentials in the proxy URL are accepted, for a CONNECT and for absolute-form', async (t) => {
    const s = session(t)
    const tunnelled = await s.get(`${https.url}/authed`, { proxies: { https: authedUrl }, verify })
    t.equal(tunnelled.statusCode, 200)
    t.equal(tunnelled.text, 'secure /authed\nsni=\nproxy-authorization=\n', 'Proxy-Authorization stayed on the CONNECT')
    const plain = await s.get(`${http.url}/static.txt`, { proxies: { http: authedUrl } })
    t.equal(plain.statusCode, 200)
    t.equal(plain.text, STATIC_TEXT)
  })

  t.test('BasicAuth: HTTPProxyAuth credentials are accepted, and wrong ones refused with tinyproxy\'s status', async (t) => {
    const s = session(t)
    const r = await s.get(`${https.url}/proxy-auth`, { proxies: { https: authed.url }, auth: new HTTPProxyAuth(user, pass), verify })
    t.equal(r.statusCode, 200)
    const wrong = await failure(s.get(`https://localhost:${https.port}/`, { proxies: { https: authed.url }, auth: new HTTPProxyAuth(user, 'wrong'), verify }))
    t.type(wrong, ProxyError)
    // tinyproxy answers wrong credentials with "HTTP/1.0 401 Unauthorized" (not 407): reqwire carries what it got.
    t.equal((wrong as ProxyError).status, 401, 'wrong credentials: tinyproxy\'s 401')
  })
}
