// Retry: urllib3's immutable retry policy, in milliseconds. Each failed attempt makes a new
// Retry with one fewer try left and the attempt in its history, so one policy object can be
// shared by every request of an adapter. Retries of stale keep-alive sockets are not counted
// here: the pool does those itself, once, when they are safe.

import { RetryError } from './errors.js'

export interface RetryOptions {
  /** Attempts after the first, over every kind (default 10, as urllib3). `false`: never retry. */
  total?: number | false
  /** Failures to connect; nothing reached the server, so any method may be retried. */
  connect?: number | null
  /** Failures after the request was sent; only allowed methods. `false` never retries them. */
  read?: number | false | null
  /** Responses whose status is in statusForcelist. */
  status?: number | null
  /** Sleep `backoffFactor * 2 ** (retry - 1)` ms before each retry but the first (urllib3 ≥ 2 sleeps before the first too only with jitter; we keep the simple rule). */
  backoffFactor?: number
  /** The longest backoff sleep, ms (default 120000). */
  backoffMax?: number
  /** Statuses that cause a retry of an allowed method. */
  statusForcelist?: Iterable<number>
  /** Methods that may be retried after a read failure or a forcelisted status (upper case). */
  allowedMethods?: Iterable<string> | false
  /** Honour Retry-After (seconds or an HTTP date) on 413, 429 and 503 (default true). */
  respectRetryAfterHeader?: boolean
  /** When statuses exhaust the retries, throw RetryError (true, default) or return the last response. */
  raiseOnStatus?: boolean
}

/** One attempt that failed, kept in the policy's history. */
export interface RetryAttempt {
  readonly method: string
  readonly url: string
  readonly error: Error | null
  readonly status: number | null
}

/** urllib3's Retry.DEFAULT_ALLOWED_METHODS: the idempotent methods (RFC 9110 §9.2.2). */
export const DEFAULT_ALLOWED_METHODS: ReadonlySet<string> = new Set(['HEAD', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([413, 429, 503])

export type FailureKind = 'connect' | 'read'

export class Retry {
  readonly total: number | false
  readonly connect: number | null
  readonly read: number | false | null
  readonly status: number | null
  readonly backoffFactor: number
  readonly backoffMax: number
  readonly statusForcelist: ReadonlySet<number>
  readonly allowedMethods: ReadonlySet<string> | false
  readonly respectRetryAfterHeader: boolean
  readonly raiseOnStatus: boolean
  readonly history: readonly RetryAttempt[]

  constructor(options: RetryOptions = {}, history: readonly RetryAttempt[] = []) {
    this.total = options.total ?? 10
    this.connect = options.connect ?? null
    this.read = options.read ?? null
    this.status = options.status ?? null
    this.backoffFactor = options.backoffFactor ?? 0
    this.backoffMax = options.backoffMax ?? 120_000
    this.statusForcelist = new Set(options.statusForcelist ?? [])
    this.allowedMethods = options.allowedMethods === false ? false : new Set([...(options.allowedMethods ?? DEFAULT_ALLOWED_METHODS)].map((m) => m.toUpperCase()))
    this.respectRetryAfterHeader = options.respectRetryAfterHeader ?? true
    this.raiseOnStatus = options.raiseOnStatus ?? true
    this.history = history
    for (const [name, value] of [['total', this.total], ['connect', this.connect], ['read', this.read], ['status', this.status]] as const) {
      if (typeof value === 'number' && (!Number.isInteger(value) || value < 0)) {
        throw new RangeError(`Retry ${name} must be a whole number >= 0: got ${value}`)
      }
    }
    // A negative or NaN factor would make backoff() negative or NaN, which sleep() reads as
    // "no wait" or (setTimeout's NaN) 1 ms: a mistake better reported than guessed at.
    if (!Number.isFinite(this.backoffFactor) || this.backoffFactor < 0) {
      throw new RangeError(`Retry backoffFactor must be a finite number >= 0: got ${this.backoffFactor}`)
    }
    if (Number.isNaN(this.backoffMax) || this.backoffMax < 0) {
      throw new RangeError(`Retry backoffMax must be a number >= 0: got ${this.backoffMax}`)
    }
  }

  /**
   * Requests' `max_retries`: a number retries failed connections that many times and never
   * anything that may have reached the server (urllib3 `Retry(n, read=False)`).
   */
  static from(maxRetries: number | Retry | null | undefined): Retry {
    if (maxRetries instanceof Retry) return maxRetries
    return new Retry({ total: maxRetries ?? 0, read: false })
  }

  /** Whether a response with this status should be retried (before counting). */
  shouldRetryStatus(method: string, status: number, hasRetryAfter: boolean): boolean {
    if (this.total === false) return false
    if (!this.#methodAllowed(method)) return false
    if (this.statusForcelist.has(status)) return true
    // urllib3's `self.total and …`: Retry-After alone asks for a retry only while some are left.
    // Without this, Requests' default Retry(0, read=False) would turn every 503 with Retry-After
    // into a RetryError instead of returning it.
    return this.total > 0 && this.respectRetryAfterHeader && hasRetryAfter && RETRY_AFTER_STATUSES.has(status)
  }

  /** Whether a failure of this kind may be retried at all (before counting). */
  shouldRetryFailure(method: string, kind: FailureKind): boolean {
    if (this.total === false) return false
    if (kind === 'connect') return this.connect !== 0
    return this.read !== false && this.read !== 0 && this.#methodAllowed(method)
  }

  /** The policy after one more failed attempt; RetryError once a counter is spent. */
  increment(attempt: RetryAttempt, kind: FailureKind | 'status'): Retry {
    const next = (n: number | null): number | null => (n === null ? null : n - 1)
    const total = this.total === false ? false : this.total - 1
    const connect = kind === 'connect' ? next(this.connect) : this.connect
    const read = kind === 'read' && this.read !== false ? next(this.read) : this.read
    const status = kind === 'status' ? next(this.status) : this.status
    const spent = [total, connect, read, status].some((n) => typeof n === 'number' && n < 0)
    if (spent) {
      const why = attempt.error !== null ? attempt.error.message : `too many ${attempt.status} error responses`
      throw new RetryError(`max retries exceeded for ${attempt.method} ${attempt.url}: ${why}`, {
        url: attempt.url,
        cause: attempt.error ?? undefined,
        code: 'MAX_RETRIES',
      })
    }
    const retry = new Retry({
      total, connect, read, status,
      backoffFactor: this.backoffFactor, backoffMax: this.backoffMax,
      statusForcelist: this.statusForcelist, allowedMethods: this.allowedMethods,
      respectRetryAfterHeader: this.respectRetryAfterHeader, raiseOnStatus: this.raiseOnStatus,
    }, [...this.history, attempt])
    return retry
  }

  /** Milliseconds to wait before the next attempt: exponential backoff, capped. */
  backoff(): number {
    const consecutive = this.history.length
    if (consecutive <= 1 || this.backoffFactor === 0) return 0
    return Math.min(this.backoffMax, this.backoffFactor * 2 ** (consecutive - 1))
  }

  /** Retry-After as milliseconds (RFC 9110 §10.2.3: seconds or an HTTP-date), or null. */
  static parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
    if (value === undefined) return null
    const trimmed = value.trim()
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
    const date = parseHttpDate(trimmed, now)
    if (date === null) return null
    return Math.max(0, date - now)
  }

  #methodAllowed(method: string): boolean {
    return this.allowedMethods === false ? true : this.allowedMethods.has(method)
  }
}

// RFC 9110 §5.6.7 HTTP-date, and nothing else: Date.parse would also take "-1", "1.5" or
// "foo 2099" (as dates in 2001 or 2099) and read a date without a zone in local time, so a
// garbage Retry-After could put the client to sleep for years. Day and month names are matched
// ignoring case; the day name is not checked against the date, as most recipients do.
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun), (\\d{2}) ([a-z]{3}) (\\d{4}) ${TIME} GMT$`, 'i')
/** Obsolete RFC 850 date: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday), (\\d{2})-([a-z]{3})-(\\d{2}) ${TIME} GMT$`, 'i')
/** asctime: `Sun Nov  6 08:49:37 1994` (the day padded with a space). */
const ASCTIME_DATE = new RegExp(`^(?:mon|tue|wed|thu|fri|sat|sun) ([a-z]{3}) ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i')

/** Milliseconds since the epoch of an HTTP-date, or null when `value` is not one. */
function parseHttpDate(value: string, now: number): number | null {
  let fields: { day: string; month: string; year: number; hh: string; mm: string; ss: string }
  let m: RegExpExecArray | null
  if ((m = IMF_FIXDATE.exec(value)) !== null) {
    fields = { day: m[1] ?? '', month: m[2] ?? '', year: Number(m[3]), hh: m[4] ?? '', mm: m[5] ?? '', ss: m[6] ?? '' }
  } else if ((m = RFC850_DATE.exec(value)) !== null) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    let year = 2000 + Number(m[3])
    if (year > new Date(now).getUTCFullYear() + 50) year -= 100
    fields = { day: m[1] ?? '', month: m[2] ?? '', year, hh: m[4] ?? '', mm: m[5] ?? '', ss: m[6] ?? '' }
  } else if ((m = ASCTIME_DATE.exec(value)) !== null) {
    fields = { month: m[1] ?? '', day: m[2] ?? '', hh: m[3] ?? '', mm: m[4] ?? '', ss: m[5] ?? '', year: Number(m[6]) }
  } else {
    return null
  }
  const month = MONTHS.indexOf(fields.month.toLowerCase())
  const day = Number(fields.day.trim())
  const [h, min, sec] = [Number(fields.hh), Number(fields.mm), Number(fields.ss)]
  // 60 seconds is a leap second, which the grammar allows; it lands on the next minute.
  if (month < 0 || h > 23 || min > 59 || sec > 60) return null
  // 31 Feb and the like: Date.UTC would roll over into the next month; refuse instead.
  if (day < 1 || new Date(Date.UTC(fields.year, month, day)).getUTCDate() !== day) return null
  return Date.UTC(fields.year, month, day, h, min, sec)
}
