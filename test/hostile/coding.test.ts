// Hostile content codings through the whole stack: a gzip bomb (a few KiB on the wire, 2 GiB
// decoded) read as a stream with memory bounded, corrupt and truncated gzip/deflate/br, and
// chains of codings longer than any real server uses. Each bad body is a ContentDecodingError with
// a stable code, never a wrong or short body, and the session goes on working.

import t, { type Test } from 'tap'
import * as zlib from 'node:zlib'
import { ContentDecodingError, HTTPAdapter, type HTTPAdapterOptions, type Session } from '../../lib/index.js'
import type { RawServer } from '../support/raw-server.js'
import { response } from '../support/raw-server.js'
import { base, className, client, hostile, nextWorks, rawServer, rejection } from './helpers.js'

t.setTimeout(60_000)

const MiB = 1024 * 1024
const HELLO = Buffer.from('hello, world: '.repeat(200))

/**
 * A gzip-in-gzip bomb that decodes to `mib` MiB of zeros: the inner layer is one small gzip member
 * (1 MiB of zeros) repeated (gzip allows concatenated members), the outer layer compresses that
 * repetition down to a few KiB.
 */
function bomb(mib: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(MiB), { level: 9 })
  const inner = Buffer.concat(Array.from({ length: mib }, () => member))
  return zlib.gzipSync(inner, { level: 9 })
}

function coded(body: Buffer, coding: string): Buffer {
  return response(200, body, [`Content-Encoding: ${coding}`])
}

async function serve(t: Test, answer: Buffer): Promise<RawServer> {
  return rawServer(t, { handler: hostile(socket => { socket.write(answer) }) })
}

t.test('a 2 GiB gzip bomb read as a stream keeps memory bounded and yields exactly its bytes', async t => {
  const payload = bomb(2048)
  t.ok(payload.length < 16 * 1024, `the bomb is ${payload.length} bytes on the wire`)
  const server = await serve(t, coded(payload, 'gzip, gzip'))
  const { s } = client(t)
  global.gc?.()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  let total = 0
  let nonZero = 0
  let chunks = 0
  const zeros = Buffer.alloc(MiB)
  const r = await s.get(`${base(server)}/bomb`, { stream: true, timeout: 10_000 })
  for await (const chunk of r.iterContent()) {
    total += chunk.length
    // memcmp against zeros, not a callback per byte.
    for (let at = 0; at < chunk.length; at += MiB) {
      const piece = chunk.subarray(at, at + MiB)
      if (!piece.equals(zeros.subarray(0, piece.length))) nonZero++
    }
    if (++chunks % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss)
  }
  peak = Math.max(peak, process.memoryUsage().rss)
  t.equal(total, 2048 * MiB, 'every decoded byte arrived, no more and no less')
  t.equal(nonZero, 0)
  // Generous: the decoder queues at most a few hundred KiB; 2 GiB held would be 2048 MiB.
  t.ok(peak - baseline < 256 * MiB, `RSS grew by ${Math.round((peak - baseline) / MiB)} MiB while 2048 MiB went by`)
  await nextWorks(t, s, server)
})

t.test('a gzip bomb abandoned halfway through a stream is closed and the session goes on', async t => {
  const server = await serve(t, coded(bomb(1024), 'gzip, gzip'))
  const { s, adapter } = client(t)
  const r = await s.get(`${base(server)}/bomb`, { stream: true, timeout: 10_000 })
  let total = 0
  for await (const chunk of r.iterContent()) {
    total += chunk.length
    if (total >= 64 * MiB) break
  }
  await r.close()
  t.ok(total >= 64 * MiB)
  await nextWorks(t, s, server)
  // The few KiB on the wire were all read, so the connection itself is clean and may be reused;
  // what must not survive is the decoder, which would go on inflating the remaining 960 MiB.
  const stats = adapter.stats().reduce((a, x) => a + x.busy + x.queued, 0)
  t.equal(stats, 0, 'nothing busy or queued')
})

t.test('maxBodySize on the adapter stops a buffered gzip bomb with a ContentDecodingError BODY_TOO_LARGE', async t => {
  const cap = MiB
  const server = await serve(t, coded(bomb(64), 'gzip, gzip'))
  const adapter = new HTTPAdapter({ maxBodySize: cap })
  const { s } = client(t)
  s.mount('http://', adapter)
  t.teardown(() => adapter.close())
  const err = await rejection((s as Session).get(`${base(server)}/bomb`, { timeout: 10_000 }))
  t.ok(err instanceof ContentDecodingError, `a ContentDecodingError (got ${className(err)}: ${err.message.slice(0, 120)})`)
  t.equal(err.code, 'BODY_TOO_LARGE')
  await nextWorks(t, s, server)
})

t.test('maxBodySize per request stops a streamed bomb; under the cap the whole body comes', async t => {
  const server = await serve(t, coded(bomb(64), 'gzip, gzip'))
  const { s } = client(t)
  const streamed = await (s as Session).get(`${base(server)}/bomb`, { stream: true, maxBodySize: MiB, timeout: 10_000 })
  const err = await rejection((async () => { for await (const _ of streamed.iterContent()) { /* drain */ } })())
  t.ok(err instanceof ContentDecodingError)
  t.equal(err.code, 'BODY_TOO_LARGE')
  const fine = await (s as Session).get(`${base(server)}/bomb`, { maxBodySize: 128 * MiB, timeout: 10_000 })
  t.equal(fine.content.length, 64 * MiB)
  await nextWorks(t, s, server)
})

interface Bad {
  name: string
  coding: string
  body: Buffer
  codes: string[]
}

const gz = zlib.gzipSync(HELLO)
const deflated = zlib.deflateSync(HELLO)
const br = zlib.brotliCompressSync(HELLO)
const flip = (b: Buffer, at: number): Buffer => { const c = Buffer.from(b); c[at] = (c[at] ?? 0) ^ 0xff; return c }

const bads: Bad[] = [
  { name: 'gzip with a corrupt header', coding: 'gzip', body: flip(gz, 0), codes: ['CORRUPT_DATA'] },
  { name: 'gzip with corrupt data', coding: 'gzip', body: flip(gz, 12), codes: ['CORRUPT_DATA'] },
  { name: 'gzip with a wrong CRC', coding: 'gzip', body: flip(gz, gz.length - 6), codes: ['CORRUPT_DATA'] },
  { name: 'gzip cut short', coding: 'gzip', body: gz.subarray(0, gz.length - 10), codes: ['TRUNCATED_DATA'] },
  { name: 'gzip cut after the header', coding: 'gzip', body: gz.subarray(0, 10), codes: ['TRUNCATED_DATA'] },
  { name: 'a body that is not gzip at all', coding: 'gzip', body: Buffer.from('plain text, not gzip'), codes: ['CORRUPT_DATA'] },
  { name: 'deflate with corrupt data', coding: 'deflate', body: flip(deflated, 5), codes: ['CORRUPT_DATA'] },
  { name: 'deflate cut short', coding: 'deflate', body: deflated.subarray(0, deflated.length - 8), codes: ['TRUNCATED_DATA'] },
  { name: 'br with corrupt data', coding: 'br', body: flip(br, 3), codes: ['CORRUPT_DATA'] },
  { name: 'br cut short', coding: 'br', body: br.subarray(0, br.length - 4), codes: ['TRUNCATED_DATA', 'CORRUPT_DATA'] },
  { name: 'six chained gzip codings', coding: 'gzip, gzip, gzip, gzip, gzip, gzip', body: gz, codes: ['TOO_MANY_CODINGS'] },
  { name: 'six chained codings of mixed kinds', coding: 'gzip, deflate, br, gzip, deflate, br', body: gz, codes: ['TOO_MANY_CODINGS'] },
  { name: 'a thousand chained codings', coding: Array.from({ length: 1000 }, () => 'gzip').join(', '), body: gz, codes: ['TOO_MANY_CODINGS'] },
]

for (const c of bads) {
  for (const stream of [false, true]) {
    t.test(`${stream ? 'streamed: ' : ''}${c.name} is a ContentDecodingError and no body is returned`, async t => {
      const server = await serve(t, coded(c.body, c.coding))
      const { s } = client(t)
      const got: Buffer[] = []
      const err = await rejection(stream
        ? (async () => {
            const r = await s.get(`${base(server)}/bad`, { stream: true, timeout: 5000 })
            for await (const chunk of r.iterContent()) got.push(chunk)
            return r
          })()
        : s.get(`${base(server)}/bad`, { timeout: 5000 }))
      t.ok(err instanceof ContentDecodingError, `a ContentDecodingError (got ${className(err)}: ${err.message.slice(0, 160)})`)
      t.ok(c.codes.includes(String(err.code)), `code ${String(err.code)} is one of ${c.codes.join(', ')}`)
      t.notOk(Buffer.concat(got).equals(HELLO), 'the whole body never arrived as if nothing were wrong')
      await nextWorks(t, s, server)
    })
  }
}

t.test('six codings spread over several Content-Encoding lines are refused too', async t => {
  const server = await serve(t, response(200, gz, ['Content-Encoding: gzip, gzip', 'Content-Encoding: gzip, gzip', 'Content-Encoding: gzip, gzip']))
  const { s } = client(t)
  const err = await rejection(s.get(`${base(server)}/bad`, { timeout: 5000 }))
  t.ok(err instanceof ContentDecodingError, `a ContentDecodingError (got ${className(err)})`)
  t.equal(err.code, 'TOO_MANY_CODINGS')
  await nextWorks(t, s, server)
})

t.test('five chained codings, the most allowed, decode', async t => {
  let body: Buffer = HELLO
  for (let i = 0; i < 5; i++) body = zlib.gzipSync(body)
  const server = await serve(t, coded(body, 'gzip, gzip, gzip, gzip, gzip'))
  const { s } = client(t)
  const r = await s.get(`${base(server)}/ok`, { timeout: 5000 })
  t.ok(r.content.equals(HELLO))
  await nextWorks(t, s, server)
})
