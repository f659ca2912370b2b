// Session and one-shot calls against the in-process httpbin: merging of session and request
// settings, cookies that persist (and those that must not), hooks, adapters, prepared requests,
// bodies on the wire, and errors that carry their request.

import t from 'tap'
import { Readable } from 'node:stream'
import { httpbinFor } from './support/httpbin.js'
import * as reqwire from '../lib/index.js'
import {
  CaseInsensitiveDict,
  ConnectionError,
  HTTPAdapter,
  InvalidHeader,
  InvalidSchema,
  InvalidURL,
  MissingSchema,
  PreparedRequest,
  Request,
  Response,
  Session,
  type Connection,
  type SendOptions,
} from '../lib/index.js'
import { VERSION } from '../lib/version.js'
import { readFileSync } from 'node:fs'

type Echo = { headers: Record<string, string>; args: Record<string, unknown>; url: string; form: Record<string, unknown>; data: string; json: unknown; method: string; cookies: Record<string, string> }

const bin = await httpbinFor(t)
t.teardown(() => reqwire.closeDefaultPool())

t.test('the version in the User-Agent is the package version', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(VERSION, pkg.version)
})

t.test('one-shot calls', async (t) => {
  t.test('get with params of lists and nulls builds the query as Requests does', async (t) => {
    const r = await reqwire.get(`${bin.url}/get`, { params: { key1: 'value1', key2: ['a', 'b'], gone: null } })
    t.equal(r.statusCode, 200)
    t.equal(r.url, `${bin.url}/get?key1=value1&key2=a&key2=b`)
    t.same(r.json<Echo>().args, { key1: 'value1', key2: ['a', 'b'] })
  })

  t.test('every verb sends its method', async (t) => {
    const calls: [string, (u: string) => Promise<Response>][] = [
      ['GET', (u) => reqwire.get(u)], ['POST', (u) => reqwire.post(u)], ['PUT', (u) => reqwire.put(u)],
      ['PATCH', (u) => reqwire.patch(u)], ['DELETE', (u) => reqwire.del(u)], ['DELETE', (u) => reqwire.delete(u)],
      ['OPTIONS', (u) => reqwire.options(u)], ['GET', (u) => reqwire.request('get', u)],
    ]
    for (const [method, call] of calls) {
      const r = await call(`${bin.url}/anything`)
      t.equal(r.json<Echo>().method, method)
    }
    const head = await reqwire.head(`${bin.url}/get`)
    t.equal(head.statusCode, 200)
    t.equal(head.content.length, 0)
  })

  t.test('one-shot calls share connections but not cookies', async (t) => {
    const before = bin.connections
    await reqwire.get(`${bin.url}/cookies/set?one=1`)
    const r = await reqwire.get(`${bin.url}/cookies`)
    t.same(r.json<Echo>().cookies, {}, 'a cookie from one call is not sent by the next')
    await reqwire.get(`${bin.url}/get`)
    t.ok(bin.connections - before <= 1, 'keep-alive across one-shot calls')
  })

  t.test('default headers are sent', async (t) => {
    const h = (await reqwire.get(`${bin.url}/headers`)).json<Echo>().headers
    t.equal(h['User-Agent'], `reqwire/${VERSION}`)
    t.equal(h['Accept-Encoding'], 'gzip, deflate, br')
    t.equal(h.Accept, '*/*')
  })
})

t.test('session settings merge with request settings', async (t) => {
  const s = new Session()
  t.teardown(() => s.close())

  t.test('session and request headers are both sent, the request winning, case ignored', async (t) => {
    s.headers.set('x-test', 'true')
    s.headers.set('X-Both', 'session')
    const h = (await s.get(`${bin.url}/headers`, { headers: { 'x-test2': 'true', 'x-both': 'request' } })).json<Echo>().headers
    t.equal(h['X-Test'], 'true')
    t.equal(h['X-Test2'], 'true')
    t.equal(h['X-Both'], 'request')
    s.headers.delete('x-test')
    s.headers.delete('X-Both')
  })

  t.test('a null request header removes the session header', async (t) => {
    const h = (await s.get(`${bin.url}/headers`, { headers: { 'User-Agent': null, Accept: undefined } })).json<Echo>().headers
    t.notOk('User-Agent' in h)
    t.notOk('Accept' in h)
  })

  t.test('session params and request params are merged; null removes', async (t) => {
    s.params = { a: '1', b: '2' }
    const r = await s.get(`${bin.url}/get`, { params: { b: null, c: '3' } })
    t.same(r.json<Echo>().args, { a: '1', c: '3' })
    s.params = {}
  })

  t.test('session auth is used unless the request brings its own', async (t) => {
    s.auth = ['user', 'pass']
    t.equal((await s.get(`${bin.url}/basic-auth/user/pass`)).statusCode, 200)
    t.equal((await s.get(`${bin.url}/basic-auth/user/pass`, { auth: ['user', 'wrong'] })).statusCode, 401)
    s.auth = null
  })

  t.test('credentials in the URL are used as Basic auth', async (t) => {
    const url = bin.url.replace('http://', 'http://user:p%40ss@')
    t.equal((await s.get(`${url}/basic-auth/user/p@ss`)).statusCode, 200)
  })
})

t.test('cookies', async (t) => {
  t.test('cookies a response sets persist in the session and are sent back', async (t) => {
    const s = new Session()
    t.teardown(() => s.close())
    const set = await s.get(`${bin.url}/cookies/set/sessioncookie/123456789`, { allowRedirects: false })
    t.equal(set.cookies.get('sessioncookie'), '123456789', 'r.cookies holds what the response set')
    const r = await s.get(`${bin.url}/cookies`)
    t.same(r.json<Echo>().cookies, { sessioncookie: '123456789' })
  })

  t.test('request cookies are sent but not stored in the session', async (t) => {
    const s = new Session()
    t.teardown(() => s.close())
    s.cookies.set('from-session', 'yes')
    const r = await s.get(`${bin.url}/cookies`, { cookies: { 'from-my': 'browser' } })
    t.same(r.json<Echo>().cookies, { 'from-session': 'yes', 'from-my': 'browser' })
    const again = await s.get(`${bin.url}/cookies`)
    t.same(again.json<Echo>().cookies, { 'from-session': 'yes' })
  })

  t.test('a hand-set Cookie header wins over the jar', async (t) => {
    const s = new Session()
    t.teardown(() => s.close())
    s.cookies.set('jar', '1')
    const r = await s.get(`${bin.url}/cookies`, { headers: { Cookie: 'hand=2' } })
    t.same(r.json<Echo>().cookies, { hand: '2' })
  })

  t.test('cookies/delete removes the cookie from the session', async (t) => {
    const s = new Session()
    t.teardown(() => s.close())
    await s.get(`${bin.url}/cookies/set?k=v`)
    t.equal(s.cookies.get('k'), 'v')
    const r = await s.get(`${bin.url}/cookies/delete?k`)
    t.same(r.json<Echo>().cookies, {})
    t.equal(s.cookies.get('k'), undefined)
  })
})

t.test('bodies on the wire', async (t) => {
  const s = new Session()
  t.teardown(() => s.close())

  t.test('data as a record is form-encoded', async (t) => {
    const r = await s.post(`${bin.url}/post`, { data: { key1: 'value1', key2: ['value2', 'value3'] } })
    const body = r.json<Echo>()
    t.same(body.form, { key1: 'value1', key2: ['value2', 'value3'] })
    t.equal(body.headers['Content-Type'], 'application/x-www-form-urlencoded')
  })

  t.test('json sets the body and Content-Type', async (t) => {
    const body = (await s.post(`${bin.url}/post`, { json: { some: 'data', n: [1, 2] } })).json<Echo>()
    t.same(body.json, { some: 'data', n: [1, 2] })
    t.equal(body.headers['Content-Type'], 'application/json')
  })

  t.test('a string body is sent as UTF-8 with its byte length', async (t) => {
    const body = (await s.post(`${bin.url}/post`, { data: 'héllo' })).json<Echo>()
    t.equal(body.data, 'héllo')
    t.equal(body.headers['Content-Length'], String(Buffer.byteLength('héllo')))
  })

  t.test('a Readable of unknown length is sent chunked', async (t) => {
    const body = (await s.post(`${bin.url}/post`, { data: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) })).json<Echo>()
    t.equal(body.data, 'abcd')
    t.equal(body.headers['Transfer-Encoding'], 'chunked')
  })

  t.test('an async generator is sent chunked', async (t) => {
    async function* parts(): AsyncGenerator<string> {
      yield 'x'
      yield 'y'
    }
    const body = (await s.put(`${bin.url}/put`, { data: parts() })).json<Echo>()
    t.equal(body.data, 'xy')
  })

  t.test('bodyless POST, PUT, PATCH, OPTIONS and DELETE send Content-Length: 0; GET and HEAD none', async (t) => {
    for (const method of ['POST', 'PUT', 'PATCH', 'OPTIONS', 'DELETE']) {
      const r = await s.request(method, `${bin.url}/echo-raw`)
      t.match(r.text, /\r\nContent-Length: 0\r\n/, method)
    }
    for (const method of ['GET', 'HEAD']) {
      const p = new Request(method, `${bin.url}/x`).prepare()
      t.notOk(p.headers.has('Content-Length'), method)
    }
  })

  t.test('multipart files arrive with their filenames and data fields', async (t) => {
    const r = await s.post(`${bin.url}/post`, {
      data: { field: 'value' },
      files: { file: ['report.csv', 'a,b\n1,2\n', 'text/csv'] },
    })
    const body = r.json<Echo & { files: Record<string, string> }>()
    t.same(body.form, { field: 'value' })
    t.equal(body.files.file, 'a,b\n1,2\n')
    t.match(body.headers['Content-Type'], /^multipart\/form-data; boundary=/)
  })
})

t.test('hooks', async (t) => {
  const s = new Session()
  t.teardown(() => s.close())

  t.test('a response hook sees the response; one that returns a Response replaces it', async (t) => {
    const seen: number[] = []
    const r = await s.get(`${bin.url}/get`, {
      hooks: {
        response: [
          (res) => { seen.push(res.statusCode) },
          (res) => Response.fromContent({ statusCode: 299, content: 'replaced', request: res.request, url: res.url }),
        ],
      },
    })
    t.same(seen, [200])
    t.equal(r.statusCode, 299)
    t.equal(r.text, 'replaced')
  })

  t.test('session hooks and request hooks both run, the session first (Requests would drop the session hooks)', async (t) => {
    const order: string[] = []
    s.hooks.response.push(() => { order.push('session') })
    await s.get(`${bin.url}/get`, { hooks: { response: () => { order.push('request') } } })
    t.same(order, ['session', 'request'])
    s.hooks.response = []
  })

  t.test('hooks run for every hop of a redirect chain', async (t) => {
    const statuses: number[] = []
    await s.get(`${bin.url}/redirect/2`, { hooks: { response: (res) => { statuses.push(res.statusCode) } } })
    t.same(statuses, [302, 302, 200])
  })
})

t.test('prepared requests', async (t) => {
  const s = new Session()
  t.teardown(() => s.close())

  t.test('a Request prepared by the session and changed before sending', async (t) => {
    const req = new Request('POST', `${bin.url}/post`, { data: 'original', headers: { 'X-A': '1' } })
    const prepped = s.prepareRequest(req)
    prepped.body = 'changed'
    prepped.headers.set('Content-Length', '7')
    prepped.headers.delete('X-A')
    const r = await s.send(prepped)
    const body = r.json<Echo>()
    t.equal(body.data, 'changed')
    t.notOk('X-A' in body.headers)
    t.equal(body.headers['User-Agent'], `reqwire/${VERSION}`, 'session headers were merged in')
  })

  t.test('copy() is independent of the original', async (t) => {
    const p = new Request('GET', `${bin.url}/get`, { headers: { A: '1' } }).prepare()
    const c = p.copy()
    c.headers.set('A', '2')
    t.equal(p.headers.get('A'), '1')
    t.equal(c.url, p.url)
  })

  t.test('pathUrl is the path and query without the fragment', async (t) => {
    const p = new Request('GET', `${bin.url}/a/b?x=1#frag`).prepare()
    t.equal(p.pathUrl, '/a/b?x=1')
    t.equal(p.url, `${bin.url}/a/b?x=1#frag`)
  })

  t.test('send() refuses something that is not a PreparedRequest', async (t) => {
    await t.rejects(s.send(new Request('GET', bin.url) as unknown as PreparedRequest), TypeError)
  })
})

t.test('adapters', async (t) => {
  t.test('the longest mounted prefix wins; an unknown scheme is InvalidSchema', async (t) => {
    const s = new Session()
    t.teardown(() => s.close())
    const calls: string[] = []
    const mock: Connection = {
      async send(request: PreparedRequest, _options: SendOptions) {
        calls.push(request.url)
        return Response.fromContent({ statusCode: 200, content: 'mocked', request, url: request.url })
      },
      close() {},
    }
    s.mount(`${bin.url}/mocked`, mock)
    t.equal((await s.get(`${bin.url}/mocked/x`)).text, 'mocked')
    t.equal((await s.get(`${bin.url}/get`)).statusCode, 200)
    t.same(calls, [`${bin.url}/mocked/x`])
    t.throws(() => s.getAdapter('ftp://x.example/'), InvalidSchema)
  })

  t.test('an HTTPAdapter with its own pool settings, and its stats', async (t) => {
    const s = new Session()
    const adapter = new HTTPAdapter({ poolMaxSize: 2, poolBlock: true })
    s.mount('http://', adapter)
    t.teardown(() => s.close())
    await Promise.all(Array.from({ length: 6 }, () => s.get(`${bin.url}/get`)))
    const stats = adapter.stats()
    t.equal(stats.length, 1)
    t.ok((stats[0]?.open ?? 99) <= 2)
    t.equal(stats[0]?.busy, 0)
  })

  t.test('close() and await using release the connections', async (t) => {
    const adapter = new HTTPAdapter()
    {
      await using s = new Session({ adapter })
      await s.get(`${bin.url}/get`)
      t.equal(adapter.stats()[0]?.idle, 1)
    }
    t.same(adapter.stats(), [])
  })
})

t.test('errors', async (t) => {
  t.test('URL problems are refused before any connection', async (t) => {
    await t.rejects(reqwire.get('127.0.0.1/get'), MissingSchema)
    await t.rejects(reqwire.get(''), MissingSchema)
    await t.rejects(reqwire.get(null as unknown as string), { name: 'URLRequired' })
    await t.rejects(reqwire.get('http://'), InvalidURL)
    await t.rejects(reqwire.get('ftp://127.0.0.1/'), InvalidSchema)
    await t.rejects(reqwire.get(`${bin.url}/get\r\nX: y`), InvalidURL)
  })

  t.test('CR, LF or NUL in a header name or value is InvalidHeader before a byte is sent', async (t) => {
    const before = bin.requests
    await t.rejects(reqwire.get(`${bin.url}/get`, { headers: { 'X-A': 'a\r\nInjected: 1' } }), InvalidHeader)
    await t.rejects(reqwire.get(`${bin.url}/get`, { headers: { 'X\nA': 'a' } }), InvalidHeader)
    await t.rejects(reqwire.get(`${bin.url}/get`, { headers: { 'X-A': 'a\0' } }), InvalidHeader)
    await t.rejects(reqwire.request('GE T', `${bin.url}/get`), InvalidHeader)
    t.equal(bin.requests, before)
  })

  t.test('a refused connection is a ConnectionError carrying the request and the URL', async (t) => {
    const closed = await httpbinFor(t)
    const url = `${closed.url}/get`
    await closed.close()
    const err = await reqwire.get(url).catch((e: unknown) => e) as ConnectionError
    t.type(err, ConnectionError)
    t.equal(err.url, url)
    t.equal(err.request?.url, url)
    t.equal(err.code, 'ECONNREFUSED')
  })

  t.test('maxRetries retries a refused connection and then gives the last error', async (t) => {
    const s = new Session({ adapter: new HTTPAdapter({ maxRetries: 2 }) })
    t.teardown(() => s.close())
    const closed = await httpbinFor(t)
    const url = `${closed.url}/get`
    await closed.close()
    await t.rejects(s.get(url), ConnectionError)
  })
})

t.test('a CaseInsensitiveDict passed as headers keeps its values', async (t) => {
  const headers = new CaseInsensitiveDict<string>([['X-Dict', 'yes']])
  const h = (await reqwire.get(`${bin.url}/headers`, { headers })).json<Echo>().headers
  t.equal(h['X-Dict'], 'yes')
})

t.test('timeouts, signals and elapsed through a session', async (t) => {
  const { startRawServer, response: rawResponse } = await import('./support/raw-server.js')
  const { ReadTimeout } = await import('../lib/index.js')
  // Each /hop/N answers after 120 ms: N < 5 redirects to /hop/N+1, /hop/5 is the 200.
  const server = await startRawServer({
    handler: async (req, socket) => {
      await new Promise((resolve) => setTimeout(resolve, 120))
      if (socket.destroyed) return
      const n = Number(req.target.split('/').pop())
      socket.write(n < 5 ? rawResponse(302, '', [`Location: /hop/${n + 1}`]) : rawResponse(200, 'arrived'))
    },
  })
  t.teardown(() => server.close())
  const base = `http://127.0.0.1:${server.port}`
  const s = new Session()
  t.teardown(() => s.close())

  t.test('timeout.total bounds the whole call, redirect hops included, not each hop', async (t) => {
    const err = await s.get(`${base}/hop/1`, { timeout: { total: 300 } }).catch((e: unknown) => e) as InstanceType<typeof ReadTimeout>
    t.type(err, ReadTimeout)
    t.equal(err.code, 'TOTAL_TIMEOUT')
    t.equal((await s.get(`${base}/hop/1`)).text, 'arrived', 'without a total the chain completes')
  })

  t.test('an abort while waiting for the head rejects with the signal\'s own reason', async (t) => {
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    setTimeout(() => controller.abort(reason), 30)
    const err = await s.get(`${base}/hop/5`, { signal: controller.signal }).catch((e: unknown) => e)
    t.equal(err, reason)
  })

  t.test('elapsed is the time to the response head, in ms', async (t) => {
    const r = await s.get(`${base}/hop/5`)
    t.type(r.elapsed, 'number')
    t.ok(r.elapsed >= 100, `the server waited 120 ms before answering: elapsed ${r.elapsed}`)
  })
})
