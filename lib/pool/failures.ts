// The one place where what sockets, TLS and the parser throw becomes reqwire's error hierarchy:
// system errors become ConnectionError (with the phase and the system code), or ChunkedEncodingError
// once the body was under way; certificate and handshake failures SSLError; the wire layer's
// errors ProtocolError / ChunkedEncodingError.

import { ChunkedEncodingError, ConnectionError, RequestException, SSLError, fromWireError, isWireError, type Phase } from '../errors.js'

/** OpenSSL verification results Node reports as `code`, in words a person can act on. */
const CERTIFICATE_PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate is in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate was signed by an unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate was signed by an unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate was signed by an unknown issuer',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  CERT_REVOKED: 'the certificate was revoked',
  CERT_UNTRUSTED: 'the certificate is not trusted',
  CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not match the host name',
  // Alerts from the server. Under TLS 1.3 a refused client certificate arrives after the
  // handshake, on the first read (RFC 8446 §4.4.2.4), so these can show in the head phase too.
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate (the cert option)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server refused the client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'the server refused the client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the client certificate\'s issuer',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the TLS handshake failed (no protocol version or cipher in common, or a client certificate was required)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer in TLS (is it plain HTTP?)',
}

interface SystemError extends Error {
  code?: string
  reason?: string
}

/** Translates anything a connection can fail with; a RequestException passes through. */
export function translateFailure(err: unknown, phase: Phase, url: string): RequestException {
  if (err instanceof RequestException) return err
  if (isWireError(err)) return fromWireError(err, { phase, url })
  const cause = firstOf(err)
  const code = cause.code ?? null
  if (code !== null && isTlsProblem(code, cause)) {
    const problem = CERTIFICATE_PROBLEMS[code]
    const detail = problem === undefined ? cause.message : `${problem}: ${cause.reason ?? cause.message}`
    return new SSLError(`TLS failed: ${detail} for url: ${url}`, { cause: err, phase, code, url })
  }
  if (phase === 'body') {
    // Whatever broke the connection (a reset, mostly), the body the caller reads is cut short:
    // the failure API.md and Requests name ChunkedEncodingError, as for a FIN before the end.
    return new ChunkedEncodingError(`${describe(phase)}, which is cut short: ${cause.message} for url: ${url}`, { cause: err, code: code ?? undefined, url })
  }
  return new ConnectionError(`${describe(phase)}: ${cause.message} for url: ${url}`, { cause: err, phase, code: code ?? undefined, url })
}

function isTlsProblem(code: string, err: SystemError): boolean {
  if (code in CERTIFICATE_PROBLEMS) return true
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return true
  // OpenSSL errors carry `library` ('SSL routines') without a Node-style code prefix.
  return 'library' in err && 'reason' in err
}

/** Happy-eyeballs dialing reports an AggregateError holding one error per address tried. */
function firstOf(err: unknown): SystemError {
  if (err instanceof AggregateError && err.errors.length > 0) return firstOf(err.errors[err.errors.length - 1])
  if (err instanceof Error) return err as SystemError
  return new Error(String(err))
}

function describe(phase: Phase): string {
  switch (phase) {
    case 'connect':
      return 'could not connect'
    case 'write':
      return 'connection failed while sending the request'
    case 'head':
      return 'connection failed before the response arrived'
    case 'body':
      return 'connection failed while reading the response body'
  }
}
