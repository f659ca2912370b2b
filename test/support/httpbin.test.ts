// Self-test of the in-process httpbin: every endpoint answered with the shapes httpbin.org uses,
// checked with the global fetch, node:http (for raw bytes and trailers) and raw net sockets (for
// exact request heads). Loopback only; every server started here is closed in a teardown.

import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { startHttpbin, type HttpbinServer } from './httpbin.js'
import { crc32 } from './httpbin/content.js'

const bin = await startHttpbin()
t.teardown(() => bin.close())

type Dict = Record<string, unknown>

async function getJson(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Dict }> {
  const r = await fetch(bin.url + path, { redirect: 'manual', ...init })
  return { status: r.status, headers: r.headers, body: (await r.json()) as Dict }
}

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  trailers: NodeJS.Dict<string>
}

/** A request through node:http that leaves the body undecoded (fetch would gunzip it). */
function nodeRequest(server: HttpbinServer, path: string, options: { method?: string; headers?: Record<string, string>; agent?: Agent } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(server.url + path, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Writes bytes on a fresh socket and collects everything until the server closes it. */
function rawExchange(server: HttpbinServer, bytes: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(bytes))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks)))
    socket.on('error', reject)
  })
}

/** Splits pipelined responses, each framed by Content-Length, into heads and bodies. */
function splitResponses(raw: Buffer): Array<{ head: string; body: Buffer }> {
  const out: Array<{ head: string; body: Buffer }> = []
  let pos = 0
  while (pos < raw.length) {
    const end = raw.indexOf('\r\n\r\n', pos)
    if (end < 0) break
    const head = raw.subarray(pos, end).toString('latin1')
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? '0')
    out.push({ head, body: raw.subarray(end + 4, end + 4 + length) })
    pos = end + 4 + length
  }
  return out
}

t.test('the server binds loopback only and reports its address', async t => {
  t.match(bin.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(bin.url, `http://127.0.0.1:${bin.port}`)
  await t.rejects(startHttpbin({ host: '0.0.0.0' }), /loopback/)
  await t.rejects(startHttpbin({ host: 'localhost' }), /loopback/)
})

t.test('/get echoes args (repeated keys as lists), Title-Case headers, origin and the full url', async t => {
  const { status, headers, body } = await getJson('/get?key1=value1&key2=value2&key2=value3&sp=a+b', { headers: { 'x-test2': 'true', 'dnt': '1' } })
  t.equal(status, 200)
  t.equal(headers.get('content-type'), 'application/json')
  t.same(Object.keys(body), ['args', 'headers', 'origin', 'url'])
  t.same(body.args, { key1: 'value1', key2: ['value2', 'value3'], sp: 'a b' })
  const echoed = body.headers as Dict
  t.equal(echoed['X-Test2'], 'true')
  t.equal(echoed['Dnt'], '1')
  t.equal(echoed['Host'], `127.0.0.1:${bin.port}`)
  t.equal(body.origin, '127.0.0.1')
  t.equal(body.url, `${bin.url}/get?key1=value1&key2=value2&key2=value3&sp=a+b`)
})

t.test('HEAD /get sends the head with a Content-Length and no body', async t => {
  const r = await nodeRequest(bin, '/get', { method: 'HEAD' })
  t.equal(r.status, 200)
  t.ok(Number(r.headers['content-length']) > 0)
  t.equal(r.body.length, 0)
})

t.test('/post, /put, /patch, /delete parse bodies like httpbin', async t => {
  const form = await getJson('/post', { method: 'POST', body: 'key=value&k=1&k=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.same(Object.keys(form.body), ['args', 'data', 'files', 'form', 'headers', 'json', 'origin', 'url'])
  t.same(form.body.form, { key: 'value', k: ['1', '2'] })
  t.equal(form.body.data, '')
  t.equal(form.body.json, null)

  const json = await getJson('/put', { method: 'PUT', body: '{"some": "data"}', headers: { 'content-type': 'application/json' } })
  t.same(json.body.json, { some: 'data' })
  t.equal(json.body.data, '{"some": "data"}')
  t.same(json.body.form, {})

  const text = await getJson('/patch', { method: 'PATCH', body: 'plain text ✓', headers: { 'content-type': 'text/plain' } })
  t.equal(text.body.data, 'plain text ✓')
  t.equal(text.body.json, null)

  const binary = await getJson('/delete', { method: 'DELETE', body: Buffer.from([0xff, 0x00, 0x80]) })
  t.equal(binary.body.data, 'data:application/octet-stream;base64,/wCA')

  // A chunked request body (unknown length) is read whole.
  const chunked = await new Promise<Dict>((resolve, reject) => {
    const req = httpRequest(`${bin.url}/post`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Dict))
    })
    req.on('error', reject)
    req.write('{"a":')
    req.end('[1,2]}')
  })
  t.same(chunked.json, { a: [1, 2] })
  t.equal((chunked.headers as Dict)['Transfer-Encoding'], 'chunked')
})

t.test('a multipart upload is parsed into files and form', async t => {
  const boundary = 'reqwire-test-boundary-0123'
  const body = Buffer.concat([
    Buffer.from(`preamble to ignore\r\n--${boundary}\r\n`),
    Buffer.from('Content-Disposition: form-data; name="field"\r\n\r\nvalue one\r\n'),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue two\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="report"; filename="report.csv"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.from('a,b\r\n1,2\r\n'),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="blob"; filename="blob.bin"\r\nContent-Type: image/x-test\r\n\r\n`),
    Buffer.from([0x89, 0x00, 0xff]),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="caf\u00e9"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\n`),
    Buffer.from('euro'),
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ])
  const { status, body: echoed } = await getJson('/post', { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` } })
  t.equal(status, 200)
  t.same(echoed.form, { field: ['value one', 'value two'] })
  t.same(echoed.files, { 'report': 'a,b\r\n1,2\r\n', 'blob': 'data:image/x-test;base64,iQD/', 'café': 'euro' })
  t.equal(echoed.data, '')

  // fetch's own FormData encoder agrees with the parser.
  const fd = new FormData()
  fd.append('name', 'reqwire')
  fd.append('file', new Blob(['hello']), 'hello.txt')
  const viaFetch = await getJson('/anything', { method: 'POST', body: fd })
  t.same(viaFetch.body.form, { name: 'reqwire' })
  t.same(viaFetch.body.files, { file: 'hello' })

  const broken = await fetch(`${bin.url}/post`, { method: 'POST', body: `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\nno close`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
  t.equal(broken.status, 400, 'a multipart body without its close delimiter is refused')
  await broken.arrayBuffer()
})

t.test('methods are checked: 405 with Allow, automatic OPTIONS, /anything takes any method', async t => {
  const wrong = await fetch(`${bin.url}/post`)
  t.equal(wrong.status, 405)
  t.equal(wrong.headers.get('allow'), 'OPTIONS, POST')
  await wrong.arrayBuffer()

  const options = await fetch(`${bin.url}/get`, { method: 'OPTIONS' })
  t.equal(options.status, 200)
  t.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS')
  await options.arrayBuffer()

  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
    const r = method === 'TRACE' ? await nodeRequest(bin, '/anything/deep/path?q=1', { method }) : null
    const echoed = r !== null ? (JSON.parse(r.body.toString()) as Dict) : (await getJson('/anything/deep/path?q=1', { method })).body
    t.equal(echoed.method, method, `${method} is echoed`)
    t.equal(echoed.url, `${bin.url}/anything/deep/path?q=1`)
  }

  const missing = await fetch(`${bin.url}/no/such/endpoint`)
  t.equal(missing.status, 404)
  await missing.arrayBuffer()
})

t.test('/status/:code answers with httpbin\'s canned headers', async t => {
  const cases: Array<[string, number, Record<string, string | null>]> = [
    ['/status/200', 200, {}],
    ['/status/404', 404, {}],
    ['/status/500', 500, {}],
    ['/status/302', 302, { location: '/redirect/1' }],
    ['/status/307', 307, { location: '/redirect/1' }],
    ['/status/401', 401, { 'www-authenticate': 'Basic realm="Fake Realm"' }],
    ['/status/407', 407, { 'proxy-authenticate': 'Basic realm="Fake Realm"' }],
    ['/status/418', 418, { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' }],
    ['/status/304', 304, { 'content-length': null }],
    ['/status/204', 204, {}],
    ['/status/100', 400, {}],
    ['/status/abc', 400, {}],
    ['/status/201:0,202', 202, {}],
  ]
  for (const [path, status, headers] of cases) {
    // node:http, not fetch: undici turns a 407 into a network error of its own.
    const r = await nodeRequest(bin, path, { method: path.endsWith('500') ? 'POST' : 'GET' })
    t.equal(r.status, status, path)
    for (const [name, value] of Object.entries(headers)) t.equal(r.headers[name] ?? null, value, `${path} ${name}`)
    if (status === 418) t.match(r.body.toString(), /teapot/)
  }
  const notAcceptable = await getJson('/status/406')
  t.equal(notAcceptable.body.message, 'Client did not request a supported media type.')
})

t.test('/headers, /ip, /user-agent and /uuid', async t => {
  t.equal(((await getJson('/headers', { headers: { 'X-Custom': 'yes' } })).body.headers as Dict)['X-Custom'], 'yes')
  t.same((await getJson('/ip')).body, { origin: '127.0.0.1' })
  t.same((await getJson('/ip', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).body, { origin: '203.0.113.9' })
  t.same((await getJson('/user-agent', { headers: { 'User-Agent': 'my-app/0.0.1' } })).body, { 'user-agent': 'my-app/0.0.1' })
  t.match((await getJson('/uuid')).body.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

t.test('cookies are set, shown and deleted with relative redirects to /cookies', async t => {
  const set = await fetch(`${bin.url}/cookies/set?requests-is=awesome&flavour=oat%20meal`, { redirect: 'manual' })
  t.equal(set.status, 302)
  t.equal(set.headers.get('location'), '/cookies')
  t.same(set.headers.getSetCookie(), ['requests-is=awesome; Path=/', 'flavour="oat meal"; Path=/'])
  await set.arrayBuffer()

  const one = await fetch(`${bin.url}/cookies/set/sessioncookie/123456789`, { redirect: 'manual' })
  t.same(one.headers.getSetCookie(), ['sessioncookie=123456789; Path=/'])
  await one.arrayBuffer()

  const shown = await getJson('/cookies', { headers: { Cookie: 'sessioncookie=123456789; quoted="x y"' } })
  t.same(shown.body, { cookies: { sessioncookie: '123456789', quoted: 'x y' } })

  const del = await fetch(`${bin.url}/cookies/delete?sessioncookie`, { redirect: 'manual' })
  t.equal(del.status, 302)
  t.match(del.headers.getSetCookie()[0], /^sessioncookie=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=\/$/)
  await del.arrayBuffer()
})

t.test('redirect chains: relative, absolute (from the Host sent), and /redirect-to', async t => {
  const hops: string[] = []
  let path = '/redirect/3'
  for (;;) {
    const r = await fetch(bin.url + path, { redirect: 'manual' })
    await r.arrayBuffer()
    if (r.status !== 302) break
    path = r.headers.get('location') ?? ''
    hops.push(path)
  }
  t.same(hops, ['/relative-redirect/2', '/relative-redirect/1', '/get'])

  const absolute = await nodeRequest(bin, '/absolute-redirect/2', { headers: { Host: 'example.invalid:8080' } })
  t.equal(absolute.headers.location, 'http://example.invalid:8080/absolute-redirect/1')
  const last = await nodeRequest(bin, '/absolute-redirect/1')
  t.equal(last.headers.location, `http://127.0.0.1:${bin.port}/get`)
  const flagged = await nodeRequest(bin, '/redirect/2?absolute=true')
  t.equal(flagged.headers.location, `http://127.0.0.1:${bin.port}/absolute-redirect/1`)

  const to = await fetch(`${bin.url}/redirect-to?url=${encodeURIComponent('/get?x=1')}&status_code=307`, { method: 'POST', body: 'x', redirect: 'manual' })
  t.equal(to.status, 307)
  t.equal(to.headers.get('location'), '/get?x=1')
  await to.arrayBuffer()
  const fallback = await nodeRequest(bin, '/redirect-to?url=http://127.0.0.1:1/&status_code=200')
  t.equal(fallback.status, 302, 'a status_code outside 3xx falls back to 302')

  // The Location is the url argument's UTF-8 bytes, unescaped, as httpbin sends it.
  const raw = await rawExchange(bin, `GET /redirect-to?url=${encodeURIComponent('/ünïcode')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.ok(raw.includes(Buffer.from('\r\nLocation: /ünïcode\r\n', 'utf8')))

  const links = await nodeRequest(bin, '/links/3')
  t.equal(links.headers.location, '/links/3/0')
  const page = await nodeRequest(bin, '/links/3/1')
  t.equal(page.body.toString(), "<html><head><title>Links</title></head><body><a href='/links/3/0'>0</a> 1 <a href='/links/3/2'>2</a> </body></html>")
})

t.test('basic, hidden-basic and bearer auth', async t => {
  const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
  const none = await fetch(`${bin.url}/basic-auth/user/pass`)
  t.equal(none.status, 401)
  t.equal(none.headers.get('www-authenticate'), 'Basic realm="Fake Realm"')
  await none.arrayBuffer()
  const wrong = await fetch(`${bin.url}/basic-auth/user/pass`, { headers: { Authorization: basic('user', 'nope') } })
  t.equal(wrong.status, 401)
  await wrong.arrayBuffer()
  t.same((await getJson('/basic-auth/user/pass', { headers: { Authorization: basic('user', 'pass') } })).body, { authenticated: true, user: 'user' })
  t.same((await getJson('/basic-auth/us%20er/p:ss', { headers: { Authorization: basic('us er', 'p:ss') } })).body, { authenticated: true, user: 'us er' })

  const hidden = await fetch(`${bin.url}/hidden-basic-auth/user/pass`)
  t.equal(hidden.status, 404)
  await hidden.arrayBuffer()
  t.equal((await getJson('/hidden-basic-auth/user/pass', { headers: { Authorization: basic('user', 'pass') } })).status, 200)

  const bearerless = await fetch(`${bin.url}/bearer`)
  t.equal(bearerless.status, 401)
  t.equal(bearerless.headers.get('www-authenticate'), 'Bearer')
  await bearerless.arrayBuffer()
  t.same((await getJson('/bearer', { headers: { Authorization: 'Bearer tok3n' } })).body, { authenticated: true, token: 'tok3n' })
})

/** A client's side of RFC 7616, written out here so the server is checked against an independent copy. */
function digestAuthorization(challenge: string, o: { user: string; pass: string; method: string; uri: string; nc?: string; body?: string }): string {
  const fields = new Map<string, string>()
  for (const m of challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) fields.set(m[1] ?? '', m[2] ?? m[3] ?? '')
  const algorithm = fields.get('algorithm') ?? 'MD5'
  const hashName = ({ 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256', 'SHA-512': 'sha512' } as Record<string, string>)[algorithm.replace(/-sess$/i, '')] ?? 'md5'
  const H = (s: string): string => createHash(hashName).update(s).digest('hex')
  const realm = fields.get('realm') ?? ''
  const nonce = fields.get('nonce') ?? ''
  const qop = (fields.get('qop') ?? '').split(',')[0]?.trim() ?? ''
  const nc = o.nc ?? '00000001'
  const cnonce = randomBytes(8).toString('hex')
  let ha1 = H(`${o.user}:${realm}:${o.pass}`)
  if (/-sess$/i.test(algorithm)) ha1 = H(`${ha1}:${nonce}:${cnonce}`)
  const ha2 = qop === 'auth-int' ? H(`${o.method}:${o.uri}:${H(o.body ?? '')}`) : H(`${o.method}:${o.uri}`)
  const response = qop === '' ? H(`${ha1}:${nonce}:${ha2}`) : H(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
  const parts = [`username="${o.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${o.uri}"`, `response="${response}"`, `opaque="${fields.get('opaque') ?? ''}"`, `algorithm=${algorithm}`]
  if (qop !== '') parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`)
  return 'Digest ' + parts.join(', ')
}

async function challengeFor(path: string): Promise<string> {
  const r = await fetch(bin.url + path)
  await r.arrayBuffer()
  if (r.status !== 401) throw new Error(`expected a 401 from ${path}, got ${r.status}`)
  return r.headers.get('www-authenticate') ?? ''
}

t.test('digest auth: a real exchange for each algorithm, wrong passwords and bad uris refused', async t => {
  for (const algorithm of ['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess', 'SHA-512-256', 'SHA-512']) {
    const path = `/digest-auth/auth/user/passwd/${algorithm}`
    const challenge = await challengeFor(path)
    t.match(challenge, new RegExp(`^Digest realm="me@kennethreitz\\.com", nonce="[0-9a-f]+", qop="auth", opaque="[0-9a-f]+", algorithm=${algorithm}, stale=FALSE$`))
    const ok = await getJson(path, { headers: { Authorization: digestAuthorization(challenge, { user: 'user', pass: 'passwd', method: 'GET', uri: path }) } })
    t.equal(ok.status, 200, `${algorithm} accepted`)
    t.same(ok.body, { authenticated: true, user: 'user' })
  }

  const path = '/digest-auth/auth/user/passwd/SHA-256'
  const wrong = await fetch(bin.url + path, { headers: { Authorization: digestAuthorization(await challengeFor(path), { user: 'user', pass: 'wrong', method: 'GET', uri: path }) } })
  t.equal(wrong.status, 401, 'a wrong password gets a fresh challenge')
  t.match(wrong.headers.get('www-authenticate'), /stale=FALSE/)
  await wrong.arrayBuffer()

  const elsewhere = await fetch(bin.url + path, { headers: { Authorization: digestAuthorization(await challengeFor(path), { user: 'user', pass: 'passwd', method: 'GET', uri: '/other' }) } })
  t.equal(elsewhere.status, 400, 'a uri that is not the request-target is a bad request')
  await elsewhere.arrayBuffer()

  // The three-segment form is MD5, as in the Requests docs' example.
  const md5Path = '/digest-auth/auth/user/pass'
  const md5 = await getJson(md5Path, { headers: { Authorization: digestAuthorization(await challengeFor(md5Path), { user: 'user', pass: 'pass', method: 'GET', uri: md5Path }) } })
  t.equal(md5.status, 200)
})

t.test('digest auth: auth-int hashes the body, no-qop form, stale_after, nonce reuse', async t => {
  const intPath = '/digest-auth/auth-int/user/passwd/MD5'
  const intChallenge = await challengeFor(intPath)
  t.match(intChallenge, /qop="auth-int"/)
  t.equal((await getJson(intPath, { headers: { Authorization: digestAuthorization(intChallenge, { user: 'user', pass: 'passwd', method: 'GET', uri: intPath }) } })).status, 200)

  const legacyPath = '/digest-auth/none/user/passwd/MD5'
  const legacy = await challengeFor(legacyPath)
  t.notMatch(legacy, /qop=/)
  t.equal((await getJson(legacyPath, { headers: { Authorization: digestAuthorization(legacy, { user: 'user', pass: 'passwd', method: 'GET', uri: legacyPath }) } })).status, 200)

  const both = await challengeFor('/digest-auth/whatever/user/passwd')
  t.match(both, /qop="auth, auth-int"/)

  // A nonce may be reused with a rising nc until stale_after uses, then it is stale.
  const stalePath = '/digest-auth/auth/user/passwd/MD5/2'
  const challenge = await challengeFor(stalePath)
  const auth = (nc: string): RequestInit => ({ headers: { Authorization: digestAuthorization(challenge, { user: 'user', pass: 'passwd', method: 'GET', uri: stalePath, nc }) } })
  t.equal((await getJson(stalePath, auth('00000001'))).status, 200)
  t.equal((await getJson(stalePath, auth('00000002'))).status, 200)
  const stale = await fetch(bin.url + stalePath, auth('00000003'))
  t.equal(stale.status, 401)
  t.match(stale.headers.get('www-authenticate'), /stale=TRUE/)
  await stale.arrayBuffer()
})

t.test('/gzip, /deflate (zlib-wrapped) and /brotli send encoded JSON', async t => {
  const cases: Array<[string, string, (b: Buffer) => Buffer, string]> = [
    ['/gzip', 'gzip', gunzipSync, 'gzipped'],
    ['/deflate', 'deflate', inflateSync, 'deflated'],
    ['/brotli', 'br', brotliDecompressSync, 'brotli'],
  ]
  for (const [path, encoding, decode, flag] of cases) {
    const r = await nodeRequest(bin, path)
    t.equal(r.headers['content-encoding'], encoding)
    t.equal(Number(r.headers['content-length']), r.body.length)
    const body = JSON.parse(decode(r.body).toString()) as Dict
    t.equal(body[flag], true)
    t.equal(body.method, 'GET')
    t.equal(body.origin, '127.0.0.1')
    t.type(body.headers, 'object')
  }
  const viaFetch = await getJson('/gzip')
  t.equal(viaFetch.body.gzipped, true, 'and a client that decodes sees plain JSON')
})

t.test('/stream/:n sends n JSON lines, chunked', async t => {
  const r = await nodeRequest(bin, '/stream/5?x=1')
  t.equal(r.headers['transfer-encoding'], 'chunked')
  const lines = r.body.toString().split('\n')
  t.equal(lines.pop(), '', 'the body ends with a newline')
  t.equal(lines.length, 5)
  lines.forEach((line, i) => {
    const doc = JSON.parse(line) as Dict
    t.equal(doc.id, i)
    t.same(doc.args, { x: '1' })
    t.equal(doc.url, `${bin.url}/stream/5?x=1`)
  })
  t.equal(JSON.parse((await nodeRequest(bin, '/stream/1000')).body.toString().split('\n').at(-2) ?? '{}').id, 99, 'n is capped at 100')
})

t.test('/drip sends numbytes asterisks with a Content-Length and the asked code', async t => {
  const r = await nodeRequest(bin, '/drip?numbytes=7&duration=0.05&delay=0.01&code=201')
  t.equal(r.status, 201)
  t.equal(r.headers['content-length'], '7')
  t.equal(r.body.toString(), '*******')
  t.equal((await nodeRequest(bin, '/drip?numbytes=0')).status, 400)
})

t.test('/delay/:s answers after the wait, and a client that leaves cancels it', async t => {
  const quick = await getJson('/delay/0.05?a=b', { method: 'POST', body: 'k=v', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.same(quick.body.args, { a: 'b' })
  t.same(quick.body.form, { k: 'v' })

  // A private server: the 10 s wait must not outlive the client, nor keep close() waiting.
  const own = await startHttpbin()
  t.teardown(() => own.close())
  const controller = new AbortController()
  const pending = fetch(`${own.url}/delay/10`, { signal: controller.signal })
  while (own.requests === 0) await new Promise(resolve => setTimeout(resolve, 5))
  t.equal(own.active, 1)
  controller.abort()
  await t.rejects(pending)
  // The route's timer hangs on the response's close; active drops to 0 only once it has fired.
  while (own.active > 0) await new Promise(resolve => setTimeout(resolve, 5))
  t.equal(own.requests, 1)
  await own.close()
  t.pass('close() returned with the delayed request abandoned')
})

t.test('/bytes and /stream-bytes are deterministic with a seed and agree with each other', async t => {
  const a = await nodeRequest(bin, '/bytes/1000?seed=42')
  const b = await nodeRequest(bin, '/bytes/1000?seed=42')
  const c = await nodeRequest(bin, '/bytes/1000?seed=43')
  t.equal(a.headers['content-type'], 'application/octet-stream')
  t.equal(a.body.length, 1000)
  t.ok(a.body.equals(b.body), 'same seed, same bytes')
  t.notOk(a.body.equals(c.body), 'another seed, other bytes')
  const streamed = await nodeRequest(bin, '/stream-bytes/1000?seed=42&chunk_size=64')
  t.equal(streamed.headers['transfer-encoding'], 'chunked')
  t.ok(streamed.body.equals(a.body))
  t.equal((await nodeRequest(bin, '/bytes/16')).body.length, 16, 'unseeded bytes are random but sized')
  t.equal((await nodeRequest(bin, '/bytes/16?seed=x')).status, 400)
})

t.test('/range/:n honours byte ranges', async t => {
  const full = await nodeRequest(bin, '/range/30')
  t.equal(full.status, 200)
  t.equal(full.body.toString(), 'abcdefghijklmnopqrstuvwxyzabcd')
  t.equal(full.headers['accept-ranges'], 'bytes')
  const part = await nodeRequest(bin, '/range/30', { headers: { Range: 'bytes=2-5' } })
  t.equal(part.status, 206)
  t.equal(part.headers['content-range'], 'bytes 2-5/30')
  t.equal(part.body.toString(), 'cdef')
  const suffix = await nodeRequest(bin, '/range/30', { headers: { Range: 'bytes=-3' } })
  t.equal(suffix.body.toString(), 'bcd')
  const bad = await nodeRequest(bin, '/range/30', { headers: { Range: 'bytes=40-50' } })
  t.equal(bad.status, 416)
  t.equal(bad.headers['content-range'], 'bytes */30')
})

t.test('/response-headers sets the asked headers and lists every header in a self-consistent body', async t => {
  const r = await fetch(`${bin.url}/response-headers?X-Thing=one&X-Thing=two&freeform=hello`)
  const text = await r.text()
  t.equal(r.headers.get('x-thing'), 'one, two')
  t.equal(r.headers.get('freeform'), 'hello')
  const body = JSON.parse(text) as Dict
  t.same(body, { 'Content-Length': String(Buffer.byteLength(text)), 'Content-Type': 'application/json', 'X-Thing': ['one', 'two'], 'freeform': 'hello' })
  t.equal(r.headers.get('content-length'), String(Buffer.byteLength(text)))
  t.equal((await nodeRequest(bin, '/response-headers?Content-Length=3')).status, 400)
})

t.test('documents: /html, /json, /xml, /robots.txt, /deny, /encoding/utf8, /image/png, /base64, /', async t => {
  const html = await fetch(`${bin.url}/html`)
  t.equal(html.headers.get('content-type'), 'text/html; charset=utf-8')
  t.match(await html.text(), /^<!DOCTYPE html>/)
  t.type(((await getJson('/json')).body.slideshow as Dict).slides, Array)
  const xml = await fetch(`${bin.url}/xml`)
  t.equal(xml.headers.get('content-type'), 'application/xml')
  t.match(await xml.text(), /^<\?xml version='1\.0'/)
  t.equal(await (await fetch(`${bin.url}/robots.txt`)).text(), 'User-agent: *\nDisallow: /deny\n')
  t.match(await (await fetch(`${bin.url}/deny`)).text(), /disallowed/)

  const utf8 = await nodeRequest(bin, '/encoding/utf8')
  t.equal(utf8.headers['content-type'], 'text/html; charset=utf-8')
  const text = utf8.body.toString('utf8')
  t.ok(utf8.body.length > text.length, 'the page holds multi-byte characters')
  t.match(text, /Καλημέρα/)
  t.match(text, /😀/)

  const png = await nodeRequest(bin, '/image/png')
  t.equal(png.headers['content-type'], 'image/png')
  t.same([...png.body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  t.equal(png.body.subarray(12, 16).toString('latin1'), 'IHDR')
  t.equal(png.body.readUInt32BE(29), crc32(png.body.subarray(12, 29)), 'the IHDR chunk carries a correct CRC')
  t.equal((await nodeRequest(bin, '/image', { headers: { Accept: 'image/webp' } })).status, 406)

  t.equal(await (await fetch(`${bin.url}/base64/SFRUUEJJTiBpcyBhd2Vzb21l`)).text(), 'HTTPBIN is awesome')
  t.match(await (await fetch(`${bin.url}/base64/%25%25`)).text(), /^Incorrect Base64 data/)
  t.equal((await fetch(`${bin.url}/`)).status, 200)
})

t.test('/cache, /cache/:n and /etag/:etag answer conditional requests', async t => {
  const fresh = await nodeRequest(bin, '/cache')
  t.equal(fresh.status, 200)
  t.ok(fresh.headers['last-modified'])
  t.match(fresh.headers.etag, /^[0-9a-f]{32}$/)
  t.equal((await nodeRequest(bin, '/cache', { headers: { 'If-None-Match': 'x' } })).status, 304)
  t.equal((await nodeRequest(bin, '/cache', { headers: { 'If-Modified-Since': new Date().toUTCString() } })).status, 304)
  t.equal((await nodeRequest(bin, '/cache/60')).headers['cache-control'], 'public, max-age=60')

  const plain = await nodeRequest(bin, '/etag/abc')
  t.equal(plain.status, 200)
  t.equal(plain.headers.etag, 'abc')
  const notModified = await nodeRequest(bin, '/etag/abc', { headers: { 'If-None-Match': '"xyz", "abc"' } })
  t.equal(notModified.status, 304)
  t.equal(notModified.headers.etag, 'abc')
  t.equal((await nodeRequest(bin, '/etag/abc', { headers: { 'If-Match': '"xyz"' } })).status, 412)
  t.equal((await nodeRequest(bin, '/etag/abc', { headers: { 'If-Match': '"abc"' } })).status, 200)
})

t.test('/echo-raw returns request heads byte for byte, pipelined ones too', async t => {
  const first = 'GET /echo-raw?x=1 HTTP/1.1\r\nhost: 127.0.0.1\r\nX-odd-CASE:  spaced value \r\nAccept: */*\r\n\r\n'
  const second = 'POST /echo-raw-full HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
  const responses = splitResponses(await rawExchange(bin, first + second))
  t.equal(responses.length, 2)
  t.equal(responses[0]?.body.toString('latin1'), first)
  t.match(responses[0]?.head, /\r\nX-Raw-Source: socket/)
  t.equal(responses[1]?.body.toString('latin1'), second, 'the full echo keeps the chunked framing as sent')

  const viaFetch = await fetch(`${bin.url}/echo-raw`, { headers: { 'X-Check': 'ok' } })
  t.match(await viaFetch.text(), /^GET \/echo-raw HTTP\/1\.1\r\n(.+\r\n)*X-Check: ok\r\n(.+\r\n)*\r\n$/)
})

t.test('an absolute-form target is routed by its path and echoed whole', async t => {
  const raw = await rawExchange(bin, 'GET http://example.invalid/get?via=proxy HTTP/1.1\r\nHost: example.invalid\r\nConnection: close\r\n\r\n')
  const [response] = splitResponses(raw)
  const body = JSON.parse(response?.body.toString() ?? '{}') as Dict
  t.equal(body.url, 'http://example.invalid/get?via=proxy')
  t.same(body.args, { via: 'proxy' })
})

t.test('/chunked/:n sends n chunks and, on request, a trailer', async t => {
  const raw = await rawExchange(bin, 'GET /chunked/3?trailers=1 HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n')
  const text = raw.toString('latin1')
  t.match(text, /\r\nTransfer-Encoding: chunked\r\n/)
  t.match(text, /\r\n\r\n8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n8\r\nchunk 2\n\r\n0\r\nX-Chunk-Count: 3\r\n\r\n$/)
  const parsed = await nodeRequest(bin, '/chunked/2?trailers=1')
  t.equal(parsed.body.toString(), 'chunk 0\nchunk 1\n')
  t.equal(parsed.trailers['x-chunk-count'], '2')
})

t.test('connections and requests are counted, keep-alive reuse shows, close() ends idle sockets', async t => {
  const own = await startHttpbin()
  t.teardown(() => own.close())
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 3; i++) t.equal((await nodeRequest(own, '/get', { agent })).status, 200)
  t.equal(own.connections, 1, 'three requests over one kept-alive connection')
  t.equal(own.requests, 3)
  await nodeRequest(own, '/get')
  t.equal(own.connections, 2, 'a request without the agent opened another')

  const idle = connect(own.port, '127.0.0.1')
  await new Promise(resolve => idle.once('connect', resolve))
  const closed = new Promise(resolve => idle.once('close', resolve))
  idle.on('error', () => {})
  await own.close()
  await closed
  t.pass('the idle socket was closed by close()')
  await own.close() // a second close is harmless
})
