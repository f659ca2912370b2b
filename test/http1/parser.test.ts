// The response parser against byte vectors (test/http1/vectors.ts), each fed whole, byte by
// byte, split in two at every offset and from inside poisoned buffers; then the behaviours a
// table cannot state: the failed state, zero-copy body slices, byte counts, reuse, and time.

import t from 'tap'
import { ParseError } from '../../lib/http1/errors.js'
import { ResponseParser, type MessageEnd, type ResponseHandler, type ResponseHead } from '../../lib/http1/parser.js'
import {
  SIZE_LIMIT_CODES,
  bytesOf,
  expectedEvents,
  feedings,
  hashString,
  record,
  requestsOf,
  sameEvents,
  tailAlternative,
  type Recording,
} from './harness.js'
import { vectors } from './vectors.js'

t.test('the vector table holds at least 100 vectors with distinct names', async t => {
  t.ok(vectors.length >= 100, `${vectors.length} vectors`)
  t.equal(new Set(vectors.map(v => v.name)).size, vectors.length)
})

for (const vector of vectors) {
  t.test(vector.name, async t => {
    const input = bytesOf(vector.input)
    const options = { requests: requestsOf(vector), eof: vector.eof ?? false, limits: vector.limits }
    let whole: Recording | undefined
    const firstMismatch = new Map<string, { label: string; run: Recording }>()
    const offsets = new Map<string, { label: string; offset: number | null }>()
    const counts = new Map<string, number>()
    for (const feeding of feedings(input, { seed: hashString(vector.name) })) {
      const run = record(feeding.pieces, options)
      counts.set(feeding.mode, (counts.get(feeding.mode) ?? 0) + 1)
      if (whole === undefined) {
        whole = run
        continue
      }
      const alternative = vector.tail === true && sameEvents(run.events, tailAlternative(expectedEvents(vector, whole.events)))
      const same = alternative || sameEvents(run.events, whole.events)
      if (!same && !firstMismatch.has(feeding.mode)) firstMismatch.set(feeding.mode, { label: feeding.label, run })
      const last = run.events[run.events.length - 1]
      if (!alternative && last?.type === 'error' && !SIZE_LIMIT_CODES.has(last.code) && run.errorOffset !== whole.errorOffset && !offsets.has(feeding.mode)) {
        offsets.set(feeding.mode, { label: feeding.label, offset: run.errorOffset })
      }
    }
    if (whole === undefined) throw new Error('feedings() yields the whole input first')

    t.same(whole.events, expectedEvents(vector, whole.events), 'fed whole, the events are the expected ones')
    if (whole.afterError !== null) t.equal(whole.afterError, 'PARSER_FAILED', 'the next receive() throws PARSER_FAILED')
    if (vector.offset !== undefined) t.equal(whole.errorOffset, vector.offset, `the error is at byte ${vector.offset}`)
    if (vector.error === undefined && !whole.events.some(e => e.type === 'end' && e.closeReason !== null)) {
      t.equal(whole.bytesReceived, input.length, 'bytesReceived counts every byte given')
    }
    for (const mode of ['byte by byte', 'split', 'poisoned']) {
      if (input.length < 2 && mode === 'split') continue
      if (input.length === 0 && mode === 'byte by byte') continue
      const mismatch = firstMismatch.get(mode)
      if (mismatch === undefined) t.pass(`${mode} (${counts.get(mode) ?? 0} runs): the same events as fed whole`)
      else t.same(mismatch.run.events, whole.events, `${mismatch.label}: the same events as fed whole`)
      const offset = offsets.get(mode)
      if (offset !== undefined) t.equal(offset.offset, whole.errorOffset, `${offset.label}: the error offset does not depend on the cut`)
    }
  })
}

/** A handler that records what it is given, untouched, for the tests below. */
function collector(): ResponseHandler & { heads: ResponseHead[]; interims: ResponseHead[]; chunks: Buffer[]; ends: MessageEnd[] } {
  const c = {
    heads: [] as ResponseHead[],
    interims: [] as ResponseHead[],
    chunks: [] as Buffer[],
    ends: [] as MessageEnd[],
    onInterim(head: ResponseHead) {
      c.interims.push(head)
    },
    onHead(head: ResponseHead) {
      c.heads.push(head)
    },
    onData(chunk: Buffer) {
      c.chunks.push(chunk)
    },
    onEnd(end: MessageEnd) {
      c.ends.push(end)
    },
  }
  return c
}

function codeOf(fn: () => void): string {
  try {
    fn()
  } catch (err) {
    return err instanceof ParseError ? err.code : `not a ParseError: ${String(err)}`
  }
  return 'nothing thrown'
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1')

t.test('after a ParseError every later receive() and receiveEof() throws PARSER_FAILED', async t => {
  const parser = new ResponseParser(collector())
  parser.expect({ method: 'GET' })
  t.equal(codeOf(() => parser.receive(latin1('HTTP/1.1 200 OK\r\n(bad): x\r\n\r\n'))), 'INVALID_HEADER_NAME')
  t.equal(codeOf(() => parser.receive(latin1('HTTP/1.1 200 OK\r\n\r\n'))), 'PARSER_FAILED')
  t.equal(codeOf(() => parser.receive(latin1('x'))), 'PARSER_FAILED')
  t.equal(codeOf(() => parser.receiveEof()), 'PARSER_FAILED')
})

t.test('a parse error is a ParseError with a code and a numeric offset', async t => {
  const parser = new ResponseParser(collector())
  parser.expect({ method: 'GET' })
  const err = t.throws(() => parser.receive(latin1('HTTP/1.1 200 OK\r\nX: \x00\r\n\r\n'))) as unknown
  t.ok(err instanceof ParseError, 'is a ParseError')
  t.ok(err instanceof Error, 'is an Error')
  if (err instanceof ParseError) {
    t.equal(err.code, 'INVALID_HEADER_VALUE')
    t.equal(err.name, 'ParseError')
    t.ok(Number.isInteger(err.offset) && err.offset >= 17 && err.offset <= 22, 'the offset points into the bad field line')
  }
})

t.test('the offset of an error counts the bytes of earlier reads and earlier responses', async t => {
  const parser = new ResponseParser(collector())
  parser.expect({ method: 'GET' })
  parser.expect({ method: 'GET' })
  const first = latin1('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
  parser.receive(first)
  const err = t.throws(() => parser.receive(latin1('HTTP/1.1 600 X\r\n\r\n'))) as unknown
  t.ok(err instanceof ParseError && err.code === 'INVALID_STATUS_CODE')
  if (err instanceof ParseError) t.ok(err.offset >= first.length && err.offset < first.length + 16, `offset ${err.offset} is inside the second status line`)
})

t.test('body chunks are slices of the received buffer, not copies', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  const input = latin1('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello')
  parser.receive(input)
  t.equal(c.chunks.length, 1)
  const chunk = c.chunks[0] as Buffer
  t.equal(chunk.toString('latin1'), 'hello')
  t.equal(chunk.buffer, input.buffer, 'shares the input memory')
  t.equal(chunk.byteOffset, input.byteOffset + input.length - 5, 'at the place of the body in the input')
})

t.test('de-chunked body chunks are slices of the received buffer too', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  const input = latin1('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n')
  parser.receive(input)
  t.same(
    c.chunks.map(b => b.toString('latin1')),
    ['hello', 'abc'],
  )
  for (const chunk of c.chunks) t.equal(chunk.buffer, input.buffer, 'shares the input memory')
  t.equal(c.ends.length, 1)
})

t.test('bytesReceived counts every byte given across calls', async t => {
  const parser = new ResponseParser(collector())
  parser.expect({ method: 'GET' })
  t.equal(parser.bytesReceived, 0)
  parser.receive(latin1('HTTP/1.1 200 OK\r\n'))
  t.equal(parser.bytesReceived, 17)
  parser.receive(Buffer.alloc(0))
  t.equal(parser.bytesReceived, 17, 'an empty read adds nothing')
  parser.receive(latin1('Content-Length: 3\r\n\r\nab'))
  parser.receive(latin1('c'))
  t.equal(parser.bytesReceived, 17 + 24)
})

t.test('bytes after a complete response, in a later read, are unsolicited data at their offset', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
  t.equal(c.ends[0]?.closeReason, null)
  const err = t.throws(() => parser.receive(latin1('junk'))) as unknown
  t.ok(err instanceof ParseError && err.code === 'UNSOLICITED_DATA')
  if (err instanceof ParseError) t.equal(err.offset, 38)
})

t.test('an empty read is not unsolicited data', async t => {
  const parser = new ResponseParser(collector())
  t.doesNotThrow(() => parser.receive(Buffer.alloc(0)))
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 204 No Content\r\n\r\n'))
  t.doesNotThrow(() => parser.receive(Buffer.alloc(0)))
})

t.test('a parser carries request after request when each is expected only once the previous ended', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  for (let i = 0; i < 3; i++) {
    parser.expect({ method: 'GET' })
    parser.receive(latin1(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${i}`))
  }
  t.same(
    c.chunks.map(b => b.toString()),
    ['0', '1', '2'],
  )
  t.same(
    c.ends.map(e => e.closeReason),
    [null, null, null],
  )
  t.equal(c.heads.length, 3)
})

t.test('a second expect() may come while the first response is still arriving', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh'))
  parser.expect({ method: 'HEAD' })
  parser.receive(latin1('iHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'))
  t.equal(c.heads.length, 2)
  t.same(c.heads[1]?.framing, { kind: 'none' }, 'the second answers the HEAD')
  t.equal(c.ends.length, 2)
})

t.test('receiveEof() after a complete response is a no-op, however often it is called', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
  t.doesNotThrow(() => parser.receiveEof())
  t.doesNotThrow(() => parser.receiveEof())
  t.equal(c.ends.length, 1)
})

t.test('the close of a close-delimited body ends it exactly once', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 200 OK\r\n\r\nabc'))
  parser.receiveEof()
  t.doesNotThrow(() => parser.receiveEof())
  t.equal(c.ends.length, 1)
  t.equal(c.ends[0]?.closeReason, 'read-until-close')
})

t.test('a tunnel hands over a Buffer of the bytes after the head', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'CONNECT' })
  parser.receive(latin1('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03'))
  const end = c.ends[0]
  t.ok(end !== undefined && Buffer.isBuffer(end.tunnel), 'tunnel is a Buffer')
  t.equal(end?.tunnel?.toString('latin1'), '\x16\x03')
  t.same(end?.trailers, [])
})

t.test('a field named __proto__ stores nothing on any prototype', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1('HTTP/1.1 200 OK\r\n__proto__: {"polluted":1}\r\nprototype: x\r\nContent-Length: 0\r\n\r\n'))
  t.equal(({} as Record<string, unknown>)['polluted'], undefined)
  t.ok(Array.isArray(c.heads[0]?.headers))
  t.equal(Object.getPrototypeOf(c.heads[0]?.headers), Array.prototype)
})

t.test('heads and ends are fresh for each response (nothing is shared between them)', async t => {
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.expect({ method: 'GET' })
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
  parser.receive(latin1(`${head}0\r\nA: 1\r\n\r\n${head}0\r\nB: 2\r\n\r\n`))
  t.same(c.ends[0]?.trailers, ['A', '1'])
  t.same(c.ends[1]?.trailers, ['B', '2'])
  t.not(c.heads[0]?.headers, c.heads[1]?.headers)
})

t.test('a 60 KiB head trickled one byte per read is parsed in linear time', async t => {
  let head = 'HTTP/1.1 200 OK\r\n'
  while (head.length < 60 * 1024) head += `X-Field-${head.length}: ${'v'.repeat(150)}\r\n`
  const input = latin1(head + 'Content-Length: 0\r\n\r\n')
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  const started = process.hrtime.bigint()
  for (let i = 0; i < input.length; i++) parser.receive(input.subarray(i, i + 1))
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(c.ends.length, 1)
  t.ok(ms < 1500, `took ${ms.toFixed(0)} ms (a quadratic parser takes seconds)`)
})

t.test('a 4 MiB body in 16 KiB reads is delivered without growing buffers', async t => {
  const size = 4 * 1024 * 1024
  const c = collector()
  const parser = new ResponseParser(c)
  parser.expect({ method: 'GET' })
  parser.receive(latin1(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`))
  const piece = Buffer.alloc(16 * 1024, 0x61)
  for (let sent = 0; sent < size; sent += piece.length) parser.receive(piece)
  t.equal(
    c.chunks.reduce((n, b) => n + b.length, 0),
    size,
  )
  t.ok(c.chunks.every(b => b.buffer === piece.buffer), 'every chunk is a view of a read')
  t.equal(c.ends.length, 1)
})

t.test('limits given to the constructor override only the ones named', async t => {
  const parser = new ResponseParser(collector(), { maxFields: 1 })
  parser.expect({ method: 'GET' })
  t.equal(codeOf(() => parser.receive(latin1('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n'))), 'TOO_MANY_FIELDS')
  const other = new ResponseParser(collector(), { maxFields: 1 })
  other.expect({ method: 'GET' })
  t.equal(codeOf(() => other.receive(latin1(`HTTP/1.1 200 OK\r\nA: ${'a'.repeat(20_000)}\r\n\r\n`))), 'nothing thrown', 'maxHeadSize keeps its 64 KiB default')
})
