// Response.iterLines: Requests' iter_lines over chunks of strings or Buffers, with the chunk
// boundaries made invisible. A line may span any number of chunks; its parts are kept in a list
// and joined once, when its ending arrives, so a long line costs linear, not quadratic, time.

/** What splitting needs of a string or a Buffer, so one algorithm serves both. */
interface Units<U extends string | Buffer> {
  readonly empty: U
  readonly cr: U
  readonly lf: U
  join(parts: readonly U[]): U
  slice(s: U, start: number, end?: number): U
  indexOf(s: U, needle: U, from: number): number
  /** The char code or byte at i: only compared with CR and LF. */
  at(s: U, i: number): number
}

const CR = 0x0d
const LF = 0x0a

const stringUnits: Units<string> = {
  empty: '',
  cr: '\r',
  lf: '\n',
  join: parts => parts.join(''),
  slice: (s, start, end) => s.slice(start, end),
  indexOf: (s, needle, from) => s.indexOf(needle, from),
  at: (s, i) => s.charCodeAt(i),
}

const bufferUnits: Units<Buffer> = {
  empty: Buffer.alloc(0),
  cr: Buffer.from([CR]),
  lf: Buffer.from([LF]),
  join: parts => (parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts)),
  slice: (s, start, end) => s.subarray(start, end),
  indexOf: (s, needle, from) => s.indexOf(needle, from),
  at: (s, i) => s[i] ?? -1,
}

/**
 * The text of the line not yet ended, as the parts it arrived in. Parts are views into the
 * chunks (Buffer#subarray copies nothing); they are joined once, when the line ends.
 */
class Pending<U extends string | Buffer> {
  private parts: U[] = []
  length = 0

  constructor(private readonly units: Units<U>) {}

  push(part: U): void {
    if (part.length === 0) return
    this.parts.push(part)
    this.length += part.length
  }

  /** The pending text followed by `last`, emptying the pending line. */
  take(last: U): U {
    if (this.parts.length === 0) return last
    this.push(last)
    const line = this.units.join(this.parts)
    this.parts = []
    this.length = 0
    return line
  }

  /** Removes and returns the last `n` units (n <= length). */
  popTail(n: number): U {
    const tail: U[] = []
    while (n > 0) {
      const part = this.parts.pop()
      if (part === undefined) break
      if (part.length <= n) {
        tail.unshift(part)
        n -= part.length
        this.length -= part.length
      } else {
        tail.unshift(this.units.slice(part, part.length - n))
        this.parts.push(this.units.slice(part, 0, part.length - n))
        this.length -= n
        n = 0
      }
    }
    return this.units.join(tail)
  }
}

/** Splits on CR LF, LF and CR, like Python's bytes.splitlines, carrying a CR across chunks. */
class LineBreakSplitter<U extends string | Buffer> {
  private readonly pending: Pending<U>
  /** The last chunk ended in CR: an LF opening the next chunk belongs to the same line ending. */
  private afterCr = false

  constructor(private readonly units: Units<U>) {
    this.pending = new Pending(units)
  }

  push(chunk: U): U[] {
    const { units } = this
    const lines: U[] = []
    let start = 0
    if (this.afterCr) {
      this.afterCr = false
      if (units.at(chunk, 0) === LF) start = 1
    }
    // Next CR and next LF at or after `start`, found by indexOf (native speed) and each searched
    // again only once passed, so a chunk is scanned once for each of the two.
    const { cr, lf } = units
    let nextCr = units.indexOf(chunk, cr, start)
    let nextLf = units.indexOf(chunk, lf, start)
    while (nextCr !== -1 || nextLf !== -1) {
      const end = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf)
      lines.push(this.pending.take(units.slice(chunk, start, end)))
      start = end + 1
      if (end === nextCr) {
        if (start === chunk.length) this.afterCr = true
        else if (units.at(chunk, start) === LF) start++
      }
      if (nextCr !== -1 && nextCr < start) nextCr = units.indexOf(chunk, cr, start)
      if (nextLf !== -1 && nextLf < start) nextLf = units.indexOf(chunk, lf, start)
    }
    this.pending.push(units.slice(chunk, start))
    return lines
  }

  end(): U | null {
    return this.pending.length > 0 ? this.pending.take(this.units.empty) : null
  }
}

/** Splits on one delimiter exactly, as Python's split, finding it across chunk boundaries too. */
class DelimiterSplitter<U extends string | Buffer> {
  private readonly pending: Pending<U>

  constructor(
    private readonly units: Units<U>,
    private readonly delimiter: U,
  ) {
    this.pending = new Pending(units)
  }

  push(chunk: U): U[] {
    const { units, delimiter } = this
    // A delimiter that started in the pending text starts within its last (length - 1) units:
    // those are moved in front of the chunk and searched again with it. They cannot hold a
    // whole delimiter, since the pending text was already searched.
    const carried = Math.min(delimiter.length - 1, this.pending.length)
    const text = carried > 0 ? units.join([this.pending.popTail(carried), chunk]) : chunk
    const lines: U[] = []
    let start = 0
    for (let at = units.indexOf(text, delimiter, 0); at !== -1; at = units.indexOf(text, delimiter, start)) {
      lines.push(this.pending.take(units.slice(text, start, at)))
      start = at + delimiter.length
    }
    this.pending.push(units.slice(text, start))
    return lines
  }

  end(): U | null {
    return this.pending.length > 0 ? this.pending.take(this.units.empty) : null
  }
}

interface Splitter<U> {
  push(chunk: U): U[]
  end(): U | null
}

/**
 * Requests' iter_lines, with its chunk-boundary bugs fixed. Without a delimiter, lines end at
 * CR LF, LF or CR (Python's bytes.splitlines; str.splitlines' other separators such as U+2028
 * are not line endings in HTTP bodies). Requests splits each chunk on its own, so a CR ending
 * one chunk and the LF opening the next come out as an extra empty line; here they are one
 * ending. With a delimiter, lines end at each occurrence, even one split across chunks.
 * Lines come without their ending; empty lines between two endings are kept, and the text after
 * the last ending is a line when it is not empty (so a final ending adds no empty line).
 * An empty delimiter means none, as Requests' `if delimiter:` does.
 */
export async function* splitLines<T extends string | Buffer>(
  chunks: AsyncIterable<T>,
  delimiter?: T | null,
): AsyncGenerator<T> {
  let splitter: Splitter<string> | Splitter<Buffer> | undefined
  let isString = false
  for await (const chunk of chunks) {
    const piece: string | Buffer = chunk
    if (piece.length === 0) continue
    if (splitter === undefined) {
      isString = typeof piece === 'string'
      splitter = isString ? makeSplitter(stringUnits, asString(delimiter)) : makeSplitter(bufferUnits, asBuffer(delimiter))
    }
    if (typeof piece === 'string' !== isString) {
      throw new TypeError('splitLines: chunks must be all strings or all Buffers')
    }
    const lines = isString
      ? (splitter as Splitter<string>).push(piece as string)
      : (splitter as Splitter<Buffer>).push(piece as Buffer)
    for (const line of lines) yield line as T
  }
  const last = splitter?.end() ?? null
  if (last !== null) yield last as T
}

function makeSplitter<U extends string | Buffer>(units: Units<U>, delimiter: U | null): Splitter<U> {
  return delimiter !== null && delimiter.length > 0
    ? new DelimiterSplitter(units, delimiter)
    : new LineBreakSplitter(units)
}

// A delimiter of the other kind than the chunks is converted (UTF-8), not refused: iterLines
// passes the user's delimiter through whether or not it decodes the chunks.
function asString(delimiter: string | Buffer | null | undefined): string | null {
  if (delimiter === null || delimiter === undefined) return null
  return typeof delimiter === 'string' ? delimiter : delimiter.toString('utf8')
}

function asBuffer(delimiter: string | Buffer | null | undefined): Buffer | null {
  if (delimiter === null || delimiter === undefined) return null
  return typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : delimiter
}
