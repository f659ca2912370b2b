// An in-process stand-in for httpbin.org on loopback: reqwire's tests and `npm run demo` run the
// Requests documentation's examples against it. This file owns the server's life (listen, count,
// close); the endpoints live in ./httpbin/routes.ts and ./httpbin/streams.ts.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo, type Socket } from 'node:net'
import { type Exchange, HttpError } from './httpbin/context.js'
import { SocketCapture } from './httpbin/raw-capture.js'
import { compile, dispatch } from './httpbin/router.js'
import { buildRoutes } from './httpbin/routes.js'

export interface HttpbinServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string
  port: number
  /** Stops listening and destroys every socket, idle keep-alive ones included, so no test hangs. */
  close(): Promise<void>
  /** TCP connections accepted so far: a client that reuses its connection keeps this low. */
  readonly connections: number
  /** Requests received so far, on all connections. */
  readonly requests: number
  /** Requests whose response has not closed yet: 0 again once a client that hung up is noticed. */
  readonly active: number
}

export interface HttpbinOptions {
  /** A loopback address to bind: `127.0.0.1` (the default), another 127/8 address, or `::1`. */
  host?: string
}

/** Request bodies are buffered whole; past this the server answers 413 and closes the connection. */
const MAX_REQUEST_BODY = 64 * 1024 * 1024

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1'
  return false // names are refused: this server must never make anyone resolve a host name
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > MAX_REQUEST_BODY) {
        req.off('data', onData)
        req.resume() // discard the rest; the 413 closes the connection
        reject(new HttpError(413, `request body larger than ${MAX_REQUEST_BODY} bytes`))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
    req.once('close', () => {
      if (!req.complete) reject(new Error('client closed the connection before the body ended'))
    })
  })
}

/** Splits a request-target into path and query; an absolute-form target (proxy style) routes by its path. */
function splitTarget(target: string): { path: string; query: string } {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target)
  const rest = authority === null ? target : target.slice(authority[0].length)
  const hash = rest.indexOf('#')
  const noFragment = hash < 0 ? rest : rest.slice(0, hash)
  const q = noFragment.indexOf('?')
  const path = q < 0 ? noFragment : noFragment.slice(0, q)
  return { path: path === '' ? '/' : path, query: q < 0 ? '' : noFragment.slice(q + 1) }
}

export async function startHttpbin(options: HttpbinOptions = {}): Promise<HttpbinServer> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host)) throw new Error(`httpbin test server binds loopback addresses only, not ${JSON.stringify(host)}`)

  const routes = compile(buildRoutes())
  const captures = new WeakMap<Socket, SocketCapture>()
  let connections = 0
  let requests = 0
  let active = 0
  let port = 0

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The head must be taken now, before any await: node may parse the next pipelined request next.
    const capture = captures.get(req.socket)
    const target = req.url ?? '/'
    const captured = capture?.takeHead(`${req.method ?? ''} ${target} HTTP/${req.httpVersion}`) ?? null
    const controller = new AbortController()
    active++
    // 'close' comes after the response finished or when the client went away first; aborting the
    // signal then clears whatever timer the route is waiting on.
    res.once('close', () => {
      active--
      controller.abort()
    })
    // httpbin's after_request CORS headers, on every response.
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
    res.setHeader('Access-Control-Allow-Credentials', 'true')
    try {
      const body = await readBody(req)
      const { path, query } = splitTarget(target)
      const ex: Exchange = {
        req,
        res,
        method: req.method ?? 'GET',
        target,
        path,
        query: new URLSearchParams(query),
        body,
        rawHead: captured?.head ?? null,
        rawBody: () => (captured === null || capture === undefined ? null : capture.since(captured.end)),
        serverPort: port,
        signal: controller.signal,
      }
      await dispatch(ex, routes)
    } catch (err) {
      if (res.headersSent || res.destroyed) {
        res.destroy()
        return
      }
      const status = err instanceof HttpError ? err.status : 500
      const message = err instanceof Error ? err.message : String(err)
      for (const name of res.getHeaderNames()) res.removeHeader(name)
      res.statusCode = status
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.setHeader('Content-Length', String(Buffer.byteLength(message)))
      if (status === 413 || !req.complete) res.setHeader('Connection', 'close')
      res.end(message)
    }
  }

  const server = createServer((req, res) => {
    requests++
    void handle(req, res)
  })
  server.on('connection', (socket: Socket) => {
    connections++
    captures.set(socket, new SocketCapture(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port

  let closing: Promise<void> | null = null
  return {
    url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    port,
    get connections() {
      return connections
    },
    get requests() {
      return requests
    },
    get active() {
      return active
    },
    close() {
      closing ??= new Promise<void>(resolve => {
        server.close(() => resolve())
        // close() alone waits for keep-alive sockets to idle out; tests should not wait 5 s for that.
        server.closeAllConnections()
      })
      return closing
    },
  }
}

/** Starts a server whose close() is registered as the test's teardown: `const bin = await httpbinFor(t)`. */
export async function httpbinFor(
  t: { teardown(fn: () => Promise<void> | void): void },
  options: HttpbinOptions = {},
): Promise<HttpbinServer> {
  const server = await startHttpbin(options)
  t.teardown(() => server.close())
  return server
}
