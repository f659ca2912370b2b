// A scripted raw `net` server on 127.0.0.1 for transport tests. It reads requests just enough to
// split them (head up to CRLFCRLF, then a Content-Length or chunked body), records every byte it
// was sent and on which connection, and lets the test answer each request with exact bytes: write
// half a head, stall, end (FIN), or reset (RST) the socket at the moment it chooses.
//
// Loopback only. Everything it opens is destroyed by close().

import * as net from 'node:net'
import { EventEmitter } from 'node:events'
import type { Origin } from '../../lib/pool/types.js'

/** One request as the server read it off the wire. */
export interface RawRequest {
  /** 0-based arrival order over the whole server. */
  readonly index: number
  /** 1-based number of the connection it arrived on (in accept order). */
  readonly connection: number
  /** 0-based position among the requests of that connection. */
  readonly indexOnConnection: number
  readonly method: string
  readonly target: string
  readonly version: string
  /** The head exactly as received, up to and including the blank line. */
  readonly head: Buffer
  /** Field lines as [name, value] pairs, names as sent. */
  readonly headers: readonly (readonly [string, string])[]
  /** The body, de-chunked when it was sent chunked. Empty until `complete`. */
  body: Buffer
  /** True when the body came with Transfer-Encoding: chunked. */
  readonly chunked: boolean
  /** True once the whole body has arrived. */
  complete: boolean
  /** How many socket `data` events carried bytes of this request (head and body). */
  packets: number
  /** True when it arrived after the server had ended or reset its side: it was never answered. */
  readonly afterClose: boolean
  /** The value of a field (case-insensitive; the first one when repeated). */
  header(name: string): string | undefined
}

/** What a handler is told about the connection a request arrived on. */
export interface RawContext {
  readonly server: RawServer
  readonly connection: RawConnection
  /**
   * Only in `onHead`: the request was answered there (a final status to an `Expect:
   * 100-continue`), so it has no body and the handler is not called. Bytes that follow are read
   * as the next request.
   */
  skipBody(): void
}

/** One accepted connection. */
export interface RawConnection {
  /** 1-based, in accept order. */
  readonly id: number
  readonly socket: net.Socket
  /** Every byte received on it, in order. */
  readonly received: Buffer[]
  readonly bytesReceived: number
  readonly requests: RawRequest[]
  /** True once the socket has closed. */
  readonly closed: boolean
  /** True once the server ended or reset its side (the handler did, or close()). */
  readonly serverClosed: boolean
  /** Resolves when the socket has closed. */
  readonly whenClosed: Promise<void>
}

export type RawHandler = (req: RawRequest, socket: net.Socket, ctx: RawContext) => void | Promise<void>

export interface RawServerOptions {
  /** Answers each complete request. Default: 200 with body "ok", keep-alive. */
  handler?: RawHandler
  /** Called when a head has been read, before its body is waited for (Expect: 100-continue). */
  onHead?: RawHandler
  /** Called for each accepted connection before any byte is read from it. */
  onConnection?: (socket: net.Socket, connection: RawConnection) => void
  /** Listen on this address (default 127.0.0.1). */
  host?: '127.0.0.1' | '::1'
}

export interface RawServer {
  readonly port: number
  readonly host: string
  /** The origin to give the pool: http, the server's IP literal and port. */
  readonly origin: Origin
  /** Every request, in arrival order. */
  readonly requests: RawRequest[]
  /** Every connection accepted, in accept order (`connections[0].id === 1`). */
  readonly connections: RawConnection[]
  /** Connections accepted so far. */
  readonly accepted: number
  /** Connections currently open. */
  readonly open: number
  /** Input that could not be read as a request (a garbled request line, a bad chunk size). */
  readonly garbage: { connection: number; bytes: Buffer }[]
  /**
   * Emits 'connection' (RawConnection), 'request' (RawRequest, once its head is read), 'complete'
   * (RawRequest, once its body is read and the handler called) and 'close' (RawConnection).
   */
  readonly events: EventEmitter
  /** Resolves once `predicate` holds, checked after each server event and every 10 ms; rejects after `ms`. */
  waitFor(predicate: () => boolean, ms?: number, what?: string): Promise<void>
  /** Resolves with the next request to arrive (or one already waiting beyond `seen`). */
  nextRequest(ms?: number): Promise<RawRequest>
  /** Stops listening and destroys every socket. */
  close(): Promise<void>
}

const MAX_HEAD = 64 * 1024
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

/** The default handler: 200 "ok", keep-alive. */
export const answerOk: RawHandler = (_req, socket) => {
  socket.write(OK)
}

/** Bytes of a response with a Content-Length body and the given extra header lines. */
export function response(status: number, body: string | Buffer = '', headers: string[] = []): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body
  const reason = status === 200 ? 'OK' : 'Status'
  const head = [`HTTP/1.1 ${status} ${reason}`, `Content-Length: ${payload.length}`, ...headers, '', ''].join('\r\n')
  return Buffer.concat([Buffer.from(head, 'latin1'), payload])
}

/** Bytes of a chunked response: one chunk per element, then the last chunk and the trailers. */
export function chunkedResponse(status: number, chunks: (string | Buffer)[], trailers: string[] = [], headers: string[] = []): Buffer {
  const parts: Buffer[] = [Buffer.from([`HTTP/1.1 ${status} OK`, 'Transfer-Encoding: chunked', ...headers, '', ''].join('\r\n'), 'latin1')]
  for (const chunk of chunks) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (data.length === 0) continue
    parts.push(Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(['0', ...trailers, '', ''].join('\r\n'), 'latin1'))
  return Buffer.concat(parts)
}

/** Ends (FIN) or resets (RST) a server socket and marks its connection as closed by the server. */
export function hangUp(socket: net.Socket, how: 'fin' | 'rst' = 'fin'): void {
  markServerClosed(socket)
  if (how === 'rst') socket.resetAndDestroy()
  else socket.end()
}

const serverClosedSockets = new WeakSet<net.Socket>()
function markServerClosed(socket: net.Socket): void {
  serverClosedSockets.add(socket)
}

type BodyState =
  | { kind: 'none' }
  | { kind: 'length'; remaining: number; parts: Buffer[] }
  | { kind: 'chunked'; parts: Buffer[] }

/** Starts a raw server on an ephemeral loopback port. */
export async function startRawServer(options: RawServerOptions = {}): Promise<RawServer> {
  const handler = options.handler ?? answerOk
  const host = options.host ?? '127.0.0.1'
  const events = new EventEmitter()
  const requests: RawRequest[] = []
  const connections: RawConnection[] = []
  const garbage: { connection: number; bytes: Buffer }[] = []
  const sockets = new Set<net.Socket>()
  let open = 0
  let raw: RawServer | undefined

  const server = net.createServer(socket => {
    open++
    sockets.add(socket)
    socket.setNoDelay(true)
    const received: Buffer[] = []
    const connRequests: RawRequest[] = []
    let bytesReceived = 0
    let closed = false
    // Not events.once: that would reject on the socket's 'error', which tests provoke on purpose.
    const whenClosed = new Promise<void>(resolve => socket.once('close', () => resolve()))
    const connection: RawConnection = {
      id: connections.length + 1,
      socket,
      received,
      get bytesReceived () { return bytesReceived },
      requests: connRequests,
      get closed () { return closed },
      get serverClosed () { return serverClosedSockets.has(socket) },
      whenClosed,
    }
    connections.push(connection)
    socket.on('error', () => { /* clients reset connections in these tests */ })
    socket.on('close', () => {
      closed = true
      open--
      sockets.delete(socket)
      events.emit('close', connection)
    })
    // A server that ended its side reads on but never answers what follows. Node calls end()
    // and destroy() itself once the client has ended or reset the connection; only calls made
    // while the client's side is still open, without an error, count as the server hanging up.
    const serverSide = (error?: unknown): boolean => error === undefined && !socket.readableEnded && !socket.destroyed
    const originalEnd = socket.end.bind(socket)
    socket.end = ((...args: Parameters<net.Socket['end']>) => {
      if (serverSide()) markServerClosed(socket)
      return originalEnd(...args)
    }) as net.Socket['end']
    const originalReset = socket.resetAndDestroy.bind(socket)
    socket.resetAndDestroy = () => {
      if (serverSide()) markServerClosed(socket)
      return originalReset()
    }
    const originalDestroy = socket.destroy.bind(socket)
    socket.destroy = ((error?: Error) => {
      if (serverSide(error)) markServerClosed(socket)
      return originalDestroy(error)
    }) as net.Socket['destroy']

    let buffer: Buffer = Buffer.alloc(0)
    let current: { req: RawRequestImpl; body: BodyState } | undefined
    let skip = false
    const ctx: RawContext = {
      get server () { return raw as RawServer },
      connection,
      skipBody () { skip = true },
    }

    const finish = (req: RawRequestImpl): void => {
      req.complete = true
      current = undefined
      if (!req.afterClose && !serverClosedSockets.has(socket)) {
        // Called synchronously, so that whoever waits for a request finds it already handled.
        try {
          const result = handler(req, socket, ctx)
          if (result instanceof Promise) result.catch(err => { socket.destroy(err as Error) })
        } catch (err) {
          socket.destroy(err as Error)
        }
      }
      events.emit('complete', req)
    }

    const pump = (): void => {
      for (;;) {
        if (current === undefined) {
          if (buffer.length === 0) return
          const end = buffer.indexOf('\r\n\r\n')
          if (end === -1) {
            if (buffer.length > MAX_HEAD) {
              garbage.push({ connection: connection.id, bytes: buffer })
              buffer = Buffer.alloc(0)
            }
            return
          }
          const head = Buffer.from(buffer.subarray(0, end + 4))
          buffer = buffer.subarray(end + 4)
          const req = parseHead(head, {
            index: requests.length,
            connection: connection.id,
            indexOnConnection: connRequests.length,
            afterClose: serverClosedSockets.has(socket),
          })
          if (req === undefined) {
            garbage.push({ connection: connection.id, bytes: head })
            continue
          }
          req.packets = 1
          requests.push(req)
          connRequests.push(req)
          skip = false
          const te = req.header('transfer-encoding')
          const cl = req.header('content-length')
          const body: BodyState = te !== undefined && /chunked\s*$/i.test(te)
            ? { kind: 'chunked', parts: [] }
            : cl !== undefined && Number(cl) > 0
              ? { kind: 'length', remaining: Number(cl), parts: [] }
              : { kind: 'none' }
          current = { req, body }
          events.emit('request', req)
          if (options.onHead !== undefined && !req.afterClose) {
            try {
              void options.onHead(req, socket, ctx)
            } catch (err) {
              socket.destroy(err as Error)
              return
            }
          }
          if (skip) {
            // onHead answered already: no body follows and the handler is not called.
            req.complete = true
            current = undefined
            events.emit('complete', req)
            continue
          }
          if (current.body.kind === 'none') {
            finish(req)
            continue
          }
        }
        const { req, body } = current
        if (body.kind === 'length') {
          if (buffer.length === 0) return
          const take = Math.min(body.remaining, buffer.length)
          body.parts.push(Buffer.from(buffer.subarray(0, take)))
          buffer = buffer.subarray(take)
          body.remaining -= take
          req.body = Buffer.concat(body.parts)
          if (body.remaining > 0) return
          finish(req)
          continue
        }
        if (body.kind === 'chunked') {
          const line = buffer.indexOf('\r\n')
          if (line === -1) return
          const size = parseInt(buffer.subarray(0, line).toString('latin1').split(';')[0] ?? '', 16)
          if (Number.isNaN(size)) {
            garbage.push({ connection: connection.id, bytes: buffer })
            buffer = Buffer.alloc(0)
            current = undefined
            return
          }
          if (size === 0) {
            // Trailers end with an empty line; "0\r\n\r\n" when there are none.
            const end = buffer.indexOf('\r\n\r\n', line)
            if (end === line) {
              buffer = buffer.subarray(line + 4)
            } else if (buffer.indexOf('\r\n\r\n') !== -1) {
              buffer = buffer.subarray(buffer.indexOf('\r\n\r\n') + 4)
            } else {
              return
            }
            req.body = Buffer.concat(body.parts)
            finish(req)
            continue
          }
          if (buffer.length < line + 2 + size + 2) return
          body.parts.push(Buffer.from(buffer.subarray(line + 2, line + 2 + size)))
          buffer = buffer.subarray(line + 2 + size + 2)
          req.body = Buffer.concat(body.parts)
          continue
        }
        return
      }
    }

    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      bytesReceived += chunk.length
      if (current !== undefined) current.req.packets++
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      pump()
    })

    events.emit('connection', connection)
    options.onConnection?.(socket, connection)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('raw server has no TCP address')
  const port = address.port

  let seen = 0
  let closing: Promise<void> | undefined
  raw = {
    port,
    host,
    origin: { scheme: 'http', hostname: host, port },
    requests,
    connections,
    get accepted () { return connections.length },
    get open () { return open },
    garbage,
    events,
    waitFor (predicate, ms = 5000, what = 'condition') {
      return waitFor(predicate, ms, what, events)
    },
    async nextRequest (ms = 5000) {
      await waitFor(() => requests.length > seen, ms, 'next request', events)
      const req = requests[seen++]
      if (req === undefined) throw new Error('unreachable: no request after wait')
      return req
    },
    close () {
      closing ??= new Promise<void>(resolve => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
      return closing
    },
  }
  return raw
}

/**
 * Resolves once `predicate()` holds; checks it after every event of `events` (when given) and every
 * 10 ms. Rejects after `ms` so a test that waits for something that never happens fails instead of
 * hanging. Leaves no timer or listener behind.
 */
export function waitFor(predicate: () => boolean, ms = 5000, what = 'condition', events?: EventEmitter): Promise<void> {
  if (predicate()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms
    let timer: NodeJS.Timeout | undefined
    let finished = false
    const done = (err?: Error): void => {
      finished = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (events !== undefined) {
        events.off('connection', check)
        events.off('request', check)
        events.off('complete', check)
        events.off('close', check)
      }
      if (err === undefined) resolve()
      else reject(err)
    }
    function check (): void {
      if (finished) return
      let ok: boolean
      try {
        ok = predicate()
      } catch (err) {
        done(err as Error)
        return
      }
      if (ok) done()
      else if (Date.now() >= deadline) done(new Error(`timed out after ${ms} ms waiting for ${what}`))
    }
    const tick = (): void => {
      timer = undefined
      check()
      if (!finished) timer = setTimeout(tick, 10)
    }
    if (events !== undefined) {
      events.on('connection', check)
      events.on('request', check)
      events.on('complete', check)
      events.on('close', check)
    }
    timer = setTimeout(tick, 10)
  })
}

interface RequestMeta {
  index: number
  connection: number
  indexOnConnection: number
  afterClose: boolean
}

type RawRequestImpl = RawRequest & { body: Buffer; complete: boolean; packets: number }

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d\.\d)$/

function parseHead(head: Buffer, meta: RequestMeta): RawRequestImpl | undefined {
  const lines = head.subarray(0, head.length - 4).toString('latin1').split('\r\n')
  const match = REQUEST_LINE.exec(lines[0] ?? '')
  if (match === null) return undefined
  const headers: [string, string][] = []
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) return undefined
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()])
  }
  return {
    ...meta,
    method: match[1] ?? '',
    target: match[2] ?? '',
    version: match[3] ?? '',
    head,
    headers,
    body: Buffer.alloc(0),
    chunked: headers.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && /chunked\s*$/i.test(value)),
    complete: false,
    packets: 0,
    header (name: string) {
      const lower = name.toLowerCase()
      return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
    },
  }
}
