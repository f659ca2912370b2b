// A seeded mutation fuzzer for the response parser. It takes the valid byte vectors, breaks them
// (flipped, inserted and deleted bytes, lines duplicated or removed, CR/LF/NUL/SP thrown in,
// lengths and chunk sizes rewritten, truncation) and checks, for every mutant:
//
//   1. the parser only ever emits events or throws ParseError: any other exception is a bug;
//   2. fed whole, byte by byte, or cut in three poisoned pieces, it gives the same events;
//   3. after a ParseError, the next receive() throws PARSER_FAILED;
//   4. the events are well-formed: heads before bodies, a length body has exactly its length,
//      names are tokens, values trimmed and free of CR, LF and NUL;
//   5. a small reference model written from RFC 9112 (below) accepts or refuses the same bytes
//      and frames them into the same events; where the contract leaves a choice, it abstains.
//
// Mutant i of a seed depends on nothing but (seed, i), so a failure is replayed with
// mutantAt(seed, i). A hang cannot be caught in the thread that hangs: fuzz.test.ts runs
// runFuzz in a worker and watches `progress`. From the command line (after tsc):
//   node .build/test/http1/fuzz.js --seed 1234 --ms 300000 [--iterations N]

import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { pathToFileURL } from 'node:url'
import { decideFraming, type HttpVersion } from '../../lib/http1/framing.js'
import { TOKEN, FIELD_VALUE } from '../../lib/http1/chars.js'
import { MAX_CHUNK_LINE, MAX_FIELDS, MAX_HEAD_SIZE, MAX_INTERIM_RESPONSES, MAX_TRAILER_SIZE } from '../../lib/http1/limits.js'
import { SIZE_LIMIT_CODES, bytesOf, embed, POISONS, record, requestsOf, sameEvents, tailAlternative, type RecordedEvent, type Recording } from './harness.js'
import { mulberry32 } from '../support/prng.js'
import { vectors, type ExpectedRequest } from './vectors.js'

export interface Mutant {
  input: Buffer
  requests: ExpectedRequest[]
  eof: boolean
  /** The mutations applied, in order, for the failure report. */
  steps: string[]
}

export interface FuzzFailure {
  seed: number
  iteration: number
  problem: string
  /** The mutant's bytes as a latin1 string (JSON-quoted in reports). */
  input: string
  requests: ExpectedRequest[]
  eof: boolean
  steps: string[]
}

export interface FuzzOptions {
  seed: number
  /** Stop after this many mutants (default: unbounded when milliseconds is given, else 1000). */
  iterations?: number
  /** Stop after this much time. */
  milliseconds?: number
  /** Stop after this many failures (default 10). */
  maxFailures?: number
  /** progress[0] is set to the iteration about to run, for a watchdog in another thread. */
  progress?: Int32Array
}

export interface FuzzReport {
  seed: number
  iterations: number
  milliseconds: number
  failures: FuzzFailure[]
  /** How the mutants ended: 'ok', a ParseError code, or 'incomplete'; shows what was reached. */
  outcomes: Record<string, number>
  /** Mutants the reference model judged (it abstains where the contract leaves a choice). */
  referenceChecked: number
}

// ---------------------------------------------------------------------------------------------
// Mutations

const SEEDS: readonly { input: Buffer; requests: ExpectedRequest[]; eof: boolean }[] = vectors
  .filter(v => v.error === undefined && v.limits === undefined && bytesOf(v.input).length <= 1024)
  .map(v => ({ input: bytesOf(v.input), requests: requestsOf(v), eof: v.eof ?? false }))

const SPECIAL = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x30, 0x66, 0x7f, 0xff, 0x22, 0x3d]
const FIELD_LINES = [
  'Content-Length: 3',
  'Content-Length: 0',
  'Content-Length: 99999',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip',
  'Transfer-Encoding: gzip, chunked',
  'Connection: close',
  'Connection: keep-alive',
  'X: a\x00b',
  ' folded',
  'Bad Name: v',
]
const EXTRA_HEADS = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz', 'HTTP/1.1 204 No Content\r\n\r\n', '0\r\n\r\n']

type Rng = () => number

const int = (rng: Rng, n: number): number => Math.floor(rng() * n)
const pick = <T>(rng: Rng, list: readonly T[]): T => list[int(rng, list.length)] as T

/** Offsets just past each LF: where lines start. */
function lineStarts(b: Buffer): number[] {
  const starts = [0]
  for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) if (i + 1 < b.length) starts.push(i + 1)
  return starts
}

/** [start, end) of a random line, LF included when there is one. */
function randomLine(rng: Rng, b: Buffer): [number, number] {
  const start = pick(rng, lineStarts(b))
  const lf = b.indexOf(0x0a, start)
  return [start, lf === -1 ? b.length : lf + 1]
}

const MUTATIONS: readonly [string, (rng: Rng, b: Buffer) => Buffer][] = [
  ['flip a bit', (rng, b) => {
    if (b.length === 0) return b
    const c = Buffer.from(b)
    const i = int(rng, c.length)
    c[i] = (c[i] as number) ^ (1 << int(rng, 8))
    return c
  }],
  ['set a byte', (rng, b) => {
    if (b.length === 0) return b
    const c = Buffer.from(b)
    c[int(rng, c.length)] = rng() < 0.5 ? pick(rng, SPECIAL) : int(rng, 256)
    return c
  }],
  ['insert CR, LF, NUL, SP or another special byte', (rng, b) => {
    const i = int(rng, b.length + 1)
    return Buffer.concat([b.subarray(0, i), Buffer.from([pick(rng, SPECIAL)]), b.subarray(i)])
  }],
  ['delete bytes', (rng, b) => {
    const i = int(rng, b.length + 1)
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + int(rng, 4))])
  }],
  ['duplicate a line', (rng, b) => {
    const [s, e] = randomLine(rng, b)
    return Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)])
  }],
  ['remove a line', (rng, b) => {
    const [s, e] = randomLine(rng, b)
    return Buffer.concat([b.subarray(0, s), b.subarray(e)])
  }],
  ['insert a field line', (rng, b) => {
    const starts = lineStarts(b)
    const at = starts.length > 1 ? pick(rng, starts.slice(1)) : b.length
    return Buffer.concat([b.subarray(0, at), Buffer.from(pick(rng, FIELD_LINES) + '\r\n', 'latin1'), b.subarray(at)])
  }],
  ['change a number', (rng, b) => {
    const runs: [number, number][] = []
    for (let i = 0; i < b.length; ) {
      if (isHex(b[i] as number)) {
        let j = i
        while (j < b.length && isHex(b[j] as number)) j++
        runs.push([i, j])
        i = j
      } else i++
    }
    if (runs.length === 0) return b
    const [s, e] = pick(rng, runs)
    const choices = [
      () => String(int(rng, 10)),
      () => String(Number.parseInt(b.toString('latin1', s, e), 16) + (rng() < 0.5 ? 1 : -1)),
      () => b.toString('latin1', s, e) + pick(rng, ['0', '1', 'f', 'F']),
      () => b.toString('latin1', s + 1, e),
      () => '0' + b.toString('latin1', s, e),
      () => 'f'.repeat(1 + int(rng, 20)),
      () => String(int(rng, 1e6)),
    ]
    return Buffer.concat([b.subarray(0, s), Buffer.from(pick(rng, choices)(), 'latin1'), b.subarray(e)])
  }],
  ['truncate', (rng, b) => b.subarray(0, int(rng, b.length + 1))],
  ['turn a CRLF into a bare LF or a bare CR', (rng, b) => {
    const crlfs: number[] = []
    for (let i = b.indexOf('\r\n'); i !== -1; i = b.indexOf('\r\n', i + 1)) crlfs.push(i)
    if (crlfs.length === 0) return b
    const i = pick(rng, crlfs)
    return Buffer.concat([b.subarray(0, i), rng() < 0.5 ? Buffer.from('\n') : Buffer.from('\r'), b.subarray(i + 2)])
  }],
  ['copy a slice elsewhere', (rng, b) => {
    const s = int(rng, b.length + 1)
    const e = Math.min(b.length, s + 1 + int(rng, 40))
    const at = int(rng, b.length + 1)
    return Buffer.concat([b.subarray(0, at), b.subarray(s, e), b.subarray(at)])
  }],
  ['append a response or a last chunk', (rng, b) => Buffer.concat([b, Buffer.from(pick(rng, EXTRA_HEADS), 'latin1')])],
  ['prepend a 100 Continue', (_rng, b) => Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), b])],
]

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** The iteration-th mutant of a seed; the same (seed, iteration) always gives the same bytes. */
export function mutantAt(seed: number, iteration: number): Mutant {
  const rng = mulberry32((seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0)
  const base = pick(rng, SEEDS)
  let input = base.input
  const steps: string[] = []
  const count = 1 + int(rng, 4)
  for (let i = 0; i < count; i++) {
    const [name, mutate] = pick(rng, MUTATIONS)
    input = mutate(rng, input)
    steps.push(name)
  }
  let requests = base.requests.map(r => ({ ...r }))
  const r = rng()
  if (r < 0.05) requests = [{ method: 'HEAD' }]
  else if (r < 0.08) requests = [{ method: 'CONNECT' }]
  else if (r < 0.11) requests = [{ method: 'GET', upgrade: true }]
  else if (r < 0.16) requests = [...requests, { method: 'GET' }]
  if (requests.length !== base.requests.length || requests[0]?.method !== base.requests[0]?.method) steps.push(`requests ${JSON.stringify(requests)}`)
  const eof = rng() < 0.25 ? !base.eof : base.eof
  if (eof !== base.eof) steps.push(eof ? 'close after the input' : 'no close after the input')
  return { input, requests, eof, steps }
}

// ---------------------------------------------------------------------------------------------
// The reference model: RFC 9112 read as directly as possible, over the whole input at once.
// It returns the events and whether the bytes are refused, or null where the contract lets a
// parser choose (an incomplete head holding an error, close reasons that overlap, limits).

interface Verdict {
  events: RecordedEvent[]
  refused: boolean
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/

/**
 * The lines of a block ending in an empty line, from `pos`. `end` is null while the empty line
 * has not arrived, and `partial` is then where the unfinished last line starts; 'refuse' on a
 * bare LF; 'unsure' past the size budget.
 */
function readBlock(b: Buffer, pos: number, max: number): { lines: string[]; end: number | null; partial: number } | 'refuse' | 'unsure' {
  const lines: string[] = []
  let start = pos
  for (;;) {
    const lf = b.indexOf(0x0a, start)
    if (lf === -1) return b.length - pos > max ? 'unsure' : { lines, end: null, partial: start }
    if (lf + 1 - pos > max) return 'unsure'
    if (lf === start || b[lf - 1] !== 0x0d) return 'refuse' // RFC 9112 §2.2: a bare LF
    const line = b.toString('latin1', start, lf - 1)
    start = lf + 1
    if (line === '') return { lines, end: start, partial: start }
    lines.push(line)
  }
}

/** Each byte of a valid status line, as a prefix: "H", "HT", … "HTTP/1.1 200 OK". */
const STATUS_LINE_PREFIX = /^(?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:[01](?: (?:[1-5](?:\d(?:\d(?: [\t\x20-\x7e\x80-\xff]*)?)?)?)?)?)?)?)?)?)?)?)?)?\r?$/
/** A field line cut anywhere. */
const FIELD_LINE_PREFIX = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?::[\t\x20-\x7e\x80-\xff]*)?)?\r?$/

/** Whether an unfinished head could still become a valid one. */
function couldBeHeadPrefix(lines: readonly string[], partial: string): boolean {
  const [status, ...fields] = lines
  if (status === undefined) return STATUS_LINE_PREFIX.test(partial)
  if (!STATUS_LINE.test(status) || parseFields(fields) === null) return false
  return FIELD_LINE_PREFIX.test(partial)
}

/** Field lines to [name, value, …], or null when one is invalid (RFC 9112 §5, RFC 9110 §5.5). */
function parseFields(lines: readonly string[]): string[] | null {
  const out: string[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) return null
    for (let i = 0; i < colon; i++) if (TOKEN[line.charCodeAt(i)] !== 1) return null
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')
    for (let i = 0; i < value.length; i++) if (FIELD_VALUE[value.charCodeAt(i)] !== 1) return null
    out.push(line.slice(0, colon), value)
  }
  return out
}

function valuesOf(fields: readonly string[], name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < fields.length; i += 2) if ((fields[i] as string).toLowerCase() === name) out.push(fields[i + 1] as string)
  return out
}

export function referenceModel(input: Buffer, requests: readonly ExpectedRequest[], eof: boolean): Verdict | null {
  const events: RecordedEvent[] = []
  const refuse = (): Verdict => ({ events, refused: true })
  const pending = (): Verdict => ({ events, refused: eof })
  let pos = 0
  if (requests.length === 0) return input.length > 0 ? refuse() : { events, refused: false }
  for (let r = 0; r < requests.length; r++) {
    const request = requests[r] as ExpectedRequest
    let interims = 0
    let head: { version: HttpVersion; status: number; reason: string; fields: string[] } | null = null
    while (head === null) {
      const block = readBlock(input, pos, MAX_HEAD_SIZE)
      if (block === 'unsure') return null
      if (block === 'refuse') return refuse()
      const [statusLine = '', ...fieldLines] = block.lines
      const m = STATUS_LINE.exec(statusLine)
      const fields = parseFields(fieldLines)
      if (block.end === null) {
        // An error in an unfinished head may be reported as its bytes arrive or at its end.
        if (!eof && !couldBeHeadPrefix(block.lines, input.toString('latin1', block.partial))) return null
        return pending()
      }
      if (m === null) return refuse()
      if (fieldLines.length > MAX_FIELDS) return null
      if (fields === null) return refuse()
      const status = Number(m[2])
      const version: HttpVersion = m[1] === '1' ? '1.1' : '1.0'
      const reason = m[3] ?? ''
      pos = block.end
      if (status < 200 && status !== 101) {
        if (++interims > MAX_INTERIM_RESPONSES) return null
        events.push({ type: 'interim', version, status, reason, headers: fields, framing: { kind: 'none' } })
        continue
      }
      head = { version, status, reason, fields }
    }
    const { version, status, reason, fields } = head
    if (status === 101) {
      if (request.upgrade !== true) return refuse()
      events.push({ type: 'head', version, status, reason, headers: fields, framing: { kind: 'none' } })
      events.push({ type: 'end', trailers: [], closeReason: 'tunnel', tunnel: input.toString('latin1', pos) })
      return { events, refused: false }
    }
    const framing = decideFraming({
      requestMethod: request.method,
      status,
      version,
      contentLength: valuesOf(fields, 'content-length'),
      transferEncoding: valuesOf(fields, 'transfer-encoding'),
    })
    if (framing.kind === 'violation') return refuse()
    const options = valuesOf(fields, 'connection').flatMap(v => v.split(',').map(o => o.trim().toLowerCase()))
    // RFC 9112 §9.3, §9.6; the contract leaves open which reason wins when several apply, so the
    // model abstains there instead of picking.
    const reasons: string[] = []
    if (request.method === 'CONNECT' && status < 300) reasons.push('tunnel')
    if (framing.kind === 'close') reasons.push('read-until-close')
    if (options.includes('close')) reasons.push('connection-close')
    if (version === '1.0' && !options.includes('keep-alive')) reasons.push('http10')
    if (reasons.length > 1 && !(reasons[0] === 'tunnel')) return null
    const closeReason: string | null = reasons[0] ?? null
    events.push({ type: 'head', version, status, reason, headers: fields, framing: framing.kind === 'length' ? { kind: 'length', length: framing.length } : framing.kind === 'none' ? { kind: 'none' } : { kind: framing.kind, codings: [...framing.codings] } })

    let trailers: string[] = []
    if (closeReason === 'tunnel') {
      events.push({ type: 'end', trailers: [], closeReason, tunnel: input.toString('latin1', pos) })
      return { events, refused: false }
    }
    if (framing.kind === 'length') {
      const n = Math.min(framing.length, input.length - pos)
      if (n > 0) events.push({ type: 'data', data: input.toString('latin1', pos, pos + n) })
      pos += n
      if (n < framing.length) return pending()
    } else if (framing.kind === 'close') {
      if (pos < input.length) events.push({ type: 'data', data: input.toString('latin1', pos) })
      if (!eof) return { events, refused: false }
      if (r < requests.length - 1) return null // what a close means for requests still queued is open
      events.push({ type: 'end', trailers: [], closeReason: 'read-until-close', tunnel: null })
      return { events, refused: false }
    } else if (framing.kind === 'chunked') {
      const body = readChunked(input, pos, events, eof)
      if (body === 'refuse') return refuse()
      if (body === 'unsure') return null
      if (body === 'incomplete') return pending()
      trailers = body.trailers
      pos = body.end
    }
    const left = input.length - pos
    const last = r === requests.length - 1
    if (closeReason !== null) {
      if (left > 0) return null // unsolicited-data or the close reason: the contract does not rank them
      events.push({ type: 'end', trailers, closeReason, tunnel: null })
      return { events, refused: false }
    }
    events.push({ type: 'end', trailers, closeReason: last && left > 0 ? 'unsolicited-data' : null, tunnel: null })
    if (last && left > 0) return { events, refused: false }
  }
  return { events, refused: false }
}

/** Chunked body from `pos` (RFC 9112 §7.1), pushing data events; byte by byte like the grammar. */
function readChunked(b: Buffer, pos: number, events: RecordedEvent[], eof: boolean): { trailers: string[]; end: number } | 'refuse' | 'incomplete' | 'unsure' {
  const data = (s: number, e: number): void => {
    if (e <= s) return
    const last = events[events.length - 1]
    if (last?.type === 'data') last.data += b.toString('latin1', s, e)
    else events.push({ type: 'data', data: b.toString('latin1', s, e) })
  }
  for (;;) {
    // chunk-size [ chunk-ext ] CRLF
    const lineStart = pos
    let size = 0
    let digits = 0
    while (pos < b.length && isHex(b[pos] as number)) {
      size = size * 16 + Number.parseInt(String.fromCharCode(b[pos] as number), 16)
      if (size > Number.MAX_SAFE_INTEGER) return 'refuse'
      digits++
      pos++
      if (pos - lineStart > MAX_CHUNK_LINE) return 'unsure'
    }
    if (pos === b.length) return 'incomplete'
    if (digits === 0) return 'refuse'
    // BWS, then ";" and the extension, or CRLF at once; controls other than HTAB are refused.
    let sawSpace = false
    while (pos < b.length && (b[pos] === 0x20 || b[pos] === 0x09)) {
      sawSpace = true
      pos++
    }
    if (pos === b.length) return 'incomplete'
    if (b[pos] === 0x3b) {
      while (pos < b.length && b[pos] !== 0x0d) {
        const c = b[pos] as number
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'refuse'
        pos++
        if (pos - lineStart > MAX_CHUNK_LINE) return 'unsure'
      }
      if (pos === b.length) return 'incomplete'
    } else if (sawSpace || b[pos] !== 0x0d) {
      return 'refuse'
    }
    if (pos - lineStart + 2 > MAX_CHUNK_LINE) return 'unsure'
    pos++ // CR
    if (pos === b.length) return 'incomplete'
    if (b[pos] !== 0x0a) return 'refuse'
    pos++
    if (size === 0) break
    const n = Math.min(size, b.length - pos)
    data(pos, pos + n)
    pos += n
    if (n < size || pos === b.length) return 'incomplete'
    if (b[pos] !== 0x0d) return 'refuse'
    pos++
    if (pos === b.length) return 'incomplete'
    if (b[pos] !== 0x0a) return 'refuse'
    pos++
  }
  const block = readBlock(b, pos, MAX_TRAILER_SIZE)
  if (block === 'unsure' || block === 'refuse') return block
  if (block.lines.length > MAX_FIELDS) return 'unsure'
  const trailers = parseFields(block.lines)
  if (block.end === null) {
    const partial = b.toString('latin1', block.partial)
    return !eof && (trailers === null || !FIELD_LINE_PREFIX.test(partial)) ? 'unsure' : 'incomplete'
  }
  if (trailers === null) return 'refuse'
  return { trailers, end: block.end }
}

// ---------------------------------------------------------------------------------------------
// Checks

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Well-formedness of one recording; returns the first problem or null. */
function invariants(run: Recording): string | null {
  let inMessage = false
  let framing: RecordedEvent | null = null
  let bodyBytes = 0
  for (const e of run.events) {
    switch (e.type) {
      case 'crash':
        return `not a ParseError: ${e.error}`
      case 'interim':
      case 'head': {
        if (inMessage) return `${e.type} inside a message body`
        if (e.headers.length % 2 !== 0) return 'headers is not a list of pairs'
        for (let i = 0; i < e.headers.length; i += 2) {
          const name = e.headers[i] as string
          const value = e.headers[i + 1] as string
          if (!TOKEN_RE.test(name)) return `field name ${JSON.stringify(name)} is not a token`
          if (/[\r\n\x00]/.test(value) || /^[ \t]|[ \t]$/.test(value)) return `field value ${JSON.stringify(value)} is not clean`
        }
        if (e.type === 'interim' && (e.status < 100 || e.status > 199 || e.status === 101)) return `interim with status ${e.status}`
        if (e.type === 'head') {
          inMessage = true
          framing = e
          bodyBytes = 0
        }
        break
      }
      case 'data':
        if (!inMessage) return 'data outside a message'
        bodyBytes += e.data.length
        break
      case 'end': {
        if (!inMessage || framing === null || framing.type !== 'head') return 'end without a head'
        const f = framing.framing
        if (f.kind === 'length' && bodyBytes !== f.length) return `length body of ${f.length} ended after ${bodyBytes} bytes`
        if (f.kind === 'none' && bodyBytes !== 0) return 'a bodiless response carried data'
        if ((e.tunnel !== null) !== (e.closeReason === 'tunnel')) return 'tunnel bytes without a tunnel, or the reverse'
        inMessage = false
        break
      }
      case 'error':
        break
    }
  }
  return null
}

function errorOf(run: Recording): { code: string; offset: number | null } | null {
  const last = run.events[run.events.length - 1]
  return last?.type === 'error' ? { code: last.code, offset: run.errorOffset } : null
}

/** Runs every check on one mutant; returns the problems found (none: empty). */
export function checkMutant(m: Mutant, rng: Rng, stats?: { referenceChecked: number }): { problems: string[]; outcome: string } {
  const options = { requests: m.requests, eof: m.eof }
  const whole = record([m.input], options)
  const problems: string[] = []
  const wrong = invariants(whole)
  if (wrong !== null) problems.push(`fed whole: ${wrong}`)

  const err = errorOf(whole)
  if (err !== null && whole.afterError !== null && whole.afterError !== 'PARSER_FAILED') {
    problems.push(`after ${err.code}, the next receive() gave ${whole.afterError} instead of PARSER_FAILED`)
  }

  const bytes = Array.from(m.input, (_, i) => embed(m.input.subarray(i, i + 1), POISONS[i % POISONS.length] as Buffer, 1, 1))
  const a = int(rng, m.input.length + 1)
  const b = a + int(rng, m.input.length - a + 1)
  const poison = pick(rng, POISONS)
  const thirds = [m.input.subarray(0, a), m.input.subarray(a, b), m.input.subarray(b)].map(p => embed(p, poison))
  for (const [label, pieces] of [['byte by byte', bytes], [`cut at ${a} and ${b}`, thirds]] as const) {
    const run = record(pieces, options)
    const last = whole.events[whole.events.length - 1]
    const tail = last?.type === 'end' && last.closeReason === 'unsolicited-data'
    if (!sameEvents(run.events, whole.events) && !(tail && sameEvents(run.events, tailAlternative(whole.events)))) {
      problems.push(`${label}: events differ from fed whole: ${JSON.stringify(run.events).slice(0, 600)} vs ${JSON.stringify(whole.events).slice(0, 600)}`)
    }
    const e = errorOf(run)
    if (e !== null && err !== null && e.code === err.code && !SIZE_LIMIT_CODES.has(e.code as never) && e.offset !== err.offset) {
      problems.push(`${label}: ${e.code} at offset ${e.offset}, fed whole at ${err.offset}`)
    }
  }

  const verdict = referenceModel(m.input, m.requests, m.eof)
  if (verdict !== null && wrong === null) {
    if (stats) stats.referenceChecked++
    const events = err === null ? whole.events : whole.events.slice(0, -1)
    if (verdict.refused !== (err !== null)) {
      problems.push(`the reference ${verdict.refused ? 'refuses' : 'accepts'} these bytes, the parser ${err === null ? 'accepts them' : `refuses them with ${err.code}`}`)
    } else if (!sameEvents(events, verdict.events)) {
      problems.push(`events differ from the reference: ${JSON.stringify(events).slice(0, 600)} vs ${JSON.stringify(verdict.events).slice(0, 600)}`)
    }
  }

  const last = whole.events[whole.events.length - 1]
  const outcome = err !== null ? err.code : last?.type === 'end' ? 'ok' : 'incomplete'
  return { problems, outcome }
}

export function runFuzz(options: FuzzOptions): FuzzReport {
  const { seed } = options
  const started = Date.now()
  const limit = options.iterations ?? (options.milliseconds === undefined ? 1000 : Number.POSITIVE_INFINITY)
  const deadline = options.milliseconds === undefined ? Number.POSITIVE_INFINITY : started + options.milliseconds
  const maxFailures = options.maxFailures ?? 10
  const failures: FuzzFailure[] = []
  const outcomes: Record<string, number> = {}
  const stats = { referenceChecked: 0 }
  let i = 0
  for (; i < limit && failures.length < maxFailures; i++) {
    if ((i & 15) === 0 && Date.now() >= deadline) break
    if (options.progress) Atomics.store(options.progress, 0, i)
    const m = mutantAt(seed, i)
    const rng = mulberry32((seed + i) >>> 0)
    let result: { problems: string[]; outcome: string }
    try {
      result = checkMutant(m, rng, stats)
    } catch (err) {
      result = { problems: [`the check itself threw: ${err instanceof Error ? err.stack : String(err)}`], outcome: 'crash' }
    }
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1
    for (const problem of result.problems) {
      failures.push({ seed, iteration: i, problem, input: m.input.toString('latin1'), requests: m.requests, eof: m.eof, steps: m.steps })
    }
  }
  return { seed, iterations: i, milliseconds: Date.now() - started, failures, outcomes, referenceChecked: stats.referenceChecked }
}

/** A latin1 string as a double-quoted literal with every byte outside printable ASCII escaped. */
export function quote(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x0d) out += '\\r'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x22 || c === 0x5c) out += '\\' + s[i]
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += s[i]
  }
  return out + '"'
}

/** One failure as text, with what it takes to replay it. */
export function describeFailure(f: FuzzFailure): string {
  return [
    `seed ${f.seed} iteration ${f.iteration} (replay: mutantAt(${f.seed}, ${f.iteration}))`,
    `  problem:  ${f.problem}`,
    `  input:    ${quote(f.input)}`,
    `  requests: ${JSON.stringify(f.requests)}  eof: ${f.eof}`,
    `  mutated:  ${f.steps.join('; ')}`,
  ].join('\n')
}

// Run in a worker by fuzz.test.ts: several runs in turn, one report each through the parent
// port. progress[0] is the iteration of the run whose index is in progress[1].
if (!isMainThread && (workerData as { reqwireFuzz?: FuzzOptions[] } | null)?.reqwireFuzz !== undefined) {
  const data = workerData as { reqwireFuzz: FuzzOptions[]; progress: SharedArrayBuffer }
  const progress = new Int32Array(data.progress)
  const reports: FuzzReport[] = []
  data.reqwireFuzz.forEach((options, run) => {
    Atomics.store(progress, 1, run)
    reports.push(runFuzz({ ...options, progress }))
  })
  parentPort?.postMessage(reports)
}

// Run from the command line: --seed N, --iterations N, --ms N.
if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(`--${name}`)
    const v = i === -1 ? undefined : process.argv[i + 1]
    return v === undefined ? undefined : Number(v)
  }
  const seed = arg('seed') ?? (Date.now() ^ (process.pid << 16)) >>> 0
  const ms = arg('ms')
  const iterations = arg('iterations')
  console.log(`fuzzing the response parser with seed ${seed}`)
  const report = runFuzz({ seed, ...(ms === undefined ? {} : { milliseconds: ms }), ...(iterations === undefined ? {} : { iterations }), maxFailures: 50 })
  console.log(`${report.iterations} mutants in ${report.milliseconds} ms, ${report.referenceChecked} judged by the reference model`)
  console.log('outcomes:', JSON.stringify(report.outcomes))
  for (const f of report.failures) console.log(describeFailure(f))
  if (report.failures.length > 0) {
    console.log(`FAILED: ${report.failures.length} problem(s), seed ${seed}`)
    process.exitCode = 1
  }
}
