// Basic and Proxy Basic auth (RFC 7617) and applyAuth's three input forms, against a fake
// request that has only what lib/auth.ts asks of a PreparedRequest.

import t from 'tap'
import { AuthBase, type AuthHook, type AuthRequest, HTTPBasicAuth, HTTPProxyAuth, applyAuth, basicAuthHeader } from '../lib/auth.js'
import { InvalidHeader } from '../lib/errors.js'
import { CaseInsensitiveDict } from '../lib/structures.js'

class FakeRequest implements AuthRequest {
  method = 'GET'
  url = 'http://example.org/'
  headers = new CaseInsensitiveDict<string>()
  hooks: Array<AuthHook<unknown>> = []
  registerHook(_event: 'response', hook: AuthHook<unknown> | ReadonlyArray<AuthHook<unknown>>): void {
    this.hooks.push(...(typeof hook === 'function' ? [hook] : hook))
  }
  copy(): FakeRequest {
    const r = new FakeRequest()
    r.method = this.method
    r.url = this.url
    r.headers = this.headers.copy()
    r.hooks = this.hooks.slice()
    return r
  }
  rewindBody(): void {}
}

function decode(header: string): string {
  if (!/^Basic [A-Za-z0-9+/]+=*$/.test(header)) throw new Error(`not Basic credentials: ${header}`)
  return Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8')
}

t.test('basicAuthHeader encodes user:pass in base64', async t => {
  t.equal(basicAuthHeader('user', 'pass'), 'Basic dXNlcjpwYXNz')
  t.equal(basicAuthHeader('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==') // RFC 7617 §2
  t.equal(basicAuthHeader('', ''), 'Basic Og==')
})

t.test('basicAuthHeader encodes non-ASCII credentials as UTF-8, not latin1 as Requests does', async t => {
  // RFC 7617 §2.1's example: user "test", password "123£" with charset="UTF-8".
  t.equal(basicAuthHeader('test', '123\u00a3'), 'Basic dGVzdDoxMjPCow==')
  t.equal(decode(basicAuthHeader('Jürgen', 'pässwörd')), 'Jürgen:pässwörd')
  t.equal(decode(basicAuthHeader('ユーザー', 'пароль🔑')), 'ユーザー:пароль🔑')
})

t.test('credentials holding CR, LF or NUL are refused with InvalidHeader', async t => {
  for (const bad of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b']) {
    t.throws(() => basicAuthHeader(bad, 'pass'), InvalidHeader)
    t.throws(() => basicAuthHeader('user', bad), InvalidHeader)
  }
  const r = new FakeRequest()
  t.throws(() => applyAuth(['user\r\n', 'pass'], r), InvalidHeader)
  t.notOk(r.headers.has('Authorization'), 'nothing is set when the credentials are refused')
})

t.test('a [user, pass] pair is applied as Basic auth', async t => {
  const r = new FakeRequest()
  t.equal(applyAuth(['user', 'pass'], r), r)
  t.equal(r.headers.get('authorization'), 'Basic dXNlcjpwYXNz')
})

t.test('HTTPBasicAuth sets Authorization and HTTPProxyAuth sets Proxy-Authorization', async t => {
  const basic = new FakeRequest()
  applyAuth(new HTTPBasicAuth('user', 'pass'), basic)
  t.equal(basic.headers.get('Authorization'), 'Basic dXNlcjpwYXNz')
  t.notOk(basic.headers.has('Proxy-Authorization'))

  const proxy = new FakeRequest()
  applyAuth(new HTTPProxyAuth('user', 'pass'), proxy)
  t.equal(proxy.headers.get('Proxy-Authorization'), 'Basic dXNlcjpwYXNz')
  t.notOk(proxy.headers.has('Authorization'))
  t.ok(new HTTPProxyAuth('u', 'p') instanceof HTTPBasicAuth, 'HTTPProxyAuth is an HTTPBasicAuth, as in Requests')
})

t.test('an AuthBase subclass is applied through apply, in place or by returning a new request', async t => {
  class InPlace extends AuthBase {
    apply(r: AuthRequest): void {
      r.headers.set('X-Token', 'in-place')
    }
  }
  class Replacing extends AuthBase {
    apply(r: AuthRequest): AuthRequest {
      const copy = r.copy()
      copy.headers.set('X-Token', 'replaced')
      return copy
    }
  }
  const r = new FakeRequest()
  t.equal(applyAuth(new InPlace(), r), r, 'void keeps the request')
  t.equal(r.headers.get('x-token'), 'in-place')

  const replaced = applyAuth(new Replacing(), r)
  t.not(replaced, r, 'a returned request replaces the one passed in')
  t.equal(replaced.headers.get('x-token'), 'replaced')
  t.equal(r.headers.get('x-token'), 'in-place')
})

t.test('a plain function is called with the request and may return a replacement', async t => {
  const r = new FakeRequest()
  const seen: AuthRequest[] = []
  const result = applyAuth(req => {
    seen.push(req)
    req.headers.set('X-Api-Key', 'k')
  }, r)
  t.same(seen, [r])
  t.equal(result, r)
  t.equal(r.headers.get('x-api-key'), 'k')

  const other = new FakeRequest()
  t.equal(applyAuth(() => other, r), other)
})

t.test('anything else given as auth is refused with a TypeError', async t => {
  for (const bad of [['only-user'], 'user:pass', { username: 'u', password: 'p' }, null]) {
    t.throws(() => applyAuth(bad as never, new FakeRequest()), TypeError)
  }
})

t.test('equals compares username and password whatever the class, as Requests __eq__', async t => {
  const a = new HTTPBasicAuth('user', 'pass')
  t.ok(a.equals(new HTTPBasicAuth('user', 'pass')))
  t.ok(a.equals({ username: 'user', password: 'pass' }))
  t.ok(a.equals(new HTTPProxyAuth('user', 'pass')))
  t.notOk(a.equals(new HTTPBasicAuth('user', 'other')))
  t.notOk(a.equals(new HTTPBasicAuth('other', 'pass')))
  t.notOk(a.equals(['user', 'pass']))
  t.notOk(a.equals(null))
  t.notOk(a.equals('user:pass'))
})
