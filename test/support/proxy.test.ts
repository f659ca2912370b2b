// The test proxy itself, driven with raw node:net / node:tls clients and agent-less node:http
// requests against a tiny loopback origin: forwarding, Basic auth, CONNECT tunnels, the refusal
// modes (connectStatus, silent, non-loopback targets), the TLS variant, and a clean close().

import t from 'tap'
import * as http from 'node:http'
import * as net from 'node:net'
import * as tls from 'node:tls'
import { once } from 'node:events'
import { startProxy, type TestProxy } from './proxy.js'
import { fixtures } from './tls-fixtures.js'

interface Origin {
  port: number
  seen: { method: string; url: string; headers: Record<string, string | string[]>; body: string }[]
  server: http.Server
  close(): Promise<void>
}

/** Answers every request with JSON describing it, and records it. */
async function startOrigin(): Promise<Origin> {
  const seen: Origin['seen'] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string | string[]> = {}
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = (req.rawHeaders[i] as string).toLowerCase()
        const had = headers[name]
        const value = req.rawHeaders[i + 1] as string
        headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
      }
      const entry = { method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString() }
      seen.push(entry)
      const body = JSON.stringify(entry)
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Origin': 'yes', Connection: 'keep-alive, X-Hop', 'X-Hop': 'drop me' })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    server,
    close: () => new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

/** An echo server: every byte sent back, so a tunnel can be checked end to end. */
async function startEcho(): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () => new Promise<void>(resolve => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

/** An agent-less request to the proxy with an absolute-form target, as a client configured with a proxy sends it. */
function viaProxy(proxy: TestProxy, target: string, init: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method: init.method ?? 'GET', path: target, headers: init.headers, agent: init.agent ?? false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Reads from `socket` until `predicate` holds for what has arrived (or the socket ends). */
function readUntil(socket: net.Socket | tls.TLSSocket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1')
      if (predicate(text)) done()
    }
    const done = (): void => {
      socket.off('data', onData)
      socket.off('end', done)
      socket.off('error', reject)
      resolve(text)
    }
    socket.on('data', onData)
    socket.once('end', done)
    socket.once('error', reject)
  })
}

const headEnds = (text: string): boolean => text.includes('\r\n\r\n')

async function connectRaw(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port })
  await once(socket, 'connect')
  return socket
}

const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')

t.test('an absolute-form request is forwarded to the origin and the answer relayed', async t => {
  const origin = await startOrigin()
  const proxy = await startProxy()
  t.teardown(async () => { await proxy.close(); await origin.close() })
  const target = `http://127.0.0.1:${origin.port}/path?q=1`
  const r = await viaProxy(proxy, target, { method: 'POST', headers: { Host: `127.0.0.1:${origin.port}`, 'X-Test': 'yes', 'Content-Type': 'text/plain' }, body: 'hello' })
  t.equal(r.status, 200)
  t.equal(r.headers['x-origin'], 'yes')
  t.equal(r.headers['x-hop'], undefined, 'a field the origin named in Connection is not relayed')
  const seen = JSON.parse(r.body) as Origin['seen'][number]
  t.equal(seen.method, 'POST')
  t.equal(seen.url, '/path?q=1', 'the origin gets origin-form')
  t.equal(seen.body, 'hello')
  t.equal(seen.headers['x-test'], 'yes')
  t.equal(seen.headers.host, `127.0.0.1:${origin.port}`)
  t.equal(seen.headers.via, '1.1 reqwire-test-proxy')
  t.same(proxy.requests.map(q => [q.method, q.target]), [['POST', target]])
  t.equal(proxy.requests[0]?.headers['x-test'], 'yes')
})

t.test('Proxy-Authorization and hop-by-hop fields are not forwarded to the origin', async t => {
  const origin = await startOrigin()
  const proxy = await startProxy({ auth: { user: 'u', pass: 'p' } })
  t.teardown(async () => { await proxy.close(); await origin.close() })
  const r = await viaProxy(proxy, `http://127.0.0.1:${origin.port}/`, {
    headers: { 'Proxy-Authorization': basic('u', 'p'), 'Proxy-Connection': 'keep-alive', Connection: 'X-Private', 'X-Private': 'secret', 'X-Kept': '1' },
  })
  t.equal(r.status, 200)
  const seen = origin.seen[0]
  t.equal(seen?.headers['proxy-authorization'], undefined)
  t.equal(seen?.headers['proxy-connection'], undefined)
  t.equal(seen?.headers['x-private'], undefined, 'a field named in Connection is hop-by-hop')
  t.equal(seen?.headers['x-kept'], '1')
  t.equal(proxy.requests[0]?.headers['proxy-authorization'], basic('u', 'p'), 'the proxy records what it was sent')
})

t.test('a repeated field is recorded as an array, in order', async t => {
  const origin = await startOrigin()
  const proxy = await startProxy()
  t.teardown(async () => { await proxy.close(); await origin.close() })
  const socket = await connectRaw(proxy.port)
  socket.write(`GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nX-Twice: a\r\nX-Twice: b\r\nConnection: close\r\n\r\n`)
  const text = await readUntil(socket, () => false)
  t.match(text, /^HTTP\/1\.1 200 /)
  t.same(proxy.requests[0]?.headers['x-twice'], ['a', 'b'])
  t.same(origin.seen[0]?.headers['x-twice'], ['a', 'b'], 'and forwarded as two fields')
  socket.destroy()
})

t.test('keep-alive: several requests on one client connection are all forwarded', async t => {
  const origin = await startOrigin()
  const proxy = await startProxy()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(async () => { agent.destroy(); await proxy.close(); await origin.close() })
  for (let i = 0; i < 3; i++) {
    const r = await viaProxy(proxy, `http://127.0.0.1:${origin.port}/${i}`, { agent })
    t.equal(r.status, 200)
  }
  t.equal(proxy.connections, 1)
  t.same(origin.seen.map(s => s.url), ['/0', '/1', '/2'])
})

t.test('without credentials, or with wrong ones, the answer is 407 with Proxy-Authenticate and nothing is forwarded', async t => {
  const origin = await startOrigin()
  const proxy = await startProxy({ auth: { user: 'user', pass: 'pass' } })
  t.teardown(async () => { await proxy.close(); await origin.close() })
  const target = `http://127.0.0.1:${origin.port}/`
  const variants: Record<string, string>[] = [{}, { 'Proxy-Authorization': basic('user', 'wrong') }, { 'Proxy-Authorization': 'Bearer abc' }, { Authorization: basic('user', 'pass') }]
  for (const headers of variants) {
    const r = await viaProxy(proxy, target, { headers })
    t.equal(r.status, 407, JSON.stringify(headers))
    t.equal(r.headers['proxy-authenticate'], 'Basic realm="test"')
  }
  t.equal(origin.seen.length, 0)
  const ok = await viaProxy(proxy, target, { headers: { 'Proxy-Authorization': basic('user', 'pass') } })
  t.equal(ok.status, 200)
  t.equal(origin.seen.length, 1)
})

t.test('an origin-form request or an https:// target is refused with 400', async t => {
  const proxy = await startProxy()
  t.teardown(() => proxy.close())
  t.equal((await viaProxy(proxy, '/just/a/path')).status, 400)
  t.equal((await viaProxy(proxy, 'https://127.0.0.1:1/')).status, 400)
})

t.test('names and non-loopback addresses are answered 502 without being resolved or connected to', async t => {
  const proxy = await startProxy()
  t.teardown(() => proxy.close())
  for (const target of ['http://example.com/', 'http://10.0.0.1/', 'http://[2001:db8::1]/', 'http://8.8.8.8:53/']) {
    const r = await viaProxy(proxy, target)
    t.equal(r.status, 502, target)
  }
  const socket = await connectRaw(proxy.port)
  socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  t.match(await readUntil(socket, () => false), /^HTTP\/1\.1 502 /)
  socket.destroy()
})

t.test('localhost, and names the lookup option maps to loopback, are connected to', async t => {
  const origin = await startOrigin()
  const plain = await startProxy()
  const mapped = await startProxy({ lookup: host => { if (host === 'secure.example') return '127.0.0.1'; if (host === 'outside.example') return '192.0.2.1'; throw new Error('unknown') } })
  t.teardown(async () => { await plain.close(); await mapped.close(); await origin.close() })
  t.equal((await viaProxy(plain, `http://localhost:${origin.port}/`)).status, 200)
  t.equal((await viaProxy(mapped, `http://Secure.Example:${origin.port}/`)).status, 200)
  t.equal(origin.seen[1]?.headers.host, `Secure.Example:${origin.port}`, "the origin's Host is the target's authority (RFC 9112 §3.2.2)")
  t.equal(mapped.requests[0]?.headers.host, `127.0.0.1:${mapped.port}`, 'while the proxy records the Host the client sent')
  t.equal((await viaProxy(mapped, `http://outside.example:${origin.port}/`)).status, 502, 'a non-loopback answer is refused')
  t.equal((await viaProxy(mapped, `http://other.example:${origin.port}/`)).status, 502, 'a lookup that throws refuses')
})

t.test('an origin that refuses the connection gives 502', async t => {
  const closed = net.createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const port = (closed.address() as net.AddressInfo).port
  await new Promise<void>(resolve => closed.close(() => resolve()))
  const proxy = await startProxy()
  t.teardown(() => proxy.close())
  t.equal((await viaProxy(proxy, `http://127.0.0.1:${port}/`)).status, 502)
  const socket = await connectRaw(proxy.port)
  socket.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
  t.match(await readUntil(socket, () => false), /^HTTP\/1\.1 502 /)
  socket.destroy()
})

t.test('CONNECT opens a tunnel that carries bytes both ways, and records its authority and headers', async t => {
  const echo = await startEcho()
  const proxy = await startProxy()
  t.teardown(async () => { await proxy.close(); await echo.close() })
  const socket = await connectRaw(proxy.port)
  // The first bytes for the tunnel go in the same packet as the CONNECT, as an eager client may send them.
  socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nUser-Agent: test\r\n\r\nearly`)
  const head = await readUntil(socket, text => text.includes('early'))
  t.equal(head, 'HTTP/1.1 200 Connection Established\r\n\r\nearly')
  socket.write('ping')
  t.equal(await readUntil(socket, text => text.includes('ping')), 'ping')
  t.same(proxy.tunnels.map(x => x.authority), [`127.0.0.1:${echo.port}`])
  t.equal(proxy.tunnels[0]?.headers['user-agent'], 'test')
  t.equal(proxy.requests.length, 0, 'a CONNECT is not a forwarded request')
  socket.destroy()
})

t.test('CONNECT to an IPv6 loopback authority works', async t => {
  const server = net.createServer(s => s.pipe(s))
  server.listen(0, '::1')
  try {
    await once(server, 'listening')
  } catch {
    t.pass('skipped: no IPv6 loopback here')
    return
  }
  const port = (server.address() as net.AddressInfo).port
  const proxy = await startProxy()
  t.teardown(async () => { await proxy.close(); server.close() })
  const socket = await connectRaw(proxy.port)
  socket.write(`CONNECT [::1]:${port} HTTP/1.1\r\nHost: [::1]:${port}\r\n\r\n`)
  t.match(await readUntil(socket, headEnds), /^HTTP\/1\.1 200 /)
  socket.write('v6')
  t.equal(await readUntil(socket, text => text.includes('v6')), 'v6')
  socket.destroy()
})

t.test('CONNECT checks credentials: 407 without or with wrong ones, a tunnel with the right ones', async t => {
  const echo = await startEcho()
  const proxy = await startProxy({ auth: { user: 'user', pass: 'pass' } })
  t.teardown(async () => { await proxy.close(); await echo.close() })
  for (const field of ['', `Proxy-Authorization: ${basic('user', 'nope')}\r\n`]) {
    const socket = await connectRaw(proxy.port)
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n${field}\r\n`)
    const text = await readUntil(socket, () => false)
    t.match(text, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/)
    t.match(text, /\r\nProxy-Authenticate: Basic realm="test"\r\n/)
    socket.destroy()
  }
  t.equal(echo.sockets.size, 0, 'the origin was never connected to')
  const socket = await connectRaw(proxy.port)
  socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nProxy-Authorization: ${basic('user', 'pass')}\r\n\r\n`)
  t.match(await readUntil(socket, headEnds), /^HTTP\/1\.1 200 Connection Established\r\n\r\n$/)
  socket.write('in the tunnel')
  t.equal(await readUntil(socket, text => text.includes('tunnel')), 'in the tunnel')
  t.equal(proxy.tunnels[2]?.headers['proxy-authorization'], basic('user', 'pass'))
  socket.destroy()
})

t.test('connectStatus answers every CONNECT with that status and closes, never tunnelling', async t => {
  const echo = await startEcho()
  t.teardown(() => echo.close())
  for (const status of [403, 407, 502]) {
    const proxy = await startProxy({ connectStatus: status })
    const socket = await connectRaw(proxy.port)
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\n\x16\x03\x01 not TLS really`)
    const text = await readUntil(socket, () => false)
    t.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), String(status))
    t.match(text, /\r\nContent-Length: \d+\r\n/)
    if (status === 407) t.match(text, /Proxy-Authenticate: Basic realm="test"/)
    t.equal(proxy.tunnels.length, 1)
    socket.destroy()
    await proxy.close()
  }
  t.equal(echo.sockets.size, 0)
})

t.test('a silent proxy accepts and records but never answers', async t => {
  const proxy = await startProxy({ silent: true })
  t.teardown(() => proxy.close())
  const a = await connectRaw(proxy.port)
  const b = await connectRaw(proxy.port)
  let got = ''
  for (const s of [a, b]) s.on('data', (c: Buffer) => { got += c.toString() })
  a.write('CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n')
  b.write('GET http://127.0.0.1:9/ HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n')
  await new Promise(resolve => setTimeout(resolve, 150))
  t.equal(got, '')
  t.equal(proxy.tunnels.length, 1)
  t.equal(proxy.requests.length, 1)
  t.equal(proxy.connections, 2)
  a.destroy()
  b.destroy()
})

t.test('an https:// proxy: TLS to the proxy, forwarding, and a CONNECT tunnel with TLS inside', async t => {
  const origin = await startOrigin()
  const tlsOrigin = tls.createServer({ cert: fixtures.server.cert, key: fixtures.server.key }, s => {
    s.on('error', () => {})
    s.pipe(s)
  })
  tlsOrigin.listen(0, '127.0.0.1')
  await once(tlsOrigin, 'listening')
  const tlsPort = (tlsOrigin.address() as net.AddressInfo).port
  const proxy = await startProxy({ tls: fixtures.server, auth: { user: 'u', pass: 'p' } })
  t.teardown(async () => { await proxy.close(); await origin.close(); tlsOrigin.close() })
  t.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/)

  const toProxy = (): Promise<tls.TLSSocket> => {
    const s = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: fixtures.ca })
    return once(s, 'secureConnect').then(() => s)
  }

  const forward = await toProxy()
  forward.write(`GET http://127.0.0.1:${origin.port}/over-tls HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nProxy-Authorization: ${basic('u', 'p')}\r\nConnection: close\r\n\r\n`)
  const answer = await readUntil(forward, () => false)
  t.match(answer, /^HTTP\/1\.1 200 /)
  t.match(answer, /"url":"\/over-tls"/)
  forward.destroy()

  const outer = await toProxy()
  outer.write(`CONNECT localhost:${tlsPort} HTTP/1.1\r\nHost: localhost:${tlsPort}\r\nProxy-Authorization: ${basic('u', 'p')}\r\n\r\n`)
  t.equal(await readUntil(outer, headEnds), 'HTTP/1.1 200 Connection Established\r\n\r\n')
  const inner = tls.connect({ socket: outer, servername: 'localhost', ca: fixtures.ca })
  await once(inner, 'secureConnect')
  t.equal(inner.authorized, true, 'TLS inside TLS, verified against the origin name')
  inner.write('tls in tls')
  t.equal(await readUntil(inner as unknown as tls.TLSSocket, text => text.includes('tls in tls')), 'tls in tls')
  inner.destroy()
  outer.destroy()
  t.same(proxy.tunnels.map(x => x.authority), [`localhost:${tlsPort}`])
  t.equal(proxy.connections, 2)
})

t.test('close() destroys client connections, tunnels and origin connections, and stops listening', async t => {
  const origin = await startOrigin()
  const echo = await startEcho()
  const proxy = await startProxy()
  t.teardown(async () => { await origin.close(); await echo.close() })

  // A keep-alive forwarding connection (and so a pooled one to the origin) ...
  const agent = new http.Agent({ keepAlive: true })
  t.equal((await viaProxy(proxy, `http://127.0.0.1:${origin.port}/`, { agent })).status, 200)
  // ... an open tunnel ...
  const tunnel = await connectRaw(proxy.port)
  tunnel.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\n`)
  await readUntil(tunnel, headEnds)
  // ... and a connection that has sent nothing yet.
  const idle = await connectRaw(proxy.port)
  const originConnections = (): Promise<number> => new Promise((resolve, reject) => origin.server.getConnections((err, n) => (err ? reject(err) : resolve(n))))
  t.equal(await originConnections(), 1)
  t.equal(echo.sockets.size, 1)

  const closes = [once(tunnel, 'close'), once(idle, 'close')]
  await proxy.close()
  await Promise.all(closes)
  agent.destroy()
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(await originConnections(), 0, 'the pooled origin connection is closed')
  t.equal(echo.sockets.size, 0, 'the tunnel is closed at the origin end')
  const refused = net.connect({ host: '127.0.0.1', port: proxy.port })
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException]
  t.equal(err.code, 'ECONNREFUSED', 'nothing listens any more')
  await proxy.close() // a second close is harmless
})
