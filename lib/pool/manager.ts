// Origin → Pool. The key holds everything that makes two connections interchangeable: scheme,
// host, port, proxy and the TLS identity (verification on or off, CA, client certificate,
// servername). Leaving verification out of it is how Requests once reused an unverified
// connection for a verified request (CVE-2024-35195).

import { createHash } from 'node:crypto'
import { SSLError } from '../errors.js'
import { checkMaterial, tlsIdentity } from '../tls/index.js'
import { prepareOutgoing } from './outgoing.js'
import { pipeliningDepth } from './pipelining.js'
import { Pool, type PoolSettings } from './pool.js'
import type { OriginStats, PoolOptions, PoolRequest, PoolResponse, ProxyConfig, TlsOptions } from './types.js'

const DEFAULTS = { maxSize: 10, block: false, keepAliveTimeout: 4000, maxOrigins: 10 } as const

export class PoolManager {
  private readonly pools = new Map<string, Pool>()
  /** Evicted pools with requests still in flight. */
  private readonly retired = new Set<Pool>()
  private readonly settings: PoolSettings
  private readonly maxOrigins: number
  private uses = 0
  private closed = false

  constructor(private readonly options: PoolOptions = {}) {
    this.settings = {
      maxSize: checkPoolOption('maxSize', options.maxSize, 'count') ?? DEFAULTS.maxSize,
      block: options.block ?? DEFAULTS.block,
      poolTimeout: checkPoolOption('poolTimeout', options.poolTimeout, 'ms'),
      keepAliveTimeout: checkPoolOption('keepAliveTimeout', options.keepAliveTimeout, 'ms') ?? DEFAULTS.keepAliveTimeout,
      pipelining: pipeliningDepth(options.pipelining),
    }
    this.maxOrigins = checkPoolOption('maxOrigins', options.maxOrigins, 'count') ?? DEFAULTS.maxOrigins
  }

  /** Sends a request; resolves when the response head has arrived. */
  request(request: PoolRequest): Promise<PoolResponse> {
    try {
      if (this.closed) throw new Error('PoolManager is closed')
      // Everything that can be refused is refused here, before a socket is chosen or opened.
      const outgoing = prepareOutgoing(request, request.host ?? hostHeader(request))
      return this.poolFor(request).request(request, outgoing)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  stats(): OriginStats[] {
    return [...this.pools.values()].map((pool) => pool.stats())
  }

  /** Closes every connection and refuses further requests. */
  async close(): Promise<void> {
    this.closed = true
    for (const pool of this.pools.values()) pool.close()
    for (const pool of this.retired) pool.close()
    this.pools.clear()
    this.retired.clear()
  }

  private poolFor(request: PoolRequest): Pool {
    const key = poolKey(request)
    let pool = this.pools.get(key)
    if (pool === undefined) {
      if (request.origin.scheme === 'https') checkTlsMaterial(request.tls)
      if (request.proxy?.origin.scheme === 'https') checkTlsMaterial(request.proxy.tls)
      pool = new Pool(key, this.settings, {
        origin: request.origin,
        tls: request.tls,
        lookup: this.options.lookup,
        sessionKey: key,
        proxy: request.proxy,
      })
      pool.lastUsed = ++this.uses
      this.pools.set(key, pool)
      if (this.pools.size > this.maxOrigins) this.evict()
    }
    pool.lastUsed = ++this.uses
    return pool
  }

  /**
   * Drops the least recently used pool beyond maxOrigins (poolConnections). It is retired, not
   * closed: what it has in flight finishes (urllib3 closes only the idle connections). Retired
   * pools are remembered until empty, so that close() reaches their connections too.
   */
  private evict(): void {
    let oldest: Pool | null = null
    for (const pool of this.pools.values()) if (oldest === null || pool.lastUsed < oldest.lastUsed) oldest = pool
    if (oldest === null) return
    this.pools.delete(oldest.key)
    oldest.retire()
    for (const pool of this.retired) if (pool.empty) this.retired.delete(pool)
    if (!oldest.empty) this.retired.add(oldest)
  }
}

/**
 * A size or duration option, checked when the pool is made rather than found out later (a pool
 * of 0 connections would wait forever; NaN ms fires at once). `count`: a whole number, at least
 * 1; `ms`: a finite number, at least 0. The HTTPAdapter checks its own options with it too, under
 * their API names.
 */
export function checkPoolOption(name: string, value: number | undefined, kind: 'count' | 'ms'): number | undefined {
  if (value === undefined) return undefined
  const ok = kind === 'count' ? Number.isSafeInteger(value) && value >= 1 : Number.isFinite(value) && value >= 0
  if (!ok) {
    const rule = kind === 'count' ? 'a whole number, at least 1' : 'a number of milliseconds, at least 0'
    throw new RangeError(`${name} must be ${rule}; got ${String(value)}`)
  }
  return value
}

/** The Host value for an origin: the port is left out when it is the scheme's default. */
function hostHeader(request: PoolRequest): string {
  const { scheme, hostname, port } = request.origin
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  const defaultPort = scheme === 'https' ? 443 : 80
  return port === defaultPort ? host : `${host}:${port}`
}

/** Keys computed from TLS options, by object: hashing a CA bundle per request would be wasteful. */
const tlsKeys = new WeakMap<TlsOptions, string>()

export function poolKey(request: PoolRequest): string {
  const { scheme, hostname, port } = request.origin
  let key = `${scheme}://${hostname}:${port}`
  if (scheme === 'https') key += `|${tlsKeyOf(request.tls)}`
  if (request.proxy !== undefined) key += `|proxy=${proxyKey(request.proxy)}`
  return key
}

function tlsKeyOf(tls: TlsOptions | undefined): string {
  if (tls === undefined) return 'verify/default/'
  let key = tlsKeys.get(tls)
  if (key === undefined) {
    key = tlsIdentity(tls)
    tlsKeys.set(tls, key)
  }
  return key
}

function proxyKey(proxy: ProxyConfig): string {
  const { scheme, hostname, port } = proxy.origin
  // Tunnels opened with different credentials must not be shared, yet the credentials must not
  // be readable in stats(): the key holds a digest of them.
  const auth = proxy.authorization === undefined ? '' : `@${createHash('sha256').update(proxy.authorization).digest('base64url').slice(0, 16)}`
  // An https:// proxy is a TLS peer too: connections made to it with different verification
  // must not be shared either.
  const tls = scheme === 'https' ? `|${tlsKeyOf(proxy.tls)}` : ''
  return `${scheme}://${hostname}:${port}${auth}${tls}`
}

/** A wrong passphrase or a malformed PEM fails now, with a clear error, not during a handshake. */
function checkTlsMaterial(tls: TlsOptions | undefined): void {
  if (tls === undefined) return
  try {
    checkMaterial(tls)
  } catch (err) {
    throw new SSLError(`unusable TLS material (CA, certificate or key): ${(err as Error).message}`, { cause: err, phase: 'connect', code: 'BAD_TLS_MATERIAL' })
  }
}
