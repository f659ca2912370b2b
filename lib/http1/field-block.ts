// Collects one block of CRLF-terminated lines that ends with an empty line: a response head, or
// the trailer section of a chunked body. It finds the end with indexOf, never byte by byte, and
// holds the pieces of a block split across socket reads without joining them until it is whole,
// so a head trickled one byte at a time costs linear time, not quadratic.

import { ParseError, type ParseErrorCode } from './errors.js'
import { CR, LF } from './chars.js'

/** A complete block as one contiguous view; `end` is just past the final CRLF of the empty line. */
export interface FieldBlock {
  readonly buf: Buffer
  readonly start: number
  readonly end: number
  /** Stream offset of `buf[start]`, for error offsets. */
  readonly offset: number
}

export class FieldBlockReader {
  private readonly parts: Buffer[] = []
  /** Bytes of the block held in `parts`. */
  private held = 0
  /** Index, within the block, of the first byte of the line being read. */
  private lineStart = 0
  /** The last byte held, so a CR at the end of one read can pair with an LF at the start of the next. */
  private lastByte = -1
  /** Stream offset of the block's first byte; -1 before any byte of it arrived. */
  private offset = -1

  constructor(
    private readonly limit: number,
    private readonly tooLarge: ParseErrorCode,
  ) {}

  reset(): void {
    this.parts.length = 0
    this.held = 0
    this.lineStart = 0
    this.lastByte = -1
    this.offset = -1
  }

  /**
   * Takes bytes from `data[pos..]`, where `data[0]` is at stream offset `base`. Returns the block
   * once its empty line has arrived (the caller continues at `pos + (block bytes taken)`, i.e. at
   * the index `consumedTo`), or null when the block goes on in a later read.
   */
  feed(data: Buffer, pos: number, base: number): { block: FieldBlock; consumedTo: number } | null {
    if (this.offset === -1) this.offset = base + pos
    // A CR that ended the previous read must be the first half of a CRLF.
    if (this.lastByte === CR && data[pos] !== LF && pos < data.length) throw bareCr(base + pos - 1)
    let from = pos
    for (;;) {
      const lf = data.indexOf(LF, from)
      // RFC 9112 §2.2: a CR anywhere but just before an LF is a bare CR. Lines ended by bare CRs
      // would never end the block, and a head would wait for an LF that never comes, so they
      // are refused as they arrive, in stream order with BARE_LF and the size limit, which keeps
      // the error the same however the bytes are split. A CR that ends a read waits for the next.
      const segmentEnd = lf === -1 ? data.length : lf
      const cr = data.indexOf(CR, from)
      if (cr !== -1 && cr < segmentEnd - 1 && this.held + (cr - pos) < this.limit) throw bareCr(base + cr)
      if (lf === -1) break
      const index = this.held + (lf - pos) // index of this LF within the block
      if (index >= this.limit) throw this.overLimit(base + pos + (this.limit - this.held))
      // RFC 9112 §2.2: we accept CRLF only; a bare LF is a line ending we refuse to guess at.
      const prev = lf > pos ? data[lf - 1] : this.lastByte
      if (prev !== CR) throw new ParseError('BARE_LF', base + lf, 'line ends in LF without CR')
      if (index - 1 === this.lineStart) return { block: this.take(data, pos, lf + 1), consumedTo: lf + 1 }
      this.lineStart = index + 1
      from = lf + 1
    }
    const added = data.length - pos
    if (this.held + added > this.limit) throw this.overLimit(base + pos + (this.limit - this.held))
    this.parts.push(data.subarray(pos))
    this.held += added
    this.lastByte = data[data.length - 1] ?? -1
    return null
  }

  private take(data: Buffer, pos: number, end: number): FieldBlock {
    const offset = this.offset
    if (this.parts.length === 0) {
      this.reset()
      return { buf: data, start: pos, end, offset }
    }
    this.parts.push(data.subarray(pos, end))
    const buf = Buffer.concat(this.parts, this.held + (end - pos))
    this.reset()
    return { buf, start: 0, end: buf.length, offset }
  }

  private overLimit(offset: number): ParseError {
    return new ParseError(this.tooLarge, offset, `more than ${this.limit} bytes without the empty line that ends the block`)
  }
}

function bareCr(offset: number): ParseError {
  return new ParseError('BARE_CR', offset, 'CR not followed by LF (RFC 9112 §2.2)')
}
