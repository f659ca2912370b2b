// The wire layer's own errors. lib/http1 imports nothing of the project, so it cannot throw the
// API's RequestException family; it throws these three instead, each with a stable `code`, and
// the transport translates them into ProtocolError, InvalidHeader, ContentDecodingError … in one
// place. Tests check classes and codes, never message text.

/** Why the parser refused what the server sent. */
export type ParseErrorCode =
  // Status line (RFC 9112 §4)
  | 'INVALID_STATUS_LINE'
  | 'INVALID_VERSION'
  | 'INVALID_STATUS_CODE'
  // Field lines (RFC 9112 §5, RFC 9110 §5.5)
  | 'INVALID_HEADER_NAME'
  | 'INVALID_HEADER_VALUE'
  | 'WHITESPACE_BEFORE_COLON'
  | 'OBS_FOLD'
  | 'BARE_CR'
  | 'BARE_LF'
  | 'HEAD_TOO_LARGE'
  | 'TOO_MANY_FIELDS'
  | 'TOO_MANY_INTERIM_RESPONSES'
  | 'UNEXPECTED_UPGRADE'
  // Framing (RFC 9112 §6)
  | 'INVALID_CONTENT_LENGTH'
  | 'CONFLICTING_CONTENT_LENGTH'
  | 'CONFLICTING_FRAMING'
  | 'INVALID_TRANSFER_ENCODING'
  | 'TRANSFER_ENCODING_IN_HTTP10'
  // Chunked coding (RFC 9112 §7.1)
  | 'INVALID_CHUNK_SIZE'
  | 'CHUNK_SIZE_TOO_LARGE'
  | 'CHUNK_EXTENSION_TOO_LARGE'
  | 'INVALID_CHUNK_EXTENSION'
  | 'MISSING_CHUNK_CRLF'
  | 'TRAILERS_TOO_LARGE'
  // Connection life cycle
  | 'UNSOLICITED_DATA'
  | 'PREMATURE_EOF'
  | 'PARSER_FAILED'

/** The server broke HTTP/1.1. `offset` counts bytes since the parser was created. */
export class ParseError extends Error {
  override name = 'ParseError' as const
  readonly code: ParseErrorCode
  readonly offset: number

  constructor(code: ParseErrorCode, offset: number, detail: string) {
    super(`${detail} (${code} at byte ${offset})`)
    this.code = code
    this.offset = offset
  }
}

/** Why the serializer refused to produce a request. */
export type SerializeErrorCode =
  | 'INVALID_METHOD'
  | 'INVALID_TARGET'
  | 'INVALID_HEADER_NAME'
  | 'INVALID_HEADER_VALUE'
  | 'DUPLICATE_HOST'

/** The caller asked for bytes that would not be valid HTTP/1.1; nothing was produced. */
export class SerializeError extends Error {
  override name = 'SerializeError' as const
  readonly code: SerializeErrorCode
  /** The offending field: `method`, `target`, or the header's name as given. */
  readonly field: string

  constructor(code: SerializeErrorCode, field: string, detail: string) {
    super(detail)
    this.code = code
    this.field = field
  }
}

/** Why a content-coded body could not be decoded. */
export type DecodeErrorCode =
  | 'TOO_MANY_CODINGS'
  | 'CORRUPT_DATA'
  | 'TRUNCATED_DATA'
  | 'BODY_TOO_LARGE'

/** A gzip, deflate or br body that is corrupt, cut short, or larger than allowed once decoded. */
export class DecodeError extends Error {
  override name = 'DecodeError' as const
  readonly code: DecodeErrorCode

  constructor(code: DecodeErrorCode, detail: string, options?: ErrorOptions) {
    super(detail, options)
    this.code = code
  }
}
