// decideFraming is RFC 9112 §6.3 as one pure function: a table of inputs, each with the framing
// (or the violation code) the steps give, in the order the RFC numbers them.

import t from 'tap'
import { decideFraming, type FramingInput } from '../../lib/http1/framing.js'

t.test('a 204 has no body whatever its Content-Length says', async t => {
  t.same(decideFraming({ requestMethod: 'GET', status: 204, version: '1.1', contentLength: ['10'], transferEncoding: [] }), { kind: 'none' })
})

interface Case {
  name: string
  input: Partial<FramingInput>
  /** The framing, or a violation's code as a string. */
  expect: ReturnType<typeof decideFraming> | string
}

const cases: Case[] = [
  // Step 1: HEAD, 1xx, 204, 304.
  { name: 'a response to HEAD has no body whatever its Content-Length', input: { requestMethod: 'HEAD', contentLength: ['100'] }, expect: { kind: 'none' } },
  { name: 'a response to HEAD has no body even with Transfer-Encoding chunked', input: { requestMethod: 'HEAD', transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  { name: 'a response to HEAD has no body even when its framing fields conflict', input: { requestMethod: 'HEAD', contentLength: ['1'], transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  { name: 'a 100 has no body', input: { status: 100, contentLength: ['5'] }, expect: { kind: 'none' } },
  { name: 'a 101 has no body', input: { status: 101 }, expect: { kind: 'none' } },
  { name: 'a 103 has no body even with Transfer-Encoding', input: { status: 103, transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  { name: 'a 304 has no body whatever its Content-Length', input: { status: 304, contentLength: ['1234'] }, expect: { kind: 'none' } },
  { name: 'a 304 has no body even with Transfer-Encoding', input: { status: 304, transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  { name: 'a 204 on HTTP/1.0 with Transfer-Encoding has no body and no violation', input: { status: 204, version: '1.0', transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  // Step 2: a 2xx to CONNECT.
  { name: 'a 200 to CONNECT has no body: the tunnel starts after the head', input: { requestMethod: 'CONNECT', contentLength: ['10'] }, expect: { kind: 'none' } },
  { name: 'a 299 to CONNECT has no body', input: { requestMethod: 'CONNECT', status: 299, transferEncoding: ['chunked'] }, expect: { kind: 'none' } },
  { name: 'a 407 to CONNECT is framed by its Content-Length', input: { requestMethod: 'CONNECT', status: 407, contentLength: ['4'] }, expect: { kind: 'length', length: 4 } },
  { name: 'a 502 to CONNECT without length reads until the close', input: { requestMethod: 'CONNECT', status: 502 }, expect: { kind: 'close', codings: [] } },
  // Step 3: Transfer-Encoding.
  { name: 'chunked frames the body with no codings left', input: { transferEncoding: ['chunked'] }, expect: { kind: 'chunked', codings: [] } },
  { name: 'coding names are case-insensitive and lower-cased', input: { transferEncoding: ['GZIP, Chunked'] }, expect: { kind: 'chunked', codings: ['gzip'] } },
  { name: 'codings applied before chunked are kept in order', input: { transferEncoding: ['deflate, gzip, chunked'] }, expect: { kind: 'chunked', codings: ['deflate', 'gzip'] } },
  { name: 'codings in several fields are one list', input: { transferEncoding: ['gzip', 'chunked'] }, expect: { kind: 'chunked', codings: ['gzip'] } },
  { name: 'empty list elements are ignored (RFC 9110 §5.6.1)', input: { transferEncoding: [', gzip ,, chunked ,'] }, expect: { kind: 'chunked', codings: ['gzip'] } },
  { name: 'parameters of a coding are dropped', input: { transferEncoding: ['gzip;q=1, chunked'] }, expect: { kind: 'chunked', codings: ['gzip'] } },
  { name: 'a coding list without chunked reads until the close', input: { transferEncoding: ['gzip'] }, expect: { kind: 'close', codings: ['gzip'] } },
  { name: 'chunked before another coding is refused', input: { transferEncoding: ['chunked, gzip'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'chunked twice is refused', input: { transferEncoding: ['chunked, chunked'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'chunked twice over two fields is refused', input: { transferEncoding: ['chunked', 'chunked'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'an empty Transfer-Encoding is refused', input: { transferEncoding: [''] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'a Transfer-Encoding of only commas is refused', input: { transferEncoding: [' , ,'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'a coding that is not a token is refused', input: { transferEncoding: ['gz(ip), chunked'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'a coding name with a space inside is refused', input: { transferEncoding: ['chun ked'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'a parameter without a coding name is refused', input: { transferEncoding: [';q=1, chunked'] }, expect: 'INVALID_TRANSFER_ENCODING' },
  { name: 'Transfer-Encoding with Content-Length is refused (RFC 9112 §6.1)', input: { transferEncoding: ['chunked'], contentLength: ['5'] }, expect: 'CONFLICTING_FRAMING' },
  { name: 'Transfer-Encoding with Content-Length is refused even on HTTP/1.0', input: { version: '1.0', transferEncoding: ['chunked'], contentLength: ['5'] }, expect: 'CONFLICTING_FRAMING' },
  { name: 'Transfer-Encoding in an HTTP/1.0 response is refused', input: { version: '1.0', transferEncoding: ['chunked'] }, expect: 'TRANSFER_ENCODING_IN_HTTP10' },
  { name: 'Transfer-Encoding in a 404 is framed like in a 200', input: { status: 404, transferEncoding: ['chunked'] }, expect: { kind: 'chunked', codings: [] } },
  // Steps 5–6: Content-Length.
  { name: 'a Content-Length frames the body', input: { contentLength: ['42'] }, expect: { kind: 'length', length: 42 } },
  { name: 'a Content-Length of 0 is an empty body', input: { contentLength: ['0'] }, expect: { kind: 'length', length: 0 } },
  { name: 'leading zeros are decimal', input: { contentLength: ['0010'] }, expect: { kind: 'length', length: 10 } },
  { name: 'whitespace around the number is ignored', input: { contentLength: [' 7\t'] }, expect: { kind: 'length', length: 7 } },
  { name: 'repeated equal fields are one length', input: { contentLength: ['5', '5', '05'] }, expect: { kind: 'length', length: 5 } },
  { name: 'a list of equal values is one length', input: { contentLength: ['5,5 , 5'] }, expect: { kind: 'length', length: 5 } },
  { name: 'the largest safe integer is a length', input: { contentLength: ['9007199254740991'] }, expect: { kind: 'length', length: 9007199254740991 } },
  { name: 'Content-Length on HTTP/1.0 frames the body', input: { version: '1.0', contentLength: ['3'] }, expect: { kind: 'length', length: 3 } },
  { name: 'two fields that differ conflict', input: { contentLength: ['5', '6'] }, expect: 'CONFLICTING_CONTENT_LENGTH' },
  { name: 'a list of values that differ conflicts', input: { contentLength: ['5, 6'] }, expect: 'CONFLICTING_CONTENT_LENGTH' },
  { name: 'a plus sign is refused', input: { contentLength: ['+5'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'a minus sign is refused', input: { contentLength: ['-1'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'a hexadecimal length is refused', input: { contentLength: ['0x10'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'a decimal point is refused', input: { contentLength: ['5.0'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'an exponent is refused', input: { contentLength: ['1e3'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'two numbers separated by SP are refused', input: { contentLength: ['5 6'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'an empty value is refused', input: { contentLength: [''] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'an empty list element is refused', input: { contentLength: ['5,'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'full-width digits are refused', input: { contentLength: ['\uff15'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: '2^53 is refused as unsafe', input: { contentLength: ['9007199254740992'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: '2^70 is refused', input: { contentLength: ['1180591620717411303424'] }, expect: 'INVALID_CONTENT_LENGTH' },
  { name: 'an invalid value after a valid one is refused', input: { contentLength: ['5', 'x'] }, expect: 'INVALID_CONTENT_LENGTH' },
  // Step 8: neither.
  { name: 'a 200 with neither field reads until the close', input: {}, expect: { kind: 'close', codings: [] } },
  { name: 'an HTTP/1.0 200 with neither field reads until the close', input: { version: '1.0' }, expect: { kind: 'close', codings: [] } },
  { name: 'a 500 with neither field reads until the close', input: { status: 500 }, expect: { kind: 'close', codings: [] } },
  { name: 'a 205 with neither field reads until the close (only 204 and 304 are bodiless)', input: { status: 205 }, expect: { kind: 'close', codings: [] } },
]

for (const c of cases) {
  t.test(c.name, async t => {
    const input: FramingInput = { requestMethod: 'GET', status: 200, version: '1.1', contentLength: [], transferEncoding: [], ...c.input }
    const got = decideFraming(input)
    if (typeof c.expect === 'string') {
      t.equal(got.kind, 'violation')
      if (got.kind === 'violation') t.equal(got.code, c.expect)
    } else {
      t.same(got, c.expect)
    }
  })
}

t.test('the decision does not change its input arrays', async t => {
  const contentLength = ['5', '5']
  const transferEncoding: string[] = []
  decideFraming({ requestMethod: 'GET', status: 200, version: '1.1', contentLength, transferEncoding })
  t.same(contentLength, ['5', '5'])
  t.same(transferEncoding, [])
})
