// Parses a complete response head (RFC 9112 §4 status line, §5 field lines) out of a FieldBlock.
// Fields are kept as raw name/value pairs in arrival order; while walking them we note the three
// fields that decide framing and persistence, so nothing has to scan the list a second time.

import { ParseError } from './errors.js'
import type { FieldBlock } from './field-block.js'
import type { HttpVersion } from './framing.js'
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN, latin1 } from './chars.js'
import { knownName, roleOf, type FieldRole } from './names.js'

/** What the fields say about framing (RFC 9112 §6) and persistence (§9.3). */
export interface FieldSummary {
  contentLength: string[]
  transferEncoding: string[]
  /** `Connection: close` was present. */
  close: boolean
  /** `Connection: keep-alive` was present (matters for HTTP/1.0 only). */
  keepAlive: boolean
}

export interface StatusLine {
  version: HttpVersion
  status: number
  reason: string
}

/** Parses the status line at `block.start`; returns it and the index of the first field line. */
export function parseStatusLine(block: FieldBlock): { line: StatusLine; next: number } {
  const { buf, start, offset } = block
  const lineEnd = buf.indexOf(LF, start) - 1 // the CR; FieldBlockReader guaranteed it
  const at = (i: number): number => offset + (i - start)

  let sp = buf.indexOf(SP, start)
  if (sp === -1 || sp > lineEnd) sp = lineEnd
  // HTTP-version = HTTP-name "/" DIGIT "." DIGIT, and HTTP-name is case-sensitive (§2.3).
  let version: HttpVersion
  const minor = buf[start + 7]
  if (sp - start === 8 && startsWithHttp1(buf, start) && (minor === 0x31 || minor === 0x30)) {
    version = minor === 0x31 ? '1.1' : '1.0'
  } else if (sp - start >= 5 && latin1(buf, start, start + 5).toUpperCase() === 'HTTP/') {
    throw new ParseError('INVALID_VERSION', at(start), 'response is not HTTP/1.1 or HTTP/1.0')
  } else {
    throw new ParseError('INVALID_STATUS_LINE', at(start), 'response does not start with a status line')
  }
  if (sp === lineEnd) throw new ParseError('INVALID_STATUS_LINE', at(sp), 'status line has no status code')

  // status-code = 3DIGIT, then SP and a reason that may be empty; a missing SP is tolerated.
  const codeStart = sp + 1
  let status = 0
  for (let i = codeStart; i < codeStart + 3; i++) {
    const d = (i < lineEnd ? buf[i]! : -1) - 0x30
    if (d < 0 || d > 9) throw new ParseError('INVALID_STATUS_CODE', at(i), 'status code is not three digits')
    status = status * 10 + d
  }
  const afterCode = codeStart + 3
  if (afterCode < lineEnd && buf[afterCode] !== SP) {
    throw new ParseError('INVALID_STATUS_CODE', at(afterCode), 'status code is not three digits')
  }
  if (status < 100 || status > 599) throw new ParseError('INVALID_STATUS_CODE', at(codeStart), `status code ${status} is out of range`)

  const reasonStart = Math.min(afterCode + 1, lineEnd)
  for (let i = reasonStart; i < lineEnd; i++) {
    const b = buf[i]!
    if (FIELD_VALUE[b] !== 1) {
      throw new ParseError(b === CR ? 'BARE_CR' : 'INVALID_STATUS_LINE', at(i), 'reason phrase holds a control byte')
    }
  }
  const reason = reasonStart < lineEnd ? latin1(buf, reasonStart, lineEnd) : ''
  return { line: { version, status, reason }, next: lineEnd + 2 }
}

const HTTP1_PREFIX = 'HTTP/1.'

function startsWithHttp1(buf: Buffer, start: number): boolean {
  for (let i = 0; i < HTTP1_PREFIX.length; i++) if (buf[start + i] !== HTTP1_PREFIX.charCodeAt(i)) return false
  return true
}

/**
 * Parses the field lines from `from` to the block's final empty line into `out` as
 * [name, value, …] and returns what they say about framing. `offset` is the stream offset of
 * `block.buf[block.start]`.
 */
export function parseFieldLines(block: FieldBlock, from: number, maxFields: number, out: string[]): FieldSummary {
  const { buf, start, offset } = block
  const last = block.end - 2 // the CR of the empty line
  const summary: FieldSummary = { contentLength: NONE, transferEncoding: NONE, close: false, keepAlive: false }
  const at = (i: number): number => offset + (i - start)
  let pos = from
  let count = 0
  while (pos < last) {
    if (++count > maxFields) throw new ParseError('TOO_MANY_FIELDS', at(pos), `more than ${maxFields} fields`)

    // §5.2: a line starting with whitespace continues the previous one (obs-fold); we refuse it,
    // since folding is where request smuggling hides a second Transfer-Encoding.
    const first = buf[pos]!
    if (first === SP || first === HTAB) throw new ParseError('OBS_FOLD', at(pos), 'field line is folded (obs-fold)')

    let colon = pos
    while (TOKEN[buf[colon]!] === 1) colon++
    const stop = buf[colon]!
    if (stop !== COLON || colon === pos) {
      // §5.1: no whitespace is allowed between the field name and the colon.
      if (stop === SP || stop === HTAB) throw new ParseError('WHITESPACE_BEFORE_COLON', at(colon), 'whitespace between field name and colon')
      if (stop === CR && buf[colon + 1] !== LF) throw new ParseError('BARE_CR', at(colon), 'CR without LF in a field name')
      throw new ParseError('INVALID_HEADER_NAME', at(colon), 'field name is not a token')
    }

    // One walk over the value checks every byte and finds the line's CRLF (FieldBlockReader has
    // made sure every LF follows a CR). §5.5: whitespace around the value is not part of it.
    let valueStart = colon + 1
    while (buf[valueStart] === SP || buf[valueStart] === HTAB) valueStart++
    let valueEnd = valueStart
    let i = valueStart
    for (;; i++) {
      const b = buf[i]!
      if (FIELD_VALUE[b] === 1) {
        if (b !== SP && b !== HTAB) valueEnd = i + 1
        continue
      }
      if (b === CR && buf[i + 1] === LF) break
      throw new ParseError(b === CR ? 'BARE_CR' : 'INVALID_HEADER_VALUE', at(i), 'field value holds a control byte')
    }
    const cr = i

    const value = valueStart === valueEnd ? '' : latin1(buf, valueStart, valueEnd)
    const known = knownName(buf, pos, colon)
    out.push(known === undefined ? latin1(buf, pos, colon) : known.name, value)
    const role = known === undefined ? roleOf(buf, pos, colon) : known.role
    if (role !== 'other') noteFramingField(summary, role, value)
    pos = cr + 2
  }
  return summary
}

const NONE: string[] = []

/** Records the value of a field that framing or persistence depends on. */
function noteFramingField(summary: FieldSummary, role: FieldRole, value: string): void {
  switch (role) {
    case 'connection':
      noteConnectionOptions(summary, value)
      return
    case 'content-length':
      if (summary.contentLength === NONE) summary.contentLength = []
      summary.contentLength.push(value)
      return
    case 'transfer-encoding':
      if (summary.transferEncoding === NONE) summary.transferEncoding = []
      summary.transferEncoding.push(value)
      return
  }
}

/** Connection = #connection-option (RFC 9110 §7.6.1); only `close` and `keep-alive` matter here. */
function noteConnectionOptions(summary: FieldSummary, value: string): void {
  // The value is nearly always exactly one of the two: skip the split for them.
  if (value === 'keep-alive' || value === 'close') {
    if (value === 'close') summary.close = true
    else summary.keepAlive = true
    return
  }
  for (const option of value.split(',')) {
    const o = option.trim().toLowerCase()
    if (o === 'close') summary.close = true
    else if (o === 'keep-alive') summary.keepAlive = true
  }
}
