// Differential vectors: what the real Python Requests answers for its pure functions (URL
// preparation, quoting, Link and Content-Type parsing, proxies, bodies, multipart, Basic auth,
// status codes, merging), replayed against reqwire's equivalents. The vectors are data, made once
// by test/fixtures/requests-vectors/generate.py (see its header for the versions and how to run
// it again); this test needs no Python.
//
// Every vector either matches, or is listed below: in EXPECTED_DIFFERENCES when API.md or the
// README ("What differs") documents the difference (checked to still differ, so the table stays
// true), or in KNOWN_BUGS, kept as a tap `todo` naming the bug until lib/ is fixed. A mismatch
// listed nowhere fails.

import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { HTTPBasicAuth, HTTPProxyAuth } from '../lib/auth.js'
import { guessJsonUtf, encodingFromContentType } from '../lib/encodings.js'
import { parseLinks } from '../lib/links.js'
import { Percent, quote } from '../lib/percent-encoding.js'
import { resolveProxies, selectProxy, shouldBypassProxies } from '../lib/proxies.js'
import { PreparedRequest, Request } from '../lib/request.js'
import { Session } from '../lib/session.js'
import { codes } from '../lib/status-codes.js'
import { CaseInsensitiveDict } from '../lib/structures.js'
import { authFromUrl, requoteUri, stripUserinfoAndFragment } from '../lib/urls.js'

// ---------------------------------------------------------------------------------------------
// The vectors

interface Vector {
  id: string
  input: Record<string, unknown>
  expect: Record<string, unknown>
}

interface VectorFile {
  versions: Record<string, string>
  multipart_boundary: string
  groups: Record<string, { area: string; vectors: Vector[] }>
}

const file = JSON.parse(readFileSync(new URL('./fixtures/requests-vectors/vectors.json', import.meta.url), 'utf8')) as VectorFile

/** The generator's encoding of Python values (see generate.py): $dict, $bytes, $float, arrays. */
function dec(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dec)
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    if ('$dict' in o) return Object.fromEntries((o.$dict as [string, unknown][]).map(([k, x]) => [k, dec(x)]))
    if ('$bytes' in o) return Buffer.from(o.$bytes as string, 'hex')
    if ('$float' in o) return o.$float === 'nan' ? NaN : o.$float === 'inf' ? Infinity : -Infinity
  }
  return v
}

/** Python None means "not given" for a keyword argument: undefined here. */
function arg(v: unknown): unknown {
  const d = dec(v)
  return d === null ? undefined : d
}

/** What a thrown error is called: reqwire raises classes of the names Requests uses. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err
}

function attempt(fn: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return fn()
  } catch (err) {
    return { error: errorName(err) }
  }
}

/** A JSON copy, so that null-prototype records (parseLinks) compare equal to plain objects. */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v)) as unknown
}

/** A vector's input for a test name: JSON, with the characters TAP readers take for line breaks escaped. */
function describe(vector: Vector): string {
  const json = JSON.stringify(vector.input).replace(/[\u007f-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `${vector.id} ${json}`
}

function bodyHex(body: unknown): string | null {
  if (body === null || body === undefined) return null
  if (typeof body === 'string') return Buffer.from(body, 'utf8').toString('hex')
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('hex')
  return `<${Object.prototype.toString.call(body)}>`
}

function lowerHeaders(headers: CaseInsensitiveDict<string>): Record<string, string> {
  return Object.fromEntries([...headers.lowerItems()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

function sortedObject(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

// ---------------------------------------------------------------------------------------------
// Documented differences (API.md "Deliberate differences from Requests", README "What differs").
// Each vector here must still differ from Requests; when one starts to match, the entry is stale.

const CRLF_NUL_URL = 'API.md: URLs holding CR, LF or NUL are refused before anything is sent (InvalidURL); Requests percent-encodes them'
const CRLF_PART = 'README "What differs" and Safety table: CR, LF or NUL in a multipart name or filename is refused (InvalidHeader); urllib3 writes %0A / %0D'
// Requests encodes str credentials as Latin-1 (and raises UnicodeEncodeError for anything outside
// it), reqwire encodes UTF-8 (RFC 7617 §2.1).
const UTF8_BASIC = 'README, smaller differences: Basic credentials are encoded as UTF-8, Requests encodes Latin-1 (lib/auth.ts basicAuthHeader)'

// Departures lib/ makes on purpose, listed in the README's "Smaller differences" (found by these vectors).
const SURROGATE = 'README, smaller differences: a lone surrogate in a URL is encoded as U+FFFD (%EF%BF%BD); Requests (urllib3, surrogatepass) writes %ED%A0%BD'
const PORT_ZERO = 'README, smaller differences: port 0 is refused (InvalidURL); Requests drops it (http://example.com:0/ → http://example.com/)'
const HOST_CHARS = 'README, smaller differences: a host with characters outside an RFC 3986 reg-name is refused (InvalidURL); Requests sends http://ex%20ample.com/, http://%20host/ and decodes http://h%41st/ to http://hAst/'
const URL_CONTROLS = 'README, smaller differences: TAB, U+0001 and DEL in a URL are refused (InvalidURL); API.md documents CR, LF and NUL only; Requests writes %09, %01, %7F'
const STRAY_PERCENT = 'README, smaller differences: a stray "%" becomes %25 and the valid escapes beside it are kept (lib/urls.ts requoteUri); Requests then escapes every "%" (%20 → %2520) or, in requote_uri, leaves a "%" not followed by two alphanumerics alone, and unquote_unreserved raises InvalidURL for "%zz"'
const LINK_RELS = 'README, smaller differences: Response.links follows RFC 8288, not parse_header_links: relation types lower-cased and split on spaces ("next last" → next and last), parameter names lower-cased (REL=), the first rel wins'
const LINK_PARSE = 'README, smaller differences: Response.links parses what Requests\' split mangles or stops at: ";" inside <URI>, a trailing ",", parameters without a value (crossorigin, a bare rel), "=" inside a quoted value, an empty parameter, title* (decoded, RFC 8187)'
const LINK_QUOTED = 'README, smaller differences: a Link value wrapped whole in quotes (\'<…>; rel=next\') gives no link; Requests strips the quotes and parses it'
const CHARSET_DEFAULT = 'README, smaller differences: the ISO-8859-1 default follows the media type (case-insensitive text/*), not Requests\' substring test: TEXT/HTML → ISO-8859-1 (Requests None); application/context+xml, texty/thing → null (Requests ISO-8859-1)'
const NO_PROXY_PORTS = 'README, smaller differences: no_proxy "host:port" entries match a URL without a port on its scheme\'s default port, and IPv4 "ip:port" entries match at all (example.com:80 for http://example.com/, 10.0.0.1:8080); Requests: no bypass'
const NO_PROXY_FORMS = 'README, smaller differences: no_proxy accepts what Requests ignores: "*." wildcards, "*" as one entry of a list, /0 ranges, [::1] and IPv6 CIDR, trailing dots, entries separated by spaces (curl\'s rules, lib/proxies.ts)'
const PROXY_IPV6 = 'README, smaller differences: selectProxy also looks an IPv6 host up as "http://[::1]"; Requests only tries "http://::1"'
const EMPTY_FORM = 'README, smaller differences: form fields that all drop out ({a: None}, {a: []}) give an empty body with Content-Length: 0; Requests sets no Content-Length there (super_len 0 is falsy)'
const PART_HEADERS = 'README, smaller differences: a file spec\'s extra part headers are kept where urllib3\'s make_multipart drops them (Content-Type when no content type is given, Content-Location), and a lower-case content-type is dropped where urllib3 writes both'
const BASIC_CONTROLS = 'README, smaller differences: Basic credentials holding CR, LF or NUL are refused (InvalidHeader) although they are sent base64-encoded; API.md and the README list methods, URLs, headers, cookies, multipart names and proxy credentials'
const HEADER_TOKEN = 'README, smaller differences: a header name that is not an RFC 9110 token (Ä-Header) is refused (InvalidHeader); Requests accepts it'
const STRING_PARAMS = 'README, smaller differences: session params given as a string ("x=1") are sent when the request has no params; Requests\' merge_setting returns the request\'s {} (not both mappings) and drops them'

const EXPECTED_DIFFERENCES: Record<string, string> = {
  'prepare_url-58de06bf35': CRLF_NUL_URL, // http://host/a<LF>b
  'prepare_url-a3be5b93c1': CRLF_NUL_URL, // http://host/a<CR>b
  'prepare_url-c85b4ed133': CRLF_NUL_URL, // http://host/a<NUL>b
  'prepare_url-ef9c977e9d': CRLF_NUL_URL, // http://ho<LF>st/
  'prepare_url-831bd41cad': CRLF_NUL_URL, // http://host/?q=a<CR><LF>X: y
  'multipart-a76dafc695': CRLF_PART, // filename a<LF>b.txt
  'multipart-f95cb0b8eb': CRLF_PART, // filename a<CR>b.txt
  'multipart-3197c15c06': CRLF_PART, // field name f<LF>x
  'basic_auth-98ef763ece': UTF8_BASIC, // HTTPBasicAuth('ü', 'ö')
  'basic_auth-9c01950177': UTF8_BASIC, // HTTPBasicAuth('café', 'crème brûlée')
  'basic_auth-e3fee7a0fe': UTF8_BASIC, // HTTPBasicAuth('用户', '密码'): Requests UnicodeEncodeError
  'basic_auth-4963f98fba': UTF8_BASIC, // HTTPBasicAuth('user', '😀'): Requests UnicodeEncodeError
  'basic_auth-25173b5af1': UTF8_BASIC, // HTTPBasicAuth('\xff', '\x80'): one Latin-1 byte each in Requests
  'basic_auth-fda30c9f9a': UTF8_BASIC, // HTTPBasicAuth('€', 'euro'): Requests UnicodeEncodeError
  'basic_auth-315225f848': UTF8_BASIC, // HTTPBasicAuth('user', 'é' + U+0301): Requests UnicodeEncodeError
  'basic_auth-8ef266305c': UTF8_BASIC, // HTTPProxyAuth, the same seven
  'basic_auth-99aeabde87': UTF8_BASIC,
  'basic_auth-30586233e9': UTF8_BASIC,
  'basic_auth-788ef9691b': UTF8_BASIC,
  'basic_auth-5cfe57bcad': UTF8_BASIC,
  'basic_auth-10a3a30353': UTF8_BASIC,
  'basic_auth-2608bc7d5d': UTF8_BASIC,
  'url_auth-8fa3762ad8': UTF8_BASIC, // http://%C3%BC:%C3%B6@example.com/
  'url_auth-bf00f30a77': UTF8_BASIC, // http://%FC:x@example.com/ (U+FFFD once decoded): Requests UnicodeEncodeError
  'url_auth-7046326f3b': UTF8_BASIC, // http://café:crème@example.com/
  'prepare_url-94e245d3f2': SURROGATE,
  'prepare_url-11f2182aad': PORT_ZERO,
  'prepare_url-779d1b8656': HOST_CHARS,
  'prepare_url-a5a6f032f9': HOST_CHARS,
  'prepare_url-079f4d9cb6': HOST_CHARS,
  'prepare_url-b6b495387e': URL_CONTROLS,
  'prepare_url-42774fde06': URL_CONTROLS,
  'prepare_url-e830fb2e25': URL_CONTROLS,
  'prepare_url-4be98938cf': STRAY_PERCENT,
  'prepare_url-d0193f29c8': STRAY_PERCENT,
  'requote_uri-94e039481e': STRAY_PERCENT,
  'requote_uri-e5184b39ec': STRAY_PERCENT,
  'requote_uri-61b316875d': STRAY_PERCENT,
  'requote_uri-9c2493b3f9': STRAY_PERCENT,
  'requote_uri-b922129388': STRAY_PERCENT,
  'requote_uri-33e39cbfce': STRAY_PERCENT,
  'requote_uri-efeac004b6': STRAY_PERCENT,
  'requote_uri-513afda450': STRAY_PERCENT,
  'requote_uri-1cd675561d': STRAY_PERCENT,
  'requote_uri-269bd82904': STRAY_PERCENT,
  'requote_uri-9df8b2d3cb': STRAY_PERCENT,
  'requote_uri-f2124c1ff8': STRAY_PERCENT,
  'unquote_unreserved-edeb23d57c': STRAY_PERCENT,
  'unquote_unreserved-1cd675561d': STRAY_PERCENT,
  'unquote_unreserved-e399ad217c': STRAY_PERCENT,
  'unquote_unreserved-3e512b0a41': STRAY_PERCENT,
  'unquote_unreserved-e0d94e4f19': STRAY_PERCENT,
  'unquote_unreserved-785038d02e': STRAY_PERCENT,
  'unquote_unreserved-269bd82904': STRAY_PERCENT,
  'unquote_unreserved-390d75cd3f': STRAY_PERCENT,
  'unquote_unreserved-1d00be315b': STRAY_PERCENT,
  'unquote_unreserved-e9ab4611c8': STRAY_PERCENT,
  'unquote_unreserved-7faa81b72b': STRAY_PERCENT,
  'unquote_unreserved-ed0fdc046f': STRAY_PERCENT,
  'parse_header_links-eb569a4755': LINK_RELS,
  'parse_header_links-237c4286e8': LINK_RELS,
  'parse_header_links-46823f57f7': LINK_RELS,
  'parse_header_links-34016811af': LINK_RELS,
  'parse_header_links-1b110b1d5f': LINK_PARSE,
  'parse_header_links-556e3ee9ea': LINK_PARSE,
  'parse_header_links-2dc63302f2': LINK_PARSE,
  'parse_header_links-ea3bf70c18': LINK_PARSE,
  'parse_header_links-38751cb20b': LINK_PARSE,
  'parse_header_links-2dd1438287': LINK_PARSE,
  'parse_header_links-d52f01f645': LINK_PARSE,
  'parse_header_links-c45280ba8f': LINK_QUOTED,
  'parse_header_links-0a073b2c74': LINK_QUOTED,
  'get_encoding_from_headers-b0884360a6': CHARSET_DEFAULT,
  'get_encoding_from_headers-e266397757': CHARSET_DEFAULT,
  'get_encoding_from_headers-bb63102239': CHARSET_DEFAULT,
  'should_bypass_proxies-dccb7d5541': NO_PROXY_PORTS,
  'should_bypass_proxies-51b3cfb691': NO_PROXY_PORTS,
  'should_bypass_proxies-c25ca5ff64': NO_PROXY_PORTS,
  'should_bypass_proxies-df6a255fb3': NO_PROXY_FORMS,
  'should_bypass_proxies-149790532b': NO_PROXY_FORMS,
  'should_bypass_proxies-f112977f75': NO_PROXY_FORMS,
  'should_bypass_proxies-f64ef18394': NO_PROXY_FORMS,
  'should_bypass_proxies-8cf4ad8a30': NO_PROXY_FORMS,
  'should_bypass_proxies-ab9a7280ce': NO_PROXY_FORMS,
  'should_bypass_proxies-de3c1da6e8': NO_PROXY_FORMS,
  'should_bypass_proxies-b759ee98e9': NO_PROXY_FORMS,
  'should_bypass_proxies-99f5287bfd': NO_PROXY_FORMS,
  'should_bypass_proxies-6e57a6392d': NO_PROXY_FORMS,
  'select_proxy-bc4ceee016': PROXY_IPV6,
  'prepare_body-d8b7616fcc': EMPTY_FORM,
  'prepare_body-9fb69ce7ca': EMPTY_FORM,
  'multipart-81b10575c2': PART_HEADERS,
  'multipart-4f1ea312fd': PART_HEADERS,
  'multipart-be237990f9': PART_HEADERS,
  'basic_auth-bbab309ddf': BASIC_CONTROLS,
  'basic_auth-99ca0312a9': BASIC_CONTROLS,
  'basic_auth-6ec45628af': BASIC_CONTROLS,
  'basic_auth-6f1b723dd3': BASIC_CONTROLS,
  'basic_auth-c8c280b6ae': BASIC_CONTROLS,
  'basic_auth-50f496da88': BASIC_CONTROLS,
  'url_auth-1fabf4cb2d': BASIC_CONTROLS,
  'merge_headers-5c959573ff': HEADER_TOKEN,
  'merge_params-96edeceb08': STRING_PARAMS,
}

// ---------------------------------------------------------------------------------------------
// Mismatches that nothing in API.md or the README explains: reqwire bugs (or undocumented
// departures), kept as todo assertions until lib/ is fixed. Each entry names the bug.

// "lib bug:" marks a result that is wrong or contradicts lib/'s own comments; "lib, undocumented:"
// marks a departure lib/ makes on purpose (its comments say so) that API.md and the README do not
// document: either the docs gain a line (and the entry moves to EXPECTED_DIFFERENCES) or lib/ changes.
const KNOWN_BUGS: { todo: string; ids: string[] }[] = [
  // None known: the last ones (URLs, IDNA, charset, JSON bodies) were fixed in lib/.
]

const BUG_OF = new Map<string, string>()
for (const bug of KNOWN_BUGS) for (const id of bug.ids) BUG_OF.set(id, bug.todo)

// ---------------------------------------------------------------------------------------------
// The comparison loop

type Runner = (input: Record<string, unknown>, vector: Vector) => Record<string, unknown> | Promise<Record<string, unknown>>
/** Requests' answer, normalised where the two APIs spell the same meaning differently. */
type Expecter = (vector: Vector) => Record<string, unknown>

const seenIds = new Set<string>()

async function replay(t: Test, group: string, run: Runner, expected: Expecter = v => v.expect): Promise<void> {
  const vectors = file.groups[group]?.vectors
  if (vectors === undefined) throw new Error(`no group ${group} in vectors.json`)
  let matched = 0
  let documented = 0
  let bugs = 0
  for (const vector of vectors) {
    seenIds.add(vector.id)
    const actual = plain(await run(vector.input, vector))
    const want = plain(expected(vector))
    const same = isDeepStrictEqual(actual, want)
    const what = describe(vector)
    const reason = EXPECTED_DIFFERENCES[vector.id]
    const bug = BUG_OF.get(vector.id)
    if (reason !== undefined) {
      documented++
      t.notSame(actual, want, `${what} still differs from Requests (documented: ${reason})`)
    } else if (bug !== undefined) {
      bugs++
      t.same(actual, want, what, { todo: bug })
    } else {
      if (same) matched++
      t.same(actual, want, what)
    }
  }
  t.comment(`${group}: ${vectors.length} vectors, ${matched} match, ${documented} documented differences, ${bugs} known bugs`)
}

t.test('vectors.json was made by the real Requests', async t => {
  t.match(file.versions.requests, /^2\.\d+\.\d+$/)
  t.ok(Object.keys(file.groups).length >= 19)
})

// ---------------------------------------------------------------------------------------------
// 1. URL preparation

t.test('1. URL preparation: PreparedRequest.prepare_url(url, params)', async t => {
  await replay(t, 'prepare_url', input => attempt(() => {
    const p = new PreparedRequest()
    let params = dec(input.params)
    // Requests decodes bytes params as ASCII (to_native_string); reqwire takes the string.
    if (Buffer.isBuffer(params)) params = params.toString('latin1')
    p.prepareUrl(input.url as string, params as never)
    return { url: p.url }
  }))
})

// ---------------------------------------------------------------------------------------------
// 2. requests.utils

// Every ASCII character but '%': quote() with it only decodes unreserved escapes (unquote_unreserved).
const ALL_BUT_PERCENT = new Uint8Array(128).fill(1)
ALL_BUT_PERCENT[0x25] = 0

t.test('2. requests.utils: quoting, Link, charsets, JSON encodings, URL auth, proxies', async t => {
  await t.test('requote_uri → requoteUri', async t => {
    await replay(t, 'requote_uri', input => attempt(() => ({ value: requoteUri(input.uri as string) })))
  })
  // reqwire has no unquote_unreserved of its own: it is the first half of requoteUri, the
  // Percent.Keep rule of quote(); with every ASCII character but '%' safe, only that rule acts.
  await t.test('unquote_unreserved → quote(s, ASCII but %, Percent.Keep)', async t => {
    await replay(t, 'unquote_unreserved', input => attempt(() => ({ value: quote(input.uri as string, ALL_BUT_PERCENT, Percent.Keep) })))
  })
  // Response.links keys parse_header_links' dicts by rel, else url (generate.py records both).
  await t.test('parse_header_links (as Response.links) → parseLinks', async t => {
    await replay(t, 'parse_header_links', input => ({ links: parseLinks(input.value as string) }), v => ({ links: v.expect.resolved }))
  })
  await t.test('get_encoding_from_headers → encodingFromContentType', async t => {
    // Requests' '' (charset= names nothing, and Response.text guesses) is reqwire's null.
    await replay(t, 'get_encoding_from_headers', input => ({ value: encodingFromContentType(input.content_type as string | null) }),
      v => ({ value: v.expect.value === '' ? null : v.expect.value }))
  })
  await t.test('guess_json_utf → guessJsonUtf', async t => {
    await replay(t, 'guess_json_utf', input => ({ value: guessJsonUtf(dec(input.bytes) as Buffer) }))
  })
  // Requests' prepare_auth uses the pair only `if any(url_auth)`: ('', '') means none, reqwire's null.
  await t.test('get_auth_from_url → authFromUrl', async t => {
    await replay(t, 'get_auth_from_url', input => ({ value: authFromUrl(input.url as string) }), v => {
      const [user, pass] = v.expect.value as [string, string]
      return { value: user === '' && pass === '' ? null : [user, pass] }
    })
  })
  await t.test('urldefragauth → stripUserinfoAndFragment', async t => {
    await replay(t, 'urldefragauth', input => ({ value: stripUserinfoAndFragment(input.url as string) }))
  })
  await t.test('should_bypass_proxies(url, no_proxy) → shouldBypassProxies', async t => {
    await replay(t, 'should_bypass_proxies', input => ({ value: shouldBypassProxies(input.url as string, input.no_proxy as string) }))
  })
  // A falsy proxy ('' as much as None) means no proxy to Requests' adapter (`if proxy:`): null here.
  await t.test('select_proxy → selectProxy', async t => {
    await replay(t, 'select_proxy', input => ({ value: selectProxy(input.url as string, dec(input.proxies) as Record<string, string>) }),
      v => ({ value: v.expect.value === '' ? null : v.expect.value }))
  })
})

// ---------------------------------------------------------------------------------------------
// 3. Bodies

function preparedFor(method: string): PreparedRequest {
  const p = new PreparedRequest()
  p.prepareMethod(method)
  p.prepareUrl('http://example.com/')
  p.prepareHeaders(null)
  return p
}

t.test('3. Bodies: prepare_body(data, files, json) and multipart', async t => {
  await t.test('prepare_body: form fields, text, bytes, JSON', async t => {
    await replay(t, 'prepare_body', input => attempt(() => {
      const p = preparedFor(input.method as string)
      p.prepareBody(arg(input.data) as never, null, arg(input.json))
      return { body: bodyHex(p.body), headers: lowerHeaders(p.headers) }
    }))
  })
  // Whatever the bytes, a JSON body must parse to what Requests' body parses to.
  await t.test('prepare_body: JSON bodies parse to the same value', async t => {
    for (const vector of file.groups.prepare_body?.vectors ?? []) {
      const body = vector.expect.body
      const headers = vector.expect.headers as Record<string, string> | undefined
      if (typeof body !== 'string' || headers?.['content-type'] !== 'application/json') continue
      const p = preparedFor(vector.input.method as string)
      p.prepareBody(arg(vector.input.data) as never, null, arg(vector.input.json))
      const mine = bodyHex(p.body)
      t.same(mine === null ? null : JSON.parse(Buffer.from(mine, 'hex').toString('utf8')),
        JSON.parse(Buffer.from(body, 'hex').toString('utf8')), describe(vector))
    }
  })
  // The random boundary reqwire picks is replaced by the one generate.py gave urllib3 (same length).
  await t.test('multipart/form-data with a fixed boundary', async t => {
    await replay(t, 'multipart', input => attempt(() => {
      const p = preparedFor('POST')
      p.prepareBody(arg(input.data) as never, arg(input.files) as never, undefined)
      const contentType = p.headers.get('Content-Type') ?? ''
      const boundary = /boundary=(.*)$/.exec(contentType)?.[1]
      const fixed = file.multipart_boundary
      const headers = lowerHeaders(p.headers)
      let body = bodyHex(p.body)
      if (boundary !== undefined && body !== null) {
        body = Buffer.from(Buffer.from(body, 'hex').toString('latin1').replaceAll(boundary, fixed), 'latin1').toString('hex')
        headers['content-type'] = contentType.replace(boundary, fixed)
      }
      return boundary === undefined ? { body, headers } : { body, headers, boundary: fixed }
    }))
  })
})

// ---------------------------------------------------------------------------------------------
// 4. Auth

t.test('4. Auth: HTTPBasicAuth / HTTPProxyAuth and credentials in the URL', async t => {
  await t.test('HTTPBasicAuth and HTTPProxyAuth header values', async t => {
    await replay(t, 'basic_auth', input => attempt(() => {
      const p = preparedFor('GET')
      const Auth = input.class === 'HTTPProxyAuth' ? HTTPProxyAuth : HTTPBasicAuth
      new Auth(input.username as string, input.password as string).apply(p)
      return { headers: lowerHeaders(p.headers) }
    }))
  })
  await t.test('prepare_auth from the URL userinfo', async t => {
    await replay(t, 'url_auth', input => attempt(() => {
      const p = new PreparedRequest()
      p.prepareMethod('GET')
      p.prepareUrl(input.url as string)
      p.prepareHeaders(null)
      p.prepareBody(null, null, undefined)
      p.prepareAuth(null)
      return { url: p.url, headers: lowerHeaders(p.headers) }
    }))
  })
})

// ---------------------------------------------------------------------------------------------
// 5. Status codes

t.test('5. Status codes: every requests.codes name', async t => {
  await replay(t, 'codes', input => ({ value: codes[input.name as string] ?? null }))
})

// ---------------------------------------------------------------------------------------------
// 6. Merging and CaseInsensitiveDict

function sessionWithoutEnv(): Session {
  const s = new Session()
  s.trustEnv = false // no netrc, no environment: only the merge is compared
  return s
}

t.test('6. merge_setting and CaseInsensitiveDict', async t => {
  await t.test('session and request headers (Session.prepare_request)', async t => {
    await replay(t, 'merge_headers', async input => {
      const s = sessionWithoutEnv()
      try {
        return attempt(() => {
          s.headers = new CaseInsensitiveDict<string>(Object.entries(dec(input.session) as Record<string, string>))
          const p = s.prepareRequest(new Request('GET', 'http://example.com/', { headers: dec(input.request) as never }))
          return { headers: [...p.headers.entries()] }
        })
      } finally {
        await s.close()
      }
    })
  })
  await t.test('session and request params (Session.prepare_request)', async t => {
    await replay(t, 'merge_params', async input => {
      const s = sessionWithoutEnv()
      try {
        return attempt(() => {
          s.params = dec(input.session) as never
          const p = s.prepareRequest(new Request('GET', 'http://example.com/', { params: dec(input.request) as never }))
          return { url: p.url }
        })
      } finally {
        await s.close()
      }
    })
  })
  await t.test('session and request proxies (merge_setting; trustEnv off)', async t => {
    await replay(t, 'merge_proxies', input => ({
      value: sortedObject(resolveProxies('http://example.com/', dec(input.request) as never, dec(input.session) as never, false, {})),
    }))
  })
  await t.test('CaseInsensitiveDict: set, delete, update, lower_items, ==, copy', async t => {
    await replay(t, 'case_insensitive_dict', input => {
      const d = new CaseInsensitiveDict<string>()
      for (const op of input.ops as [string, ...unknown[]][]) {
        if (op[0] === 'set') d.set(op[1] as string, op[2] as string)
        else if (op[0] === 'delete') d.delete(op[1] as string)
        else if (op[0] === 'update') d.update(op[1] as [string, string][])
      }
      const probes = input.probes as string[]
      const compare = (input.compare as unknown[]).map(c => dec(c) as Record<string, string>)
      const c = d.copy()
      return {
        keys: [...d.keys()],
        lower_items: [...d.lowerItems()],
        len: d.size,
        get: probes.map(k => d.get(k) ?? null),
        contains: probes.map(k => d.has(k)),
        equals: compare.map(x => d.equals(x)),
        copy_equal: c.equals(d),
        copy_keys: [...c.keys()],
      }
    })
  })
})

// ---------------------------------------------------------------------------------------------

t.test('every id in the tables names a vector', async t => {
  const unknown = [...Object.keys(EXPECTED_DIFFERENCES), ...BUG_OF.keys()].filter(id => !seenIds.has(id))
  t.same(unknown, [], 'no table entry outlives its vector (regenerated vectors keep their ids only if their input is unchanged)')
})
