// Feeding helpers for the response parser tests and the fuzzer. The same bytes are given to a
// fresh parser in several ways (whole, one byte per call, split in two at every offset, and as
// views into larger buffers filled with poison around them) and each run is recorded as a plain
// list of events, so two runs compare with one deep equality. Reading past the end of a view, or
// before its start, brings poison into the events, and the comparison shows it.

import { isDeepStrictEqual } from 'node:util'
import { ParseError, type ParseErrorCode } from '../../lib/http1/errors.js'
import type { ParserLimits } from '../../lib/http1/limits.js'
import { ResponseParser, type ExpectedResponse, type MessageEnd, type ResponseHead } from '../../lib/http1/parser.js'
import type { ExpectedEvent, FramingSpec, Vector } from './vectors.js'
import { mulberry32 } from '../support/prng.js'

/** One parser event, with every Buffer copied out as a latin1 string. */
export type RecordedEvent =
  | { type: 'interim' | 'head'; version: string; status: number; reason: string; headers: string[]; framing: FramingSpec }
  | { type: 'data'; data: string }
  | { type: 'end'; trailers: string[]; closeReason: string | null; tunnel: string | null }
  | { type: 'error'; code: ParseErrorCode }
  /** Anything other than a ParseError escaping the parser, or a handler argument of the wrong shape. */
  | { type: 'crash'; error: string }

export interface Recording {
  events: RecordedEvent[]
  /** The offset of the ParseError, if one was thrown. */
  errorOffset: number | null
  /** parser.bytesReceived once feeding stopped. */
  bytesReceived: number
  /** Bytes actually handed to receive() (feeding stops when the connection would be closed). */
  bytesFed: number
  /** After a ParseError from receive(), what one more receive() threw: 'PARSER_FAILED' is right. */
  afterError: string | null
}

export interface RunOptions {
  requests: readonly ExpectedResponse[]
  eof: boolean
  limits?: Partial<ParserLimits> | undefined
}

/** A way of cutting the input into the buffers given to receive(). */
export interface Feeding {
  /** 'whole' | 'byte by byte' | 'split' | 'poisoned'. */
  mode: string
  /** Which feeding this is, to name it in a failure (e.g. "split at 17"). */
  label: string
  pieces: Buffer[]
}

/** The bytes of a vector input: strings are latin1. */
export function bytesOf(input: string | Buffer): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input
}

export function requestsOf(vector: Pick<Vector, 'request'>): ExpectedResponse[] {
  if (vector.request === null) return []
  if (vector.request === undefined) return [{ method: 'GET' }]
  return Array.isArray(vector.request) ? vector.request : [vector.request]
}

function recordHead(type: 'interim' | 'head', head: ResponseHead): RecordedEvent {
  const f = head.framing as { kind: string; length?: number; codings?: readonly string[] }
  const framing = (
    f.kind === 'length' ? { kind: 'length', length: f.length } : f.kind === 'chunked' || f.kind === 'close' ? { kind: f.kind, codings: [...(f.codings ?? [])] } : { kind: f.kind }
  ) as FramingSpec
  return { type, version: head.version, status: head.status, reason: head.reason, headers: [...head.headers], framing }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`
  return `non-Error thrown: ${String(err)}`
}

/**
 * Feed `pieces` to a fresh parser and record what comes out. Feeding stops where a connection
 * would stop reading: at a ParseError, or at an end whose close reason is not null. Bytes after
 * a tunnel's end belong to the tunnel, so they are appended to it; that way a tunnel records the
 * same whatever the split.
 */
export function record(pieces: readonly Buffer[], options: RunOptions): Recording {
  const events: RecordedEvent[] = []
  let tunnel: { tunnel: string | null } | null = null
  let closed = false
  const push = (e: RecordedEvent): void => {
    // Consecutive data events are one event: the parser may deliver a body in any number of pieces.
    const last = events[events.length - 1]
    if (e.type === 'data' && last?.type === 'data') last.data += e.data
    else events.push(e)
  }
  const parser = new ResponseParser(
    {
      onInterim(head) {
        push(recordHead('interim', head))
      },
      onHead(head) {
        push(recordHead('head', head))
      },
      onData(chunk) {
        if (!Buffer.isBuffer(chunk)) push({ type: 'crash', error: 'onData was given a non-Buffer' })
        else if (chunk.length > 0) push({ type: 'data', data: chunk.toString('latin1') })
      },
      onEnd(end: MessageEnd) {
        if (end.tunnel !== null && !Buffer.isBuffer(end.tunnel)) push({ type: 'crash', error: 'onEnd was given a non-Buffer tunnel' })
        const e = {
          type: 'end' as const,
          trailers: [...end.trailers],
          closeReason: end.closeReason,
          tunnel: end.tunnel === null ? null : end.tunnel.toString('latin1'),
        }
        push(e)
        if (end.closeReason !== null) closed = true
        if (end.closeReason === 'tunnel') tunnel = e
      },
    },
    options.limits,
  )
  let errorOffset: number | null = null
  let bytesFed = 0
  const fail = (err: unknown): void => {
    if (err instanceof ParseError) {
      push({ type: 'error', code: err.code })
      errorOffset = err.offset
    } else {
      push({ type: 'crash', error: describe(err) })
    }
  }
  try {
    for (const request of options.requests) parser.expect(request)
  } catch (err) {
    fail(err)
    return { events, errorOffset, bytesReceived: 0, bytesFed, afterError: null }
  }
  let failed = false
  let afterError: string | null = null
  for (const piece of pieces) {
    if (closed) {
      const t = tunnel as { tunnel: string | null } | null
      if (t !== null) t.tunnel = (t.tunnel ?? '') + piece.toString('latin1')
      continue
    }
    try {
      bytesFed += piece.length
      parser.receive(piece)
    } catch (err) {
      fail(err)
      failed = true
      try {
        parser.receive(Buffer.from('H'))
        afterError = 'nothing thrown'
      } catch (again) {
        afterError = again instanceof ParseError ? again.code : describe(again)
      }
      break
    }
  }
  if (!failed && !closed && options.eof) {
    try {
      parser.receiveEof()
    } catch (err) {
      fail(err)
    }
  }
  return { events, errorOffset, bytesReceived: parser.bytesReceived, bytesFed, afterError }
}

/** A 32-bit hash of a string (FNV-1a), to seed a PRNG from a vector's name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Poison patterns: 0xFF is obs-text, 'X' a token char, '0' a digit, CRLF a line end. */
export const POISONS: readonly Buffer[] = [Buffer.from([0xff]), Buffer.from('X'), Buffer.from('0'), Buffer.from('\r\n'), Buffer.from([0x00])]

/**
 * `bytes` copied into a larger buffer, `before` poison bytes in front and `after` behind, and
 * returned as a subarray view of exactly its own length: an over-read of the view reads poison.
 */
export function embed(bytes: Uint8Array, poison: Buffer, before = 7, after = 9): Buffer {
  const outer = Buffer.alloc(before + bytes.length + after)
  outer.fill(poison)
  outer.set(bytes, before)
  return outer.subarray(before, before + bytes.length)
}

export interface FeedingOptions {
  /** Above this many bytes, split points are a seeded sample instead of every offset. */
  maxEverySplit?: number
  /** How many split points to sample for inputs above maxEverySplit. */
  sampledSplits?: number
  seed?: number
}

/** The input cut every way the suite feeds it. The first feeding is always 'whole'. */
export function* feedings(input: Buffer, options: FeedingOptions = {}): Generator<Feeding> {
  const maxEverySplit = options.maxEverySplit ?? 2048
  const n = input.length
  yield { mode: 'whole', label: 'whole', pieces: [input] }

  const bytes: Buffer[] = []
  for (let i = 0; i < n; i++) bytes.push(embed(input.subarray(i, i + 1), POISONS[i % POISONS.length] as Buffer, 1, 1))
  yield { mode: 'byte by byte', label: 'byte by byte', pieces: bytes }

  let points: number[]
  if (n <= maxEverySplit) {
    points = Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1)
  } else {
    const rng = mulberry32(options.seed ?? hashString(input.subarray(0, 64).toString('latin1')) ^ n)
    const set = new Set<number>()
    for (let i = 1; i <= 16 && i < n; i++) set.add(i).add(n - i)
    const count = options.sampledSplits ?? 96
    while (set.size < count + 32 && set.size < n - 1) set.add(1 + Math.floor(rng() * (n - 1)))
    points = [...set].sort((a, b) => a - b)
  }
  for (const at of points) {
    const poison = POISONS[at % POISONS.length] as Buffer
    yield { mode: 'split', label: `split at ${at}`, pieces: [embed(input.subarray(0, at), poison), embed(input.subarray(at), poison)] }
  }

  for (const poison of POISONS) {
    yield { mode: 'poisoned', label: `inside poison 0x${poison.toString('hex')} at offset 7`, pieces: [embed(input, poison)] }
  }
}

/** Events compare as equal when deep-equal; exported so tests and the fuzzer use one notion. */
export function sameEvents(a: readonly RecordedEvent[], b: readonly RecordedEvent[]): boolean {
  return isDeepStrictEqual(a, b)
}

/**
 * The events a vector expects, in the recorded shape. Head fields the vector leaves out are
 * taken from `actual` at the same position, so only what the vector states is checked.
 */
export function expectedEvents(vector: Vector, actual: readonly RecordedEvent[]): RecordedEvent[] {
  const out: RecordedEvent[] = []
  const specs: readonly ExpectedEvent[] = vector.events ?? []
  specs.forEach((spec, i) => {
    const seen = actual[i]
    if ('interim' in spec || 'head' in spec) {
      const type = 'interim' in spec ? 'interim' : 'head'
      const status = 'interim' in spec ? spec.interim : spec.head
      const like = seen !== undefined && (seen.type === 'interim' || seen.type === 'head') ? seen : undefined
      out.push({
        type,
        version: spec.version ?? '1.1',
        status,
        reason: spec.reason ?? like?.reason ?? '',
        headers: spec.headers ?? like?.headers ?? [],
        framing: 'framing' in spec && spec.framing !== undefined ? spec.framing : type === 'interim' ? { kind: 'none' } : (like?.framing ?? { kind: 'none' }),
      })
    } else if ('data' in spec) {
      out.push({ type: 'data', data: spec.data })
    } else {
      out.push({ type: 'end', trailers: spec.trailers ?? [], closeReason: spec.end, tunnel: spec.tunnel ?? null })
    }
  })
  if (vector.error !== undefined) {
    const codes = Array.isArray(vector.error) ? vector.error : [vector.error]
    const last = actual[actual.length - 1]
    const code = last?.type === 'error' && codes.includes(last.code) ? last.code : (codes[0] as ParseErrorCode)
    out.push({ type: 'error', code })
  }
  return out
}

/**
 * For a vector with `tail`: the events when the cut falls exactly at the end of the last
 * expected response (it ends with null, then the next bytes are unsolicited).
 */
export function tailAlternative(expected: readonly RecordedEvent[]): RecordedEvent[] {
  const alt = expected.map(e => ({ ...e }))
  const last = alt[alt.length - 1]
  if (last?.type === 'end') last.closeReason = null
  alt.push({ type: 'error', code: 'UNSOLICITED_DATA' })
  return alt
}

/** Codes whose offset may depend on how the bytes were cut (a budget crossed inside a read). */
export const SIZE_LIMIT_CODES: ReadonlySet<ParseErrorCode> = new Set<ParseErrorCode>([
  'HEAD_TOO_LARGE',
  'TRAILERS_TOO_LARGE',
  'CHUNK_EXTENSION_TOO_LARGE',
])
