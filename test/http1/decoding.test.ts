// Content decoding: the plan read from the head, the whole-body path and the streaming path.
// Both paths must agree on every input, so most cases run through both; streaming cases are also
// fed one byte at a time and split at every offset. The bomb cases check memory, never time.

import t, { type Test } from 'tap'
import zlib from 'node:zlib'
import { DecodeError, type DecodeErrorCode } from '../../lib/http1/errors.js'
import { MAX_CONTENT_CODINGS } from '../../lib/http1/limits.js'
import {
  createDecoder,
  decodeBody,
  planDecoding,
  type BodyDecoder,
  type DecoderOptions,
  type DecodingPlan,
} from '../../lib/http1/decoding.js'

const TEXT = Buffer.from('It is a truth universally acknowledged, that a single client in possession of a socket must be in want of a parser. '.repeat(40))

const gzip = (b: Buffer): Buffer => zlib.gzipSync(b)
const deflateZlib = (b: Buffer): Buffer => zlib.deflateSync(b)
const deflateRaw = (b: Buffer): Buffer => zlib.deflateRawSync(b)
const brotli = (b: Buffer): Buffer => zlib.brotliCompressSync(b)

/** Every coding we undo, with an encoder and the Content-Encoding value that names it. */
const ENCODERS: ReadonlyArray<{ name: string; header: string; encode: (b: Buffer) => Buffer }> = [
  { name: 'gzip', header: 'gzip', encode: gzip },
  { name: 'x-gzip', header: 'x-gzip', encode: gzip },
  { name: 'zlib-wrapped deflate', header: 'deflate', encode: deflateZlib },
  { name: 'raw deflate', header: 'deflate', encode: deflateRaw },
  { name: 'brotli', header: 'br', encode: brotli },
]

/** The same bytes at a non-zero offset inside a larger buffer of junk, so an over-read shows. */
function poisoned(bytes: Buffer): Buffer {
  const junk = Buffer.alloc(64, 0xa5)
  return Buffer.concat([junk, bytes, junk]).subarray(junk.length, junk.length + bytes.length)
}

function expectDecodeError(t: Test, fn: () => unknown, code: DecodeErrorCode): void {
  try {
    fn()
    t.fail(`expected DecodeError ${code}`)
  } catch (error) {
    t.type(error, DecodeError)
    t.equal((error as DecodeError).code, code)
  }
}

type Outcome =
  | { kind: 'end'; data: Buffer; drains: number }
  | { kind: 'error'; error: DecodeError; data: Buffer; drains: number }

/**
 * Streams `chunks` through a decoder, honouring write()'s backpressure as a connection would, and
 * collects what the sink saw. Fails the test if any callback comes after onEnd or onError.
 */
function stream(t: Test, plan: DecodingPlan, chunks: readonly Buffer[], options?: DecoderOptions): Promise<Outcome> {
  return new Promise(resolve => {
    const received: Buffer[] = []
    let drains = 0
    let settled = false
    let next = 0
    const settle = (outcome: Outcome): void => {
      if (settled) t.fail('sink called after the decoder finished')
      settled = true
      resolve(outcome)
    }
    const pump = (): void => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as Buffer
        if (!decoder.write(chunk)) return
      }
      if (next === chunks.length) {
        next++
        decoder.end()
      }
    }
    const decoder: BodyDecoder = createDecoder(
      plan,
      {
        onData: chunk => {
          if (settled) t.fail('onData after the decoder finished')
          received.push(chunk)
        },
        onEnd: () => settle({ kind: 'end', data: Buffer.concat(received), drains }),
        onError: error => settle({ kind: 'error', error, data: Buffer.concat(received), drains }),
        onDrain: () => {
          drains++
          if (!settled) pump()
        },
      },
      options,
    )
    pump()
  })
}

function bytewise(b: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1))
  return out
}

function expectData(t: Test, outcome: Outcome, expected: Buffer, what = 'decoded body'): void {
  if (outcome.kind === 'error') {
    t.fail(`${what}: unexpected ${outcome.error.code}`)
    return
  }
  t.ok(outcome.data.equals(expected), what)
}

function expectStreamError(t: Test, outcome: Outcome, code: DecodeErrorCode): void {
  if (outcome.kind === 'end') {
    t.fail(`expected DecodeError ${code}, the body ended with ${outcome.data.length} bytes`)
    return
  }
  t.type(outcome.error, DecodeError)
  t.equal(outcome.error.code, code)
}

// ---------------------------------------------------------------------------------------------
// Planning

t.test('a response without Content-Encoding needs no decoding', async t => {
  t.same(planDecoding([]), { kind: 'identity' })
  t.same(planDecoding(['']), { kind: 'identity' })
  t.same(planDecoding([], []), { kind: 'identity' })
})

t.test('each known coding name plans its decoder, x-gzip as gzip', async t => {
  t.same(planDecoding(['gzip']), { kind: 'decode', codings: ['gzip'] })
  t.same(planDecoding(['x-gzip']), { kind: 'decode', codings: ['gzip'] })
  t.same(planDecoding(['deflate']), { kind: 'decode', codings: ['deflate'] })
  t.same(planDecoding(['br']), { kind: 'decode', codings: ['br'] })
})

t.test('coding names are case-insensitive and surrounded by optional whitespace', async t => {
  t.same(planDecoding(['GZip , br']), { kind: 'decode', codings: ['br', 'gzip'] })
  t.same(planDecoding(['\tX-GZIP\t']), { kind: 'decode', codings: ['gzip'] })
  t.same(planDecoding(['  BR']), { kind: 'decode', codings: ['br'] })
})

t.test('codings are undone in the reverse of the order they were applied', async t => {
  t.same(planDecoding(['deflate, gzip, br']), { kind: 'decode', codings: ['br', 'gzip', 'deflate'] })
})

t.test('several Content-Encoding fields form one list in arrival order', async t => {
  t.same(planDecoding(['gzip', 'br']), { kind: 'decode', codings: ['br', 'gzip'] })
  t.same(planDecoding(['deflate', 'gzip, br']), { kind: 'decode', codings: ['br', 'gzip', 'deflate'] })
})

t.test('empty list elements are ignored', async t => {
  t.same(planDecoding([', gzip ,, ,']), { kind: 'decode', codings: ['gzip'] })
  t.same(planDecoding([',,,']), { kind: 'identity' })
})

t.test('identity anywhere in the chain is dropped', async t => {
  t.same(planDecoding(['identity']), { kind: 'identity' })
  t.same(planDecoding(['gzip, identity']), { kind: 'decode', codings: ['gzip'] })
  t.same(planDecoding(['Identity, br']), { kind: 'decode', codings: ['br'] })
})

t.test('an unknown coding anywhere leaves the whole body undecoded and is named in the plan', async t => {
  t.same(planDecoding(['zstd']), { kind: 'unknown', coding: 'zstd' })
  t.same(planDecoding(['gzip, compress']), { kind: 'unknown', coding: 'compress' })
  t.same(planDecoding(['X-Compress, gzip']), { kind: 'unknown', coding: 'X-Compress' })
  t.same(planDecoding(['gzip;q=1']), { kind: 'unknown', coding: 'gzip;q=1' })
  t.same(planDecoding(['gzip'], ['lzw']), { kind: 'unknown', coding: 'lzw' })
})

t.test('transfer codings were applied after the content codings and are undone first', async t => {
  t.same(planDecoding(['br'], ['gzip']), { kind: 'decode', codings: ['gzip', 'br'] })
  t.same(planDecoding([], ['gzip', 'deflate']), { kind: 'decode', codings: ['deflate', 'gzip'] })
  t.same(planDecoding(['deflate, br'], ['x-gzip']), { kind: 'decode', codings: ['gzip', 'br', 'deflate'] })
})

t.test(`a chain of ${MAX_CONTENT_CODINGS} codings is allowed, one more is refused`, async t => {
  const five = Array(MAX_CONTENT_CODINGS).fill('gzip').join(', ')
  t.same(planDecoding([five]), { kind: 'decode', codings: Array(MAX_CONTENT_CODINGS).fill('gzip') })
  expectDecodeError(t, () => planDecoding([`${five}, gzip`]), 'TOO_MANY_CODINGS')
  expectDecodeError(t, () => planDecoding(['gzip, br, deflate', 'gzip, br, deflate']), 'TOO_MANY_CODINGS')
})

t.test('the cap counts transfer codings, identity and unknown names too', async t => {
  expectDecodeError(t, () => planDecoding(['gzip, br, deflate'], ['gzip', 'deflate', 'gzip']), 'TOO_MANY_CODINGS')
  expectDecodeError(t, () => planDecoding(['identity, identity, identity, identity, identity, gzip']), 'TOO_MANY_CODINGS')
  expectDecodeError(t, () => planDecoding(['zstd, gzip, gzip, gzip, gzip, gzip']), 'TOO_MANY_CODINGS')
})

t.test('a field of tens of thousands of codings is refused', async t => {
  expectDecodeError(t, () => planDecoding([Array(30_000).fill('gzip').join(',')]), 'TOO_MANY_CODINGS')
})

// ---------------------------------------------------------------------------------------------
// Whole-body decoding

t.test('each coding decodes whole, from a buffer at a non-zero offset', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const decoded = decodeBody(planDecoding([header]), poisoned(encode(TEXT)))
    t.ok(decoded.equals(TEXT), name)
  }
})

t.test('a chain of codings decodes whole', async t => {
  // Content-Encoding: deflate, gzip, br — deflate applied first, br last.
  const body = brotli(gzip(deflateRaw(TEXT)))
  t.ok(decodeBody(planDecoding(['deflate, gzip, br']), body).equals(TEXT))
  // gzip as a transfer coding on top of br as the content coding.
  t.ok(decodeBody(planDecoding(['br'], ['gzip']), gzip(brotli(TEXT))).equals(TEXT))
})

t.test('an identity plan returns the very same buffer', async t => {
  const body = Buffer.from('plain')
  t.equal(decodeBody(planDecoding([]), body), body)
  t.equal(decodeBody(planDecoding(['identity']), body), body)
})

t.test('an unknown coding returns the body exactly as it came', async t => {
  const body = gzip(TEXT)
  t.equal(decodeBody(planDecoding(['gzip, zstd']), body), body)
})

t.test('an empty body with a coding set decodes to an empty body, not an error', async t => {
  for (const header of ['gzip', 'deflate', 'br', 'gzip, br']) {
    t.equal(decodeBody(planDecoding([header]), Buffer.alloc(0)).length, 0, header)
  }
})

t.test('an encoded empty representation decodes to an empty body', async t => {
  for (const { name, header, encode } of ENCODERS) {
    t.equal(decodeBody(planDecoding([header]), encode(Buffer.alloc(0))).length, 0, name)
  }
})

t.test('a multi-member gzip body decodes to every member in order', async t => {
  const body = Buffer.concat([gzip(Buffer.from('first ')), gzip(Buffer.from('second ')), gzip(Buffer.from('third'))])
  t.equal(decodeBody(planDecoding(['gzip']), body).toString(), 'first second third')
})

t.test('deflate tells a zlib header from raw data by its first two bytes', async t => {
  // A zlib stream compressed with each level, so every FLEVEL value of the header shows up.
  for (const level of [0, 1, 6, 9]) {
    const body = zlib.deflateSync(TEXT, { level })
    t.ok(decodeBody(planDecoding(['deflate']), body).equals(TEXT), `zlib level ${level}`)
    t.ok(decodeBody(planDecoding(['deflate']), zlib.deflateRawSync(TEXT, { level })).equals(TEXT), `raw level ${level}`)
  }
})

t.test('corrupt data is CORRUPT_DATA with the zlib error as cause', async t => {
  const corrupt = Buffer.from(gzip(TEXT))
  corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] ?? 0) ^ 0xff // the CRC-32 trailer
  const cases: Array<[string, Buffer]> = [
    ['gzip', corrupt],
    ['gzip', Buffer.from('this was never gzip')],
    ['deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])],
    ['br', Buffer.from('this was never brotli either')],
  ]
  for (const [header, body] of cases) {
    try {
      decodeBody(planDecoding([header]), body)
      t.fail(`${header} decoded`)
    } catch (error) {
      t.type(error, DecodeError)
      t.equal((error as DecodeError).code, 'CORRUPT_DATA')
      t.type((error as DecodeError).cause, Error)
    }
  }
})

t.test('bytes after a gzip member that do not start another are corrupt data', async t => {
  expectDecodeError(t, () => decodeBody(planDecoding(['gzip']), Buffer.concat([gzip(TEXT), Buffer.from('junk')])), 'CORRUPT_DATA')
})

t.test('a body cut short is TRUNCATED_DATA, never a short body', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const full = encode(TEXT)
    for (const keep of [1, full.length >> 1, full.length - 1]) {
      expectDecodeError(t, () => decodeBody(planDecoding([header]), full.subarray(0, keep)), 'TRUNCATED_DATA')
    }
    t.pass(name)
  }
})

t.test('a truncated error keeps the zlib error as cause', async t => {
  try {
    decodeBody(planDecoding(['gzip']), gzip(TEXT).subarray(0, 20))
    t.fail('decoded')
  } catch (error) {
    t.type(error, DecodeError)
    t.type((error as DecodeError).cause, Error)
  }
})

t.test('maxSize allows a body of exactly that size and refuses one byte more', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const plan = planDecoding([header])
    t.equal(decodeBody(plan, encode(TEXT), TEXT.length).length, TEXT.length, name)
    expectDecodeError(t, () => decodeBody(plan, encode(TEXT), TEXT.length - 1), 'BODY_TOO_LARGE')
  }
})

t.test('maxSize caps identity and unknown bodies too', async t => {
  expectDecodeError(t, () => decodeBody(planDecoding([]), TEXT, 10), 'BODY_TOO_LARGE')
  expectDecodeError(t, () => decodeBody(planDecoding(['zstd']), TEXT, 10), 'BODY_TOO_LARGE')
  t.equal(decodeBody(planDecoding([]), Buffer.alloc(0), 0).length, 0)
})

t.test('a maxSize that is not a number of bytes is the caller’s bug', async t => {
  t.throws(() => decodeBody(planDecoding(['gzip']), gzip(TEXT), -1), RangeError)
  t.throws(() => decodeBody(planDecoding(['gzip']), gzip(TEXT), Number.NaN), RangeError)
  t.throws(() => createDecoder(planDecoding(['gzip']), { onData() {}, onEnd() {}, onError() {} }, { maxSize: -5 }), RangeError)
})

// ---------------------------------------------------------------------------------------------
// Streaming decoding

t.test('each coding streams whole, one byte at a time and split at every offset', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const plan = planDecoding([header])
    const body = encode(TEXT)
    expectData(t, await stream(t, plan, [body]), TEXT, `${name} whole`)
    expectData(t, await stream(t, plan, bytewise(body)), TEXT, `${name} byte by byte`)
    const splits = await Promise.all(
      Array.from({ length: body.length + 1 }, (_, i) => stream(t, plan, [body.subarray(0, i), body.subarray(i)])),
    )
    t.ok(
      splits.every(o => o.kind === 'end' && o.data.equals(TEXT)),
      `${name} split at each of ${body.length + 1} offsets`,
    )
  }
})

t.test('a chain of codings streams, one byte at a time too', async t => {
  const body = brotli(gzip(deflateZlib(TEXT)))
  const plan = planDecoding(['deflate', 'gzip, br'])
  expectData(t, await stream(t, plan, [body]), TEXT, 'whole')
  expectData(t, await stream(t, plan, bytewise(body)), TEXT, 'byte by byte')
})

t.test('a multi-member gzip body streams every member', async t => {
  const body = Buffer.concat([gzip(Buffer.from('first ')), gzip(Buffer.from('second'))])
  expectData(t, await stream(t, planDecoding(['gzip']), [body]), Buffer.from('first second'), 'whole')
  expectData(t, await stream(t, planDecoding(['gzip']), bytewise(body)), Buffer.from('first second'), 'byte by byte')
})

t.test('identity and unknown plans stream the bytes through untouched', async t => {
  const coded = gzip(TEXT)
  expectData(t, await stream(t, planDecoding([]), [TEXT.subarray(0, 10), TEXT.subarray(10)]), TEXT, 'identity')
  expectData(t, await stream(t, planDecoding(['gzip, zstd']), bytewise(coded)), coded, 'unknown')
})

t.test('an empty streamed body with a coding set ends empty, not in error', async t => {
  for (const header of ['gzip', 'deflate', 'br', 'gzip, br']) {
    expectData(t, await stream(t, planDecoding([header]), []), Buffer.alloc(0), `${header}, no writes`)
    expectData(t, await stream(t, planDecoding([header]), [Buffer.alloc(0), Buffer.alloc(0)]), Buffer.alloc(0), `${header}, empty writes`)
  }
})

t.test('a streamed body cut short is TRUNCATED_DATA, never a short body', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const full = encode(TEXT)
    for (const keep of [1, full.length >> 1, full.length - 1]) {
      expectStreamError(t, await stream(t, planDecoding([header]), [full.subarray(0, keep)]), 'TRUNCATED_DATA')
      expectStreamError(t, await stream(t, planDecoding([header]), bytewise(full.subarray(0, keep))), 'TRUNCATED_DATA')
    }
    t.pass(name)
  }
})

t.test('a truncated inner coding of a streamed chain is TRUNCATED_DATA', async t => {
  const body = brotli(gzip(TEXT).subarray(0, 30))
  expectStreamError(t, await stream(t, planDecoding(['gzip, br']), [body]), 'TRUNCATED_DATA')
})

t.test('corrupt streamed data is CORRUPT_DATA with the zlib error as cause', async t => {
  const corrupt = Buffer.from(gzip(TEXT))
  corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] ?? 0) ^ 0xff
  for (const [header, body] of [
    ['gzip', corrupt],
    ['br', Buffer.from('this was never brotli')],
    ['gzip', Buffer.concat([gzip(TEXT), Buffer.from('junk')])],
  ] as const) {
    const outcome = await stream(t, planDecoding([header]), [body])
    expectStreamError(t, outcome, 'CORRUPT_DATA')
    if (outcome.kind === 'error') t.type(outcome.error.cause, Error)
  }
})

t.test('a streamed body over maxSize is BODY_TOO_LARGE after at most maxSize bytes', async t => {
  for (const { name, header, encode } of ENCODERS) {
    const plan = planDecoding([header])
    expectData(t, await stream(t, plan, [encode(TEXT)], { maxSize: TEXT.length }), TEXT, `${name} at the cap`)
    const over = await stream(t, plan, [encode(TEXT)], { maxSize: 1000 })
    expectStreamError(t, over, 'BODY_TOO_LARGE')
    t.ok(over.data.length <= 1000, `${name} delivered no more than the cap`)
  }
  const identity = await stream(t, planDecoding([]), [TEXT], { maxSize: 10 })
  expectStreamError(t, identity, 'BODY_TOO_LARGE')
  t.equal(identity.data.length, 0)
})

t.test('a paused decoder holds its output and delivers it in order on resume', async t => {
  const events: string[] = []
  let drained = 0
  const chunks: Buffer[] = []
  const decoder = createDecoder(planDecoding([]), {
    onData: chunk => {
      chunks.push(chunk)
      events.push('data')
    },
    onEnd: () => events.push('end'),
    onError: () => events.push('error'),
    onDrain: () => drained++,
  })
  decoder.pause()
  t.equal(decoder.write(Buffer.from('ab')), false, 'write says stop while paused')
  decoder.end()
  t.same(events, [], 'nothing delivered while paused')
  decoder.resume()
  t.same(events, ['data', 'end'])
  t.equal(Buffer.concat(chunks).toString(), 'ab')
  t.equal(drained, 0, 'no drain is owed once the body has ended')
})

t.test('a consumer that pauses inside onData is sent a drain once it resumes', async t => {
  let drained = 0
  const decoder: BodyDecoder = createDecoder(planDecoding([]), {
    onData: () => decoder.pause(),
    onEnd: () => {},
    onError: () => {},
    onDrain: () => drained++,
  })
  t.equal(decoder.write(Buffer.from('a')), false)
  decoder.resume()
  t.equal(drained, 1)
  t.equal(decoder.write(Buffer.from('b')), false)
})

t.test('no sink callback follows destroy()', async t => {
  let calls = 0
  const sink = { onData: () => calls++, onEnd: () => calls++, onError: () => calls++, onDrain: () => calls++ }
  const decoder = createDecoder(planDecoding(['gzip']), sink)
  decoder.write(gzip(TEXT))
  decoder.destroy()
  decoder.end()
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(calls, 0)
})

t.test('writing after end() is the caller’s bug', async t => {
  const decoder = createDecoder(planDecoding(['gzip']), { onData() {}, onEnd() {}, onError() {} })
  decoder.end()
  t.throws(() => decoder.write(Buffer.from('x')))
})

// ---------------------------------------------------------------------------------------------
// Decompression bombs: 200 MiB of zeros, gzipped to ~200 KiB.

const BOMB_OUTPUT = 200 * 1024 * 1024

function makeBomb(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zeros = Buffer.alloc(1024 * 1024)
    const gz = zlib.createGzip({ level: 9 })
    const out: Buffer[] = []
    gz.on('data', (chunk: Buffer) => out.push(chunk))
    gz.on('end', () => resolve(Buffer.concat(out)))
    gz.on('error', reject)
    let written = 0
    const pump = (): void => {
      while (written < BOMB_OUTPUT) {
        written += zeros.length
        if (!gz.write(zeros)) return void gz.once('drain', pump)
      }
      gz.end()
    }
    pump()
  })
}

t.test('a gzip bomb is stopped by maxSize', async t => {
  const bomb = await makeBomb()
  t.ok(bomb.length < 1024 * 1024, 'the bomb is small')

  t.test('in the whole-body path', async t => {
    expectDecodeError(t, () => decodeBody(planDecoding(['gzip']), bomb, 16 * 1024 * 1024), 'BODY_TOO_LARGE')
  })

  t.test('in the streaming path, with memory well under the output', async t => {
    const maxSize = 128 * 1024 * 1024
    const before = process.memoryUsage().rss
    let peak = 0
    let delivered = 0
    let calls = 0
    const outcome = await new Promise<DecodeError | null>(resolve => {
      let offset = 0
      const pump = (): void => {
        while (offset < bomb.length) {
          const chunk = bomb.subarray(offset, offset + 64 * 1024)
          offset += chunk.length
          if (!decoder.write(chunk)) return
        }
        decoder.end()
      }
      const decoder = createDecoder(
        planDecoding(['gzip']),
        {
          // The consumer drops what it is given, so any growth is the decoder's.
          onData: chunk => {
            delivered += chunk.length
            if (++calls % 32 === 0) peak = Math.max(peak, process.memoryUsage().rss - before)
          },
          onEnd: () => resolve(null),
          onError: error => resolve(error),
          onDrain: pump,
        },
        { maxSize },
      )
      pump()
    })
    t.type(outcome, DecodeError)
    t.equal(outcome?.code, 'BODY_TOO_LARGE')
    t.ok(delivered <= maxSize, 'no more than maxSize delivered')
    t.ok(delivered > maxSize / 2, 'the body was decoded as far as the cap')
    t.ok(peak < maxSize / 2, `rss grew by ${Math.round(peak / 2 ** 20)} MiB while ${delivered >> 20} MiB went through`)
  })

  t.test('in the streaming path, a paused consumer stops the decoder', async t => {
    const before = process.memoryUsage().rss
    let drained = 0
    let delivered = 0
    let settle: (outcome: DecodeError | 'end') => void = () => {}
    const settled = new Promise<DecodeError | 'end'>(resolve => (settle = resolve))
    const decoder = createDecoder(
      planDecoding(['gzip']),
      {
        onData: chunk => {
          delivered += chunk.length
        },
        onEnd: () => settle('end'),
        onError: error => settle(error),
        onDrain: () => drained++,
      },
      { maxSize: 8 * 1024 * 1024 },
    )
    decoder.pause()
    t.equal(decoder.write(bomb), false, 'the decoder asks for no more input')
    // Give an unbounded decoder every chance to inflate the whole bomb into memory.
    await new Promise(resolve => setTimeout(resolve, 200))
    t.equal(delivered, 0, 'nothing delivered while paused')
    t.equal(drained, 0, 'the input was not swallowed while paused')
    t.ok(process.memoryUsage().rss - before < 32 * 1024 * 1024, 'memory stayed bounded while paused')
    decoder.resume()
    const outcome = await settled
    t.type(outcome, DecodeError)
    t.equal(outcome instanceof DecodeError ? outcome.code : outcome, 'BODY_TOO_LARGE')
    t.ok(delivered <= 8 * 1024 * 1024)
  })
})
