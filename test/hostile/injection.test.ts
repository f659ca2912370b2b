// Caller-side injection: CR, LF or NUL smuggled in by a careless caller through the method, the
// URL, header names and values, cookies, multipart names and filenames, and proxy credentials. Each
// is refused with a typed error before a byte is written: the test server sees no connection at
// all. Values that are encoded on the way (query parameters, Basic credentials) reach the wire
// encoded, never raw.

import t from 'tap'
import { InvalidHeader, InvalidURL, RequestException, type RequestOptions, type Session } from '../../lib/index.js'
import { base, className, client, rawServer, rejection } from './helpers.js'

t.setTimeout(60_000)

type ErrorClass = abstract new (...args: never[]) => RequestException

interface Case {
  name: string
  /** Makes the request; `url` is the server's base URL. */
  send: (s: Session, url: string, port: number) => Promise<unknown>
  cls: ErrorClass[]
  code: string
}

const BAD = { CR: '\r', LF: '\n', CRLF: '\r\n', NUL: '\0' } as const

const cases: Case[] = []
for (const [label, bad] of Object.entries(BAD)) {
  const injected = `${bad}X-Injected: 1`
  const get = (options: RequestOptions) => (s: Session, url: string) => s.get(`${url}/`, { timeout: 2000, ...options })
  cases.push(
    { name: `a ${label} in the method`, send: (s, url) => s.request(`GET${bad}X`, `${url}/`, { timeout: 2000 }), cls: [InvalidHeader, InvalidURL], code: 'INVALID_METHOD' },
    { name: `a ${label} in the path`, send: (s, url) => s.get(`${url}/a${injected}`, { timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in the query`, send: (s, url) => s.get(`${url}/a?q=${injected}`, { timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in the fragment`, send: (s, url) => s.get(`${url}/a#f${injected}`, { timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in the host`, send: (_s, _url, port) => _s.get(`http://127.0.0.1${bad}:${port}/`, { timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in the userinfo`, send: (s, _url, port) => s.get(`http://us${bad}er:pass@127.0.0.1:${port}/`, { timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in a header name`, send: get({ headers: { [`X-A${injected}`]: 'v' } }), cls: [InvalidHeader], code: 'INVALID_HEADER_NAME' },
    { name: `a ${label} in a header value`, send: get({ headers: { 'X-A': `v${injected}` } }), cls: [InvalidHeader], code: 'INVALID_HEADER_VALUE' },
    { name: `a ${label} at the end of a header value`, send: get({ headers: { 'X-A': `v${bad}` } }), cls: [InvalidHeader], code: 'INVALID_HEADER_VALUE' },
    { name: `a ${label} in a session header value`, send: (s, url) => { s.headers.set('X-S', `v${injected}`); return s.get(`${url}/`, { timeout: 2000 }) }, cls: [InvalidHeader], code: 'INVALID_HEADER_VALUE' },
    { name: `a ${label} in the User-Agent`, send: get({ headers: { 'User-Agent': `ua${injected}` } }), cls: [InvalidHeader], code: 'INVALID_HEADER_VALUE' },
    { name: `a ${label} in the Host header`, send: get({ headers: { Host: `h${injected}` } }), cls: [InvalidHeader], code: 'INVALID_HEADER_VALUE' },
    { name: `a ${label} in a cookie name`, send: get({ cookies: { [`c${injected}`]: 'v' } }), cls: [InvalidHeader], code: 'INVALID_COOKIE_NAME' },
    { name: `a ${label} in a cookie value`, send: get({ cookies: { c: `v${injected}` } }), cls: [InvalidHeader], code: 'INVALID_COOKIE_VALUE' },
    { name: `a ${label} in a multipart field name`, send: (s, url) => s.post(`${url}/`, { files: { [`f${injected}`]: ['a.txt', 'x'] }, timeout: 2000 }), cls: [InvalidHeader], code: 'INVALID_PART_HEADER' },
    { name: `a ${label} in a multipart filename`, send: (s, url) => s.post(`${url}/`, { files: { f: [`a${injected}.txt`, 'x'] }, timeout: 2000 }), cls: [InvalidHeader], code: 'INVALID_PART_HEADER' },
    { name: `a ${label} in a multipart part content type`, send: (s, url) => s.post(`${url}/`, { files: { f: ['a.txt', 'x', `text/plain${injected}`] }, timeout: 2000 }), cls: [InvalidHeader], code: 'INVALID_PART_HEADER' },
    { name: `a ${label} in a multipart data field name`, send: (s, url) => s.post(`${url}/`, { data: { [`d${injected}`]: 'v' }, files: { f: ['a.txt', 'x'] }, timeout: 2000 }), cls: [InvalidHeader], code: 'INVALID_PART_HEADER' },
    { name: `a ${label} in a multipart extra part header`, send: (s, url) => s.post(`${url}/`, { files: { f: ['a.txt', 'x', 'text/plain', { 'X-P': `v${injected}` }] }, timeout: 2000 }), cls: [InvalidHeader], code: 'INVALID_PART_HEADER' },
    { name: `a ${label} in the proxy URL's credentials`, send: (s, url, port) => s.get(`${url}/`, { proxies: { http: `http://us${bad}er:pa${bad}ss@127.0.0.1:${port}` }, timeout: 2000 }), cls: [InvalidURL, InvalidHeader], code: 'URL_CONTROL_CHARACTER' },
    { name: `a ${label} in the proxy URL's host`, send: (s, url, port) => s.get(`${url}/`, { proxies: { http: `http://127.0.0.1${bad}:${port}` }, timeout: 2000 }), cls: [InvalidURL], code: 'URL_CONTROL_CHARACTER' },
  )
}

for (const c of cases) {
  t.test(`${c.name} is refused before any connection is made`, async t => {
    const server = await rawServer(t)
    const { s } = client(t)
    const err = await rejection(c.send(s, base(server), server.port))
    const expected = c.cls.map(k => k.name).join(' or ')
    t.ok(c.cls.some(k => err instanceof k), `${expected} (got ${className(err)}: ${err.message.slice(0, 120)})`)
    t.ok(err instanceof RequestException, 'a RequestException')
    t.equal(err.code, c.code, 'its code')
    // Give any connection that was (wrongly) opened a moment to arrive.
    await new Promise(resolve => setTimeout(resolve, 20))
    t.equal(server.accepted, 0, 'the server saw no connection at all')
    t.equal(server.requests.length, 0)
  })
}

t.test('CR, LF and NUL in query parameters are percent-encoded, never sent raw', async t => {
  const server = await rawServer(t)
  const { s } = client(t)
  const r = await s.get(`${base(server)}/p`, { params: { 'k\r\n': 'v\r\nX-Injected: 1\0' }, timeout: 2000 })
  t.equal(r.statusCode, 200)
  const req = server.requests[0]
  t.equal(req?.target, '/p?k%0D%0A=v%0D%0AX-Injected%3A+1%00')
  t.equal(req?.header('x-injected'), undefined)
})

t.test('CR and LF in Basic credentials are refused with InvalidHeader before any connection', async t => {
  // Base64 would make them harmless on the wire, but a user name with a line break is a caller's
  // bug: reqwire refuses it (Requests would encode it).
  const server = await rawServer(t)
  const { s } = client(t)
  const err = await rejection(s.get(`${base(server)}/p`, { auth: ['us\r\ner', 'pa\nss'], timeout: 2000 }))
  t.ok(err instanceof InvalidHeader, `InvalidHeader (got ${className(err)})`)
  t.equal(server.accepted, 0)
})

t.test('percent-encoded CR and LF in the path stay encoded on the wire', async t => {
  const server = await rawServer(t)
  const { s } = client(t)
  await s.get(`${base(server)}/a%0d%0aX-Injected:%201`, { timeout: 2000 })
  t.match(server.requests[0]?.target ?? '', /^\/a%0[dD]%0[aA]X-Injected:%201$/, `sent encoded: ${server.requests[0]?.target}`)
  t.equal(server.requests[0]?.header('x-injected'), undefined)
})

t.test('a quote in a multipart filename cannot end the parameter early', async t => {
  const server = await rawServer(t)
  const { s } = client(t)
  const result = await s.post(`${base(server)}/`, { files: { f: ['a"; name="evil.txt', 'x'] }, timeout: 2000 }).then(() => null, (e: unknown) => e)
  if (result !== null) {
    t.ok(result instanceof InvalidHeader, `refused with InvalidHeader (got ${className(result)})`)
    t.equal(server.accepted, 0)
    return
  }
  const body = server.requests[0]?.body.toString('latin1') ?? ''
  const disposition = /Content-Disposition:[^\r\n]*/i.exec(body)?.[0] ?? ''
  t.notMatch(disposition, /name="evil\.txt"/, `the quote was escaped: ${disposition}`)
})
