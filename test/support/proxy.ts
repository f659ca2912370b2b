// A small HTTP proxy for tests: forwards absolute-form requests (`GET http://host:port/path`) and
// tunnels CONNECT, optionally behind Basic auth or TLS (an https:// proxy), and records what it
// was asked. Loopback only: it never resolves a name, and refuses any other destination with 502.

import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import type { Duplex } from 'node:stream'

export interface StartProxyOptions {
  /** Require `Proxy-Authorization: Basic base64(user:pass)`; otherwise answer 407. */
  auth?: { user: string; pass: string }
  /** Serve TLS with this certificate: an https:// proxy. */
  tls?: { cert: Buffer; key: Buffer }
  /** Answer every CONNECT with this status (407, 403, 502 …) instead of tunnelling. */
  connectStatus?: number
  /** Accept connections and read requests, never answer anything. */
  silent?: boolean
  /**
   * Maps a name to an address (secure.example → 127.0.0.1); throw to refuse it. Without it only
   * IP literals and `localhost` are accepted. Whatever the answer, only loopback addresses are
   * connected to; anything else is answered 502.
   */
  lookup?: (host: string) => string
}

export interface ProxiedRequest {
  method: string
  /** The request-target as sent: absolute-form for a well-behaved client. */
  target: string
  /** Lower-case names; a field sent more than once is an array, in order. */
  headers: Record<string, string | string[]>
}

export interface ProxiedTunnel {
  /** The CONNECT's authority-form target, `host:port`. */
  authority: string
  headers: Record<string, string | string[]>
}

export interface TestProxy {
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  url: string
  port: number
  /** Every absolute-form (non-CONNECT) request, answered or not, in arrival order. */
  requests: ProxiedRequest[]
  /** Every CONNECT, tunnelled or refused, in arrival order. */
  tunnels: ProxiedTunnel[]
  /** TCP connections accepted so far. */
  readonly connections: number
  /** Stops listening and destroys every socket it holds, both towards clients and origins. */
  close(): Promise<void>
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus the proxy-only ones a proxy consumes: a real proxy does
// not pass these on, so neither does this one (tests rely on the origin never seeing
// Proxy-Authorization). Expect is answered here (node's server sends the 100 itself).
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect',
])

function headerRecord(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    const had = out[name]
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
  }
  return out
}

/**
 * The fields to pass on, names as sent (the first spelling), without hop-by-hop ones and those
 * `Connection` names; a repeated field is an array (node:http writes one line per item).
 */
function endToEnd(raw: readonly string[]): Record<string, string | string[]> {
  const drop = new Set(HOP_BY_HOP)
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'connection') {
      for (const token of (raw[i + 1] as string).split(',')) drop.add(token.trim().toLowerCase())
    }
  }
  const out: Record<string, string | string[]> = {}
  const names = new Map<string, string>()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase()
    if (drop.has(lower)) continue
    const name = names.get(lower) ?? (raw[i] as string)
    names.set(lower, name)
    const value = raw[i + 1] as string
    const had = out[name]
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
  }
  return out
}

function isLoopback(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('127.')
  const a = address.toLowerCase()
  return a === '::1' || a === '0:0:0:0:0:0:0:1' || (a.startsWith('::ffff:') && a.slice(7).startsWith('127.') && net.isIPv4(a.slice(7)))
}

/** `host:port` or `[v6]:port` → its parts; null when it is not one. */
function splitAuthority(authority: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(authority)
  if (m === null) return null
  const port = Number(m[3])
  if (port < 1 || port > 65535) return null
  return { host: (m[1] ?? m[2]) as string, port }
}

function statusText(status: number): string {
  return http.STATUS_CODES[status] ?? 'Unknown'
}

export async function startProxy(options: StartProxyOptions = {}): Promise<TestProxy> {
  const requests: ProxiedRequest[] = []
  const tunnels: ProxiedTunnel[] = []
  const sockets = new Set<Duplex>()
  const agent = new http.Agent({ keepAlive: true })
  let connections = 0

  const track = (socket: Duplex): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }

  const expected = options.auth === undefined ? null : Buffer.from(`${options.auth.user}:${options.auth.pass}`, 'utf8').toString('base64')
  const authorized = (headers: Record<string, string | string[]>): boolean => {
    if (expected === null) return true
    const value = headers['proxy-authorization']
    if (typeof value !== 'string') return false // missing, or sent twice
    const m = /^basic +(\S+)\s*$/i.exec(value)
    return m !== null && m[1] === expected
  }

  /** The loopback address to connect to for `host`, or null to refuse it (never a DNS query). */
  const route = (host: string): string | null => {
    const name = host.toLowerCase()
    let address: string | null = null
    if (net.isIP(name) !== 0) address = name
    else if (options.lookup !== undefined) {
      try {
        address = options.lookup(name)
      } catch {
        address = null
      }
    } else if (name === 'localhost') address = '127.0.0.1'
    return address !== null && isLoopback(address) ? address : null
  }

  const server: http.Server = options.tls === undefined
    ? http.createServer({ requestTimeout: 0 })
    : https.createServer({ requestTimeout: 0, cert: options.tls.cert, key: options.tls.key })

  server.on('connection', (socket: net.Socket) => {
    connections++
    track(socket)
  })
  // The TLS socket an https server makes over each TCP socket is tracked too: destroying the TCP
  // socket beneath it is not enough to close it cleanly.
  server.on('secureConnection', (socket: Duplex) => track(socket))
  server.on('clientError', (_err: Error, socket: Duplex) => socket.destroy())

  // Absolute-form requests.
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = headerRecord(req.rawHeaders)
    requests.push({ method: req.method ?? '', target: req.url ?? '', headers })
    if (options.silent === true) return
    const reply = (status: number, text: string, extra: Record<string, string> = {}): void => {
      const body = Buffer.from(`${text}\n`)
      res.writeHead(status, statusText(status), { ...extra, 'Content-Type': 'text/plain', 'Content-Length': String(body.length) })
      res.end(body)
    }
    if (!authorized(headers)) {
      reply(407, 'test proxy: authentication required', { 'Proxy-Authenticate': 'Basic realm="test"' })
      return
    }
    const m = /^http:\/\/([^/?#]*)(.*)$/i.exec(req.url ?? '')
    if (m === null) {
      reply(400, 'test proxy: only absolute-form http:// requests are forwarded (https goes through CONNECT)')
      return
    }
    const authority = m[1] as string
    const target = splitAuthority(authority.includes(':') && !authority.endsWith(']') ? authority : `${authority}:80`)
    if (target === null) {
      reply(400, 'test proxy: bad authority in the request-target')
      return
    }
    const address = route(target.host)
    if (address === null) {
      reply(502, `test proxy: refusing to connect to ${target.host} (loopback only)`)
      return
    }
    let path = m[2] as string
    if (!path.startsWith('/')) path = '/' + path
    // RFC 9112 §3.2.2: a proxy ignores the Host field of an absolute-form request and sends the
    // target's authority instead. What the client sent stays in `requests` for tests to check.
    const outgoing = endToEnd(req.rawHeaders)
    for (const name of Object.keys(outgoing)) if (name.toLowerCase() === 'host') delete outgoing[name]
    outgoing.Host = authority
    // A real proxy adds Via (RFC 9110 §7.6.3); tests can see the request came through here.
    outgoing.Via = '1.1 reqwire-test-proxy'
    const upstream = http.request({ host: address, port: target.port, method: req.method, path, headers: outgoing, agent, setHost: false })
    upstream.on('socket', (socket) => track(socket))
    upstream.on('response', (up: http.IncomingMessage) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.rawHeaders))
      up.pipe(res)
      up.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (!res.headersSent) reply(502, 'test proxy: the origin failed')
      else res.destroy()
    })
    // The client went away before the answer was complete: so does the origin connection.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })

  // CONNECT tunnels.
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client)
    const headers = headerRecord(req.rawHeaders)
    const authority = req.url ?? ''
    tunnels.push({ authority, headers })
    client.on('error', () => client.destroy())
    if (options.silent === true) return
    const refuse = (status: number, text: string, extra = ''): void => {
      const body = `${text}\n`
      client.write(`HTTP/1.1 ${status} ${statusText(status)}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      // Whatever the client sent after the CONNECT is read and dropped, so that closing does not
      // turn into a reset that could destroy the answer before the client reads it.
      client.resume()
      client.end()
    }
    if (options.connectStatus !== undefined) {
      const status = options.connectStatus
      refuse(status, `test proxy: CONNECT answered ${status}`, status === 407 ? 'Proxy-Authenticate: Basic realm="test"\r\n' : '')
      return
    }
    if (!authorized(headers)) {
      refuse(407, 'test proxy: authentication required', 'Proxy-Authenticate: Basic realm="test"\r\n')
      return
    }
    const target = splitAuthority(authority)
    if (target === null) {
      refuse(400, 'test proxy: CONNECT needs host:port')
      return
    }
    const address = route(target.host)
    if (address === null) {
      refuse(502, `test proxy: refusing to connect to ${target.host} (loopback only)`)
      return
    }
    const upstream = net.connect({ host: address, port: target.port })
    track(upstream)
    let established = false
    upstream.once('connect', () => {
      established = true
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => {
      if (!established) refuse(502, 'test proxy: could not connect to the origin')
      else client.destroy()
    })
    upstream.on('close', () => {
      if (established) client.destroy()
    })
    client.on('close', () => upstream.destroy())
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as net.AddressInfo).port

  let closing: Promise<void> | null = null
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    requests,
    tunnels,
    get connections() {
      return connections
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
        agent.destroy()
      })
      return closing
    },
  }
}
