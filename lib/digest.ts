// HTTP Digest authentication, the client side of RFC 7616 (with RFC 2069's no-qop form), as
// Requests' HTTPDigestAuth: a response hook answers a 401 Digest challenge by resending the
// request once with credentials, and later requests send them before being asked.

import { createHash, randomBytes } from 'node:crypto'
import { AuthBase, assertHeaderSafe, type AuthRequest, type AuthResponse, type SendOptions } from './auth.js'
import { cookieHeaderFor, storeResponseCookies } from './cookies.js'

/** One challenge of a WWW-Authenticate field (RFC 9110 §11.6.1): its scheme and its parameters. */
export interface Challenge {
  /** As received; compare it ignoring case. */
  scheme: string
  /** Parameter names lower-cased (they are case-insensitive, RFC 9110 §11.2), values unquoted. */
  params: Map<string, string>
  /** The token68 form some schemes use instead of parameters (`Negotiate abc==`); else null. */
  token68: string | null
}

/** RFC 7616 §6.1 algorithm names (upper-cased) and the node:crypto hash behind each. */
const HASHES = new Map<string, string>([
  ['MD5', 'md5'],
  ['SHA-256', 'sha256'],
  ['SHA-512-256', 'sha512-256'],
  // Not in RFC 7616's registry, but Requests answers it and so does httpbin (API.md lists it).
  ['SHA-512', 'sha512'],
])

/**
 * Retries one request chain may make for a plain 401, as Requests' `num_401_calls < 2`: the
 * first 401 is a challenge, a second one means the credentials are wrong, and asking again
 * would loop forever.
 */
const MAX_RETRIES = 1

/**
 * Extra retries for `stale=true` (RFC 7616 §3.3): the server accepted the credentials but not
 * the nonce, so retrying with the fresh nonce is right. Bounded, so a server that calls every
 * nonce stale cannot keep the client in a loop.
 */
const MAX_STALE_RETRIES = 2

/** The per-request-chain counters one `apply` starts; redirects reset them. */
interface ChainState {
  retries: number
  staleRetries: number
}

// RFC 9110 §5.6.2 token, §11.2 token68, §5.6.3 whitespace, §5.6.4 quoted-string (with its
// quoted-pairs; an unterminated quote runs to the end rather than failing the whole field).
const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*(?=[ \t]*(?:,|$))/y
const SEPARATORS = /[ \t,]*/y
const OWS = /[ \t]*/y
const QUOTED = /"((?:[^"\\]|\\.)*)(?:"|$)/ys
const BARE_VALUE = /[^, \t]*/y

function matchAt(re: RegExp, input: string, at: number): RegExpExecArray | null {
  re.lastIndex = at
  return re.exec(input)
}

/**
 * Parses a WWW-Authenticate value into its challenges. A field may hold several, and a field
 * repeated on the wire arrives joined with ", ", so `Basic realm="x", Digest realm="y"` is two:
 * a token followed by `=` is a parameter of the current challenge, any other token starts a new
 * one. Lenient: stray characters are skipped rather than failing the field.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = []
  let current: Challenge | null = null
  let afterScheme = false
  let i = 0
  while (i < header.length) {
    const separators = matchAt(SEPARATORS, header, i)?.[0] ?? ''
    if (separators.includes(',')) afterScheme = false
    i += separators.length
    if (i >= header.length) break

    if (afterScheme && current !== null) {
      const token68 = matchAt(TOKEN68, header, i)
      if (token68 !== null) {
        current.token68 = token68[0]
        i += token68[0].length
        afterScheme = false
        continue
      }
    }
    const token = matchAt(TOKEN, header, i)
    if (token === null) {
      i++
      continue
    }
    i += token[0].length
    const afterToken = i + (matchAt(OWS, header, i)?.[0].length ?? 0)
    if (header[afterToken] !== '=') {
      current = { scheme: token[0], params: new Map(), token68: null }
      challenges.push(current)
      afterScheme = true
      continue
    }

    i = afterToken + 1
    i += matchAt(OWS, header, i)?.[0].length ?? 0
    let value: string
    const quoted = header[i] === '"' ? matchAt(QUOTED, header, i) : null
    if (quoted !== null) {
      value = (quoted[1] ?? '').replace(/\\(.)/gs, '$1')
      i += quoted[0].length
    } else {
      value = matchAt(BARE_VALUE, header, i)?.[0] ?? ''
      i += value.length
    }
    const name = token[0].toLowerCase()
    // RFC 9110 §11.2: a parameter name occurs once per challenge; the first one wins.
    if (current !== null && !current.params.has(name)) current.params.set(name, value)
    afterScheme = false
  }
  return challenges
}

/** What one answerable challenge asks for. */
interface Plan {
  hash: string
  session: boolean
  qop: 'auth' | null
}

/** How a Digest challenge can be answered, or null when it cannot (unknown algorithm, auth-int only). */
function planFor(params: ReadonlyMap<string, string>): Plan | null {
  if (params.get('nonce') === undefined) return null
  // RFC 7616 §3.3: no algorithm parameter means MD5.
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase()
  const session = algorithm.endsWith('-SESS')
  const hash = HASHES.get(session ? algorithm.slice(0, -'-SESS'.length) : algorithm)
  if (hash === undefined) return null
  const offered = params.get('qop')
  // No qop at all is RFC 2069's form, which RFC 7616 §3.4.1 still lets a server ask for.
  if (offered === undefined || offered.trim() === '') return { hash, session, qop: null }
  // qop is a list (`auth, auth-int`): take `auth`. auth-int would need the whole body hashed
  // before sending it; like Requests we do not implement it.
  if (offered.split(',').some(q => q.trim().toLowerCase() === 'auth')) return { hash, session, qop: 'auth' }
  return null
}

/**
 * The parameters of the Digest challenge in a WWW-Authenticate value that we can answer, or
 * null. With several (a server may offer one per algorithm, most preferred first, RFC 7616
 * §3.7), the first we support.
 */
export function findDigestChallenge(header: string): Map<string, string> | null {
  for (const challenge of parseChallenges(header)) {
    if (challenge.scheme.toLowerCase() === 'digest' && planFor(challenge.params) !== null) return challenge.params
  }
  return null
}

/** Whether the value holds any Digest challenge, answerable or not (Requests' `"digest" in s_auth`). */
function hasDigestChallenge(header: string): boolean {
  return parseChallenges(header).some(c => c.scheme.toLowerCase() === 'digest')
}

/**
 * The request-target a Digest `uri` must repeat (RFC 7616 §3.4): the path with its query, never
 * the fragment, `/` for an empty path. Taken from the URL text without normalizing it, as
 * Requests' urlparse does, so it is the same text the request line carries.
 */
export function digestUri(url: string): string {
  const schemeEnd = url.indexOf('://')
  const afterAuthority = schemeEnd < 0 ? 0 : schemeEnd + 3
  let end = url.indexOf('#', afterAuthority)
  if (end < 0) end = url.length
  const rest = url.slice(afterAuthority, end)
  const pathStart = schemeEnd < 0 ? 0 : rest.search(/[/?]/)
  if (pathStart < 0) return '/'
  let target = rest.slice(pathStart)
  if (target.startsWith('?')) target = '/' + target
  // A bare `?` has an empty query, which urlparse (and so Requests) drops.
  if (target.endsWith('?')) target = target.slice(0, -1)
  return target
}

function quote(value: string): string {
  return '"' + value.replace(/[\\"]/g, '\\$&') + '"'
}

/** RFC 8187 ext-value for `username*` (RFC 7616 §3.4.4). */
function extValue(value: string): string {
  return "UTF-8''" + encodeURIComponent(value).replace(/[*'()]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

/**
 * Requests' handle_401 (`extract_cookies_to_jar(prep._cookies, …)`, `prep.prepare_cookies(…)`):
 * cookies the 401 set go into the resend's own jar (a copy: the session's jar is the session's
 * business) and so into its Cookie header; a server may insist on them (httpbin's
 * require-cookie). Unlike Requests, a Cookie header that was made from the jar is made again, so
 * the new cookies join the ones already sent; one the caller set by hand stays as it is.
 */
function carryCookies<Res>(prep: AuthRequest<Res>, res: AuthResponse<Res>): void {
  const jar = prep.cookieJar
  const setCookie = res.headers.getAll('Set-Cookie')
  if (setCookie.length === 0 || jar === undefined || jar === null || prep.prepareCookies === undefined) return
  const madeFromJar = (prep.headers.get('Cookie') ?? '') === cookieHeaderFor(jar, prep.url)
  storeResponseCookies(jar, prep.url, setCookie)
  if (madeFromJar) prep.headers.delete('Cookie')
  prep.prepareCookies(jar)
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * Digest authentication. State (the last challenge, its nonce and the nonce count) belongs to
 * the instance, where Requests keeps it per thread: JavaScript has one thread, so concurrent
 * requests made with the same instance share the nonce, each taking its own `nc` value. The
 * retry count is per request chain (the request and its redirects), so concurrent requests do
 * not spend each other's retry.
 */
export class HTTPDigestAuth extends AuthBase {
  /** The challenge last accepted, and the origin it came from (its protection space). */
  #challenge: Map<string, string> | null = null
  #challengeOrigin: string | null = null
  /** The nonce of the last header built and how many were built with it (RFC 7616 §3.4 `nc`). */
  #lastNonce = ''
  #nonceCount = 0

  constructor(readonly username: string, readonly password: string) {
    super()
  }

  apply<Res extends AuthResponse<Res>>(r: AuthRequest<Res>): AuthRequest<Res> {
    // Once a challenge was answered, send credentials before being asked, as Requests does:
    // it spares a round trip per request. Only to the origin that asked for them, though:
    // Requests would send them to any host the instance is used with.
    if (this.#lastNonce !== '' && originOf(r.url) === this.#challengeOrigin) {
      const header = this.buildDigestHeader(r.method, r.url)
      if (header !== null) r.headers.set('Authorization', header)
    }
    // The body's rewind point is the request's own business (rewindBody); all we keep here is
    // this chain's retry counts, captured by its hook and carried along by request copies.
    const chain: ChainState = { retries: 0, staleRetries: 0 }
    r.registerHook('response', (res: Res, options: SendOptions) => this.#handle401(res, options, chain))
    return r
  }

  /**
   * Takes the Digest challenge of a WWW-Authenticate value for the origin of `url`; false when
   * it holds none we can answer (the challenge kept so far stays).
   */
  acceptChallenge(wwwAuthenticate: string, url: string): boolean {
    const params = findDigestChallenge(wwwAuthenticate)
    if (params === null) return false
    this.#challenge = params
    this.#challengeOrigin = originOf(url)
    return true
  }

  /**
   * The Authorization value answering the accepted challenge for `method` and `url`, or null
   * when there is none or it cannot be answered. Each call counts one use of the nonce.
   */
  buildDigestHeader(method: string, url: string): string | null {
    const challenge = this.#challenge
    if (challenge === null) return null
    const plan = planFor(challenge)
    const nonce = challenge.get('nonce')
    if (plan === null || nonce === undefined) return null
    // Refused as Basic refuses it, though username* would carry it harmlessly encoded: a
    // username with CR or LF is a mistake or an attack, never a name.
    assertHeaderSafe('the username', this.username)
    const realm = challenge.get('realm') ?? ''
    const uri = digestUri(url)
    const h = (data: string): string => createHash(plan.hash).update(data, 'utf8').digest('hex')

    // RFC 7616 §3.4: nc counts the requests sent with this nonce, so the server can spot a replay.
    this.#nonceCount = nonce === this.#lastNonce ? this.#nonceCount + 1 : 1
    const nc = this.#nonceCount.toString(16).padStart(8, '0')
    const cnonce = this.makeCnonce()

    // RFC 7616 §3.4.2: A1 is user:realm:password, and for a -sess algorithm its hash is hashed
    // again with the nonce and cnonce.
    let ha1 = h(`${this.username}:${realm}:${this.password}`)
    if (plan.session) ha1 = h(`${ha1}:${nonce}:${cnonce}`)
    // RFC 7616 §3.4.3: A2 for qop=auth (and no qop) is method:request-uri.
    const ha2 = h(`${method}:${uri}`)
    // RFC 7616 §3.4.1: response = KD(H(A1), nonce:nc:cnonce:qop:H(A2)), KD(s, d) = H(s:d);
    // without qop, RFC 2069's KD(H(A1), nonce:H(A2)).
    const response = plan.qop === null ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:${plan.qop}:${ha2}`)
    this.#lastNonce = nonce

    // RFC 7616 §3.4.4: a username that is not plain ASCII goes as username*, UTF-8 encoded.
    const user = /^[\x20-\x7e]*$/.test(this.username) ? `username=${quote(this.username)}` : `username*=${extValue(this.username)}`
    const fields = [user, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`]
    // algorithm, qop and nc are tokens, unquoted (RFC 7616 §3.4; Requests quotes them).
    const algorithm = challenge.get('algorithm')
    if (algorithm !== undefined) fields.push(`algorithm=${algorithm}`)
    fields.push(`response=${quote(response)}`)
    const opaque = challenge.get('opaque')
    if (opaque !== undefined) fields.push(`opaque=${quote(opaque)}`)
    if (plan.qop !== null) fields.push(`qop=${plan.qop}`, `nc=${nc}`)
    // A -sess hash used the cnonce even without qop; the server needs it to check.
    if (plan.qop !== null || plan.session) fields.push(`cnonce=${quote(cnonce)}`)
    const header = `Digest ${fields.join(', ')}`
    assertHeaderSafe('the Digest credentials', header)
    return header
  }

  /** The client nonce: 16 random bytes in hex. Overridden by tests that need RFC 7616's fixed one. */
  protected makeCnonce(): string {
    return randomBytes(16).toString('hex')
  }

  /**
   * The response hook (Requests' handle_401 and handle_redirect). A 401 with a Digest challenge
   * is answered by resending a copy of its request on the same connection pool; a loop, not a
   * recursion, follows stale nonces. Any other status resets the chain's count, so a redirect
   * to a page that challenges again gets its own retry.
   */
  async #handle401<Res extends AuthResponse<Res>>(first: Res, options: SendOptions, chain: ChainState): Promise<Res | void> {
    let res = first
    for (;;) {
      if (res.statusCode !== 401) {
        chain.retries = 0
        chain.staleRetries = 0
        break
      }
      const wwwAuthenticate = res.headers.get('WWW-Authenticate') ?? ''
      if (!hasDigestChallenge(wwwAuthenticate)) break
      const stale = findDigestChallenge(wwwAuthenticate)?.get('stale')?.toLowerCase() === 'true'
      if (chain.retries < MAX_RETRIES) chain.retries++
      else if (stale && chain.staleRetries < MAX_STALE_RETRIES) chain.staleRetries++
      else break
      const { request, connection } = res
      if (request === null || connection === null) break
      if (!this.acceptChallenge(wwwAuthenticate, request.url)) break
      const header = this.buildDigestHeader(request.method, request.url)
      if (header === null) break

      // Read the 401's body so its connection goes back to the pool for the retry to reuse, and
      // so it stays readable in history, as Requests' `r.content; r.close()`.
      await res.loadForHistory()
      await res.close()
      const prep = request.copy()
      prep.rewindBody()
      carryCookies(prep, res)
      prep.headers.set('Authorization', header)
      const next = await connection.send(prep, options)
      // The 401s stay visible in history, oldest first, before whatever the retry brought.
      next.history.unshift(...res.history, res)
      res = next
    }
    return res === first ? undefined : res
  }
}
