// Hostile Set-Cookie through the whole stack: cookies for public suffixes (so that every site
// under them would get them), for domains the server does not belong to, for IP-address tails,
// and Secure cookies over plain http. None is stored, and none is sent anywhere afterwards.
// Names map to 127.0.0.1 through an injected lookup: nothing is ever resolved.

import t from 'tap'
import { ProtocolError } from '../../lib/index.js'
import { response } from '../support/raw-server.js'
import { client, mapLookup, rawServer } from './helpers.js'

t.setTimeout(60_000)

const names = ['www.example.com', 'api.example.com', 'evil.com', 'www.example.co.uk', 'other.co.uk', 'me.github.io', 'you.github.io', 'a.test', 'b.test', 'localhost']
const lookup = mapLookup(Object.fromEntries(names.map(n => [n, '127.0.0.1'])))

interface Case {
  name: string
  /** The host that sets the cookie. */
  from: string
  setCookie: string
  /** Hosts that must never be sent it. */
  never: string[]
}

const refused: Case[] = [
  { name: 'Domain=com (a public suffix)', from: 'www.example.com', setCookie: 'sid=s; Domain=com; Path=/', never: ['www.example.com', 'evil.com'] },
  { name: 'Domain=.com (a public suffix with a dot)', from: 'www.example.com', setCookie: 'sid=s; Domain=.com; Path=/', never: ['www.example.com', 'evil.com'] },
  { name: 'Domain=co.uk (a two-label public suffix)', from: 'www.example.co.uk', setCookie: 'sid=s; Domain=co.uk; Path=/', never: ['www.example.co.uk', 'other.co.uk'] },
  { name: 'Domain=github.io (a private public suffix)', from: 'me.github.io', setCookie: 'sid=s; Domain=github.io; Path=/', never: ['me.github.io', 'you.github.io'] },
  { name: 'Domain=evil.com from www.example.com (another domain)', from: 'www.example.com', setCookie: 'sid=s; Domain=evil.com; Path=/', never: ['www.example.com', 'evil.com'] },
  { name: 'Domain=b.test from a.test (a sibling)', from: 'a.test', setCookie: 'sid=s; Domain=b.test; Path=/', never: ['a.test', 'b.test'] },
  { name: 'Domain=www.example.com.evil.com (a suffix trick)', from: 'www.example.com', setCookie: 'sid=s; Domain=www.example.com.evil.com; Path=/', never: ['www.example.com', 'evil.com'] },
  { name: 'Secure over plain http', from: 'www.example.com', setCookie: 'sid=s; Secure; Path=/', never: ['www.example.com'] },
  { name: 'a __Secure- prefix over plain http', from: 'www.example.com', setCookie: '__Secure-sid=s; Path=/', never: ['www.example.com'] },
  { name: 'a __Host- prefix over plain http', from: 'www.example.com', setCookie: '__Host-sid=s; Path=/', never: ['www.example.com'] },
]

for (const c of refused) {
  t.test(`a Set-Cookie with ${c.name} is not stored and never sent`, async t => {
    const server = await rawServer(t, {
      handler: (req, socket) => {
        socket.write(req.target === '/set' ? response(200, 'set', [`Set-Cookie: ${c.setCookie}`]) : response(200, 'ok'))
      },
    })
    const { s } = client(t, { lookup })
    const r = await s.get(`http://${c.from}:${server.port}/set`, { timeout: 5000 })
    t.equal(r.statusCode, 200, 'the response itself is fine')
    t.equal(r.text, 'set')
    t.equal([...s.cookies].length, 0, 'nothing in the session jar')
    for (const host of c.never) {
      await s.get(`http://${host}:${server.port}/check`, { timeout: 5000 })
      const check = server.requests.at(-1)
      t.equal(check?.header('host'), `${host}:${server.port}`)
      t.equal(check?.header('cookie'), undefined, `not sent to ${host}`)
    }
  })
}

t.test('a cookie for the parent domain is accepted and sent to its subdomains, but not to other sites', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(req.target === '/set' ? response(200, 'set', ['Set-Cookie: sid=s; Domain=example.com; Path=/']) : response(200, 'ok'))
    },
  })
  const { s } = client(t, { lookup })
  await s.get(`http://www.example.com:${server.port}/set`, { timeout: 5000 })
  await s.get(`http://api.example.com:${server.port}/check`, { timeout: 5000 })
  t.equal(server.requests.at(-1)?.header('cookie'), 'sid=s')
  await s.get(`http://evil.com:${server.port}/check`, { timeout: 5000 })
  t.equal(server.requests.at(-1)?.header('cookie'), undefined)
})

t.test('a host-only cookie is not sent to a sibling or parent host', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(req.target === '/set' ? response(200, 'set', ['Set-Cookie: sid=s; Path=/']) : response(200, 'ok'))
    },
  })
  const { s } = client(t, { lookup })
  await s.get(`http://www.example.com:${server.port}/set`, { timeout: 5000 })
  for (const host of ['api.example.com', 'evil.com']) {
    await s.get(`http://${host}:${server.port}/check`, { timeout: 5000 })
    t.equal(server.requests.at(-1)?.header('cookie'), undefined, host)
  }
})

t.test('a cookie set by an IP address for an IP-address tail is not stored', async t => {
  const server = await rawServer(t, {
    handler: (req, socket) => {
      socket.write(req.target === '/set' ? response(200, 'set', ['Set-Cookie: sid=s; Domain=0.0.1; Path=/']) : response(200, 'ok'))
    },
  })
  const { s } = client(t)
  await s.get(`http://127.0.0.1:${server.port}/set`, { timeout: 5000 })
  t.equal([...s.cookies].length, 0)
})

t.test('a thousand Set-Cookie fields stop at the field budget instead of filling the jar', async t => {
  const lines = Array.from({ length: 1000 }, (_, i) => `Set-Cookie: c${i}=v; Path=/`)
  const server = await rawServer(t, { handler: (_req, socket) => { socket.write(response(200, 'set', lines)) } })
  const { s } = client(t)
  const result = await s.get(`http://127.0.0.1:${server.port}/set`, { timeout: 5000 }).then(() => null, (e: unknown) => e)
  t.ok(result instanceof ProtocolError, 'refused with a ProtocolError')
  t.equal((result as ProtocolError).code, 'TOO_MANY_FIELDS')
  t.equal([...s.cookies].length, 0, 'nothing stored from a refused head')
})
