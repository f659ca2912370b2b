// Budgets the parser enforces so that a hostile or broken server costs bounded memory and time.
// Each default is a named constant with the reason it has the value it has; every one can be
// overridden per parser through ParserLimits.

/**
 * Bytes of one response head (status line + fields + the empty line). Node's 16 KiB refuses real
 * responses with large Content-Security-Policy or Set-Cookie fields; curl allows 100 KiB for one
 * field. 64 KiB takes every real-world head we know of and bounds a trickled head.
 */
export const MAX_HEAD_SIZE = 64 * 1024

/**
 * Field lines in one head (or in the trailers). A head of 64 KiB could hold ~13,000 minimal
 * fields; real responses stay under a hundred even with many Set-Cookie lines. 500 bounds the
 * per-field work and the array we build.
 */
export const MAX_FIELDS = 500

/**
 * 1xx responses before the final one. 102 Processing may legitimately repeat during a long
 * operation, but a server that sends them forever must not keep the client busy forever.
 */
export const MAX_INTERIM_RESPONSES = 64

/**
 * Bytes of one chunk-size line, extensions included. Nobody uses chunk extensions; the bound is
 * what keeps a 1 MiB extension (CVE-2024-22019 in Node) from being buffered or scanned for long.
 */
export const MAX_CHUNK_LINE = 4 * 1024

/** Bytes of the trailer section of a chunked body; trailers are rare and small. */
export const MAX_TRAILER_SIZE = 16 * 1024

/** Content codings applied in a chain, as urllib3 caps them: more is an attack, not a body. */
export const MAX_CONTENT_CODINGS = 5

export interface ParserLimits {
  maxHeadSize: number
  maxFields: number
  maxInterimResponses: number
  maxChunkLine: number
  maxTrailerSize: number
}

export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxHeadSize: MAX_HEAD_SIZE,
  maxFields: MAX_FIELDS,
  maxInterimResponses: MAX_INTERIM_RESPONSES,
  maxChunkLine: MAX_CHUNK_LINE,
  maxTrailerSize: MAX_TRAILER_SIZE,
})
