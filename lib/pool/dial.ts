// Opens the socket a new connection runs on: TCP with every address the lookup gives tried in
// turn (Node's happy-eyeballs `autoSelectFamily`), then TLS for https. Through a proxy: TCP (or
// TLS) to the proxy, and for an https origin a CONNECT tunnel with TLS to the origin inside it.
// It resolves when the socket is ready for a request, and rejects with the error that stopped it.

import { connect as netConnect, type LookupFunction, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { ProxyError } from '../errors.js'
import { connectTls, openTunnel } from '../tls/index.js'
import { translateFailure } from './failures.js'
import type { Origin, ProxyConfig, TlsOptions } from './types.js'

export interface DialOptions {
  readonly origin: Origin
  readonly tls: TlsOptions | undefined
  readonly lookup: LookupFunction | undefined
  /** Remembered TLS sessions are filed under this key. */
  readonly sessionKey: string
  /** Connect through this proxy instead of to the origin. */
  readonly proxy?: ProxyConfig
}

/** A dial in progress: `cancel` stops it (abort, connect timeout), and `ready` then rejects. */
export interface Dialing {
  cancel(): void
  readonly ready: Promise<Socket>
}

export function dial(options: DialOptions): Dialing {
  if (options.proxy !== undefined) return throughProxy(options, options.proxy)
  const { socket, ready } = open(options.origin, options.tls, options.lookup, options.sessionKey)
  return { cancel: () => socket.destroy(), ready }
}

/** TCP, or TLS for an https origin, straight to `origin`. */
function open(origin: Origin, tls: TlsOptions | undefined, lookup: LookupFunction | undefined, sessionKey: string): { socket: Socket; ready: Promise<Socket> } {
  const socket: Socket | TLSSocket =
    origin.scheme === 'https'
      ? connectTls({ host: origin.hostname, port: origin.port, lookup, sessionKey, ...tls })
      : netConnect({ host: origin.hostname, port: origin.port, lookup, autoSelectFamily: true })
  tune(socket)
  return { socket, ready: whenReady(socket, origin.scheme === 'https' ? 'secureConnect' : 'connect') }
}

function whenReady(socket: Socket, readyEvent: 'connect' | 'secureConnect'): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const onReady = (): void => {
      socket.off('error', onError)
      socket.off('close', onClose)
      resolve(socket)
    }
    const onError = (err: Error): void => {
      socket.off(readyEvent, onReady)
      socket.off('close', onClose)
      socket.destroy()
      reject(err)
    }
    const onClose = (): void => {
      socket.off(readyEvent, onReady)
      socket.off('error', onError)
      reject(new Error('socket closed while connecting'))
    }
    socket.once(readyEvent, onReady)
    socket.once('error', onError)
    socket.once('close', onClose)
  })
}

/** Small requests must not wait for Nagle's algorithm; long-lived idle sockets want keep-alive probes. */
function tune(socket: Socket): void {
  socket.setNoDelay(true)
  socket.setKeepAlive(true, 30_000)
}

/**
 * To the proxy first (an https:// proxy is itself reached over TLS, verified with its own
 * options). A plain-http origin is then spoken to through the proxy on that very socket, in
 * absolute-form (the caller builds the target); an https origin gets a CONNECT tunnel and TLS
 * to the origin inside it, with the origin's name and verification.
 */
function throughProxy(options: DialOptions, proxy: ProxyConfig): Dialing {
  const proxyName = `${proxy.origin.scheme}://${proxy.origin.hostname}:${proxy.origin.port}`
  const first = open(proxy.origin, proxy.tls, options.lookup, `proxy|${proxyName}`)
  let current: Socket = first.socket
  let cancelled = false

  const ready = (async (): Promise<Socket> => {
    let proxySocket: Socket
    try {
      proxySocket = await first.ready
    } catch (err) {
      if (cancelled) throw err
      const cause = translateFailure(err, 'connect', `${proxyName}/`)
      // Refused, reset, unresolvable or failed TLS: the proxy, not the origin, is unreachable.
      throw new ProxyError(`could not connect to the proxy ${proxyName}: ${cause.message}`, { phase: 'connect', code: cause.code ?? 'PROXY_UNREACHABLE', cause })
    }
    if (options.origin.scheme === 'http') return proxySocket
    const { hostname, port } = options.origin
    const tunnel = await openTunnel(proxySocket, { hostname, port, authorization: proxy.authorization, proxy: proxyName })
    if (cancelled) {
      tunnel.destroy()
      throw new Error('dial cancelled')
    }
    const secure = connectTls({ host: hostname, port, sessionKey: options.sessionKey, ...options.tls, over: tunnel })
    current = secure
    tune(secure)
    return whenReady(secure, 'secureConnect')
  })()

  return {
    cancel() {
      cancelled = true
      current.destroy()
      first.socket.destroy()
    },
    ready,
  }
}

