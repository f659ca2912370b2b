// The parser suite: reqwire's ResponseParser against llhttp as Node ships it, on the same bytes,
// in the same process (both are synchronous and CPU-bound, so a child process would add nothing
// but noise). Each contender keeps one parser for a whole round, as a keep-alive connection does,
// and reports heads, body slices and message ends to a handler that only counts them.
//
// Before timing anything, every scenario feeds its message through each contender with a
// recording handler and checks they saw the same status, fields, body and trailers, so the
// table never compares parsers doing different work, and whether body slices were copied.

import { ResponseParser } from '../lib/http1/parser.js'
import { LlhttpResponseParser } from './llhttp.js'
import type { Contender, MetricSpec, Prepared, RunContext, Scenario, Suite } from './harness.js'
import { KiB, MiB, throughput, timeSync } from './harness.js'

// ── The two parsers behind one shape ─────────────────────────────────────────────────────────

/** The events both parsers report, reduced to what a client needs from them. */
interface Events {
  head(status: number, reason: string, headers: string[]): void
  data(chunk: Buffer): void
  end(trailers: string[]): void
}

/** One parser on one connection. `message` feeds one response, read by read. */
interface Connection {
  message(reads: readonly Buffer[]): void
}

interface ParserUnderTest {
  readonly name: string
  connect(events: Events): Connection
}

const llhttp: ParserUnderTest = {
  name: 'llhttp',
  connect(events) {
    const parser = new LlhttpResponseParser({
      onHead: (status, reason, headers) => events.head(status, reason, headers),
      onData: (chunk) => events.data(chunk),
      onEnd: (trailers) => events.end(trailers),
    })
    return {
      message(reads) {
        for (const read of reads) parser.receive(read)
      },
    }
  },
}

const reqwire: ParserUnderTest = {
  name: 'reqwire',
  connect(events) {
    const parser = new ResponseParser({
      onInterim: () => {},
      onHead: (head) => events.head(head.status, head.reason, head.headers),
      onData: (chunk) => events.data(chunk),
      onEnd: (end) => events.end(end.trailers),
    })
    return {
      message(reads) {
        parser.expect(GET)
        for (const read of reads) parser.receive(read)
      },
    }
  },
}

const GET = { method: 'GET' } as const

/** The baseline first: its row heads the table. */
const PARSERS: readonly ParserUnderTest[] = [llhttp, reqwire]

// ── Handlers ─────────────────────────────────────────────────────────────────────────────────

/** The handler timed rounds use: it touches what it is given and keeps counts to check. */
class Tally implements Events {
  heads = 0
  fields = 0
  bytes = 0
  ends = 0
  head(_status: number, _reason: string, headers: string[]): void {
    this.heads++
    this.fields += headers.length
  }
  data(chunk: Buffer): void {
    this.bytes += chunk.length
  }
  end(_trailers: string[]): void {
    this.ends++
  }
}

/** The handler of the check before timing: it keeps everything. */
class Recorder implements Events {
  readonly heads: { status: number; reason: string; headers: string[] }[] = []
  readonly chunks: Buffer[] = []
  readonly ends: string[][] = []
  head(status: number, reason: string, headers: string[]): void {
    this.heads.push({ status, reason, headers: [...headers] })
  }
  data(chunk: Buffer): void {
    this.chunks.push(chunk)
  }
  end(trailers: string[]): void {
    this.ends.push([...trailers])
  }
}

// ── Messages ─────────────────────────────────────────────────────────────────────────────────

/** The eight fields of a typical API response, Content-Length or Transfer-Encoding aside. */
function typicalHead(framing: string): string {
  return [
    'HTTP/1.1 200 OK',
    'Date: Mon, 02 Jun 2025 12:00:00 GMT',
    'Content-Type: application/json; charset=utf-8',
    framing,
    'Connection: keep-alive',
    'Server: nginx/1.25.3',
    'Cache-Control: private, max-age=0, must-revalidate',
    'ETag: W/"64-1a2b3c4d5e6f7a8b"',
    'Vary: Accept-Encoding',
    '',
    '',
  ].join('\r\n')
}

/** A body of printable bytes, different at every offset, so a misplaced slice shows. */
function bodyOf(length: number): Buffer {
  const body = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) body[i] = 0x21 + ((i * 7 + (i >> 8)) % 94)
  return body
}

function chunked(body: Buffer, chunkSize: number): Buffer {
  const parts: Buffer[] = []
  for (let at = 0; at < body.length; at += chunkSize) {
    const piece = body.subarray(at, at + chunkSize)
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from('0\r\n\r\n'))
  return Buffer.concat(parts)
}

/**
 * Cuts a message into socket-sized reads, each in its own ArrayBuffer as a socket delivers them,
 * so a body slice can be traced back to the read it came from.
 */
function splitIntoReads(wire: Buffer, readSize: number): Buffer[] {
  const reads: Buffer[] = []
  for (let at = 0; at < wire.length; at += readSize) {
    const piece = wire.subarray(at, at + readSize)
    const read = Buffer.allocUnsafeSlow(piece.length)
    piece.copy(read)
    reads.push(read)
  }
  return reads
}

interface Message {
  readonly reads: readonly Buffer[]
  readonly wireBytes: number
  readonly body: Buffer
}

function message(head: string, body: Buffer, wireBody: Buffer, readSize: number): Message {
  const wire = Buffer.concat([Buffer.from(head, 'latin1'), wireBody])
  return { reads: splitIntoReads(wire, readSize), wireBytes: wire.length, body }
}

// ── Checks before timing ─────────────────────────────────────────────────────────────────────

/**
 * Feeds the message twice on one connection (the second time is the keep-alive reuse) and
 * returns what was seen, or throws if the parser framed it wrongly.
 */
function record(parser: ParserUnderTest, msg: Message): Recorder {
  const recorder = new Recorder()
  const connection = parser.connect(recorder)
  connection.message(msg.reads)
  connection.message(msg.reads)
  const body = Buffer.concat(recorder.chunks)
  const expected = Buffer.concat([msg.body, msg.body])
  if (recorder.heads.length !== 2 || recorder.ends.length !== 2 || !body.equals(expected)) {
    throw new Error(`${parser.name} did not frame two messages: ${recorder.heads.length} heads, ${recorder.ends.length} ends, ${body.length} of ${expected.length} body bytes`)
  }
  return recorder
}

/** Field names compare case-insensitively: a parser may normalize them. */
function sameHead(a: Recorder, b: Recorder): boolean {
  const [x, y] = [a.heads[0], b.heads[0]]
  if (x === undefined || y === undefined) return false
  if (x.status !== y.status || x.reason !== y.reason || x.headers.length !== y.headers.length) return false
  return x.headers.every((field, i) => {
    const other = y.headers[i] ?? ''
    return i % 2 === 0 ? field.toLowerCase() === other.toLowerCase() : field === other
  })
}

/** How many body slices are views into one of the input reads, i.e. were not copied. */
function viewsOfInput(chunks: readonly Buffer[], reads: readonly Buffer[]): number {
  let views = 0
  for (const chunk of chunks) {
    const inside = reads.some(
      (read) =>
        chunk.buffer === read.buffer &&
        chunk.byteOffset >= read.byteOffset &&
        chunk.byteOffset + chunk.length <= read.byteOffset + read.length,
    )
    if (inside) views++
  }
  return views
}

// ── Scenarios ────────────────────────────────────────────────────────────────────────────────

const METRICS: readonly MetricSpec[] = [
  { key: 'ops/s', label: 'msgs/s', better: 'higher', digits: 0 },
  { key: 'MiB/s', better: 'higher', digits: 1 },
  { key: 'ns/op', label: 'ns/msg', better: 'lower', digits: 0 },
  // Beside wall time: far below it means the process waited for a CPU, i.e. a loaded machine.
  { key: 'cpu ns/op', label: 'cpu ns/msg', better: 'lower', digits: 0 },
]

interface ScenarioShape {
  readonly name: string
  readonly title: string
  readonly headline: 'ops/s' | 'MiB/s'
  build(): Message
}

function parserScenario(shape: ScenarioShape): Scenario {
  return {
    name: shape.name,
    title: shape.title,
    metrics: METRICS,
    headline: shape.headline,
    baseline: llhttp.name,
    prepare(ctx: RunContext): Prepared {
      const msg = shape.build()
      const notes: string[] = []
      const reference = record(llhttp, msg)
      for (const parser of PARSERS) {
        const seen = parser === llhttp ? reference : record(parser, msg)
        if (!sameHead(seen, reference)) throw new Error(`${parser.name} and llhttp disagree on the head of ${shape.name}`)
        const views = viewsOfInput(seen.chunks, msg.reads)
        const verdict = views === seen.chunks.length ? 'no copy' : views === 0 ? 'copied' : 'partly copied'
        notes.push(`${parser.name}: ${views} of ${seen.chunks.length} body slices are views of the input reads (${verdict})`)
      }
      notes.push(`${msg.reads.length} read${msg.reads.length === 1 ? '' : 's'} and ${msg.wireBytes.toLocaleString('en-US')} bytes per message; MiB/s counts every byte fed`)
      const contenders: Contender[] = PARSERS.map((parser) => ({
        name: parser.name,
        round: (index) => {
          const tally = new Tally()
          const connection = parser.connect(tally)
          const sample = timeSync(() => connection.message(msg.reads), ctx.timing, index)
          if (tally.ends !== tally.heads || tally.bytes !== tally.ends * msg.body.length) {
            throw new Error(`${parser.name} lost count in ${shape.name}: ${tally.heads} heads, ${tally.ends} ends, ${tally.bytes} bytes`)
          }
          return throughput(sample, msg.wireBytes)
        },
      }))
      return { contenders, notes }
    },
  }
}

export const parserSuite: Suite = {
  name: 'parser',
  title: 'Response parser: reqwire ResponseParser vs llhttp (node:http), same process',
  scenarios: [
    parserScenario({
      name: 'a',
      title: '200, 8 typical fields, 100 B body, fed whole, keep-alive',
      headline: 'ops/s',
      build: () => {
        const body = bodyOf(100)
        return message(typicalHead('Content-Length: 100'), body, body, Number.MAX_SAFE_INTEGER)
      },
    }),
    parserScenario({
      name: 'b',
      title: 'chunked 64 KiB body in 1 KiB chunks, 16 KiB reads',
      headline: 'ops/s',
      build: () => {
        const body = bodyOf(64 * KiB)
        return message(typicalHead('Transfer-Encoding: chunked'), body, chunked(body, KiB), 16 * KiB)
      },
    }),
    parserScenario({
      name: 'c',
      title: '1 MiB Content-Length body, 64 KiB reads',
      headline: 'MiB/s',
      build: () => {
        const body = bodyOf(MiB)
        return message(typicalHead(`Content-Length: ${MiB}`), body, body, 64 * KiB)
      },
    }),
  ],
}
