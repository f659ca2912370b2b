// Secure sockets for the pool: TLS connect with SNI, verification, cached contexts and session
// resumption. CONNECT tunnels through proxies (tunnel.ts).

export { connectTls, checkMaterial, forgetSession, tlsIdentity, type TlsConnectOptions } from './connect.js'
export { materialId, type ContextMaterial } from './context.js'
export { openTunnel, type TunnelRequest } from './tunnel.js'
