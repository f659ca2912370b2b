// reqwire's one error hierarchy (API.md "Errors"). Every error a caller can see is one of these:
// each carries the request it belongs to, the URL, and the low-level error as `cause`. The
// transport layers throw them directly; the wire layer's ParseError/SerializeError/DecodeError
// are translated by `fromWireError` below, the one place where that happens.

import { DecodeError, ParseError, SerializeError } from './http1/errors.js'

/** The little of a request an error needs to say where it happened (PreparedRequest fits). */
export interface RequestLike {
  readonly method: string
  readonly url: string
}

/** The little of a response an error needs (the API's Response fits). */
export interface ResponseLike {
  readonly statusCode: number
  readonly url: string
}

export interface RequestErrorOptions extends ErrorOptions {
  request?: RequestLike | null
  response?: ResponseLike | null
  url?: string
  /** A stable code: a system error's (ECONNREFUSED …), the parser's, or ours. */
  code?: string
}

export class RequestException extends Error {
  override name: string = 'RequestException'
  request: RequestLike | null
  response: ResponseLike | null
  /** The URL the request was for, when known. */
  url: string | null
  /** A stable code to branch on; messages are for people and may change. */
  code: string | null

  constructor(message: string, options: RequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.request = options.request ?? null
    this.response = options.response ?? null
    this.url = options.url ?? options.request?.url ?? null
    this.code = options.code ?? null
    // Keep request and response out of util.inspect / console.log output: they can be large and
    // can hold credentials. They stay reachable as properties.
    Object.defineProperty(this, 'request', { enumerable: false })
    Object.defineProperty(this, 'response', { enumerable: false })
  }
}

export class HTTPError extends RequestException {
  override name = 'HTTPError'
}

/** Where in an exchange a connection failed. */
export type Phase = 'connect' | 'write' | 'head' | 'body'

export interface ConnectionErrorOptions extends RequestErrorOptions {
  phase?: Phase
}

export class ConnectionError extends RequestException {
  override name = 'ConnectionError'
  phase: Phase | null

  constructor(message: string, options: ConnectionErrorOptions = {}) {
    super(message, options)
    this.phase = options.phase ?? null
  }
}

export class ProxyError extends ConnectionError {
  override name = 'ProxyError'
  /** The status of the proxy's refusal (407, 403, 502 …), when it answered at all. */
  status: number | null

  constructor(message: string, options: ConnectionErrorOptions & { status?: number } = {}) {
    super(message, options)
    this.status = options.status ?? null
  }
}

export class SSLError extends ConnectionError {
  override name = 'SSLError'
}

/** The server broke HTTP/1.1; `code` is the parser's (e.g. CONFLICTING_FRAMING). */
export class ProtocolError extends ConnectionError {
  override name = 'ProtocolError'
  /** Byte offset in the response stream where the violation was found. */
  offset: number | null

  constructor(message: string, options: ConnectionErrorOptions & { offset?: number } = {}) {
    super(message, options)
    this.offset = options.offset ?? null
  }
}

export class Timeout extends RequestException {
  override name = 'Timeout'
}

/**
 * Connecting took too long. It is a ConnectionError by class and a Timeout by `instanceof`, as in
 * Requests, where it inherits from both.
 */
export class ConnectTimeout extends ConnectionError {
  override name = 'ConnectTimeout'
}

export class ReadTimeout extends Timeout {
  override name = 'ReadTimeout'
}

// `err instanceof Timeout` must hold for a ConnectTimeout too. JavaScript has single inheritance,
// so Timeout's instanceof check also accepts ConnectTimeout.
Object.defineProperty(Timeout, Symbol.hasInstance, {
  value(this: typeof Timeout, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    return this === Timeout && value instanceof ConnectTimeout
  },
})

export class TooManyRedirects extends RequestException {
  override name = 'TooManyRedirects'
}

export class URLRequired extends RequestException {
  override name = 'URLRequired'
}

export class MissingSchema extends RequestException {
  override name = 'MissingSchema'
}

export class InvalidSchema extends RequestException {
  override name = 'InvalidSchema'
}

export class InvalidURL extends RequestException {
  override name = 'InvalidURL'
}

export class InvalidHeader extends RequestException {
  override name = 'InvalidHeader'
}

/** A chunked body cut short or malformed, or a body shorter than its Content-Length. */
export class ChunkedEncodingError extends RequestException {
  override name = 'ChunkedEncodingError'
}

export class ContentDecodingError extends RequestException {
  override name = 'ContentDecodingError'
}

export class InvalidJSONError extends RequestException {
  override name = 'InvalidJSONError'
}

export class JSONDecodeError extends InvalidJSONError {
  override name = 'JSONDecodeError'
}

export class StreamConsumedError extends RequestException {
  override name = 'StreamConsumedError'
}

export class StreamNotLoadedError extends RequestException {
  override name = 'StreamNotLoadedError'
}

export class UnrewindableBodyError extends RequestException {
  override name = 'UnrewindableBodyError'
}

export class RetryError extends RequestException {
  override name = 'RetryError'
}

/**
 * Translates the wire layer's errors into the hierarchy. A body that ended early is a
 * ChunkedEncodingError (API.md: never a silently short body); any other violation by the server
 * is a ProtocolError; what the caller asked for and could not be serialized is InvalidHeader or
 * InvalidURL.
 */
export function fromWireError(err: ParseError | SerializeError | DecodeError, options: RequestErrorOptions & { phase?: Phase } = {}): RequestException {
  const where = options.url === undefined ? '' : ` (${options.url})`
  if (err instanceof ParseError) {
    if (err.code === 'PREMATURE_EOF') {
      if (options.phase === 'body') {
        return new ChunkedEncodingError(`connection closed before the whole body arrived${where}`, { ...options, cause: err, code: err.code })
      }
      // Not a framing violation: the server (or something between) simply hung up.
      return new ConnectionError(`server closed the connection before the response was complete${where}`, { ...options, cause: err, code: err.code })
    }
    if (isChunkError(err.code)) {
      return new ChunkedEncodingError(`invalid chunked body: ${err.message}${where}`, { ...options, cause: err, code: err.code })
    }
    return new ProtocolError(`${err.message}${where}`, { ...options, cause: err, code: err.code, offset: err.offset })
  }
  if (err instanceof SerializeError) {
    const message = `${err.message}${where}`
    if (err.code === 'INVALID_TARGET') return new InvalidURL(message, { ...options, cause: err })
    return new InvalidHeader(message, { ...options, cause: err })
  }
  return new ContentDecodingError(`${err.message}${where}`, { ...options, cause: err, code: err.code })
}

function isChunkError(code: ParseError['code']): boolean {
  return code === 'INVALID_CHUNK_SIZE' || code === 'CHUNK_SIZE_TOO_LARGE' || code === 'CHUNK_EXTENSION_TOO_LARGE'
    || code === 'INVALID_CHUNK_EXTENSION' || code === 'MISSING_CHUNK_CRLF' || code === 'TRAILERS_TOO_LARGE'
}

/**
 * Gives an error from below (the transport, the wire, a decoder) the request, response and URL
 * it belongs to. The transport knows only the origin, so an error without a request gets the
 * caller's full URL too; wire errors become the API's classes first.
 */
export function inContext(err: unknown, context: { request: RequestLike | null; response?: ResponseLike | null; url: string; phase?: Phase }): unknown {
  if (isWireError(err)) return fromWireError(err, { request: context.request, response: context.response ?? null, url: context.url, ...(context.phase === undefined ? {} : { phase: context.phase }) })
  if (err instanceof RequestException) {
    if (err.request === null) {
      err.request = context.request
      err.url = context.url
    }
    err.response ??= context.response ?? null
  }
  return err
}

export function isWireError(err: unknown): err is ParseError | SerializeError | DecodeError {
  return err instanceof ParseError || err instanceof SerializeError || err instanceof DecodeError
}
