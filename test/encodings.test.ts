// Body charsets against Requests' behaviour: the charset a Content-Type gives, Python-style
// decoding with replacement, guess_json_utf on every encoding it knows, and the incremental
// decoder at every split of a multi-byte character.

import t from 'tap'
import iconv from 'iconv-lite'
import {
  apparentEncoding,
  decodeText,
  encodingFromContentType,
  guessJsonUtf,
  incrementalDecoder,
  isKnownEncoding,
  parseJson,
} from '../lib/encodings.js'

t.test('a text type without a charset is ISO-8859-1, as Requests assumes', async t => {
  t.equal(encodingFromContentType('text/html'), 'ISO-8859-1')
  t.equal(encodingFromContentType('TEXT/plain; format=flowed'), 'ISO-8859-1')
})

t.test('the charset parameter wins, its name in any case, quotes and spaces stripped', async t => {
  t.equal(encodingFromContentType('text/html; charset=utf-8'), 'utf-8')
  t.equal(encodingFromContentType('text/html; charset="UTF-8"'), 'UTF-8')
  t.equal(encodingFromContentType("text/html; charset='windows-1251'"), 'windows-1251')
  t.equal(encodingFromContentType('text/html;CharSet = "Shift_JIS" '), 'Shift_JIS')
  t.equal(encodingFromContentType('application/json; charset=utf-16'), 'utf-16')
  t.equal(encodingFromContentType('application/octet-stream;charset=koi8-r'), 'koi8-r')
})

t.test('a quoted parameter may hold semicolons and escaped quotes without ending early', async t => {
  t.equal(encodingFromContentType('text/plain; title="a;b \\"c\\"; d"; charset=latin1'), 'latin1')
  t.equal(encodingFromContentType('multipart/mixed; boundary="x;charset=evil"'), null)
  t.equal(encodingFromContentType('text/plain; foo; charset=utf-8'), 'utf-8')
})

t.test('JSON without a charset is UTF-8 and other types have no encoding', async t => {
  t.equal(encodingFromContentType('application/json'), 'utf-8')
  t.equal(encodingFromContentType('Application/JSON; indent=2'), 'utf-8')
  t.equal(encodingFromContentType('image/png'), null)
  t.equal(encodingFromContentType(''), null)
  t.equal(encodingFromContentType(undefined), null)
  t.equal(encodingFromContentType(null), null)
})

t.test('an empty charset names nothing: no encoding, so text is guessed (Requests gives \'\', which text then cannot use)', async t => {
  t.equal(encodingFromContentType('text/html; charset='), null)
  t.equal(encodingFromContentType('application/xml; charset=""'), null)
})

t.test('known encodings are iconv-lite labels plus utf-8-sig', async t => {
  for (const label of ['utf-8', 'UTF8', 'latin1', 'ISO-8859-1', 'windows-1251', 'Shift_JIS', 'utf-16le', 'utf-8-sig']) {
    t.ok(isKnownEncoding(label), label)
  }
  t.notOk(isKnownEncoding('klingon'))
  t.notOk(isKnownEncoding(''))
})

t.test('ISO-8859-1 decodes as true Latin-1, not as windows-1252', async t => {
  const bytes = Buffer.from([0x41, 0x80, 0x9f, 0xe9, 0xff])
  for (const label of ['ISO-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1']) {
    t.equal(decodeText(bytes, label), 'A\u0080\u009f\u00e9\u00ff', label)
  }
  t.equal(decodeText(bytes, 'windows-1252'), 'A\u20ac\u0178\u00e9\u00ff')
})

t.test('legacy charsets decode through iconv-lite', async t => {
  const cases: Array<[string, string]> = [
    ['windows-1251', 'Привет, мир'],
    ['shift_jis', 'こんにちは、世界'],
    ['utf-16le', 'h€llo 𝄞'],
    ['utf-16be', 'h€llo 𝄞'],
    ['koi8-r', 'съешь же ещё'],
    ['gb18030', '你好'],
    ['utf-32le', 'a𝄞b'],
  ]
  for (const [label, text] of cases) {
    t.equal(decodeText(iconv.encode(text, label), label), text, label)
    t.equal(decodeText(iconv.encode(text, label), label.toUpperCase()), text, label.toUpperCase())
  }
})

t.test('a null encoding or an unknown label decodes as UTF-8 with replacement', async t => {
  const bytes = Buffer.from([0x68, 0xc3, 0xa9, 0xff, 0x21])
  t.equal(decodeText(bytes, null), 'hé\ufffd!')
  t.equal(decodeText(bytes, 'no-such-charset'), 'hé\ufffd!')
  t.equal(decodeText(bytes, ''), 'hé\ufffd!')
})

t.test('undecodable bytes become U+FFFD and never throw', async t => {
  t.equal(decodeText(Buffer.from([0x41, 0x80, 0x42]), 'ascii'), 'A\ufffdB')
  t.equal(decodeText(Buffer.from([0xe2, 0x82]), 'utf-8'), '\ufffd')
  t.equal(decodeText(Buffer.from([0x82, 0xff, 0x41]), 'shift_jis'), '\ufffd\ufffdA')
  // A lone surrogate and an odd last byte in UTF-16, as Python's errors='replace'.
  t.equal(decodeText(Buffer.from([0x00, 0xd8, 0x41, 0x00]), 'utf-16le'), '\ufffdA')
  t.equal(decodeText(Buffer.from([0x41, 0x00, 0x42]), 'utf-16le'), 'A\ufffd')
  t.equal(decodeText(Buffer.from([0x00, 0x00, 0x11, 0x00]), 'utf-32le'), '\ufffd')
})

t.test('a BOM is kept or dropped as Python codecs do', async t => {
  const utf8 = Buffer.from('\ufeffhi')
  t.equal(decodeText(utf8, 'utf-8'), '\ufeffhi')
  t.equal(decodeText(utf8, 'utf-8-sig'), 'hi')
  t.equal(decodeText(Buffer.from('hi'), 'utf-8-sig'), 'hi')
  const le = Buffer.from([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00])
  t.equal(decodeText(le, 'utf-16'), 'hi')
  t.equal(decodeText(le, 'utf-16le'), '\ufeffhi')
  t.equal(decodeText(Buffer.from([0xfe, 0xff, 0x00, 0x68, 0x00, 0x69]), 'utf-16'), 'hi')
})

t.test('the apparent encoding is chardet\'s guess, and utf-8 for an empty body', async t => {
  t.equal(apparentEncoding(Buffer.alloc(0)), 'utf-8')
  t.equal(apparentEncoding(Buffer.from('plain old ascii')), 'ASCII')
  t.equal(apparentEncoding(Buffer.from('Grüße aus Köln, schöne Straße, ça va très bien — “quotes”')), 'UTF-8')
  const cyrillic = iconv.encode(
    'Мой дядя самых честных правил, когда не в шутку занемог, он уважать себя заставил и лучше ' +
      'выдумать не мог. Его пример другим наука; но, боже мой, какая скука с больным сидеть и день и ночь!',
    'windows-1251',
  )
  t.equal(apparentEncoding(cyrillic), 'windows-1251')
})

/** JSON text in each encoding guess_json_utf tells apart, BOM written where the name implies one. */
const JSON_TEXT = '{"key": "välue €"}'
const JSON_BYTES: Array<[string, Buffer]> = [
  ['utf-8', Buffer.from(JSON_TEXT)],
  ['utf-8-sig', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON_TEXT)])],
  ['utf-16 (LE BOM)', iconv.encode(JSON_TEXT, 'utf-16le', { addBOM: true })],
  ['utf-16 (BE BOM)', iconv.encode(JSON_TEXT, 'utf-16be', { addBOM: true })],
  ['utf-16-le', iconv.encode(JSON_TEXT, 'utf-16le')],
  ['utf-16-be', iconv.encode(JSON_TEXT, 'utf-16be')],
  ['utf-32 (LE BOM)', iconv.encode(JSON_TEXT, 'utf-32le', { addBOM: true })],
  ['utf-32 (BE BOM)', iconv.encode(JSON_TEXT, 'utf-32be', { addBOM: true })],
  ['utf-32-le', iconv.encode(JSON_TEXT, 'utf-32le')],
  ['utf-32-be', iconv.encode(JSON_TEXT, 'utf-32be')],
]

t.test('guessJsonUtf names each of the eight encodings as Requests does', async t => {
  for (const [name, bytes] of JSON_BYTES) {
    t.equal(guessJsonUtf(bytes), name.replace(/ \(.*\)$/, ''), name)
  }
})

t.test('guessJsonUtf gives up on NUL patterns no JSON text makes', async t => {
  t.equal(guessJsonUtf(Buffer.from([0x7b, 0x00, 0x00, 0x22])), null)
  t.equal(guessJsonUtf(Buffer.from([0x00, 0x7b, 0x00, 0x00])), null)
  t.equal(guessJsonUtf(Buffer.from([0x00, 0x7b, 0x22, 0x00])), null)
  t.equal(guessJsonUtf(Buffer.from([0x7b, 0x00])), null)
  t.equal(guessJsonUtf(Buffer.from([0x31])), 'utf-8')
  t.equal(guessJsonUtf(Buffer.alloc(0)), 'utf-8')
})

t.test('parseJson reads every Unicode encoding when no charset is declared', async t => {
  for (const [name, bytes] of JSON_BYTES) {
    t.same(parseJson(bytes, null), { key: 'välue €' }, name)
  }
})

t.test('parseJson decodes with a declared charset, dropping a BOM', async t => {
  t.same(parseJson(iconv.encode('["Привет"]', 'windows-1251'), 'windows-1251'), ['Привет'])
  t.same(parseJson(iconv.encode('[1]', 'utf-16le'), 'utf-16le'), [1])
  t.same(parseJson(Buffer.from('\ufeff{"a":1}'), 'utf-8'), { a: 1 })
  t.same(parseJson(Buffer.from('7'), null), 7)
  t.same(parseJson(Buffer.from('[]'), null), [])
})

t.test('parseJson throws the native SyntaxError on bad JSON', async t => {
  t.throws(() => parseJson(Buffer.from('{nope'), null), SyntaxError)
  t.throws(() => parseJson(Buffer.alloc(0), null), SyntaxError)
})

/** Decodes `bytes` in two chunks split at `at`, with an empty chunk in the middle. */
function decodeSplit(bytes: Buffer, at: number, encoding: string | null): string {
  const decoder = incrementalDecoder(encoding)
  return decoder.write(bytes.subarray(0, at)) + decoder.write(Buffer.alloc(0)) + decoder.write(bytes.subarray(at)) + decoder.end()
}

/** Decodes one byte at a time. */
function decodeBytewise(bytes: Buffer, encoding: string | null): string {
  const decoder = incrementalDecoder(encoding)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += decoder.write(bytes.subarray(i, i + 1))
  return out + decoder.end()
}

const SPLIT_CASES: Array<[string | null, string]> = [
  ['utf-8', 'a€b'],
  [null, 'price: 5€, clef: 𝄞.'],
  ['shift_jis', 'A日本語B'],
  ['euc-jp', '日本'],
  ['gb18030', '你好𝄞'],
  // iconv-lite alone loses the characters after a four-byte GB18030 sequence split across chunks.
  ['gb18030', '𝄞abcdefg'],
  ['big5', '中文abc'],
  ['utf-16le', 'x𝄞€'],
  ['utf-16be', 'x𝄞€'],
  ['utf-32le', 'x𝄞'],
  ['windows-1251', 'ёж'],
  ['iso-8859-1', 'café'],
]

t.test('a character split across chunks is decoded whole at every offset', async t => {
  for (const [encoding, text] of SPLIT_CASES) {
    const bytes = iconv.encode(text, encoding ?? 'utf-8')
    for (let at = 0; at <= bytes.length; at++) {
      t.equal(decodeSplit(bytes, at, encoding), text, `${encoding} split at ${at}`)
    }
    t.equal(decodeBytewise(bytes, encoding), text, `${encoding} byte by byte`)
  }
})

t.test('the incremental decoder agrees with decodeText on bad bytes and BOMs', async t => {
  const samples: Array<[string | null, Buffer]> = [
    ['utf-8', Buffer.from([0x61, 0xe2, 0x82, 0x62, 0xff])],
    ['utf-8', Buffer.from([0x61, 0xe2, 0x82])],
    ['utf-8-sig', Buffer.from('\ufeff\ufeffx')],
    ['shift_jis', Buffer.from([0x82, 0xff, 0x41, 0x82])],
    ['utf-16le', Buffer.from([0x00, 0xd8, 0x41, 0x00, 0x42])],
    ['utf-16be', Buffer.from([0xdc, 0x00, 0x00, 0x41, 0xd8, 0x00])],
    ['utf-16', Buffer.from([0xfe, 0xff, 0x00, 0x68, 0x00, 0x69])],
    ['bogus-label', Buffer.from([0xe2, 0x82, 0xac])],
  ]
  for (const [encoding, bytes] of samples) {
    const whole = decodeText(bytes, encoding)
    for (let at = 0; at <= bytes.length; at++) {
      t.equal(decodeSplit(bytes, at, encoding), whole, `${encoding} split at ${at}`)
    }
    t.equal(decodeBytewise(bytes, encoding), whole, `${encoding} byte by byte`)
  }
})

t.test('a view inside a larger buffer decodes only its own bytes', async t => {
  for (const [encoding, text] of SPLIT_CASES) {
    const bytes = iconv.encode(text, encoding ?? 'utf-8')
    const poisoned = Buffer.concat([Buffer.from([0xff, 0x81, 0x00]), bytes, Buffer.from([0x82, 0x00, 0xd8])])
    const view = poisoned.subarray(3, 3 + bytes.length)
    t.equal(decodeText(view, encoding), text, `${encoding} whole`)
    t.equal(decodeSplit(view, view.length >> 1, encoding), text, `${encoding} in halves`)
  }
})
