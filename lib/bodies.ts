// Request bodies as Requests' PreparedRequest.prepare_body makes them: files → multipart,
// fields → form-urlencoded, text and bytes as they are, streams with a length when one can be
// known (else the transport sends them chunked), JSON as Python's json.dumps(allow_nan=False).

import { Readable } from 'node:stream'
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

/**
 * Rejects what Python's json.dumps(allow_nan=False) rejects: NaN and ±Infinity anywhere (which
 * JSON.stringify would quietly write as null). Only run when the output holds a `null`, since
 * that is where such a number would have gone.
 */
function refuseNonFinite(_key: string, value: unknown): unknown {
  const n = value instanceof Number ? value.valueOf() : value
  if (typeof n === 'number' && !Number.isFinite(n)) {
    throw new RangeError(`Out of range float values are not JSON compliant: ${String(n)}`)
  }
  return value
}

function encodeJson(value: unknown): EncodedBody {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
    if (text !== undefined && text.includes('null')) JSON.stringify(value, refuseNonFinite)
  } catch (err) {
    // BigInt, a cycle, a throwing toJSON, or a non-finite number.
    throw new InvalidJSONError(`json is not JSON-serializable: ${err instanceof Error ? err.message : String(err)}`, { cause: err, code: 'INVALID_JSON' })
  }
  if (text === undefined) {
    throw new InvalidJSONError(`json is not JSON-serializable: ${typeof value}`, { code: 'INVALID_JSON' })
  }
  const body = Buffer.from(text, 'utf8')
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
