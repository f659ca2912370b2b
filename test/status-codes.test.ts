// codes holds every name of Requests' status_codes.py (2.34), with the upper-case variants Requests
// adds, and cannot be changed; reasonPhrase is the RFC table used when a server sends no reason.

import t from 'tap'
import { codes, reasonPhrase } from '../lib/status-codes.js'

t.test('a sample of every class has its number', async t => {
  const sample: Array<[string, number]> = [
    ['continue', 100], ['switching_protocols', 101], ['processing', 102], ['checkpoint', 103],
    ['ok', 200], ['created', 201], ['no_content', 204], ['partial_content', 206], ['im_used', 226],
    ['moved_permanently', 301], ['found', 302], ['see_other', 303], ['not_modified', 304],
    ['temporary_redirect', 307], ['permanent_redirect', 308], ['resume_incomplete', 308],
    ['bad_request', 400], ['unauthorized', 401], ['forbidden', 403], ['not_found', 404],
    ['request_timeout', 408], ['im_a_teapot', 418], ['teapot', 418], ['i_am_a_teapot', 418],
    ['too_many_requests', 429], ['unavailable_for_legal_reasons', 451], ['client_closed_request', 499],
    ['internal_server_error', 500], ['bad_gateway', 502], ['service_unavailable', 503],
    ['gateway_timeout', 504], ['bandwidth_limit_exceeded', 509], ['network_authentication_required', 511],
  ]
  for (const [name, code] of sample) t.equal(codes[name], code, name)
})

t.test('every alias of 200 is 200', async t => {
  for (const name of ['ok', 'okay', 'all_ok', 'all_okay', 'all_good', '\\o/', '✓']) t.equal(codes[name], 200, name)
})

t.test('known names type as numbers', async t => {
  const ok: number = codes.ok
  const teapot: number = codes.teapot
  t.equal(ok + teapot, 618)
})

t.test('the names from the API examples', async t => {
  t.equal(codes.ok, 200)
  t.equal(codes.OK, 200)
  t.equal(codes.okay, 200)
  t.equal(codes.teapot, 418)
  t.equal(codes['\\o/'], 200)
  t.equal(codes.temporary_redirect, 307)
})

t.test('every name has an upper-case twin unless it starts with a backslash or a slash', async t => {
  t.equal(codes.NOT_FOUND, 404)
  t.equal(codes.I_AM_A_TEAPOT, 418)
  t.equal(codes.TEMPORARY_REDIRECT, 307)
  t.equal(codes['-O-'], 404)
  t.equal(codes['EARLY-HINTS'], 102)
  t.equal(codes['✓'], 200, '✓ upper-cases to itself')
  t.equal(codes['\\O/'], undefined)
  t.equal(codes['\\O-'], undefined)
  t.equal(codes['/O\\'], undefined)
})

t.test('the emoticon names', async t => {
  t.equal(codes['\\o/'], 200)
  t.equal(codes['\\o-'], 301)
  t.equal(codes['-o-'], 404)
  t.equal(codes['/o\\'], 500)
  t.equal(codes['✗'], 500)
})

t.test('a name listed under two codes keeps the later one, as Requests leaves it', async t => {
  t.equal(codes.precondition, 428)
  t.equal(codes.PRECONDITION, 428)
  t.equal(codes.uri_too_long, 414)
  t.equal(codes.request_uri_too_long, 122)
  t.equal(codes['early-hints'], 102)
  t.equal(codes.too_early, 425)
  t.equal(codes.none, 444)
})

t.test('the table has exactly the 243 names Requests 2.34 has', async t => {
  t.equal(Object.keys(codes).length, 243)
})

t.test('codes cannot be changed', async t => {
  const writable = codes as Record<string, number | undefined>
  t.ok(Object.isFrozen(codes))
  t.throws(() => { writable.ok = 201 }, TypeError)
  t.throws(() => { writable.brand_new = 299 }, TypeError)
  t.throws(() => { delete writable.ok }, TypeError)
  t.equal(codes.ok, 200)
  t.equal(codes.brand_new, undefined)
})

t.test('codes has no prototype, so Object methods are not status codes', async t => {
  t.equal(Object.getPrototypeOf(codes), null)
  t.equal(codes.constructor, undefined)
  t.equal(codes.toString, undefined)
  t.equal(codes.__proto__, undefined)
  t.notOk('hasOwnProperty' in codes)
})

t.test('an unknown name is undefined, as Requests answers None', async t => {
  t.equal(codes.nonsense, undefined)
  t.equal(codes[''], undefined)
})

t.test('reasonPhrase gives the RFC 9110 phrases', async t => {
  t.equal(reasonPhrase(200), 'OK')
  t.equal(reasonPhrase(204), 'No Content')
  t.equal(reasonPhrase(308), 'Permanent Redirect')
  t.equal(reasonPhrase(404), 'Not Found')
  t.equal(reasonPhrase(413), 'Content Too Large')
  t.equal(reasonPhrase(422), 'Unprocessable Content')
  t.equal(reasonPhrase(505), 'HTTP Version Not Supported')
})

t.test('reasonPhrase knows the registered codes outside RFC 9110, and the teapot', async t => {
  t.equal(reasonPhrase(103), 'Early Hints')
  t.equal(reasonPhrase(418), "I'm a Teapot")
  t.equal(reasonPhrase(429), 'Too Many Requests')
  t.equal(reasonPhrase(451), 'Unavailable For Legal Reasons')
  t.equal(reasonPhrase(511), 'Network Authentication Required')
})

t.test('reasonPhrase is undefined for unregistered and unused codes', async t => {
  t.equal(reasonPhrase(299), undefined)
  t.equal(reasonPhrase(306), undefined)
  t.equal(reasonPhrase(499), undefined)
  t.equal(reasonPhrase(0), undefined)
  t.equal(reasonPhrase(200.5), undefined)
})

t.test('every code with a reason phrase is between 100 and 599', async t => {
  const outside: number[] = []
  for (let status = 0; status < 1000; status++) {
    if (reasonPhrase(status) !== undefined && (status < 100 || status > 599)) outside.push(status)
  }
  t.same(outside, [])
})

t.test("httpbin's NOT FOUND is the 404 phrase upper-cased, as Werkzeug sends it", async t => {
  t.equal(reasonPhrase(404)?.toUpperCase(), 'NOT FOUND')
})
