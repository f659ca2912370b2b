// multipart/form-data bodies against Requests' _encode_files and urllib3's part headers, read back
// with the test server's strict parser: order, names, filenames, types, extra headers, streamed
// parts and file lengths, the random boundary, and the refusal of CR/LF before any byte is made.

import t, { type Test } from 'tap'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { encodeMultipart } from '../lib/multipart.js'
import type { EncodedBody } from '../lib/bodies.js'
import { InvalidHeader } from '../lib/errors.js'
import { parseMultipart, type MultipartPart } from './support/httpbin/multipart.js'

async function collect(body: EncodedBody['body']): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body
  const chunks: Buffer[] = []
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}

function boundaryOf(encoded: EncodedBody): string {
  const match = /^multipart\/form-data; boundary=(.+)$/.exec(encoded.contentType ?? '')
  if (match === null) throw new Error(`not a multipart content type: ${encoded.contentType}`)
  return match[1]!
}

async function parse(encoded: EncodedBody): Promise<MultipartPart[]> {
  return parseMultipart(await collect(encoded.body), boundaryOf(encoded))
}

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reqwire-multipart-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('fields come first, then files, each in the order given', async t => {
  const encoded = encodeMultipart([['a', '1'], ['b', '2'], ['a', '3']], [['f1', ['one.txt', 'x']], ['f0', ['zero.txt', 'y']]])
  const parts = await parse(encoded)
  t.same(parts.map(p => [p.name, p.filename, p.body.toString()]), [
    ['a', null, '1'], ['b', null, '2'], ['a', null, '3'], ['f1', 'one.txt', 'x'], ['f0', 'zero.txt', 'y'],
  ])
})

t.test('the body is written exactly as urllib3 writes it', async t => {
  const encoded = encodeMultipart([['field', 'value']], [['file', ['report.csv', 'a,b\n', 'text/csv']]], 'XyZ')
  t.equal(encoded.contentType, 'multipart/form-data; boundary=XyZ')
  t.equal((encoded.body as Buffer).toString(),
    '--XyZ\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n'
    + '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="report.csv"\r\nContent-Type: text/csv\r\n\r\na,b\n\r\n'
    + '--XyZ--\r\n')
})

t.test('the boundary is random: two bodies get different ones', async t => {
  const a = boundaryOf(encodeMultipart([['a', '1']], []))
  const b = boundaryOf(encodeMultipart([['a', '1']], []))
  t.not(a, b)
  t.match(a, /^[0-9a-f]{32}$/)
})

t.test('a boundary RFC 2046 does not allow is refused', async t => {
  t.throws(() => encodeMultipart([['a', '1']], [], 'bad\r\nboundary'), InvalidHeader)
  t.throws(() => encodeMultipart([['a', '1']], [], ''), InvalidHeader)
  t.throws(() => encodeMultipart([['a', '1']], [], 'x'.repeat(71)), InvalidHeader)
})

t.test('bytes, strings and typed arrays are sent as their bytes', async t => {
  const parts = await parse(encodeMultipart([], [
    ['bytes', ['b.bin', Buffer.from([0, 1, 2, 255])]],
    ['typed', ['t.bin', new Uint8Array([9, 8, 7]).subarray(1)]],
    ['text', ['t.txt', 'héllo']],
  ]))
  t.same(parts.map(p => [...p.body]), [[0, 1, 2, 255], [8, 7], [...Buffer.from('héllo')]])
})

t.test('a bare content takes the field name as its filename, as Requests guess_filename(v) or k', async t => {
  const parts = await parse(encodeMultipart([], [['upload', Buffer.from('data')], ['text', 'words']]))
  t.same(parts.map(p => [p.name, p.filename, p.contentType]), [['upload', 'upload', null], ['text', 'text', null]])
})

t.test('a null filename sends the part without one', async t => {
  const encoded = encodeMultipart([], [['field', [null, 'value']]], 'b0undary')
  const [part] = await parse(encoded)
  t.equal(part?.filename, null)
  t.notMatch((encoded.body as Buffer).toString(), /filename/)
})

t.test('an empty filename is written as an empty parameter', async t => {
  const [part] = await parse(encodeMultipart([], [['field', ['', 'value']]]))
  t.equal(part?.filename, '')
})

t.test('a content type is sent only when given', async t => {
  const parts = await parse(encodeMultipart([], [['a', ['a.txt', 'x']], ['b', ['b.json', '{}', 'application/json']]]))
  t.same(parts.map(p => p.contentType), [null, 'application/json'])
})

t.test('extra part headers come after Content-Type, in their order, and empty ones are left out', async t => {
  const [part] = await parse(encodeMultipart([], [['f', ['f.txt', 'x', 'text/plain', { 'X-One': '1', 'X-Empty': '', 'X-Two': '2' }]]]))
  t.same(part?.headers.map(([name]) => name), ['Content-Disposition', 'Content-Type', 'X-One', 'X-Two'])
})

t.test('an extra Content-Type is used when none is given, and never a second Content-Disposition', async t => {
  const [a, b] = await parse(encodeMultipart([], [
    ['a', ['a.txt', 'x', '', { 'content-type': 'text/x-a', 'Content-Disposition': 'attachment' }]],
    ['b', ['b.txt', 'x', 'text/plain', { 'Content-Type': 'text/x-b' }]],
  ]))
  t.same(a?.headers.map(([name, value]) => `${name}: ${value}`), ['Content-Disposition: form-data; name="a"; filename="a.txt"', 'content-type: text/x-a'])
  t.same(b?.headers.filter(([name]) => name.toLowerCase() === 'content-type').map(([, value]) => value), ['text/plain'])
})

t.test('a double quote in a name or filename is written %22 and a backslash is left alone', async t => {
  const encoded = encodeMultipart([['say "hi"', 'x']], [['f', ['a"b\\c.txt', 'y']]], 'bnd')
  const text = (encoded.body as Buffer).toString()
  t.match(text, 'name="say %22hi%22"')
  t.match(text, 'filename="a%22b\\c.txt"')
})

t.test('names and filenames are written in UTF-8', async t => {
  const parts = await parse(encodeMultipart([['名前', 'v']], [['ファイル', ['résumé.pdf', 'x']]]))
  t.same(parts.map(p => [p.name, p.filename]), [['名前', null], ['ファイル', 'résumé.pdf']])
})

t.test('CR, LF or NUL in a name, filename, content type or extra header is refused', async t => {
  for (const bad of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b']) {
    t.throws(() => encodeMultipart([[bad, 'v']], []), InvalidHeader, 'field name')
    t.throws(() => encodeMultipart([], [[bad, ['f', 'x']]]), InvalidHeader, 'file name')
    t.throws(() => encodeMultipart([], [['f', [bad, 'x']]]), InvalidHeader, 'filename')
    t.throws(() => encodeMultipart([], [['f', ['f', 'x', bad]]]), InvalidHeader, 'content type')
    t.throws(() => encodeMultipart([], [['f', ['f', 'x', 'text/plain', { 'X-A': bad }]]]), InvalidHeader, 'extra value')
  }
  t.throws(() => encodeMultipart([], [['f', ['f', 'x', 'text/plain', { 'X-A\r\n': 'v' }]]]), InvalidHeader, 'extra name')
  t.throws(() => encodeMultipart([], [['f', ['f', 'x', 'text/plain', { 'X A': 'v' }]]]), InvalidHeader, 'extra name with a space')
})

t.test('a refused part leaves the streams before it unread', async t => {
  const stream = Readable.from([Buffer.from('never read')])
  t.throws(() => encodeMultipart([], [['s', ['s.bin', stream]], ['bad', ['x\r\n', 'y']]]), InvalidHeader)
  t.equal(stream.readableFlowing, null)
  t.equal(stream.readableEnded, false)
  stream.destroy()
})

t.test('bytes and strings only give one Buffer with its length', async t => {
  const encoded = encodeMultipart([['a', '1']], [['f', ['f.txt', 'hello']]])
  t.ok(Buffer.isBuffer(encoded.body))
  t.equal(encoded.length, (encoded.body as Buffer).length)
})

t.test('a Readable part makes a streamed body of unknown length that holds its bytes in order', async t => {
  const stream = Readable.from([Buffer.from('chunk one, '), Buffer.from('chunk two')])
  const encoded = encodeMultipart([['before', 'x']], [['s', ['s.bin', stream, 'application/octet-stream']], ['after', ['a.txt', 'y']]])
  t.notOk(Buffer.isBuffer(encoded.body))
  t.equal(encoded.length, null)
  const parts = await parse(encoded)
  t.same(parts.map(p => [p.name, p.filename, p.contentType, p.body.toString()]), [
    ['before', null, null, 'x'],
    ['s', 's.bin', 'application/octet-stream', 'chunk one, chunk two'],
    ['after', 'a.txt', null, 'y'],
  ])
})

t.test('a Readable of strings is sent as UTF-8', async t => {
  const stream = new Readable({ read() {} })
  stream.setEncoding('utf8')
  stream.push(Buffer.from('ünïcode'))
  stream.push(null)
  const [part] = await parse(encodeMultipart([], [['s', ['s.txt', stream]]]))
  t.equal(part?.body.toString(), 'ünïcode')
})

t.test('a file stream part has a known length, equal to the bytes produced', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'upload.txt')
  await writeFile(path, 'file contents\n'.repeat(1000))
  const encoded = encodeMultipart([['a', '1']], [['file', ['upload.txt', createReadStream(path), 'text/plain']], ['mem', ['m', 'zz']]])
  const bytes = await collect(encoded.body)
  t.equal(encoded.length, bytes.length)
  const parts = parseMultipart(bytes, boundaryOf(encoded))
  t.equal(parts[1]?.body.toString(), 'file contents\n'.repeat(1000))
})

t.test('a file stream with start and end counts only that range', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'range.bin')
  await writeFile(path, '0123456789')
  const encoded = encodeMultipart([], [['r', ['r', createReadStream(path, { start: 2, end: 5 })]]])
  const bytes = await collect(encoded.body)
  t.equal(encoded.length, bytes.length)
  t.equal(parseMultipart(bytes, boundaryOf(encoded))[0]?.body.toString(), '2345')
})

t.test('a bare file stream is named after its file', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'photo.jpg')
  await writeFile(path, 'jpeg')
  const [part] = await parse(encodeMultipart([], [['image', createReadStream(path)]]))
  t.same([part?.name, part?.filename, part?.body.toString()], ['image', 'photo.jpg', 'jpeg'])
})

t.test('one stream of unknown length makes the whole length unknown', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'known.txt')
  await writeFile(path, 'known')
  const encoded = encodeMultipart([], [['k', ['k', createReadStream(path)]], ['u', ['u', Readable.from([Buffer.from('unknown')])]]])
  t.equal(encoded.length, null)
  const parts = await parse(encoded)
  t.same(parts.map(p => p.body.toString()), ['known', 'unknown'])
})

t.test('an empty part content is framed correctly', async t => {
  const parts = await parse(encodeMultipart([['empty', '']], [['f', ['f', Buffer.alloc(0)]], ['s', ['s', Readable.from([])]]]))
  t.same(parts.map(p => p.body.length), [0, 0, 0])
})

t.test('no parts at all is a body with only the close delimiter', async t => {
  const encoded = encodeMultipart([], [], 'bnd')
  t.equal((encoded.body as Buffer).toString(), '--bnd--\r\n')
  t.same(parseMultipart(encoded.body as Buffer, 'bnd'), [])
})
