// Request bodies as Requests' PreparedRequest.prepare_body makes them: files → multipart,
// fields → form-urlencoded, text and bytes as they are, streams with a length when one can be
// known (else the transport sends them chunked), JSON byte for byte as Python's
// json.dumps(allow_nan=False) writes it (see encodeJson).

import { Readable } from 'node:stream'
import { types } from 'node:util'
import { InvalidJSONError } from './errors.js'
import { encodeMultipart, readableLength, toBuffer } from './multipart.js'
import { encodeParams, type ParamValue } from './urls.js'

export type BodyChunk = Uint8Array | string

type Fields = Readonly<Record<string, ParamValue | readonly ParamValue[]>>
type FieldPairs = readonly (readonly [string, ParamValue])[]

export type DataInput =
  | Fields
  | FieldPairs
  | string
  | Uint8Array
  | Readable
  | AsyncIterable<BodyChunk>
  | Iterable<BodyChunk>

export type FileContent = Uint8Array | string | Readable

export type FileSpec =
  | FileContent
  | readonly [filename: string | null, content: FileContent]
  | readonly [string | null, FileContent, string]
  | readonly [string | null, FileContent, string, Readonly<Record<string, string>>]

export type FilesInput = Readonly<Record<string, FileSpec>> | readonly (readonly [string, FileSpec])[]

export interface EncodedBody {
  body: Buffer | Readable | AsyncIterable<BodyChunk> | Iterable<BodyChunk>
  contentType: string | null
  /** Bytes the body will produce; null when unknown, which makes the transport send it chunked. */
  length: number | null
}

const FORM = 'application/x-www-form-urlencoded'

/** An array of `[string, value]` pairs; an empty array counts (it is empty fields, as `[]` in Python). */
function isPairs(data: unknown): data is FieldPairs {
  if (!Array.isArray(data)) return false
  for (const item of data as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') return false
  }
  return true
}

/** A plain object (an object literal or Object.create(null)): fields, not a stream or a class instance. */
function isRecord(data: unknown): data is Fields {
  if (typeof data !== 'object' || data === null) return false
  const proto: unknown = Object.getPrototypeOf(data)
  return proto === Object.prototype || proto === null
}

/** Python truthiness, which Requests uses to decide whether `data` or `files` was given. */
function isEmpty(value: object | string): boolean {
  if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array) return value.length === 0
  return isRecord(value) && Object.keys(value).length === 0
}

/** Requests' to_key_val_list plus the value loop of _encode_files: text fields as string pairs. */
function fieldPairs(data: Fields | FieldPairs): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const entries: ReadonlyArray<readonly [string, ParamValue | readonly ParamValue[]]> = Array.isArray(data)
    ? data as FieldPairs
    : Object.entries(data as Fields)
  for (const [key, value] of entries) {
    const values: readonly ParamValue[] = Array.isArray(value) ? value as readonly ParamValue[] : [value as ParamValue]
    for (const v of values) if (v !== null && v !== undefined) out.push([key, String(v)])
  }
  return out
}

function filePairs(files: FilesInput): Array<readonly [string, FileSpec]> {
  return Array.isArray(files) ? [...files as readonly (readonly [string, FileSpec])[]] : Object.entries(files as Readonly<Record<string, FileSpec>>)
}

/** `data` alone, by shape, in an order that keeps a string or pairs from passing for an iterable. */
function encodeData(data: DataInput): EncodedBody {
  if (typeof data === 'string') {
    const body = Buffer.from(data, 'utf8')
    return { body, contentType: null, length: body.length }
  }
  if (data instanceof Uint8Array) {
    const body = toBuffer(data)
    return { body, contentType: null, length: body.length }
  }
  if (data instanceof Readable) return { body: data, contentType: null, length: readableLength(data) }
  if (isPairs(data) || isRecord(data)) {
    const body = Buffer.from(encodeParams(data), 'latin1')
    return { body, contentType: FORM, length: body.length }
  }
  if (typeof data === 'object' && data !== null && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    return { body: data, contentType: null, length: null }
  }
  throw new TypeError(`unsupported type for data: ${Object.prototype.toString.call(data)}`)
}

// ---------------------------------------------------------------------------------------------
// JSON bodies, byte for byte as Requests writes them: complexjson.dumps(json, allow_nan=False)
// .encode('utf-8'), i.e. Python's json.dumps defaults: ', ' between items, ': ' after keys,
// ensure_ascii (every code unit outside ' '..'~' as a lower-case \uXXXX escape, so astral
// characters are a surrogate pair of escapes and the body is pure ASCII), and NaN/±Infinity
// refused. Which values are written, and how, is JSON.stringify's: toJSON() (Date included) is
// called with its key, Number/String/Boolean objects are unwrapped, undefined, functions and
// symbols are left out of objects and are null in arrays, keys are Object.keys order (a JS object
// puts integer-like keys first, in ascending order: insertion order for every other key, as a
// Python dict keeps), and a cycle is an error. A BigInt (JSON.stringify's TypeError) is an
// InvalidJSONError like the rest.
//
// Numbers. JS has one number type where Python has int and float, so a number is written as the
// Python value it most plausibly stands for:
// - a non-integer is a float and is written as Python's repr(float) does: the same shortest
//   round-trip digits as JS, in exponent form below 1e-4 with a sign and at least two exponent
//   digits (1e-05, 1.5e-07, where JS writes 0.00001 and 1.5e-7);
// - an integer-valued number is written as JSON.stringify writes it: digits below 1e21, which is
//   Python's int with those digits ({"a": 1}, not Python's float 1.0), and from 1e21 on the
//   exponent form 1e+21, which is Python's float repr.
// What cannot match, because the distinction is not in the JS value: a Python float holding an
// integer (1.0, 1e+16 and -0.0 in Python are 1, 10000000000000000 and 0 here), and a Python int
// of 1e21 or more (written 1e+21 here), or between 2**53 and 1e21 whose exact digits the double
// does not keep (Python's 2**60 is 1152921504606846976; the double 2**60 is written
// 1152921504606847000, as JSON.stringify writes it: same value, other digits).

/**
 * Python's json ESCAPE_ASCII, [^\ -~] plus '"' and '\\': DEL (0x7f) is escaped too, as
 * json.dumps('\x7f') == '"\\u007f"'. No u flag, so each surrogate is matched on its own.
 */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/
const ESCAPABLE = /[\u0000-\u001f"\\\u007f-\uffff]/g
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t',
}

/** One UTF-16 code unit as json.dumps writes it; lone surrogates too (no u flag: one unit each). */
function escapeUnit(unit: string): string {
  return SHORT_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** A string as Python's json.dumps(ensure_ascii=True) writes it, quotes included. */
function pyJsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? `"${value.replace(ESCAPABLE, escapeUnit)}"` : `"${value}"`
}

/** A finite number as Python would write the int or float it stands for (see above). */
function pyJsonNumber(value: number): string {
  if (Number.isInteger(value)) return JSON.stringify(value)
  if (Math.abs(value) >= 1e-4) return String(value)
  // Below 1e-4, repr(float) uses the exponent form: toExponential() has the shortest digits.
  const [mantissa = '', exponent = ''] = value.toExponential().split('e')
  const sign = exponent.startsWith('-') ? '-' : '+'
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`
}

/** Where in the value a failure is, for the error message: json, json.a, json.list[2], json["a b"]. */
function describePath(path: readonly (string | number)[]): string {
  let out = 'json'
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
  }
  return out
}

/** A failure inside the value, with where it happened. */
class JsonPathError extends Error {
  constructor(readonly path: string, readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original))
  }
}

/**
 * JSON.stringify's SerializeJSONProperty (ECMA-262 §25.5.2.2) writing Python's bytes. Returns
 * undefined for what JSON.stringify leaves out (undefined, functions, symbols).
 */
function serializeJson(root: unknown): string | undefined {
  const open = new Set<object>()
  const path: Array<string | number> = []

  function property(holderValue: unknown, key: string): string | undefined {
    let value = holderValue
    if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'bigint') {
      const toJSON: unknown = (value as { toJSON?: unknown }).toJSON
      if (typeof toJSON === 'function') value = toJSON.call(value, key) as unknown
    }
    if (typeof value === 'object' && value !== null) {
      if (types.isNumberObject(value)) value = Number(value)
      else if (types.isStringObject(value)) value = String(value)
      else if (types.isBooleanObject(value)) value = Boolean.prototype.valueOf.call(value)
      else if (types.isBigIntObject(value)) value = BigInt.prototype.valueOf.call(value)
    }
    switch (typeof value) {
      case 'string': return pyJsonString(value)
      case 'boolean': return value ? 'true' : 'false'
      case 'number':
        if (!Number.isFinite(value)) throw new RangeError(`Out of range float values are not JSON compliant: ${String(value)}`)
        return pyJsonNumber(value)
      case 'bigint': throw new TypeError(`Do not know how to serialize a BigInt: ${String(value)}n`)
      case 'object':
        if (value === null) return 'null'
        return Array.isArray(value) ? array(value as readonly unknown[]) : object(value)
      default: return undefined // undefined, a function, a symbol
    }
  }

  function enter(value: object): void {
    if (open.has(value)) throw new TypeError('Converting circular structure to JSON')
    open.add(value)
  }

  function array(value: readonly unknown[]): string {
    enter(value)
    const parts: string[] = []
    for (let i = 0, n = value.length; i < n; i++) {
      path.push(i)
      parts.push(property(value[i], String(i)) ?? 'null')
      path.pop()
    }
    open.delete(value)
    return parts.length === 0 ? '[]' : `[${parts.join(', ')}]`
  }

  function object(value: object): string {
    enter(value)
    const parts: string[] = []
    for (const key of Object.keys(value)) {
      path.push(key)
      const written = property((value as Record<string, unknown>)[key], key)
      if (written !== undefined) parts.push(`${pyJsonString(key)}: ${written}`)
      path.pop()
    }
    open.delete(value)
    return parts.length === 0 ? '{}' : `{${parts.join(', ')}}`
  }

  try {
    return property(root, '')
  } catch (err) {
    // `path` still holds the keys down to the failure: nothing popped them on the way out.
    throw new JsonPathError(describePath(path), err)
  }
}

function encodeJson(value: unknown): EncodedBody {
  let text: string | undefined
  try {
    text = serializeJson(value)
  } catch (err) {
    // A non-finite number, a BigInt, a cycle, a throwing toJSON or getter, or a stack overflow.
    const { message, path, original } = err as JsonPathError
    throw new InvalidJSONError(`json is not JSON-serializable: ${message} (at ${path})`, { cause: original, code: 'INVALID_JSON' })
  }
  if (text === undefined) {
    throw new InvalidJSONError(`json is not JSON-serializable: ${typeof value}`, { code: 'INVALID_JSON' })
  }
  // ensure_ascii leaves nothing but ASCII, so one byte per character.
  const body = Buffer.from(text, 'latin1')
  return { body, contentType: 'application/json', length: body.length }
}

/**
 * Requests' prepare_body. `files` (non-empty) make a multipart body with `data` as its text
 * fields; otherwise a non-empty `data` is the body; otherwise `json`, when given, is (Requests
 * ignores `json` whenever `data` is truthy). Nothing to send is null.
 */
export function encodeBody(input: { data?: DataInput | null; json?: unknown; files?: FilesInput | null }): EncodedBody | null {
  const { data, json, files } = input
  if (files !== undefined && files !== null && !isEmpty(files)) {
    if (data !== undefined && data !== null && !isPairs(data) && !isRecord(data)) {
      throw new TypeError('data must be fields when files are sent')
    }
    return encodeMultipart(data === undefined || data === null ? [] : fieldPairs(data), filePairs(files))
  }
  if (data !== undefined && data !== null && !isEmpty(data)) return encodeData(data)
  if (json !== undefined) return encodeJson(json)
  return null
}
