// Reads a chunked body (RFC 9112 §7.1) as a resumable state machine: it can stop at any byte and
// continue with the next read. Chunk data is handed on as slices of the input, never copied;
// size lines are checked byte by byte, and they are short because their length is bounded.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )

import { ParseError } from './errors.js'
import { FieldBlockReader } from './field-block.js'
import { parseFieldLines } from './head.js'
import type { ParserLimits } from './limits.js'
import { CR, HTAB, LF, SEMICOLON, SP } from './chars.js'

/** What the reader waits for next. */
type ChunkedState =
  | 'size' // hex digits of chunk-size
  | 'sizeSpace' // BWS after the size: only more whitespace or ";" may follow
  | 'extension' // chunk-ext, up to the CR
  | 'sizeLf' // the LF that ends the size line
  | 'data' // chunk-data
  | 'dataCr' // the CR after chunk-data
  | 'dataLf' // the LF after chunk-data
  | 'trailers' // the trailer section and its final empty line
  | 'done'

/** Hex digit values, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1)
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i
  HEX[0x61 + i] = 10 + i
}

export class ChunkedReader {
  private state: ChunkedState = 'size'
  private size = 0
  private digits = 0
  private lineLength = 0
  /** Bytes of chunk-data still to come in the current chunk. */
  private remaining = 0
  private readonly trailerBlock: FieldBlockReader
  /** The trailer fields as [name, value, …], once the body is done. */
  trailers: string[] = []

  constructor(private readonly limits: ParserLimits) {
    this.trailerBlock = new FieldBlockReader(limits.maxTrailerSize, 'TRAILERS_TOO_LARGE')
  }

  get done(): boolean {
    return this.state === 'done'
  }

  reset(): void {
    this.state = 'size'
    this.size = 0
    this.digits = 0
    this.lineLength = 0
    this.remaining = 0
    this.trailerBlock.reset()
    this.trailers = []
  }

  /**
   * Reads from `data[pos..]` (`data[0]` is at stream offset `base`), passing chunk data to
   * `onData`. Returns the index where it stopped: the end of `data`, or just past the body
   * once `done`.
   */
  read(data: Buffer, pos: number, base: number, onData: (chunk: Buffer) => void): number {
    const end = data.length
    while (pos < end) {
      switch (this.state) {
        case 'data': {
          const n = Math.min(this.remaining, end - pos)
          onData(data.subarray(pos, pos + n))
          pos += n
          this.remaining -= n
          if (this.remaining === 0) this.state = 'dataCr'
          break
        }
        case 'dataCr':
          if (data[pos] !== CR) throw new ParseError('MISSING_CHUNK_CRLF', base + pos, 'chunk data is not followed by CRLF')
          this.state = 'dataLf'
          pos++
          break
        case 'dataLf':
          if (data[pos] !== LF) throw new ParseError('MISSING_CHUNK_CRLF', base + pos, 'chunk data is not followed by CRLF')
          this.state = 'size'
          this.size = 0
          this.digits = 0
          this.lineLength = 0
          pos++
          break
        case 'trailers': {
          const got = this.trailerBlock.feed(data, pos, base)
          if (got === null) return end
          parseFieldLines(got.block, got.block.start, this.limits.maxFields, this.trailers)
          this.state = 'done'
          return got.consumedTo
        }
        case 'done':
          return pos
        default:
          pos = this.readSizeLine(data, pos, base)
      }
    }
    return pos
  }

  /** Walks the size line byte by byte; returns where it stopped. */
  private readSizeLine(data: Buffer, pos: number, base: number): number {
    const end = data.length
    while (pos < end) {
      const b = data[pos]!
      if (++this.lineLength > this.limits.maxChunkLine) {
        throw new ParseError('CHUNK_EXTENSION_TOO_LARGE', base + pos, `chunk-size line longer than ${this.limits.maxChunkLine} bytes`)
      }
      switch (this.state) {
        case 'size': {
          const d = HEX[b]!
          if (d !== -1) {
            this.size = this.size * 16 + d
            this.digits++
            // The guard against overflow: beyond 2^53 the arithmetic above stops being exact.
            if (this.size > Number.MAX_SAFE_INTEGER) throw new ParseError('CHUNK_SIZE_TOO_LARGE', base + pos, 'chunk size does not fit in a safe integer')
            break
          }
          if (this.digits === 0) throw new ParseError('INVALID_CHUNK_SIZE', base + pos, 'chunk size is not a hex number')
          if (b === CR) this.state = 'sizeLf'
          else if (b === SEMICOLON) this.state = 'extension'
          else if (b === SP || b === HTAB) this.state = 'sizeSpace'
          else if (b === LF) throw new ParseError('BARE_LF', base + pos, 'chunk-size line ends in LF without CR')
          else throw new ParseError('INVALID_CHUNK_SIZE', base + pos, 'chunk size is not a hex number')
          break
        }
        case 'sizeSpace':
          // BWS is allowed only before a ";" (chunk-ext), never at the end of the line.
          if (b === SEMICOLON) this.state = 'extension'
          else if (b !== SP && b !== HTAB) throw new ParseError('INVALID_CHUNK_SIZE', base + pos, 'whitespace after the chunk size')
          break
        case 'extension':
          // We ignore extensions but still refuse what could never be part of one.
          if (b === CR) this.state = 'sizeLf'
          else if (b === LF) throw new ParseError('BARE_LF', base + pos, 'chunk-size line ends in LF without CR')
          else if ((b < 0x20 && b !== HTAB) || b === 0x7f) throw new ParseError('INVALID_CHUNK_EXTENSION', base + pos, 'chunk extension holds a control byte')
          break
        case 'sizeLf':
          if (b !== LF) throw new ParseError('BARE_CR', base + pos, 'CR without LF in a chunk-size line')
          pos++
          if (this.size === 0) this.state = 'trailers'
          else {
            this.state = 'data'
            this.remaining = this.size
          }
          return pos
      }
      pos++
    }
    return pos
  }
}
