// httpbin's request-inspection, status, redirect, cookie, auth and caching endpoints, plus the
// test-only /echo-raw helpers. Bodies and headers follow httpbin's so the Requests documentation's
// examples read the same against this server; streaming and timing endpoints are in streams.ts.

import { randomUUID } from 'node:crypto'
import {
  type Exchange, type Json, HttpError, echo, echoHeaders, headerOf, hostOf, intSegment, jsonText, redirect,
  send, sendHtml, sendJson, wireValue,
} from './context.js'
import { DENY_TXT, HTML_PAGE, INDEX_HTML, PNG_IMAGE, ROBOTS_TXT, SLIDESHOW_JSON, SLIDESHOW_XML, TEAPOT_TXT, UTF8_HTML } from './content.js'
import { DigestAuthority, digestAlgorithm } from './digest.js'
import { GET, type Route } from './router.js'
import { streamRoutes } from './streams.js'

const BODY_KEYS = ['url', 'args', 'form', 'data', 'origin', 'headers', 'files', 'json'] as const
const GET_KEYS = ['url', 'args', 'headers', 'origin'] as const
const ANYTHING_KEYS = [...BODY_KEYS, 'method'] as const

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** httpbin's `status_code()`: the canned headers and bodies some codes come with. */
export function sendStatus(ex: Exchange, code: number): void {
  const html = 'text/html; charset=utf-8'
  if (!Number.isInteger(code) || code < 200 || code > 999) {
    // A 1xx cannot be a final response: the client would wait for another head forever.
    return send(ex, 400, 'Invalid status code', html)
  }
  if (code >= 300 && code < 400 && code !== 304) return send(ex, code, '', html, { Location: '/redirect/1' })
  switch (code) {
    case 401: return send(ex, code, '', html, { 'WWW-Authenticate': 'Basic realm="Fake Realm"' })
    case 402: return send(ex, code, 'Payment required: this endpoint only takes imaginary money.', html, { 'X-More-Info': 'https://www.rfc-editor.org/rfc/rfc9110#name-402-payment-required' })
    case 406: return sendJson(ex, { message: 'Client did not request a supported media type.', accept: ['image/webp', 'image/svg+xml', 'image/jpeg', 'image/png', 'image/*'] }, 406)
    case 407: return send(ex, code, '', html, { 'Proxy-Authenticate': 'Basic realm="Fake Realm"' })
    case 418: return send(ex, code, TEAPOT_TXT, html, { 'X-More-Info': 'http://tools.ietf.org/html/rfc2324' })
    default: return send(ex, code, '', html)
  }
}

/** `/status/200,404:3`: one code, or a weighted random pick among several. */
function pickStatus(spec: string): number {
  const choices = spec.split(',').map(choice => {
    const [code = '', weight = '1'] = choice.split(':')
    if (!/^\d+$/.test(code.trim()) || !Number.isFinite(Number(weight))) throw new HttpError(400, 'Invalid status code')
    return { code: Number(code), weight: Number(weight) }
  })
  let roll = Math.random() * choices.reduce((sum, c) => sum + c.weight, 0)
  for (const choice of choices) {
    roll -= choice.weight
    if (roll < 0) return choice.code
  }
  return choices[choices.length - 1]?.code ?? 200
}

/** The Cookie header as werkzeug reads it: first value per name, surrounding quotes removed. */
function requestCookies(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of (headerOf(ex.req, 'cookie') ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0) continue
    const name = pair.slice(0, eq).trim()
    let value = pair.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (name !== '' && !(name in out)) out[name] = value
  }
  return out
}

/** A Set-Cookie line; a value outside RFC 6265's cookie-octets is sent as a quoted string. */
function setCookie(name: string, value: string): string {
  if (!TOKEN.test(name)) throw new HttpError(400, `invalid cookie name ${JSON.stringify(name)}`)
  const plain = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value)
  const shown = plain ? value : `"${value.replace(/["\\]/g, '\\$&')}"`
  if (/[\0\r\n]/.test(shown)) throw new HttpError(400, 'cookie value holds a control character')
  return `${name}=${wireValue(shown)}; Path=/`
}

function basicCredentials(ex: Exchange): [string, string] | null {
  const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headerOf(ex.req, 'authorization') ?? '')
  if (match === null) return null
  const bytes = Buffer.from(match[1] ?? '', 'base64')
  // Requests encodes Basic credentials as Latin-1, browsers as UTF-8: accept either.
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = bytes.toString('latin1')
  }
  const colon = text.indexOf(':')
  return colon < 0 ? null : [text.slice(0, colon), text.slice(colon + 1)]
}

/** An entity-tag list as httpbin parses it: quotes and the weak prefix dropped. */
function etagList(value: string | undefined): string[] {
  if (value === undefined) return []
  return value.split(',').map(part => part.trim().replace(/^W\//, '').replace(/^"|"$/g, '')).filter(t => t !== '')
}

/** /response-headers: the body lists every response header, Content-Length included, so it is iterated to a fixed point. */
function responseHeaders(ex: Exchange): void {
  const added: Record<string, string[]> = {}
  const order: string[] = []
  for (const [name, value] of ex.query) {
    if (!TOKEN.test(name)) throw new HttpError(400, `invalid header name ${JSON.stringify(name)}`)
    // Framing headers from a query would make node mis-frame its own response; framing tests use raw sockets.
    if (/^(content-length|transfer-encoding)$/i.test(name)) throw new HttpError(400, `${name} cannot be set from the query`)
    if (/[\0\r\n]/.test(value)) throw new HttpError(400, 'header value holds a control character')
    const key = order.find(k => k.toLowerCase() === name.toLowerCase()) ?? name
    if (!order.includes(key)) order.push(key)
    ;(added[key] ??= []).push(value)
  }
  const hasType = order.some(k => k.toLowerCase() === 'content-type')
  let length = 0
  let text = ''
  for (let i = 0; i < 10; i++) {
    const dict: Record<string, Json> = { 'Content-Length': String(length) }
    if (!hasType) dict['Content-Type'] = 'application/json'
    for (const key of order) {
      const values = added[key] ?? []
      dict[key] = values.length === 1 ? (values[0] ?? '') : values
    }
    text = jsonText(dict)
    if (Buffer.byteLength(text) === length) break
    length = Buffer.byteLength(text)
  }
  const headers: Record<string, string[]> = {}
  for (const key of order) headers[key] = (added[key] ?? []).map(wireValue)
  send(ex, 200, text, hasType ? null : 'application/json', headers)
}

/** The request head exactly as the socket delivered it, or as node's rawHeaders rebuild it. */
function rawHead(ex: Exchange): { bytes: Buffer; source: string } {
  if (ex.rawHead !== null) return { bytes: ex.rawHead, source: 'socket' }
  const lines = [`${ex.method} ${ex.target} HTTP/${ex.req.httpVersion}`]
  const raw = ex.req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i] ?? ''}: ${raw[i + 1] ?? ''}`)
  return { bytes: Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), source: 'rawHeaders' }
}

function linksPage(n: number, offset: number): string {
  const count = Math.min(Math.max(1, n), 200)
  let html = '<html><head><title>Links</title></head><body>'
  for (let i = 0; i < count; i++) html += i === offset ? `${i} ` : `<a href='/links/${count}/${i}'>${i}</a> `
  return html + '</body></html>'
}

function requireInt(raw: string | undefined): number {
  const n = intSegment(raw)
  if (n === null) throw new HttpError(404, 'Not Found')
  return n
}

export function buildRoutes(): Route[] {
  const digest = new DigestAuthority()
  const routes: Route[] = [
    { path: '/', methods: GET, handler: ex => sendHtml(ex, INDEX_HTML) },
    { path: '/get', methods: GET, handler: ex => sendJson(ex, echo(ex, GET_KEYS)) },
    ...(['post', 'put', 'patch', 'delete'] as const).map((name): Route => ({
      path: `/${name}`,
      methods: [name.toUpperCase()],
      handler: ex => sendJson(ex, echo(ex, BODY_KEYS)),
    })),
    { path: '/anything', methods: 'any', handler: ex => sendJson(ex, echo(ex, ANYTHING_KEYS)) },
    { path: '/anything/*', methods: 'any', handler: ex => sendJson(ex, echo(ex, ANYTHING_KEYS)) },
    { path: '/headers', methods: GET, handler: ex => sendJson(ex, { headers: echoHeaders(ex.req) }) },
    { path: '/ip', methods: GET, handler: ex => sendJson(ex, echo(ex, ['origin'])) },
    { path: '/user-agent', methods: GET, handler: ex => sendJson(ex, { 'user-agent': headerOf(ex.req, 'user-agent') ?? null }) },
    { path: '/uuid', methods: GET, handler: ex => sendJson(ex, { uuid: randomUUID() }) },
    { path: '/status/:codes', methods: 'any', handler: (ex, p) => sendStatus(ex, pickStatus(p.codes ?? '')) },
    { path: '/response-headers', methods: ['GET', 'POST'], handler: responseHeaders },

    // Cookies: the redirects after set/delete are relative, as url_for() writes them.
    { path: '/cookies', methods: GET, handler: ex => sendJson(ex, { cookies: requestCookies(ex) }) },
    { path: '/cookies/set', methods: GET, handler: ex => {
      const seen = new Map<string, string>()
      for (const [k, v] of ex.query) if (!seen.has(k)) seen.set(k, v)
      ex.res.setHeader('Set-Cookie', [...seen].map(([k, v]) => setCookie(k, v)))
      redirect(ex, '/cookies')
    } },
    { path: '/cookies/set/:name/:value', methods: GET, handler: (ex, p) => {
      ex.res.setHeader('Set-Cookie', setCookie(p.name ?? '', p.value ?? ''))
      redirect(ex, '/cookies')
    } },
    { path: '/cookies/delete', methods: GET, handler: ex => {
      const names = [...new Set([...ex.query.keys()])]
      ex.res.setHeader('Set-Cookie', names.map(name => {
        if (!TOKEN.test(name)) throw new HttpError(400, `invalid cookie name ${JSON.stringify(name)}`)
        return `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`
      }))
      redirect(ex, '/cookies')
    } },

    // Redirects. /redirect/:n uses relative Locations unless ?absolute=true; each hop counts down to /get.
    { path: '/redirect/:n', methods: GET, handler: (ex, p) => {
      const n = requireInt(p.n)
      if (n < 1) throw new HttpError(404, 'Not Found')
      const absolute = (ex.query.get('absolute') ?? '').toLowerCase() === 'true'
      const base = absolute ? `http://${hostOf(ex)}` : ''
      if (n === 1) return redirect(ex, `${base}/get`)
      redirect(ex, `${base}/${absolute ? 'absolute' : 'relative'}-redirect/${n - 1}`)
    } },
    { path: '/relative-redirect/:n', methods: GET, handler: (ex, p) => {
      const n = requireInt(p.n)
      if (n < 1) throw new HttpError(404, 'Not Found')
      send(ex, 302, '', 'text/html; charset=utf-8', { Location: n === 1 ? '/get' : `/relative-redirect/${n - 1}` })
    } },
    { path: '/absolute-redirect/:n', methods: GET, handler: (ex, p) => {
      const n = requireInt(p.n)
      if (n < 1) throw new HttpError(404, 'Not Found')
      redirect(ex, `http://${hostOf(ex)}${n === 1 ? '/get' : `/absolute-redirect/${n - 1}`}`)
    } },
    { path: '/redirect-to', methods: 'any', handler: ex => {
      // The Location is the url argument byte for byte (UTF-8), as httpbin takes care to send it.
      const url = ex.query.get('url')
      if (url === null) throw new HttpError(400, 'redirect-to needs a url argument')
      if (/[\0\r\n]/.test(url)) throw new HttpError(400, 'url holds a control character')
      const asked = Number(ex.query.get('status_code') ?? '302')
      const status = Number.isInteger(asked) && asked >= 300 && asked < 400 ? asked : 302
      send(ex, status, '', 'text/html; charset=utf-8', { Location: wireValue(url) })
    } },
    { path: '/links/:n', methods: GET, handler: (ex, p) => redirect(ex, `/links/${requireInt(p.n)}/0`) },
    { path: '/links/:n/:offset', methods: GET, handler: (ex, p) => sendHtml(ex, linksPage(requireInt(p.n), requireInt(p.offset))) },

    // Authentication.
    { path: '/basic-auth/:user/:passwd', methods: GET, handler: (ex, p) => {
      const creds = basicCredentials(ex)
      if (creds === null || creds[0] !== p.user || creds[1] !== p.passwd) return sendStatus(ex, 401)
      sendJson(ex, { authenticated: true, user: p.user ?? '' })
    } },
    { path: '/hidden-basic-auth/:user/:passwd', methods: GET, handler: (ex, p) => {
      const creds = basicCredentials(ex)
      if (creds === null || creds[0] !== p.user || creds[1] !== p.passwd) return sendStatus(ex, 404)
      sendJson(ex, { authenticated: true, user: p.user ?? '' })
    } },
    { path: '/bearer', methods: GET, handler: ex => {
      const match = /^\s*bearer\s+(\S.*)$/i.exec(headerOf(ex.req, 'authorization') ?? '')
      if (match === null) return send(ex, 401, '', 'text/html; charset=utf-8', { 'WWW-Authenticate': 'Bearer' })
      sendJson(ex, { authenticated: true, token: (match[1] ?? '').trim() })
    } },
    ...['/digest-auth/:qop/:user/:passwd', '/digest-auth/:qop/:user/:passwd/:algorithm', '/digest-auth/:qop/:user/:passwd/:algorithm/:stale'].map(
      (path): Route => ({
        path,
        methods: GET,
        handler: (ex, p) => {
          const stale = p.stale === undefined || p.stale === 'never' ? null : intSegment(p.stale)
          if (p.stale !== undefined && p.stale !== 'never' && stale === null) throw new HttpError(400, 'stale_after must be a count or "never"')
          digest.handle(ex, { qop: p.qop ?? '', user: p.user ?? '', passwd: p.passwd ?? '', algorithm: digestAlgorithm(p.algorithm ?? 'MD5'), staleAfter: stale })
        },
      }),
    ),

    // Caching and conditional requests.
    { path: '/cache', methods: GET, handler: ex => {
      if (headerOf(ex.req, 'if-modified-since') !== undefined || headerOf(ex.req, 'if-none-match') !== undefined) {
        return send(ex, 304, '', null)
      }
      sendJson(ex, echo(ex, GET_KEYS), 200, { 'Last-Modified': new Date().toUTCString(), 'ETag': randomUUID().replace(/-/g, '') })
    } },
    { path: '/cache/:n', methods: GET, handler: (ex, p) => {
      sendJson(ex, echo(ex, GET_KEYS), 200, { 'Cache-Control': `public, max-age=${requireInt(p.n)}` })
    } },
    { path: '/etag/:etag', methods: GET, handler: (ex, p) => {
      const etag = p.etag ?? ''
      if (/[\0\r\n]/.test(etag)) throw new HttpError(400, 'etag holds a control character')
      const ifNoneMatch = etagList(headerOf(ex.req, 'if-none-match'))
      const ifMatch = etagList(headerOf(ex.req, 'if-match'))
      if (ifNoneMatch.length > 0) {
        if (ifNoneMatch.includes(etag) || ifNoneMatch.includes('*')) return send(ex, 304, '', null, { ETag: wireValue(etag) })
      } else if (ifMatch.length > 0 && !ifMatch.includes(etag) && !ifMatch.includes('*')) {
        return sendStatus(ex, 412)
      }
      sendJson(ex, echo(ex, GET_KEYS), 200, { ETag: wireValue(etag) })
    } },

    // Fixed documents.
    { path: '/html', methods: GET, handler: ex => sendHtml(ex, HTML_PAGE) },
    { path: '/json', methods: GET, handler: ex => sendJson(ex, SLIDESHOW_JSON) },
    { path: '/xml', methods: GET, handler: ex => send(ex, 200, SLIDESHOW_XML, 'application/xml') },
    { path: '/robots.txt', methods: GET, handler: ex => send(ex, 200, ROBOTS_TXT, 'text/plain') },
    { path: '/deny', methods: GET, handler: ex => send(ex, 200, DENY_TXT, 'text/plain') },
    { path: '/encoding/utf8', methods: GET, handler: ex => sendHtml(ex, UTF8_HTML) },
    { path: '/image/png', methods: GET, handler: ex => send(ex, 200, PNG_IMAGE, 'image/png') },
    { path: '/image', methods: GET, handler: ex => {
      // Only PNG is on hand, so only an Accept that admits it gets an image.
      const accept = (headerOf(ex.req, 'accept') ?? 'image/png').toLowerCase()
      if (/image\/png|image\/\*|\*\/\*/.test(accept)) return send(ex, 200, PNG_IMAGE, 'image/png')
      sendStatus(ex, 406)
    } },
    { path: '/base64/:value', methods: GET, handler: (ex, p) => {
      const value = p.value ?? ''
      let decoded: string | null = null
      if (/^[A-Za-z0-9_\-+/]*={0,2}$/.test(value)) {
        try {
          decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64url'))
        } catch {
          decoded = null
        }
      }
      sendHtml(ex, decoded ?? 'Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l')
    } },

    // Test helpers beyond httpbin: the request head (and body) exactly as the client put them on the wire.
    { path: '/echo-raw', methods: 'any', handler: ex => {
      const { bytes, source } = rawHead(ex)
      send(ex, 200, bytes, 'text/plain; charset=iso-8859-1', { 'X-Raw-Source': source })
    } },
    { path: '/echo-raw-full', methods: 'any', handler: ex => {
      const { bytes, source } = rawHead(ex)
      const body = ex.rawBody()
      if (body === null) throw new HttpError(413, 'the raw body was too large to keep')
      send(ex, 200, Buffer.concat([bytes, body]), 'text/plain; charset=iso-8859-1', { 'X-Raw-Source': source })
    } },
    ...streamRoutes(),
  ]
  return routes
}
