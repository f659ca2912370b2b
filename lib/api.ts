// One-shot calls: `get(url)` and friends, as Requests' api.py. Each call gets a fresh Session —
// its own cookie jar, nothing remembered afterwards — over one shared adapter, so keep-alive
// works across calls. The shared pool's idle sockets are unref'ed: they never keep a process alive.

import { HTTPAdapter } from './adapter.js'
import type { RequestOptions } from './options.js'
import type { Response } from './response.js'
import { Session } from './session.js'

let shared: HTTPAdapter | null = null

function session(): Session {
  shared ??= new HTTPAdapter()
  return new Session({ adapter: shared })
}

export function request(method: string, url: string, options?: RequestOptions): Promise<Response> {
  return session().request(method, url, options)
}

export function get(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('GET', url, options)
}

export function options(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('OPTIONS', url, options)
}

export function head(url: string, options?: RequestOptions): Promise<Response> {
  return session().head(url, options)
}

export function post(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('POST', url, options)
}

export function put(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('PUT', url, options)
}

export function patch(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('PATCH', url, options)
}

/** `delete` is a reserved word in JavaScript: import it as `del`, or use `reqwire.delete`. */
export function del(url: string, options?: RequestOptions): Promise<Response> {
  return session().request('DELETE', url, options)
}

/** Closes the shared pool of one-shot calls (idle sockets close by themselves anyway). */
export async function closeDefaultPool(): Promise<void> {
  const adapter = shared
  shared = null
  await adapter?.close()
}
