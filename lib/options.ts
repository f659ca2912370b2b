// The option types of the Requests API (API.md "Request options"): what a caller may pass to
// `request()`, the verbs and Session, and what Session.send hands to an adapter once session
// defaults and the environment have been merged in.

import type { AuthInput } from './auth.js'
import type { DataInput, FilesInput } from './bodies.js'
import type { RequestsCookieJar } from './cookies.js'
import type { CaseInsensitiveDict } from './structures.js'
import type { ParamsInput } from './urls.js'
import { ReadTimeout } from './errors.js'
import type { Response } from './response.js'

/** A header value of `null`/`undefined` removes the session's header of that name. */
export type HeaderValue = string | null | undefined

export type HeadersInput =
  | CaseInsensitiveDict<string>
  | Readonly<Record<string, HeaderValue>>
  | readonly (readonly [string, HeaderValue])[]

/** Milliseconds: one number for connect and read, `[connect, read]`, or each phase by name. */
export type TimeoutInput =
  | number
  | readonly [connect: number | null | undefined, read: number | null | undefined]
  | { readonly connect?: number | null; readonly read?: number | null; readonly total?: number | null }

/** Called with each final response; a returned Response replaces the one passed in. */
export type Hook = (r: Response, options: SendOptions) => Response | void | Promise<Response | void>

export interface HooksInput {
  readonly response?: Hook | readonly Hook[] | null
}

/** Scheme (`http`, `https`, `all`) or `scheme://host` → proxy URL; `null` removes a session entry. */
export type ProxiesInput = Readonly<Record<string, string | null | undefined>>

/** Verify against Node's CA store (`true`), not at all (`false`), or a CA bundle file/directory. */
export type VerifyInput = boolean | string

/** A PEM holding cert and key, `[certPath, keyPath]`, or the pieces (paths or PEM buffers). */
export type CertInput =
  | string
  | readonly [cert: string, key: string]
  | { readonly cert: string | Buffer; readonly key: string | Buffer; readonly passphrase?: string }

export interface RequestOptions {
  params?: ParamsInput | null
  data?: DataInput | null
  json?: unknown
  headers?: HeadersInput | null
  cookies?: Readonly<Record<string, string>> | RequestsCookieJar | null
  files?: FilesInput | null
  auth?: AuthInput | null
  timeout?: TimeoutInput | null
  allowRedirects?: boolean
  proxies?: ProxiesInput | null
  verify?: VerifyInput | null
  cert?: CertInput | null
  stream?: boolean | null
  hooks?: HooksInput | null
  signal?: AbortSignal | null
  /** The most bytes the decoded body may have; more is ContentDecodingError BODY_TOO_LARGE (default: no limit). */
  maxBodySize?: number | null
}

/** What an adapter needs besides the prepared request: Requests' `send(**kwargs)`. */
export interface SendOptions {
  readonly stream: boolean
  readonly timeout: Timeouts
  readonly verify: VerifyInput
  readonly cert: CertInput | null
  readonly proxies: Readonly<Record<string, string>>
  readonly allowRedirects: boolean
  readonly signal: AbortSignal | null
  /** Cap on decoded body bytes; null leaves it to the adapter's default (none unless set). */
  readonly maxBodySize: number | null
  /**
   * performance.now() by which the whole call must be over, from `timeout.total`: every exchange
   * of the call (redirect hops, retries, an auth round trip) gets only what is left of it.
   */
  readonly deadline?: number | null
}

/** The timeouts for the next exchange of a call: `total` shrunk to what is left before the deadline. */
export function timeoutsLeft(options: SendOptions, url: string): Timeouts {
  const deadline = options.deadline
  if (deadline === null || deadline === undefined) return options.timeout
  const left = deadline - performance.now()
  if (left <= 0) {
    throw new ReadTimeout(`the request took longer than its total timeout for url: ${url}`, { url, code: 'TOTAL_TIMEOUT' })
  }
  return { ...options.timeout, total: left }
}

/** Timeouts in milliseconds after normalizing a TimeoutInput; a missing phase has no limit. */
export interface Timeouts {
  readonly connect?: number
  readonly read?: number
  readonly total?: number
}

const NO_TIMEOUTS: Timeouts = Object.freeze({})

/** Requests' timeout forms, checked: a negative or non-finite number is a caller's mistake. */
export function normalizeTimeout(input: TimeoutInput | null | undefined): Timeouts {
  if (input === null || input === undefined) return NO_TIMEOUTS
  if (typeof input === 'number') {
    const ms = checkMs(input, 'timeout')
    return { connect: ms, read: ms }
  }
  if (Array.isArray(input)) {
    const pair = input as readonly [number | null | undefined, number | null | undefined]
    if (pair.length !== 2) {
      throw new TypeError(`timeout must be a number, [connect, read] or { connect, read, total }: got an array of ${pair.length}`)
    }
    return phases(pair[0], pair[1], undefined)
  }
  const named = input as { connect?: number | null; read?: number | null; total?: number | null }
  return phases(named.connect, named.read, named.total)
}

function phases(connect: number | null | undefined, read: number | null | undefined, total: number | null | undefined): Timeouts {
  const out: { connect?: number; read?: number; total?: number } = {}
  if (connect !== null && connect !== undefined) out.connect = checkMs(connect, 'timeout.connect')
  if (read !== null && read !== undefined) out.read = checkMs(read, 'timeout.read')
  if (total !== null && total !== undefined) out.total = checkMs(total, 'timeout.total')
  return out
}

function checkMs(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${what} must be a finite number of milliseconds >= 0: got ${String(value)}`)
  }
  return value
}
