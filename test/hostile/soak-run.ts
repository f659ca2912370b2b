// The soak: many requests through one Session against a raw server that answers well, slowly,
// never, with chunked bodies, or closes the socket after answering, while the client aborts some
// at random moments and gives every request a short timeout. It reports what happened and what
// was left behind: pool stats, live sockets and timers, abort listeners, RSS after warm-up.
//
// test/hostile/soak.test.ts runs a bounded version in the suite; `npm run soak` runs the full
// 100,000 (`--requests N --concurrency N --seed N` to change it). Seeded, so a run can be repeated.

import { getEventListeners, setMaxListeners } from 'node:events'
import { pathToFileURL } from 'node:url'
import { HTTPAdapter, RequestException, Session } from '../../lib/index.js'
import * as net from 'node:net'
import { chunkedResponse, response } from '../support/raw-server.js'
import { mulberry32 as prng } from '../support/prng.js'

export interface SoakOptions {
  requests: number
  concurrency: number
  seed: number
  /** Requests run before the RSS baseline is taken. */
  warmup: number
  /** Called now and then with the number of requests done. */
  progress?: (done: number) => void
}

export interface SoakReport {
  requests: number
  outcomes: Record<string, number>
  /** Responses whose body was not the one asked for, and errors that are not typed. */
  wrong: string[]
  /** adapter.stats() summed, once every request had settled. */
  afterRun: { open: number; idle: number; busy: number; queued: number }
  /** Abort listeners left on a signal shared by many requests that all finished. */
  sharedSignalListeners: number
  /** Live handles by type before the session and server existed, and after both were closed. */
  resourcesBefore: Record<string, number>
  resourcesAfter: Record<string, number>
  rssAfterWarmup: number
  rssAtEnd: number
  heapAfterWarmup: number
  heapAtEnd: number
  ms: number
}

/** Live handles by type, counting only the kinds a leak would show in. */
export function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'TCPServerWrap' || kind === 'Timeout' || kind === 'Immediate') counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate() && Date.now() < deadline) await sleep(10)
}

/** Answers GETs (no request bodies) with `answer(target, socket)`; keeps nothing but the open sockets. */
async function leanServer(answer: (target: string, socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = ''
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1')
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) break
        const line = buffer.slice(0, buffer.indexOf('\r\n'))
        buffer = buffer.slice(end + 4)
        answer(line.split(' ')[1] ?? '/', socket)
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    close: () => new Promise<void>(resolve => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}

/** The body of the larger answers. */
const BODY = Buffer.alloc(4096, 'b')

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now()
  const rand = prng(options.seed)
  const resourcesBefore = resources()
  // A lean server of its own: the shared raw server records every byte and request, which over
  // 100,000 requests would be the leak this soak looks for.
  const server = await leanServer((target, socket) => {
    const [, kind, id] = target.split('/')
    const own = Buffer.from(`own:${id ?? ''}`)
    switch (kind) {
      case 'ok': socket.write(response(200, own)); break
      case 'big': socket.write(response(200, Buffer.concat([own, BODY]))); break
      case 'chunked': socket.write(chunkedResponse(200, [own, BODY.subarray(0, 100), BODY.subarray(0, 1000)])); break
      case 'close': socket.end(response(200, own)); break
      case 'slow': {
        const timer = setTimeout(() => { if (!socket.destroyed) socket.write(response(200, own)) }, 1 + (id?.length ?? 0) % 20)
        socket.once('close', () => clearTimeout(timer))
        break
      }
      case 'stall': socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${own.length + 10}\r\n\r\n`), own])); break
      case 'hang': break
      default: socket.write(response(404, 'no'))
    }
  })
  const adapter = new HTTPAdapter({ poolMaxSize: 16 })
  const s = new Session({ adapter })
  s.trustEnv = false
  const shared = new AbortController()
  // Up to `concurrency` requests listen on it at once, legitimately.
  setMaxListeners(options.concurrency + 8, shared.signal)
  const outcomes: Record<string, number> = {}
  const wrong: string[] = []
  const url = `http://127.0.0.1:${server.port}`
  let next = 0
  let done = 0
  let rssAfterWarmup = 0
  let heapAfterWarmup = 0

  const kinds = ['ok', 'ok', 'ok', 'ok', 'big', 'chunked', 'close', 'slow', 'slow', 'stall', 'hang'] as const

  const one = async (i: number): Promise<void> => {
    const kind = kinds[Math.floor(rand() * kinds.length)] ?? 'ok'
    const stream = rand() < 0.2
    const roll = rand()
    let controller: AbortController | undefined
    let timer: NodeJS.Timeout | undefined
    let signal: AbortSignal | undefined
    if (roll < 0.15) {
      controller = new AbortController()
      signal = controller.signal
      timer = setTimeout(() => controller?.abort(), Math.floor(rand() * 30))
    } else if (roll < 0.5) {
      signal = shared.signal
    }
    const read = 50 + Math.floor(rand() * 250)
    const target = `/${kind}/${i}`
    let outcome: string
    try {
      const r = await s.get(`${url}${target}`, { timeout: { connect: 1000, read, total: read * 3 }, stream, ...(signal === undefined ? {} : { signal }) })
      const content = stream ? Buffer.concat(await collect(r.iterContent())) : r.content
      if (!content.subarray(0, `own:${i}`.length).equals(Buffer.from(`own:${i}`))) wrong.push(`${target}: got ${content.subarray(0, 20).toString('latin1')}`)
      else if (kind === 'stall' || kind === 'hang') wrong.push(`${target}: a ${kind} answer arrived whole`)
      outcome = 'ok'
    } catch (e) {
      const code = (e as { code?: unknown }).code
      outcome = (e as Error).name === 'AbortError' ? 'AbortError' : `${(e as Error).name} ${String(code)}`
      if (!(e instanceof RequestException) && !(e instanceof Error && e.name === 'AbortError')) wrong.push(`${target}: ${outcome} ${(e as Error).message}`)
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  }

  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= options.requests) return
      await one(i)
      done++
      if (done === options.warmup) {
        rssAfterWarmup = process.memoryUsage().rss
        heapAfterWarmup = process.memoryUsage().heapUsed
      }
      if (done % 5000 === 0) options.progress?.(done)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const rssAtEnd = process.memoryUsage().rss
  const heapAtEnd = process.memoryUsage().heapUsed

  // Settled: nothing busy or queued (idle sockets may stay until close).
  const sum = (): { open: number; idle: number; busy: number; queued: number } => {
    const total = { open: 0, idle: 0, busy: 0, queued: 0 }
    for (const st of adapter.stats()) {
      total.open += st.open; total.idle += st.idle; total.busy += st.busy; total.queued += st.queued
    }
    return total
  }
  await until(() => { const x = sum(); return x.busy === 0 && x.queued === 0 }, 5000)
  const afterRun = sum()
  const sharedSignalListeners = getEventListeners(shared.signal, 'abort').length

  await s.close()
  await server.close()
  // Closed sockets and cleared timers leave the handle list on the next turns of the loop.
  await until(() => {
    const now = resources()
    return Object.keys(now).every(k => (now[k] ?? 0) <= (resourcesBefore[k] ?? 0))
  }, 3000)
  return {
    requests: options.requests,
    outcomes,
    wrong,
    afterRun,
    sharedSignalListeners,
    resourcesBefore,
    resourcesAfter: resources(),
    rssAfterWarmup,
    rssAtEnd,
    heapAfterWarmup,
    heapAtEnd,
    ms: Date.now() - started,
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const chunk of chunks) out.push(chunk)
  return out
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? undefined : Number(process.argv[at + 1])
  return value === undefined || Number.isNaN(value) ? fallback : value
}

async function main(): Promise<void> {
  const requests = arg('requests', 100_000)
  const report = await runSoak({
    requests,
    concurrency: arg('concurrency', 32),
    seed: arg('seed', 1),
    warmup: Math.min(10_000, Math.floor(requests / 10)),
    progress: done => { process.stderr.write(`soak: ${done} / ${requests}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`) },
  })
  const MiB = 2 ** 20
  console.log(JSON.stringify({ ...report, wrong: report.wrong.slice(0, 20), rssAfterWarmupMiB: Math.round(report.rssAfterWarmup / MiB), rssAtEndMiB: Math.round(report.rssAtEnd / MiB) }, null, 2))
  const leaked = Object.keys(report.resourcesAfter).filter(k => (report.resourcesAfter[k] ?? 0) > (report.resourcesBefore[k] ?? 0))
  const failures = [
    report.wrong.length > 0 ? `${report.wrong.length} wrong answers` : '',
    report.afterRun.busy + report.afterRun.queued > 0 ? `pool not settled: ${JSON.stringify(report.afterRun)}` : '',
    report.sharedSignalListeners > 0 ? `${report.sharedSignalListeners} abort listeners left on the shared signal` : '',
    leaked.length > 0 ? `handles left: ${leaked.join(', ')}` : '',
    report.rssAtEnd - report.rssAfterWarmup > 200 * MiB ? `RSS grew by ${Math.round((report.rssAtEnd - report.rssAfterWarmup) / MiB)} MiB after warm-up` : '',
  ].filter(f => f !== '')
  if (failures.length > 0) {
    console.error(`soak FAILED: ${failures.join('; ')}`)
    process.exitCode = 1
  } else {
    console.error(`soak passed: ${requests} requests in ${report.ms} ms`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}
