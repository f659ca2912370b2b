// Fixed bodies the test server hands out: the HTML, JSON, XML and UTF-8 sample pages, robots.txt,
// and a small PNG built at load time (with its own CRC-32) so no binary file is checked in.
// The texts are our own; only their shapes follow httpbin's (a `slideshow` document, and so on).

import { deflateSync } from 'node:zlib'
import type { Json } from './context.js'

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /deny\n'

export const DENY_TXT = '\n  This path is disallowed by /robots.txt.\n  A well-behaved crawler would not be reading this.\n'

export const TEAPOT_TXT = '\n    -=[ teapot ]=-\n\n  I am a teapot (RFC 2324): short, stout, and unwilling to brew coffee.\n'

export const INDEX_HTML = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>reqwire test httpbin</title></head>
<body>
<h1>reqwire test httpbin</h1>
<p>An in-process stand-in for httpbin.org, serving reqwire's tests and examples.</p>
<ul>
<li><a href="/get">/get</a></li>
<li><a href="/headers">/headers</a></li>
<li><a href="/ip">/ip</a></li>
<li><a href="/user-agent">/user-agent</a></li>
<li><a href="/html">/html</a></li>
<li><a href="/json">/json</a></li>
</ul>
</body>
</html>
`

export const HTML_PAGE = `<!DOCTYPE html>
<html>
  <head>
  </head>
  <body>
      <h1>The Lighthouse Keeper's Log</h1>
      <div>
        <p>
          The lamp was lit at dusk, as it had been every evening for forty years. The keeper climbed the
          hundred and twelve steps, trimmed the wick, wound the clockwork that turned the lens, and sat
          down by the window with his pipe and his ledger. Ships passed in the dark, each one a small
          constellation of its own, and he wrote down every one he saw: the hour, the heading, the
          lights she showed. Nobody had asked for the ledger in decades; he kept it anyway, because a
          record that nobody reads is still a record, and the sea deserved one.
        </p>
      </div>
  </body>
</html>`

export const SLIDESHOW_JSON: Json = {
  slideshow: {
    author: 'The Test Suite',
    date: 'date of publication',
    slides: [
      { title: 'HTTP/1.1 in one slide', type: 'all' },
      {
        items: ['Why <em>framing</em> matters', 'Who decides that a connection is <em>reusable</em>'],
        title: 'Overview',
        type: 'all',
      },
    ],
    title: 'Sample Slide Show',
  },
}

export const SLIDESHOW_XML = `<?xml version='1.0' encoding='us-ascii'?>

<!--  A SAMPLE set of slides  -->

<slideshow
    title="Sample Slide Show"
    date="Date of publication"
    author="The Test Suite"
    >

    <!-- TITLE SLIDE -->
    <slide type="all">
      <title>HTTP/1.1 in one slide</title>
    </slide>

    <!-- OVERVIEW -->
    <slide type="all">
        <title>Overview</title>
        <item>Why <em>framing</em> matters</item>
        <item/>
        <item>Who decides that a connection is <em>reusable</em></item>
    </slide>

</slideshow>`

/** Multi-byte UTF-8 in two-, three- and four-byte forms, for charset detection and decoding tests. */
export const UTF8_HTML = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>UTF-8 sample</title></head>
<body>
<h1>Unicode sampler — UTF-8</h1>
<pre>
Latin-1 range:   café, naïve, Zürich, façade, £ ¥ § ° ± ½
Greek:           Καλημέρα κόσμε — η γλώσσα μου έδωσαν ελληνική
Cyrillic:        Съешь же ещё этих мягких французских булок
Hebrew:          שלום עולם
Arabic:          مرحبا بالعالم
Devanagari:      नमस्ते दुनिया
Thai:            สวัสดีชาวโลก
CJK:             你好，世界 — こんにちは世界 — 안녕하세요 세계
Math:            ∀x ∈ ℝ: ⌈x⌉ ≥ x, ∑ᵢ aᵢ ≠ ∞, ∮ E·da = Q/ε₀
Arrows & boxes:  ← ↑ → ↓ ⇒ ⇔  ┌─┬─┐ │ │ │ └─┴─┘
Four-byte forms: 𝄞 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 🚀 🐘
</pre>
</body>
</html>
`

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 as PNG (and zlib, and Ethernet) define it: reflected polynomial 0xEDB88320. */
export function crc32(bytes: Buffer): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/** A 16×16 RGB gradient PNG: a valid image a client can check by signature and IHDR. */
function makePng(size: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: truecolour
  // bytes 10–12: deflate compression, adaptive filtering, no interlace (all zero)
  const rows: Buffer[] = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3) // leading filter byte 0: None
    for (let x = 0; x < size; x++) {
      row[1 + x * 3] = Math.round((x / (size - 1)) * 255)
      row[2 + x * 3] = Math.round((y / (size - 1)) * 255)
      row[3 + x * 3] = 0x80
    }
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

export const PNG_IMAGE = makePng(16)
