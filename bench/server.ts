// The benchmark's own HTTP/1.1 server, run in a child process of its own (forked by
// bench/clients.ts): a `net` server on 127.0.0.1 that does as little as a server can, so the
// client suite measures clients, not this. Keep-alive always; request heads found with indexOf;
// Content-Length request bodies skipped (counted, never buffered); answers chosen by path from
// responses built once at start-up:
//
//   GET  /small   200, 100-byte body
//   POST /post    200, 100-byte body that starts with "received <n> bytes" (n: the request body)
//   GET  /1m      200, 1 MiB body, head and body in one write
//   GET  /64m     200, 64 MiB body written in 64 KiB chunks, waiting for 'drain' when told to
//   GET  /chunked 200, Transfer-Encoding: chunked, 16 chunks of 1 KiB, head and body in one write
//   GET  /gzip    200, Content-Encoding: gzip, ~16 KiB of JSON gzipped once at start-up (whatever
//                 Accept-Encoding says: every client here accepts gzip)
//   anything else 404
//
// The same handler also listens with TLS (node:tls, test/fixtures/tls/server.pem, valid for
// 127.0.0.1 and signed by ca.pem) on a second port, for the HTTPS scenario.
//
// Protocol with the parent (IPC): the server sends `{ port, tlsPort }` once listening. The parent sends
// `{ type: 'mark' }` before a round and `{ type: 'stats' }` after it; the answer counts what the
// server saw since the mark: requests, request-body bytes, and connections that carried at least
// one request (how many sockets the client really used). The server exits when the IPC channel
// closes, so it never outlives the bench, whatever happened to the parent.

import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { bodyOf, chunkedBody, gzipJson, KiB, MiB } from './bodies.js'

/** A request head longer than this is refused (the clients send ~100 bytes). */
const MAX_HEAD = 16 * KiB

function head(status: string, length: number, type = 'application/octet-stream', extra = ''): string {
  return `HTTP/1.1 ${status}\r\nServer: reqwire-bench\r\nContent-Type: ${type}\r\n${extra}Content-Length: ${length}\r\n\r\n`
}

function response(status: string, body: Buffer, type?: string, extra?: string): Buffer {
  return Buffer.concat([Buffer.from(head(status, body.length, type, extra), 'latin1'), body])
}

const SMALL = response('200 OK', bodyOf(100), 'text/plain')
const ONE_MIB = response('200 OK', bodyOf(MiB))
const NOT_FOUND = response('404 Not Found', Buffer.from('not found\n'), 'text/plain')
const BAD_REQUEST = response('400 Bad Request', Buffer.from('bad request\n'), 'text/plain')
const STREAM_CHUNK = bodyOf(64 * KiB)
const STREAM_CHUNKS = 1024 // 64 MiB
const STREAM_HEAD = Buffer.from(head('200 OK', STREAM_CHUNK.length * STREAM_CHUNKS), 'latin1')
const CHUNKED = Buffer.concat([
  Buffer.from('HTTP/1.1 200 OK\r\nServer: reqwire-bench\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1'),
  chunkedBody(),
])
const GZIP = response('200 OK', gzipJson().encoded, 'application/json', 'Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n')

/** `/post`'s answer for a body of n bytes, built once per size. */
const postAnswers = new Map<number, Buffer>()
function postAnswer(received: number): Buffer {
  let answer = postAnswers.get(received)
  if (answer === undefined) {
    answer = response('200 OK', Buffer.from(`received ${received} bytes`.padEnd(100, '.'), 'latin1'), 'text/plain')
    postAnswers.set(received, answer)
  }
  return answer
}

/** Writes the answer; calls `done` when the connection may read the next request. */
type Writer = (socket: Socket, done: () => void) => void

function writeStream(socket: Socket, done: () => void): void {
  let sent = 0
  const pump = (): void => {
    while (sent < STREAM_CHUNKS) {
      sent++
      if (!socket.write(STREAM_CHUNK)) {
        socket.once('drain', pump)
        return
      }
    }
    done()
  }
  if (socket.write(STREAM_HEAD)) pump()
  else socket.once('drain', pump)
}

type Route = Buffer | Writer

/** Keyed by `METHOD path`. */
const ROUTES = new Map<string, Route>([
  ['GET /small', SMALL],
  ['GET /1m', ONE_MIB],
  ['GET /64m', writeStream],
  ['GET /chunked', CHUNKED],
  ['GET /gzip', GZIP],
])

// ── What the parent asks about ───────────────────────────────────────────────────────────────

let epoch = 0
let requests = 0
let bodyBytes = 0
let usedConnections = 0

process.on('message', (message: { type?: string }) => {
  if (message.type === 'mark') {
    epoch++
    requests = 0
    bodyBytes = 0
    usedConnections = 0
    process.send?.({ type: 'marked' })
  } else if (message.type === 'stats') {
    process.send?.({ type: 'stats', requests, bodyBytes, connections: usedConnections })
  }
})
process.on('disconnect', () => process.exit(0))

// ── One connection ───────────────────────────────────────────────────────────────────────────

class Connection {
  /** Bytes received and not yet consumed (a partial head). */
  private pending: Buffer | null = null
  /** Request-body bytes still to skip before the next head. */
  private skip = 0
  private skipped = 0
  /** The request whose body is being skipped, answered when the body is complete. */
  private awaiting: string | null = null
  /** An answer is being streamed: later requests wait in `pending`. */
  private writing = false
  private epoch = -1

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => socket.destroy())
  }

  private onData(chunk: Buffer): void {
    if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, chunk])
      this.pending = null
    }
    this.consume(chunk, 0)
  }

  private consume(buf: Buffer, at: number): void {
    while (at < buf.length) {
      if (this.writing) {
        this.pending = buf.subarray(at)
        return
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - at)
        this.skip -= n
        this.skipped += n
        bodyBytes += n
        at += n
        if (this.skip === 0) this.answer(this.awaiting!, this.skipped)
        continue
      }
      const end = buf.indexOf('\r\n\r\n', at, 'latin1')
      if (end === -1) {
        if (buf.length - at > MAX_HEAD) return this.refuse()
        this.pending = buf.subarray(at)
        return
      }
      const text = buf.toString('latin1', at, end + 2)
      at = end + 4
      const sp1 = text.indexOf(' ')
      const sp2 = text.indexOf(' ', sp1 + 1)
      if (sp1 <= 0 || sp2 === -1) return this.refuse()
      const key = text.slice(0, sp2)
      this.count()
      const lower = text.toLowerCase()
      if (lower.includes('\r\ntransfer-encoding:')) return this.refuse() // no client here sends chunked
      const cl = lower.indexOf('\r\ncontent-length:')
      const length = cl === -1 ? 0 : Number.parseInt(lower.slice(cl + 17, lower.indexOf('\r\n', cl + 17)).trim(), 10)
      if (!Number.isSafeInteger(length) || length < 0) return this.refuse()
      if (length > 0) {
        this.skip = length
        this.skipped = 0
        this.awaiting = key
        continue
      }
      this.answer(key, 0)
    }
  }

  private count(): void {
    requests++
    if (this.epoch !== epoch) {
      this.epoch = epoch
      usedConnections++
    }
  }

  private answer(key: string, received: number): void {
    this.awaiting = null
    if (key === 'POST /post') {
      this.socket.write(postAnswer(received))
      return
    }
    const route = ROUTES.get(key) ?? NOT_FOUND
    if (Buffer.isBuffer(route)) {
      this.socket.write(route)
      return
    }
    this.writing = true
    route(this.socket, () => {
      this.writing = false
      const rest = this.pending
      this.pending = null
      if (rest !== null) this.consume(rest, 0)
    })
  }

  private refuse(): void {
    this.pending = null
    this.socket.end(BAD_REQUEST)
  }
}

/** test/fixtures/tls/ in the source tree, whether this file runs from bench/ or .build/bench/. */
function tlsFixture(name: string): Buffer {
  for (const candidate of ['../../test/fixtures/tls/', '../test/fixtures/tls/']) {
    const path = fileURLToPath(new URL(candidate + name, import.meta.url))
    if (existsSync(path)) return readFileSync(path)
  }
  throw new Error(`test/fixtures/tls/${name} not found (bash test/fixtures/make-certs.sh makes it)`)
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => {
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') throw new Error('server has no port')
      resolve(address.port)
    })
  })
}

const server = createServer({ noDelay: true }, (socket) => new Connection(socket))
// The TLS listener hands its decrypted sockets to the same Connection: one handler, two schemes.
const tlsServer = createTlsServer({ cert: tlsFixture('server.pem'), key: tlsFixture('server.key'), noDelay: true }, (socket) => new Connection(socket))
tlsServer.on('tlsClientError', () => {}) // a client that gives up mid-handshake is the client's failure
const [port, tlsPort] = await Promise.all([listen(server), listen(tlsServer)])
process.send?.({ type: 'listening', port, tlsPort })
