// Request bodies against Requests' prepare_body: which of files, data and json wins, how each
// shape of `data` is sent and with what Content-Type and length, and the JSON values Python's
// json.dumps(allow_nan=False) refuses.

import t, { type Test } from 'tap'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Readable } from 'node:stream'
import { encodeBody, type EncodedBody } from '../lib/bodies.js'
import { InvalidJSONError } from '../lib/errors.js'
import { Request } from '../lib/request.js'
import { Session } from '../lib/session.js'
import { parseMultipart } from './support/httpbin/multipart.js'

function encoded(input: Parameters<typeof encodeBody>[0]): EncodedBody {
  const result = encodeBody(input)
  if (result === null) throw new Error('expected a body')
  return result
}

function text(result: EncodedBody): string {
  if (!Buffer.isBuffer(result.body)) throw new Error('expected a Buffer body')
  return result.body.toString('utf8')
}

async function tempFile(t: Test, name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reqwire-bodies-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

t.test('a record of data is form-encoded with its Content-Type and length', async t => {
  const result = encoded({ data: { key: 'value', 'a b': 'c&d', list: ['1', '2'] } })
  t.equal(text(result), 'key=value&a+b=c%26d&list=1&list=2')
  t.equal(result.contentType, 'application/x-www-form-urlencoded')
  t.equal(result.length, (result.body as Buffer).length)
})

t.test('data given as pairs is form-encoded in order and may repeat a key', async t => {
  t.equal(text(encoded({ data: [['k', 'v1'], ['k', 'v2'], ['z', 1]] })), 'k=v1&k=v2&z=1')
})

t.test('null and undefined data values are left out of the form', async t => {
  t.equal(text(encoded({ data: { a: null, b: 'x', c: undefined, d: [null, 'y'] } })), 'b=x&d=y')
})

t.test('a record whose values are all null is still a form, with an empty body', async t => {
  const result = encoded({ data: { a: null } })
  t.equal(result.length, 0)
  t.equal(result.contentType, 'application/x-www-form-urlencoded')
})

t.test('a string is sent as UTF-8 without a Content-Type', async t => {
  const result = encoded({ data: 'héllo wörld' })
  t.equal(text(result), 'héllo wörld')
  t.equal(result.contentType, null)
  t.equal(result.length, Buffer.byteLength('héllo wörld'))
})

t.test('bytes are sent as they are, without a copy', async t => {
  const buffer = Buffer.from('bytes')
  t.equal(encoded({ data: buffer }).body, buffer)
  const array = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4)
  const result = encoded({ data: array })
  t.ok(Buffer.isBuffer(result.body))
  t.same([...(result.body as Buffer)], [2, 3, 4])
  t.equal(result.length, 3)
  t.equal(result.contentType, null)
  array[0] = 99
  t.equal((result.body as Buffer)[0], 99, 'the Buffer is a view over the same memory')
})

t.test('a Readable is passed through with an unknown length', async t => {
  const stream = Readable.from([Buffer.from('x')])
  const result = encoded({ data: stream })
  t.equal(result.body, stream)
  t.equal(result.length, null)
  t.equal(result.contentType, null)
  stream.destroy()
})

t.test('a file stream gets the size of its file as length', async t => {
  const path = await tempFile(t, 'body.txt', 'some file body')
  const stream = createReadStream(path)
  const result = encoded({ data: stream })
  t.equal(result.body, stream)
  t.equal(result.length, 14)
  stream.destroy()
})

t.test('a file stream with start and end gets the length of its range', async t => {
  const path = await tempFile(t, 'range.txt', '0123456789')
  for (const [options, expected] of [[{ start: 3 }, 7], [{ end: 4 }, 5], [{ start: 2, end: 5 }, 4], [{ start: 8, end: 100 }, 2]] as const) {
    const stream = createReadStream(path, options)
    t.equal(encoded({ data: stream }).length, expected, JSON.stringify(options))
    stream.destroy()
  }
})

t.test('a file stream over something that is not a regular file has an unknown length', async t => {
  const stream = createReadStream('/dev/null')
  t.equal(encoded({ data: stream }).length, null)
  stream.destroy()
})

t.test('a file stream already read from has an unknown length', async t => {
  const path = await tempFile(t, 'read.txt', 'abcdef')
  const stream = createReadStream(path, { highWaterMark: 2 })
  await new Promise<void>(resolve => stream.once('readable', () => resolve()))
  stream.read(2)
  t.equal(encoded({ data: stream }).length, null)
  stream.destroy()
})

t.test('sync and async iterables of chunks are passed through with an unknown length', async t => {
  function* chunks(): Generator<string> { yield 'a'; yield 'b' }
  async function* asyncChunks(): AsyncGenerator<Buffer> { yield Buffer.from('c') }
  const sync = chunks()
  const async = asyncChunks()
  t.same(encoded({ data: sync }), { body: sync, contentType: null, length: null })
  t.same(encoded({ data: async }), { body: async, contentType: null, length: null })
})

t.test('an array of chunks is an iterable, not pairs', async t => {
  const chunks = ['ab', 'cd']
  t.same(encoded({ data: chunks }), { body: chunks, contentType: null, length: null })
  const bytes = [Buffer.from('x')]
  t.equal(encoded({ data: bytes }).body, bytes)
})

t.test('a value of no supported shape is a TypeError', async t => {
  t.throws(() => encodeBody({ data: 42 as unknown as string }), TypeError)
  t.throws(() => encodeBody({ data: new Date() as unknown as string }), TypeError)
})

t.test('json is sent as json.dumps writes it, with its Content-Type', async t => {
  const result = encoded({ json: { some: 'data', n: [1, 2.5], ok: true, none: null, text: 'é' } })
  t.equal(text(result), String.raw`{"some": "data", "n": [1, 2.5], "ok": true, "none": null, "text": "\u00e9"}`)
  t.equal(result.contentType, 'application/json')
  t.equal(result.length, Buffer.byteLength(text(result)))
})

t.test('json may be any JSON value, null included', async t => {
  t.equal(text(encoded({ json: null })), 'null')
  t.equal(text(encoded({ json: 'text' })), '"text"')
  t.equal(text(encoded({ json: 0 })), '0')
  t.equal(text(encoded({ json: [] })), '[]')
})

t.test('json is ignored when data is given, as in Requests', async t => {
  t.equal(text(encoded({ data: 'raw', json: { a: 1 } })), 'raw')
})

t.test('json is used when data is empty, as Requests tests `not data`', async t => {
  for (const data of [{}, [], '', new Uint8Array(0)]) {
    t.equal(text(encoded({ data, json: { a: 1 } })), '{"a": 1}')
  }
})

t.test('NaN and Infinity anywhere in json are an InvalidJSONError, as allow_nan=False makes them', async t => {
  for (const json of [NaN, Infinity, { a: -Infinity }, [1, [NaN]], { n: new Number(NaN) }, { toJSON: () => Infinity }]) {
    t.throws(() => encodeBody({ json }), InvalidJSONError)
  }
})

t.test('a string holding null or NaN in json is fine', async t => {
  t.equal(text(encoded({ json: { a: 'null', b: 'NaN' } })), '{"a": "null", "b": "NaN"}')
})

t.test('BigInt, cycles and values JSON cannot write are an InvalidJSONError with the cause', async t => {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  for (const json of [10n, { big: 1n }, cycle, () => 1, Symbol('s')]) {
    const err = t.throws(() => encodeBody({ json }), InvalidJSONError) as InvalidJSONError
    t.equal(err.code, 'INVALID_JSON')
  }
  const err = t.throws(() => encodeBody({ json: cycle })) as InvalidJSONError
  t.type(err.cause, TypeError)
})

t.test('json bytes are exactly what Requests sends: json.dumps(allow_nan=False).encode("utf-8")', async t => {
  // Every expectation below is python3 -c 'import json; print(json.dumps(value))' (Python 3.11).
  /** The body as bytes, checked to be ASCII, with its length and Content-Type checked too. */
  function dumps(json: unknown): string {
    const result = encoded({ json })
    const body = result.body as Buffer
    t.equal(result.contentType, 'application/json')
    t.equal(result.length, body.length, 'length is the byte count')
    t.ok(body.every(b => b < 0x80), 'ensure_ascii: only ASCII bytes')
    return body.toString('latin1')
  }

  t.test('", " between items and ": " after keys; empty containers stay {} and []', async t => {
    t.equal(dumps({ a: 1, b: [1, 2], c: { d: [true, false, null] } }), '{"a": 1, "b": [1, 2], "c": {"d": [true, false, null]}}')
    t.equal(dumps([{}, [], { e: {} }, [[]]]), '[{}, [], {"e": {}}, [[]]]')
    t.equal(dumps({}), '{}')
    t.equal(dumps([]), '[]')
    t.equal(dumps([1]), '[1]')
  })

  t.test('":" "," quotes and backslashes inside keys and strings are only escaped, never spaced', async t => {
    t.equal(dumps({ 'k:,"\\': 'v, "x": [1, 2]\\', ', ': ': ' }), String.raw`{"k:,\"\\": "v, \"x\": [1, 2]\\", ", ": ": "}`)
  })

  t.test('short escapes, \\u00XX for other controls and DEL, printable ASCII as it is', async t => {
    t.equal(dumps('\b\f\n\r\t'), String.raw`"\b\f\n\r\t"`)
    // DEL is escaped: Python's ESCAPE_ASCII is [^\ -~], and json.dumps("\x7f") is "\u007f".
    t.equal(dumps('\x00\x01\x0b\x1b\x1f \x7f'), String.raw`"\u0000\u0001\u000b\u001b\u001f \u007f"`)
    t.equal(dumps(" !#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~"), `" !#$%&'()*+,-./0123456789:;<=>?@AZ[]^_\`az{|}~"`)
    t.equal(dumps({ k: '</script>' }), '{"k": "</script>"}')
  })

  t.test('non-ASCII as lower-case \\uXXXX, astral as a surrogate pair, lone surrogates as they are', async t => {
    t.equal(dumps('é€\u2028\u2029\ufeff\uffff😀\u{10ffff}'), String.raw`"\u00e9\u20ac\u2028\u2029\ufeff\uffff\ud83d\ude00\udbff\udfff"`)
    t.equal(dumps(['\ud800', 'x\udfffy', '\udc00\ud800']), String.raw`["\ud800", "x\udfffy", "\udc00\ud800"]`)
    t.equal(dumps({ 'clé': 'ü' }), String.raw`{"cl\u00e9": "\u00fc"}`)
    const body = encoded({ json: { 'ключ': '😀' } })
    t.equal(body.length, Buffer.byteLength(String.raw`{"\u043a\u043b\u044e\u0447": "\ud83d\ude00"}`))
  })

  t.test('numbers: integers as Python ints, non-integers as repr(float)', async t => {
    t.equal(dumps([0, -7, 1.5, -0.25, 0.1, 1e-4, 9e-5, 1e-5, 1.5e-5, 1e-6, 1e-7, 1.2345e-7, 5e-324, 2.5e-100, 123.456,
      4503599627370495.5, 9007199254740991, 1e21, -1.5e300, 1.7976931348623157e308, 0.1 + 0.2]),
    '[0, -7, 1.5, -0.25, 0.1, 0.0001, 9e-05, 1e-05, 1.5e-05, 1e-06, 1e-07, 1.2345e-07, 5e-324, 2.5e-100, 123.456, '
      + '4503599627370495.5, 9007199254740991, 1e+21, -1.5e+300, 1.7976931348623157e+308, 0.30000000000000004]')
    // Integer-valued numbers are Python ints (json.dumps([10**16, 2**53])); Python's floats 1.0
    // and -0.0 would be "1.0" and "-0.0": a JS number cannot say which it is (see lib/bodies.ts).
    t.equal(dumps([1e16, 2 ** 53, 1.0, -0]), '[10000000000000000, 9007199254740992, 1, 0]')
    t.equal(dumps(new Number(2.5e-5)), '2.5e-05')
  })

  t.test('key order is insertion order (integer-like keys first, as in any JS object)', async t => {
    t.equal(dumps({ z: 1, a: 2, m: { y: 1, b: 2 } }), '{"z": 1, "a": 2, "m": {"y": 1, "b": 2}}')
    const grown: Record<string, number> = {}
    for (const key of ['c', 'a', 'b']) grown[key] = 0
    t.equal(dumps(grown), '{"c": 0, "a": 0, "b": 0}')
    t.equal(dumps({ b: 1, 2: 2, 1: 1 }), '{"1": 1, "2": 2, "b": 1}')
  })

  t.test('what JSON.stringify drops or transforms, it drops or transforms here', async t => {
    t.equal(dumps({ a: undefined, b: () => 1, c: Symbol('s'), d: 1 }), '{"d": 1}')
    t.equal(dumps([undefined, () => 1, Symbol('s'), 1]), '[null, null, null, 1]')
    t.equal(dumps({ when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) }), '{"when": "2024-01-02T03:04:05.006Z"}')
    t.equal(dumps({ invalid: new Date(NaN) }), '{"invalid": null}', "an invalid Date's toJSON is null, not NaN")
    const keys: string[] = []
    const withToJSON = { toJSON(key: string) { keys.push(key); return { key, é: [1, 2] } } }
    t.equal(dumps({ x: withToJSON, list: [withToJSON] }), String.raw`{"x": {"key": "x", "\u00e9": [1, 2]}, "list": [{"key": "0", "\u00e9": [1, 2]}]}`)
    t.same(keys, ['x', '0'])
    t.equal(dumps(withToJSON), String.raw`{"key": "", "\u00e9": [1, 2]}`)
    t.equal(dumps([new String('é'), new Number(1.5), new Boolean(false)]), String.raw`["\u00e9", 1.5, false]`)
    t.equal(dumps({ map: new Map([['a', 1]]), set: new Set([1]) }), '{"map": {}, "set": {}}')
    const shared = { s: 1 }
    t.equal(dumps([shared, { again: shared }]), '[{"s": 1}, {"again": {"s": 1}}]', 'a repeated object is not a cycle')
    // The same values JSON.stringify writes, whatever the spacing.
    const value = { a: [1, 'b', { c: null }], d: new Date(0), e: undefined, f: [undefined] }
    t.same(JSON.parse(dumps(value)), JSON.parse(JSON.stringify(value)))
  })

  t.test('NaN and ±Infinity are an InvalidJSONError naming the value and where it is', async t => {
    const cases: Array<[unknown, RegExp]> = [
      [NaN, /Out of range float values are not JSON compliant: NaN \(at json\)$/],
      [{ a: [1, { 'b c': Infinity }] }, /Out of range float values are not JSON compliant: Infinity \(at json\.a\[1\]\["b c"\]\)$/],
      [[-Infinity], /not JSON compliant: -Infinity \(at json\[0\]\)$/],
      [{ n: new Number(NaN) }, /not JSON compliant: NaN \(at json\.n\)$/],
      [{ d: { toJSON: () => -Infinity } }, /not JSON compliant: -Infinity \(at json\.d\)$/],
    ]
    for (const [json, message] of cases) {
      const err = t.throws(() => encodeBody({ json })) as InvalidJSONError
      t.type(err, InvalidJSONError)
      t.equal(err.code, 'INVALID_JSON')
      t.match(err.message, message)
      t.type(err.cause, RangeError)
    }
  })

  t.test('a BigInt is an InvalidJSONError, unless it has a toJSON', async t => {
    for (const json of [1n, { a: [2n] }, Object(3n)]) {
      const err = t.throws(() => encodeBody({ json })) as InvalidJSONError
      t.type(err, InvalidJSONError)
      t.type(err.cause, TypeError)
      t.match(err.message, /BigInt/)
    }
    t.equal(dumps({ big: { toJSON: () => String(2n ** 64n) } }), '{"big": "18446744073709551616"}')
  })

  t.test('PreparedRequest: Content-Length is the byte count, and NaN stops prepare()', async t => {
    const p = new Request('POST', 'http://example.com/', { json: { text: 'héllo 😀', n: [1.5e-5] } }).prepare()
    const expected = String.raw`{"text": "h\u00e9llo \ud83d\ude00", "n": [1.5e-05]}`
    t.equal((p.body as Buffer).toString('latin1'), expected)
    t.equal(p.headers.get('Content-Length'), String(expected.length))
    t.equal(p.headers.get('Content-Type'), 'application/json')
    t.throws(() => new Request('POST', 'http://example.com/', { json: { a: NaN } }).prepare(), InvalidJSONError)
    try {
      new Request('POST', 'http://example.com/', { json: { a: NaN } }).prepare()
    } catch (err) {
      t.equal((err as InvalidJSONError).request?.url, 'http://example.com/', 'the error names the request it refused')
      t.equal((err as InvalidJSONError).url, 'http://example.com/')
    }
  })

  t.test('NaN is refused before anything is sent: the server sees no connection', async t => {
    let connections = 0
    const server = createServer(socket => { connections++; socket.destroy() })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
    const { port } = server.address() as { port: number }
    const s = new Session()
    t.teardown(() => s.close())
    await t.rejects(s.post(`http://127.0.0.1:${port}/`, { json: { a: [Infinity] } }), InvalidJSONError)
    t.equal(connections, 0)
  })
})

t.test('nothing to send is null', async t => {
  t.equal(encodeBody({}), null)
  t.equal(encodeBody({ data: null, json: undefined, files: null }), null)
  t.equal(encodeBody({ data: '' }), null)
  t.equal(encodeBody({ data: {} }), null)
  t.equal(encodeBody({ files: {} }), null)
})

t.test('files make a multipart body with data as its fields', async t => {
  const result = encoded({ data: { field: 'v', list: ['1', null, '2'], n: 3 }, files: { upload: ['a.txt', 'contents', 'text/plain'] } })
  const boundary = /boundary=(.+)$/.exec(result.contentType ?? '')?.[1] ?? ''
  t.match(result.contentType, /^multipart\/form-data; boundary=/)
  const parts = parseMultipart(result.body as Buffer, boundary)
  t.same(parts.map(p => [p.name, p.filename, p.contentType, p.body.toString()]), [
    ['field', null, null, 'v'],
    ['list', null, null, '1'],
    ['list', null, null, '2'],
    ['n', null, null, '3'],
    ['upload', 'a.txt', 'text/plain', 'contents'],
  ])
  t.equal(result.length, (result.body as Buffer).length)
})

t.test('files given as pairs keep their order and may repeat a name', async t => {
  const result = encoded({ data: [['f', 'x']], files: [['up', ['1.txt', 'one']], ['up', ['2.txt', 'two']]] })
  const boundary = /boundary=(.+)$/.exec(result.contentType ?? '')?.[1] ?? ''
  t.same(parseMultipart(result.body as Buffer, boundary).map(p => [p.name, p.filename]), [['f', null], ['up', '1.txt'], ['up', '2.txt']])
})

t.test('files win over json', async t => {
  t.match(encoded({ json: { a: 1 }, files: { f: 'x' } }).contentType, /^multipart\/form-data/)
})

t.test('files with data that is not fields are a TypeError', async t => {
  t.throws(() => encodeBody({ data: 'raw', files: { f: 'x' } }), TypeError)
  t.throws(() => encodeBody({ data: Buffer.from('raw'), files: { f: 'x' } }), TypeError)
  t.throws(() => encodeBody({ data: Readable.from([]), files: { f: 'x' } }), TypeError)
})
