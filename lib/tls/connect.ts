// Opens a TLS connection to an origin: SNI with the host name (never an IP literal, RFC 6066
// §3), ALPN offering only http/1.1, the certificate and host name verified unless asked not to,
// a cached secure context, and the origin's last TLS session offered for resumption.

import { isIP, type LookupFunction } from 'node:net'
import type { Duplex } from 'node:stream'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import { SecureContextCache, SessionCache, materialId, type ContextMaterial } from './context.js'

export interface TlsConnectOptions extends ContextMaterial {
  readonly host: string
  readonly port: number
  /** Verify the certificate chain and host name (default true). */
  readonly verify?: boolean
  /** The name to send as SNI and to verify; defaults to `host`. */
  readonly servername?: string
  /** Key under which this origin's TLS session is remembered (the pool key). */
  readonly sessionKey: string
  readonly lookup?: LookupFunction
  /** An established stream to run TLS over (a CONNECT tunnel) instead of dialing. */
  readonly over?: Duplex
}

const contexts = new SecureContextCache()
const sessions = new SessionCache()

/** A TLS identity for pool keys: verification, CA, client certificate and servername. */
export function tlsIdentity(options: ContextMaterial & { verify?: boolean; servername?: string }): string {
  return `${options.verify === false ? 'noverify' : 'verify'}/${materialId(options)}/${options.servername ?? ''}`
}

/** Starts the handshake; the socket emits 'secureConnect' or 'error'. */
export function connectTls(options: TlsConnectOptions): TLSSocket {
  const name = options.servername ?? options.host
  const bare = name.startsWith('[') ? name.slice(1, -1) : name
  // tls.connect hands net options (autoSelectFamily) through to net.connect; its type omits them.
  const tlsOptions: ConnectionOptions & { autoSelectFamily?: boolean } = {
    host: options.host,
    port: options.port,
    servername: isIP(bare) === 0 ? bare : undefined,
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: options.verify !== false,
    secureContext: contexts.get(options),
    session: sessions.get(options.sessionKey),
    lookup: options.lookup,
    autoSelectFamily: true,
  }
  if (options.over !== undefined) tlsOptions.socket = options.over
  const socket = tlsConnect(tlsOptions)
  socket.on('session', (session: Buffer) => sessions.set(options.sessionKey, session))
  return socket
}

/** Forgets an origin's session, e.g. after a handshake failure. */
export function forgetSession(sessionKey: string): void {
  sessions.delete(sessionKey)
}

/** Builds (and caches) the context now, so a bad key or passphrase fails before connecting. */
export function checkMaterial(material: ContextMaterial): void {
  contexts.get(material)
}
