// The per-request view every route works from (`Exchange`), the httpbin-style echo of a request
// (args, headers, origin, url, form, files, data, json) and the small response helpers the routes
// share: JSON with sorted keys as Flask's jsonify writes it, redirects, cancellable sleeps.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { boundaryOf, MultipartError, parseHeaderValue, parseMultipart } from './multipart.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly method: string
  /** The request-target exactly as received (origin-form, or absolute-form when used as a proxy). */
  readonly target: string
  /** The path of the target, still percent-encoded. */
  readonly path: string
  readonly query: URLSearchParams
  readonly body: Buffer
  /** The request head's bytes as they came off the socket, or `null` if they could not be found. */
  readonly rawHead: Buffer | null
  /** Everything the socket carried after the head, up to the end of this request's body. */
  readonly rawBody: () => Buffer | null
  readonly serverPort: number
  /** Aborted when the response closes, finished or not: timers and streams stop on it. */
  readonly signal: AbortSignal
}

export type EchoKey = 'url' | 'args' | 'form' | 'data' | 'origin' | 'headers' | 'files' | 'json' | 'method'

/** A route-level failure that becomes a plain-text response with this status. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
  override name = 'HttpError' as const
}

/** Python's `str.title()` on a header name, which is how werkzeug displays them: `X-Test2`, `Dnt`. */
export function titleCase(name: string): string {
  let out = ''
  let previousWasLetter = false
  for (const c of name) {
    const isLetter = /[A-Za-z]/.test(c)
    out += isLetter ? (previousWasLetter ? c.toLowerCase() : c.toUpperCase()) : c
    previousWasLetter = isLetter
  }
  return out
}

/** Many values under one key become a list, one stays a string: werkzeug's MultiDict as httpbin flattens it. */
export function semiFlatten(pairs: Iterable<[string, string]>): Record<string, Json> {
  const grouped = new Map<string, string[]>()
  for (const [k, v] of pairs) {
    const list = grouped.get(k)
    if (list === undefined) grouped.set(k, [v])
    else list.push(v)
  }
  const out: Record<string, Json> = {}
  for (const [k, list] of grouped) out[k] = list.length === 1 ? (list[0] ?? '') : list
  return out
}

/** The request headers with httpbin's display names; repeated fields are joined as a gateway would. */
export function echoHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = titleCase(raw[i] ?? '')
    const value = raw[i + 1] ?? ''
    const previous = out[name]
    // Cookie pairs are joined with "; " (RFC 6265 §5.4); every other list field with ", ".
    out[name] = previous === undefined ? value : `${previous}${name === 'Cookie' ? '; ' : ', '}${value}`
  }
  return out
}

export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}

export function origin(ex: Exchange): string {
  const forwarded = headerOf(ex.req, 'x-forwarded-for')
  if (forwarded !== undefined) return forwarded
  const address = ex.req.socket.remoteAddress ?? ''
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/** The authority the client addressed, for absolute URLs: its Host header, else our own address. */
export function hostOf(ex: Exchange): string {
  return headerOf(ex.req, 'host') ?? `127.0.0.1:${ex.serverPort}`
}

/** The full URL as received: an absolute-form target as is, otherwise rebuilt from Host. */
export function fullUrl(ex: Exchange): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ex.target) ? ex.target : `http://${hostOf(ex)}${ex.target}`
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Text when the bytes are UTF-8, else an RFC 2397 data URL, as httpbin's `json_safe` does. */
export function jsonSafe(bytes: Buffer, contentType = 'application/octet-stream'): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return `data:${contentType};base64,${bytes.toString('base64')}`
  }
}

interface ParsedBody {
  form: Record<string, Json>
  files: Record<string, Json>
  data: string
  json: Json
}

/**
 * Reads the body as werkzeug would: form types fill `form` (and `files`) and leave `data` empty;
 * anything else is `data`, and `json` is whatever `data` parses to, whatever the Content-Type says.
 */
export function parseBody(ex: Exchange): ParsedBody {
  const contentType = headerOf(ex.req, 'content-type') ?? ''
  const media = parseHeaderValue(contentType).value
  if (media === 'application/x-www-form-urlencoded') {
    return { form: semiFlatten(new URLSearchParams(ex.body.toString('utf8'))), files: {}, data: '', json: null }
  }
  if (media === 'multipart/form-data') {
    const boundary = boundaryOf(contentType)
    if (boundary === null) throw new HttpError(400, 'multipart/form-data without a valid boundary')
    let parts
    try {
      parts = parseMultipart(ex.body, boundary)
    } catch (err) {
      if (err instanceof MultipartError) throw new HttpError(400, `malformed multipart body: ${err.message}`)
      throw err
    }
    const fields: Array<[string, string]> = []
    const files: Array<[string, string]> = []
    for (const part of parts) {
      if (part.name === null) continue
      if (part.filename === null) fields.push([part.name, part.body.toString('utf8')])
      else files.push([part.name, jsonSafe(part.body, part.contentType ?? 'application/octet-stream')])
    }
    return { form: semiFlatten(fields), files: semiFlatten(files), data: '', json: null }
  }
  let json: Json = null
  if (ex.body.length > 0) {
    try {
      json = JSON.parse(ex.body.toString('utf8')) as Json
    } catch {
      json = null
    }
  }
  return { form: {}, files: {}, data: jsonSafe(ex.body), json }
}

/** httpbin's `get_dict`: the chosen pieces of the request, plus extras. */
export function echo(ex: Exchange, keys: readonly EchoKey[], extras: Record<string, Json> = {}): Record<string, Json> {
  const out: Record<string, Json> = {}
  const needsBody = keys.some(k => k === 'form' || k === 'files' || k === 'data' || k === 'json')
  const body = needsBody ? parseBody(ex) : null
  for (const key of keys) {
    switch (key) {
      case 'url': out.url = fullUrl(ex); break
      case 'args': out.args = semiFlatten(ex.query); break
      case 'origin': out.origin = origin(ex); break
      case 'headers': out.headers = echoHeaders(ex.req); break
      case 'method': out.method = ex.method; break
      case 'form': out.form = body?.form ?? {}; break
      case 'files': out.files = body?.files ?? {}; break
      case 'data': out.data = body?.data ?? ''; break
      case 'json': out.json = body?.json ?? null; break
    }
  }
  return { ...out, ...extras }
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] ?? null)
    return out
  }
  return value
}

/** Pretty JSON with sorted keys and a final newline: what httpbin's jsonify produces. */
export function jsonText(value: Json): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n'
}

export function send(
  ex: Exchange,
  status: number,
  body: Buffer | string,
  contentType: string | null,
  headers: Record<string, string | string[]> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const res = ex.res
  res.statusCode = status
  if (contentType !== null) res.setHeader('Content-Type', contentType)
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  // 1xx, 204 and 304 carry no body, and node refuses a Content-Length on some of them.
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', String(bytes.length))
  res.end(status === 204 || status === 304 ? undefined : bytes)
}

export function sendJson(ex: Exchange, value: Json, status = 200, headers: Record<string, string | string[]> = {}): void {
  send(ex, status, jsonText(value), 'application/json', headers)
}

export function sendHtml(ex: Exchange, html: string, status = 200, headers: Record<string, string | string[]> = {}): void {
  send(ex, status, html, 'text/html; charset=utf-8', headers)
}

/**
 * A header value node will put on the wire byte for byte: node writes header strings as Latin-1,
 * so a UTF-8 value is handed over as one character per byte (httpbin's redirect-to sends raw UTF-8).
 */
export function wireValue(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1')
}

/** A redirect with a short HTML body, as Flask's `redirect()` writes one. */
export function redirect(ex: Exchange, location: string, status = 302): void {
  const shown = location.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`)
  const html = `<!doctype html>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected to <a href="${shown}">${shown}</a>.</p>\n`
  sendHtml(ex, html, status, { Location: wireValue(location) })
}

/** Resolves `true` after `ms`, or `false` as soon as the client goes away (the timer is cleared). */
export function sleep(signal: AbortSignal, ms: number): Promise<boolean> {
  return new Promise(resolve => {
    if (signal.aborted) return resolve(false)
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Writes one chunk, waiting for 'drain' under backpressure; `false` once the client is gone. */
export function writeChunk(ex: Exchange, chunk: Buffer | string): Promise<boolean> {
  if (ex.signal.aborted || ex.res.destroyed) return Promise.resolve(false)
  if (ex.res.write(chunk)) return Promise.resolve(true)
  return new Promise(resolve => {
    const done = (ok: boolean): void => {
      ex.res.off('drain', onDrain)
      ex.signal.removeEventListener('abort', onAbort)
      resolve(ok)
    }
    const onDrain = (): void => done(true)
    const onAbort = (): void => done(false)
    ex.res.once('drain', onDrain)
    ex.signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Parses a query or path number; `HttpError(400)` when it is not one. */
export function numberParam(raw: string | null | undefined, fallback: number, name: string): number {
  if (raw === null || raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n)) throw new HttpError(400, `${name} must be a number`)
  return n
}

/** A non-negative integer path segment, or `null` (the route then answers 404, as Flask's `int:` does). */
export function intSegment(raw: string | undefined): number | null {
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : null
}
