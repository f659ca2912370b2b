// The request serializer: exact bytes for valid heads, chunks and targets; a SerializeError with
// the right code and field for every way a caller's string could smuggle bytes onto the wire.

import t from 'tap'
import { SerializeError, type SerializeErrorCode } from '../../lib/http1/errors.js'
import {
  absoluteForm,
  authorityForm,
  encodeChunk,
  lastChunk,
  originForm,
  serializeHead,
  serializeRequest,
  type RequestHead,
} from '../../lib/http1/serializer.js'

const head = (over: Partial<RequestHead> = {}): RequestHead => ({ method: 'GET', target: '/', host: 'example.com', headers: [], ...over })

interface Thrown {
  class: string
  code?: string
  field?: string
}

function thrown(fn: () => unknown): Thrown | 'nothing thrown' {
  try {
    fn()
  } catch (err) {
    if (err instanceof SerializeError) return { class: 'SerializeError', code: err.code, field: err.field }
    return { class: err instanceof Error ? err.constructor.name : typeof err }
  }
  return 'nothing thrown'
}

t.test('a head is the request line, Host, each field in order and the empty line', async t => {
  const bytes = serializeHead(head({ headers: ['Accept', '*/*', 'x-lower', 'v', 'X-Dup', '1', 'X-Dup', '2'] }))
  t.equal(bytes.toString('latin1'), 'GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nx-lower: v\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n')
})

t.test('a head without fields is the request line, Host and the empty line', async t => {
  t.equal(serializeHead(head({ method: 'OPTIONS', target: '*' })).toString('latin1'), 'OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n')
})

t.test('an empty value is written as the name, a colon and a space', async t => {
  t.equal(serializeHead(head({ headers: ['X-Empty', ''] })).toString('latin1'), 'GET / HTTP/1.1\r\nHost: example.com\r\nX-Empty: \r\n\r\n')
})

t.test('obs-text in a value is written as one latin1 byte, not UTF-8', async t => {
  const bytes = serializeHead(head({ headers: ['X', 'caf\u00e9\u00ff'] }))
  t.equal(bytes.toString('hex').includes(Buffer.from('X: caf\xe9\xff\r\n', 'latin1').toString('hex')), true)
  t.equal(bytes.length, 'GET / HTTP/1.1\r\nHost: example.com\r\nX: caf??\r\n\r\n'.length)
})

t.test('an HTAB inside a value is kept', async t => {
  t.match(serializeHead(head({ headers: ['X', 'a\tb'] })).toString('latin1'), 'X: a\tb\r\n')
})

t.test('a request with a body is the head followed by the body in one Buffer', async t => {
  const body = new Uint8Array([0x00, 0x0d, 0x0a, 0xff, 0x41])
  const h = head({ method: 'POST', target: '/upload?x=1', headers: ['Content-Length', '5'] })
  const bytes = serializeRequest(h, body)
  t.ok(Buffer.isBuffer(bytes))
  t.same(bytes, Buffer.concat([serializeHead(h), body]))
})

t.test('a request without a body, or with an empty one, is the head alone', async t => {
  const h = head({ method: 'DELETE', target: '/x' })
  t.same(serializeRequest(h), serializeHead(h))
  t.same(serializeRequest(h, new Uint8Array(0)), serializeHead(h))
})

t.test('custom methods that are tokens are written as given', async t => {
  for (const method of ['PROPFIND', 'M-SEARCH', 'get', "X!#$%&'*+-.^_`|~9"]) {
    t.equal(serializeHead(head({ method })).toString('latin1').split(' ')[0], method, method)
  }
})

t.test('targets of every form are written as given', async t => {
  for (const target of ['/', '/a/b?c=d&e=%20', 'http://example.com:8080/p?q', 'example.com:443', '*', "/~user/[x]!$&'()*+,;=:@"]) {
    t.equal(serializeHead(head({ target })).toString('latin1').split(' ')[1], target, target)
  }
})

interface Refusal {
  name: string
  head: Partial<RequestHead>
  code: SerializeErrorCode
  field: string
}

const refusals: Refusal[] = [
  { name: 'a method with a space', head: { method: 'GET /evil' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'an empty method', head: { method: '' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'a method with CRLF', head: { method: 'GET\r\n' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'a method with a delimiter', head: { method: 'GE(T)' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'a method with a non-ASCII letter', head: { method: 'G\u00c9T' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'a method with a char above 0xFF', head: { method: 'GET\u0100' }, code: 'INVALID_METHOD', field: 'method' },
  { name: 'a target with a space', head: { target: '/a b' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with CRLF and a field', head: { target: '/\r\nX-Injected: 1' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with a bare LF', head: { target: '/a\nb' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with a NUL', head: { target: '/\x00' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with an HTAB', head: { target: '/\t' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with a DEL', head: { target: '/\x7f' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with a latin1 letter', head: { target: '/caf\u00e9' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'a target with an emoji', head: { target: '/\u{1f600}' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'an empty target', head: { target: '' }, code: 'INVALID_TARGET', field: 'target' },
  { name: 'an empty field name', head: { headers: ['', 'v'] }, code: 'INVALID_HEADER_NAME', field: '' },
  { name: 'a field name with a space', head: { headers: ['X Y', 'v'] }, code: 'INVALID_HEADER_NAME', field: 'X Y' },
  { name: 'a field name with a colon', head: { headers: ['X:Y', 'v'] }, code: 'INVALID_HEADER_NAME', field: 'X:Y' },
  { name: 'a field name with CRLF', head: { headers: ['X\r\nY', 'v'] }, code: 'INVALID_HEADER_NAME', field: 'X\r\nY' },
  { name: 'a field name with a latin1 letter', head: { headers: ['X-\u00e9', 'v'] }, code: 'INVALID_HEADER_NAME', field: 'X-\u00e9' },
  { name: 'a field name with a delimiter', head: { headers: ['(x)', 'v'] }, code: 'INVALID_HEADER_NAME', field: '(x)' },
  { name: 'a value with CRLF and a second field', head: { headers: ['X', 'a\r\nSet-Cookie: b'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a bare LF', head: { headers: ['X', 'a\nb'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a bare CR', head: { headers: ['X', 'a\rb'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a NUL', head: { headers: ['X', 'a\x00b'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a DEL', head: { headers: ['X', 'a\x7fb'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a control byte', head: { headers: ['X', 'a\x01b'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with a char above 0xFF', head: { headers: ['X', '\u0100'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a value with an emoji', head: { headers: ['X', '\u{1f600}'] }, code: 'INVALID_HEADER_VALUE', field: 'X' },
  { name: 'a bad value in a later field, naming that field', head: { headers: ['A', 'ok', 'B-Field', 'x\ny'] }, code: 'INVALID_HEADER_VALUE', field: 'B-Field' },
  { name: 'a Host field among the headers', head: { headers: ['Host', 'other.example'] }, code: 'DUPLICATE_HOST', field: 'Host' },
  { name: 'a lower-case host field among the headers', head: { headers: ['Accept', '*/*', 'host', 'other.example'] }, code: 'DUPLICATE_HOST', field: 'host' },
  { name: 'an upper-case HOST field among the headers', head: { headers: ['HOST', 'x'] }, code: 'DUPLICATE_HOST', field: 'HOST' },
]

for (const r of refusals) {
  t.test(`${r.name} is refused with ${r.code} naming ${JSON.stringify(r.field)}`, async t => {
    const expected = { class: 'SerializeError', code: r.code, field: r.field }
    t.same(thrown(() => serializeHead(head(r.head))), expected, 'serializeHead')
    t.same(thrown(() => serializeRequest(head(r.head), Buffer.from('body'))), expected, 'serializeRequest')
  })
}

t.test('a Host with CRLF cannot inject a field', async t => {
  const got = thrown(() => serializeHead(head({ host: 'example.com\r\nX-Injected: 1' })))
  t.same(got, { class: 'SerializeError', code: 'INVALID_HEADER_VALUE', field: 'Host' })
})

t.test('the error is a SerializeError that is an Error, with its name', async t => {
  try {
    serializeHead(head({ method: 'BAD METHOD' }))
    t.fail('nothing thrown')
  } catch (err) {
    t.ok(err instanceof SerializeError)
    t.ok(err instanceof Error)
    t.equal((err as Error).name, 'SerializeError')
  }
})

t.test('a chunk is its size in lower-case hex, CRLF, the data and CRLF', async t => {
  t.equal(encodeChunk(Buffer.from('hello')).toString('latin1'), '5\r\nhello\r\n')
  const data = new Uint8Array(255).fill(0x61)
  t.same(encodeChunk(data), Buffer.concat([Buffer.from('ff\r\n'), data, Buffer.from('\r\n')]))
  t.equal(encodeChunk(new Uint8Array(4096)).subarray(0, 6).toString('latin1'), '1000\r\n')
  t.equal(encodeChunk(new Uint8Array(0xabcde)).subarray(0, 7).toString('latin1'), 'abcde\r\n')
})

t.test('a chunk of binary data, CR and LF included, carries it unchanged', async t => {
  const data = Buffer.from([0x0d, 0x0a, 0x30, 0x0d, 0x0a, 0x0d, 0x0a, 0x00])
  const bytes = encodeChunk(data)
  t.same(bytes, Buffer.concat([Buffer.from('8\r\n'), data, Buffer.from('\r\n')]))
})

t.test('empty data makes no chunk at all, since a zero-size chunk would end the body', async t => {
  const bytes = encodeChunk(new Uint8Array(0))
  t.ok(Buffer.isBuffer(bytes))
  t.equal(bytes.length, 0)
})

t.test('the last chunk without trailers is 0, CRLF and the final CRLF', async t => {
  t.equal(lastChunk().toString('latin1'), '0\r\n\r\n')
  t.equal(lastChunk([]).toString('latin1'), '0\r\n\r\n')
})

t.test('trailers follow the last chunk in order', async t => {
  t.equal(lastChunk(['X-Sum', 'abc', 'x-other', '']).toString('latin1'), '0\r\nX-Sum: abc\r\nx-other: \r\n\r\n')
})

t.test('trailers are validated like fields', async t => {
  t.same(thrown(() => lastChunk(['Bad Name', 'v'])), { class: 'SerializeError', code: 'INVALID_HEADER_NAME', field: 'Bad Name' })
  t.same(thrown(() => lastChunk(['X-Sum', 'a\r\n\r\nGET / HTTP/1.1'])), { class: 'SerializeError', code: 'INVALID_HEADER_VALUE', field: 'X-Sum' })
  t.same(thrown(() => lastChunk(['X', 'ok', 'Y', '\x00'])), { class: 'SerializeError', code: 'INVALID_HEADER_VALUE', field: 'Y' })
})

t.test('the origin form is the path and the query, never the fragment', async t => {
  const cases: [string, string][] = [
    ['http://example.com', '/'],
    ['http://example.com/', '/'],
    ['http://example.com/a/b', '/a/b'],
    ['http://example.com/a?x=1&y=2', '/a?x=1&y=2'],
    ['http://example.com/a?x=1#frag', '/a?x=1'],
    ['http://example.com/#frag', '/'],
    ['http://user:pw@example.com:8080/p', '/p'],
    ['http://example.com/caf\u00e9 x', '/caf%C3%A9%20x'],
    ['http://example.com/a%2Fb', '/a%2Fb'],
  ]
  for (const [url, form] of cases) t.equal(originForm(new URL(url)), form, url)
})

t.test('the absolute form has scheme, host and port, and no userinfo or fragment', async t => {
  const cases: [string, string][] = [
    ['http://example.com', 'http://example.com/'],
    ['http://user:pw@example.com:8080/p?q=1#f', 'http://example.com:8080/p?q=1'],
    ['http://example.com:80/x', 'http://example.com/x'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ['http://127.0.0.1/', 'http://127.0.0.1/'],
  ]
  for (const [url, form] of cases) t.equal(absoluteForm(new URL(url)), form, url)
})

t.test('the authority form is host:port, an IPv6 literal in brackets', async t => {
  t.equal(authorityForm('example.com', 443), 'example.com:443')
  t.equal(authorityForm('127.0.0.1', 8080), '127.0.0.1:8080')
  t.equal(authorityForm('::1', 443), '[::1]:443')
  t.equal(authorityForm('2001:db8::1', 8443), '[2001:db8::1]:8443')
})

t.test('every produced target is accepted back by the serializer', async t => {
  const url = new URL('http://user:pw@example.com:8080/a b/\u00e9?q=\u00fc x#frag')
  for (const target of [originForm(url), absoluteForm(url), authorityForm('::1', 443)]) {
    t.equal(thrown(() => serializeHead(head({ target }))), 'nothing thrown', target)
  }
})
