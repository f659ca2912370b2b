// RequestsCookieJar, one rule per test: Requests' jar API, the RFC 6265 rules tough-cookie applies
// to Set-Cookie (domain, path, Secure, expiry, public suffixes), the host-less cookies Requests
// sends everywhere, and the refusal of names and values that could inject into the Cookie header.

import t from 'tap'
import { inspect } from 'node:util'
import { CookieJar } from 'tough-cookie'
import { InvalidHeader, RequestException } from '../lib/errors.js'
import {
  CookieConflictError,
  RequestsCookieJar,
  cookieHeaderFor,
  cookiejarFromDict,
  mergeCookies,
  storeResponseCookies,
} from '../lib/cookies.js'

/** A jar holding what `url` answered with these Set-Cookie lines. */
function received(url: string, ...setCookie: string[]): RequestsCookieJar {
  const jar = new RequestsCookieJar()
  storeResponseCookies(jar, url, setCookie)
  return jar
}

t.test('a cookie that is set can be read back and deleted', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'b')
  t.equal(jar.get('a'), 'b')
  t.ok(jar.has('a'))
  t.equal(jar.size, 1)
  t.equal(jar.delete('a'), true)
  t.equal(jar.get('a'), undefined)
  t.notOk(jar.has('a'))
  t.equal(jar.delete('a'), false)
})

t.test('setting a cookie to null removes it', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'b')
  jar.set('a', null)
  t.equal(jar.size, 0)
})

t.test('setting a cookie again replaces its value', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', '1')
  jar.set('a', '2')
  t.equal(jar.size, 1)
  t.equal(jar.get('a'), '2')
})

t.test('a cookie set without a domain is sent to any host', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'b')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=b')
  t.equal(cookieHeaderFor(jar, 'https://other.example.org/deep/path?q=1'), 'a=b')
  t.equal(cookieHeaderFor(jar, 'http://127.0.0.1:8080/'), 'a=b')
})

t.test('an empty jar sends no Cookie header', async t => {
  t.equal(cookieHeaderFor(new RequestsCookieJar(), 'http://example.com/'), '')
  t.ok(new RequestsCookieJar().isEmpty)
})

t.test('a Set-Cookie is stored for the host that sent it', async t => {
  const jar = received('http://example.com/', 'sid=123; Path=/')
  t.equal(jar.get('sid'), '123')
  t.equal(cookieHeaderFor(jar, 'http://example.com/page'), 'sid=123')
  t.notOk(jar.isEmpty)
})

t.test('a Set-Cookie with Domain=com is refused (public suffix)', async t => {
  const jar = received('http://example.com/', 'a=1; Domain=com')
  t.equal(jar.size, 0)
  t.equal(cookieHeaderFor(jar, 'http://other.com/'), '')
})

t.test('a Set-Cookie for another domain is refused', async t => {
  const jar = received('http://example.com/', 'a=1; Domain=example.org')
  t.equal(jar.size, 0)
  t.equal(cookieHeaderFor(jar, 'http://example.org/'), '')
})

t.test('a malformed Set-Cookie is dropped without an error', async t => {
  const jar = received('http://example.com/', 'no-equals-sign', '', 'ok=1')
  t.same(jar.keys(), ['ok'])
})

t.test('a host-only cookie is not sent to a subdomain', async t => {
  const jar = received('http://example.com/', 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://a.example.com/'), '')
  const [info] = [...jar]
  t.equal(info?.hostOnly, true)
})

t.test('a domain cookie is sent to subdomains', async t => {
  const jar = received('http://example.com/', 'a=1; Domain=example.com')
  t.equal(cookieHeaderFor(jar, 'https://a.example.com/x'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://notexample.com/'), '')
})

t.test('a cookie set with a domain is sent to that domain and its subdomains only', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', '1', { domain: '.example.com' })
  t.equal(cookieHeaderFor(jar, 'https://a.example.com/x'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.org/'), '')
  t.equal(jar.get('a', { domain: 'example.com' }), '1')
})

t.test('a cookie is sent only under its path', async t => {
  const jar = received('http://example.com/', 'a=1; Path=/docs')
  t.equal(cookieHeaderFor(jar, 'http://example.com/docs'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/docs/x'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/docsx'), '')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
})

t.test('cookies with longer paths come first in the header', async t => {
  const jar = received('http://example.com/', 'short=1; Path=/', 'long=2; Path=/a/b', 'mid=3; Path=/a')
  jar.set('everywhere', '4')
  t.equal(cookieHeaderFor(jar, 'http://example.com/a/b/c'), 'long=2; mid=3; short=1; everywhere=4')
})

t.test('a host-less cookie with a path is sent only under that path', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', '1', { path: '/api' })
  t.equal(cookieHeaderFor(jar, 'http://example.com/api/v1'), 'a=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
})

t.test('a Secure cookie is sent over https but not over http', async t => {
  const jar = received('https://example.com/', 's=1; Secure')
  t.equal(cookieHeaderFor(jar, 'https://example.com/'), 's=1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
  const hostless = new RequestsCookieJar()
  hostless.set('s', '1', { secure: true })
  t.equal(cookieHeaderFor(hostless, 'https://example.com/'), 's=1')
  t.equal(cookieHeaderFor(hostless, 'http://example.com/'), '')
})

t.test('a Secure cookie set over http is refused', async t => {
  const jar = received('http://example.com/', 's=1; Secure')
  t.equal(jar.size, 0)
})

t.test('Max-Age=0 deletes a stored cookie', async t => {
  const jar = received('http://example.com/', 'a=1')
  storeResponseCookies(jar, 'http://example.com/', ['a=; Max-Age=0'])
  t.equal(jar.get('a'), undefined)
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
  t.equal(jar.size, 0)
})

t.test('an Expires in the past deletes a stored cookie', async t => {
  const jar = received('http://example.com/', 'a=1')
  storeResponseCookies(jar, 'http://example.com/', ['a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT'])
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
  t.equal(jar.size, 0)
})

t.test('an expiry in the future keeps the cookie, with its expiry shown', async t => {
  const jar = received('http://example.com/', 'a=1; Max-Age=3600', 'b=2; Expires=Fri, 01 Jan 2100 00:00:00 GMT')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=1; b=2')
  const [a, b] = [...jar]
  t.ok(a?.expires !== null && a !== undefined && a.expires.getTime() > Date.now() + 3_500_000)
  t.equal(b?.expires?.toISOString(), '2100-01-01T00:00:00.000Z')
})

t.test('Max-Age counts from when the cookie arrived, not from its last use', async t => {
  const jar = received('http://example.com/', 'a=1; Max-Age=1')
  const [before] = [...jar]
  cookieHeaderFor(jar, 'http://example.com/') // tough-cookie refreshes lastAccessed here
  const [after] = [...jar]
  t.equal(after?.expires?.getTime(), before?.expires?.getTime())
})

t.test('a cookie set with a past expiry or maxAge 0 is deleted', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', '1')
  jar.set('a', '1', { maxAge: 0 })
  t.equal(jar.size, 0)
  jar.set('b', '1')
  jar.set('b', '1', { expires: new Date(0) })
  t.equal(jar.size, 0)
  jar.set('c', '1', { maxAge: 60_000 })
  t.equal(jar.get('c'), '1')
})

t.test('a copy is independent of the original', async t => {
  const jar = received('http://example.com/', 'sid=1')
  jar.set('a', '1')
  const copy = jar.copy()
  copy.set('a', '2')
  copy.set('b', '3')
  storeResponseCookies(copy, 'http://example.com/', ['sid=changed'])
  t.equal(jar.get('a'), '1')
  t.equal(jar.get('b'), undefined)
  t.equal(jar.get('sid'), '1')
  t.equal(copy.get('sid'), 'changed')
  jar.clear()
  t.equal(copy.size, 3)
})

t.test('update adds a jar with its domains and a record as host-less cookies', async t => {
  const jar = new RequestsCookieJar()
  jar.update(received('http://example.com/', 'sid=1'))
  jar.update({ a: '2' })
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'sid=1; a=2')
  t.equal(cookieHeaderFor(jar, 'http://example.org/'), 'a=2')
})

t.test('mergeCookies does not overwrite a name the jar already has from a record', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'session')
  t.equal(mergeCookies(jar, { a: 'request', b: 'new' }), jar)
  t.same(jar.getDict(), { a: 'session', b: 'new' })
  mergeCookies(jar, null)
  t.equal(jar.size, 2)
})

t.test('mergeCookies adds the cookies of a jar, replacing those with the same name, domain and path', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'session')
  const other = new RequestsCookieJar()
  other.set('a', 'request')
  mergeCookies(jar, other)
  t.same(jar.getDict(), { a: 'request' })
})

t.test('cookiejarFromDict builds host-less cookies, into a given jar when there is one', async t => {
  const made = cookiejarFromDict({ a: '1', b: '2' })
  t.same(made.items(), [['a', '1'], ['b', '2']])
  const jar = new RequestsCookieJar()
  jar.set('a', 'old')
  t.equal(cookiejarFromDict({ a: 'new' }, jar), jar)
  t.equal(jar.get('a'), 'new')
  t.equal(cookiejarFromDict(null).size, 0)
  t.equal(cookiejarFromDict(made), made)
})

t.test('getDict filters by domain and path', async t => {
  const jar = received('http://example.com/', 'a=1', 'p=2; Path=/x')
  storeResponseCookies(jar, 'http://example.org/', ['b=3'])
  jar.set('c', '4')
  t.same(jar.getDict(), { a: '1', p: '2', b: '3', c: '4' })
  t.same(jar.getDict('example.com'), { a: '1', p: '2' })
  t.same(jar.getDict('example.com', '/x'), { p: '2' })
  t.same(jar.getDict(''), { c: '4' })
  t.same(jar.toJSON(), jar.getDict())
  t.same(jar.listDomains(), ['example.com', 'example.org', ''])
  t.same(jar.listPaths(), ['/', '/x'])
  t.ok(jar.multipleDomains())
})

t.test('get throws CookieConflictError when a name is in several domains, and a domain chooses', async t => {
  const jar = received('http://example.com/', 'a=1')
  storeResponseCookies(jar, 'http://example.org/', ['a=2'])
  t.throws(() => jar.get('a'), CookieConflictError)
  t.notOk(new CookieConflictError('x') instanceof RequestException)
  t.equal(jar.get('a', { domain: 'example.org' }), '2')
  t.ok(jar.has('a'))
})

t.test('clear removes everything, or what matches a domain, path and name', async t => {
  const jar = received('http://example.com/', 'a=1', 'b=2')
  storeResponseCookies(jar, 'http://example.org/', ['c=3'])
  jar.clear('example.com', '/', 'a')
  t.same(jar.keys(), ['b', 'c'])
  jar.clear('example.org')
  t.same(jar.keys(), ['b'])
  jar.clear()
  t.equal(jar.size, 0)
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), '')
})

for (const [what, name, value] of [
  ['CR in a value', 'a', 'b\rSet-Cookie: x=1'],
  ['LF in a value', 'a', 'b\nX: 1'],
  ['NUL in a value', 'a', 'b\0'],
  ['a semicolon in a value', 'a', 'b; admin=1'],
  ['a non-ASCII value', 'a', 'café'],
  ['CR LF in a name', 'a\r\nX', 'b'],
  ['a semicolon in a name', 'a;b', 'c'],
  ['an equals sign in a name', 'a=b', 'c'],
  ['a space in a name', 'a b', 'c'],
  ['an empty name', '', 'c'],
] as const) {
  t.test(`${what} is refused with InvalidHeader before anything is stored`, async t => {
    const jar = new RequestsCookieJar()
    t.throws(() => jar.set(name, value), InvalidHeader)
    t.throws(() => cookiejarFromDict({ [name]: value }), InvalidHeader)
    t.equal(jar.size, 0)
  })
}

t.test('a CR in a domain or path is refused with InvalidHeader', async t => {
  const jar = new RequestsCookieJar()
  t.throws(() => jar.set('a', 'b', { domain: 'example.com\r\n' }), { name: 'InvalidHeader', code: 'INVALID_COOKIE_ATTRIBUTE' })
  t.throws(() => jar.set('a', 'b', { path: '/\n' }), InvalidHeader)
})

t.test('values Requests sends are accepted: spaces, quotes, commas, an empty value', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', 'hello world')
  jar.set('b', '"quoted"')
  jar.set('c', '{"x":1,"y":2}')
  jar.set('d', '')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=hello world; b="quoted"; c={"x":1,"y":2}; d=')
})

t.test('inspect shows names, domains and paths, not values', async t => {
  const jar = received('http://example.com/', 'sid=secret', 'theme=dark; Domain=example.com; Path=/app')
  jar.set('lang', 'en')
  t.equal(inspect(jar), 'RequestsCookieJar { sid (example.com/), theme (.example.com/app), lang (any host/) }')
  t.equal(inspect(new RequestsCookieJar()), 'RequestsCookieJar {}')
  t.notMatch(inspect(jar), /secret/)
})

t.test('iteration yields each cookie with its name, value, domain, path, secure flag and expiry', async t => {
  const jar = received('https://example.com/', 'a=1; Secure; HttpOnly')
  jar.set('b', '2', { path: '/x' })
  t.same([...jar], [
    { name: 'a', value: '1', domain: 'example.com', path: '/', secure: true, httpOnly: true, hostOnly: true, expires: null },
    { name: 'b', value: '2', domain: '', path: '/x', secure: false, httpOnly: false, hostOnly: false, expires: null },
  ])
  t.same(jar.keys(), ['a', 'b'])
  t.same(jar.values(), ['1', '2'])
  t.same(jar.items(), [['a', '1'], ['b', '2']])
})

t.test('a tough-cookie jar given to the constructor is used and exposed as store', async t => {
  const tough = new CookieJar()
  tough.setCookieSync('a=1', 'http://example.com/')
  const jar = new RequestsCookieJar(tough)
  t.equal(jar.store, tough)
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=1')
})

t.test('a cookie added through store is seen by the jar', async t => {
  const jar = new RequestsCookieJar()
  jar.store.setCookieSync('a=1', 'http://example.com/')
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'a=1')
  jar.clear()
  jar.store.setCookieSync('b=2', 'http://example.com/')
  t.equal(jar.get('b'), '2')
})

t.test('storeResponseCookies never throws, even for a URL that does not parse', async t => {
  const jar = new RequestsCookieJar()
  t.doesNotThrow(() => storeResponseCookies(jar, 'not a url', ['a=1']))
  t.doesNotThrow(() => storeResponseCookies(jar, 'http://example.com/', ['a=1; Domain=..', '=; ;', '__Host-x=1']))
  t.equal(cookieHeaderFor(jar, 'not a url'), '')
})

t.test('the Cookie header follows every change to the jar, for a URL already asked about', async t => {
  const jar = new RequestsCookieJar()
  jar.set('a', '1')
  t.equal(cookieHeaderFor(jar, 'http://example.com/x?q=1'), 'a=1')
  jar.set('a', '2')
  t.equal(cookieHeaderFor(jar, 'http://example.com/x?q=2'), 'a=2')
  storeResponseCookies(jar, 'http://example.com/', ['b=3'])
  t.equal(cookieHeaderFor(jar, 'http://example.com/x'), 'a=2; b=3')
  jar.delete('a')
  t.equal(cookieHeaderFor(jar, 'http://example.com/x'), 'b=3')
  jar.clear()
  t.equal(cookieHeaderFor(jar, 'http://example.com/x'), '')
})

t.test('a cookie stops being sent when it expires, for a URL already asked about', async t => {
  const jar = new RequestsCookieJar()
  jar.set('short', '1', { maxAge: 40 })
  jar.set('long', '2')
  storeResponseCookies(jar, 'http://example.com/', ['s=3; Max-Age=1'])
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'short=1; long=2; s=3')
  await new Promise(resolve => setTimeout(resolve, 1100))
  t.equal(cookieHeaderFor(jar, 'http://example.com/'), 'long=2')
  t.same(jar.keys(), ['long'])
})
