// Path patterns (`/status/:code`, `/anything/*`) matched against the raw request path, and the
// method rules around them that Flask applies for httpbin: HEAD wherever GET is allowed, an
// automatic OPTIONS answer listing the methods, 405 with Allow for a path known under other methods.

import { type Exchange, send, sendHtml } from './context.js'

export type Params = Record<string, string>
export type Handler = (ex: Exchange, params: Params) => void | Promise<void>

export interface Route {
  path: string
  /** Allowed methods; `'any'` routes also take OPTIONS themselves instead of the automatic answer. */
  methods: readonly string[] | 'any'
  handler: Handler
}

interface CompiledRoute extends Route {
  regex: RegExp
  names: string[]
}

export const GET: readonly string[] = ['GET']

export function compile(routes: readonly Route[]): CompiledRoute[] {
  return routes.map(route => {
    const names: string[] = []
    const source = route.path
      .split('/')
      .map(segment => {
        if (segment === '*') {
          names.push('*')
          return '(.*)'
        }
        if (segment.startsWith(':')) {
          names.push(segment.slice(1))
          return '([^/]+)'
        }
        return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('/')
    // `/anything/*` also matches `/anything/` (an empty rest), as Flask's path converter does not;
    // being lenient costs nothing in a test server.
    return { ...route, regex: new RegExp(`^${source}$`), names }
  })
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function allowedMethods(methods: readonly string[]): string[] {
  const out = new Set(methods)
  if (out.has('GET')) out.add('HEAD')
  out.add('OPTIONS')
  return [...out]
}

export async function dispatch(ex: Exchange, routes: readonly CompiledRoute[]): Promise<void> {
  let allow: Set<string> | null = null
  for (const route of routes) {
    const match = route.regex.exec(ex.path)
    if (match === null) continue
    const params: Params = {}
    route.names.forEach((name, i) => {
      params[name] = decodeSegment(match[i + 1] ?? '')
    })
    if (route.methods === 'any') return route.handler(ex, params)
    const methods = allowedMethods(route.methods)
    if (methods.includes(ex.method) && ex.method !== 'OPTIONS') {
      return route.handler(ex, params)
    }
    allow ??= new Set()
    for (const m of methods) allow.add(m)
  }
  if (allow !== null) {
    const list = [...allow].sort().join(', ')
    if (ex.method === 'OPTIONS') {
      send(ex, 200, '', 'text/html; charset=utf-8', {
        'Allow': list,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, PATCH, OPTIONS',
        'Access-Control-Max-Age': '3600',
      })
      return
    }
    return sendHtml(ex, '<!doctype html>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n', 405, { Allow: list })
  }
  sendHtml(ex, '<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n', 404)
}
