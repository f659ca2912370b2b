// The redirect rules, each alone (lib/redirects.ts), then through a Session against the test
// server: method rewriting, body dropping, history, limits, credentials across origins, cookies
// per hop, fragments, non-ASCII and relative Locations, unrewindable bodies.

import t from 'tap'
import { Readable } from 'node:stream'
import { httpbinFor } from './support/httpbin.js'
import { startRawServer, response as rawResponse } from './support/raw-server.js'
import { InvalidSchema, InvalidURL, Session, TooManyRedirects, UnrewindableBodyError } from '../lib/index.js'
import { keepsBody, rebuildMethod, resolveLocation, shouldStripAuth } from '../lib/redirects.js'

t.test('rebuildMethod: 301 turns only POST into GET', async (t) => {
  t.equal(rebuildMethod('POST', 301), 'GET')
  t.equal(rebuildMethod('PUT', 301), 'PUT')
  t.equal(rebuildMethod('HEAD', 301), 'HEAD')
})

t.test('rebuildMethod: 302 and 303 turn everything but HEAD into GET', async (t) => {
  for (const status of [302, 303]) {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'GET']) t.equal(rebuildMethod(method, status), 'GET', `${method} ${status}`)
    t.equal(rebuildMethod('HEAD', status), 'HEAD')
  }
})

t.test('rebuildMethod: 307 and 308 keep the method, and only they keep the body', async (t) => {
  for (const status of [307, 308]) {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) t.equal(rebuildMethod(method, status), method)
    t.ok(keepsBody(status))
  }
  for (const status of [301, 302, 303]) t.notOk(keepsBody(status))
})

t.test('shouldStripAuth: a change of host strips', async (t) => {
  t.ok(shouldStripAuth('http://a.example/x', 'http://b.example/x'))
})

t.test('shouldStripAuth: same origin keeps, with or without the default port written', async (t) => {
  t.notOk(shouldStripAuth('http://a.example/x', 'http://a.example/y'))
  t.notOk(shouldStripAuth('http://a.example:80/x', 'http://a.example/y'))
  t.notOk(shouldStripAuth('https://a.example/x', 'https://a.example:443/y'))
})

t.test('shouldStripAuth: http to https on default ports keeps (as Requests)', async (t) => {
  t.notOk(shouldStripAuth('http://a.example/x', 'https://a.example/x'))
  t.notOk(shouldStripAuth('http://a.example:80/x', 'https://a.example:443/x'))
})

t.test('shouldStripAuth: https to http strips, and so does a change of port', async (t) => {
  t.ok(shouldStripAuth('https://a.example/x', 'http://a.example/x'))
  t.ok(shouldStripAuth('http://a.example:8080/x', 'http://a.example:8081/x'))
  t.ok(shouldStripAuth('http://a.example/x', 'http://a.example:8080/x'))
  t.ok(shouldStripAuth('http://a.example:8080/x', 'https://a.example:8443/x'))
})

t.test('resolveLocation: relative, scheme-relative and absolute Locations', async (t) => {
  t.equal(resolveLocation('/get', 'http://h.example:8080/a/b'), 'http://h.example:8080/get')
  t.equal(resolveLocation('c', 'http://h.example/a/b'), 'http://h.example/a/c')
  t.equal(resolveLocation('//other.example/x', 'https://h.example/a'), 'https://other.example/x')
  t.equal(resolveLocation('http://o.example/z', 'https://h.example/a'), 'http://o.example/z')
})

t.test('resolveLocation: the fragment is carried over unless the Location has its own', async (t) => {
  t.equal(resolveLocation('/b', 'http://h.example/a#frag'), 'http://h.example/b#frag')
  t.equal(resolveLocation('/b#own', 'http://h.example/a#frag'), 'http://h.example/b#own')
})

t.test('resolveLocation: control characters in a Location are refused', async (t) => {
  t.throws(() => resolveLocation('/a\tb', 'http://h.example/'), InvalidURL)
})

t.test('through a session', async (t) => {
  const bin = await httpbinFor(t)
  const s = new Session()
  t.teardown(() => s.close())

  t.test('a chain of redirects ends at the target with the hops in history, oldest first', async (t) => {
    const r = await s.get(`${bin.url}/redirect/3`)
    t.equal(r.statusCode, 200)
    t.equal(r.url, `${bin.url}/get`)
    t.equal(r.history.length, 3)
    t.same(r.history.map((h) => h.statusCode), [302, 302, 302])
    t.equal(r.history[0]?.url, `${bin.url}/redirect/3`)
    t.same(r.history[2]?.history.length, 2, 'each hop has the hops before it as its history')
  })

  t.test('absolute redirects are followed and reuse the connection', async (t) => {
    const before = bin.connections
    const r = await s.get(`${bin.url}/absolute-redirect/4`)
    t.equal(r.statusCode, 200)
    t.equal(r.history.length, 4)
    t.ok(bin.connections - before <= 1, 'the hops share one keep-alive connection')
  })

  t.test('allowRedirects: false returns the redirect, with the next request ready', async (t) => {
    const r = await s.get(`${bin.url}/redirect/1`, { allowRedirects: false })
    t.equal(r.statusCode, 302)
    t.ok(r.isRedirect)
    t.same(r.history, [])
    t.equal(r.next?.url, `${bin.url}/get`)
  })

  t.test('head() does not follow redirects unless asked', async (t) => {
    const r = await s.head(`${bin.url}/redirect/1`)
    t.equal(r.statusCode, 302)
    const followed = await s.head(`${bin.url}/redirect/1`, { allowRedirects: true })
    t.equal(followed.statusCode, 200)
  })

  t.test('maxRedirects hops are followed, one more is TooManyRedirects', async (t) => {
    const limited = new Session()
    t.teardown(() => limited.close())
    limited.maxRedirects = 3
    const ok = await limited.get(`${bin.url}/redirect/3`)
    t.equal(ok.history.length, 3)
    await t.rejects(limited.get(`${bin.url}/redirect/4`), TooManyRedirects)
    const err = await limited.get(`${bin.url}/redirect/4`).catch((e: unknown) => e) as TooManyRedirects
    t.equal(err.response?.statusCode, 302)
    t.equal(err.code, 'TOO_MANY_REDIRECTS')
  })

  t.test('the default limit is 30', async (t) => {
    await t.rejects(s.get(`${bin.url}/redirect/31`), TooManyRedirects)
    const r = await s.get(`${bin.url}/redirect/30`)
    t.equal(r.history.length, 30)
  })

  t.test('303 after a POST becomes a GET without the body or its headers', async (t) => {
    const r = await s.post(`${bin.url}/redirect-to?url=/anything&status_code=303`, { data: { a: '1' } })
    const body = r.json<{ method: string; form: object; headers: Record<string, string> }>()
    t.equal(body.method, 'GET')
    t.same(body.form, {})
    t.notOk('Content-Type' in body.headers)
    t.notOk('Content-Length' in body.headers)
  })

  t.test('301 turns a POST into a GET but keeps a PUT', async (t) => {
    const post = await s.post(`${bin.url}/redirect-to?url=/anything&status_code=301`, { data: 'x' })
    t.equal(post.json<{ method: string }>().method, 'GET')
    const put = await s.put(`${bin.url}/redirect-to?url=/anything&status_code=301`, { data: 'x' })
    t.equal(put.json<{ method: string }>().method, 'PUT')
  })

  t.test('307 and 308 repeat the method and the body', async (t) => {
    for (const status of [307, 308]) {
      const r = await s.post(`${bin.url}/redirect-to?url=/anything&status_code=${status}`, { json: { k: status } })
      const body = r.json<{ method: string; json: unknown }>()
      t.equal(body.method, 'POST')
      t.same(body.json, { k: status })
    }
  })

  t.test('a 307 with a stream body that was already sent is UnrewindableBodyError', async (t) => {
    const stream = Readable.from([Buffer.from('once')])
    await t.rejects(s.post(`${bin.url}/redirect-to?url=/anything&status_code=307`, { data: stream }), UnrewindableBodyError)
  })

  t.test('a 302 with a stream body is followed: the body is dropped anyway', async (t) => {
    const stream = Readable.from([Buffer.from('once')])
    const r = await s.post(`${bin.url}/redirect-to?url=/get&status_code=302`, { data: stream })
    t.equal(r.statusCode, 200)
  })

  t.test('a redirect to a non-http scheme is InvalidSchema', async (t) => {
    await t.rejects(s.get(`${bin.url}/redirect-to?url=${encodeURIComponent('file:///etc/passwd')}`), InvalidSchema)
    await t.rejects(s.get(`${bin.url}/redirect-to?url=${encodeURIComponent('data:text/plain,hi')}`), InvalidSchema)
  })

  t.test('a non-ASCII Location sent as UTF-8 is followed, percent-encoded', async (t) => {
    const r = await s.get(`${bin.url}/redirect-to?url=${encodeURIComponent('/anything/ünïcode')}`)
    t.equal(r.statusCode, 200)
    t.equal(r.url, `${bin.url}/anything/%C3%BCn%C3%AFcode`)
  })

  t.test('the fragment of the original URL is carried to the final URL', async (t) => {
    const r = await s.get(`${bin.url}/redirect/1#section`)
    t.equal(r.url, `${bin.url}/get#section`)
  })

  t.test('cookies set by a hop are stored and sent on the next hop', async (t) => {
    const fresh = new Session()
    t.teardown(() => fresh.close())
    const r = await fresh.get(`${bin.url}/cookies/set?flavour=oat`)
    t.same(r.json<{ cookies: object }>().cookies, { flavour: 'oat' })
    t.equal(fresh.cookies.get('flavour'), 'oat')
  })
})

t.test('credentials across origins', async (t) => {
  const a = await httpbinFor(t)
  const b = await httpbinFor(t, { host: '127.0.0.2' })
  const s = new Session()
  t.teardown(() => s.close())

  t.test('Authorization is kept on the same origin and dropped on another host', async (t) => {
    const same = await s.get(`${a.url}/redirect-to?url=/headers`, { auth: ['u', 'p'] })
    t.ok(same.json<{ headers: Record<string, string> }>().headers.Authorization)
    const other = await s.get(`${a.url}/redirect-to?url=${encodeURIComponent(`${b.url}/headers`)}`, { auth: ['u', 'p'] })
    t.equal(other.url, `${b.url}/headers`)
    t.notOk(other.json<{ headers: Record<string, string> }>().headers.Authorization)
  })

  t.test('hand-set Authorization, Proxy-Authorization and Cookie headers do not cross hosts', async (t) => {
    const headers = { Authorization: 'Bearer secret', 'Proxy-Authorization': 'Basic x', Cookie: 'sid=1' }
    const r = await s.get(`${a.url}/redirect-to?url=${encodeURIComponent(`${b.url}/headers`)}`, { headers })
    const seen = r.json<{ headers: Record<string, string> }>().headers
    t.notOk(seen.Authorization)
    t.notOk(seen['Proxy-Authorization'])
    t.notOk(seen.Cookie)
  })

  t.test('a session cookie for one host is not sent to the other after a redirect', async (t) => {
    const fresh = new Session()
    t.teardown(() => fresh.close())
    await fresh.get(`${a.url}/cookies/set?sid=secret`)
    const r = await fresh.get(`${a.url}/redirect-to?url=${encodeURIComponent(`${b.url}/cookies`)}`)
    t.same(r.json<{ cookies: object }>().cookies, {})
    const back = await fresh.get(`${a.url}/cookies`)
    t.same(back.json<{ cookies: object }>().cookies, { sid: 'secret' })
  })
})

t.test('a redirect loop ends in TooManyRedirects, and every hop body was read', async (t) => {
  const server = await startRawServer({
    handler: (req, socket) => {
      socket.write(rawResponse(302, 'loop body', [`Location: ${req.target}`]))
    },
  })
  t.teardown(() => server.close())
  const s = new Session()
  t.teardown(() => s.close())
  s.maxRedirects = 5
  const url = `http://127.0.0.1:${server.port}/loop`
  await t.rejects(s.get(url), TooManyRedirects)
  t.equal(server.accepted, 1, 'read redirect bodies let one connection carry every hop')
})

t.test('the bodies of redirects stay readable in history, as in Requests, up to 1 MiB each', async (t) => {
  const big = Buffer.alloc(1024 * 1024 + 1, 'x')
  const server = await startRawServer({
    handler: (req, socket) => {
      if (req.target === '/small') socket.write(rawResponse(302, 'moved along', ['Location: /big']))
      else if (req.target === '/big') socket.write(rawResponse(302, big, ['Location: /end']))
      else socket.write(rawResponse(200, 'the end'))
    },
  })
  t.teardown(() => server.close())
  for (const stream of [false, true]) {
    const s = new Session()
    t.teardown(() => s.close())
    const r = await s.get(`http://127.0.0.1:${server.port}/small`, { stream })
    t.equal(stream ? (await r.load()).text : r.text, 'the end', `stream: ${stream}`)
    t.equal(r.history[0]?.text, 'moved along', 'the first hop\'s body is readable')
    t.throws(() => r.history[1]?.content, { name: 'StreamConsumedError' }, 'a body over 1 MiB is not kept')
  }
})
