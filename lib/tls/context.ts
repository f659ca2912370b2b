// Secure contexts and TLS sessions, cached. Building a SecureContext parses every CA certificate
// it is given, which costs milliseconds with a full bundle, so contexts are built once per
// (CA, certificate, key, passphrase) and shared. Sessions are kept per origin so that a new
// connection resumes (an abbreviated handshake) instead of starting from scratch.

import { createHash } from 'node:crypto'
import { createSecureContext, type SecureContext } from 'node:tls'

/** The PEM material a context is built from. */
export interface ContextMaterial {
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  readonly passphrase?: string
}

/** A short stable digest of the material, for cache and pool keys (never the material itself). */
export function materialId(material: ContextMaterial): string {
  const { ca, cert, key, passphrase } = material
  if (ca === undefined && cert === undefined && key === undefined) return 'default'
  const hash = createHash('sha256')
  const add = (label: string, part: string | Buffer | undefined): void => {
    hash.update(label)
    if (part !== undefined) hash.update(part)
    hash.update('\0')
  }
  for (const part of ca === undefined ? [] : Array.isArray(ca) ? ca : [ca]) add('ca', part as string | Buffer)
  add('cert', cert)
  add('key', key)
  add('passphrase', passphrase)
  return hash.digest('base64url').slice(0, 22)
}

/** Most distinct contexts a process keeps; each holds a parsed CA store. */
const MAX_CONTEXTS = 32

export class SecureContextCache {
  private readonly contexts = new Map<string, SecureContext>()

  /** The context for this material, or undefined for Node's default (no CA, no client cert). */
  get(material: ContextMaterial, id = materialId(material)): SecureContext | undefined {
    if (id === 'default') return undefined
    let context = this.contexts.get(id)
    if (context === undefined) {
      // Throws for a wrong passphrase or malformed PEM: before any connection is attempted.
      context = createSecureContext({
        ca: material.ca as string | Buffer | (string | Buffer)[] | undefined,
        cert: material.cert,
        key: material.key,
        passphrase: material.passphrase,
      })
      if (this.contexts.size >= MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!)
      this.contexts.set(id, context)
    }
    return context
  }
}

/** Sessions a process keeps for resumption, one per pool key. */
const MAX_SESSIONS = 256

export class SessionCache {
  private readonly sessions = new Map<string, Buffer>()

  get(key: string): Buffer | undefined {
    return this.sessions.get(key)
  }

  set(key: string, session: Buffer): void {
    this.sessions.delete(key)
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!)
    this.sessions.set(key, session)
  }

  delete(key: string): void {
    this.sessions.delete(key)
  }
}
