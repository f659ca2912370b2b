// Hostile framing through the whole stack: a Session on its own HTTPAdapter against a raw server
// that lies about where the body ends. Each lie is a typed error with a stable code, never a
// wrong or silently short body, the lying connection is never reused, and the next request on the
// same session gets its own response on a new connection.

import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import { ChunkedEncodingError, ConnectionError, ProtocolError } from '../../lib/index.js'
import { base, className, client, connectionOf, hostile, nextWorks, rawServer, rejection } from './helpers.js'

t.setTimeout(60_000)

type ErrorClass = typeof ProtocolError | typeof ChunkedEncodingError | typeof ConnectionError

interface Case {
  name: string
  /** What the server does to the request for /bad. */
  bad: (socket: Socket) => void
  cls: ErrorClass
  /** Acceptable codes. */
  codes: string[]
}

const head = (fields: string): string => `HTTP/1.1 200 OK\r\n${fields}\r\n\r\n`
const chunked = (body: string): string => head('Transfer-Encoding: chunked') + body
const write = (bytes: string | Buffer) => (socket: Socket): void => { socket.write(bytes) }

const cases: Case[] = [
  {
    name: 'a response with both Content-Length and Transfer-Encoding is a ProtocolError',
    bad: write(head('Content-Length: 3\r\nTransfer-Encoding: chunked') + '3\r\nabc\r\n0\r\n\r\n'),
    cls: ProtocolError,
    codes: ['CONFLICTING_FRAMING'],
  },
  {
    name: 'Transfer-Encoding before Content-Length is a ProtocolError too',
    bad: write(head('Transfer-Encoding: chunked\r\nContent-Length: 3') + '3\r\nabc\r\n0\r\n\r\n'),
    cls: ProtocolError,
    codes: ['CONFLICTING_FRAMING'],
  },
  {
    name: 'two different Content-Length fields are a ProtocolError',
    bad: write(head('Content-Length: 3\r\nContent-Length: 4') + 'abcd'),
    cls: ProtocolError,
    codes: ['CONFLICTING_CONTENT_LENGTH'],
  },
  {
    name: 'two different Content-Length values in one field are a ProtocolError',
    bad: write(head('Content-Length: 3, 4') + 'abcd'),
    cls: ProtocolError,
    codes: ['CONFLICTING_CONTENT_LENGTH', 'INVALID_CONTENT_LENGTH'],
  },
  ...['+5', '0x10', '5 6', '', '-1', '1180591620717411303424', '5.0', '٥'].map((value): Case => ({
    name: `a Content-Length of ${JSON.stringify(value)} is a ProtocolError`,
    bad: write(Buffer.from(head(`Content-Length: ${value}`) + 'hello-----------', value === '٥' ? 'utf8' : 'latin1')),
    cls: ProtocolError,
    codes: ['INVALID_CONTENT_LENGTH'],
  })),
  {
    name: 'a Transfer-Encoding that does not end in chunked is a ProtocolError',
    bad: write(head('Transfer-Encoding: chunked, gzip') + 'hello'),
    cls: ProtocolError,
    codes: ['INVALID_TRANSFER_ENCODING'],
  },
  ...[' 5', '5 ', '0x5', '+5', '-5', '5\t', ''].map((size): Case => ({
    name: `a chunk size of ${JSON.stringify(size)} is a ChunkedEncodingError`,
    bad: write(chunked(`${size}\r\nhello\r\n0\r\n\r\n`)),
    cls: ChunkedEncodingError,
    codes: ['INVALID_CHUNK_SIZE'],
  })),
  {
    name: 'a chunk size of 17 hex digits is a ChunkedEncodingError',
    bad: write(chunked('10000000000000005\r\nhello\r\n0\r\n\r\n')),
    cls: ChunkedEncodingError,
    codes: ['CHUNK_SIZE_TOO_LARGE', 'INVALID_CHUNK_SIZE'],
  },
  {
    name: 'a chunk size of 16 hex digits past 2^53 is a ChunkedEncodingError',
    bad: write(chunked('fffffffffffffff5\r\nhello\r\n0\r\n\r\n')),
    cls: ChunkedEncodingError,
    codes: ['CHUNK_SIZE_TOO_LARGE', 'INVALID_CHUNK_SIZE'],
  },
  {
    name: 'chunk data not followed by CRLF is a ChunkedEncodingError',
    bad: write(chunked('5\r\nhelloXX0\r\n\r\n')),
    cls: ChunkedEncodingError,
    codes: ['MISSING_CHUNK_CRLF'],
  },
  {
    name: 'chunk data followed by a bare LF is a ChunkedEncodingError',
    bad: write(chunked('5\r\nhello\n0\r\n\r\n')),
    cls: ChunkedEncodingError,
    codes: ['MISSING_CHUNK_CRLF', 'BARE_LF'],
  },
  {
    name: 'a 1 MiB chunk extension is a ChunkedEncodingError at the chunk-line budget',
    bad: socket => {
      socket.write(chunked('5;'))
      socket.write(Buffer.alloc(1024 * 1024, 'a'))
      socket.write('\r\nhello\r\n0\r\n\r\n')
    },
    cls: ChunkedEncodingError,
    codes: ['CHUNK_EXTENSION_TOO_LARGE'],
  },
  {
    name: 'a chunked body cut short by a FIN is a ChunkedEncodingError',
    bad: socket => { socket.end(chunked('a\r\n0123456789\r\n5\r\nab')) },
    cls: ChunkedEncodingError,
    codes: ['PREMATURE_EOF'],
  },
  {
    name: 'a chunked body cut short after the last chunk but before the final CRLF is a ChunkedEncodingError',
    bad: socket => { socket.end(chunked('a\r\n0123456789\r\n0\r\n')) },
    cls: ChunkedEncodingError,
    codes: ['PREMATURE_EOF'],
  },
  {
    name: 'a Content-Length body cut short by a FIN is a ChunkedEncodingError',
    bad: socket => { socket.end(head('Content-Length: 100') + '0123456789') },
    cls: ChunkedEncodingError,
    codes: ['PREMATURE_EOF'],
  },
  {
    name: 'a Content-Length body cut short by a RST is a ChunkedEncodingError (ECONNRESET)',
    bad: socket => {
      socket.write(head('Content-Length: 100') + '0123456789')
      setTimeout(() => socket.resetAndDestroy(), 30)
    },
    cls: ChunkedEncodingError,
    codes: ['ECONNRESET'],
  },
  {
    name: 'a chunked body cut short by a RST is a ChunkedEncodingError (ECONNRESET)',
    bad: socket => {
      socket.write(chunked('a\r\n0123456789\r\n'))
      setTimeout(() => socket.resetAndDestroy(), 30)
    },
    cls: ChunkedEncodingError,
    codes: ['ECONNRESET'],
  },
]

async function check(t: Test, c: Case, stream: boolean): Promise<void> {
  const server = await rawServer(t, { handler: hostile(c.bad) })
  const { s } = client(t)
  // Warm the connection first so that "not reused" is meaningful: /bad runs on a pooled socket.
  await nextWorks(t, s, server)
  let err: Error & { code?: unknown }
  if (stream) {
    const got: Buffer[] = []
    err = await rejection((async () => {
      const r = await s.get(`${base(server)}/bad`, { stream: true, timeout: 5000 })
      for await (const chunk of r.iterContent()) got.push(chunk)
      return r
    })())
    t.ok(Buffer.concat(got).length < 100, 'no more bytes than were sent arrive')
  } else {
    err = await rejection(s.get(`${base(server)}/bad`, { timeout: 5000 }))
  }
  t.ok(err instanceof c.cls, `a ${c.cls.name} (got ${className(err)}: ${err.message})`)
  t.ok(c.codes.includes(String(err.code)), `code ${String(err.code)} is one of ${c.codes.join(', ')}`)
  t.equal(connectionOf(server, '/bad'), 1, '/bad went over the warmed connection')
  await nextWorks(t, s, server)
  t.not(connectionOf(server, '/after'), 1, 'the broken connection was not reused')
}

for (const c of cases) {
  t.test(`${c.name} and the connection is not reused`, t => check(t, c, false))
}

// The same lies, read as a stream: the bytes before the lie may arrive, then the error.
for (const c of cases.filter(c => /cut short|chunk size of "0x5"|not followed/.test(c.name))) {
  t.test(`streamed: ${c.name} and the connection is not reused`, t => check(t, c, true))
}
