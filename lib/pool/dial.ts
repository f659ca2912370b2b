// Opens the socket a new connection runs on: TCP with every address the lookup gives tried in
// turn (Node's happy-eyeballs `autoSelectFamily`), then TLS for https. It resolves when the
// socket is ready for a request, and rejects with a ConnectionError of phase 'connect'.

import { connect as netConnect, type LookupFunction, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { connectTls } from '../tls/index.js'
import type { Origin, TlsOptions } from './types.js'

export interface DialOptions {
  readonly origin: Origin
  readonly tls: TlsOptions | undefined
  readonly lookup: LookupFunction | undefined
  /** Remembered TLS sessions are filed under this key. */
  readonly sessionKey: string
}

/** A dial in progress: `socket` can be destroyed to cancel it (abort, connect timeout). */
export interface Dialing {
  readonly socket: Socket
  readonly ready: Promise<Socket>
}

export function dial(options: DialOptions): Dialing {
  const { origin, tls, lookup } = options
  const socket: Socket | TLSSocket =
    origin.scheme === 'https'
      ? connectTls({ host: origin.hostname, port: origin.port, lookup, sessionKey: options.sessionKey, ...tls })
      : netConnect({ host: origin.hostname, port: origin.port, lookup, autoSelectFamily: true })
  const readyEvent = origin.scheme === 'https' ? 'secureConnect' : 'connect'
  const ready = new Promise<Socket>((resolve, reject) => {
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
  // Small requests must not wait for Nagle's algorithm; long-lived idle sockets want keep-alive probes.
  socket.setNoDelay(true)
  socket.setKeepAlive(true, 30_000)
  return { socket, ready }
}
