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
//   anything else 404
//
// A chunked and a gzip response come with later issues: add their paths to ROUTES (a `Route`
// can be a fixed buffer or a writer of its own, like /64m) and their workloads to clients.ts.
//
// Protocol with the parent (IPC): the server sends `{ port }` once listening. The parent sends
// `{ type: 'mark' }` before a round and `{ type: 'stats' }` after it; the answer counts what the
// server saw since the mark: requests, request-body bytes, and connections that carried at least
// one request (how many sockets the client really used). The server exits when the IPC channel
// closes, so it never outlives the bench, whatever happened to the parent.

import { createServer, type Socket } from 'node:net'

const KiB = 1024
const MiB = 1024 * KiB

/** A request head longer than this is refused (the clients send ~100 bytes). */
const MAX_HEAD = 16 * KiB

/** Bytes that vary by offset, so a client that mixed up two responses would not go unseen. */
function bodyOf(length: number): Buffer {
  const body = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) body[i] = 0x61 + (i % 26)
  return body
}

function head(status: string, length: number, type = 'application/octet-stream'): string {
  return `HTTP/1.1 ${status}\r\nServer: reqwire-bench\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`
}

function response(status: string, body: Buffer, type?: string): Buffer {
  return Buffer.concat([Buffer.from(head(status, body.length, type), 'latin1'), body])
}

const SMALL = response('200 OK', bodyOf(100), 'text/plain')
const ONE_MIB = response('200 OK', bodyOf(MiB))
const NOT_FOUND = response('404 Not Found', Buffer.from('not found\n'), 'text/plain')
const BAD_REQUEST = response('400 Bad Request', Buffer.from('bad request\n'), 'text/plain')
const STREAM_CHUNK = bodyOf(64 * KiB)
const STREAM_CHUNKS = 1024 // 64 MiB
const STREAM_HEAD = Buffer.from(head('200 OK', STREAM_CHUNK.length * STREAM_CHUNKS), 'latin1')

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

const server = createServer({ noDelay: true }, (socket) => new Connection(socket))
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('server has no port')
  process.send?.({ type: 'listening', port: address.port })
})
