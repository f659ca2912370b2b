// Keeps the bytes each socket delivered so /echo-raw can answer with a request head exactly as the
// client wrote it (header case, order, spacing), which node's parsed rawHeaders cannot promise.
// A 'data' listener placed ahead of node's own parser sees every chunk before the request event.

import type { Socket } from 'node:net'

/** A socket's capture is cut back to its tail beyond this, so a large upload cannot pile up. */
const MAX_KEPT = 4 * 1024 * 1024
/** What remains after a cut: more than node's 16 KiB header limit, so a pending head survives. */
const KEEP_AFTER_CUT = 256 * 1024

export interface CapturedHead {
  head: Buffer
  /** Absolute stream offset of the first byte after the head. */
  end: number
}

export class SocketCapture {
  private buffer: Buffer = Buffer.alloc(0)
  /** How many bytes of the socket's stream came before `buffer[0]`. */
  private base = 0

  constructor(socket: Socket) {
    // prependListener so this runs before node's parser; adding any 'data' listener also moves node
    // off its native fast path onto JS 'data' events, which is the point.
    socket.prependListener('data', (chunk: Buffer) => this.append(chunk))
  }

  private append(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    if (this.buffer.length > MAX_KEPT) this.drop(this.buffer.length - KEEP_AFTER_CUT)
  }

  private drop(count: number): void {
    this.buffer = this.buffer.subarray(count)
    this.base += count
  }

  /**
   * Finds the head of the request node has just parsed: its request line, then everything up to the
   * blank line. Bytes before it (the previous request's body, stray CRLFs) are dropped.
   */
  takeHead(requestLine: string): CapturedHead | null {
    const line = Buffer.from(requestLine, 'latin1')
    let at = this.buffer.indexOf(line)
    // The line must start the buffer or follow a line break, so a body cannot fake it.
    while (at > 0 && this.buffer[at - 1] !== 0x0a) at = this.buffer.indexOf(line, at + 1)
    if (at < 0) return null
    const crlf = this.buffer.indexOf('\r\n\r\n', at)
    const lf = this.buffer.indexOf('\n\n', at)
    const ends = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter(e => e >= 0)
    if (ends.length === 0) return null
    const endInBuffer = Math.min(...ends)
    this.drop(at)
    const head = Buffer.from(this.buffer.subarray(0, endInBuffer - at))
    return { head, end: this.base + head.length }
  }

  /** The bytes after a head, up to now; `null` if some of them were already cut away. */
  since(end: number): Buffer | null {
    if (end < this.base) return null
    return Buffer.from(this.buffer.subarray(end - this.base))
  }
}
