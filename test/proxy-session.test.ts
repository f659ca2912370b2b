// Proxies through a Session, end to end (issue 5): http:// in absolute-form through a forwarding
// proxy, https:// through a CONNECT tunnel (plain and TLS proxies), Proxy-Authorization only to
// the proxy, refusals as ProxyError with the status, a silent proxy as ConnectTimeout, and the
// environment's proxies with no_proxy. The proxy is test/support/proxy.ts; names such as
// secure.example are resolved by the proxy's own lookup to 127.0.0.1, never by anyone else.

import t, { type Test } from 'tap'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { httpbinFor } from './support/httpbin.js'
import { startProxy, type StartProxyOptions, type TestProxy } from './support/proxy.js'
import { fixturePaths, fixtures } from './support/tls-fixtures.js'
import { isolatedSession as session } from './support/session.js'
import { ConnectTimeout, HTTPProxyAuth, ProxyError, Session } from '../lib/index.js'

const toLoopback = (host: string): string => {
  if (host === 'secure.example' || host === 'localhost' || host === '127.0.0.1') return '127.0.0.1'
  throw new Error(`unknown host ${host}`)
}

async function proxy(t: Test, options: StartProxyOptions = {}): Promise<TestProxy> {
  const p = await startProxy({ lookup: toLoopback, ...options })
  t.teardown(() => p.close())
  return p
}


/** An https origin for secure.example that answers with the request head it received, as JSON. */
async function secureOrigin(t: Test): Promise<{ port: number; seen: Record<string, string | string[] | undefined>[] }> {
  const seen: Record<string, string | string[] | undefined>[] = []
  const server = createHttpsServer({ cert: fixtures.server.cert, key: fixtures.server.key }, (req, res) => {
    seen.push({ ...req.headers, ':target': req.url })
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ target: req.url, headers: req.headers }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { port: (server.address() as AddressInfo).port, seen }
}

t.test('http:// through a proxy: absolute-form to the proxy, the origin answers', async (t) => {
  const bin = await httpbinFor(t)
  const p = await proxy(t)
  const s = session(t)
  const r = await s.get(`${bin.url}/get?x=1`, { proxies: { http: p.url } })
  t.equal(r.statusCode, 200)
  t.equal(r.json<{ args: object }>().args.constructor, Object)
  t.equal(p.requests.length, 1)
  t.equal(p.requests[0]?.target, `${bin.url}/get?x=1`)
})

t.test('http:// through a proxy with credentials in its URL: Basic to the proxy, percent-decoded, not to the origin', async (t) => {
  const bin = await httpbinFor(t)
  const p = await proxy(t, { auth: { user: 'user', pass: 'p@ss word' } })
  const s = session(t)
  const proxyUrl = p.url.replace('http://', 'http://user:p%40ss%20word@')
  const r = await s.get(`${bin.url}/headers`, { proxies: { http: proxyUrl } })
  t.equal(r.statusCode, 200)
  t.notOk('Proxy-Authorization' in r.json<{ headers: Record<string, string> }>().headers)
  t.equal(p.requests[0]?.headers['proxy-authorization'], `Basic ${Buffer.from('user:p@ss word').toString('base64')}`)
  const refused = await s.get(`${bin.url}/headers`, { proxies: { http: p.url } })
  t.equal(refused.statusCode, 407, 'a plain-http proxy refusal is the response itself')
})

t.test('https:// through a CONNECT tunnel: authority-form CONNECT, TLS to the origin by name inside it', async (t) => {
  const origin = await secureOrigin(t)
  const p = await proxy(t, { auth: { user: 'u', pass: 'p' } })
  const s = session(t)
  const proxyUrl = p.url.replace('http://', 'http://u:p@')
  const r = await s.get(`https://secure.example:${origin.port}/path?q=1`, { proxies: { https: proxyUrl }, verify: fixturePaths.ca })
  t.equal(r.statusCode, 200)
  t.equal(r.json<{ target: string }>().target, '/path?q=1', 'origin-form inside the tunnel')
  t.equal(p.tunnels.length, 1)
  t.equal(p.tunnels[0]?.authority, `secure.example:${origin.port}`)
  t.equal(p.tunnels[0]?.headers.host, `secure.example:${origin.port}`)
  t.ok(p.tunnels[0]?.headers['proxy-authorization'], 'credentials on the CONNECT')
  t.notOk(origin.seen[0]?.['proxy-authorization'], 'never inside the tunnel')
  t.equal(origin.seen[0]?.host, `secure.example:${origin.port}`)
})

t.test('HTTPProxyAuth credentials go on the CONNECT, not to the origin', async (t) => {
  const origin = await secureOrigin(t)
  const p = await proxy(t, { auth: { user: 'a', pass: 'b' } })
  const s = session(t)
  const r = await s.get(`https://secure.example:${origin.port}/`, { proxies: { https: p.url }, auth: new HTTPProxyAuth('a', 'b'), verify: fixturePaths.ca })
  t.equal(r.statusCode, 200)
  t.ok(p.tunnels[0]?.headers['proxy-authorization'])
  t.notOk(origin.seen[0]?.['proxy-authorization'])
})

t.test('tunnels are kept alive and reused: a second request opens no second CONNECT', async (t) => {
  const origin = await secureOrigin(t)
  const p = await proxy(t)
  const s = session(t)
  for (let i = 0; i < 3; i++) {
    const r = await s.get(`https://secure.example:${origin.port}/${i}`, { proxies: { https: p.url }, verify: fixturePaths.ca })
    t.equal(r.statusCode, 200)
  }
  t.equal(p.tunnels.length, 1)
})

t.test('a CONNECT answered 407, 403 or 502 is a ProxyError with the status; the origin is never reached', async (t) => {
  const origin = await secureOrigin(t)
  for (const status of [407, 403, 502]) {
    const p = await proxy(t, { connectStatus: status })
    const s = session(t)
    const err = await s.get(`https://secure.example:${origin.port}/`, { proxies: { https: p.url }, verify: fixturePaths.ca }).catch((e: unknown) => e) as ProxyError
    t.type(err, ProxyError, String(status))
    t.equal(err.status, status)
  }
  t.equal(origin.seen.length, 0)
})

t.test('a proxy that never answers the CONNECT is a ConnectTimeout', async (t) => {
  const p = await proxy(t, { silent: true })
  const s = session(t)
  await t.rejects(s.get('https://secure.example:1/', { proxies: { https: p.url }, timeout: { connect: 200 } }), ConnectTimeout)
})

t.test('an unreachable proxy is a ProxyError, and its credentials are in no message', async (t) => {
  const p = await proxy(t)
  const port = p.port
  await p.close()
  const s = session(t)
  const err = await s.get('http://127.0.0.1:9/', { proxies: { http: `http://user:s3cret-pw@127.0.0.1:${port}` } }).catch((e: unknown) => e) as ProxyError
  t.type(err, ProxyError)
  t.notMatch(err.message, /s3cret-pw/)
  t.notMatch(String(err.stack), /s3cret-pw/)
})

t.test('an https:// proxy: TLS to the proxy, CONNECT, then TLS to the origin inside it', async (t) => {
  const origin = await secureOrigin(t)
  const p = await proxy(t, { tls: fixtures.server })
  const s = session(t)
  const r = await s.get(`https://secure.example:${origin.port}/tls-in-tls`, { proxies: { https: p.url.replace('127.0.0.1', 'localhost') }, verify: fixturePaths.ca })
  t.equal(r.statusCode, 200)
  t.equal(r.json<{ target: string }>().target, '/tls-in-tls')
})

t.test('the environment\'s proxies apply with trustEnv, and no_proxy bypasses them', async (t) => {
  const bin = await httpbinFor(t)
  const p = await proxy(t)
  const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy }
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })
  process.env.http_proxy = p.url
  delete process.env.no_proxy
  const s = new Session()
  t.teardown(() => s.close())
  t.equal((await s.get(`${bin.url}/get`)).statusCode, 200)
  t.equal(p.requests.length, 1, 'through the proxy')
  process.env.no_proxy = '127.0.0.1'
  const other = new Session()
  t.teardown(() => other.close())
  t.equal((await other.get(`${bin.url}/get`)).statusCode, 200)
  t.equal(p.requests.length, 1, 'no_proxy: straight to the origin')
  const untrusting = new Session()
  untrusting.trustEnv = false
  t.teardown(() => untrusting.close())
  delete process.env.no_proxy
  await untrusting.get(`${bin.url}/get`)
  t.equal(p.requests.length, 1, 'trustEnv off: the environment is not read')
})

t.test('a redirect to a host no_proxy does not bypass goes through the environment\'s proxy (Requests\' rebuild_proxies)', async (t) => {
  const a = await httpbinFor(t)
  const b = await httpbinFor(t, { host: '127.0.0.2' })
  const p = await proxy(t)
  const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy }
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })
  process.env.http_proxy = p.url
  process.env.no_proxy = '127.0.0.1'
  const s = new Session()
  t.teardown(() => s.close())
  const r = await s.get(`${a.url}/redirect-to?url=${encodeURIComponent(`${b.url}/get`)}`)
  t.equal(r.statusCode, 200)
  t.equal(r.url, `${b.url}/get`)
  t.equal(p.requests.length, 1, 'only the second hop went through the proxy')
  t.equal(p.requests[0]?.target, `${b.url}/get`)
})
