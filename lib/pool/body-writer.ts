// Writes a streamed request body to a socket: chunked coding when its length is unknown, an exact
// byte count when the headers promised one, and the socket's backpressure respected between
// chunks so a large upload never piles up in memory.

import type { Socket } from 'node:net'
import { CRLF, chunkHeader, lastChunk } from '../http1/index.js'
import { ConnectionError } from '../errors.js'
import type { BodyChunk } from './types.js'

export interface StreamBody {
  readonly source: AsyncIterable<BodyChunk> | Iterable<BodyChunk>
  /** Bytes promised by Content-Length; null for chunked coding. */
  readonly length: number | null
}

/** Resolves once the last byte is handed to the socket; rejects if the source or socket fails. */
export async function writeStreamBody(socket: Socket, body: StreamBody, url: string): Promise<void> {
  let sent = 0
  for await (const piece of body.source as AsyncIterable<BodyChunk>) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece
    if (chunk.length === 0) continue
    sent += chunk.length
    if (body.length !== null && sent > body.length) throw lengthMismatch(body.length, sent, url, 'more')
    let writable: boolean
    if (body.length === null) {
      socket.cork()
      socket.write(chunkHeader(chunk.length))
      socket.write(chunk)
      writable = socket.write(CRLF)
      socket.uncork()
    } else {
      writable = socket.write(chunk)
    }
    if (!writable) await drained(socket)
  }
  if (body.length === null) socket.write(lastChunk())
  else if (sent !== body.length) throw lengthMismatch(body.length, sent, url, 'fewer')
}

function lengthMismatch(expected: number, sent: number, url: string, what: 'more' | 'fewer'): ConnectionError {
  return new ConnectionError(`request body delivered ${what} bytes (${sent}) than its Content-Length (${expected}) for url: ${url}`, {
    phase: 'write',
    code: 'BODY_LENGTH_MISMATCH',
    url,
  })
}

/** Waits for 'drain', or fails if the socket closes first (a closed socket never drains). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off('drain', onDrain)
      socket.off('close', onClose)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onDrain = (): void => done()
    const onClose = (): void => done(new Error('socket closed while the request body was being written'))
    socket.on('drain', onDrain)
    socket.on('close', onClose)
  })
}
