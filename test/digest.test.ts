// HTTPDigestAuth: RFC 7616's worked example byte for byte, the challenge parser's edge cases,
// nonce counting, and the 401 hook end to end against a fake connection whose server side is
// the test server's own verifier (test/support/httpbin/digest.ts).

import t from 'tap'
import type { AuthHook, AuthRequest, AuthResponse, SendOptions } from '../lib/auth.js'
import { HTTPDigestAuth, digestUri, findDigestChallenge, parseChallenges } from '../lib/digest.js'
import { InvalidHeader, UnrewindableBodyError } from '../lib/errors.js'
import { CaseInsensitiveDict } from '../lib/structures.js'
import { expectedResponse, parseDigestAuthorization } from './support/httpbin/digest.js'

// RFC 7616 §3.9.1.
const RFC = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  url: 'http://www.example.org/dir/index.html',
}

function rfcChallenge(algorithm: string): string {
  return `Digest realm="${RFC.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${RFC.nonce}", opaque="${RFC.opaque}"`
}

/** An HTTPDigestAuth whose cnonce is fixed, as the RFC's example needs. */
class FixedCnonceDigestAuth extends HTTPDigestAuth {
  cnonce = RFC.cnonce
  protected override makeCnonce(): string {
    return this.cnonce
  }
}

function fields(header: string | null): Map<string, string> {
  if (header === null) throw new Error('expected a Digest header, got none')
  const parsed = parseDigestAuthorization(header)
  if (parsed === null) throw new Error(`not a Digest header: ${header}`)
  return parsed
}

t.test('the RFC 7616 §3.9.1 example gives the RFC\'s MD5 and SHA-256 responses', async t => {
  const expected: Record<string, string> = {
    'MD5': '8ca523f5e9506fed4657c9700eebdbec',
    'SHA-256': '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  }
  for (const [algorithm, response] of Object.entries(expected)) {
    const auth = new FixedCnonceDigestAuth(RFC.username, RFC.password)
    t.ok(auth.acceptChallenge(rfcChallenge(algorithm), RFC.url))
    const header = auth.buildDigestHeader('GET', RFC.url)
    const f = fields(header)
    t.equal(f.get('response'), response, algorithm)
    t.equal(f.get('username'), 'Mufasa')
    t.equal(f.get('realm'), RFC.realm)
    t.equal(f.get('uri'), '/dir/index.html')
    t.equal(f.get('nonce'), RFC.nonce)
    t.equal(f.get('nc'), '00000001')
    t.equal(f.get('cnonce'), RFC.cnonce)
    t.equal(f.get('qop'), 'auth', 'auth is picked from "auth, auth-int"')
    t.equal(f.get('opaque'), RFC.opaque)
    t.equal(f.get('algorithm'), algorithm)
    // RFC 7616 §3.4: qop, nc and algorithm are tokens, sent unquoted (Requests quotes them).
    t.match(header, /, qop=auth, nc=00000001(,|$)/)
    t.match(header, new RegExp(`algorithm=${algorithm},`))
  }
})

t.test('every supported algorithm gives the response the test server expects', async t => {
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess', 'SHA-512', 'sha-256']) {
    for (const qop of ['auth', null]) {
      const auth = new HTTPDigestAuth('user', 'pass')
      const challenge = `Digest realm="r", nonce="abc", algorithm=${algorithm}` + (qop === null ? '' : `, qop="${qop}"`)
      t.ok(auth.acceptChallenge(challenge, 'http://h/'))
      const f = fields(auth.buildDigestHeader('POST', 'http://h/p?q=1'))
      const want = expectedResponse({
        algorithm: algorithm.replace(/-SESS$/i, '-sess').replace(/^sha-256$/, 'SHA-256'),
        username: 'user', realm: 'r', password: 'pass', method: 'POST', uri: '/p?q=1', nonce: 'abc',
        nc: f.get('nc'), cnonce: f.get('cnonce'), qop: f.get('qop'),
      })
      t.equal(f.get('response'), want, `${algorithm}, qop ${qop ?? 'none'}`)
      if (qop === null) {
        t.notOk(f.has('qop'), 'RFC 2069 form: no qop')
        t.notOk(f.has('nc'), 'RFC 2069 form: no nc')
      }
    }
  }
})

t.test('an unknown algorithm or a qop of auth-int only gives no header', async t => {
  for (const challenge of [
    'Digest realm="r", nonce="n", algorithm=SHA-1024, qop="auth"',
    'Digest realm="r", nonce="n", algorithm=MD4',
    'Digest realm="r", nonce="n", qop="auth-int"',
    'Digest realm="r", qop="auth"',
  ]) {
    const auth = new HTTPDigestAuth('user', 'pass')
    t.notOk(auth.acceptChallenge(challenge, 'http://h/'), challenge)
    t.equal(auth.buildDigestHeader('GET', 'http://h/'), null, challenge)
    t.equal(findDigestChallenge(challenge), null)
  }
})

t.test('the cnonce is 16 random bytes in hex, new for every header', async t => {
  const auth = new HTTPDigestAuth('user', 'pass')
  auth.acceptChallenge('Digest realm="r", nonce="n", qop=auth', 'http://h/')
  const a = fields(auth.buildDigestHeader('GET', 'http://h/')).get('cnonce')
  const b = fields(auth.buildDigestHeader('GET', 'http://h/')).get('cnonce')
  t.match(a, /^[0-9a-f]{32}$/)
  t.match(b, /^[0-9a-f]{32}$/)
  t.not(a, b)
})

t.test('nc counts the headers built with one nonce and restarts at 1 for a new nonce', async t => {
  const auth = new HTTPDigestAuth('user', 'pass')
  auth.acceptChallenge('Digest realm="r", nonce="first", qop="auth"', 'http://h/')
  const nc = (): string | undefined => fields(auth.buildDigestHeader('GET', 'http://h/')).get('nc')
  t.equal(nc(), '00000001')
  t.equal(nc(), '00000002')
  t.equal(nc(), '00000003')
  auth.acceptChallenge('Digest realm="r", nonce="second", qop="auth"', 'http://h/')
  t.equal(nc(), '00000001')
  t.equal(nc(), '00000002')
  for (let i = 3; i <= 16; i++) nc()
  t.equal(nc(), '00000011', 'nc is hexadecimal')
})

t.test('the uri is the path with its query, without the fragment', async t => {
  t.equal(digestUri('http://h/dir/index.html'), '/dir/index.html')
  t.equal(digestUri('http://h/p?a=1&b=2#frag'), '/p?a=1&b=2')
  t.equal(digestUri('http://h/p#frag?not-a-query'), '/p')
  t.equal(digestUri('http://h'), '/')
  t.equal(digestUri('http://h?x=1'), '/?x=1')
  t.equal(digestUri('http://user:pw@h:8080/a%20b?c=%2F'), '/a%20b?c=%2F')
  t.equal(digestUri('http://h/p?'), '/p', 'an empty query is dropped, as urlparse does')
})

t.test('challenges: several in one field, quoted commas and escapes, names in any case', async t => {
  const parsed = parseChallenges('Basic realm="x, y", Digest REALM="a \\"quoted\\" realm", Nonce=abc==, qop="auth,auth-int", Negotiate dG9rZW4+/w==, Bearer')
  t.same(parsed.map(c => c.scheme), ['Basic', 'Digest', 'Negotiate', 'Bearer'])
  t.same([...(parsed[0]?.params ?? [])], [['realm', 'x, y']])
  t.same([...(parsed[1]?.params ?? [])], [['realm', 'a "quoted" realm'], ['nonce', 'abc=='], ['qop', 'auth,auth-int']])
  t.equal(parsed[2]?.token68, 'dG9rZW4+/w==')
  t.equal(parsed[3]?.params.size, 0)

  const digest = findDigestChallenge('Basic realm="x", Digest realm="y", nonce="n,1"')
  t.equal(digest?.get('realm'), 'y')
  t.equal(digest?.get('nonce'), 'n,1')
})

t.test('challenges: whitespace around =, an unterminated quote, a repeated parameter', async t => {
  const [c] = parseChallenges('digest  realm = "r" ,nonce= "n" , realm="second", opaque="unterminated, still')
  t.equal(c?.scheme, 'digest')
  t.equal(c?.params.get('realm'), 'r', 'the first of a repeated parameter wins')
  t.equal(c?.params.get('nonce'), 'n')
  t.equal(c?.params.get('opaque'), 'unterminated, still')
  t.same(parseChallenges(''), [])
  t.same(parseChallenges(' , ,'), [])
})

t.test('the first Digest challenge that can be answered is taken', async t => {
  // RFC 7616 §3.7: a server may offer one challenge per algorithm, most preferred first.
  const header = 'Digest realm="r", nonce="n1", algorithm=SHA-1024, Digest realm="r", nonce="n2", algorithm=SHA-256, Digest realm="r", nonce="n3"'
  t.equal(findDigestChallenge(header)?.get('nonce'), 'n2')
})

t.test('a username with CR or LF is refused; a non-ASCII one goes as username*', async t => {
  const bad = new HTTPDigestAuth('user\r\nX-Injected: 1', 'pass')
  bad.acceptChallenge('Digest realm="r", nonce="n", qop="auth"', 'http://h/')
  t.throws(() => bad.buildDigestHeader('GET', 'http://h/'), InvalidHeader)

  const intl = new HTTPDigestAuth('Jäsøn Doe', 'pass')
  intl.acceptChallenge('Digest realm="r", nonce="n", qop="auth"', 'http://h/')
  const header = intl.buildDigestHeader('GET', 'http://h/') ?? ''
  t.match(header, /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, /) // RFC 7616 §3.4.4
  t.notMatch(header, /username="/)

  const quoting = new HTTPDigestAuth('a"b\\c', 'pass')
  quoting.acceptChallenge('Digest realm="r", nonce="n"', 'http://h/')
  t.equal(fields(quoting.buildDigestHeader('GET', 'http://h/')).get('username'), 'a"b\\c')
})

// ---- End to end, with fakes ------------------------------------------------------------------

let nextRequestId = 0

class FakeRequest implements AuthRequest<FakeResponse> {
  id = nextRequestId++
  method = 'GET'
  url = 'http://127.0.0.1:9/digest?x=1#frag'
  headers = new CaseInsensitiveDict<string>()
  hooks: Array<AuthHook<FakeResponse>> = []
  rewinds = 0
  unrewindable = false
  registerHook(_event: 'response', hook: AuthHook<FakeResponse> | ReadonlyArray<AuthHook<FakeResponse>>): void {
    this.hooks.push(...(typeof hook === 'function' ? [hook] : hook))
  }
  copy(): FakeRequest {
    const r = new FakeRequest()
    r.method = this.method
    r.url = this.url
    r.headers = this.headers.copy()
    r.hooks = this.hooks.slice()
    r.unrewindable = this.unrewindable
    return r
  }
  rewindBody(): void {
    if (this.unrewindable) throw new UnrewindableBodyError('the body stream was already read')
    this.rewinds++
  }
}

class FakeResponse implements AuthResponse<FakeResponse> {
  history: FakeResponse[] = []
  drained = false
  closed = false
  headers: CaseInsensitiveDict<string>
  constructor(
    readonly statusCode: number,
    headers: Record<string, string>,
    readonly request: FakeRequest,
    readonly connection: FakeConnection,
  ) {
    this.headers = new CaseInsensitiveDict(headers)
  }
  async loadForHistory(): Promise<void> {
    this.drained = true
  }
  async close(): Promise<void> {
    this.closed = true
  }
}

interface ServerScript {
  algorithm?: string
  qop?: string
  /** Password the server checks against. */
  password?: string
  /** After this many successful uses, a nonce is answered with a stale challenge. */
  staleAfter?: number
  /** Answer every request with a stale challenge and a fresh nonce. */
  alwaysStale?: boolean
  /** Run the request's hooks on each response, as a session-level send would. */
  dispatchHooks?: boolean
  /** A status to answer authenticated requests with instead of 200. */
  successStatus?: number
}

/** A connection whose server checks Digest credentials with the test server's verifier. */
class FakeConnection {
  sent: FakeRequest[] = []
  options: SendOptions[] = []
  nonces = new Map<string, number>()
  #counter = 0
  constructor(readonly script: ServerScript = {}) {}

  #challenge(req: FakeRequest, stale: boolean): FakeResponse {
    const nonce = `nonce-${++this.#counter}`
    this.nonces.set(nonce, 0)
    const qop = this.script.qop ?? 'auth'
    const algorithm = this.script.algorithm ?? 'MD5'
    const params = [`realm="me@example"`, `nonce="${nonce}"`, `opaque="opaque-1"`, `algorithm=${algorithm}`, `stale=${stale ? 'TRUE' : 'FALSE'}`]
    if (qop !== '') params.push(`qop="${qop}"`)
    return new FakeResponse(401, { 'WWW-Authenticate': `Basic realm="fallback", Digest ${params.join(', ')}` }, req, this)
  }

  #answer(req: FakeRequest): FakeResponse {
    const creds = parseDigestAuthorization(req.headers.get('Authorization') ?? '')
    if (creds === null) return this.#challenge(req, false)
    const nonce = creds.get('nonce') ?? ''
    const uses = this.nonces.get(nonce)
    if (uses === undefined) return this.#challenge(req, false)
    const uri = creds.get('uri') ?? ''
    const target = new URL(req.url)
    if (uri !== target.pathname + target.search) return new FakeResponse(400, {}, req, this)
    const want = expectedResponse({
      algorithm: this.script.algorithm ?? 'MD5',
      username: creds.get('username') ?? '',
      realm: creds.get('realm') ?? '',
      password: this.script.password ?? 'pass',
      method: req.method,
      uri,
      nonce,
      nc: creds.get('nc'),
      cnonce: creds.get('cnonce'),
      qop: creds.get('qop'),
    })
    if (creds.get('username') !== 'user' || creds.get('response') !== want || creds.get('opaque') !== 'opaque-1') {
      return this.#challenge(req, false)
    }
    if (this.script.alwaysStale === true || (this.script.staleAfter !== undefined && uses >= this.script.staleAfter)) {
      this.nonces.delete(nonce)
      return this.#challenge(req, true)
    }
    this.nonces.set(nonce, uses + 1)
    return new FakeResponse(this.script.successStatus ?? 200, {}, req, this)
  }

  async send(request: AuthRequest<FakeResponse>, options: SendOptions): Promise<FakeResponse> {
    if (!(request instanceof FakeRequest)) throw new TypeError('FakeConnection sends FakeRequests')
    this.sent.push(request)
    this.options.push(options)
    let res = this.#answer(request)
    if (this.script.dispatchHooks === true) res = await dispatch(request, res, options)
    return res
  }
}

/** What Session.send does with a response: each hook may replace it. */
async function dispatch(request: FakeRequest, res: FakeResponse, options: SendOptions): Promise<FakeResponse> {
  for (const hook of request.hooks) res = (await hook(res, options)) ?? res
  return res
}

/** Prepares a request with `auth`, sends it and runs its hooks, as a session would. */
async function sendWith(auth: HTTPDigestAuth, connection: FakeConnection, prepare?: (r: FakeRequest) => void): Promise<FakeResponse> {
  const req = new FakeRequest()
  prepare?.(req)
  auth.apply(req)
  const options = { timeout: 1000 }
  const first = await connection.send(req, options)
  return connection.script.dispatchHooks === true ? first : dispatch(req, first, options)
}

t.test('a 401 Digest challenge is answered once and the 401 kept in history', async t => {
  const connection = new FakeConnection()
  const res = await sendWith(new HTTPDigestAuth('user', 'pass'), connection)
  t.equal(res.statusCode, 200)
  t.equal(connection.sent.length, 2)
  const [first, retry] = connection.sent
  t.notOk(first?.headers.has('Authorization'), 'nothing is sent before a challenge was seen')
  t.match(retry?.headers.get('Authorization'), /^Digest username="user", realm="me@example", nonce="nonce-1", uri="\/digest\?x=1", /)
  t.not(retry, first, 'the retry is a copy of the request')
  t.equal(retry?.rewinds, 1, 'the body is rewound for the retry')
  t.equal(res.history.length, 1)
  t.equal(res.history[0]?.statusCode, 401)
  t.equal(res.history[0]?.drained, true, 'the 401 was read before the retry')
  t.equal(res.history[0]?.closed, true, 'and released')
  t.same(connection.options, [{ timeout: 1000 }, { timeout: 1000 }], 'send options are passed through')
})

t.test('later requests send credentials before being asked, counting nc on the same nonce', async t => {
  const connection = new FakeConnection()
  const auth = new HTTPDigestAuth('user', 'pass')
  await sendWith(auth, connection)
  const second = await sendWith(auth, connection)
  const third = await sendWith(auth, connection)
  t.equal(second.statusCode, 200)
  t.equal(third.statusCode, 200)
  t.equal(connection.sent.length, 4, 'one round trip each once the nonce is known')
  t.same(connection.sent.map(r => parseDigestAuthorization(r.headers.get('Authorization') ?? '')?.get('nc') ?? null),
    [null, '00000001', '00000002', '00000003'])
  t.same(second.history, [])
})

t.test('credentials are not sent before being asked to another origin', async t => {
  const connection = new FakeConnection()
  const auth = new HTTPDigestAuth('user', 'pass')
  await sendWith(auth, connection)
  const elsewhere = new FakeRequest()
  elsewhere.url = 'http://other.example/digest'
  auth.apply(elsewhere)
  t.notOk(elsewhere.headers.has('Authorization'))
})

for (const dispatchHooks of [false, true]) {
  const how = dispatchHooks ? 'a send that runs hooks' : 'a plain adapter send'
  t.test(`wrong credentials get one retry, then the second 401 is returned (${how})`, async t => {
    const connection = new FakeConnection({ password: 'other', dispatchHooks })
    const res = await sendWith(new HTTPDigestAuth('user', 'pass'), connection)
    t.equal(res.statusCode, 401)
    t.equal(connection.sent.length, 2, 'no loop')
    t.same(res.history.map(r => r.statusCode), [401])
  })

  t.test(`stale=true is retried with the new nonce even after the one retry (${how})`, async t => {
    const connection = new FakeConnection({ staleAfter: 0, dispatchHooks })
    // The nonce goes stale as soon as it is used correctly: 401, 401 stale, 401 stale, 401 stale.
    const res = await sendWith(new HTTPDigestAuth('user', 'pass'), connection)
    t.equal(res.statusCode, 401)
    t.equal(connection.sent.length, 4, 'one retry plus two stale retries, then it stops')
    t.same(res.history.map(r => r.statusCode), [401, 401, 401])
  })
}

t.test('a stale nonce sent before being asked is refreshed and the request succeeds', async t => {
  const connection = new FakeConnection({ staleAfter: 1 })
  const auth = new HTTPDigestAuth('user', 'pass')
  t.equal((await sendWith(auth, connection)).statusCode, 200) // 401, then 200 using nonce-1 once
  const res = await sendWith(auth, connection) // nonce-1 now stale: 401 stale, then 200 on nonce-2
  t.equal(res.statusCode, 200)
  t.same(res.history.map(r => r.statusCode), [401])
  const last = connection.sent.at(-1)
  t.equal(parseDigestAuthorization(last?.headers.get('Authorization') ?? '')?.get('nonce'), 'nonce-2')
  t.equal(parseDigestAuthorization(last?.headers.get('Authorization') ?? '')?.get('nc'), '00000001', 'nc restarts for the new nonce')
})

t.test('a stale challenge after another stale challenge still ends', async t => {
  const connection = new FakeConnection({ alwaysStale: true })
  const res = await sendWith(new HTTPDigestAuth('user', 'pass'), connection)
  t.equal(res.statusCode, 401)
  t.ok(connection.sent.length <= 4)
})

t.test('responses other than 401 are left alone', async t => {
  const auth = new HTTPDigestAuth('user', 'pass')
  const req = new FakeRequest()
  auth.apply(req)
  const hook = req.hooks[0]
  if (hook === undefined) throw new Error('apply registered no hook')
  const connection = new FakeConnection()
  for (const status of [200, 302, 403, 407]) {
    const res = new FakeResponse(status, { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' }, req, connection)
    t.equal(await hook(res, {}), undefined, String(status))
  }
  t.equal(connection.sent.length, 0)
})

t.test('a 401 without a Digest challenge, or with one that cannot be answered, is returned as is', async t => {
  for (const challenge of ['Basic realm="x"', 'Digest realm="r", nonce="n", qop="auth-int"', 'Digest realm="r", nonce="n", algorithm=UNKNOWN', '']) {
    const auth = new HTTPDigestAuth('user', 'pass')
    const req = new FakeRequest()
    auth.apply(req)
    const connection = new FakeConnection()
    const res = new FakeResponse(401, { 'WWW-Authenticate': challenge }, req, connection)
    t.equal(await req.hooks[0]?.(res, {}), undefined, challenge)
    t.equal(connection.sent.length, 0)
    t.equal(res.closed, false, 'the caller can still read the 401')
  }
})

t.test('a redirect resets the retry count, so the next hop may answer its own challenge', async t => {
  const auth = new HTTPDigestAuth('user', 'pass')
  const req = new FakeRequest()
  auth.apply(req)
  const hook = req.hooks[0]
  if (hook === undefined) throw new Error('apply registered no hook')
  const failing = new FakeConnection({ password: 'other' })
  const challenge = { 'WWW-Authenticate': 'Digest realm="me@example", nonce="x", qop="auth"' }
  const firstHop = await hook(new FakeResponse(401, challenge, req, failing), {})
  t.equal(firstHop?.statusCode, 401, 'the one retry was spent')
  t.equal(await hook(new FakeResponse(401, challenge, req, failing), {}), undefined, 'no second retry in the same chain')

  t.equal(await hook(new FakeResponse(302, {}, req, failing), {}), undefined)
  const working = new FakeConnection()
  const afterRedirect = await hook(await working.send(req, {}), {})
  t.equal(afterRedirect?.statusCode, 200, 'after the redirect the chain may retry again')
})

t.test('an unrewindable body makes the retry fail with UnrewindableBodyError', async t => {
  const connection = new FakeConnection()
  await t.rejects(sendWith(new HTTPDigestAuth('user', 'pass'), connection, r => { r.unrewindable = true }), UnrewindableBodyError)
  t.equal(connection.sent.length, 1)
})

t.test('concurrent requests with one instance share the nonce but not the retry count', async t => {
  const connection = new FakeConnection()
  const auth = new HTTPDigestAuth('user', 'pass')
  await sendWith(auth, connection)
  const results = await Promise.all([sendWith(auth, connection), sendWith(auth, connection), sendWith(auth, connection)])
  t.same(results.map(r => r.statusCode), [200, 200, 200])
  const ncs = connection.sent.slice(2).map(r => parseDigestAuthorization(r.headers.get('Authorization') ?? '')?.get('nc'))
  t.same(ncs.sort(), ['00000002', '00000003', '00000004'], 'each request takes its own nc')
})
