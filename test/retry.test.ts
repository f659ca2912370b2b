// The Retry policy on its own (lib/retry.ts): urllib3's immutable counters, which failures and
// statuses may be retried, backoff, Retry-After parsing and option checking. The adapter that
// applies it is tested against raw servers in adapter.test.ts.

import t from 'tap'
import { DEFAULT_ALLOWED_METHODS, Retry, type RetryAttempt } from '../lib/retry.js'
import { ConnectionError, RetryError } from '../lib/errors.js'

const URL_ = 'http://127.0.0.1:1/x'

function failure(message = 'connection refused'): RetryAttempt {
  return { method: 'GET', url: URL_, error: new ConnectionError(message), status: null }
}

function statusAttempt(status: number): RetryAttempt {
  return { method: 'GET', url: URL_, error: null, status }
}

/** Increments `retry` `n` times with the same kind and returns the last policy. */
function spend(retry: Retry, n: number, kind: 'connect' | 'read' | 'status'): Retry {
  let r = retry
  for (let i = 0; i < n; i++) r = r.increment(kind === 'status' ? statusAttempt(503) : failure(), kind)
  return r
}

t.test('Retry.from(3) retries connect failures 3 times and read failures never', async t => {
  const retry = Retry.from(3)
  t.equal(retry.total, 3)
  t.equal(retry.read, false)
  t.ok(retry.shouldRetryFailure('GET', 'connect'))
  t.ok(retry.shouldRetryFailure('POST', 'connect'), 'nothing reached the server: any method')
  t.notOk(retry.shouldRetryFailure('GET', 'read'))
  const spent = spend(retry, 3, 'connect')
  t.equal(spent.total, 0)
  t.equal(spent.history.length, 3)
  t.throws(() => spent.increment(failure(), 'connect'), RetryError)
})

t.test('Retry.from takes a number, null or undefined (no retries), and passes a Retry through', async t => {
  const policy = new Retry({ total: 5 })
  t.equal(Retry.from(policy), policy)
  t.equal(Retry.from(null).total, 0)
  t.equal(Retry.from(undefined).total, 0)
  t.equal(Retry.from(0).read, false)
})

t.test('the defaults are urllib3\'s', async t => {
  const retry = new Retry()
  t.equal(retry.total, 10)
  t.equal(retry.connect, null)
  t.equal(retry.read, null)
  t.equal(retry.status, null)
  t.equal(retry.backoffFactor, 0)
  t.equal(retry.backoffMax, 120_000)
  t.equal(retry.respectRetryAfterHeader, true)
  t.equal(retry.raiseOnStatus, true)
  t.same([...(retry.allowedMethods as ReadonlySet<string>)].sort(), [...DEFAULT_ALLOWED_METHODS].sort())
  t.notOk(DEFAULT_ALLOWED_METHODS.has('POST'))
  t.notOk(DEFAULT_ALLOWED_METHODS.has('PATCH'))
  t.same(retry.history, [])
})

t.test('the total counter counts every kind of failure', async t => {
  const retry = new Retry({ total: 3 })
  const after = retry.increment(failure(), 'connect').increment(failure(), 'read').increment(statusAttempt(503), 'status')
  t.equal(after.total, 0)
  t.throws(() => after.increment(failure(), 'read'), RetryError)
})

t.test('the connect counter runs out on its own while total has some left', async t => {
  const retry = new Retry({ total: 10, connect: 1 })
  const once = retry.increment(failure(), 'connect')
  t.equal(once.connect, 0)
  t.equal(once.total, 9)
  t.notOk(once.shouldRetryFailure('GET', 'connect'), 'a spent counter is not retried at all')
  t.throws(() => once.increment(failure(), 'connect'), RetryError)
  t.equal(once.increment(failure(), 'read').connect, 0, 'other kinds leave it alone')
})

t.test('the read counter runs out on its own and applies only to allowed methods', async t => {
  const retry = new Retry({ total: 10, read: 2 })
  t.ok(retry.shouldRetryFailure('GET', 'read'))
  t.ok(retry.shouldRetryFailure('PUT', 'read'))
  t.notOk(retry.shouldRetryFailure('POST', 'read'), 'a POST may have done its work already')
  t.notOk(retry.shouldRetryFailure('PATCH', 'read'))
  const twice = spend(retry, 2, 'read')
  t.equal(twice.read, 0)
  t.notOk(twice.shouldRetryFailure('GET', 'read'))
  t.throws(() => twice.increment(failure(), 'read'), RetryError)
  t.notOk(new Retry({ read: false }).shouldRetryFailure('GET', 'read'), 'read: false never retries them')
})

t.test('the status counter runs out on its own', async t => {
  const retry = new Retry({ total: 10, status: 1, statusForcelist: [503] })
  const once = retry.increment(statusAttempt(503), 'status')
  t.equal(once.status, 0)
  t.equal(once.total, 9)
  t.throws(() => once.increment(statusAttempt(503), 'status'), RetryError)
  t.equal(once.increment(failure(), 'connect').status, 0, 'other kinds leave it alone')
})

t.test('total: false never retries anything and is never spent by the total', async t => {
  const retry = new Retry({ total: false, statusForcelist: [503] })
  t.notOk(retry.shouldRetryFailure('GET', 'connect'))
  t.notOk(retry.shouldRetryFailure('GET', 'read'))
  t.notOk(retry.shouldRetryStatus('GET', 503, false))
  t.equal(spend(retry, 20, 'connect').total, false)
})

t.test('increment returns a new policy and never changes the one it was called on', async t => {
  const retry = new Retry({ total: 3, connect: 2, read: 2, status: 2, backoffFactor: 5, backoffMax: 50, statusForcelist: [502], allowedMethods: ['get', 'post'], respectRetryAfterHeader: false, raiseOnStatus: false })
  const first = failure('one')
  const next = retry.increment(first, 'connect')
  t.not(next, retry)
  t.equal(retry.total, 3, 'the old policy keeps its counters')
  t.equal(retry.connect, 2)
  t.same(retry.history, [])
  t.equal(next.total, 2)
  t.equal(next.connect, 1)
  t.equal(next.history.length, 1)
  t.equal(next.history[0], first, 'the attempt goes in the history as given')

  const second = statusAttempt(502)
  const third = next.increment(second, 'status')
  t.equal(next.history.length, 1, 'the history of the previous policy does not grow')
  t.same(third.history, [first, second], 'the history grows, oldest first')
  t.equal(third.status, 1)
  t.equal(third.connect, 1)

  // Every setting carries over.
  t.equal(third.backoffFactor, 5)
  t.equal(third.backoffMax, 50)
  t.same([...third.statusForcelist], [502])
  t.same([...(third.allowedMethods as ReadonlySet<string>)].sort(), ['GET', 'POST'], 'methods upper-cased')
  t.equal(third.respectRetryAfterHeader, false)
  t.equal(third.raiseOnStatus, false)
})

t.test('a spent policy throws RetryError with code MAX_RETRIES, the URL and the failure as cause', async t => {
  const spent = Retry.from(0)
  const attempt = failure('ECONNREFUSED')
  const err = t.throws(() => spent.increment(attempt, 'connect')) as unknown
  t.type(err, RetryError)
  const retryError = err as RetryError
  t.equal(retryError.code, 'MAX_RETRIES')
  t.equal(retryError.url, URL_)
  t.equal(retryError.cause, attempt.error)
  t.match(retryError.message, /max retries exceeded for GET http:\/\/127\.0\.0\.1:1\/x: ECONNREFUSED/)

  const statusErr = t.throws(() => new Retry({ total: 0, statusForcelist: [503] }).increment(statusAttempt(503), 'status')) as unknown
  t.type(statusErr, RetryError)
  t.match((statusErr as RetryError).message, /too many 503 error responses/)
  t.equal((statusErr as RetryError).cause, undefined)
})

t.test('shouldRetryStatus: a forcelisted status of an allowed method', async t => {
  const retry = new Retry({ total: 3, statusForcelist: [500, 503] })
  t.ok(retry.shouldRetryStatus('GET', 503, false))
  t.ok(retry.shouldRetryStatus('GET', 500, false))
  t.ok(retry.shouldRetryStatus('DELETE', 500, false))
  t.notOk(retry.shouldRetryStatus('GET', 502, false), 'not in the list')
  t.notOk(retry.shouldRetryStatus('GET', 200, false))
  t.notOk(retry.shouldRetryStatus('POST', 503, false), 'POST is not retried by default')
  t.notOk(retry.shouldRetryStatus('PATCH', 503, false))
})

t.test('shouldRetryStatus: allowedMethods lets POST be retried, false lets every method', async t => {
  const withPost = new Retry({ total: 3, statusForcelist: [503], allowedMethods: ['GET', 'post'] })
  t.ok(withPost.shouldRetryStatus('POST', 503, false))
  t.notOk(withPost.shouldRetryStatus('PUT', 503, false), 'the list replaces the default one')
  const any = new Retry({ total: 3, statusForcelist: [503], allowedMethods: false })
  for (const method of ['POST', 'PATCH', 'GET', 'BREW']) t.ok(any.shouldRetryStatus(method, 503, false), method)
  t.ok(any.shouldRetryFailure('POST', 'read'), 'allowedMethods: false lets read failures of any method be retried too')
})

t.test('shouldRetryStatus: Retry-After on 413, 429 and 503 is retried without a forcelist', async t => {
  const retry = new Retry({ total: 3 })
  for (const status of [413, 429, 503]) {
    t.ok(retry.shouldRetryStatus('GET', status, true), `${status} with Retry-After`)
    t.notOk(retry.shouldRetryStatus('GET', status, false), `${status} without`)
  }
  for (const status of [500, 502, 301, 401]) t.notOk(retry.shouldRetryStatus('GET', status, true), `${status} is not a Retry-After status`)
  t.notOk(retry.shouldRetryStatus('POST', 503, true), 'still only allowed methods')
  t.notOk(new Retry({ total: 3, respectRetryAfterHeader: false }).shouldRetryStatus('GET', 503, true), 'unless the header is not respected')
})

t.test('shouldRetryStatus: Retry-After alone is not retried when no retries are left, as urllib3 (`self.total and …`)', async t => {
  // Requests' default max_retries is Retry(0, read=False): a 503 with Retry-After must come back
  // as a response, not end in RetryError.
  t.notOk(Retry.from(0).shouldRetryStatus('GET', 503, true))
  t.notOk(new Retry({ total: 0 }).shouldRetryStatus('GET', 429, true))
  t.notOk(spend(new Retry({ total: 2 }), 2, 'connect').shouldRetryStatus('GET', 503, true), 'nor once the retries are spent')
  t.ok(new Retry({ total: 0, statusForcelist: [503] }).shouldRetryStatus('GET', 503, true), 'a forcelisted status still is (and then RetryError)')
})

t.test('backoff is 0 for the first retry, then factor * 2 ** (n - 1), capped by backoffMax', async t => {
  let retry = new Retry({ total: 10, backoffFactor: 2, backoffMax: 20 })
  t.equal(retry.backoff(), 0, 'nothing failed yet')
  const waits: number[] = []
  for (let i = 0; i < 6; i++) {
    retry = retry.increment(failure(), 'connect')
    waits.push(retry.backoff())
  }
  t.same(waits, [0, 4, 8, 16, 20, 20])
  const noFactor = spend(new Retry({ total: 10 }), 5, 'connect')
  t.equal(noFactor.backoff(), 0, 'backoffFactor 0 never sleeps')
  const uncapped = spend(new Retry({ total: 30, backoffFactor: 1 }), 20, 'connect')
  t.equal(uncapped.backoff(), 120_000, 'the default cap is 120 s')
})

t.test('Retry.parseRetryAfter reads seconds', async t => {
  t.equal(Retry.parseRetryAfter('0'), 0)
  t.equal(Retry.parseRetryAfter('5'), 5000)
  t.equal(Retry.parseRetryAfter(' 120 '), 120_000, 'surrounding whitespace is allowed')
  t.equal(Retry.parseRetryAfter(undefined), null)
  t.equal(Retry.parseRetryAfter(''), null)
})

t.test('Retry.parseRetryAfter reads an HTTP date relative to now, never negative', async t => {
  const now = Date.UTC(2015, 9, 21, 7, 28, 0)
  t.equal(Retry.parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000, 'IMF-fixdate')
  t.equal(Retry.parseRetryAfter('Wednesday, 21-Oct-15 07:28:10 GMT', now), 10_000, 'obsolete RFC 850 date')
  t.equal(Retry.parseRetryAfter('Wed Oct 21 07:28:05 2015', now), 5000, 'asctime, which is GMT too')
  t.equal(Retry.parseRetryAfter('Thu Oct  22 07:28:00 2015', now), null, 'asctime pads the day to two characters, no more')
  t.equal(Retry.parseRetryAfter('Thu Oct 22 07:28:00 2015', now), 86_400_000)
  t.equal(Retry.parseRetryAfter('Sat Nov  1 07:28:00 2015', now), 11 * 86_400_000, 'a one-digit day after a space')
  t.equal(Retry.parseRetryAfter('wed, 21 oct 2015 07:28:01 GMT', now), 1000, 'names in any case')
  t.equal(Retry.parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0, 'a date in the past means now')
})

t.test('Retry.parseRetryAfter refuses what is neither seconds nor an HTTP date', async t => {
  const now = Date.UTC(2015, 9, 21, 7, 28, 0)
  // Date.parse takes all of these (as dates in 2001 or 2099, some in local time): a lenient parse
  // would have a garbage header put the client to sleep for years.
  for (const value of ['-1', '1.5', 'soon', 'foo 2099', 'in 2099', '2030-01-01', '5s', '1e3', '0x10', 'Wed, 21 Oct 2015 07:28:30', 'Wed, 31 Feb 2015 07:28:30 GMT', 'Wed, 21 Oct 2015 25:28:30 GMT']) {
    t.equal(Retry.parseRetryAfter(value, now), null, JSON.stringify(value))
  }
})

t.test('invalid counters and backoff settings are refused with RangeError', async t => {
  for (const options of [{ total: -1 }, { total: 1.5 }, { connect: -1 }, { read: 2.5 }, { status: Number.NaN }, { total: Number.POSITIVE_INFINITY }]) {
    t.throws(() => new Retry(options), RangeError, JSON.stringify(options))
  }
  for (const options of [{ backoffFactor: -1 }, { backoffFactor: Number.NaN }, { backoffMax: -5 }, { backoffMax: Number.NaN }]) {
    t.throws(() => new Retry(options), RangeError, JSON.stringify(options))
  }
  t.doesNotThrow(() => new Retry({ total: 0, connect: 0, read: 0, status: 0, backoffFactor: 0.5, backoffMax: 0 }))
  t.throws(() => Retry.from(-1), RangeError)
})
