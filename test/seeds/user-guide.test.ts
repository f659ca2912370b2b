// Every example of the Requests 1.1 user guide (seed 000: Quickstart, Advanced Usage,
// Authentication, and the usage lines of the API reference), plus the examples the current
// Requests docs add to those sections (prepared requests, transport adapters, timeout tuples,
// json=, multiple files, netrc), against the in-process httpbin. github.com, httpbin.org and the
// other hosts of the seed are rewritten to the local server, keeping the point of each example.

import { closedPort } from '../support/ports.js'
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { httpbinFor } from '../support/httpbin.js'
import * as reqwire from '../../lib/index.js'
import {
  AuthBase,
  CaseInsensitiveDict,
  ChunkedEncodingError,
  ConnectionError,
  HTTPAdapter,
  HTTPBasicAuth,
  HTTPDigestAuth,
  HTTPError,
  InvalidHeader,
  JSONDecodeError,
  PreparedRequest,
  ReadTimeout,
  Request,
  RequestException,
  RequestsCookieJar,
  Response,
  Retry,
  RetryError,
  Session,
  StreamNotLoadedError,
  Timeout,
  TooManyRedirects,
  codes,
  version,
  type Connection,
  type SendOptions,
} from '../../lib/index.js'

type Echo = {
  url: string
  args: Record<string, string | string[]>
  form: Record<string, string | string[]>
  files: Record<string, string | string[]>
  data: string
  json: unknown
  headers: Record<string, string>
  method: string
  cookies: Record<string, string>
}

const bin = await httpbinFor(t)
t.teardown(() => reqwire.closeDefaultPool())

const tmp = mkdtempSync(join(tmpdir(), 'reqwire-user-guide-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

/** What a promise rejects with, or null when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  )
}

/** What `fn` throws, or null. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
    return null
  } catch (err) {
    return err
  }
}

/** `r.raw.read(n)` as Python has it: up to n bytes, waiting for them to arrive. */
async function readBytes(stream: Readable, n: number): Promise<Buffer> {
  for (;;) {
    const chunk = stream.read(n) as Buffer | null
    if (chunk !== null) return chunk
    if (stream.readableEnded) return Buffer.alloc(0)
    await Promise.race([once(stream, 'readable'), once(stream, 'end')])
  }
}

/** A one-off TCP server on 127.0.0.1 that answers every connection with `answer`. */
async function rawServer(t: Test, answer: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.once('data', () => answer(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>(resolve => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}


/** A temp file with `content`, removed with the test directory. */
function tempFile(name: string, content: string | Buffer): string {
  const path = join(tmp, name)
  writeFileSync(path, content)
  return path
}

/** Sets process.env.NETRC to a temp netrc file for the test, restoring the old value in its teardown. */
function useNetrc(t: Test, content: string): void {
  const path = tempFile(`netrc-${Math.random().toString(36).slice(2)}`, content)
  const previous = process.env.NETRC
  process.env.NETRC = path
  t.teardown(() => {
    if (previous === undefined) delete process.env.NETRC
    else process.env.NETRC = previous
  })
}

const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')

// # 3.3 Quickstart

// ## 3.3.1 Make a Request

t.test('Make a Request: get a webpage (GitHub\'s timeline, here /get)', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.ok(r instanceof Response)
  t.equal(r.statusCode, 200)
})

t.test('Make a Request: an HTTP POST', async (t) => {
  const r = await reqwire.post(`${bin.url}/post`)
  t.equal(r.statusCode, 200)
  t.equal(r.json<Echo>().url, `${bin.url}/post`)
  t.equal(r.request?.headers.get('Content-Length'), '0', 'an empty POST says so')
})

t.test('Make a Request: PUT, DELETE, HEAD and OPTIONS are just as simple', async (t) => {
  t.equal((await reqwire.put(`${bin.url}/put`)).statusCode, 200)
  t.equal((await reqwire.delete(`${bin.url}/delete`)).statusCode, 200)
  t.equal((await reqwire.del(`${bin.url}/delete`)).statusCode, 200, 'also as del')
  const head = await reqwire.head(`${bin.url}/get`)
  t.equal(head.statusCode, 200)
  t.equal(head.text, '')
  const options = await reqwire.options(`${bin.url}/get`)
  t.equal(options.statusCode, 200)
})

// ## 3.3.2 Passing Parameters In URLs

t.test('Passing Parameters In URLs: a dictionary as params, shown in r.url', async (t) => {
  const payload = { key1: 'value1', key2: 'value2' }
  const r = await reqwire.get(`${bin.url}/get`, { params: payload })
  t.equal(r.url, `${bin.url}/get?key1=value1&key2=value2`)
})

t.test('Passing Parameters In URLs: a list value repeats the key, a None (null) value is dropped', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`, { params: { key1: 'value1', key2: ['value2', 'value3'], key3: null } })
  t.equal(r.url, `${bin.url}/get?key1=value1&key2=value2&key2=value3`)
})

t.test('Passing Parameters In URLs: params are appended after a query the URL already has', async (t) => {
  const r = await reqwire.get(`${bin.url}/get?a=1`, { params: [['b', '2'], ['b', '3']] })
  t.equal(r.url, `${bin.url}/get?a=1&b=2&b=3`)
})

// ## 3.3.3 Response Content

t.test('Response Content: r.text', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.match(r.text, /"url": "http:\/\/127\.0\.0\.1:\d+\/get"/)
})

t.test('Response Content: r.encoding is utf-8, and assigning ISO-8859-1 changes r.text', async (t) => {
  const r = await reqwire.get(`${bin.url}/encoding/utf8`)
  t.equal(r.encoding, 'utf-8')
  t.ok(r.text.includes('Καλημέρα κόσμε'), 'decoded as UTF-8')
  r.encoding = 'ISO-8859-1'
  t.equal(r.text, r.content.toString('latin1'))
})

t.test('Response Content: a custom codec name in r.encoding is used for r.text', async (t) => {
  // Windows-1251 bytes for "Мир", sent back byte for byte by /echo-raw-full.
  const r = await reqwire.post(`${bin.url}/echo-raw-full`, { data: Buffer.from([0xcc, 0xe8, 0xf0]) })
  r.encoding = 'windows-1251'
  t.ok(r.text.endsWith('Мир'))
})

// ## 3.3.4 Binary Response Content

t.test('Binary Response Content: r.content is bytes', async (t) => {
  const r = await reqwire.get(`${bin.url}/bytes/64?seed=3`)
  t.ok(Buffer.isBuffer(r.content))
  t.equal(r.content.length, 64)
  const again = await reqwire.get(`${bin.url}/bytes/64?seed=3`)
  t.ok(r.content.equals(again.content))
})

t.test('Binary Response Content: gzip and deflate are decoded automatically', async (t) => {
  t.equal(JSON.parse((await reqwire.get(`${bin.url}/gzip`)).content.toString()).gzipped, true)
  t.equal(JSON.parse((await reqwire.get(`${bin.url}/deflate`)).content.toString()).deflated, true)
})

t.test('Binary Response Content: an image from r.content (PNG)', async (t) => {
  const r = await reqwire.get(`${bin.url}/image`, { headers: { Accept: 'image/png' } })
  t.equal(r.content.subarray(1, 4).toString('latin1'), 'PNG')
})

// ## 3.3.5 JSON Response Content

t.test('JSON Response Content: r.json()', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`, { params: { q: 'requests' } })
  t.same(r.json<Echo>().args, { q: 'requests' })
})

t.test('JSON Response Content: r.json() raises when decoding fails', async (t) => {
  const r = await reqwire.get(`${bin.url}/robots.txt`)
  const err = thrown(() => r.json())
  t.ok(err instanceof JSONDecodeError, String(err))
  t.ok(err instanceof RequestException)
})

// ## 3.3.6 Raw Response Content

t.test('Raw Response Content: stream: true, then r.raw.read(10)', async (t) => {
  const r = await reqwire.get(`${bin.url}/gzip`, { stream: true })
  const raw = r.raw
  const ten = await readBytes(raw, 10)
  t.same([...ten.subarray(0, 4)], [0x1f, 0x8b, 0x08, 0x00])
  await r.close()
})

// ## 3.3.7 Custom Headers

t.test('Custom Headers: content-type application/json with data=json.dumps(payload)', async (t) => {
  const payload = { some: 'data' }
  const headers = { 'content-type': 'application/json' }
  const r = await reqwire.post(`${bin.url}/post`, { data: JSON.stringify(payload), headers })
  const echoed = r.json<Echo>()
  t.equal(echoed.headers['Content-Type'], 'application/json')
  t.same(echoed.json, payload)
})

// ## 3.3.8 More complicated POST requests

t.test('More complicated POST requests: a dictionary as data is form-encoded', async (t) => {
  const payload = { key1: 'value1', key2: 'value2' }
  const r = await reqwire.post(`${bin.url}/post`, { data: payload })
  t.same(r.json<Echo>().form, payload)
  t.equal(r.request?.headers.get('Content-Type'), 'application/x-www-form-urlencoded')
})

t.test('More complicated POST requests: pairs with a repeated key (tuples) give a list', async (t) => {
  const payloadTuples: [string, string][] = [['key1', 'value1'], ['key1', 'value2']]
  const r1 = await reqwire.post(`${bin.url}/post`, { data: payloadTuples })
  const payloadDict = { key1: ['value1', 'value2'] }
  const r2 = await reqwire.post(`${bin.url}/post`, { data: payloadDict })
  t.same(r1.json<Echo>().form, { key1: ['value1', 'value2'] })
  t.equal(r1.text, r2.text)
})

t.test('More complicated POST requests: a string as data is posted directly', async (t) => {
  const payload = { some: 'data' }
  const r = await reqwire.post(`${bin.url}/post`, { data: JSON.stringify(payload) })
  const echoed = r.json<Echo>()
  t.equal(echoed.data, '{"some":"data"}')
  t.same(echoed.form, {})
  t.equal(echoed.headers['Content-Type'], undefined, 'no Content-Type for a plain string')
})

t.test('More complicated POST requests: json= encodes the body and sets Content-Type', async (t) => {
  const payload = { some: 'data' }
  const r = await reqwire.post(`${bin.url}/post`, { json: payload })
  const echoed = r.json<Echo>()
  t.same(echoed.json, payload)
  t.equal(echoed.headers['Content-Type'], 'application/json')
})

// ## 3.3.9 POST a Multipart-Encoded File

t.test('POST a Multipart-Encoded File: files={file: open(report.xls)} (a file stream)', async (t) => {
  const path = tempFile('report.xls', 'pretend,this,is,excel\n')
  const r = await reqwire.post(`${bin.url}/post`, { files: { file: createReadStream(path) } })
  const echoed = r.json<Echo>()
  t.equal(echoed.files.file, 'pretend,this,is,excel\n')
  t.match(echoed.headers['Content-Type'] ?? '', /^multipart\/form-data; boundary=/)
  t.ok(echoed.headers['Content-Length'], 'a file stream has a known length')
})

t.test('POST a Multipart-Encoded File: the filename set explicitly with [filename, content]', async (t) => {
  const path = tempFile('report2.xls', 'explicit name\n')
  const r = await reqwire.post(`${bin.url}/echo-raw-full`, { files: { file: ['report.xls', createReadStream(path)] } })
  t.match(r.text, /Content-Disposition: form-data; name="file"; filename="report\.xls"/)
  t.match(r.text, /explicit name\n/)
})

t.test('POST a Multipart-Encoded File: content type and extra headers given explicitly', async (t) => {
  const r = await reqwire.post(`${bin.url}/echo-raw-full`, {
    files: { file: ['report.xls', Buffer.from('xls bytes'), 'application/vnd.ms-excel', { Expires: '0' }] },
  })
  t.match(r.text, /filename="report\.xls"\r\nContent-Type: application\/vnd\.ms-excel\r\nExpires: 0\r\n\r\nxls bytes/)
  const echoed = (await reqwire.post(`${bin.url}/post`, { files: { file: ['report.xls', Buffer.from('xls bytes'), 'application/vnd.ms-excel', { Expires: '0' }] } })).json<Echo>()
  t.equal(echoed.files.file, 'xls bytes')
})

t.test('POST a Multipart-Encoded File: strings sent to be received as files', async (t) => {
  const files = { file: ['report.csv', 'some,data,to,send\nanother,row,to,send\n'] as [string, string] }
  const r = await reqwire.post(`${bin.url}/post`, { files })
  t.equal(r.json<Echo>().files.file, 'some,data,to,send\nanother,row,to,send\n')
})

t.test('POST a Multipart-Encoded File: bare content, a null filename (a plain field) and data fields together', async (t) => {
  const r = await reqwire.post(`${bin.url}/post`, {
    data: { note: 'hello' },
    files: { bare: Buffer.from('bare bytes'), field: [null, 'no filename'] },
  })
  const echoed = r.json<Echo>()
  t.equal(echoed.files.bare, 'bare bytes', 'bare content gets the field name as its filename')
  t.same(echoed.form, { note: 'hello', field: 'no filename' })
})

// ## 3.3.10 Response Status Codes

t.test('Response Status Codes: r.status_code is 200', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(r.statusCode, 200)
})

t.test('Response Status Codes: r.status_code == requests.codes.ok', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(r.statusCode, codes.ok)
})

t.test('Response Status Codes: a bad request gives 404, and raiseForStatus() raises HTTPError: 404 Client Error', async (t) => {
  const badR = await reqwire.get(`${bin.url}/status/404`)
  t.equal(badR.statusCode, 404)
  const err = thrown(() => badR.raiseForStatus())
  t.ok(err instanceof HTTPError)
  t.match((err as Error).message, /^404 Client Error: Not Found for url: http:\/\/127\.0\.0\.1:\d+\/status\/404$/i)
})

t.test('Response Status Codes: raiseForStatus() on a 200 returns nothing', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(r.raiseForStatus(), undefined)
})

// ## 3.3.11 Response Headers

t.test('Response Headers: r.headers holds the server\'s headers', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.ok(r.headers instanceof CaseInsensitiveDict)
  t.equal(r.headers.get('content-type'), 'application/json')
  t.ok(r.headers.has('content-length'))
  t.ok(r.headers.has('date'))
})

t.test('Response Headers: headers can be accessed with any capitalization', async (t) => {
  const r = await reqwire.get(`${bin.url}/response-headers`, { params: { 'Content-Type': 'application/json; charset=utf-8' } })
  t.equal(r.headers.get('Content-Type'), 'application/json; charset=utf-8')
  t.equal(r.headers.get('content-type'), 'application/json; charset=utf-8')
  t.equal(r.headers.get('CONTENT-TYPE'), 'application/json; charset=utf-8')
})

t.test('Response Headers: a header that does not exist is None (undefined)', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(r.headers.get('X-Random'), undefined)
})

// ## 3.3.12 Cookies

t.test('Cookies: r.cookies[name] of a response that set a cookie', async (t) => {
  // /cookies/set/requests-is/awesome sets it on a redirect; the final response's own cookies would
  // be empty, so the cookie is set without a redirect here.
  const r = await reqwire.get(`${bin.url}/response-headers`, { params: { 'Set-Cookie': 'requests-is=awesome; Path=/' } })
  t.equal(r.cookies.get('requests-is'), 'awesome')
  const hop = await reqwire.get(`${bin.url}/cookies/set/requests-is/awesome`, { allowRedirects: false })
  t.equal(hop.cookies.get('requests-is'), 'awesome')
})

t.test('Cookies: send your own cookies with cookies=', async (t) => {
  const cookies = { cookies_are: 'working' }
  const r = await reqwire.get(`${bin.url}/cookies`, { cookies })
  t.same(r.json<Echo>().cookies, { cookies_are: 'working' })
})

t.test('Cookies: a RequestsCookieJar with domain and path sends only the cookies in scope', async (t) => {
  const jar = new RequestsCookieJar()
  jar.set('tasty_cookie', 'yum', { domain: '127.0.0.1', path: '/cookies' })
  jar.set('gross_cookie', 'blech', { domain: '127.0.0.1', path: '/elsewhere' })
  const r = await reqwire.get(`${bin.url}/cookies`, { cookies: jar })
  t.same(r.json<Echo>().cookies, { tasty_cookie: 'yum' })
})

// ## 3.3.13 Redirection and History

t.test('Redirection and History: GET follows a 301, r.url is the final URL and r.history holds the 301', async (t) => {
  const r = await reqwire.get(`${bin.url}/redirect-to`, { params: { url: '/get', status_code: 301 } })
  t.equal(r.url, `${bin.url}/get`)
  t.equal(r.statusCode, 200)
  t.same(r.history.map(h => h.statusCode), [301])
  t.equal(String(r.history[0]), '<Response [301]>')
})

t.test('Redirection and History: history is sorted from the oldest to the most recent', async (t) => {
  const r = await reqwire.get(`${bin.url}/redirect/3`)
  t.same(r.history.map(h => new URL(h.url).pathname), ['/redirect/3', '/relative-redirect/2', '/relative-redirect/1'])
})

t.test('Redirection and History: allowRedirects: false gives the 301 itself and an empty history', async (t) => {
  const r = await reqwire.get(`${bin.url}/redirect-to`, { params: { url: '/get', status_code: 301 }, allowRedirects: false })
  t.equal(r.statusCode, 301)
  t.same(r.history, [])
  t.equal(r.isRedirect, true)
})

t.test('Redirection and History: POST with allowRedirects: true follows too', async (t) => {
  const r = await reqwire.post(`${bin.url}/redirect-to`, { params: { url: '/get', status_code: 301 }, allowRedirects: true })
  t.equal(r.url, `${bin.url}/get`)
  t.same(r.history.map(h => h.statusCode), [301])
  t.equal(r.request?.method, 'GET', 'a POST answered with 301 becomes a GET')
})

t.test('Redirection and History: HEAD does not follow unless asked', async (t) => {
  const r = await reqwire.head(`${bin.url}/redirect/1`)
  t.equal(r.statusCode, 302)
  const followed = await reqwire.head(`${bin.url}/redirect/1`, { allowRedirects: true })
  t.equal(followed.statusCode, 200)
  t.equal(followed.url, `${bin.url}/get`)
  t.equal(followed.history.length, 1)
})

// ## 3.3.14 Timeouts

t.test('Timeouts: a small timeout raises Timeout', async (t) => {
  const err = await rejection(reqwire.get(`${bin.url}/delay/1`, { timeout: 50 }))
  t.ok(err instanceof Timeout, String(err))
})

t.test('Timeouts: a [connect, read] pair (Requests\' tuple) bounds the wait for the answer', async (t) => {
  const err = await rejection(reqwire.get(`${bin.url}/delay/1`, { timeout: [1000, 100] }))
  t.ok(err instanceof ReadTimeout, String(err))
  const ok = await reqwire.get(`${bin.url}/delay/0.1`, { timeout: [1000, 1500] })
  t.equal(ok.statusCode, 200)
})

t.test('Timeouts: { connect, read, total } by name; total bounds the whole call', async (t) => {
  const read = await rejection(reqwire.get(`${bin.url}/delay/1`, { timeout: { read: 100 } }))
  t.ok(read instanceof ReadTimeout, String(read))
  const started = Date.now()
  const total = await rejection(reqwire.get(`${bin.url}/drip`, { params: { numbytes: 10, duration: 1.5 }, timeout: { read: 1000, total: 200 } }))
  t.ok(total instanceof Timeout, String(total))
  t.ok(Date.now() - started < 1000)
})

t.test('Timeouts: the timeout is not a limit on downloading the whole body (Requests 1.1: connection only; Requests 2 and we: read bounds each wait for bytes)', async (t) => {
  const started = Date.now()
  const r = await reqwire.get(`${bin.url}/drip`, { params: { numbytes: 10, duration: 0.6 }, timeout: 300 })
  t.equal(r.content.length, 10)
  t.ok(Date.now() - started >= 300, 'the whole download took longer than the timeout')
})

// ## 3.3.15 Errors and Exceptions

t.test('Errors and Exceptions: a refused connection raises ConnectionError', async (t) => {
  const err = await rejection(reqwire.get(`http://127.0.0.1:${await closedPort()}/`))
  t.ok(err instanceof ConnectionError, String(err))
})

t.test('Errors and Exceptions: an invalid HTTP response raises (Requests 1.1 said HTTPError; Requests 2 and we raise a ConnectionError)', async (t) => {
  const url = await rawServer(t, socket => socket.end('SPAM AND EGGS\r\n\r\n'))
  const err = await rejection(reqwire.get(`${url}/`))
  t.ok(err instanceof ConnectionError, String(err))
  t.ok(err instanceof RequestException)
})

t.test('Errors and Exceptions: a body shorter than its Content-Length is an error (Requests would return the short content; we raise ChunkedEncodingError)', async (t) => {
  const url = await rawServer(t, socket => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'))
  const err = await rejection(reqwire.get(`${url}/`))
  t.ok(err instanceof ChunkedEncodingError, String(err))
})

t.test('Errors and Exceptions: a timeout raises Timeout, too many redirects TooManyRedirects, all RequestException', async (t) => {
  const timeout = await rejection(reqwire.get(`${bin.url}/delay/1`, { timeout: 50 }))
  t.ok(timeout instanceof Timeout && timeout instanceof RequestException)
  await using s = new Session()
  s.maxRedirects = 2
  const redirects = await rejection(s.get(`${bin.url}/redirect/3`))
  t.ok(redirects instanceof TooManyRedirects, String(redirects))
  t.ok(redirects instanceof RequestException)
  t.equal((redirects as TooManyRedirects).response?.statusCode, 302)
})

// # 3.4 Advanced Usage

// ## 3.4.1 Session Objects

t.test('Session Objects: cookies persist across requests', async (t) => {
  await using s = new Session()
  await s.get(`${bin.url}/cookies/set/sessioncookie/123456789`)
  const r = await s.get(`${bin.url}/cookies`)
  t.same(r.json<Echo>().cookies, { sessioncookie: '123456789' })
  t.equal(s.cookies.get('sessioncookie'), '123456789')
})

t.test('Session Objects: session auth and headers are sent with the request\'s own (x-test and x-test2)', async (t) => {
  await using s = new Session()
  s.auth = ['user', 'pass']
  s.headers.update({ 'x-test': 'true' })
  const r = await s.get(`${bin.url}/headers`, { headers: { 'x-test2': 'true' } })
  const sent = r.json<Echo>().headers
  t.equal(sent['X-Test'], 'true')
  t.equal(sent['X-Test2'], 'true')
  t.equal(sent.Authorization, basic('user', 'pass'))
})

t.test('Session Objects: method-level values override session values', async (t) => {
  await using s = new Session()
  s.headers.set('x-test', 'session')
  s.params = { from: 'session', keep: 'yes' }
  const r = await s.get(`${bin.url}/get`, { headers: { 'X-Test': 'method' }, params: { from: 'method' } })
  t.equal(r.json<Echo>().headers['X-Test'], 'method')
  t.same(r.json<Echo>().args, { from: 'method', keep: 'yes' })
})

t.test('Session Objects: method-level params and cookies are not persisted', async (t) => {
  await using s = new Session()
  const first = await s.get(`${bin.url}/cookies`, { cookies: { 'from-my': 'browser' }, params: { once: '1' } })
  t.same(first.json<Echo>().cookies, { 'from-my': 'browser' })
  const second = await s.get(`${bin.url}/cookies`)
  t.same(second.json<Echo>().cookies, {})
  t.equal(second.url, `${bin.url}/cookies`)
})

t.test('Remove a Value From a Dict Parameter: a null value omits the session\'s key', async (t) => {
  await using s = new Session()
  s.headers.update({ 'x-test': 'true' })
  s.params = { drop: 'me', keep: 'me' }
  const r = await s.get(`${bin.url}/get`, { headers: { 'x-test': null }, params: { drop: null } })
  t.equal(r.json<Echo>().headers['X-Test'], undefined)
  t.same(r.json<Echo>().args, { keep: 'me' })
  t.equal(s.headers.get('x-test'), 'true', 'the session itself is unchanged')
})

t.test('Session Objects: a session as a context manager (await using) closes its connections', async (t) => {
  const before = bin.active
  {
    await using s = new Session()
    await s.get(`${bin.url}/get`)
  }
  const s = new Session()
  await s.get(`${bin.url}/get`)
  await s.close()
  t.equal(bin.active, before)
  t.same(s.adapters.size, 2, 'http:// and https:// mounted')
})

t.test('Session Objects: basic usage s.get(url) from the API reference', async (t) => {
  const s = new Session()
  t.teardown(() => s.close())
  const r = await s.get(`${bin.url}/get`)
  t.equal(r.statusCode, 200)
})

// ## 3.4.2 Request and Response Objects

t.test('Request and Response Objects: r.headers are the headers the server sent back', async (t) => {
  const r = await reqwire.get(`${bin.url}/html`)
  t.equal(r.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(r.headers.get('content-length'), String(r.content.length))
})

t.test('Request and Response Objects: r.request.headers are the headers we sent', async (t) => {
  const r = await reqwire.get(`${bin.url}/html`)
  const sent = r.request?.headers
  t.ok(sent)
  t.equal(sent?.get('Accept-Encoding'), 'gzip, deflate, br')
  t.equal(sent?.get('Accept'), '*/*')
  t.equal(sent?.get('User-Agent'), `reqwire/${version}`)
  t.ok(r.request instanceof PreparedRequest)
})

// ## Prepared Requests (API reference usage, and the current docs' section)

t.test('Prepared Requests: Request(GET, url).prepare() gives a PreparedRequest, and s.send(r) sends it', async (t) => {
  const req = new Request('GET', `${bin.url}/get`)
  const r = req.prepare()
  t.ok(r instanceof PreparedRequest)
  t.equal(r.method, 'GET')
  await using s = new Session()
  const resp = await s.send(r)
  t.equal(resp.statusCode, 200)
  t.equal(String(resp), '<Response [200]>')
})

t.test('Prepared Requests: modify the body and headers of a prepared request before sending', async (t) => {
  await using s = new Session()
  const req = new Request('POST', `${bin.url}/post`, { data: { key1: 'value1' }, headers: { 'X-Custom': 'yes' } })
  const prepped = req.prepare()
  // Requests' example: replace the body and drop Content-Type; the length is prepared again.
  const body = 'No, I want exactly this as the body.'
  prepped.body = body
  prepped.headers.delete('Content-Type')
  prepped.prepareContentLength(Buffer.byteLength(body))
  const resp = await s.send(prepped, { timeout: 1500 })
  const echoed = resp.json<Echo>()
  t.equal(echoed.data, 'No, I want exactly this as the body.')
  t.equal(echoed.headers['Content-Type'], undefined)
  t.equal(echoed.headers['X-Custom'], 'yes')
})

t.test('Prepared Requests: a body changed without preparing its length again (Requests would send the stale Content-Length and a cut body; we refuse with InvalidHeader before sending)', async (t) => {
  await using s = new Session()
  const prepped = new Request('POST', `${bin.url}/post`, { data: { key1: 'value1' } }).prepare()
  prepped.body = 'No, I want exactly this as the body.'
  prepped.headers.delete('Content-Type')
  const before = bin.requests
  const err = await rejection(s.send(prepped, { timeout: 1500 }))
  t.ok(err instanceof InvalidHeader, String(err))
  t.match((err as Error).message, /Content-Length 11/)
  t.equal(bin.requests, before, 'nothing was sent')
})

t.test('Prepared Requests: s.prepareRequest keeps the session\'s state (cookies, headers, auth)', async (t) => {
  await using s = new Session()
  s.headers.set('X-Session', '1')
  s.auth = ['user', 'pass']
  await s.get(`${bin.url}/cookies/set/session/state`)
  const req = new Request('GET', `${bin.url}/anything`, { headers: { 'X-Request': '2' } })
  const prepped = s.prepareRequest(req)
  t.equal(prepped.headers.get('X-Session'), '1')
  t.equal(prepped.headers.get('Cookie'), 'session=state')
  const plain = req.prepare()
  t.equal(plain.headers.get('Cookie'), undefined, 'Request.prepare() alone knows no session')
  const resp = await s.send(prepped)
  const echoed = resp.json<Echo>()
  t.equal(echoed.headers['X-Request'], '2')
  t.equal(echoed.headers.Authorization, basic('user', 'pass'))
  t.equal(echoed.headers.Cookie, 'session=state')
})

// ## 3.4.4 Body Content Workflow

t.test('Body Content Workflow: with stream: true only the headers are downloaded; content when small enough', async (t) => {
  const TOO_LONG = 10_000
  const r = await reqwire.get(`${bin.url}/bytes/2048?seed=5`, { stream: true })
  t.ok(thrown(() => r.content) instanceof StreamNotLoadedError, 'not loaded yet')
  if (Number(r.headers.get('content-length')) < TOO_LONG) {
    await r.load()
    t.equal(r.content.length, 2048)
  } else {
    t.fail('the body should be small')
  }
})

t.test('Body Content Workflow: a streamed response not worth reading is closed', async (t) => {
  await using s = new Session()
  const r = await s.get(`${bin.url}/bytes/100000`, { stream: true })
  t.equal(r.headers.get('content-length'), '100000')
  await r.close()
  const next = await s.get(`${bin.url}/get`)
  t.equal(next.statusCode, 200, 'the session goes on')
})

t.test('Body Content Workflow: await using closes the response (Python\'s with closing(...))', async (t) => {
  await using s = new Session()
  const before = bin.connections
  {
    await using r = await s.get(`${bin.url}/stream/5`, { stream: true })
    let lines = 0
    for await (const line of r.iterLines()) if (line.length > 0) lines++
    t.equal(lines, 5)
  }
  await s.get(`${bin.url}/get`)
  t.equal(bin.connections - before, 1, 'read to its end, the connection went back to the pool')
})

// ## 3.4.5 Keep-Alive

t.test('Keep-Alive: two requests in a session reuse one connection', async (t) => {
  await using s = new Session()
  const before = bin.connections
  await s.get(`${bin.url}/get`)
  await s.get(`${bin.url}/headers`)
  t.equal(bin.connections - before, 1)
})

// ## 3.4.6 Streaming Uploads

t.test('Streaming Uploads: a file stream as data is sent without reading it into memory', async (t) => {
  const path = tempFile('massive-body', 'x'.repeat(100_000))
  const r = await reqwire.post(`${bin.url}/post`, { data: createReadStream(path) })
  const echoed = r.json<Echo>()
  t.equal(echoed.data.length, 100_000)
  t.equal(echoed.headers['Content-Length'], '100000', 'a file stream\'s length is known')
  t.equal(echoed.headers['Transfer-Encoding'], undefined)
})

// ## 3.4.7 Chunk-Encoded Requests

t.test('Chunk-Encoded Requests: a generator as data is sent chunked', async (t) => {
  function* gen(): Generator<string> {
    yield 'hi'
    yield 'there'
  }
  const r = await reqwire.post(`${bin.url}/post`, { data: gen() })
  const echoed = r.json<Echo>()
  t.equal(echoed.data, 'hithere')
  t.equal(echoed.headers['Transfer-Encoding'], 'chunked')
  const raw = await reqwire.post(`${bin.url}/echo-raw-full`, { data: gen() })
  t.match(raw.text, /\r\n\r\n2\r\nhi\r\n5\r\nthere\r\n0\r\n\r\n$/)
})

// ## POST Multiple Multipart-Encoded Files

t.test('POST Multiple Multipart-Encoded Files: pairs with the same field name', async (t) => {
  const multipleFiles: [string, [string, string, string]][] = [
    ['images', ['foo.png', 'foo bytes', 'image/png']],
    ['images', ['bar.png', 'bar bytes', 'image/png']],
  ]
  const r = await reqwire.post(`${bin.url}/post`, { files: multipleFiles })
  t.same(r.json<Echo>().files, { images: ['foo bytes', 'bar bytes'] })
})

// ## 3.4.8 Event Hooks

t.test('Event Hooks: hooks={response: print_url} is called with the response', async (t) => {
  const printed: string[] = []
  const printUrl = (r: Response): void => {
    printed.push(r.url)
  }
  const r = await reqwire.get(`${bin.url}/`, { hooks: { response: printUrl } })
  t.same(printed, [`${bin.url}/`])
  t.equal(r.statusCode, 200)
})

t.test('Event Hooks: a hook that returns a value replaces the response', async (t) => {
  const replace = (r: Response): Response => Response.fromContent({ statusCode: 299, content: 'replaced', request: r.request, url: r.url })
  const r = await reqwire.get(`${bin.url}/get`, { hooks: { response: [replace] } })
  t.equal(r.statusCode, 299)
  t.equal(r.text, 'replaced')
})

t.test('Event Hooks: session hooks run too, before the request\'s (Requests would drop the session\'s; we run both)', async (t) => {
  await using s = new Session()
  const calls: string[] = []
  s.hooks.response.push(() => {
    calls.push('session')
  })
  await s.get(`${bin.url}/get`, { hooks: { response: () => void calls.push('request') } })
  t.same(calls, ['session', 'request'])
})

// ## 3.4.9 Custom Authentication

class PizzaAuth extends AuthBase {
  /** Attaches HTTP Pizza Authentication to the given Request object. */
  constructor(readonly username: string) {
    super()
  }

  apply(r: PreparedRequest): PreparedRequest {
    r.headers.set('X-Pizza', this.username)
    return r
  }
}

t.test('Custom Authentication: an AuthBase subclass (PizzaAuth) sets X-Pizza', async (t) => {
  const r = await reqwire.get(`${bin.url}/headers`, { auth: new PizzaAuth('kenneth') })
  t.equal(r.statusCode, 200)
  t.equal(r.json<Echo>().headers['X-Pizza'], 'kenneth')
})

t.test('Custom Authentication: any function given as auth may modify the request', async (t) => {
  const r = await reqwire.get(`${bin.url}/headers`, {
    auth: (req) => {
      req.headers.set('X-Pizza', 'function')
    },
  })
  t.equal(r.json<Echo>().headers['X-Pizza'], 'function')
})

// ## 3.4.10 Streaming Requests

t.test('Streaming Requests: iterLines over a streaming API (Twitter\'s, here /stream/20)', async (t) => {
  const r = await reqwire.get(`${bin.url}/stream/20`, { params: { track: 'requests' }, auth: ['username', 'password'], stream: true })
  const ids: number[] = []
  for await (const line of r.iterLines()) {
    if (line.length > 0) {
      const doc = JSON.parse(line.toString('utf8')) as { id: number; args: Record<string, string>; headers: Record<string, string> }
      ids.push(doc.id)
      t.equal(doc.args.track, 'requests')
    }
  }
  t.same(ids, Array.from({ length: 20 }, (_, i) => i))
})

t.test('Streaming Requests: iterLines with decodeUnicode yields strings', async (t) => {
  const r = await reqwire.get(`${bin.url}/stream/3`, { stream: true })
  const lines: string[] = []
  for await (const line of r.iterLines({ decodeUnicode: true })) lines.push(line)
  t.equal(lines.length, 3)
  t.equal(typeof lines[0], 'string')
})

// ## 3.4.12 Compliance: Encodings

t.test('Compliance: the encoding comes from the HTTP header when it has one', async (t) => {
  const r = await reqwire.get(`${bin.url}/html`)
  t.equal(r.encoding, 'utf-8')
})

t.test('Compliance: text/* without a charset is ISO-8859-1 (RFC 2616)', async (t) => {
  const r = await reqwire.get(`${bin.url}/robots.txt`)
  t.equal(r.headers.get('Content-Type'), 'text/plain')
  t.equal(r.encoding?.toUpperCase(), 'ISO-8859-1')
  t.equal(r.text, 'User-agent: *\nDisallow: /deny\n')
})

t.test('Compliance: without a charset and not text, the encoding is guessed (apparentEncoding)', async (t) => {
  const r = await reqwire.get(`${bin.url}/xml`)
  t.equal(r.encoding, null)
  t.ok(r.apparentEncoding)
  t.match(r.text, /<slideshow/)
})

t.test('Compliance: gzip, deflate and brotli bodies are decoded', async (t) => {
  const gz = await reqwire.get(`${bin.url}/gzip`)
  const df = await reqwire.get(`${bin.url}/deflate`)
  const br = await reqwire.get(`${bin.url}/brotli`)
  t.equal(gz.json<{ gzipped: boolean }>().gzipped, true)
  t.equal(df.json<{ deflated: boolean }>().deflated, true)
  t.equal(br.json<{ brotli: boolean }>().brotli, true)
  t.equal(br.headers.get('Content-Encoding'), 'br')
})

// ## 3.4.13 HTTP Verbs (the GitHub API walk-through)

t.test('HTTP Verbs: GET a commit, check codes.ok and the content-type, then r.json()', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`, { params: { commit: 'a050faf084662f3a' } })
  if (r.statusCode === codes.ok) t.equal(r.headers.get('content-type'), 'application/json')
  else t.fail(`status ${r.statusCode}`)
  const commitData = r.json<Echo>()
  t.same(Object.keys(commitData).sort(), ['args', 'headers', 'origin', 'url'])
  t.equal(commitData.args.commit, 'a050faf084662f3a')
})

t.test('HTTP Verbs: OPTIONS tells the allowed methods in the Allow header', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  const verbs = await reqwire.options(r.url)
  t.equal(verbs.statusCode, 200)
  t.same((verbs.headers.get('allow') ?? '').split(', ').sort(), ['GET', 'HEAD', 'OPTIONS'])
})

t.test('HTTP Verbs: GET an issue, json.loads(r.text), then GET r.url + /comments', async (t) => {
  const r = await reqwire.get(`${bin.url}/anything/repos/kennethreitz/requests/issues/482`)
  t.equal(r.statusCode, 200)
  const issue = JSON.parse(r.text) as Echo
  t.equal(issue.method, 'GET')
  const comments = await reqwire.get(r.url + '/comments')
  t.equal(comments.statusCode, 200)
  t.equal(comments.json<Echo>().url, `${bin.url}/anything/repos/kennethreitz/requests/issues/482/comments`)
})

t.test('HTTP Verbs: without authentication the API answers 404 (here /hidden-basic-auth)', async (t) => {
  const r = await reqwire.get(`${bin.url}/hidden-basic-auth/fake@example.com/not_a_real_password`)
  t.equal(r.statusCode, 404)
})

t.test('HTTP Verbs: POST a comment with HTTPBasicAuth', async (t) => {
  const body = JSON.stringify({ body: "Sounds great! I'll get right on it!" })
  const auth = new HTTPBasicAuth('fake@example.com', 'not_a_real_password')
  const r = await reqwire.post(`${bin.url}/post`, { data: body, auth })
  t.equal(r.statusCode, 200)
  const content = r.json<Echo>()
  t.same(content.json, { body: "Sounds great! I'll get right on it!" })
  t.equal(content.headers.Authorization, basic('fake@example.com', 'not_a_real_password'))
  const hidden = await reqwire.get(`${bin.url}/hidden-basic-auth/fake@example.com/not_a_real_password`, { auth })
  t.equal(hidden.statusCode, 200, 'the 404 goes away with credentials')
})

t.test('HTTP Verbs: PATCH to edit the comment', async (t) => {
  const body = JSON.stringify({ body: "Sounds great! I'll get right on it once I feed my cat." })
  const auth = new HTTPBasicAuth('fake@example.com', 'not_a_real_password')
  const r = await reqwire.patch(`${bin.url}/patch`, { data: body, auth })
  t.equal(r.statusCode, 200)
  t.equal(r.json<Echo>().data, body)
})

t.test('HTTP Verbs: DELETE the comment (204 No Content)', async (t) => {
  const auth = new HTTPBasicAuth('fake@example.com', 'not_a_real_password')
  const r = await reqwire.delete(`${bin.url}/delete`, { auth })
  t.equal(r.statusCode, 200)
  t.equal(r.json<Echo>().headers.Authorization, basic('fake@example.com', 'not_a_real_password'))
  const gone = await reqwire.delete(`${bin.url}/status/204`, { auth })
  t.equal(gone.statusCode, 204)
  t.equal(gone.reason, 'No Content')
  t.equal(gone.content.length, 0)
})

t.test('HTTP Verbs: HEAD to read the rate limit from the headers', async (t) => {
  const auth = new HTTPBasicAuth('fake@example.com', 'not_a_real_password')
  const r = await reqwire.head(`${bin.url}/response-headers`, { params: { 'X-RateLimit-Remaining': '4995', 'X-RateLimit-Limit': '5000' }, auth })
  t.equal(r.headers.get('x-ratelimit-remaining'), '4995')
  t.equal(r.headers.get('x-ratelimit-limit'), '5000')
  t.equal(r.content.length, 0)
})

t.test('HTTP Verbs: any other verb goes through request(method, url)', async (t) => {
  const r = await reqwire.request('PROPFIND', `${bin.url}/anything`)
  t.equal(r.json<Echo>().method, 'PROPFIND')
})

// ## 3.4.14 Link Headers

t.test('Link Headers: r.headers[link] and the parsed r.links[next] and r.links[last]', async (t) => {
  const next = `${bin.url}/users/kennethreitz/repos?page=2&per_page=10`
  const last = `${bin.url}/users/kennethreitz/repos?page=7&per_page=10`
  const link = `<${next}>; rel="next", <${last}>; rel="last"`
  const r = await reqwire.head(`${bin.url}/response-headers`, { params: { Link: link } })
  t.equal(r.headers.get('link'), link)
  t.same({ ...r.links.next }, { url: next, rel: 'next' })
  t.same({ ...r.links.last }, { url: last, rel: 'last' })
})

// ## Transport Adapters

t.test('Transport Adapters: mount a custom adapter for a URL prefix', async (t) => {
  const sent: string[] = []
  const adapter: Connection = {
    async send(request: PreparedRequest, _options: SendOptions): Promise<Response> {
      sent.push(request.url)
      return Response.fromContent({ statusCode: 200, content: '{"from":"adapter"}', request, url: request.url, headers: new CaseInsensitiveDict([['Content-Type', 'application/json']]) })
    },
    close() {},
  }
  await using s = new Session()
  s.mount(`${bin.url}/mocked/`, adapter)
  const r = await s.get(`${bin.url}/mocked/thing`)
  t.same(r.json(), { from: 'adapter' })
  t.same(sent, [`${bin.url}/mocked/thing`])
  t.equal(s.getAdapter(`${bin.url}/mocked/x`), adapter)
  const real = await s.get(`${bin.url}/get`)
  t.equal(real.json<Echo>().url, `${bin.url}/get`, 'other URLs still go to the HTTPAdapter')
})

t.test('Transport Adapters: HTTPAdapter({ maxRetries: 3 }) mounted for a host', async (t) => {
  await using s = new Session()
  s.mount(bin.url, new HTTPAdapter({ maxRetries: 3 }))
  const r = await s.get(`${bin.url}/get`)
  t.equal(r.statusCode, 200)
  const port = await closedPort()
  s.mount(`http://127.0.0.1:${port}`, new HTTPAdapter({ maxRetries: 3 }))
  const err = await rejection(s.get(`http://127.0.0.1:${port}/`))
  t.ok(err instanceof ConnectionError, `still a ConnectionError once the retries are spent: ${String(err)}`)
})

t.test('Transport Adapters: a Retry policy with statusForcelist retries a 503', async (t) => {
  await using s = new Session()
  s.mount(bin.url, new HTTPAdapter({ maxRetries: new Retry({ total: 2, statusForcelist: [503], backoffFactor: 0 }) }))
  const before = bin.requests
  const err = await rejection(s.get(`${bin.url}/status/503`))
  t.equal(bin.requests - before, 3, 'one try and two retries')
  t.ok(err instanceof RetryError, String(err))
})

// # 3.5 Authentication

t.test('Basic Authentication: HTTPBasicAuth(user, pass)', async (t) => {
  const r = await reqwire.get(`${bin.url}/basic-auth/user/pass`, { auth: new HTTPBasicAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  t.same(r.json(), { authenticated: true, user: 'user' })
})

t.test('Basic Authentication: the [user, pass] shorthand is exactly the same', async (t) => {
  const r = await reqwire.get(`${bin.url}/basic-auth/user/pass`, { auth: ['user', 'pass'] })
  t.equal(r.statusCode, 200)
  t.equal(r.request?.headers.get('Authorization'), new HTTPBasicAuth('user', 'pass').apply(new Request('GET', bin.url).prepare()).headers.get('Authorization'))
  const wrong = await reqwire.get(`${bin.url}/basic-auth/user/pass`, { auth: ['user', 'nope'] })
  t.equal(wrong.statusCode, 401)
})

t.test('Basic Authentication: credentials from a netrc file ($NETRC) when no auth is given', async (t) => {
  useNetrc(t, `machine 127.0.0.1 login user password passwd\n`)
  const r = await reqwire.get(`${bin.url}/basic-auth/user/passwd`)
  t.equal(r.statusCode, 200)
  t.same(r.json(), { authenticated: true, user: 'user' })
  await using s = new Session()
  s.trustEnv = false
  const untrusted = await s.get(`${bin.url}/basic-auth/user/passwd`)
  t.equal(untrusted.statusCode, 401, 'trustEnv off ignores netrc')
})

t.test('Digest Authentication: HTTPDigestAuth against /digest-auth/auth/user/pass', async (t) => {
  const url = `${bin.url}/digest-auth/auth/user/pass`
  const r = await reqwire.get(url, { auth: new HTTPDigestAuth('user', 'pass') })
  t.equal(r.statusCode, 200)
  t.same(r.json(), { authenticated: true, user: 'user' })
  t.same(r.history.map(h => h.statusCode), [401])
})

t.test('Digest Authentication: MD5 and SHA-256 named explicitly', async (t) => {
  for (const algorithm of ['MD5', 'SHA-256']) {
    const r = await reqwire.get(`${bin.url}/digest-auth/auth/user/pass/${algorithm}`, { auth: new HTTPDigestAuth('user', 'pass') })
    t.equal(r.statusCode, 200, algorithm)
    t.match(r.request?.headers.get('Authorization') ?? '', new RegExp(`algorithm="?${algorithm}"?`), algorithm)
  }
  const wrong = await reqwire.get(`${bin.url}/digest-auth/auth/user/pass/MD5`, { auth: new HTTPDigestAuth('user', 'wrong') })
  t.equal(wrong.statusCode, 401)
})

t.test('Other Authentication: an OAuth-like scheme as an AuthBase (a bearer token)', async (t) => {
  class TokenAuth extends AuthBase {
    constructor(readonly token: string) {
      super()
    }
    apply(r: PreparedRequest): void {
      r.headers.set('Authorization', `Bearer ${this.token}`)
    }
  }
  const r = await reqwire.get(`${bin.url}/bearer`, { auth: new TokenAuth('abc123') })
  t.equal(r.statusCode, 200)
  t.same(r.json(), { authenticated: true, token: 'abc123' })
  const without = await reqwire.get(`${bin.url}/bearer`)
  t.equal(without.statusCode, 401)
})

t.test('New Forms of Authentication: an AuthBase that also registers a response hook', async (t) => {
  const seen: number[] = []
  class CountingAuth extends AuthBase {
    apply(r: PreparedRequest): PreparedRequest {
      r.headers.set('X-Counting', 'on')
      r.registerHook('response', (resp) => {
        seen.push(resp.statusCode)
      })
      return r
    }
  }
  const r = await reqwire.get(`${bin.url}/headers`, { auth: new CountingAuth() })
  t.equal(r.json<Echo>().headers['X-Counting'], 'on')
  t.same(seen, [200])
})

// # 5.1 API reference usage

t.test('API: requests.request(GET, url) returns a Response [200]', async (t) => {
  const req = await reqwire.request('GET', `${bin.url}/get`)
  t.equal(String(req), '<Response [200]>')
})

t.test('API: Status Code Lookup (codes.temporary_redirect, codes.teapot, codes[\\o/])', async (t) => {
  t.equal(codes.temporary_redirect, 307)
  t.equal(codes['temporary_redirect'], 307)
  t.equal(codes.teapot, 418)
  t.equal(codes['\\o/'], 200)
  const r = await reqwire.get(`${bin.url}/status/418`)
  t.equal(r.statusCode, codes.teapot)
})
