// The server side of HTTP Digest authentication (RFC 7616, with RFC 2617's no-qop form) for
// /digest-auth/:qop/:user/:passwd[/:algorithm[/:stale_after]]. Nonces live in server memory, so a
// client's response hash is checked for real and a nonce can be made stale after N uses.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { type Exchange, HttpError, headerOf, sendJson, send } from './context.js'

export const DIGEST_REALM = 'me@kennethreitz.com'

/** RFC 7616 §6.1 algorithm names and the node hash behind each; `-sess` variants share the hash. */
const HASHES: Record<string, string> = {
  'MD5': 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
  'SHA-512': 'sha512',
}

// Bounds memory when a test suite hammers the endpoint: the oldest nonces are forgotten first.
const MAX_NONCES = 1000

interface NonceState {
  opaque: string
  algorithm: string
  /** Successful authentications made with this nonce so far. */
  uses: number
}

export interface DigestRoute {
  qop: string
  user: string
  passwd: string
  algorithm: string
  /** A count of uses after which the nonce turns stale, or `null` for never. */
  staleAfter: number | null
}

/** Canonical algorithm name: httpbin answers an unknown one with MD5, and so do we. */
export function digestAlgorithm(name: string): string {
  const upper = name.toUpperCase()
  const base = upper.endsWith('-SESS') ? upper.slice(0, -5) : upper
  if (HASHES[base] === undefined) return 'MD5'
  return upper.endsWith('-SESS') ? `${base}-sess` : base
}

/** The qop directive to offer: `auth` and `auth-int` as asked, `none` for the RFC 2069 form, else both. */
function offeredQop(qop: string): string[] {
  if (qop === 'auth' || qop === 'auth-int') return [qop]
  if (qop === 'none') return []
  return ['auth', 'auth-int']
}

function hash(algorithm: string, data: string | Buffer): string {
  const base = algorithm.replace(/-sess$/, '')
  return createHash(HASHES[base] ?? 'md5').update(data).digest('hex')
}

/** Parses `Digest k=v, k="v"` (RFC 9110 §11.4 auth-params); `null` for another scheme. */
export function parseDigestAuthorization(header: string): Map<string, string> | null {
  const match = /^\s*digest\s+(.*)$/is.exec(header)
  if (match === null) return null
  const input = match[1] ?? ''
  const params = new Map<string, string>()
  let i = 0
  while (i < input.length) {
    while (i < input.length && /[\s,]/.test(input[i] ?? '')) i++
    const eq = input.indexOf('=', i)
    if (eq < 0) break
    const key = input.slice(i, eq).trim().toLowerCase()
    i = eq + 1
    while (input[i] === ' ' || input[i] === '\t') i++
    let value = ''
    if (input[i] === '"') {
      i++
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++
        value += input[i]
        i++
      }
      i++
    } else {
      const comma = input.indexOf(',', i)
      value = (comma < 0 ? input.slice(i) : input.slice(i, comma)).trim()
      i = comma < 0 ? input.length : comma
    }
    params.set(key, value)
  }
  return params
}

/** The response value a client must send (RFC 7616 §3.4.1), from the server's own records. */
export function expectedResponse(args: {
  algorithm: string
  username: string
  realm: string
  password: string
  method: string
  uri: string
  nonce: string
  nc?: string | undefined
  cnonce?: string | undefined
  qop?: string | undefined
  body?: Buffer
}): string {
  const h = (s: string | Buffer): string => hash(args.algorithm, s)
  let ha1 = h(`${args.username}:${args.realm}:${args.password}`)
  if (args.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${args.nonce}:${args.cnonce ?? ''}`)
  const ha2 = args.qop === 'auth-int'
    ? h(`${args.method}:${args.uri}:${h(args.body ?? Buffer.alloc(0))}`)
    : h(`${args.method}:${args.uri}`)
  if (args.qop === undefined) return h(`${ha1}:${args.nonce}:${ha2}`) // RFC 2069 compatibility
  return h(`${ha1}:${args.nonce}:${args.nc ?? ''}:${args.cnonce ?? ''}:${args.qop}:${ha2}`)
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** One server's digest state: the nonces it issued and how often each has been used. */
export class DigestAuthority {
  private readonly nonces = new Map<string, NonceState>()

  private challenge(ex: Exchange, route: DigestRoute, stale: boolean): void {
    const nonce = hash(route.algorithm, randomBytes(24))
    const opaque = hash(route.algorithm, randomBytes(24))
    this.nonces.set(nonce, { opaque, algorithm: route.algorithm, uses: 0 })
    if (this.nonces.size > MAX_NONCES) {
      const oldest = this.nonces.keys().next()
      if (oldest.done !== true) this.nonces.delete(oldest.value)
    }
    const qop = offeredQop(route.qop)
    const fields = [`realm="${DIGEST_REALM}"`, `nonce="${nonce}"`]
    if (qop.length > 0) fields.push(`qop="${qop.join(', ')}"`)
    fields.push(`opaque="${opaque}"`, `algorithm=${route.algorithm}`, `stale=${stale ? 'TRUE' : 'FALSE'}`)
    // httpbin sets these cookies on every challenge; Requests' own tests look for `fake`.
    send(ex, 401, '', 'text/html; charset=utf-8', {
      'WWW-Authenticate': `Digest ${fields.join(', ')}`,
      'Set-Cookie': ['stale_after=' + (route.staleAfter ?? 'never') + '; Path=/', 'fake=fake_value; Path=/'],
    })
  }

  handle(ex: Exchange, route: DigestRoute): void {
    const header = headerOf(ex.req, 'authorization')
    const creds = header === undefined ? null : parseDigestAuthorization(header)
    // `?require-cookie=1`: like httpbin, insist that the client returns the cookie set on the challenge.
    const requireCookie = ['1', 't', 'true'].includes((ex.query.get('require-cookie') ?? '').toLowerCase())
    const cookie = headerOf(ex.req, 'cookie')
    if (creds === null || (requireCookie && cookie === undefined)) return this.challenge(ex, route, false)
    if (requireCookie && !/(^|;\s*)fake=fake_value(;|$)/.test(cookie ?? '')) {
      return sendJson(ex, { errors: ['missing cookie set on challenge'] }, 403, { 'Set-Cookie': 'fake=fake_value; Path=/' })
    }

    const nonce = creds.get('nonce') ?? ''
    const state = this.nonces.get(nonce)
    // A nonce we never issued (or forgot) is simply not accepted: challenge again.
    if (state === undefined || state.algorithm !== route.algorithm) return this.challenge(ex, route, false)
    const uri = creds.get('uri')
    // RFC 7616 §3.4.6: the uri directive must name the request-target, else the request is bad.
    if (uri !== undefined && uri !== ex.target) throw new HttpError(400, 'digest uri does not match the request-target')

    const qop = creds.get('qop')
    const offered = offeredQop(route.qop)
    const qopOk = qop === undefined ? offered.length === 0 : offered.includes(qop)
    // RFC 7616 §3.4: an absent algorithm means MD5.
    const algorithmOk = (creds.get('algorithm') ?? 'MD5').toUpperCase() === route.algorithm.toUpperCase()
    const complete = uri !== undefined && creds.has('response') && (qop === undefined || (creds.has('nc') && creds.has('cnonce')))
    const opaqueOk = !creds.has('opaque') || creds.get('opaque') === state.opaque
    if (!qopOk || !algorithmOk || !complete || !opaqueOk || creds.get('username') !== route.user || creds.get('realm') !== DIGEST_REALM) {
      return this.challenge(ex, route, false)
    }

    const expected = expectedResponse({
      algorithm: route.algorithm,
      username: route.user,
      realm: DIGEST_REALM,
      password: route.passwd,
      method: ex.method,
      uri,
      nonce,
      nc: creds.get('nc'),
      cnonce: creds.get('cnonce'),
      qop,
      body: ex.body,
    })
    if (!sameText(expected, (creds.get('response') ?? '').toLowerCase())) return this.challenge(ex, route, false)

    // The hash is right; a nonce used up by stale_after earns a stale challenge (RFC 7616 §3.3).
    if (route.staleAfter !== null && state.uses >= route.staleAfter) {
      this.nonces.delete(nonce)
      return this.challenge(ex, route, true)
    }
    state.uses++
    sendJson(ex, { authenticated: true, user: route.user }, 200, { 'Set-Cookie': 'fake=fake_value; Path=/' })
  }
}
