// The HTTP/1.1 wire, sans-IO: serializer, incremental response parser, framing, chunked coding
// and content decoding. Bytes in, events out: no sockets, timers or promises anywhere below here.

export * from './errors.js'
export * from './limits.js'
export { decideFraming, type Framing, type FramingInput, type FramingViolation, type HttpVersion } from './framing.js'
export {
  ResponseParser,
  type CloseReason,
  type ExpectedResponse,
  type MessageEnd,
  type ResponseHandler,
  type ResponseHead,
} from './parser.js'
export {
  serializeHead,
  serializeRequest,
  originForm,
  absoluteForm,
  authorityForm,
  chunkHeader,
  encodeChunk,
  lastChunk,
  CRLF,
  type RequestHead,
} from './serializer.js'
