// Hostile redirects through the whole stack: a server that sends the client's credentials
// elsewhere (another host, another port, https → http), to schemes that are not HTTP, with
// control characters in Location, in loops and past the hop limit. Credentials never leave the
// origin they were meant for, nothing but http(s) is ever followed, and loops end in
// TooManyRedirects with every hop's connection drained.

import t, { type Test } from 'tap'
import * as tls from 'node:tls'
import type { AddressInfo, Socket } from 'node:net'
import { HTTPAdapter, InvalidSchema, InvalidURL, type PreparedRequest, ProtocolError, RequestException, type Response, Session, TooManyRedirects } from '../../lib/index.js'
import { response, type RawRequest, type RawServer } from '../support/raw-server.js'
import { fixturePaths, fixtures } from '../support/tls-fixtures.js'
import { base, className, client, mapLookup, nextWorks, rawServer, rejection } from './helpers.js'

t.setTimeout(60_000)

const SECRETS = ['authorization', 'proxy-authorization', 'cookie']

/** A server that redirects /go to `location` and answers everything else with 200 "landed". */
async function redirector(t: Test, location: (server: RawServer) => string, status = 302): Promise<RawServer> {
  return rawServer(t, {
    handler: (req, socket, ctx) => {
      if (req.target === '/go') socket.write(response(status, 'moved', [`Location: ${location(ctx.server)}`]))
      else if (req.target === '/after') socket.write(response(200, 'after-ok'))
      else socket.write(response(200, 'landed'))
    },
  })
}

function landedOn(server: RawServer): RawRequest | undefined {
  return server.requests.find(r => r.target === '/landing')
}

interface Leak {
  name: string
  /** Where the second hop goes, given the first server, the second, and their ports. */
  target: (first: RawServer, second: RawServer) => string
  /** True when the second hop reaches the same server (another name for it). */
  sameServer: boolean
  /** Cookies are not isolated by port (RFC 6265 §8.5): a jar cookie for the host follows to another port. */
  jarFollows?: boolean
}

const leaks: Leak[] = [
  { name: 'another host on the same port', target: first => `http://other.test:${first.port}/landing`, sameServer: true },
  { name: 'another port on the same host', target: (_first, second) => `http://origin.test:${second.port}/landing`, sameServer: false, jarFollows: true },
  { name: 'an IP literal for the same address (another host name)', target: first => `http://127.0.0.1:${first.port}/landing`, sameServer: true },
]

for (const leak of leaks) {
  t.test(`a redirect to ${leak.name} drops Authorization, Proxy-Authorization and Cookie, hand-set or from the jar`, async t => {
    const second = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, 'landed')) } })
    const first = await redirector(t, server => leak.target(server, second))
    const { s } = client(t, { lookup: mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' }) })
    s.cookies.set('jar', 'jar-secret', { domain: 'origin.test', path: '/' })
    const r = await s.get(`http://origin.test:${first.port}/go`, {
      auth: ['user', 'pass'],
      headers: { 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', Cookie: 'hand=hand-secret' },
      timeout: 5000,
    })
    t.equal(r.statusCode, 200)
    t.equal(r.text, 'landed')
    t.equal(r.history.length, 1)
    const go = first.requests.find(req => req.target === '/go')
    t.ok(go?.header('authorization'), 'the origin got Authorization')
    t.equal(go?.header('cookie'), 'hand=hand-secret', 'the origin got the hand-set Cookie (which replaces the jar, as in Requests)')
    const landing = landedOn(leak.sameServer ? first : second)
    t.ok(landing, 'the second hop arrived')
    t.equal(landing?.header('authorization'), undefined, 'Authorization did not follow')
    t.equal(landing?.header('proxy-authorization'), undefined, 'Proxy-Authorization did not follow')
    t.equal(landing?.header('cookie'), leak.jarFollows === true ? 'jar=jar-secret' : undefined,
      leak.jarFollows === true ? 'only the jar cookie for the host follows to its other port' : 'no Cookie followed')
    t.notMatch(landing?.head.toString('latin1') ?? '', /hand-secret|dXNlcjpwYXNz|cHJveHk6/, 'no hand-set secret anywhere in the second head')
    if (leak.jarFollows !== true) t.notMatch(landing?.head.toString('latin1') ?? '', /jar-secret/)
  })
}

t.test('a jar cookie for the origin does not follow a redirect to another host', async t => {
  const first = await redirector(t, server => `http://other.test:${server.port}/landing`)
  const { s } = client(t, { lookup: mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' }) })
  s.cookies.set('jar', 'jar-secret', { domain: 'origin.test', path: '/' })
  await s.get(`http://origin.test:${first.port}/go`, { timeout: 5000 })
  t.equal(first.requests.find(r => r.target === '/go')?.header('cookie'), 'jar=jar-secret', 'the origin got it')
  t.equal(landedOn(first)?.header('cookie'), undefined, 'the other host did not')
})

t.test('a cookie set by the redirecting response for its own host does not follow to another host', async t => {
  const first = await rawServer(t, {
    handler: (req, socket, ctx) => {
      if (req.target === '/go') socket.write(response(302, '', ['Set-Cookie: sid=hop-secret; Path=/', `Location: http://other.test:${ctx.server.port}/landing`]))
      else socket.write(response(200, 'landed'))
    },
  })
  const { s } = client(t, { lookup: mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' }) })
  await s.get(`http://origin.test:${first.port}/go`, { timeout: 5000 })
  t.equal(landedOn(first)?.header('cookie'), undefined)
  t.equal(s.cookies.get('sid', { domain: 'origin.test' }), 'hop-secret', 'stored for its own host')
})

t.test('a custom secret header follows a cross-host redirect, as in Requests (only the credentials above are dropped)', async t => {
  // Requests and reqwire (API.md) drop only Authorization, Proxy-Authorization and cookies not
  // meant for the new host. A header such as X-Api-Key is not known to be a secret, so it follows.
  // This case pins that down, so a change is a decision and not an accident; the next shows how
  // a session drops such a header itself.
  const first = await redirector(t, server => `http://other.test:${server.port}/landing`)
  const { s } = client(t, { lookup: mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' }) })
  const r = await s.get(`http://origin.test:${first.port}/go`, { headers: { 'X-Api-Key': 'k-secret' }, timeout: 5000 })
  t.equal(r.text, 'landed')
  t.equal(landedOn(first)?.header('x-api-key'), 'k-secret')
})

t.test('a Session that overrides rebuildAuth drops its own secret header across hosts, and keeps it on the same host', async t => {
  // Requests' way: subclass the session and extend rebuild_auth.
  class KeyedSession extends Session {
    hops: string[] = []
    override rebuildAuth(prepared: PreparedRequest, response: Response): void {
      super.rebuildAuth(prepared, response)
      this.hops.push(`${response.url} -> ${prepared.url}`)
      if (this.shouldStripAuth(response.url, prepared.url)) prepared.headers.delete('X-Api-Key')
    }
  }
  const lookup = mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' })
  const s = new KeyedSession({ adapter: new HTTPAdapter({ lookup }) })
  s.trustEnv = false
  t.teardown(() => s.close())

  const away = await redirector(t, server => `http://other.test:${server.port}/landing`)
  const r = await s.get(`http://origin.test:${away.port}/go`, { headers: { 'X-Api-Key': 'k-secret', Authorization: 'Bearer t' }, timeout: 5000 })
  t.equal(r.text, 'landed')
  t.equal(away.requests.find(q => q.target === '/go')?.header('x-api-key'), 'k-secret', 'the origin got it')
  t.equal(landedOn(away)?.header('x-api-key'), undefined, 'the other host did not')
  t.equal(landedOn(away)?.header('authorization'), undefined, 'nor Authorization (the default rule still runs)')
  t.same(s.hops, [`http://origin.test:${away.port}/go -> http://other.test:${away.port}/landing`], 'called once per hop')

  const home = await redirector(t, () => '/landing')
  await s.get(`http://origin.test:${home.port}/go`, { headers: { 'X-Api-Key': 'k-secret' }, timeout: 5000 })
  t.equal(landedOn(home)?.header('x-api-key'), 'k-secret', 'kept on the same origin')
})

t.test('a Session that overrides shouldStripAuth decides which hops keep credentials, as Requests\' should_strip_auth', async t => {
  class TrustingSession extends Session {
    override shouldStripAuth(): boolean {
      return false
    }
  }
  const s = new TrustingSession({ adapter: new HTTPAdapter({ lookup: mapLookup({ 'origin.test': '127.0.0.1', 'other.test': '127.0.0.1' }) }) })
  s.trustEnv = false
  t.teardown(() => s.close())
  const away = await redirector(t, server => `http://other.test:${server.port}/landing`)
  await s.get(`http://origin.test:${away.port}/go`, { headers: { Authorization: 'Bearer t' }, timeout: 5000 })
  t.equal(landedOn(away)?.header('authorization'), 'Bearer t', 'kept across hosts because the override says so')
})

t.test('a redirect on the same origin keeps Authorization and the cookies', async t => {
  const first = await redirector(t, () => '/landing')
  const { s } = client(t, { lookup: mapLookup({ 'origin.test': '127.0.0.1' }) })
  s.cookies.set('jar', 'v', { domain: 'origin.test', path: '/' })
  await s.get(`http://origin.test:${first.port}/go`, { auth: ['user', 'pass'], timeout: 5000 })
  const landing = landedOn(first)
  t.ok(landing?.header('authorization'))
  t.match(landing?.header('cookie') ?? '', /jar=v/)
})

t.test('an https → http redirect on the same host drops Authorization, Proxy-Authorization and cookies', async t => {
  const plain = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, 'landed')) } })
  const heads: string[] = []
  const sockets = new Set<Socket>()
  const secure = tls.createServer({ cert: fixtures.server.cert, key: fixtures.server.key }, socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = ''
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1')
      const end = buf.indexOf('\r\n\r\n')
      if (end === -1) return
      heads.push(buf.slice(0, end))
      buf = buf.slice(end + 4)
      socket.write(response(302, '', [`Location: http://localhost:${plain.port}/landing`]))
    })
  })
  await new Promise<void>(resolve => secure.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { for (const s of sockets) s.destroy(); secure.close(() => resolve()) }))
  const port = (secure.address() as AddressInfo).port
  const { s } = client(t, { lookup: mapLookup({ localhost: '127.0.0.1' }) })
  s.cookies.set('jar', 'jar-secret', { domain: 'localhost.local', path: '/' })
  const r = await s.get(`https://localhost:${port}/go`, {
    auth: ['user', 'pass'],
    headers: { 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', Cookie: 'hand=hand-secret' },
    verify: fixturePaths.ca,
    timeout: 5000,
  })
  t.equal(r.text, 'landed')
  t.match(heads[0] ?? '', /authorization: basic/i, 'the https origin got Authorization')
  const landing = landedOn(plain)
  t.ok(landing)
  for (const name of SECRETS) t.equal(landing?.header(name), undefined, `${name} did not follow to http`)
})

const schemes = [
  'file:///etc/passwd',
  'file://localhost/etc/passwd',
  'data:text/plain,hello',
  'data:text/html;base64,PHNjcmlwdD4=',
  'unix:/var/run/docker.sock',
  'http+unix://%2Fvar%2Frun%2Fdocker.sock/info',
  'ftp://127.0.0.1/x',
  'javascript:alert(1)',
  'gopher://127.0.0.1:6379/_FLUSHALL',
]

for (const location of schemes) {
  t.test(`a redirect to ${location} is InvalidSchema and nothing is fetched`, async t => {
    const first = await redirector(t, () => location)
    const { s } = client(t)
    const err = await rejection(s.get(`${base(first)}/go`, { timeout: 5000 }))
    t.ok(err instanceof InvalidSchema || err instanceof InvalidURL, `InvalidSchema or InvalidURL (got ${className(err)}: ${err.message})`)
    t.equal(first.requests.length, 1, 'no second request')
    t.equal(first.accepted, 1)
    await nextWorks(t, s, first)
  })
}

t.test('a Location with a bare CR is refused by the parser, not followed', async t => {
  const first = await redirector(t, () => '/landing\rX-Injected: 1')
  const { s } = client(t)
  const err = await rejection(s.get(`${base(first)}/go`, { timeout: 5000 }))
  t.ok(err instanceof ProtocolError, `a ProtocolError (got ${className(err)})`)
  t.equal(err.code, 'BARE_CR')
  t.equal(landedOn(first), undefined)
  await nextWorks(t, s, first)
})

for (const [name, location] of [
  ['percent-encoded CRLF', '/landing%0d%0aX-Injected:%201'],
  ['percent-encoded CRLF in the host', 'http://127.0.0.1%0d%0aX-Injected:%201/landing'],
  ['a percent-encoded NUL', '/landing%00x'],
] as const) {
  t.test(`a Location with ${name} never puts a raw CR, LF or NUL on the wire`, async t => {
    const first = await redirector(t, () => location)
    const { s } = client(t)
    const result = await s.get(`${base(first)}/go`, { timeout: 5000 }).then(r => r, (e: unknown) => e)
    if (result instanceof Error) {
      t.ok(result instanceof RequestException, `a typed error (${className(result)})`)
    }
    for (const req of first.requests) {
      t.notMatch(req.head.subarray(0, req.head.length - 4).toString('latin1'), /[\0]|\r(?!\n)|(?<!\r)\n/, `${req.target}: no raw control byte`)
      t.equal(req.header('x-injected'), undefined, 'no injected field')
    }
    t.equal(first.garbage.length, 0, 'the server could parse every request')
    await nextWorks(t, s, first)
  })
}

t.test('a redirect loop to itself is TooManyRedirects, and every hop reused the one connection', async t => {
  const first = await redirector(t, () => '/go')
  const { s } = client(t)
  s.maxRedirects = 10
  const err = await rejection(s.get(`${base(first)}/go`, { timeout: 5000 }))
  t.ok(err instanceof TooManyRedirects, `TooManyRedirects (got ${className(err)})`)
  t.equal(first.requests.length, 11, 'the first request and ten hops')
  t.equal(first.accepted, 1, 'each hop body was drained and the connection reused')
  await nextWorks(t, s, first)
})

t.test('a loop between two servers is TooManyRedirects', async t => {
  let other: RawServer | undefined
  const a = await redirector(t, () => `http://127.0.0.1:${other?.port ?? 0}/go`, 307)
  other = await redirector(t, () => `${base(a)}/go`, 308)
  const { s } = client(t)
  s.maxRedirects = 6
  const err = await rejection(s.get(`${base(a)}/go`, { timeout: 5000 }))
  t.ok(err instanceof TooManyRedirects, `TooManyRedirects (got ${className(err)})`)
  t.equal(a.requests.length + other.requests.length, 7)
  t.equal(a.accepted + other.accepted, 2)
  await nextWorks(t, s, a)
})

t.test('one hop more than maxRedirects is TooManyRedirects; exactly maxRedirects is followed', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      const m = /^\/hop\/(\d+)$/.exec(req.target)
      if (m !== null && Number(m[1]) > 0) socket.write(response(302, '', [`Location: /hop/${Number(m[1]) - 1}`]))
      else if (req.target === '/after') socket.write(response(200, 'after-ok'))
      else socket.write(response(200, 'landed'))
    },
  })
  const { s } = client(t)
  s.maxRedirects = 3
  const r = await s.get(`${base(server)}/hop/3`, { timeout: 5000 })
  t.equal(r.text, 'landed')
  t.equal(r.history.length, 3)
  const err = await rejection(s.get(`${base(server)}/hop/4`, { timeout: 5000 }))
  t.ok(err instanceof TooManyRedirects, `TooManyRedirects (got ${className(err)})`)
  await nextWorks(t, s, server)
})

t.test('a redirect with a large body is not read into memory and its connection is handled', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      if (req.target === '/go') {
        socket.write('HTTP/1.1 302 Found\r\nLocation: /landing\r\nContent-Length: 104857600\r\n\r\n')
        socket.write(Buffer.alloc(64 * 1024, 'x'))
      } else if (req.target === '/after') socket.write(response(200, 'after-ok'))
      else socket.write(response(200, 'landed'))
    },
  })
  const { s } = client(t)
  const r = await s.get(`${base(server)}/go`, { timeout: 5000 })
  t.equal(r.text, 'landed')
  t.equal(r.history.length, 1)
  await nextWorks(t, s, server)
})
