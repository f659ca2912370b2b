// HTTPAdapter: the one seam between the Requests API and the transport (DESIGN.md). It turns a
// PreparedRequest into a pool request, the pool's head into a Response, attaches the request to
// every error the transport raises, and applies the mounted Retry policy. A session mounts it
// for http:// and https://; anything else with send() and close() can be mounted instead.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { LookupFunction } from 'node:net'
import { inContext, InvalidHeader, ReadTimeout, RequestException, RetryError, SSLError } from './errors.js'
import { timeoutsLeft, type CertInput, type SendOptions, type VerifyInput } from './options.js'
import { PoolManager, checkPoolOption, type OriginStats, type PoolResponse, type ProxyConfig, type TlsOptions } from './pool/index.js'
import { parseProxyUrl, selectProxy, type ParsedProxy } from './proxies.js'
import type { PreparedRequest } from './request.js'
import { Response, type Connection } from './response.js'
import { Retry, type FailureKind } from './retry.js'
import { CaseInsensitiveDict } from './structures.js'
import { wireTarget } from './urls.js'

export interface HTTPAdapterOptions {
  /** Origins whose pools are kept (default 10). */
  poolConnections?: number
  /** Connections kept per origin (default 10). */
  poolMaxSize?: number
  /** At poolMaxSize: wait for a connection (true) or open extra ones closed after use (false, default). */
  poolBlock?: boolean
  /** Milliseconds a request may wait for a connection when blocking. */
  poolTimeout?: number
  /** Milliseconds an idle connection is kept (default 4000), never longer than the server's Keep-Alive hint. */
  keepAliveTimeout?: number
  /** Requests in flight per connection (default 1: no pipelining). */
  pipelining?: number
  /** A number of connect retries, or a Retry policy (default 0). */
  maxRetries?: number | Retry
  /** Replaces dns.lookup (tests map names to loopback with it). */
  lookup?: LookupFunction
  /** Default cap on decoded body bytes for requests that set none (default: no limit). */
  maxBodySize?: number | null
}

export class HTTPAdapter implements Connection {
  readonly maxRetries: Retry
  readonly maxBodySize: number | null
  readonly #pool: PoolManager

  constructor(options: HTTPAdapterOptions = {}) {
    this.maxRetries = Retry.from(options.maxRetries)
    this.maxBodySize = options.maxBodySize ?? null
    // Checked here under the names the caller used; the pool checks them again under its own.
    checkPoolOption('poolMaxSize', options.poolMaxSize, 'count')
    checkPoolOption('poolConnections', options.poolConnections, 'count')
    checkPoolOption('poolTimeout', options.poolTimeout, 'ms')
    checkPoolOption('keepAliveTimeout', options.keepAliveTimeout, 'ms')
    this.#pool = new PoolManager({
      maxSize: options.poolMaxSize,
      block: options.poolBlock,
      poolTimeout: options.poolTimeout,
      keepAliveTimeout: options.keepAliveTimeout,
      maxOrigins: options.poolConnections,
      lookup: options.lookup,
      ...(options.pipelining === undefined ? {} : { pipelining: options.pipelining }),
    })
  }

  send(request: PreparedRequest, options: SendOptions): Promise<Response> {
    // No retries allowed (the default): one exchange, and none of the policy's bookkeeping.
    if (this.maxRetries.total === 0) {
      let exchange: Promise<PoolResponse>
      try {
        exchange = this.#exchange(request, options)
      } catch (err) {
        return Promise.reject(attachRequest(err, request))
      }
      return exchange.then(
        (res) => this.#responseFor(request, res, options),
        (err: unknown) => Promise.reject(attachRequest(err, request)),
      )
    }
    return this.#sendWithRetries(request, options)
  }

  async #sendWithRetries(request: PreparedRequest, options: SendOptions): Promise<Response> {
    let retry = this.maxRetries
    for (;;) {
      let response: Response
      try {
        response = this.#responseFor(request, await this.#exchange(request, options), options)
      } catch (err) {
        const error = attachRequest(err, request)
        const kind = failureKind(error)
        if (kind === null || !retry.shouldRetryFailure(request.method, kind) || !canResend(request)) throw error
        retry = nextAttempt(retry, { method: request.method, url: request.url, error: error as Error, status: null }, kind)
        await sleep(retry.backoff(), options, request.url)
        continue
      }
      const retryAfter = response.headers.get('Retry-After')
      if (!retry.shouldRetryStatus(request.method, response.statusCode, retryAfter !== undefined) || !canResend(request)) {
        return response
      }
      try {
        retry = retry.increment({ method: request.method, url: request.url, error: null, status: response.statusCode }, 'status')
      } catch (err) {
        if (!retry.raiseOnStatus) return response
        await response.drain()
        const error = err as RetryError
        error.request = request
        error.response = response
        throw error
      }
      await response.drain()
      const wait = retry.respectRetryAfterHeader ? Retry.parseRetryAfter(retryAfter) : null
      await sleep(wait ?? retry.backoff(), options, request.url)
    }
  }

  /** Open, idle, busy and queued connections per origin. */
  stats(): OriginStats[] {
    return this.#pool.stats()
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }

  #exchange(request: PreparedRequest, options: SendOptions): Promise<PoolResponse> {
    const target = wireTarget(request.url)
    // The Host header, if set by hand, replaces the one made from the URL (Requests allows it).
    let host: string = target.host
    let proxyAuthorization: string | undefined
    const fields: string[] = []
    request.headers.forEach((value, name) => {
      if (name.length === 4 && name.toLowerCase() === 'host') host = value
      else if (name.length === 19 && name.toLowerCase() === 'proxy-authorization') proxyAuthorization = value
      else fields.push(name, value)
    })
    const proxyUrl = selectProxy(request.url, options.proxies)
    const proxy = proxyUrl === null ? undefined : proxyConfig(proxyUrl, proxyAuthorization, options.verify, request)
    let requestTarget = target.target
    if (proxy !== undefined && target.scheme === 'http') {
      // A plain-http proxy forwards the request itself: absolute-form (RFC 9112 §3.2.2), and the
      // proxy's credentials on every request, since the proxy reads each one.
      requestTarget = `http://${target.host}${target.target}`
      if (proxy.authorization !== undefined) fields.push('Proxy-Authorization', proxy.authorization)
    } else if (proxy === undefined && proxyAuthorization !== undefined) {
      // No proxy: a Proxy-Authorization set by hand goes to whoever asked for it.
      fields.push('Proxy-Authorization', proxyAuthorization)
    }
    // Through a CONNECT tunnel the credentials went to the proxy on the CONNECT: the origin never sees them.
    return this.#pool.request({
      origin: { scheme: target.scheme, hostname: target.hostname, port: target.port },
      method: request.method,
      target: requestTarget,
      host,
      headers: fields,
      body: request.takeBody(),
      timeout: timeoutsLeft(options, request.url),
      signal: options.signal ?? undefined,
      tls: target.scheme === 'https' ? tlsOptions(options.verify, options.cert, request) : undefined,
      proxy,
    })
  }

  #responseFor(request: PreparedRequest, res: PoolResponse, options: SendOptions): Response {
    const framing = res.framing
    const response = new Response({
      statusCode: res.status,
      reason: res.reason,
      headers: CaseInsensitiveDict.fromRawPairs(res.headers),
      url: request.url,
      request,
      elapsed: res.elapsed,
      connection: this,
      body: res.body,
      transferCodings: framing.kind === 'chunked' || framing.kind === 'close' ? framing.codings : [],
      maxBodySize: options.maxBodySize ?? this.maxBodySize,
    })
    // A buffered send reads the body at once; a redirect's body is left to the session's history cap.
    if (!options.stream && !response.isRedirect) response.prefetch()
    return response
  }
}

/** Every error leaving the transport names the request; wire errors become the API's classes. */
function attachRequest(err: unknown, request: PreparedRequest): unknown {
  return inContext(err, { request, url: request.url })
}

/** Which retry counter a failure spends, or null when it is not a transport failure at all. */
function failureKind(err: unknown): FailureKind | null {
  if (!(err instanceof RequestException) || err instanceof SSLError || err instanceof InvalidHeader) return null
  // A server that went quiet is a read failure (urllib3 retries it when the policy allows);
  // a spent total timeout is not: retrying would outlive the budget the caller set.
  if (err instanceof ReadTimeout) return err.code === 'READ_TIMEOUT' ? 'read' : null
  const phase = (err as { phase?: unknown }).phase
  if (phase === 'connect') return 'connect'
  if (phase === 'write' || phase === 'head' || phase === 'body') return 'read'
  return null
}

/** Counts one more attempt; when the policy is spent, the last failure itself is thrown (as Requests' ConnectionError wrapping MaxRetryError). */
function nextAttempt(retry: Retry, attempt: { method: string; url: string; error: Error; status: null }, kind: FailureKind): Retry {
  try {
    return retry.increment(attempt, kind)
  } catch (err) {
    if (err instanceof RetryError) throw attempt.error
    throw err
  }
}

/** A request can go again unless its body was a stream that has been read. */
function canResend(request: PreparedRequest): boolean {
  try {
    request.rewindBody()
    return true
  } catch {
    return false
  }
}

/** Waits before a retry; a wait that would outlast the call's total timeout fails now instead. */
function sleep(ms: number, options: SendOptions, url: string): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  const signal = options.signal
  if (options.deadline !== null && options.deadline !== undefined && performance.now() + ms >= options.deadline) {
    return Promise.reject(new ReadTimeout(`a retry would wait past the total timeout for url: ${url}`, { url, code: 'TOTAL_TIMEOUT' }))
  }
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Proxy settings by URL, credentials and verification: one object each, so the pool's keys are computed once. */
const proxyConfigs = new Map<string, ProxyConfig>()

/**
 * The pool's ProxyConfig for a proxy URL. Credentials come from the URL's userinfo, else from a
 * Proxy-Authorization header the request carries (HTTPProxyAuth). An https:// proxy is verified
 * as the origin would be (the request's verify setting and CA bundle).
 */
function proxyConfig(proxyUrl: string, headerAuthorization: string | undefined, verify: VerifyInput, request: PreparedRequest): ProxyConfig {
  const key = `${proxyUrl}\0${headerAuthorization ?? ''}\0${String(verify)}`
  const known = proxyConfigs.get(key)
  if (known !== undefined) return known
  let parsed: ParsedProxy
  try {
    parsed = parseProxyUrl(proxyUrl)
  } catch (err) {
    if (err instanceof RequestException) err.request = request
    throw err
  }
  const authorization = parsed.authorization ?? headerAuthorization
  const config: ProxyConfig = {
    origin: { scheme: parsed.scheme, hostname: parsed.hostname, port: parsed.port },
    ...(authorization === undefined ? {} : { authorization }),
    ...(parsed.scheme === 'https' ? { tls: tlsOptions(verify, null, request) } : {}),
  }
  if (proxyConfigs.size >= 64) proxyConfigs.clear()
  proxyConfigs.set(key, config)
  return config
}

// ---------------------------------------------------------------------------------------------
// verify / cert → the pool's TlsOptions. Files are read once per path and kept: a CA bundle is
// hundreds of KiB, and the pool keys (and caches secure contexts) by their content.

const fileCache = new Map<string, Buffer>()

function readPem(path: string, what: string, request: PreparedRequest): Buffer {
  const cached = fileCache.get(path)
  if (cached !== undefined) return cached
  let data: Buffer
  try {
    data = statSync(path).isDirectory() ? readCaDirectory(path) : readFileSync(path)
  } catch (err) {
    throw new SSLError(`could not read the ${what} at ${path}: ${(err as Error).message}`, { request, cause: err, phase: 'connect', code: 'TLS_FILE_UNREADABLE' })
  }
  fileCache.set(path, data)
  return data
}

/** Every certificate file of a CA directory (OpenSSL's c_rehash layout or plain .pem/.crt files). */
function readCaDirectory(dir: string): Buffer {
  const parts: Buffer[] = []
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name)
    if (!statSync(full).isFile()) continue
    const text = readFileSync(full)
    if (text.includes('-----BEGIN CERTIFICATE-----')) parts.push(text, Buffer.from('\n'))
  }
  return Buffer.concat(parts)
}

/** Set once the process has been warned about `verify: false`. */
let warnedInsecure = false

/**
 * One TlsOptions object per (verify, cert) setting: the pool keys connections and caches secure
 * contexts by these objects, and a fresh object per request would hash the CA bundle (hundreds
 * of KiB) on every request. A cert given as an object (buffers) is remembered by identity.
 */
const tlsByPaths = new Map<string, TlsOptions>()
const tlsByCertObject = new WeakMap<object, Map<string, TlsOptions>>()

function tlsOptions(verify: VerifyInput, cert: CertInput | null, request: PreparedRequest): TlsOptions {
  const verifyKey = typeof verify === 'string' ? `ca:${verify}` : String(verify)
  let memo: Map<string, TlsOptions>
  let key: string
  if (cert === null || typeof cert === 'string' || Array.isArray(cert)) {
    memo = tlsByPaths
    key = `${verifyKey}\0${cert === null ? '' : typeof cert === 'string' ? cert : (cert as readonly string[]).join('\0')}`
  } else {
    memo = tlsByCertObject.get(cert) ?? new Map<string, TlsOptions>()
    tlsByCertObject.set(cert, memo)
    key = verifyKey
  }
  const known = memo.get(key)
  if (known !== undefined) return known
  const options = buildTlsOptions(verify, cert, request)
  if (memo.size >= 64) memo.clear()
  memo.set(key, options)
  return options
}

function buildTlsOptions(verify: VerifyInput, cert: CertInput | null, request: PreparedRequest): TlsOptions {
  if (verify === false && !warnedInsecure) {
    // urllib3 warns on every such request; once per process says it without drowning a log.
    warnedInsecure = true
    process.emitWarning(`verify: false: the certificate of ${wireTarget(request.url).hostname} (and of every later host asked with verify: false) is not checked; anyone on the path can read and change these requests`, { code: 'REQWIRE_INSECURE_REQUEST' })
  }
  const options: { verify: boolean; ca?: Buffer; cert?: string | Buffer; key?: string | Buffer; passphrase?: string } = {
    verify: verify !== false,
  }
  if (typeof verify === 'string') options.ca = readPem(verify, 'CA bundle', request)
  if (cert !== null) {
    if (typeof cert === 'string') {
      const pem = readPem(cert, 'client certificate', request)
      options.cert = pem
      options.key = pem
    } else if (Array.isArray(cert)) {
      const [certPath, keyPath] = cert as readonly [string, string]
      options.cert = readPem(certPath, 'client certificate', request)
      options.key = readPem(keyPath, 'client key', request)
    } else {
      const pieces = cert as { cert: string | Buffer; key: string | Buffer; passphrase?: string }
      options.cert = typeof pieces.cert === 'string' ? readPem(pieces.cert, 'client certificate', request) : pieces.cert
      options.key = typeof pieces.key === 'string' ? readPem(pieces.key, 'client key', request) : pieces.key
      if (pieces.passphrase !== undefined) options.passphrase = pieces.passphrase
    }
  }
  return options
}
