// Redirect policy as small named rules (Requests' SessionRedirectMixin): where a redirect goes,
// which method and body it keeps, and which credentials must not follow it to another host.
// Session.resolveRedirects strings them together; each is tested alone.

import { InvalidURL } from './errors.js'
import type { PreparedRequest } from './request.js'
import type { Response } from './response.js'

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 }

/**
 * The Location of a redirect response, as a string, or null when it is not a redirect.
 * Servers send UTF-8 in Location although HTTP says ISO-8859-1 (RFC 9110 §5.5); the parser
 * hands us the bytes as Latin-1, so they are read again as UTF-8 when they are valid UTF-8
 * (Requests does the same in get_redirect_target).
 */
export function redirectTarget(response: Response): string | null {
  if (!response.isRedirect) return null
  const location = response.headers.get('Location') as string
  if (!/[\x80-\xff]/.test(location)) return location
  const bytes = Buffer.from(location, 'latin1')
  const utf8 = bytes.toString('utf8')
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : location
}

/**
 * The absolute URL a Location points to, resolved against the URL that answered with it
 * (RFC 9110 §10.2.2 allows relative references). A redirect without a fragment keeps the
 * original request's fragment (RFC 9110 §10.2.2 ¶7).
 */
export function resolveLocation(location: string, previousUrl: string): string {
  // The URL parser would silently drop a tab or newline; a Location holding control bytes is
  // refused instead, as a caller's URL would be.
  if (/[\x00-\x1f\x7f]/.test(location)) {
    throw new InvalidURL(`the redirect Location ${JSON.stringify(location)} holds control characters`, { url: previousUrl, code: 'INVALID_LOCATION' })
  }
  let resolved: URL
  try {
    resolved = new URL(location, previousUrl)
  } catch (err) {
    throw new InvalidURL(`the redirect Location ${JSON.stringify(location)} is not a valid URL`, { url: previousUrl, cause: err })
  }
  if (resolved.hash === '') {
    const hash = previousUrl.indexOf('#')
    if (hash !== -1 && hash < previousUrl.length - 1) resolved.hash = previousUrl.slice(hash)
  }
  return resolved.href
}

/**
 * The method of the next request (Requests' rebuild_method, after browsers rather than the
 * letter of RFC 9110 §15.4): 303 turns everything but HEAD into GET; 302 does too; 301 turns
 * only POST into GET; 307 and 308 never change the method.
 */
export function rebuildMethod(method: string, status: number): string {
  if (status === 303 && method !== 'HEAD') return 'GET'
  if (status === 302 && method !== 'HEAD') return 'GET'
  if (status === 301 && method === 'POST') return 'GET'
  return method
}

/** Whether the body goes with the redirect: only 307 and 308 promise to repeat the request as it was. */
export function keepsBody(status: number): boolean {
  return status === 307 || status === 308
}

/** Drops the body and the headers that described it, for a redirect that does not keep it. */
export function dropBody(request: PreparedRequest): void {
  for (const name of ['Content-Length', 'Content-Type', 'Transfer-Encoding']) request.headers.delete(name)
  request.body = null
}

interface UrlParts {
  scheme: string
  hostname: string
  /** null when the URL names no port. */
  port: number | null
}

function parts(url: string): UrlParts {
  const u = new URL(url)
  return { scheme: u.protocol.slice(0, -1), hostname: u.hostname, port: u.port === '' ? null : Number(u.port) }
}

/**
 * Whether credentials must be dropped going from `oldUrl` to `newUrl` (Requests'
 * should_strip_auth): any change of host, port or scheme — except http → https on the default
 * ports, an upgrade to the same server that Requests allows. https → http always strips.
 */
export function shouldStripAuth(oldUrl: string, newUrl: string): boolean {
  const before = parts(oldUrl)
  const after = parts(newUrl)
  if (before.hostname !== after.hostname) return true
  if (before.scheme === 'http' && (before.port === 80 || before.port === null)
    && after.scheme === 'https' && (after.port === 443 || after.port === null)) return false
  const changedPort = before.port !== after.port
  const changedScheme = before.scheme !== after.scheme
  const defaultPort = DEFAULT_PORTS[before.scheme]
  const isDefault = (port: number | null): boolean => port === null || port === defaultPort
  if (!changedScheme && isDefault(before.port) && isDefault(after.port)) return false
  return changedPort || changedScheme
}

/**
 * Removes the credentials that must not follow a redirect leaving the origin (shouldStripAuth):
 * Authorization and Proxy-Authorization. (The Cookie header goes on every hop: the session
 * computes it again from the jar for the new URL, so a cookie reaches only the hosts it was set for.)
 */
export function stripCredentials(request: PreparedRequest): void {
  request.headers.delete('Authorization')
  request.headers.delete('Proxy-Authorization')
}
