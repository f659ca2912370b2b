// A CONNECT tunnel through an HTTP proxy (RFC 9110 §9.3.6): on a socket already open to the
// proxy, ask for a byte stream to `host:port`, and read the proxy's answer with the same parser
// that reads every response. Only a 2xx opens the tunnel; anything else is the proxy's refusal,
// and not one byte of the origin's request (nor a TLS handshake) ever follows it.

import type { Socket } from 'node:net'
import { ProxyError } from '../errors.js'
import { authorityForm, ResponseParser, serializeHead, type ResponseHead } from '../http1/index.js'

export interface TunnelRequest {
  /** The origin to reach through the proxy. */
  readonly hostname: string
  readonly port: number
  /** `Basic …`, sent to the proxy on the CONNECT only, never inside the tunnel. */
  readonly authorization?: string
  /** The proxy, without credentials, for messages. */
  readonly proxy: string
}

/**
 * Sends CONNECT on `socket` and resolves with the same socket once the proxy answered 2xx: from
 * then on its bytes are the origin's. Rejects with ProxyError (carrying the status) on any other
 * answer, a malformed one, or a proxy that hangs up. The caller owns timeouts and cancellation
 * (destroying the socket rejects this with the error the socket emits).
 */
export function openTunnel(socket: Socket, request: TunnelRequest): Promise<Socket> {
  const authority = authorityForm(request.hostname, request.port)
  const fields = request.authorization === undefined ? [] : ['Proxy-Authorization', request.authorization]
  // RFC 9112 §3.2.3: authority-form target, and Host with the same authority.
  const head = serializeHead({ method: 'CONNECT', target: authority, host: authority, headers: fields })
  const where = `CONNECT ${authority} via ${request.proxy}`

  return new Promise<Socket>((resolve, reject) => {
    let answer: ResponseHead | null = null
    let settled = false
    const finish = (error: Error | null, leftover?: Buffer | null): void => {
      if (settled) return
      settled = true
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (error !== null) {
        socket.destroy()
        reject(error)
        return
      }
      // In TLS the client speaks first, so nothing of the origin's can precede our ClientHello:
      // bytes after the proxy's 2xx are the proxy's mistake, and TLS must not start on them.
      if (leftover !== null && leftover !== undefined && leftover.length > 0) {
        socket.destroy()
        reject(new ProxyError(`the proxy sent ${leftover.length} bytes after its answer to CONNECT, before the TLS handshake (${where})`, { phase: 'connect', code: 'PROXY_BAD_ANSWER' }))
        return
      }
      // Stop the flow our 'data' listener started; TLS takes the socket over from here.
      socket.pause()
      resolve(socket)
    }
    const refused = (status: number, reason: string): ProxyError =>
      new ProxyError(`the proxy refused the tunnel: ${status} ${reason} (${where})`, { phase: 'connect', code: `PROXY_${status}`, status })

    const parser = new ResponseParser({
      onInterim() {},
      onHead(h) {
        answer = h
        // A refusal may carry a body (a 407 page); it is not read: the connection is given up.
        if (h.status < 200 || h.status >= 300) finish(refused(h.status, h.reason))
      },
      onData() {},
      onEnd(end) {
        if (answer !== null && answer.status >= 200 && answer.status < 300) finish(null, end.tunnel)
      },
    })
    parser.expect({ method: 'CONNECT' })

    const onData = (chunk: Buffer): void => {
      try {
        parser.receive(chunk)
      } catch (err) {
        finish(new ProxyError(`the proxy's answer to CONNECT is not valid HTTP: ${(err as Error).message} (${where})`, { phase: 'connect', code: 'PROXY_BAD_ANSWER', cause: err }))
      }
    }
    const onEnd = (): void => finish(new ProxyError(`the proxy closed the connection before answering CONNECT (${where})`, { phase: 'connect', code: 'PROXY_CLOSED' }))
    const onError = (err: Error): void => finish(err)
    const onClose = (): void => finish(new ProxyError(`the proxy connection closed before the tunnel opened (${where})`, { phase: 'connect', code: 'PROXY_CLOSED' }))
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onError)
    socket.once('close', onClose)
    socket.write(head)
  })
}
