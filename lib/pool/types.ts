// The transport's own small API, used by the Requests layer's HTTPAdapter and by the benchmarks:
// a request goes in with origin, method, target, headers, body, timeouts and a signal; a head
// comes out with the body as an async iterable, and the connection goes back to its pool when
// the body has been read to the end.

import type { LookupFunction } from 'node:net'
import type { Readable } from 'node:stream'
import type { Framing, HttpVersion } from '../http1/index.js'

export type Scheme = 'http' | 'https'

/** Where the request goes: the scheme, host and port of the URL. */
export interface Origin {
  readonly scheme: Scheme
  /** A host name or an IP literal; IPv6 without brackets. */
  readonly hostname: string
  readonly port: number
}

/** TLS settings that decide whether two requests may share a connection (all part of the key). */
export interface TlsOptions {
  /** Verify the server's certificate and name (default true). */
  readonly verify?: boolean
  /** Extra trusted CA certificates (PEM), replacing the default store when given. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** Client certificate and key (PEM) and the key's passphrase. */
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  readonly passphrase?: string
  /** SNI and verification name; defaults to the origin's hostname (never sent for IP literals). */
  readonly servername?: string
}

/** An HTTP proxy the request goes through (plain http: absolute-form; https: CONNECT tunnel). */
export interface ProxyConfig {
  readonly origin: Origin
  /** Sent as Proxy-Authorization to the proxy, never to the origin. */
  readonly authorization?: string
  /** TLS options for an https:// proxy itself. */
  readonly tls?: TlsOptions
}

/** Milliseconds; undefined means no limit (the default, as in Requests). */
export interface Timeouts {
  /** DNS + TCP + TLS + proxy CONNECT. */
  readonly connect?: number
  /** Every wait for bytes from the server: the head and each gap in the body. */
  readonly read?: number
  /** The whole exchange, until the body has been read. */
  readonly total?: number
}

export type BodyChunk = Uint8Array | string

/**
 * A request body. Buffers and strings are sent with Content-Length in the same write as a small
 * head; streams and iterables are sent chunked unless the headers give a Content-Length, in
 * which case they must deliver exactly that many bytes.
 */
export type RequestBody = Uint8Array | string | Readable | AsyncIterable<BodyChunk> | Iterable<BodyChunk>

export interface PoolRequest {
  readonly origin: Origin
  readonly method: string
  /** The request-target; origin-form `/path?q` unless going through a plain-http proxy. */
  readonly target: string
  /** The Host value; defaults to hostname[:port] of the origin (port left out when default). */
  readonly host?: string
  /** Fields other than Host, as [name, value, …]. Content-Length / Transfer-Encoding are added when missing. */
  readonly headers: readonly string[]
  readonly body?: RequestBody | null
  readonly timeout?: Timeouts
  readonly signal?: AbortSignal
  readonly tls?: TlsOptions
  readonly proxy?: ProxyConfig
  /** Replaces dns.lookup (tests map names to 127.0.0.1 with it; nothing real is ever resolved). */
  readonly lookup?: LookupFunction
}

export interface PoolResponse {
  readonly status: number
  readonly reason: string
  readonly version: HttpVersion
  /** Raw fields as [name, value, …] in arrival order. */
  readonly headers: string[]
  readonly framing: Framing
  /** 1xx responses seen before this one, oldest first. */
  readonly interim: readonly { status: number; headers: string[] }[]
  readonly body: ResponseBody
  /** True when the request went over a connection that had served an earlier request. */
  readonly reused: boolean
  /** Milliseconds from handing the request to a connection to parsing the response head. */
  readonly elapsed: number
}

/**
 * The response body, read once. Iterate it, or `collect()` it into one Buffer (the fast path:
 * one promise, no per-chunk await). Either way the connection returns to the pool at the end.
 */
export interface ResponseBody extends AsyncIterable<Buffer> {
  collect(): Promise<Buffer>
  /** Reads and discards the rest, so the connection can be reused (redirect bodies). */
  dump(): Promise<void>
  /** Abandons the body: the connection is closed, not reused. */
  destroy(reason?: Error): void
  /** Trailer fields of a chunked body, once it has ended. */
  readonly trailers: string[]
  /** True once the last byte has been read. */
  readonly complete: boolean
}

export interface PoolOptions {
  /** Connections kept per origin (default 10). */
  readonly maxSize?: number
  /** Wait for a free connection at maxSize (true), or open extra ones closed after use (false, default). */
  readonly block?: boolean
  /** Milliseconds a request may wait for a connection when blocking (default: no limit). */
  readonly poolTimeout?: number
  /** Milliseconds an idle connection is kept (default 4000), never longer than the server's Keep-Alive hint. */
  readonly keepAliveTimeout?: number
  /** Origins whose pools are kept (default 10); the least recently used beyond that is closed. */
  readonly maxOrigins?: number
  /** Default lookup for requests that bring none. */
  readonly lookup?: LookupFunction
  /**
   * Requests in flight per connection (default 1: no pipelining). Above 1, when every connection
   * is busy and none may be opened under maxSize, an idempotent request with no body or one in
   * memory is written behind others on a connection that has already kept a whole HTTP/1.1
   * response alive (RFC 9112 §9.3.2). A whole number, at least 1, or the constructor throws a
   * RangeError.
   */
  readonly pipelining?: number
}

export interface OriginStats {
  /** The pool key: scheme://host:port plus proxy and TLS identity. */
  readonly key: string
  readonly open: number
  readonly idle: number
  /** Connections carrying requests: with pipelining, each may carry several. */
  readonly busy: number
  /** Requests on connections and not yet answered in full (more than `busy` only when pipelining). */
  readonly inFlight: number
  readonly queued: number
}
