// The clients the client suite compares, each behind one small shape: make one exchange of the
// workload (status checked, body read to the end the way that client's users read it, gzip
// decoded) and say how many body bytes came. Every driver opens the same number of connections,
// the workload's concurrency, and loads its client lazily, so a child process holds one client's
// code only and its peak RSS is that client's.
//
//   reqwire          the Requests API: a Session with an HTTPAdapter of C connections,
//                    `s.get(url)` (content buffered) or `stream: true` + `for await (… of r)`
//   reqwire-pool     PoolManager from lib/pool, `res.body.collect()` or `for await (… of res.body)`
//   undici.request   undici's top-level `request()` through an Agent of C connections,
//                    `body.arrayBuffer()` or `for await (… of body)`
//   undici.fetch     undici's `fetch()` through the same kind of Agent, `res.arrayBuffer()` or
//                    `for await (… of res.body)`
//   fetch            Node's global fetch (the undici bundled in Node), given an Agent of C
//                    connections from the installed undici as its `dispatcher`
//   node:http        `http.request` (node:https for https) through a keep-alive Agent of C sockets,
//                    chunks gathered with Buffer.concat or counted as they come
//   axios            an axios instance with keep-alive http/https Agents of C sockets,
//                    `responseType: 'arraybuffer'` or `'stream'`
//   got              got 14 extended with keep-alive Agents of C sockets and no retries,
//                    `responseType: 'buffer'` or `got.stream()`
//   node-fetch       node-fetch 3 with a keep-alive Agent of C sockets, `res.arrayBuffer()` or
//                    `for await (… of res.body)`
//   raw-socket       no HTTP client: C sockets, the request serialized once, each answer counted
//                    by its known length (learned from one parsed answer before timing)
//
// Decoding: the fetches, axios, got, node-fetch and the Session decode gzip themselves (their
// users never see Content-Encoding); reqwire's pool, undici.request and node:http hand out the
// bytes as sent, so their drivers gunzip a gzip body with zlib.gunzipSync, as their users do.
// raw-socket never decodes: its byte count is the body as sent (`Workload.wireBytes`).

import type { Agent as HttpAgent } from 'node:http'
import type { Socket } from 'node:net'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

/** Where the server listens, and for https the CA (a PEM file) its certificate chains to. */
export interface Target {
  readonly scheme: 'http' | 'https'
  readonly host: '127.0.0.1'
  readonly port: number
  /** Path of the CA's PEM file; given for https. */
  readonly ca?: string
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
  /** The response body's length once decoded (de-chunked, gunzipped); every exchange is checked against it. */
  readonly responseBytes: number
  /** The body's length as sent (chunk framing, gzip), what raw-socket counts; when it differs. */
  readonly wireBytes?: number
  /** The start of the body, checked once before timing (when the server's answer is known). */
  readonly expectPrefix?: string
}

export interface Driver {
  /**
   * One exchange. Rejects unless the status is 200; resolves, once the whole body has been
   * read (and decoded), with its length. `peek` sees the first body chunk (the probe before timing).
   */
  exchange(peek?: (chunk: Buffer) => void): Promise<number>
  close(): Promise<void>
}

export const CLIENTS = [
  'reqwire',
  'reqwire-pool',
  'undici.request',
  'undici.fetch',
  'fetch',
  'node:http',
  'axios',
  'got',
  'node-fetch',
  'raw-socket',
] as const
export type ClientName = (typeof CLIENTS)[number]

/**
 * The clients of quick runs: reqwire's two layers, the baseline, node:http and the ceiling. The
 * others run in full runs only, so that `npm run bench:quick` stays under a minute.
 */
export const QUICK_CLIENTS: ReadonlySet<ClientName> = new Set<ClientName>(['reqwire', 'reqwire-pool', 'undici.request', 'node:http', 'raw-socket'])

/** The body length a client's exchange must report for this workload. */
export function expectedBytes(client: ClientName, workload: Workload): number {
  return client === 'raw-socket' ? (workload.wireBytes ?? workload.responseBytes) : workload.responseBytes
}

export async function createDriver(client: ClientName, target: Target, workload: Workload): Promise<Driver> {
  switch (client) {
    case 'reqwire':
      return sessionDriver(target, workload)
    case 'reqwire-pool':
      return reqwireDriver(target, workload)
    case 'undici.request':
      return undiciDriver(target, workload)
    case 'undici.fetch':
      return fetchDriver(client, target, workload)
    case 'fetch':
      return fetchDriver(client, target, workload)
    case 'node:http':
      return nodeHttpDriver(target, workload)
    case 'axios':
      return axiosDriver(target, workload)
    case 'got':
      return gotDriver(target, workload)
    case 'node-fetch':
      return nodeFetchDriver(target, workload)
    case 'raw-socket':
      return rawDriver(target, workload)
  }
}

/** The request body, one Buffer made once: what a caller sending a 1 KiB payload has at hand. */
function requestBody(workload: Workload): Buffer | undefined {
  return workload.requestBytes === 0 ? undefined : Buffer.alloc(workload.requestBytes, 0x78)
}

function urlOf(target: Target, workload: Workload): string {
  return `${target.scheme}://${target.host}:${target.port}${workload.path}`
}

/** The CA's PEM for https targets, read once per process. */
function caOf(target: Target): Buffer | undefined {
  return target.scheme === 'https' && target.ca !== undefined ? readFileSync(target.ca) : undefined
}

function badStatus(client: string, status: number): Error {
  return new Error(`${client}: status ${status}, expected 200`)
}

/** The body its user sees, for clients that hand out the bytes as sent. */
function decoded(contentEncoding: string | string[] | undefined, body: Buffer): Buffer {
  if (contentEncoding === undefined) return body
  const coding = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding).trim().toLowerCase()
  if (coding === '' || coding === 'identity') return body
  if (coding === 'gzip') return gunzipSync(body)
  throw new Error(`bench driver: Content-Encoding ${coding} not handled`)
}

/** For the streamed workloads, which are never encoded: refuse instead of miscounting. */
function assertIdentity(client: string, contentEncoding: string | string[] | null | undefined): void {
  if (contentEncoding !== undefined && contentEncoding !== null && contentEncoding !== '' && contentEncoding !== 'identity') {
    throw new Error(`${client}: streamed workload with Content-Encoding ${String(contentEncoding)}`)
  }
}

/** A Node Buffer over a Uint8Array's bytes, without copying (for `peek`). */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

/** A streamed body's length, counted chunk by chunk and never kept; the first chunk is peeked. */
async function countChunks(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, peek: ((chunk: Buffer) => void) | undefined): Promise<number> {
  let n = 0
  for await (const chunk of chunks) {
    if (n === 0) peek?.(asBuffer(chunk))
    n += chunk.byteLength
  }
  return n
}

// ── reqwire ──────────────────────────────────────────────────────────────────────────────────

async function sessionDriver(target: Target, workload: Workload): Promise<Driver> {
  const { HTTPAdapter, Session } = await import('../lib/index.js')
  const s = new Session({ adapter: new HTTPAdapter({ poolMaxSize: workload.concurrency, poolBlock: true }) })
  // Requests' way to trust a private CA: `verify` names its PEM file.
  if (target.scheme === 'https' && target.ca !== undefined) s.verify = target.ca
  const url = urlOf(target, workload)
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
      return countChunks(r, peek)
    },
    close: () => s.close(),
  }
}

// ── reqwire pool ────────────────────────────────────────────────────────────────────────────

/** The value of a field in the pool's raw [name, value, …] list. */
function rawField(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === lowerName) return headers[i + 1]
  }
  return undefined
}

async function reqwireDriver(target: Target, workload: Workload): Promise<Driver> {
  const { PoolManager } = await import('../lib/pool/index.js')
  const pm = new PoolManager({ maxSize: workload.concurrency, block: true })
  const body = requestBody(workload)
  const ca = caOf(target)
  const request = {
    origin: { scheme: target.scheme, hostname: target.host, port: target.port },
    method: workload.method,
    target: workload.path,
    headers: body === undefined ? [] : ['Content-Type', 'application/octet-stream'],
    body,
    ...(ca === undefined ? {} : { tls: { ca } }),
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
        const data = decoded(rawField(res.headers, 'content-encoding'), await res.body.collect())
        peek?.(data)
        return data.length
      }
      assertIdentity('reqwire-pool', rawField(res.headers, 'content-encoding'))
      return countChunks(res.body, peek)
    },
    close: () => pm.close(),
  }
}

// ── undici ───────────────────────────────────────────────────────────────────────────────────

async function undiciDriver(target: Target, workload: Workload): Promise<Driver> {
  const { Agent, request } = await import('undici')
  const ca = caOf(target)
  const agent = new Agent({ connections: workload.concurrency, ...(ca === undefined ? {} : { connect: { ca } }) })
  const url = urlOf(target, workload)
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
        const encoding = res.headers['content-encoding']
        if (encoding === undefined) {
          peek?.(Buffer.from(data))
          return data.byteLength
        }
        const plain = decoded(encoding, Buffer.from(data))
        peek?.(plain)
        return plain.length
      }
      assertIdentity('undici.request', res.headers['content-encoding'])
      return countChunks(res.body, peek)
    },
    close: () => agent.close(),
  }
}

/** What the fetch drivers need of a Response (undici's and Node's global one differ in types only). */
interface FetchResponse {
  readonly status: number
  readonly body: AsyncIterable<Uint8Array> | null
  arrayBuffer(): Promise<ArrayBuffer>
}
type FetchFunction = (url: string, init: object) => Promise<FetchResponse>

/**
 * undici's fetch, or Node's global one. Both get an Agent of C connections from the installed
 * undici as `dispatcher`: Node 20's global fetch is the undici bundled in Node (6.x), whose own
 * default dispatcher has no connection limit, and it accepts another Agent there. So `fetch`
 * measures Node's fetch code over undici 7's connection handling.
 */
async function fetchDriver(client: 'undici.fetch' | 'fetch', target: Target, workload: Workload): Promise<Driver> {
  const undici = await import('undici')
  const ca = caOf(target)
  const agent = new undici.Agent({ connections: workload.concurrency, ...(ca === undefined ? {} : { connect: { ca } }) })
  const fetchFn = (client === 'fetch' ? globalThis.fetch : undici.fetch) as unknown as FetchFunction
  const url = urlOf(target, workload)
  const body = requestBody(workload)
  const init = {
    method: workload.method,
    dispatcher: agent,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
  }
  const stream = workload.mode === 'stream'
  return {
    async exchange(peek) {
      const res = await fetchFn(url, init)
      if (res.status !== 200) {
        await res.arrayBuffer()
        throw badStatus(client, res.status)
      }
      if (!stream) {
        const data = await res.arrayBuffer()
        peek?.(Buffer.from(data))
        return data.byteLength
      }
      return countChunks((res.body ?? []) as AsyncIterable<Uint8Array>, peek)
    },
    close: () => agent.close(),
  }
}

// ── node:http ────────────────────────────────────────────────────────────────────────────────

/** A keep-alive Agent of C sockets, node:https's for https (with the CA). */
async function nodeAgent(target: Target, workload: Workload): Promise<HttpAgent> {
  const options = { keepAlive: true, maxSockets: workload.concurrency }
  if (target.scheme === 'http') return new (await import('node:http')).Agent(options)
  return new (await import('node:https')).Agent({ ...options, ca: caOf(target) })
}

async function nodeHttpDriver(target: Target, workload: Workload): Promise<Driver> {
  const http = target.scheme === 'https' ? await import('node:https') : await import('node:http')
  const agent = await nodeAgent(target, workload)
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
            try {
              assertIdentity('node:http', res.headers['content-encoding'])
            } catch (error) {
              res.destroy()
              reject(error)
              return
            }
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
              try {
                const data = decoded(res.headers['content-encoding'], Buffer.concat(chunks))
                peek?.(data)
                resolve(data.length)
              } catch (error) {
                reject(error)
              }
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

// ── axios, got, node-fetch: on node:http's Agents ────────────────────────────────────────────

async function axiosDriver(target: Target, workload: Workload): Promise<Driver> {
  const { default: axios } = await import('axios')
  const agent = await nodeAgent(target, workload)
  const client = axios.create({
    ...(target.scheme === 'https' ? { httpsAgent: agent } : { httpAgent: agent }),
    // axios reads HTTP_PROXY and friends by default: this bench talks to loopback directly.
    proxy: false,
    // The status is checked here, as for every client, not turned into an exception.
    validateStatus: null,
    maxRedirects: 0,
  })
  const url = urlOf(target, workload)
  const body = requestBody(workload)
  const stream = workload.mode === 'stream'
  const config = {
    url,
    method: workload.method,
    responseType: stream ? ('stream' as const) : ('arraybuffer' as const),
    ...(body === undefined ? {} : { data: body, headers: { 'content-type': 'application/octet-stream' } }),
  }
  return {
    async exchange(peek) {
      const res = await client.request<unknown>(config)
      if (res.status !== 200) throw badStatus('axios', res.status)
      if (!stream) {
        // In Node, responseType 'arraybuffer' gives a Buffer.
        const data = res.data as Buffer
        peek?.(data)
        return data.length
      }
      return countChunks(res.data as AsyncIterable<Buffer>, peek)
    },
    async close() {
      agent.destroy()
    },
  }
}

async function gotDriver(target: Target, workload: Workload): Promise<Driver> {
  const { got } = await import('got')
  const agent = await nodeAgent(target, workload)
  const client = got.extend({
    agent: target.scheme === 'https' ? { https: agent as import('node:https').Agent } : { http: agent },
    // got retries GETs twice by default: a failed exchange must show, not be repeated.
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
  })
  const url = urlOf(target, workload)
  const body = requestBody(workload)
  const method = workload.method
  const headers = body === undefined ? {} : { 'content-type': 'application/octet-stream' }
  const stream = workload.mode === 'stream'
  return {
    async exchange(peek) {
      if (!stream) {
        const res = await client(url, { method, headers, body, responseType: 'buffer' })
        if (res.statusCode !== 200) throw badStatus('got', res.statusCode)
        peek?.(res.body)
        return res.body.length
      }
      const s = client.stream(url, { method, headers, body })
      let status = 0
      s.once('response', (res: { statusCode: number }) => {
        status = res.statusCode
      })
      const n = await countChunks(s as AsyncIterable<Buffer>, peek)
      if (status !== 200) throw badStatus('got', status)
      return n
    },
    async close() {
      agent.destroy()
    },
  }
}

async function nodeFetchDriver(target: Target, workload: Workload): Promise<Driver> {
  const { default: fetch } = await import('node-fetch')
  const agent = await nodeAgent(target, workload)
  const url = urlOf(target, workload)
  const body = requestBody(workload)
  const init = {
    method: workload.method,
    agent,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } }),
  }
  const stream = workload.mode === 'stream'
  return {
    async exchange(peek) {
      const res = await fetch(url, init)
      if (res.status !== 200) {
        await res.arrayBuffer()
        throw badStatus('node-fetch', res.status)
      }
      if (!stream) {
        const data = await res.arrayBuffer()
        peek?.(Buffer.from(data))
        return data.byteLength
      }
      return countChunks((res.body ?? []) as AsyncIterable<Uint8Array>, peek)
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
  const tls = await import('node:tls')
  const ca = caOf(target)
  const body = requestBody(workload)
  const headLines = [`${workload.method} ${workload.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`]
  if (body !== undefined) headLines.push('Content-Type: application/octet-stream', `Content-Length: ${body.length}`)
  const wire = Buffer.concat([Buffer.from(`${headLines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)])

  const connect = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const ready = (): void => {
        socket.off('error', reject)
        resolve(socket)
      }
      // Over TLS the ceiling pays the same encryption as the clients, and verifies the certificate too.
      const socket: Socket = ca === undefined
        ? net.connect({ host: target.host, port: target.port, noDelay: true }, ready)
        : tls.connect({ host: target.host, port: target.port, ca }, ready)
      socket.setNoDelay(true)
      socket.once('error', reject)
    })

  // Learn the answer's length from one answer, parsed: the only parse this client ever does. A
  // chunked answer ends with its last chunk, which the own server's letters-only body cannot
  // contain before the end.
  const first = await connect()
  const answer = await new Promise<{ total: number; headLength: number; status: number; body: Buffer }>((resolve, reject) => {
    let head = Buffer.alloc(0)
    let total = -1
    let headLength = 0
    let received = 0
    let body = Buffer.alloc(0)
    let status = 0
    let chunked = false
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (total === -1 || chunked) head = Buffer.concat([head, chunk])
      if (total === -1) {
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        const text = head.toString('latin1', 0, end).toLowerCase()
        headLength = end + 4
        status = Number(text.slice(9, 12))
        body = Buffer.from(head.subarray(end + 4, end + 4 + 100))
        const cl = /\r\ncontent-length:\s*(\d+)/.exec(text)
        if (cl !== null) {
          total = headLength + Number(cl[1])
        } else if (/\r\ntransfer-encoding:\s*chunked/.test(text)) {
          chunked = true
          total = 0
        } else {
          reject(new Error(`raw-socket: the answer to ${workload.path} has neither Content-Length nor chunked`))
          return
        }
      }
      if (chunked) {
        if (head.length < headLength + 5 || head.indexOf('\r\n0\r\n\r\n', headLength - 2) !== head.length - 7) return
        total = head.length
        chunked = false
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
