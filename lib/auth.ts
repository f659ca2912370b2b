// Authentication as Requests does it: an auth is something applied to a prepared request just
// before it is sent (Requests' `__call__`), free to set headers and to register a response hook
// (Digest answers a 401 that way, see digest.ts). Basic and Proxy Basic live here.

import type { RequestsCookieJar } from './cookies.js'
import { InvalidHeader } from './errors.js'
import type { CaseInsensitiveDict } from './structures.js'

/**
 * What an auth needs of a request. PreparedRequest provides it; it is declared structurally so
 * auth does not depend on the request module. `Res` is the response type the request's hooks
 * see: only an auth that resends (Digest) needs to know it.
 */
export interface AuthRequest<Res = unknown> {
  method: string
  /** The full URL: it may hold a query and a fragment. */
  url: string
  headers: CaseInsensitiveDict<string>
  /** One hook or several, as Requests' register_hook. */
  registerHook(event: 'response', hook: AuthHook<Res> | readonly AuthHook<Res>[]): void
  copy(): AuthRequest<Res>
  /** Makes the body sendable again (throws UnrewindableBodyError for a consumed stream). */
  rewindBody(): void
  /**
   * The cookies the request was prepared with (a copy's own jar). Optional: a request without
   * one simply does not carry cookies a challenge set into its resend.
   */
  cookieJar?: RequestsCookieJar | null
  /** Makes the Cookie header from `jar`, unless the request has one already. */
  prepareCookies?(cookies: RequestsCookieJar): void
}

/** What an auth's response hook needs of a response (`Res`, the type itself). Response provides it. */
export interface AuthResponse<Res> {
  statusCode: number
  headers: CaseInsensitiveDict<string>
  /** The request that produced it; null only for a response made by hand, which cannot be resent. */
  request: AuthRequest<Res> | null
  history: Res[]
  /** The adapter that sent it (sending again reuses its pool); null for a response made by hand. */
  connection: AuthConnection<Res> | null
  /** Reads the rest of the body (kept, when small), so the connection can be reused. */
  loadForHistory(): Promise<void>
  /** Releases the connection. */
  close(): Promise<void>
}

/** What sent a response: an HTTPAdapter, or anything mounted in its place. */
export interface AuthConnection<Res> {
  send(request: AuthRequest<Res>, options: SendOptions): Promise<Res>
}

/** The send options a hook is given; opaque here, passed through to `connection.send`. */
export type SendOptions = object

// Declared as methods because TypeScript compares a method's parameters both ways: that lets
// PreparedRequest's registerHook (typed for the real Response) fit AuthRequest, and a function
// written for PreparedRequest be an AuthFunction, without this module knowing either class.
interface HookSignature<Res> {
  hook(r: Res, options: SendOptions): Res | void | Promise<Res | void>
}
interface AuthFunctionSignature {
  auth(r: AuthRequest): AuthRequest | void
}

/** A response hook: a returned response replaces the one passed in. */
export type AuthHook<Res> = HookSignature<Res>['hook']

/** An auth given as a plain function: it may change `r` in place or return a new request. */
export type AuthFunction = AuthFunctionSignature['auth']

/** Base of every auth: implement `apply`, which may change `r` in place or return a new request. */
export abstract class AuthBase {
  abstract apply(r: AuthRequest): AuthRequest | void
}

/** Everything the `auth` option accepts: a `[user, pass]` pair (Basic), an AuthBase, or a function. */
export type AuthInput = readonly [string, string] | AuthBase | AuthFunction

// CR and LF would let a credential end the header line and smuggle a header of its own; NUL is
// refused by every HTTP parser. Refused before anything is sent (API.md "Deliberate differences").
const FORBIDDEN_IN_FIELD = /[\r\n\0]/

/** Throws InvalidHeader when `value` could break out of the header line it is sent in. */
export function assertHeaderSafe(what: string, value: string): void {
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new InvalidHeader(`${what} holds CR, LF or NUL and cannot be sent in a header`, { code: 'INVALID_CREDENTIALS' })
  }
}

/**
 * The `Basic` credentials of RFC 7617 §2: base64 of `user-id ":" password`. Requests encodes a
 * str as latin1; we encode UTF-8, the only charset RFC 7617 §2.1 lets a server announce
 * (`charset="UTF-8"`) and what current browsers send, so non-Latin-1 names work at all. For
 * ASCII credentials the two agree.
 */
export function basicAuthHeader(username: string, password: string): string {
  assertHeaderSafe('the username', username)
  assertHeaderSafe('the password', password)
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
}

/** Sends `Authorization: Basic …` with every request. */
export class HTTPBasicAuth extends AuthBase {
  constructor(readonly username: string, readonly password: string) {
    super()
  }

  /** The header this auth sets; HTTPProxyAuth overrides it. */
  protected get headerName(): string {
    return 'Authorization'
  }

  apply(r: AuthRequest): AuthRequest {
    r.headers.set(this.headerName, basicAuthHeader(this.username, this.password))
    return r
  }

  /**
   * Requests' `__eq__`: equal when username and password are, whatever the other object's class
   * (so an HTTPProxyAuth equals an HTTPBasicAuth with the same credentials, as there).
   */
  equals(other: unknown): boolean {
    if (typeof other !== 'object' || other === null) return false
    const o = other as { username?: unknown; password?: unknown }
    return o.username === this.username && o.password === this.password
  }
}

/** Sends `Proxy-Authorization: Basic …`, the credentials a proxy asks for with 407 (RFC 9110 §11.7.2). */
export class HTTPProxyAuth extends HTTPBasicAuth {
  protected override get headerName(): string {
    return 'Proxy-Authorization'
  }
}

/**
 * Applies any AuthInput to `r`, as Requests' `prepare_auth`: a pair becomes HTTPBasicAuth. The
 * request an auth returns replaces `r`; one that returns nothing changed `r` in place.
 */
export function applyAuth(auth: AuthInput, r: AuthRequest): AuthRequest {
  let result: AuthRequest | void
  if (auth instanceof AuthBase) result = auth.apply(r)
  else if (typeof auth === 'function') result = auth(r)
  else if (Array.isArray(auth) && auth.length === 2) result = new HTTPBasicAuth(auth[0], auth[1]).apply(r)
  // Only JavaScript callers get here (the type rules it out); fail before anything is sent.
  else throw new TypeError('auth must be a [username, password] pair, an AuthBase or a function')
  return result ?? r
}
