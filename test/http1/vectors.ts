// Byte vectors for the response parser: what a server sends, what the client asked for, and the
// events (or the error) RFC 9112 says must come out. Data only; test/http1/harness.ts feeds each
// one whole, byte by byte, split at every offset and from inside a poisoned buffer, and the
// fuzzer mutates the valid ones. Strings are latin1: one character is one byte.

import type { ParseErrorCode } from '../../lib/http1/errors.js'
import type { ParserLimits } from '../../lib/http1/limits.js'

export type HttpVersion = '1.0' | '1.1'
export type CloseReason = 'connection-close' | 'http10' | 'read-until-close' | 'unsolicited-data' | 'tunnel'

/** The request a response answers, as given to ResponseParser.expect(). */
export interface ExpectedRequest {
  method: string
  upgrade?: boolean
}

export type FramingSpec =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked'; codings: string[] }
  | { kind: 'close'; codings: string[] }

/**
 * One expected event. Fields left out of a head are not checked against the vector (they are
 * still checked to be identical across every way of feeding the bytes); `version` defaults to
 * '1.1', `trailers` to [] and `tunnel` to null.
 */
export type ExpectedEvent =
  | { interim: number; version?: HttpVersion; reason?: string; headers?: string[] }
  | { head: number; version?: HttpVersion; reason?: string; headers?: string[]; framing?: FramingSpec }
  | { data: string }
  | { end: CloseReason | null; trailers?: string[]; tunnel?: string | null }

export interface Vector {
  /** A sentence: what the bytes are and what must happen. */
  name: string
  /** What was asked, in order; default one GET; null: nothing was asked. */
  request?: ExpectedRequest | ExpectedRequest[] | null
  /** The bytes the server sent (latin1 when a string). */
  input: string | Buffer
  /** The server closes the connection after the input. */
  eof?: boolean
  limits?: Partial<ParserLimits>
  /** Events in order; when `error` is set, the events that come before it. */
  events?: ExpectedEvent[]
  /** The code thrown; a list when the contract leaves the choice between these open. */
  error?: ParseErrorCode | ParseErrorCode[]
  /** The exact stream offset of the error, only where it is unambiguous. */
  offset?: number
  /**
   * Bytes follow the last expected response. Fed whole, the response ends with 'unsolicited-data';
   * when the bytes are cut exactly at the end of the response, the parser cannot know more bytes
   * follow, so it ends with null and the next receive() throws UNSOLICITED_DATA.
   */
  tail?: boolean
}

const GET: ExpectedRequest = { method: 'GET' }
const HEAD: ExpectedRequest = { method: 'HEAD' }
const CONNECT: ExpectedRequest = { method: 'CONNECT' }
const UPGRADE: ExpectedRequest = { method: 'GET', upgrade: true }

const OK_EMPTY = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' // 38 bytes
const CHUNKED_HEAD = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
const CHUNKED: FramingSpec = { kind: 'chunked', codings: [] }
const NONE: FramingSpec = { kind: 'none' }
const CLOSE: FramingSpec = { kind: 'close', codings: [] }

function length(n: number): FramingSpec {
  return { kind: 'length', length: n }
}

/** A head made of `lines` field lines of exactly `size` bytes each, CRLF included, never ended. */
function unendedHead(lines: number, size: number): string {
  let s = 'HTTP/1.1 200 OK\r\n'
  for (let i = 0; i < lines; i++) s += 'X-Pad: ' + 'v'.repeat(size - 9) + '\r\n'
  return s
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1')
const LONG_BODY = Array.from({ length: 500 }, (_, i) => `line ${String(i).padStart(5, '0')}`).join('') // 5000 bytes

export const statusLineVectors: Vector[] = [
  {
    name: 'a 200 with a Content-Length body is delivered whole',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    events: [{ head: 200, reason: 'OK', headers: ['Content-Length', '5'], framing: length(5) }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'an HTTP/1.0 response without keep-alive ends with close reason http10',
    input: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    events: [{ head: 200, version: '1.0', reason: 'OK', framing: length(2) }, { data: 'hi' }, { end: 'http10' }],
  },
  {
    name: 'an empty reason after the SP is accepted (RFC 9112 §4)',
    input: 'HTTP/1.1 204 \r\n\r\n',
    events: [{ head: 204, reason: '', headers: [], framing: NONE }, { end: null }],
  },
  {
    name: 'a status line that ends right after the code is accepted with an empty reason',
    input: 'HTTP/1.1 204\r\n\r\n',
    events: [{ head: 204, reason: '', headers: [], framing: NONE }, { end: null }],
  },
  {
    name: 'a reason with inner spaces, HTAB and obs-text is kept byte for byte as latin1',
    input: 'HTTP/1.1 404 Not \tFound\xe9 here\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 404, reason: 'Not \tFound\xe9 here' }, { end: null }],
  },
  {
    name: 'a reason may hold colons and digits',
    input: 'HTTP/1.1 200 OK: 123 done\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, reason: 'OK: 123 done' }, { end: null }],
  },
  {
    name: 'status 599 is the highest valid code',
    input: 'HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 599, reason: 'Whatever', framing: length(0) }, { end: null }],
  },
  {
    name: 'an unknown 1xx such as 199 is an interim response',
    input: 'HTTP/1.1 199 Odd\r\n\r\n' + OK_EMPTY,
    events: [{ interim: 199, reason: 'Odd', headers: [] }, { head: 200 }, { end: null }],
  },
  { name: 'HTTP/2.0 in a status line is an invalid version', input: 'HTTP/2.0 200 OK\r\n\r\n', error: 'INVALID_VERSION' },
  { name: 'HTTP/1.2 in a status line is an invalid version', input: 'HTTP/1.2 200 OK\r\n\r\n', error: 'INVALID_VERSION' },
  { name: 'a lower-case http/1.1 is an invalid version (the name is case-sensitive)', input: 'http/1.1 200 OK\r\n\r\n', error: 'INVALID_VERSION' },
  { name: 'HTTP/1 without a minor version is an invalid version', input: 'HTTP/1 200 OK\r\n\r\n', error: 'INVALID_VERSION' },
  { name: 'HTTP/0.9 is an invalid version', input: 'HTTP/0.9 200 OK\r\n\r\n', error: 'INVALID_VERSION' },
  {
    name: 'HTTP/1.10 is refused as a version or as a status line',
    input: 'HTTP/1.10 200 OK\r\n\r\n',
    error: ['INVALID_VERSION', 'INVALID_STATUS_LINE'],
  },
  { name: 'an HTML page instead of a status line is an invalid status line', input: '<!doctype html>\r\n<html></html>\r\n\r\n', error: 'INVALID_STATUS_LINE' },
  {
    // A non-HTTP server that greets and then waits (SSH, SMTP) must fail the request at once,
    // not hang until the head budget or a timeout: the status line is complete at its CRLF.
    name: 'a banner of another protocol is refused as soon as its first line ends',
    input: 'SSH-2.0-OpenSSH_9.6\r\n',
    error: 'INVALID_STATUS_LINE',
  },
  {
    name: 'a space before the version is refused',
    input: ' HTTP/1.1 200 OK\r\n\r\n',
    error: ['INVALID_STATUS_LINE', 'INVALID_VERSION'],
  },
  {
    name: 'an HTAB instead of the SP after the version is refused',
    input: 'HTTP/1.1\t200 OK\r\n\r\n',
    error: ['INVALID_STATUS_LINE', 'INVALID_VERSION'],
  },
  { name: 'a two-digit status code is refused', input: 'HTTP/1.1 20 OK\r\n\r\n', error: ['INVALID_STATUS_CODE', 'INVALID_STATUS_LINE'] },
  { name: 'a four-digit status code is refused', input: 'HTTP/1.1 2000 OK\r\n\r\n', error: ['INVALID_STATUS_CODE', 'INVALID_STATUS_LINE'] },
  { name: 'a status code with a letter is refused', input: 'HTTP/1.1 2x0 OK\r\n\r\n', error: ['INVALID_STATUS_CODE', 'INVALID_STATUS_LINE'] },
  { name: 'two spaces before the status code are refused', input: 'HTTP/1.1  200 OK\r\n\r\n', error: ['INVALID_STATUS_CODE', 'INVALID_STATUS_LINE'] },
  { name: 'a reason glued to the status code is refused', input: 'HTTP/1.1 200OK\r\n\r\n', error: ['INVALID_STATUS_CODE', 'INVALID_STATUS_LINE'] },
  { name: 'status 099 is below the valid range', input: 'HTTP/1.1 099 Low\r\n\r\n', error: 'INVALID_STATUS_CODE' },
  { name: 'status 600 is above the valid range', input: 'HTTP/1.1 600 High\r\n\r\n', error: 'INVALID_STATUS_CODE' },
  { name: 'status 000 is refused', input: 'HTTP/1.1 000 Zero\r\n\r\n', error: 'INVALID_STATUS_CODE' },
  { name: 'a NUL in the reason is refused', input: 'HTTP/1.1 200 O\x00K\r\n\r\n', error: 'INVALID_STATUS_LINE' },
  { name: 'a bare LF ending the status line is refused', input: 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', error: 'BARE_LF' },
  { name: 'a bare CR ending the status line is refused', input: 'HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n', error: 'BARE_CR' },
]

export const fieldVectors: Vector[] = [
  {
    name: 'fields keep arrival order, duplicate names and the case of each name',
    input: 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\ncontent-length: 0\r\nSET-COOKIE: b=2\r\nX-Empty:\r\n\r\n',
    events: [{ head: 200, headers: ['Set-Cookie', 'a=1', 'content-length', '0', 'SET-COOKIE', 'b=2', 'X-Empty', ''], framing: length(0) }, { end: null }],
  },
  {
    name: 'SP and HTAB around a value are trimmed and inner whitespace is kept',
    input: 'HTTP/1.1 200 OK\r\nX-A:   a  b \t\r\nX-B:\tc\r\nContent-Length:  0 \r\n\r\n',
    events: [{ head: 200, headers: ['X-A', 'a  b', 'X-B', 'c', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'a value made only of whitespace is empty',
    input: 'HTTP/1.1 200 OK\r\nX: \t \r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['X', '', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'obs-text in a value is accepted and decoded as latin1',
    input: 'HTTP/1.1 200 OK\r\nX: caf\xe9 \x80\xff\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['X', 'caf\xe9 \x80\xff', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'a field named __proto__ is just a name in the array',
    input: 'HTTP/1.1 200 OK\r\n__proto__: polluted\r\nconstructor: x\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['__proto__', 'polluted', 'constructor', 'x', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'every tchar of RFC 9110 §5.6.2 is allowed in a field name',
    input: "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nContent-Length: 0\r\n\r\n",
    events: [{ head: 200, headers: ["!#$%&'*+-.^_`|~09azAZ", 'v', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'an HTAB inside a value is kept',
    input: 'HTTP/1.1 200 OK\r\nX: a\tb\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['X', 'a\tb', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'a value may hold colons, commas and quotes',
    input: 'HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nX: "a:b", c\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['Date', 'Mon, 01 Jan 2024 00:00:00 GMT', 'X', '"a:b", c', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'framing fields are found whatever the case of their names',
    input: 'HTTP/1.1 200 OK\r\nTRANSFER-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    events: [{ head: 200, framing: CHUNKED }, { data: 'ok' }, { end: null }],
  },
  {
    name: 'a field whose name only starts with Content-Length does not frame the body',
    input: 'HTTP/1.1 200 OK\r\nContent-Lengthy: 2\r\nXContent-Length: 2\r\n\r\nabcdef',
    eof: true,
    events: [{ head: 200, framing: CLOSE }, { data: 'abcdef' }, { end: 'read-until-close' }],
  },
  { name: 'a space between a field name and the colon is refused (RFC 9112 §5.1)', input: 'HTTP/1.1 200 OK\r\nX : y\r\n\r\n', error: 'WHITESPACE_BEFORE_COLON' },
  { name: 'an HTAB between a field name and the colon is refused', input: 'HTTP/1.1 200 OK\r\nX\t: y\r\n\r\n', error: 'WHITESPACE_BEFORE_COLON' },
  { name: 'an empty field name is refused', input: 'HTTP/1.1 200 OK\r\n: x\r\n\r\n', error: 'INVALID_HEADER_NAME' },
  { name: 'a delimiter inside a field name is refused', input: 'HTTP/1.1 200 OK\r\nX(y): z\r\n\r\n', error: 'INVALID_HEADER_NAME' },
  { name: 'obs-text inside a field name is refused', input: 'HTTP/1.1 200 OK\r\nX\xe9: z\r\n\r\n', error: 'INVALID_HEADER_NAME' },
  { name: 'a field line without a colon is refused', input: 'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n', error: 'INVALID_HEADER_NAME' },
  {
    name: 'a space inside a field name is refused',
    input: 'HTTP/1.1 200 OK\r\nX Y: z\r\n\r\n',
    error: ['INVALID_HEADER_NAME', 'WHITESPACE_BEFORE_COLON'],
  },
  { name: 'a line folded with SP is refused as obs-fold (RFC 9112 §5.2)', input: 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', error: 'OBS_FOLD' },
  { name: 'a line folded with HTAB is refused as obs-fold', input: 'HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n', error: 'OBS_FOLD' },
  {
    name: 'whitespace starting the first field line is refused as obs-fold (RFC 9112 §2.2)',
    input: 'HTTP/1.1 200 OK\r\n X: a\r\n\r\n',
    error: 'OBS_FOLD',
  },
  { name: 'a NUL in a value is refused', input: 'HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n', error: 'INVALID_HEADER_VALUE' },
  { name: 'a DEL in a value is refused', input: 'HTTP/1.1 200 OK\r\nX: a\x7fb\r\n\r\n', error: 'INVALID_HEADER_VALUE' },
  { name: 'an ESC in a value is refused', input: 'HTTP/1.1 200 OK\r\nX: \x1b[31m\r\n\r\n', error: 'INVALID_HEADER_VALUE' },
  { name: 'a control byte at the end of a value is refused rather than trimmed', input: 'HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n', error: 'INVALID_HEADER_VALUE' },
  { name: 'a vertical tab before a value is refused rather than trimmed', input: 'HTTP/1.1 200 OK\r\nX:\x0bv\r\n\r\n', error: 'INVALID_HEADER_VALUE' },
  { name: 'a CR inside a value is a bare CR', input: 'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n', error: 'BARE_CR' },
  { name: 'a bare LF between two field lines is refused', input: 'HTTP/1.1 200 OK\r\nX: a\nY: b\r\n\r\n', error: 'BARE_LF' },
  { name: 'a bare LF as the empty line ending the head is refused', input: 'HTTP/1.1 200 OK\r\nX: a\r\n\n', error: 'BARE_LF' },
  { name: 'a response that starts with a bare LF is refused', input: '\nHTTP/1.1 200 OK\r\n\r\n', error: 'BARE_LF' },
  { name: 'a bare LF right after the status line is refused', input: 'HTTP/1.1 200 OK\r\n\n', error: 'BARE_LF' },
  { name: 'CR CR LF at the end of a field line is a bare CR', input: 'HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n', error: 'BARE_CR' },
  { name: 'a CR that is not followed by LF in the empty line is a bare CR', input: 'HTTP/1.1 200 OK\r\nX: a\r\n\rX: b\r\n\r\n', error: 'BARE_CR' },
]

export const limitVectors: Vector[] = [
  {
    name: 'exactly maxFields fields are accepted',
    limits: { maxFields: 3 },
    input: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200, headers: ['A', '1', 'B', '2', 'Content-Length', '0'] }, { end: null }],
  },
  {
    name: 'one field more than maxFields is refused',
    limits: { maxFields: 3 },
    input: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n',
    error: 'TOO_MANY_FIELDS',
  },
  {
    name: 'a head of exactly maxHeadSize bytes, empty line included, is accepted',
    limits: { maxHeadSize: OK_EMPTY.length },
    input: OK_EMPTY,
    events: [{ head: 200 }, { end: null }],
  },
  {
    name: 'a head one byte over maxHeadSize is refused',
    limits: { maxHeadSize: OK_EMPTY.length - 1 },
    input: OK_EMPTY,
    error: 'HEAD_TOO_LARGE',
  },
  {
    name: 'a status line longer than maxHeadSize is refused before its end arrives',
    limits: { maxHeadSize: 64 },
    input: 'HTTP/1.1 200 ' + 'R'.repeat(100),
    error: 'HEAD_TOO_LARGE',
  },
  {
    name: 'a single field line over the default 64 KiB is refused before any LF arrives',
    input: 'HTTP/1.1 200 OK\r\nX: ' + 'a'.repeat(70_000),
    error: 'HEAD_TOO_LARGE',
  },
  {
    name: 'many short field lines over the default 64 KiB are refused before the head ends',
    input: unendedHead(330, 200),
    error: 'HEAD_TOO_LARGE',
  },
  {
    name: 'maxHeadSize applies to each head, not to interim heads and the final one together',
    limits: { maxHeadSize: 40 },
    input: 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(3) + OK_EMPTY,
    events: [{ interim: 100 }, { interim: 100 }, { interim: 100 }, { head: 200 }, { end: null }],
  },
  {
    name: 'exactly maxInterimResponses interim responses are accepted',
    limits: { maxInterimResponses: 2 },
    input: 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(2) + OK_EMPTY,
    events: [{ interim: 102 }, { interim: 102 }, { head: 200 }, { end: null }],
  },
  {
    name: 'one interim response more than maxInterimResponses is refused',
    limits: { maxInterimResponses: 2 },
    input: 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(3) + OK_EMPTY,
    events: [{ interim: 102 }, { interim: 102 }],
    error: 'TOO_MANY_INTERIM_RESPONSES',
  },
]

export const framingVectors: Vector[] = [
  {
    name: 'Content-Length 0 ends the response right after the head',
    input: OK_EMPTY,
    events: [{ head: 200, framing: length(0) }, { end: null }],
  },
  {
    name: 'a Content-Length with leading zeros is a decimal length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\nsevenby',
    events: [{ head: 200, framing: length(7) }, { data: 'sevenby' }, { end: null }],
  },
  {
    name: 'two Content-Length fields with the same value frame the body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    events: [{ head: 200, framing: length(5) }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'a Content-Length list of one repeated value frames the body (RFC 9110 §8.6)',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello',
    events: [{ head: 200, headers: ['Content-Length', '5, 5'], framing: length(5) }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'the largest safe Content-Length is accepted and the body is awaited',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 9007199254740991\r\n\r\nabc',
    events: [{ head: 200, framing: length(9007199254740991) }, { data: 'abc' }],
  },
  {
    name: 'two Content-Length fields that differ are refused',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    error: 'CONFLICTING_CONTENT_LENGTH',
  },
  { name: 'a Content-Length list of two values is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!', error: 'CONFLICTING_CONTENT_LENGTH' },
  { name: 'a Content-Length with a plus sign is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'a hexadecimal Content-Length is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'a Content-Length of two numbers separated by SP is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5 6\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'an empty Content-Length is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'a negative Content-Length is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'a Content-Length of 2^70 is refused', input: 'HTTP/1.1 200 OK\r\nContent-Length: 1180591620717411303424\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  { name: 'a Content-Length of 2^53 is refused as unsafe', input: 'HTTP/1.1 200 OK\r\nContent-Length: 9007199254740992\r\n\r\n', error: 'INVALID_CONTENT_LENGTH' },
  {
    name: 'Content-Length together with Transfer-Encoding is refused (RFC 9112 §6.1)',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    error: 'CONFLICTING_FRAMING',
  },
  {
    name: 'Transfer-Encoding in an HTTP/1.0 response is refused',
    input: 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    error: 'TRANSFER_ENCODING_IN_HTTP10',
  },
  { name: 'chunked followed by another coding is refused', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', error: 'INVALID_TRANSFER_ENCODING' },
  { name: 'chunked applied twice is refused', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', error: 'INVALID_TRANSFER_ENCODING' },
  { name: 'an empty Transfer-Encoding is refused', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n', error: 'INVALID_TRANSFER_ENCODING' },
  {
    name: 'gzip then chunked is chunked framing with gzip left for the decoder',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\n\x1f\x8b\x08\r\n0\r\n\r\n',
    events: [{ head: 200, framing: { kind: 'chunked', codings: ['gzip'] } }, { data: '\x1f\x8b\x08' }, { end: null }],
  },
  {
    name: 'Transfer-Encoding split over two fields is read as one list',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    events: [{ head: 200, framing: { kind: 'chunked', codings: ['gzip'] } }, { end: null }],
  },
  {
    name: 'coding names are case-insensitive',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    events: [{ head: 200, framing: CHUNKED }, { data: 'ok' }, { end: null }],
  },
  {
    name: 'a Transfer-Encoding without chunked is delimited by the close of the connection',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8bzz',
    eof: true,
    events: [{ head: 200, framing: { kind: 'close', codings: ['gzip'] } }, { data: '\x1f\x8bzz' }, { end: 'read-until-close' }],
  },
  {
    name: 'a response to HEAD has no body whatever its Content-Length, and the next response follows the head',
    request: [HEAD, GET],
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    events: [{ head: 200, framing: NONE }, { end: null }, { head: 200, framing: length(2) }, { data: 'hi' }, { end: null }],
  },
  {
    name: 'a response to HEAD with Transfer-Encoding chunked has no body',
    request: HEAD,
    input: CHUNKED_HEAD,
    eof: true,
    events: [{ head: 200, framing: NONE }, { end: null }],
  },
  {
    name: 'a 204 has no body whatever its Content-Length, and the next response follows the head',
    request: [GET, GET],
    input: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    events: [{ head: 204, framing: NONE }, { end: null }, { head: 200 }, { data: 'hi' }, { end: null }],
  },
  {
    name: 'a 304 has no body whatever its Content-Length',
    input: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n',
    events: [{ head: 304, framing: NONE }, { end: null }],
  },
  {
    name: 'a 304 has no body even with Transfer-Encoding chunked',
    input: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n',
    events: [{ head: 304, framing: NONE }, { end: null }],
  },
  {
    name: 'a 2xx to CONNECT turns the connection into a tunnel carrying the bytes after the head',
    request: CONNECT,
    input: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x00\xa5',
    events: [{ head: 200, reason: 'Connection established', framing: NONE }, { end: 'tunnel', tunnel: '\x16\x03\x01\x00\xa5' }],
  },
  {
    name: 'a 2xx to CONNECT with nothing after the head is a tunnel with no bytes yet',
    request: CONNECT,
    input: 'HTTP/1.1 200 OK\r\n\r\n',
    events: [{ head: 200, framing: NONE }, { end: 'tunnel', tunnel: '' }],
  },
  {
    name: 'a 2xx to CONNECT ignores its Content-Length (RFC 9110 §9.3.6)',
    request: CONNECT,
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP-ish bytes',
    events: [{ head: 200, framing: NONE }, { end: 'tunnel', tunnel: 'HTTP-ish bytes' }],
  },
  {
    name: 'a 407 to CONNECT is an ordinary response with a body',
    request: CONNECT,
    input: 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 4\r\n\r\ndeny',
    events: [{ head: 407, framing: length(4) }, { data: 'deny' }, { end: null }],
  },
  {
    name: 'a response with neither Content-Length nor Transfer-Encoding reads until the server closes',
    input: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body\r\n\r\nmore',
    eof: true,
    events: [{ head: 200, framing: CLOSE }, { data: 'some body\r\n\r\nmore' }, { end: 'read-until-close' }],
  },
  {
    name: 'a close-delimited response with an empty body ends at the close',
    input: 'HTTP/1.1 200 OK\r\n\r\n',
    eof: true,
    events: [{ head: 200, framing: CLOSE }, { end: 'read-until-close' }],
  },
  {
    name: 'a close-delimited body without the close is still in progress',
    input: 'HTTP/1.1 200 OK\r\n\r\npartial',
    events: [{ head: 200, framing: CLOSE }, { data: 'partial' }],
  },
  {
    name: 'an HTTP/1.0 keep-alive response without a length still reads until the close',
    input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc',
    eof: true,
    events: [{ head: 200, version: '1.0', framing: CLOSE }, { data: 'abc' }, { end: 'read-until-close' }],
  },
]

export const keepAliveVectors: Vector[] = [
  {
    name: 'Connection close ends the response with close reason connection-close',
    input: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi',
    events: [{ head: 200 }, { data: 'hi' }, { end: 'connection-close' }],
  },
  {
    name: 'the close option is matched without regard to case',
    input: 'HTTP/1.1 200 OK\r\nConnection: CLOSE\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: 'connection-close' }],
  },
  {
    name: 'close inside a Connection list is found',
    input: 'HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: 'connection-close' }],
  },
  {
    name: 'close in a second Connection field is found',
    input: 'HTTP/1.1 200 OK\r\nconnection: Keep-Alive\r\nCONNECTION: close\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: 'connection-close' }],
  },
  {
    name: 'close among empty list elements is found',
    input: 'HTTP/1.1 200 OK\r\nConnection: , close ,\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: 'connection-close' }],
  },
  {
    name: 'Connection closed is a different option from close',
    input: 'HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: null }],
  },
  {
    name: 'an HTTP/1.1 response is reusable by default',
    input: 'HTTP/1.1 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n',
    events: [{ head: 200 }, { end: null }],
  },
  {
    name: 'Connection close on a 204 ends it with close reason connection-close',
    input: 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n',
    events: [{ head: 204 }, { end: 'connection-close' }],
  },
  {
    name: 'an HTTP/1.0 response with keep-alive and a Content-Length is reusable',
    input: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi',
    events: [{ head: 200, version: '1.0' }, { data: 'hi' }, { end: null }],
  },
  {
    name: 'two pipelined HTTP/1.0 keep-alive responses are both reusable',
    request: [GET, GET],
    input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\naHTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nb',
    events: [{ head: 200, version: '1.0' }, { data: 'a' }, { end: null }, { head: 200, version: '1.0' }, { data: 'b' }, { end: null }],
  },
  {
    name: 'an HTTP/1.0 204 without keep-alive ends with close reason http10',
    input: 'HTTP/1.0 204 No Content\r\n\r\n',
    events: [{ head: 204, version: '1.0' }, { end: 'http10' }],
  },
]

export const interimVectors: Vector[] = [
  {
    name: 'a 100 Continue is reported as interim and the final response follows',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    events: [{ interim: 100, reason: 'Continue', headers: [] }, { head: 200 }, { data: 'ok' }, { end: null }],
  },
  {
    name: 'a 103 Early Hints carries its fields to onInterim',
    input: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLink: </b.js>; rel=preload\r\n\r\n' + OK_EMPTY,
    events: [
      { interim: 103, reason: 'Early Hints', headers: ['Link', '</a.css>; rel=preload', 'Link', '</b.js>; rel=preload'] },
      { head: 200 },
      { end: null },
    ],
  },
  {
    name: 'several 102 Processing responses are each reported',
    input: 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(3) + OK_EMPTY,
    events: [{ interim: 102 }, { interim: 102 }, { interim: 102 }, { head: 200 }, { end: null }],
  },
  {
    name: 'an interim response has no body even with a Content-Length',
    input: 'HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    events: [{ interim: 100, headers: ['Content-Length', '5'] }, { head: 200, framing: length(5) }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'an interim response has no body even with Transfer-Encoding chunked',
    input: 'HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\n\r\n' + OK_EMPTY,
    events: [{ interim: 103, headers: ['Transfer-Encoding', 'chunked'] }, { head: 200 }, { end: null }],
  },
  {
    name: 'the count of interim responses starts again for each pipelined response',
    limits: { maxInterimResponses: 2 },
    request: [GET, GET],
    input: ('HTTP/1.1 102 Processing\r\n\r\n'.repeat(2) + OK_EMPTY).repeat(2),
    events: [{ interim: 102 }, { interim: 102 }, { head: 200 }, { end: null }, { interim: 102 }, { interim: 102 }, { head: 200 }, { end: null }],
  },
  {
    name: 'a 101 to a request that asked to upgrade is final and hands over the bytes after it',
    request: UPGRADE,
    input: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello',
    events: [
      { head: 101, reason: 'Switching Protocols', headers: ['Upgrade', 'websocket', 'Connection', 'Upgrade'], framing: NONE },
      { end: 'tunnel', tunnel: '\x81\x05hello' },
    ],
  },
  {
    name: 'a 101 to a request that did not ask to upgrade is refused',
    input: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
    error: 'UNEXPECTED_UPGRADE',
  },
  {
    name: 'a 100 may come before the 101 of an upgrade',
    request: UPGRADE,
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n',
    events: [{ interim: 100 }, { head: 101, framing: NONE }, { end: 'tunnel', tunnel: '' }],
  },
  {
    name: 'a request that asked to upgrade may still get an ordinary response',
    request: UPGRADE,
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno',
    events: [{ head: 200 }, { data: 'no' }, { end: null }],
  },
  {
    name: 'a HEAD may get a 100 before its bodiless final response',
    request: HEAD,
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n',
    events: [{ interim: 100 }, { head: 200, framing: NONE }, { end: null }],
  },
]

export const chunkedVectors: Vector[] = [
  {
    name: 'a chunked body is de-chunked',
    input: CHUNKED_HEAD + '5\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200, framing: CHUNKED }, { data: 'hello' }, { end: null, trailers: [] }],
  },
  {
    name: 'chunk sizes are hexadecimal in either case',
    input: CHUNKED_HEAD + 'A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: '0123456789abcdefghij' }, { end: null }],
  },
  {
    name: 'chunk sizes may have leading zeros, the last chunk too',
    input: CHUNKED_HEAD + '0005\r\nhello\r\n000\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'twenty-two digits of leading zeros are still a small chunk',
    input: CHUNKED_HEAD + '0000000000000000000005\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello' }, { end: null }],
  },
  {
    name: 'an empty chunked body ends at the last chunk',
    input: CHUNKED_HEAD + '0\r\n\r\n',
    events: [{ head: 200, framing: CHUNKED }, { end: null }],
  },
  {
    name: 'chunk extensions are skipped (RFC 9112 §7.1.1)',
    input: CHUNKED_HEAD + '5;ext=1\r\nhello\r\n6 ; ext="q"\r\n world\r\n0;final\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello world' }, { end: null }],
  },
  {
    name: 'an HTAB may come before the semicolon of an extension',
    input: CHUNKED_HEAD + '2\t;x\r\nok\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: 'ok' }, { end: null }],
  },
  {
    name: 'an extension value may be a quoted string holding a semicolon',
    input: CHUNKED_HEAD + '2;a="x; y";b\r\nok\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: 'ok' }, { end: null }],
  },
  {
    name: 'chunk data that looks like a last chunk is data',
    input: CHUNKED_HEAD + '7\r\n0\r\n\r\nab\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: '0\r\n\r\nab' }, { end: null }],
  },
  {
    name: 'the largest safe chunk size is accepted and its data awaited',
    input: CHUNKED_HEAD + '1fffffffffffff\r\nabc',
    events: [{ head: 200 }, { data: 'abc' }],
  },
  {
    name: 'trailers are returned in the end event in order',
    input: CHUNKED_HEAD + '2\r\nok\r\n0\r\nX-Sum: abc\r\nx-sum: def\r\nEmpty:\r\n\r\n',
    events: [{ head: 200 }, { data: 'ok' }, { end: null, trailers: ['X-Sum', 'abc', 'x-sum', 'def', 'Empty', ''] }],
  },
  {
    name: 'a Content-Length among the trailers is only a trailer',
    input: CHUNKED_HEAD + '2\r\nok\r\n0\r\nContent-Length: 100\r\n\r\n',
    events: [{ head: 200 }, { data: 'ok' }, { end: null, trailers: ['Content-Length', '100'] }],
  },
  {
    name: 'a trailer value is trimmed like a field value',
    input: CHUNKED_HEAD + '0\r\nX: \t v \t\r\n\r\n',
    events: [{ head: 200 }, { end: null, trailers: ['X', 'v'] }],
  },
  {
    name: 'an invalid trailer name is refused after the data',
    input: CHUNKED_HEAD + '2\r\nok\r\n0\r\nBad Name: v\r\n\r\n',
    events: [{ head: 200 }, { data: 'ok' }],
    error: ['INVALID_HEADER_NAME', 'WHITESPACE_BEFORE_COLON'],
  },
  {
    name: 'a trailer whose name starts with a delimiter is refused',
    input: CHUNKED_HEAD + '0\r\n@x: v\r\n\r\n',
    events: [{ head: 200 }],
    error: 'INVALID_HEADER_NAME',
  },
  { name: 'a folded trailer line is refused', input: CHUNKED_HEAD + '0\r\nX: a\r\n b\r\n\r\n', events: [{ head: 200 }], error: 'OBS_FOLD' },
  { name: 'a bare LF in the trailers is refused', input: CHUNKED_HEAD + '0\r\nX: a\n\r\n', events: [{ head: 200 }], error: 'BARE_LF' },
  { name: 'a NUL in a trailer value is refused', input: CHUNKED_HEAD + '0\r\nX: a\x00\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_HEADER_VALUE' },
  {
    name: 'trailers over maxTrailerSize are refused',
    limits: { maxTrailerSize: 32 },
    input: CHUNKED_HEAD + '0\r\nX-Long: ' + 'v'.repeat(40) + '\r\n\r\n',
    events: [{ head: 200 }],
    error: 'TRAILERS_TOO_LARGE',
  },
  {
    name: 'trailers over maxTrailerSize are refused before they end',
    limits: { maxTrailerSize: 32 },
    input: CHUNKED_HEAD + '0\r\nX-Long: ' + 'v'.repeat(200),
    events: [{ head: 200 }],
    error: 'TRAILERS_TOO_LARGE',
  },
  { name: 'a chunk size with a leading space is refused', input: CHUNKED_HEAD + ' 5\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  { name: 'a chunk size with a 0x prefix is refused', input: CHUNKED_HEAD + '0x5\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  {
    name: 'a chunk size followed by a space and no extension is refused',
    input: CHUNKED_HEAD + '5 \r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: 'INVALID_CHUNK_SIZE',
  },
  { name: 'an empty chunk-size line is refused', input: CHUNKED_HEAD + '\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  { name: 'a non-hex chunk size is refused', input: CHUNKED_HEAD + 'g\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  { name: 'a negative chunk size is refused', input: CHUNKED_HEAD + '-1\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  { name: 'a chunk size with a plus sign is refused', input: CHUNKED_HEAD + '+5\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_SIZE' },
  {
    name: 'a chunk size of seventeen hex digits is too large',
    input: CHUNKED_HEAD + 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: 'CHUNK_SIZE_TOO_LARGE',
  },
  {
    name: 'a chunk size of 2^53 is too large',
    input: CHUNKED_HEAD + '20000000000000\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: 'CHUNK_SIZE_TOO_LARGE',
  },
  {
    name: 'a chunk-size line longer than maxChunkLine is refused',
    limits: { maxChunkLine: 32 },
    input: CHUNKED_HEAD + '5;' + 'x'.repeat(100) + '\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: 'CHUNK_EXTENSION_TOO_LARGE',
  },
  {
    name: 'a chunk extension over the default 4 KiB is refused before its line ends',
    input: CHUNKED_HEAD + '5;' + 'x'.repeat(5000),
    events: [{ head: 200 }],
    error: 'CHUNK_EXTENSION_TOO_LARGE',
  },
  {
    name: 'a chunk size padded with zeros past maxChunkLine is refused',
    input: CHUNKED_HEAD + '0'.repeat(5000) + '5\r\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: ['CHUNK_EXTENSION_TOO_LARGE', 'CHUNK_SIZE_TOO_LARGE'],
  },
  { name: 'a NUL in a chunk extension is refused', input: CHUNKED_HEAD + '5;a\x00b\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_EXTENSION' },
  { name: 'a DEL in a chunk extension is refused', input: CHUNKED_HEAD + '5;a\x7f\r\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: 'INVALID_CHUNK_EXTENSION' },
  {
    name: 'a bare LF ending a chunk extension is refused',
    input: CHUNKED_HEAD + '5;a\nhello\r\n0\r\n\r\n',
    events: [{ head: 200 }],
    error: ['INVALID_CHUNK_EXTENSION', 'BARE_LF'],
  },
  { name: 'a bare LF ending a chunk size is refused', input: CHUNKED_HEAD + '5\nhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: ['BARE_LF', 'INVALID_CHUNK_SIZE'] },
  { name: 'a bare CR ending a chunk size is refused', input: CHUNKED_HEAD + '5\rhello\r\n0\r\n\r\n', events: [{ head: 200 }], error: ['BARE_CR', 'INVALID_CHUNK_SIZE'] },
  {
    name: 'chunk data longer than its size is refused after the announced bytes',
    input: CHUNKED_HEAD + '5\r\nhelloX\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello' }],
    error: 'MISSING_CHUNK_CRLF',
  },
  {
    name: 'chunk data ended by a bare LF is refused',
    input: CHUNKED_HEAD + '5\r\nhello\n0\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello' }],
    error: ['MISSING_CHUNK_CRLF', 'BARE_LF'],
  },
  {
    name: 'chunk data ended by a CR without LF is refused',
    input: CHUNKED_HEAD + '5\r\nhello\rX0\r\n\r\n',
    events: [{ head: 200 }, { data: 'hello' }],
    error: ['MISSING_CHUNK_CRLF', 'BARE_CR'],
  },
  { name: 'a bare LF ending the chunked body is refused', input: CHUNKED_HEAD + '0\r\n\n', events: [{ head: 200 }], error: 'BARE_LF' },
  {
    name: 'a response after a chunked body is parsed from the same bytes',
    request: [GET, GET],
    input: CHUNKED_HEAD + '3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ndef',
    events: [{ head: 200 }, { data: 'abc' }, { end: null, trailers: ['X-T', '1'] }, { head: 200 }, { data: 'def' }, { end: null }],
  },
]

export const eofVectors: Vector[] = [
  {
    name: 'the close in the middle of a head is a premature EOF at the end of the stream',
    input: 'HTTP/1.1 200 OK\r\nContent-Len',
    eof: true,
    error: 'PREMATURE_EOF',
    offset: 28,
  },
  {
    name: 'the close in the middle of a Content-Length body is a premature EOF',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort',
    eof: true,
    events: [{ head: 200 }, { data: 'short' }],
    error: 'PREMATURE_EOF',
  },
  {
    name: 'the close in the middle of chunk data is a premature EOF',
    input: CHUNKED_HEAD + '5\r\nhel',
    eof: true,
    events: [{ head: 200 }, { data: 'hel' }],
    error: 'PREMATURE_EOF',
  },
  {
    name: 'the close before the end of the trailers is a premature EOF',
    input: CHUNKED_HEAD + '0\r\nX: 1\r\n',
    eof: true,
    events: [{ head: 200 }],
    error: 'PREMATURE_EOF',
  },
  {
    name: 'the close after the last-chunk line but before its CRLF is a premature EOF',
    input: CHUNKED_HEAD + '2\r\nok\r\n0\r\n',
    eof: true,
    events: [{ head: 200 }, { data: 'ok' }],
    error: 'PREMATURE_EOF',
  },
  {
    name: 'the close after a 100 Continue and before the final response is a premature EOF',
    input: 'HTTP/1.1 100 Continue\r\n\r\n',
    eof: true,
    events: [{ interim: 100 }],
    error: 'PREMATURE_EOF',
  },
  {
    name: 'the close between two pipelined responses is a premature EOF for the second',
    request: [GET, GET],
    input: OK_EMPTY,
    eof: true,
    events: [{ head: 200 }, { end: null }],
    error: 'PREMATURE_EOF',
    offset: 38,
  },
  {
    name: 'the close before any byte of an expected response is a premature EOF at offset 0',
    input: '',
    eof: true,
    error: 'PREMATURE_EOF',
    offset: 0,
  },
  {
    name: 'the close of an idle connection is not an error',
    request: null,
    input: '',
    eof: true,
    events: [],
  },
  {
    name: 'the close after a complete reusable response is not an error',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    eof: true,
    events: [{ head: 200 }, { data: 'hi' }, { end: null }],
  },
]

export const connectionVectors: Vector[] = [
  {
    name: 'bytes when no response is expected are unsolicited data at offset 0',
    request: null,
    input: OK_EMPTY,
    error: 'UNSOLICITED_DATA',
    offset: 0,
  },
  {
    name: 'bytes after the last expected response end it with close reason unsolicited-data',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n',
    tail: true,
    events: [{ head: 200 }, { data: 'hi' }, { end: 'unsolicited-data' }],
  },
  {
    name: 'a body after the head of a response to HEAD is unsolicited data',
    request: HEAD,
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    tail: true,
    events: [{ head: 200, framing: NONE }, { end: 'unsolicited-data' }],
  },
  {
    name: 'a third response to two pipelined requests is unsolicited data',
    request: [GET, GET],
    input: OK_EMPTY + OK_EMPTY + OK_EMPTY,
    tail: true,
    events: [{ head: 200 }, { end: null }, { head: 200 }, { end: 'unsolicited-data' }],
  },
  {
    name: 'two pipelined responses in one buffer give two full event sequences in order',
    request: [GET, GET],
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-N: 1\r\n\r\noneHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-N: 2\r\n\r\ntwo',
    events: [
      { head: 200, headers: ['Content-Length', '3', 'X-N', '1'] },
      { data: 'one' },
      { end: null },
      { head: 404, reason: 'Not Found', headers: ['Content-Length', '3', 'X-N', '2'] },
      { data: 'two' },
      { end: null },
    ],
  },
  {
    name: 'pipelined 204, 304 and 200 follow each other without bodies in between',
    request: [GET, GET, GET],
    input: 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n' + OK_EMPTY,
    events: [{ head: 204 }, { end: null }, { head: 304 }, { end: null }, { head: 200 }, { end: null }],
  },
  {
    name: 'pipelined responses may each begin with a 100 Continue',
    request: [GET, GET],
    input: ('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx').repeat(2),
    events: [{ interim: 100 }, { head: 200 }, { data: 'x' }, { end: null }, { interim: 100 }, { head: 200 }, { data: 'x' }, { end: null }],
  },
  {
    name: 'chunked, length and close-delimited responses pipelined in one stream',
    request: [GET, GET, GET],
    input: CHUNKED_HEAD + '1\r\na\r\n0\r\n\r\n' + 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb' + 'HTTP/1.1 200 OK\r\n\r\nc',
    eof: true,
    events: [
      { head: 200, framing: CHUNKED },
      { data: 'a' },
      { end: null },
      { head: 200, framing: length(1) },
      { data: 'b' },
      { end: null },
      { head: 200, framing: CLOSE },
      { data: 'c' },
      { end: 'read-until-close' },
    ],
  },
]

export const bodyVectors: Vector[] = [
  {
    name: 'a body holding every byte value is delivered unchanged',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 256\r\n\r\n' + ALL_BYTES,
    events: [{ head: 200, framing: length(256) }, { data: ALL_BYTES }, { end: null }],
  },
  {
    name: 'a chunked body holding every byte value is delivered unchanged',
    input: CHUNKED_HEAD + '100\r\n' + ALL_BYTES + '\r\n0\r\n\r\n',
    events: [{ head: 200 }, { data: ALL_BYTES }, { end: null }],
  },
  {
    name: 'a body that looks like a response is data',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 38\r\n\r\n' + OK_EMPTY,
    events: [{ head: 200 }, { data: OK_EMPTY }, { end: null }],
  },
  {
    name: 'a 5000-byte body is delivered whole',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n' + LONG_BODY,
    events: [{ head: 200, framing: length(5000) }, { data: LONG_BODY }, { end: null }],
  },
  {
    name: 'a 5000-byte body in many small chunks is delivered whole',
    input: CHUNKED_HEAD + (LONG_BODY.match(/.{1,97}/gs) ?? []).map(c => c.length.toString(16) + '\r\n' + c + '\r\n').join('') + '0\r\n\r\n',
    events: [{ head: 200 }, { data: LONG_BODY }, { end: null }],
  },
]

export const vectors: Vector[] = [
  ...statusLineVectors,
  ...fieldVectors,
  ...limitVectors,
  ...framingVectors,
  ...keepAliveVectors,
  ...interimVectors,
  ...chunkedVectors,
  ...eofVectors,
  ...connectionVectors,
  ...bodyVectors,
]
