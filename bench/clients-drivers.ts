// The clients the client suite compares, each behind one small shape: make one exchange of the
// workload (status checked, body read to the end the way that client's users read it) and say
// how many body bytes came. Every driver opens the same number of connections, the workload's
// concurrency, and loads its client lazily, so a child process holds one client's code only
// and its peak RSS is that client's.
//
//   reqwire          the Requests API: a Session with an HTTPAdapter of C connections,
//                    `s.get(url)` (content buffered) or `stream: true` + `for await (… of r)`
//   reqwire-pool     PoolManager from lib/pool, `res.body.collect()` or `for await (… of res.body)`
//   undici.request   undici's top-level `request()` through an Agent of C connections,
//                    `body.arrayBuffer()` or `for await (… of body)`
//   node:http        `http.request` through a keep-alive Agent of C sockets, chunks gathered
//                    with Buffer.concat or counted as they come
//   raw-socket       no HTTP client: C sockets, the request serialized once, each answer counted
//                    by its known length (learned from one parsed answer before timing)

import type { Socket } from 'node:net'

/** Where the server listens. Later: a scheme and a CA, for the HTTPS workloads. */
export interface Target {
  readonly host: '127.0.0.1'
  readonly port: number
}

/** What one exchange is. */
export interface Workload {
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** Request body size; 0 for none. */
  readonly requestBytes: number
  /** `buffer`: the body is gathered into one Buffer; `stream`: read chunk by chunk, counted. */
  readonly mode: 'buffer' | 'stream'
  /** Requests in flight, and the connections every client gets. */
  readonly concurrency: number
  /** The response body's length; every exchange is checked against it. */
  readonly responseBytes: number
  /** The start of the body, checked once before timing (when the server's answer is known). */
  readonly expectPrefix?: string
}

export interface Driver {
  /**
   * One exchange. Rejects unless the status is 200; resolves, once the whole body has been
   * read, with its length. `peek` sees the first body chunk (the probe before timing).
   */
  exchange(peek?: (chunk: Buffer) => void): Promise<number>
  close(): Promise<void>
}

export const CLIENTS = ['reqwire', 'reqwire-pool', 'undici.request', 'node:http', 'raw-socket'] as const
export type ClientName = (typeof CLIENTS)[number]

export async function createDriver(client: ClientName, target: Target, workload: Workload): Promise<Driver> {
  switch (client) {
    case 'reqwire':
      return sessionDriver(target, workload)
    case 'reqwire-pool':
      return reqwireDriver(target, workload)
    case 'undici.request':
      return undiciDriver(target, workload)
    case 'node:http':
      return nodeHttpDriver(target, workload)
    case 'raw-socket':
      return rawDriver(target, workload)
  }
}

/** The request body, one Buffer made once: what a caller sending a 1 KiB payload has at hand. */
function requestBody(workload: Workload): Buffer | undefined {
  return workload.requestBytes === 0 ? undefined : Buffer.alloc(workload.requestBytes, 0x78)
}

function badStatus(client: string, status: number): Error {
  return new Error(`${client}: status ${status}, expected 200`)
}

// ── reqwire ──────────────────────────────────────────────────────────────────────────────────

async function sessionDriver(target: Target, workload: Workload): Promise<Driver> {
  const { HTTPAdapter, Session } = await import('../lib/index.js')
  const s = new Session({ adapter: new HTTPAdapter({ poolMaxSize: workload.concurrency, poolBlock: true }) })
  const url = `http://${target.host}:${target.port}${workload.path}`
  const body = requestBody(workload)
  const stream = workload.mode === 'stream'
  const options = body === undefined
    ? { stream }
    : { stream, data: body, headers: { 'Content-Type': 'application/octet-stream' } }
  return {
    async exchange(peek) {
      const r = await s.request(workload.method, url, options)
      if (r.statusCode !== 200) {
        await r.close()
        throw badStatus('reqwire', r.statusCode)
      }
      if (!stream) {
        const data = r.content
        peek?.(data)
        return data.length
      }
      let n = 0
      for await (const chunk of r) {
        if (n === 0) peek?.(chunk)
        n += chunk.length
      }
      return n
    },
    close: () => s.close(),
  }
}

// ── reqwire pool ────────────────────────────────────────────────────────────────────────────

async function reqwireDriver(target: Target, workload: Workload): Promise<Driver> {
  const { PoolManager } = await import('../lib/pool/index.js')
  const pm = new PoolManager({ maxSize: workload.concurrency, block: true })
  const body = requestBody(workload)
  const request = {
    origin: { scheme: 'http', hostname: target.host, port: target.port },
    method: workload.method,
    target: workload.path,
    headers: body === undefined ? [] : ['Content-Type', 'application/octet-stream'],
    body,
  } as const
  const stream = workload.mode === 'stream'
  return {
    async exchange(peek) {
      const res = await pm.request(request)
      if (res.status !== 200) {
        await res.body.dump()
        throw badStatus('reqwire-pool', res.status)
      }
      if (!stream) {
        const data = await res.body.collect()
        peek?.(data)
        return data.length
      }
      let n = 0
      for await (const chunk of res.body) {
        if (n === 0) peek?.(chunk)
        n += chunk.length
      }
      return n
    },
    close: () => pm.close(),
  }
}

// ── undici ───────────────────────────────────────────────────────────────────────────────────

async function undiciDriver(target: Target, workload: Workload): Promise<Driver> {
  const { Agent, request } = await import('undici')
  const agent = new Agent({ connections: workload.concurrency })
  const url = `http://${target.host}:${target.port}${workload.path}`
  const body = requestBody(workload)
  const options = {
    method: workload.method,
    dispatcher: agent,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
  }
  const stream = workload.mode === 'stream'
  return {
    async exchange(peek) {
      const res = await request(url, options)
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw badStatus('undici.request', res.statusCode)
      }
      if (!stream) {
        const data = await res.body.arrayBuffer()
        peek?.(Buffer.from(data))
        return data.byteLength
      }
      let n = 0
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (n === 0) peek?.(chunk)
        n += chunk.length
      }
      return n
    },
    close: () => agent.close(),
  }
}

// ── node:http ────────────────────────────────────────────────────────────────────────────────

async function nodeHttpDriver(target: Target, workload: Workload): Promise<Driver> {
  const http = await import('node:http')
  const agent = new http.Agent({ keepAlive: true, maxSockets: workload.concurrency })
  const body = requestBody(workload)
  const options: import('node:http').RequestOptions = {
    host: target.host,
    port: target.port,
    method: workload.method,
    path: workload.path,
    agent,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }),
  }
  const stream = workload.mode === 'stream'
  return {
    exchange(peek) {
      return new Promise<number>((resolve, reject) => {
        const req = http.request(options, (res) => {
          if (res.statusCode !== 200) {
            res.resume()
            reject(badStatus('node:http', res.statusCode ?? 0))
            return
          }
          res.on('error', reject)
          if (stream) {
            let n = 0
            res.on('data', (chunk: Buffer) => {
              if (n === 0) peek?.(chunk)
              n += chunk.length
            })
            res.on('end', () => resolve(n))
          } else {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => {
              const data = Buffer.concat(chunks)
              peek?.(data)
              resolve(data.length)
            })
          }
        })
        req.on('error', reject)
        req.end(body)
      })
    },
    async close() {
      agent.destroy()
    },
  }
}

// ── raw sockets: the ceiling ─────────────────────────────────────────────────────────────────

/** One socket of the raw client and the answer it is waiting for. */
interface RawSocket {
  readonly socket: Socket
  received: number
  resolve: (() => void) | null
  reject: ((error: Error) => void) | null
}

async function rawDriver(target: Target, workload: Workload): Promise<Driver> {
  const net = await import('node:net')
  const body = requestBody(workload)
  const headLines = [`${workload.method} ${workload.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`]
  if (body !== undefined) headLines.push('Content-Type: application/octet-stream', `Content-Length: ${body.length}`)
  const wire = Buffer.concat([Buffer.from(`${headLines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)])

  const connect = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port, noDelay: true }, () => {
        socket.off('error', reject)
        resolve(socket)
      })
      socket.once('error', reject)
    })

  // Learn the answer's length from one answer, parsed: the only parse this client ever does.
  const first = await connect()
  const answer = await new Promise<{ total: number; headLength: number; status: number; body: Buffer }>((resolve, reject) => {
    let head = Buffer.alloc(0)
    let total = -1
    let headLength = 0
    let received = 0
    let body = Buffer.alloc(0)
    let status = 0
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (total === -1) {
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        const text = head.toString('latin1', 0, end).toLowerCase()
        const cl = /\r\ncontent-length:\s*(\d+)/.exec(text)
        if (cl === null) {
          reject(new Error(`raw-socket: the answer to ${workload.path} has no Content-Length`))
          return
        }
        headLength = end + 4
        total = headLength + Number(cl[1])
        status = Number(text.slice(9, 12))
        body = Buffer.from(head.subarray(end + 4, end + 4 + 100))
      }
      if (received < total) return
      first.off('data', onData)
      if (received > total) reject(new Error('raw-socket: more bytes than one answer'))
      else resolve({ total, headLength, status, body })
    }
    first.on('data', onData)
    first.once('error', reject)
    first.write(wire)
  })
  if (answer.status !== 200) throw badStatus('raw-socket', answer.status)
  const bodyLength = answer.total - answer.headLength

  const sockets: RawSocket[] = [first, ...(await Promise.all(Array.from({ length: workload.concurrency - 1 }, connect)))].map((socket) => {
    const raw: RawSocket = { socket, received: 0, resolve: null, reject: null }
    socket.on('data', (chunk: Buffer) => {
      raw.received += chunk.length
      if (raw.received >= answer.total && raw.resolve !== null) {
        const { resolve, reject } = raw
        raw.resolve = raw.reject = null
        if (raw.received > answer.total) reject?.(new Error('raw-socket: more bytes than one answer'))
        else resolve()
      }
    })
    const fail = (error?: Error): void => {
      const reject = raw.reject
      raw.resolve = raw.reject = null
      reject?.(error ?? new Error('raw-socket: connection closed'))
    }
    socket.on('error', fail)
    socket.on('close', () => fail())
    return raw
  })
  const free = [...sockets]

  return {
    async exchange(peek) {
      const raw = free.pop()
      if (raw === undefined) throw new Error('raw-socket: more exchanges in flight than sockets')
      raw.received = 0
      await new Promise<void>((resolve, reject) => {
        raw.resolve = resolve
        raw.reject = reject
        raw.socket.write(wire)
      })
      free.push(raw)
      peek?.(answer.body)
      return bodyLength
    },
    async close() {
      for (const raw of sockets) raw.socket.destroy()
    },
  }
}
