// Every example of the current Requests quickstart (seed 003), in its order, against the
// in-process httpbin. URLs of api.github.com and httpbin.org are rewritten to the local server,
// keeping the point of each example.

import { closedPort } from '../support/ports.js'
import t from 'tap'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { httpbinFor } from '../support/httpbin.js'
import * as reqwire from '../../lib/index.js'
import {
  ConnectionError,
  HTTPError,
  InvalidHeader,
  JSONDecodeError,
  ReadTimeout,
  RequestException,
  Response,
  Session,
  Timeout,
  TooManyRedirects,
  codes,
} from '../../lib/index.js'

type Echo = {
  url: string
  args: Record<string, string | string[]>
  form: Record<string, string | string[]>
  data: string
  json: unknown
  headers: Record<string, string>
  method: string
  gzipped?: boolean
  deflated?: boolean
}

const bin = await httpbinFor(t)
t.teardown(() => reqwire.closeDefaultPool())

/** `r.raw.read(n)` as Python has it: up to n bytes, waiting for them to arrive. */
async function readBytes(stream: Readable, n: number): Promise<Buffer> {
  for (;;) {
    const chunk = stream.read(n) as Buffer | null
    if (chunk !== null) return chunk
    if (stream.readableEnded) return Buffer.alloc(0)
    await Promise.race([once(stream, 'readable'), once(stream, 'end')])
    const rest = stream.readableLength > 0 && stream.readableLength < n && stream.readableEnded ? (stream.read() as Buffer | null) : null
    if (rest !== null) return rest
  }
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


// ## Make a Request

t.test('Make a Request: get a page (GitHub\'s public timeline, here /get) gives a Response', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.ok(r instanceof Response)
  t.equal(r.statusCode, 200)
  t.equal(r.url, `${bin.url}/get`)
})

t.test('Make a Request: an HTTP POST with data={key: value}', async (t) => {
  const r = await reqwire.post(`${bin.url}/post`, { data: { key: 'value' } })
  t.equal(r.statusCode, 200)
  t.same(r.json<Echo>().form, { key: 'value' })
})

t.test('Make a Request: PUT, DELETE, HEAD and OPTIONS are just as simple', async (t) => {
  const put = await reqwire.put(`${bin.url}/put`, { data: { key: 'value' } })
  t.equal(put.statusCode, 200)
  t.same(put.json<Echo>().form, { key: 'value' })
  const del = await reqwire.delete(`${bin.url}/delete`)
  t.equal(del.statusCode, 200)
  t.equal(del.json<Echo>().url, `${bin.url}/delete`)
  const head = await reqwire.head(`${bin.url}/get`)
  t.equal(head.statusCode, 200)
  t.equal(head.content.length, 0, 'HEAD has no body')
  t.equal(head.headers.get('Content-Type'), 'application/json')
  const options = await reqwire.options(`${bin.url}/get`)
  t.equal(options.statusCode, 200)
  t.match(options.headers.get('Allow') ?? '', /GET/)
})

// ## Passing Parameters In URLs

t.test('Passing Parameters In URLs: a dict of strings is encoded into the query', async (t) => {
  const payload = { key1: 'value1', key2: 'value2' }
  const r = await reqwire.get(`${bin.url}/get`, { params: payload })
  // Requests' doc prints key2 first only because of Python 2's dict order; insertion order here.
  t.equal(r.url, `${bin.url}/get?key1=value1&key2=value2`)
  t.same(r.json<Echo>().args, payload)
})

t.test('Passing Parameters In URLs: a key whose value is None (null) is not added', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`, { params: { key1: 'value1', key2: null, key3: undefined } })
  t.equal(r.url, `${bin.url}/get?key1=value1`)
})

t.test('Passing Parameters In URLs: a list value repeats the key', async (t) => {
  const payload = { key1: 'value1', key2: ['value2', 'value3'] }
  const r = await reqwire.get(`${bin.url}/get`, { params: payload })
  t.equal(r.url, `${bin.url}/get?key1=value1&key2=value2&key2=value3`)
  t.same(r.json<Echo>().args, payload)
})

// ## Response Content

t.test('Response Content: r.text is the body decoded from the server', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(typeof r.text, 'string')
  t.match(r.text, /^\{\n {2}"args": \{\}/)
  t.same(JSON.parse(r.text), r.json())
})

t.test('Response Content: r.encoding tells the encoding guessed from the headers', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.equal(r.encoding, 'utf-8')
  const html = await reqwire.get(`${bin.url}/encoding/utf8`)
  t.equal(html.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(html.encoding, 'utf-8')
})

t.test('Response Content: assigning r.encoding = ISO-8859-1 makes r.text use it', async (t) => {
  const r = await reqwire.get(`${bin.url}/encoding/utf8`)
  const asUtf8 = r.text
  r.encoding = 'ISO-8859-1'
  t.equal(r.encoding, 'ISO-8859-1')
  t.equal(r.text, r.content.toString('latin1'))
  t.not(r.text, asUtf8, 'the UTF-8 page reads as mojibake in Latin-1')
})

t.test('Response Content: set r.encoding from r.content when the body names its charset (HTML meta)', async (t) => {
  const r = await reqwire.get(`${bin.url}/encoding/utf8`)
  r.encoding = 'ISO-8859-1' // as a server that said nothing would leave it for text/*
  const meta = /<meta charset="([^"]+)"/.exec(r.content.toString('latin1'))
  t.ok(meta)
  r.encoding = meta?.[1] ?? null
  t.equal(r.text, r.content.toString('utf8'))
})

t.test('Response Content: a custom codec name as r.encoding (any label iconv-lite knows) decodes the text', async (t) => {
  // KOI8-R bytes for "Привет", echoed back byte for byte by /echo-raw-full.
  const koi8 = Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4])
  const r = await reqwire.post(`${bin.url}/echo-raw-full`, { data: koi8 })
  t.equal(r.encoding?.toLowerCase(), 'iso-8859-1', 'what the server said')
  r.encoding = 'koi8-r'
  t.ok(r.text.endsWith('Привет'), r.text.slice(-10))
})

// ## Binary Response Content

t.test('Binary Response Content: r.content is the body as bytes (a Buffer)', async (t) => {
  const r = await reqwire.get(`${bin.url}/get`)
  t.ok(Buffer.isBuffer(r.content))
  t.equal(r.content.toString('utf8'), r.text)
})

t.test('Binary Response Content: gzip and deflate transfer-encodings are decoded for you', async (t) => {
  const gz = await reqwire.get(`${bin.url}/gzip`)
  t.equal(gz.headers.get('Content-Encoding'), 'gzip')
  t.equal(JSON.parse(gz.content.toString('utf8')).gzipped, true)
  const df = await reqwire.get(`${bin.url}/deflate`)
  t.equal(df.headers.get('Content-Encoding'), 'deflate')
  t.equal(df.json<Echo>().deflated, true)
})

t.test('Binary Response Content: an image from the binary data (PNG signature and size)', async (t) => {
  const r = await reqwire.get(`${bin.url}/image/png`)
  t.equal(r.headers.get('Content-Type'), 'image/png')
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  t.ok(r.content.subarray(0, 8).equals(signature), 'PNG signature')
  t.equal(r.content.subarray(12, 16).toString('latin1'), 'IHDR')
  t.ok(r.content.readUInt32BE(16) > 0, 'a width')
})

// ## JSON Response Content

t.test('JSON Response Content: r.json() parses the body', async (t) => {
  const r = await reqwire.get(`${bin.url}/json`)
  const data = r.json<{ slideshow: { title: string; slides: unknown[] } }>()
  t.equal(data.slideshow.title, 'Sample Slide Show')
  t.ok(Array.isArray(data.slideshow.slides))
})

t.test('JSON Response Content: invalid JSON makes r.json() raise (JSONDecodeError)', async (t) => {
  const r = await reqwire.get(`${bin.url}/html`)
  t.throws(() => r.json(), JSONDecodeError)
  t.ok(thrown(() => r.json()) instanceof RequestException, 'a RequestException (Requests: also a ValueError)')
})

t.test('JSON Response Content: a 204 No Content makes r.json() raise', async (t) => {
  const r = await reqwire.get(`${bin.url}/status/204`)
  t.equal(r.statusCode, 204)
  t.throws(() => r.json(), JSONDecodeError)
})

t.test('JSON Response Content: success of r.json() does not mean success of the response', async (t) => {
  const r = await reqwire.get(`${bin.url}/status/406`)
  t.equal(r.statusCode, 406)
  t.equal(r.json<{ message: string }>().message, 'Client did not request a supported media type.')
  t.equal(r.ok, false)
  t.throws(() => r.raiseForStatus(), HTTPError)
})

// ## Raw Response Content

t.test('Raw Response Content: with stream: true, r.raw.read(10) gives the bytes as they came (gzip magic)', async (t) => {
  const r = await reqwire.get(`${bin.url}/gzip`, { stream: true })
  const first = await readBytes(r.raw, 10)
  t.equal(first.length, 10)
  t.same([...first.subarray(0, 3)], [0x1f, 0x8b, 0x08], 'not decompressed')
  await r.close()
})

t.test('Raw Response Content: save a stream to a file with iterContent(128)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reqwire-quickstart-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const filename = join(dir, 'download.bin')
  const r = await reqwire.get(`${bin.url}/stream-bytes/1000?seed=7&chunk_size=100`, { stream: true })
  const fd = createWriteStream(filename)
  const sizes: number[] = []
  for await (const chunk of r.iterContent(128)) {
    sizes.push(chunk.length)
    if (!fd.write(chunk)) await once(fd, 'drain')
  }
  fd.end()
  await once(fd, 'finish')
  t.same(sizes, [...Array(7).fill(128), 1000 - 7 * 128])
  const whole = await reqwire.get(`${bin.url}/bytes/1000?seed=7`)
  t.ok(readFileSync(filename).equals(whole.content), 'the file holds the body')
})

t.test('Raw Response Content: iterContent() without a size yields chunks as they arrive (Requests would default to 1-byte chunks; we default to null)', async (t) => {
  const r = await reqwire.get(`${bin.url}/stream-bytes/3000?seed=1&chunk_size=1000`, { stream: true })
  const sizes: number[] = []
  for await (const chunk of r.iterContent()) sizes.push(chunk.length)
  t.equal(sizes.reduce((a, b) => a + b, 0), 3000)
  t.ok(sizes.every(size => size > 1), 'never one byte at a time')
})

t.test('Raw Response Content: iterContent decodes gzip, raw does not', async (t) => {
  const streamed = await reqwire.get(`${bin.url}/gzip`, { stream: true })
  const parts: Buffer[] = []
  for await (const chunk of streamed.iterContent(128)) parts.push(chunk)
  t.equal(JSON.parse(Buffer.concat(parts).toString('utf8')).gzipped, true)
  const raw = await reqwire.get(`${bin.url}/gzip`, { stream: true })
  const bytes: Buffer[] = []
  for await (const chunk of raw.raw) bytes.push(chunk as Buffer)
  t.equal(Buffer.concat(bytes)[0], 0x1f)
  t.equal(Buffer.concat(bytes).length, Number(raw.headers.get('Content-Length')))
})

// ## Custom Headers

t.test('Custom Headers: a dict of headers, e.g. user-agent my-app/0.0.1', async (t) => {
  const headers = { 'user-agent': 'my-app/0.0.1' }
  const r = await reqwire.get(`${bin.url}/headers`, { headers })
  const sent = r.json<{ headers: Record<string, string> }>().headers
  t.equal(sent['User-Agent'], 'my-app/0.0.1', 'replaces the default User-Agent, whatever its case')
  t.equal(r.request?.headers.get('User-Agent'), 'my-app/0.0.1')
})

t.test('Custom Headers: Authorization set with headers= is overridden by .netrc, which is overridden by auth=', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reqwire-netrc-'))
  const netrc = join(dir, 'netrc')
  writeFileSync(netrc, 'machine 127.0.0.1\n  login user\n  password passwd\n')
  const previous = process.env.NETRC
  process.env.NETRC = netrc
  t.teardown(() => {
    if (previous === undefined) delete process.env.NETRC
    else process.env.NETRC = previous
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `${bin.url}/basic-auth/user/passwd`
  const viaNetrc = await reqwire.get(url, { headers: { Authorization: 'Bearer from-headers' } })
  t.equal(viaNetrc.statusCode, 200, 'netrc credentials win over headers=')
  t.same(viaNetrc.json(), { authenticated: true, user: 'user' })
  const viaAuth = await reqwire.get(`${bin.url}/headers`, { headers: { Authorization: 'Bearer from-headers' }, auth: ['other', 'secret'] })
  const expected = 'Basic ' + Buffer.from('other:secret').toString('base64')
  t.equal(viaAuth.json<{ headers: Record<string, string> }>().headers.Authorization, expected, 'auth= wins over netrc')
})

t.test('Custom Headers: Authorization is removed when redirected off-host', async (t) => {
  let other
  try {
    other = await httpbinFor(t, { host: '127.0.0.2' })
  } catch {
    t.pass('127.0.0.2 cannot be bound here: nothing to check')
    return
  }
  const target = `${other.url}/headers`
  const r = await reqwire.get(`${bin.url}/redirect-to`, { params: { url: target }, headers: { Authorization: 'Bearer secret' } })
  t.equal(r.url, target)
  t.equal(r.history.length, 1)
  t.equal(r.json<{ headers: Record<string, string> }>().headers.Authorization, undefined)
  const same = await reqwire.get(`${bin.url}/redirect-to`, { params: { url: '/headers' }, headers: { Authorization: 'Bearer secret' } })
  t.equal(same.json<{ headers: Record<string, string> }>().headers.Authorization, 'Bearer secret', 'kept on the same host')
})

t.test('Custom Headers: Content-Length is overridden when the length of the content is known', async (t) => {
  const r = await reqwire.post(`${bin.url}/post`, { data: 'abc', headers: { 'Content-Length': '999' }, timeout: 1500 })
  const echoed = r.json<Echo>()
  t.equal(echoed.headers['Content-Length'], '3')
  t.equal(echoed.data, 'abc')
})

t.test('Custom Headers: header values must be strings; CR/LF in a value is refused before sending (Requests would raise InvalidHeader too; we refuse every control character but HTAB)', async (t) => {
  const before = bin.requests
  await t.rejects(reqwire.get(`${bin.url}/headers`, { headers: { 'X-Evil': 'a\r\nX-Injected: 1' } }), InvalidHeader)
  await t.rejects(reqwire.get(`${bin.url}/headers`, { headers: { 'X-Evil': 'a\0b' } }), InvalidHeader)
  t.equal(bin.requests, before, 'nothing was sent')
})

// ## Errors and Exceptions

t.test('Errors and Exceptions: a refused connection raises ConnectionError', async (t) => {
  const port = await closedPort()
  const err = await reqwire.get(`http://127.0.0.1:${port}/get`).then(
    () => null,
    (e: unknown) => e,
  )
  t.ok(err instanceof ConnectionError, String(err))
  t.ok(err instanceof RequestException)
})

t.test('Errors and Exceptions: raiseForStatus() raises HTTPError for an unsuccessful status', async (t) => {
  const r = await reqwire.get(`${bin.url}/status/404`)
  t.throws(() => r.raiseForStatus(), HTTPError)
  try {
    r.raiseForStatus()
  } catch (err) {
    t.ok(err instanceof RequestException)
    t.equal((err as HTTPError).response, r)
  }
})

t.test('Errors and Exceptions: a request that times out raises Timeout', async (t) => {
  const started = Date.now()
  const err = await reqwire.get(`${bin.url}/delay/1`, { timeout: 100 }).then(
    () => null,
    (e: unknown) => e,
  )
  t.ok(err instanceof Timeout, String(err))
  t.ok(err instanceof ReadTimeout)
  t.ok(err instanceof RequestException)
  t.ok(Date.now() - started < 900, 'gave up before the server answered')
})

t.test('Errors and Exceptions: more redirects than the configured maximum raise TooManyRedirects', async (t) => {
  await using s = new Session()
  s.maxRedirects = 3
  const err = await s.get(`${bin.url}/redirect/5`).then(
    () => null,
    (e: unknown) => e,
  )
  t.ok(err instanceof TooManyRedirects, String(err))
  t.ok(err instanceof RequestException)
})

t.test('Errors and Exceptions: every exception inherits from RequestException', async (t) => {
  for (const Err of [ConnectionError, HTTPError, Timeout, TooManyRedirects, ReadTimeout, InvalidHeader, JSONDecodeError]) {
    t.ok(new Err('x') instanceof RequestException, Err.name)
  }
  t.equal(codes.ok, 200)
})
