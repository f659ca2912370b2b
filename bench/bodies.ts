// The response bodies of the client suite that both sides must agree on: the own server
// (bench/server.ts) sends them, the parent (bench/clients.ts) checks every client's byte count
// against their lengths. Built deterministically, so two processes of one Node build agree.

import { gzipSync } from 'node:zlib'

export const KiB = 1024
export const MiB = 1024 * KiB

/** Bytes that vary by offset, so a client that mixed up two responses would not go unseen. */
export function bodyOf(length: number): Buffer {
  const body = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) body[i] = 0x61 + (i % 26)
  return body
}

/**
 * `/chunked`: 16 KiB of body sent as 16 chunks of 1 KiB, the shape of an application server
 * that writes as it renders. Letters only, so the raw-socket client may find the answer's end
 * by its last-chunk marker.
 */
export const CHUNK_SIZE = KiB
export const CHUNK_COUNT = 16
export const CHUNKED_DECODED_BYTES = CHUNK_SIZE * CHUNK_COUNT

/** The framed body of `/chunked` (chunk sizes, data, last chunk, no trailers). */
export function chunkedBody(): Buffer {
  const chunk = bodyOf(CHUNK_SIZE)
  const size = Buffer.from(`${CHUNK_SIZE.toString(16)}\r\n`, 'latin1')
  const crlf = Buffer.from('\r\n', 'latin1')
  const parts: Buffer[] = []
  for (let i = 0; i < CHUNK_COUNT; i++) parts.push(size, chunk, crlf)
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'))
  return Buffer.concat(parts)
}

/**
 * `/gzip`: an API answer as services send them, a JSON array of records (~16 KiB), gzipped once
 * at level 6 (zlib's default, what nginx and Express's compression use). Clients must return the
 * decoded JSON's length.
 */
export function gzipJson(): { readonly decoded: Buffer; readonly encoded: Buffer } {
  const records: string[] = []
  let length = 2
  for (let i = 0; length < 16 * KiB; i++) {
    const record = JSON.stringify({
      id: i,
      name: `item-${i}`,
      sku: `SKU-${(i * 7919) % 100_000}`,
      price: Math.round(((i * 37) % 10_000) * 1.07) / 100,
      tags: ['catalog', i % 3 === 0 ? 'sale' : 'regular', `group-${i % 11}`],
      active: i % 5 !== 0,
    })
    records.push(record)
    length += record.length + 1
  }
  const decoded = Buffer.from(`[${records.join(',')}]`, 'utf8')
  return { decoded, encoded: gzipSync(decoded, { level: 6 }) }
}
