// Response against the in-process httpbin and raw servers: status helpers, encodings and text,
// json, streaming (iterContent, iterLines, raw, load) and its one-read rule, links,
// raiseForStatus, and content decoding of gzip, deflate and brotli bodies.

import t from 'tap'
import { gzipSync } from 'node:zlib'
import { httpbinFor } from './support/httpbin.js'
import { startRawServer, response as rawResponse, chunkedResponse } from './support/raw-server.js'
import {
  ChunkedEncodingError,
  ContentDecodingError,
  HTTPError,
  InvalidJSONError,
  JSONDecodeError,
  RequestException,
  Response,
  Session,
  StreamConsumedError,
  StreamNotLoadedError,
} from '../lib/index.js'

const bin = await httpbinFor(t)
const s = new Session()
t.teardown(() => s.close())

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

t.test('status helpers', async (t) => {
  const ok = await s.get(`${bin.url}/status/204`)
  t.equal(ok.statusCode, 204)
  t.ok(ok.ok)
  const missing = await s.get(`${bin.url}/status/404`)
  t.notOk(missing.ok)
  const redirect = await s.get(`${bin.url}/redirect/1`, { allowRedirects: false })
  t.ok(redirect.isRedirect)
  t.notOk(redirect.isPermanentRedirect)
  const permanent = await s.get(`${bin.url}/redirect-to?url=/get&status_code=308`, { allowRedirects: false })
  t.ok(permanent.isPermanentRedirect)
  t.equal(String(ok), '<Response [204]>')
})

t.test('raiseForStatus throws HTTPError with Requests message and the response', async (t) => {
  const r = await s.get(`${bin.url}/status/404`)
  const err = (() => { try { r.raiseForStatus() } catch (e) { return e } })() as HTTPError
  t.type(err, HTTPError)
  t.type(err, RequestException)
  t.match(err.message, new RegExp(`^404 Client Error: .+ for url: ${bin.url}/status/404$`))
  t.equal(err.response, r)
  const server = await s.get(`${bin.url}/status/503`)
  t.throws(() => server.raiseForStatus(), { message: /^503 Server Error: / })
  const fine = await s.get(`${bin.url}/get`)
  t.doesNotThrow(() => fine.raiseForStatus())
})

t.test('encoding comes from Content-Type, ISO-8859-1 for text without a charset, utf-8 for JSON', async (t) => {
  t.equal((await s.get(`${bin.url}/encoding/utf8`)).encoding?.toLowerCase(), 'utf-8')
  t.equal((await s.get(`${bin.url}/json`)).encoding, 'utf-8')
  const plain = await s.get(`${bin.url}/response-headers?Content-Type=text/plain`)
  t.equal(plain.encoding, 'ISO-8859-1')
  const binary = await s.get(`${bin.url}/bytes/16`)
  t.equal(binary.encoding, null)
})

t.test('text decodes with encoding; assigning encoding changes text', async (t) => {
  const server = await startRawServer({
    handler: (_req, socket) => {
      socket.write(rawResponse(200, Buffer.from('caf\xe9', 'latin1'), ['Content-Type: text/plain']))
    },
  })
  t.teardown(() => server.close())
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.text, 'café', 'ISO-8859-1 by default for text/*')
  r.encoding = 'utf-8'
  t.equal(r.text, 'caf\ufffd', 'undecodable bytes are replaced, not fatal')
  r.encoding = 'windows-1251'
  t.equal(r.text, 'cafй', 'any charset iconv-lite knows')
})

t.test('text without any declared charset uses apparentEncoding', async (t) => {
  const server = await startRawServer({
    handler: (_req, socket) => { socket.write(rawResponse(200, Buffer.from('¡Hola, señor! ¿Qué tal? Ünïcödé çà et là.', 'utf8'))) },
  })
  t.teardown(() => server.close())
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.equal(r.encoding, null)
  t.equal(r.apparentEncoding?.toLowerCase(), 'utf-8')
  t.equal(r.text, '¡Hola, señor! ¿Qué tal? Ünïcödé çà et là.')
})

t.test('json parses the body; invalid JSON is JSONDecodeError, also an InvalidJSONError and RequestException', async (t) => {
  const r = await s.get(`${bin.url}/json`)
  t.type(r.json<{ slideshow: object }>().slideshow, 'object')
  const html = await s.get(`${bin.url}/html`)
  const err = (() => { try { html.json() } catch (e) { return e } })() as JSONDecodeError
  t.type(err, JSONDecodeError)
  t.type(err, InvalidJSONError)
  t.type(err, RequestException)
  t.equal(err.response, html)
})

t.test('json detects UTF-16 without a charset', async (t) => {
  const body = Buffer.from(JSON.stringify({ word: 'naïve' }), 'utf16le')
  const server = await startRawServer({ handler: (_req, socket) => { socket.write(rawResponse(200, body, ['Content-Type: application/json'])) } })
  t.teardown(() => server.close())
  const r = await s.get(`http://127.0.0.1:${server.port}/`)
  t.same(r.json(), { word: 'naïve' })
})

t.test('links parses the Link header', async (t) => {
  const link = '<https://api.example/items?page=2>; rel="next", <https://api.example/items?page=9>; rel="last"'
  const r = await s.get(`${bin.url}/response-headers?Link=${encodeURIComponent(link)}`)
  t.equal(r.links.next?.url, 'https://api.example/items?page=2')
  t.equal(r.links.last?.url, 'https://api.example/items?page=9')
})

t.test('content decoding', async (t) => {
  for (const kind of ['gzip', 'deflate', 'brotli']) {
    const r = await s.get(`${bin.url}/${kind}`)
    t.ok(r.json<Record<string, boolean>>()[kind === 'brotli' ? 'brotli' : kind === 'gzip' ? 'gzipped' : 'deflated'], kind)
  }
  const server = await startRawServer({
    handler: (_req, socket) => { socket.write(rawResponse(200, Buffer.from('not gzip at all'), ['Content-Encoding: gzip'])) },
  })
  t.teardown(() => server.close())
  await t.rejects(s.get(`http://127.0.0.1:${server.port}/`), ContentDecodingError)
})

t.test('a body shorter than its Content-Length is ChunkedEncodingError, never a short body', async (t) => {
  const server = await startRawServer({
    handler: (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')
      socket.end()
    },
  })
  t.teardown(() => server.close())
  await t.rejects(s.get(`http://127.0.0.1:${server.port}/`), ChunkedEncodingError)
})

t.test('stream: true', async (t) => {
  t.test('content before load() is StreamNotLoadedError; after load() it is there', async (t) => {
    const r = await s.get(`${bin.url}/bytes/1000`, { stream: true })
    t.throws(() => r.content, StreamNotLoadedError)
    t.throws(() => r.text, { message: /load\(\)/ })
    await r.load()
    t.equal(r.content.length, 1000)
  })

  t.test('iterContent with a size gives pieces of exactly that size but the last', async (t) => {
    const r = await s.get(`${bin.url}/bytes/1000`, { stream: true })
    const chunks = await collect(r.iterContent(128))
    t.same(chunks.map((c) => c.length), [128, 128, 128, 128, 128, 128, 128, 104])
  })

  t.test('reading a streamed body twice is StreamConsumedError', async (t) => {
    const r = await s.get(`${bin.url}/stream/3`, { stream: true })
    await collect(r.iterContent())
    await t.rejects(collect(r.iterContent()), StreamConsumedError)
    t.throws(() => r.content, StreamConsumedError)
    await t.rejects(r.load(), StreamConsumedError)
  })

  t.test('a loaded body can be iterated any number of times', async (t) => {
    const r = await s.get(`${bin.url}/bytes/10`)
    t.equal(Buffer.concat(await collect(r.iterContent(3))).length, 10)
    t.equal(Buffer.concat(await collect(r)).length, 10)
  })

  t.test('iterLines splits lines of a streamed body', async (t) => {
    const r = await s.get(`${bin.url}/stream/4`, { stream: true })
    const lines = await collect(r.iterLines())
    t.equal(lines.length, 4)
    t.same(lines.map((l) => JSON.parse(l.toString()).id), [0, 1, 2, 3])
  })

  t.test('iterLines with decodeUnicode handles characters and CRLFs split across chunks', async (t) => {
    const text = 'première ligne\r\nzweite Zeile — €\r\n\r\nlast'
    const body = Buffer.from(text, 'utf8')
    const pieces = Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1))
    const server = await startRawServer({
      handler: (_req, socket) => { socket.write(chunkedResponse(200, pieces, [], ['Content-Type: text/plain; charset=utf-8'])) },
    })
    t.teardown(() => server.close())
    const r = await s.get(`http://127.0.0.1:${server.port}/`, { stream: true })
    const lines = await collect(r.iterLines({ decodeUnicode: true }))
    t.same(lines, ['première ligne', 'zweite Zeile — €', '', 'last'])
  })

  t.test('iterContent decodes gzip as it streams', async (t) => {
    const payload = Buffer.alloc(300_000, 'reqwire ')
    const server = await startRawServer({ handler: (_req, socket) => { socket.write(rawResponse(200, gzipSync(payload), ['Content-Encoding: gzip'])) } })
    t.teardown(() => server.close())
    const r = await s.get(`http://127.0.0.1:${server.port}/`, { stream: true })
    const out = Buffer.concat(await collect(r.iterContent()))
    t.ok(out.equals(payload))
  })

  t.test('raw gives the bytes as they arrived, not decompressed', async (t) => {
    const r = await s.get(`${bin.url}/gzip`, { stream: true })
    const raw = Buffer.concat(await collect(r.raw as AsyncIterable<Buffer>))
    t.equal(raw[0], 0x1f)
    t.equal(raw[1], 0x8b)
    t.throws(() => r.raw, StreamConsumedError)
  })

  t.test('close() on an unread stream closes its connection; the session still works', async (t) => {
    const r = await s.get(`${bin.url}/stream-bytes/100000`, { stream: true })
    await r.close()
    t.equal((await s.get(`${bin.url}/get`)).statusCode, 200)
  })

  t.test('await using closes the response', async (t) => {
    {
      await using r = await s.get(`${bin.url}/bytes/100`, { stream: true })
      t.equal(r.statusCode, 200)
    }
    t.equal((await s.get(`${bin.url}/get`)).statusCode, 200)
  })
})

t.test('fromContent builds a response by hand', async (t) => {
  const r = Response.fromContent({ statusCode: 200, content: '{"a":1}' })
  t.same(r.json(), { a: 1 })
  t.equal(r.reason, 'OK')
})

t.test('maxBodySize: an uncompressed body past the cap is ContentDecodingError BODY_TOO_LARGE; the session setting applies too', async (t) => {
  await t.rejects(s.get(`${bin.url}/bytes/5000`, { maxBodySize: 1000 }), { name: 'ContentDecodingError', code: 'BODY_TOO_LARGE' })
  t.equal((await s.get(`${bin.url}/bytes/5000`, { maxBodySize: 5000 })).content.length, 5000)
  const capped = new Session()
  t.teardown(() => capped.close())
  capped.maxBodySize = 10
  await t.rejects(capped.get(`${bin.url}/bytes/11`), ContentDecodingError)
  await t.rejects(capped.get(`${bin.url}/get`, { maxBodySize: -1 }), TypeError)
})

t.test('iterLines with a delimiter and a chunk size splits on the delimiter only, as bytes or as text', async (t) => {
  const server = await startRawServer({ handler: (_req, socket) => { socket.write(rawResponse(200, 'a||b\n||c||', ['Content-Type: text/plain; charset=utf-8'])) } })
  t.teardown(() => server.close())
  const url = `http://127.0.0.1:${server.port}/`
  const bytes = await collect((await s.get(url, { stream: true })).iterLines({ delimiter: Buffer.from('||'), chunkSize: 3 }))
  t.same(bytes.map((b) => b.toString()), ['a', 'b\n', 'c'])
  const text = await collect((await s.get(url, { stream: true })).iterLines({ decodeUnicode: true, delimiter: '||' }))
  t.same(text, ['a', 'b\n', 'c'])
})
