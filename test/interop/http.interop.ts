// Interop with a real nginx over plain HTTP/1.1 (issue 5): keep-alive across GET, HEAD and POST
// (nginx's $connection in a response header tells which connection answered), gzip with chunked
// framing, redirects, 404s. nginx comes from test/interop/servers.ts; without it, the file skips.

import t from 'tap'
import { STATIC_TEXT, TEXT_BODY, skipFile, startNginx, type Nginx } from './servers.js'
import { fixturePaths } from '../support/tls-fixtures.js'
import { HTTPError } from '../../lib/index.js'
import { isolatedSession as session } from '../support/session.js'


const nginx = await startNginx()
if (typeof nginx === 'string') skipFile(t, nginx)
else {
  t.teardown(() => nginx.stop())
  define(nginx)
}

function define(nginx: Nginx): void {
  const base = nginx.http.url

  t.test('twenty GETs of a static file on a session share one nginx connection', async (t) => {
    const s = session(t)
    const connections = new Set<string | undefined>()
    for (let i = 1; i <= 20; i++) {
      const r = await s.get(`${base}/static.txt`)
      t.equal(r.statusCode, 200)
      t.equal(r.text, STATIC_TEXT)
      t.equal(r.headers.get('content-type'), 'text/plain')
      t.equal(r.headers.get('x-connection-requests'), String(i), `request ${i} is the connection's ${i}th`)
      connections.add(r.headers.get('x-connection') ?? undefined)
    }
    t.equal(connections.size, 1, 'one connection answered them all')
  })

  t.test('HEAD answers the headers without a body and leaves the connection usable', async (t) => {
    const s = session(t)
    const head = await s.head(`${base}/static.txt`)
    t.equal(head.statusCode, 200)
    t.equal(head.headers.get('content-length'), String(STATIC_TEXT.length), 'the length of the body a GET would get')
    t.equal(head.content.length, 0)
    const get = await s.get(`${base}/static.txt`)
    t.equal(get.text, STATIC_TEXT)
    t.equal(get.headers.get('x-connection'), head.headers.get('x-connection'), 'the same connection')
    t.equal(get.headers.get('x-connection-requests'), '2')
  })

  t.test('POST of a form and of JSON reaches nginx with their type and length, on one connection', async (t) => {
    const s = session(t)
    const form = await s.post(`${base}/post`, { data: { a: '1', b: 'two words' } })
    t.equal(form.statusCode, 200)
    t.equal(form.text, 'POST application/x-www-form-urlencoded 15\na=1&b=two+words')
    const json = await s.post(`${base}/post`, { json: { x: [1, 2], y: 'z' } })
    const [line, body] = json.text.split('\n') as [string, string]
    t.equal(line, `POST application/json ${Buffer.byteLength(body)}`)
    t.same(JSON.parse(body), { x: [1, 2], y: 'z' })
    const raw = await s.post(`${base}/post`, { data: 'plain bytes', headers: { 'Content-Type': 'text/plain' } })
    t.equal(raw.text, 'POST text/plain 11\nplain bytes')
    t.equal(raw.headers.get('x-connection'), form.headers.get('x-connection'), 'keep-alive after request bodies')
    t.equal(raw.headers.get('x-connection-requests'), '3')
  })

  t.test('a gzip-compressed, chunked response from nginx is decoded whole', async (t) => {
    const s = session(t)
    const r = await s.get(`${base}/text.txt`)
    t.equal(r.statusCode, 200)
    t.equal(r.headers.get('content-encoding'), 'gzip', 'reqwire asked for gzip and nginx compressed')
    t.equal(r.headers.get('transfer-encoding'), 'chunked', 'nginx compresses on the fly, so it chunks')
    t.equal(r.text, TEXT_BODY)
    const streamed = await s.get(`${base}/text.txt`, { stream: true })
    const parts: Buffer[] = []
    for await (const chunk of streamed.iterContent(1000)) parts.push(chunk as Buffer)
    t.equal(Buffer.concat(parts).toString('utf8'), TEXT_BODY, 'streamed and decoded in pieces')
    const again = await s.get(`${base}/static.txt`)
    t.equal(again.headers.get('x-connection'), r.headers.get('x-connection'), 'the chunked bodies were read to their end: the connection is reused')
  })

  t.test('a 301 from nginx is followed, and a 302 then a 301 too, with the history recorded', async (t) => {
    const s = session(t)
    const one = await s.get(`${base}/redirect`)
    t.equal(one.statusCode, 200)
    t.equal(one.text, STATIC_TEXT)
    t.equal(one.url, `${base}/static.txt`)
    t.same(one.history.map((h) => h.statusCode), [301])
    const two = await s.get(`${base}/redirect-twice`)
    t.equal(two.url, `${base}/static.txt`)
    t.same(two.history.map((h) => h.statusCode), [302, 301])
    const stopped = await s.get(`${base}/redirect`, { allowRedirects: false })
    t.equal(stopped.statusCode, 301)
    t.equal(stopped.headers.get('location'), `${base}/static.txt`)
    t.ok(stopped.isPermanentRedirect)
  })

  t.test('a redirect from http to https is followed with the CA bundle given', async (t) => {
    const s = session(t)
    const r = await s.get(`${base}/to-https`, { verify: fixturePaths.ca })
    t.equal(r.statusCode, 200)
    t.equal(r.url, `https://localhost:${nginx.https.port}/from-redirect`)
    t.match(r.text, /^secure \/from-redirect\nsni=localhost\n/)
  })

  t.test('a 404 from nginx is a response, and raiseForStatus turns it into an HTTPError', async (t) => {
    const s = session(t)
    const r = await s.get(`${base}/missing.txt`)
    t.equal(r.statusCode, 404)
    t.equal(r.ok, false)
    t.throws(() => r.raiseForStatus(), HTTPError)
    t.throws(() => r.raiseForStatus(), { message: `404 Client Error: Not Found for url: ${base}/missing.txt` })
    const next = await s.get(`${base}/static.txt`)
    t.equal(next.headers.get('x-connection'), r.headers.get('x-connection'), 'the 404 body was read; the connection is reused')
  })
}
