// Charsets of response bodies: what Requests' utils (get_encoding_from_headers, guess_json_utf)
// and models.Response (text, json, apparent_encoding, iter_content's decoder) do with them.
// Decoding follows Python's codecs with errors='replace': bad bytes become U+FFFD, never an error.

import { createRequire } from 'node:module'
import { StringDecoder } from 'node:string_decoder'

// iconv-lite and chardet cost ~10 MiB of memory once loaded, and most bodies are UTF-8 or Latin-1,
// which Node decodes itself: they are loaded on first need only.
const requireLazily = createRequire(import.meta.url)
type IconvLite = typeof import('iconv-lite')
type Chardet = typeof import('chardet')
let iconvModule: IconvLite | undefined
let chardetModule: Chardet | undefined
function iconvLite(): IconvLite {
  return (iconvModule ??= requireLazily('iconv-lite') as IconvLite)
}
function chardetLib(): Chardet {
  return (chardetModule ??= requireLazily('chardet') as Chardet)
}

const REPLACEMENT = '\uFFFD'
const BOM = '\uFEFF'

/**
 * The charset a Content-Type names, else the default Requests 2.x assumes for it: ISO-8859-1
 * for `text/*` (RFC 2616 §3.7.1, kept by Requests although RFC 7231 dropped it), UTF-8 for
 * `application/json` (RFC 4627), otherwise null (the caller guesses from the body).
 */
export function encodingFromContentType(contentType: string | undefined | null): string | null {
  if (!contentType) return null
  const { mediaType, params } = parseContentType(contentType)
  const charset = params.get('charset')
  // `charset=` (empty) names nothing: null, so `text` guesses (not the text/* default below).
  // Requests returns '' there, which its `text` cannot use and so decodes as UTF-8 with
  // replacement characters (a difference the README lists).
  if (charset !== undefined) return charset === '' ? null : charset
  // Requests tests `"text" in content_type`, which also matches `application/context+xml`;
  // the rule it stands for is the text/* top-level type.
  if (mediaType.startsWith('text/')) return 'ISO-8859-1'
  if (mediaType.includes('application/json')) return 'utf-8'
  return null
}

/**
 * Splits `type/subtype; name=value; name="quoted \" value"` (RFC 9110 §8.3.1, parameters per
 * §5.6.6). Names are case-insensitive; a `;` inside a quoted-string does not end the parameter.
 * Requests also strips single quotes around values (`charset='utf-8'`), and so do we.
 */
function parseContentType(value: string): { mediaType: string; params: Map<string, string> } {
  const params = new Map<string, string>()
  let i = value.indexOf(';')
  const mediaType = (i === -1 ? value : value.slice(0, i)).trim().toLowerCase()
  while (i !== -1 && i < value.length) {
    i++ // past the ';'
    const eq = indexOfEither(value, '=', ';', i)
    if (eq === -1 || value[eq] === ';') {
      // A name without a value (`; foo;`): nothing to keep, as in RFC 9110's grammar.
      i = eq
      continue
    }
    const name = value.slice(i, eq).trim().toLowerCase()
    let j = eq + 1
    while (value[j] === ' ' || value[j] === '\t') j++
    let paramValue: string
    if (value[j] === '"') {
      let out = ''
      j++
      for (; j < value.length && value[j] !== '"'; j++) {
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (value[j] === '\\' && j + 1 < value.length) j++
        out += value[j]
      }
      paramValue = out
      i = value.indexOf(';', j)
    } else {
      i = value.indexOf(';', j)
      paramValue = (i === -1 ? value.slice(j) : value.slice(j, i)).trim().replace(/^'(.*)'$/s, '$1')
    }
    // Requests builds a dict, so a repeated parameter's last value wins.
    if (name !== '') params.set(name, paramValue.trim())
  }
  return { mediaType, params }
}

function indexOfEither(s: string, a: string, b: string, from: number): number {
  for (let k = from; k < s.length; k++) if (s[k] === a || s[k] === b) return k
  return -1
}

/**
 * Python-only labels iconv-lite does not know. `utf-8-sig` is what guessJsonUtf answers for a
 * body that starts with a UTF-8 BOM, so `r.encoding = 'utf-8-sig'` must work too.
 */
function isUtf8Sig(label: string): boolean {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '') === 'utf8sig'
}

/** True when decodeText knows the label (iconv-lite's names and aliases, plus `utf-8-sig`). */
export function isKnownEncoding(label: string): boolean {
  return isUtf8Sig(label) || iconvLite().encodingExists(label)
}

type Codec = ReturnType<IconvLite['getCodec']>

/** Codecs compared by identity: iconv-lite resolves every alias of one codec to one object. */
let known: { utf8: Codec; latin1: Codec; utf16: Set<Codec>; bomSniffing: Set<Codec> } | undefined
function knownCodecs(): NonNullable<typeof known> {
  known ??= {
    utf8: iconvLite().getCodec('utf-8'),
    // iconv-lite's ISO-8859-1 is true Latin-1, as Python's is (WHATWG would make it windows-1252).
    latin1: iconvLite().getCodec('latin1'),
    utf16: new Set([iconvLite().getCodec('utf-16le'), iconvLite().getCodec('utf-16be'), iconvLite().getCodec('utf-16')]),
    // Python's 'utf-16' and 'utf-32' read the BOM to learn the byte order and drop it; the
    // explicit-endian codecs (and 'utf-8') keep a BOM as U+FEFF, so we do not strip it there.
    bomSniffing: new Set([iconvLite().getCodec('utf-16'), iconvLite().getCodec('utf-32')]),
  }
  return known
}

/** How a label decodes: Node's own decoders where they agree with Python, iconv-lite otherwise. */
type Plan =
  | { kind: 'utf8'; stripBom: boolean }
  | { kind: 'latin1' }
  | { kind: 'iconv'; label: string; stripBom: boolean; utf16: boolean }

/** The labels almost every body carries, planned without loading iconv-lite. */
const NATIVE_PLANS: ReadonlyMap<string, Plan> = new Map<string, Plan>([
  ['utf-8', { kind: 'utf8', stripBom: false }],
  ['utf8', { kind: 'utf8', stripBom: false }],
  ['iso-8859-1', { kind: 'latin1' }],
  ['latin1', { kind: 'latin1' }],
])

function planFor(encoding: string | null): Plan {
  const native = encoding === null ? undefined : NATIVE_PLANS.get(encoding.toLowerCase())
  if (native !== undefined) return native
  // Requests: an unknown label raises LookupError and `text` falls back to
  // str(content, errors='replace'), i.e. UTF-8.
  if (encoding === null || !iconvLite().encodingExists(encoding)) {
    return { kind: 'utf8', stripBom: encoding !== null && isUtf8Sig(encoding) }
  }
  const codecs = knownCodecs()
  const codec = iconvLite().getCodec(encoding)
  if (codec === codecs.utf8) return { kind: 'utf8', stripBom: false }
  if (codec === codecs.latin1) return { kind: 'latin1' }
  return {
    kind: 'iconv',
    label: encoding,
    stripBom: codecs.bomSniffing.has(codec),
    utf16: codecs.utf16.has(codec),
  }
}

/**
 * Decodes a whole body with a charset label, as Requests' `str(content, encoding,
 * errors='replace')`: bad bytes become U+FFFD, an unknown label (or null) means UTF-8.
 */
export function decodeText(bytes: Buffer, encoding: string | null): string {
  const plan = planFor(encoding)
  switch (plan.kind) {
    case 'utf8': {
      // Buffer#toString replaces each maximal invalid subsequence with U+FFFD, as Python does.
      const text = bytes.toString('utf8')
      return plan.stripBom && text.startsWith(BOM) ? text.slice(1) : text
    }
    case 'latin1':
      return bytes.toString('latin1')
    case 'iconv': {
      const decoder = iconvDecoder(plan)
      return decoder.write(bytes) + decoder.end()
    }
  }
}

/** Decodes a body arriving in chunks; a character split across two chunks comes out whole. */
export interface IncrementalDecoder {
  write(chunk: Buffer): string
  end(): string
}

/** The decoder iterContent(decodeUnicode) uses: same labels and rules as decodeText. */
export function incrementalDecoder(encoding: string | null): IncrementalDecoder {
  const plan = planFor(encoding)
  switch (plan.kind) {
    case 'utf8': {
      const decoder = new StringDecoder('utf8')
      let atStart = plan.stripBom
      return {
        write(chunk) {
          let text = decoder.write(chunk)
          if (atStart && text !== '') {
            atStart = false
            if (text.startsWith(BOM)) text = text.slice(1)
          }
          return text
        },
        end() {
          const text = decoder.end()
          return atStart && text.startsWith(BOM) ? text.slice(1) : text
        },
      }
    }
    case 'latin1':
      // One byte, one character: nothing can be split.
      return { write: chunk => chunk.toString('latin1'), end: () => '' }
    case 'iconv':
      return iconvDecoder(plan)
  }
}

/**
 * An iconv-lite decoder, with UTF-16 brought in line with Python's errors='replace': iconv-lite
 * passes lone surrogates through and drops an odd last byte, and its big-endian decoder emits the
 * high half of a pair split across chunks on its own.
 */
function iconvDecoder(plan: Extract<Plan, { kind: 'iconv' }>): IncrementalDecoder {
  const decoder = replayingDecoder(plan)
  if (!plan.utf16) return decoder
  let held = '' // a high surrogate whose low half may start the next chunk
  let odd = false // an odd number of bytes so far
  return {
    write(chunk) {
      if (chunk.length % 2 === 1) odd = !odd
      let text = held + decoder.write(chunk)
      held = ''
      const last = text.charCodeAt(text.length - 1)
      if (last >= 0xd800 && last <= 0xdbff) {
        held = text.slice(-1)
        text = text.slice(0, -1)
      }
      return wellFormed(text)
    },
    end() {
      const text = wellFormed(held + decoder.end())
      held = ''
      // Python: "truncated data" replaced by one U+FFFD.
      return odd ? text + REPLACEMENT : text
    },
  }
}

/**
 * iconv-lite 0.7's multi-byte (DBCS: Shift_JIS, GB18030, Big5, EUC-*) decoder sizes its output for
 * the new chunk only, so when bytes held from the previous chunk complete a character, the chunk's
 * last characters are silently lost (a GB18030 four-byte character split before its last byte
 * yields one UTF-16 unit more than the chunk has bytes). The bytes it holds (`prevBytes`, the
 * start of an unfinished sequence) are replayed into a fresh decoder together with the chunk:
 * a fresh decoder has room for all of them, and starting the sequence from the root of its trie
 * is exactly the state the old decoder was in.
 */
function replayingDecoder(plan: Extract<Plan, { kind: 'iconv' }>): IncrementalDecoder {
  const options = { stripBOM: plan.stripBom }
  let decoder = iconvLite().getDecoder(plan.label, options)
  return {
    write(chunk) {
      const held: unknown = (decoder as { prevBytes?: unknown }).prevBytes
      if (Array.isArray(held) && held.length > 0) {
        const replay = Buffer.concat([Uint8Array.from(held as number[]), chunk])
        decoder = iconvLite().getDecoder(plan.label, options)
        return decoder.write(replay)
      }
      return decoder.write(chunk)
    },
    end: () => decoder.end() ?? '',
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, REPLACEMENT)
}

/**
 * The charset chardet guesses from the body, under chardet's own name (`UTF-8`, `Shift_JIS`,
 * `windows-1251`, `ASCII` …), or null when it cannot tell. An empty body is `utf-8`, as in
 * Requests with charset_normalizer: chardet says `ASCII` for no evidence at all. Names chardet
 * has and iconv-lite lacks (ISO-2022-*) decode as UTF-8 in decodeText.
 */
export function apparentEncoding(bytes: Buffer): string | null {
  if (bytes.length === 0) return 'utf-8'
  return chardetLib().detect(bytes)
}

/**
 * Requests' guess_json_utf: RFC 4627 §3 says JSON text starts with two ASCII characters, so the
 * NUL bytes among the first four tell UTF-8, UTF-16 and UTF-32 and their byte order apart.
 * A BOM answers first. Null when the pattern fits none of them.
 */
export function guessJsonUtf(bytes: Buffer): string | null {
  const b0 = bytes[0]
  const b1 = bytes[1]
  const b2 = bytes[2]
  const b3 = bytes[3]
  // UTF-32-LE's BOM starts with UTF-16-LE's, so UTF-32 is checked first.
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    return 'utf-32'
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return 'utf-8-sig'
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) return 'utf-16'
  const sample = [b0, b1, b2, b3].filter(b => b !== undefined)
  const nulls = sample.filter(b => b === 0).length
  if (nulls === 0) return 'utf-8'
  if (nulls === 2) {
    if (b0 === 0 && b2 === 0) return 'utf-16-be'
    if (b1 === 0 && b3 === 0) return 'utf-16-le'
  }
  if (nulls === 3) {
    if (b0 === 0 && b1 === 0 && b2 === 0) return 'utf-32-be'
    if (b1 === 0 && b2 === 0 && b3 === 0) return 'utf-32-le'
  }
  return null
}

/**
 * Requests' Response.json: with no declared charset, the body's own first bytes say how it is
 * encoded (guessJsonUtf); otherwise the declared charset decodes it. A leading BOM is dropped
 * whatever decoded it (RFC 8259 §8.1 lets parsers ignore one; JSON.parse would reject it).
 * Throws what JSON.parse throws.
 */
export function parseJson(bytes: Buffer, encoding: string | null): unknown {
  let text: string | undefined
  if (encoding === null && bytes.length >= 3) {
    const guess = guessJsonUtf(bytes)
    if (guess !== null) text = decodeText(bytes, guess)
  }
  text ??= decodeText(bytes, encoding)
  if (text.startsWith(BOM)) text = text.slice(1)
  return JSON.parse(text)
}
