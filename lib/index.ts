// reqwire's package root: the Requests API (API.md). One-shot calls, Session, the request and
// response models, auth, cookies, errors and status codes; the wire layer stays reachable as
// `http1` for those who want to read or reuse it.

export { request, get, head, options, post, put, patch, del, del as delete, closeDefaultPool } from './api.js'
export { Session, type SessionInit, type SendInit } from './session.js'
export { Request, PreparedRequest, type PreparedBody, type RequestInit } from './request.js'
export { Response, type Connection } from './response.js'
export { HTTPAdapter, type HTTPAdapterOptions } from './adapter.js'
export { Retry, type RetryOptions } from './retry.js'
export { AuthBase, HTTPBasicAuth, HTTPProxyAuth, type AuthInput } from './auth.js'
export { HTTPDigestAuth } from './digest.js'
export { RequestsCookieJar, CookieConflictError } from './cookies.js'
export { CaseInsensitiveDict } from './structures.js'
export { codes } from './status-codes.js'
export * from './errors.js'
export type * from './options.js'
export type { FileSpec, FilesInput, DataInput } from './bodies.js'
export type { ParamsInput } from './urls.js'
export type { Link } from './links.js'
export { VERSION as version } from './version.js'
export * as http1 from './http1/index.js'
