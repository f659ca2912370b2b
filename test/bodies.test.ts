// Request bodies against Requests' prepare_body: which of files, data and json wins, how each
// shape of `data` is sent and with what Content-Type and length, and the JSON values Python's
// json.dumps(allow_nan=False) refuses.

import t, { type Test } from 'tap'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { encodeBody, type EncodedBody } from '../lib/bodies.js'
import { InvalidJSONError } from '../lib/errors.js'
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

t.test('json is sent as UTF-8 JSON with its Content-Type', async t => {
  const result = encoded({ json: { some: 'data', n: [1, 2.5], ok: true, none: null, text: 'é' } })
  t.equal(text(result), '{"some":"data","n":[1,2.5],"ok":true,"none":null,"text":"é"}')
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
    t.equal(text(encoded({ data, json: { a: 1 } })), '{"a":1}')
  }
})

t.test('NaN and Infinity anywhere in json are an InvalidJSONError, as allow_nan=False makes them', async t => {
  for (const json of [NaN, Infinity, { a: -Infinity }, [1, [NaN]], { n: new Number(NaN) }, { toJSON: () => Infinity }]) {
    t.throws(() => encodeBody({ json }), InvalidJSONError)
  }
})

t.test('a string holding null or NaN in json is fine', async t => {
  t.equal(text(encoded({ json: { a: 'null', b: 'NaN' } })), '{"a":"null","b":"NaN"}')
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
