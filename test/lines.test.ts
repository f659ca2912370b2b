// splitLines against Python's splitlines/split semantics, which Requests' iter_lines means to
// give: the same lines whatever the chunk boundaries, for strings and for Buffers, with and
// without a delimiter.

import t from 'tap'
import { splitLines } from '../lib/lines.js'

async function* from<T>(chunks: readonly T[]): AsyncGenerator<T> {
  for (const chunk of chunks) yield chunk
}

async function collect<T extends string | Buffer>(chunks: readonly T[], delimiter?: T | null): Promise<T[]> {
  const out: T[] = []
  for await (const line of splitLines(from(chunks), delimiter)) out.push(line)
  return out
}

async function lines(chunks: readonly string[], delimiter?: string | null): Promise<string[]> {
  return collect(chunks, delimiter)
}

async function bufferLines(chunks: readonly Buffer[], delimiter?: Buffer | null): Promise<string[]> {
  return (await collect(chunks, delimiter)).map(b => b.toString('latin1'))
}

/** Every way of cutting `text` into two chunks, and into three around each single unit. */
function cuts(text: string): string[][] {
  const out: string[][] = [[text]]
  for (let i = 0; i <= text.length; i++) {
    out.push([text.slice(0, i), text.slice(i)])
    out.push([text.slice(0, i), text.slice(i, i + 1), text.slice(i + 1)])
  }
  return out
}

const MIXED = 'first\r\nsecond\nthird\rfourth\r\n\r\nsixth\n\n\r\rtenth\r\n'
const MIXED_LINES = ['first', 'second', 'third', 'fourth', '', 'sixth', '', '', '', 'tenth']

t.test('CR LF, LF and CR each end a line, and empty lines between endings are kept', async t => {
  t.same(await lines([MIXED]), MIXED_LINES)
  t.same(await lines(['a\n\nb']), ['a', '', 'b'])
  t.same(await lines(['\nx']), ['', 'x'])
  t.same(await lines(['\r\n']), [''])
})

t.test('the lines are the same at every split of a sample with mixed endings', async t => {
  for (const chunks of cuts(MIXED)) {
    t.same(await lines(chunks), MIXED_LINES, JSON.stringify(chunks))
  }
})

t.test('a CR ending one chunk and an LF opening the next are one line ending', async t => {
  // Requests yields an extra empty line here: it splits each chunk on its own.
  t.same(await lines(['one\r', '\ntwo']), ['one', 'two'])
  t.same(await lines(['one\r', '', '\ntwo']), ['one', 'two'])
  t.same(await lines(['one\r', '\r', '\ntwo']), ['one', '', 'two'])
  t.same(await lines(['one\r', 'two']), ['one', 'two'])
})

t.test('a final partial line is yielded, a final ending adds no empty line', async t => {
  t.same(await lines(['a\nb']), ['a', 'b'])
  t.same(await lines(['a\n']), ['a'])
  t.same(await lines(['a\r']), ['a'])
  t.same(await lines([]), [])
  t.same(await lines(['', '']), [])
})

t.test('a line spanning many chunks comes out whole', async t => {
  const long = 'x'.repeat(10_000)
  const chunks = [...long].concat(['\n', 'y'])
  t.same(await lines(chunks), [long, 'y'])
})

t.test('other Unicode separators are not line endings', async t => {
  t.same(await lines(['a\u2028b\u0085c\fd\ve']), ['a\u2028b\u0085c\fd\ve'])
})

t.test('a custom delimiter splits exactly, and only, on itself', async t => {
  t.same(await lines(['a;b;;c'], ';'), ['a', 'b', '', 'c'])
  t.same(await lines(['a\nb;c\r\n'], ';'), ['a\nb', 'c\r\n'])
  t.same(await lines(['a;b;'], ';'), ['a', 'b'])
  t.same(await lines([';a'], ';'), ['', 'a'])
})

t.test('a delimiter split across chunks is still found, at every split', async t => {
  const text = 'alpha<->beta<-><->gamma<-<->delta<'
  const expected = ['alpha', 'beta', '', 'gamma<-', 'delta<']
  t.same(await lines([text], '<->'), expected)
  for (const chunks of cuts(text)) {
    t.same(await lines(chunks, '<->'), expected, JSON.stringify(chunks))
  }
  t.same(await lines([...text], '<->'), expected, 'one unit per chunk')
})

t.test('a delimiter split over several small chunks after a long pending line is found', async t => {
  t.same(await lines(['aaaa', 'bb', '-', '-', '-', 'cc'], '---'), ['aaaabb', 'cc'])
  t.same(await lines(['ab-', '-', 'x-', '--', '-'], '---'), ['ab--x', '-'])
})

t.test('overlapping delimiter matches split leftmost first, as Python does', async t => {
  t.same(await lines(['a---b'], '--'), 'a---b'.split('--'))
  for (const chunks of cuts('x----y---z')) {
    t.same(await lines(chunks, '--'), ['x', '', 'y', '-z'], JSON.stringify(chunks))
  }
})

t.test('an empty or null delimiter means the usual line endings', async t => {
  t.same(await lines(['a\nb'], ''), ['a', 'b'])
  t.same(await lines(['a\nb'], null), ['a', 'b'])
})

t.test('Buffers are split on bytes with the same rules', async t => {
  const bytes = Buffer.from(MIXED, 'latin1')
  t.same(await bufferLines([bytes]), MIXED_LINES)
  for (let i = 0; i <= bytes.length; i++) {
    t.same(await bufferLines([bytes.subarray(0, i), bytes.subarray(i)]), MIXED_LINES, `split at ${i}`)
  }
  const all = await collect([bytes])
  t.ok(all.every(line => Buffer.isBuffer(line)), 'lines are Buffers')
})

t.test('Buffers split on a byte delimiter across chunks', async t => {
  const text = Buffer.from('k1=v1&&k2=v2&&&&k3')
  const expected = ['k1=v1', 'k2=v2', '', 'k3']
  for (let i = 0; i <= text.length; i++) {
    t.same(await bufferLines([text.subarray(0, i), text.subarray(i)], Buffer.from('&&')), expected, `split at ${i}`)
  }
})

t.test('multi-byte UTF-8 in Buffers is never cut inside a line', async t => {
  const bytes = Buffer.from('€uro\nnaïve\r\n日本')
  for (let i = 0; i <= bytes.length; i++) {
    const got = (await collect([bytes.subarray(0, i), bytes.subarray(i)])).map(b => b.toString('utf8'))
    t.same(got, ['€uro', 'naïve', '日本'], `split at ${i}`)
  }
})

t.test('a delimiter of the other kind than the chunks is converted', async t => {
  const chunks = [Buffer.from('a|b')]
  const got: Buffer[] = []
  for await (const line of splitLines(from(chunks), '|' as unknown as Buffer)) got.push(line)
  t.same(got.map(b => b.toString()), ['a', 'b'])
})

t.test('mixing string and Buffer chunks is refused', async t => {
  const chunks: Array<string | Buffer> = ['a\n', Buffer.from('b\n')]
  await t.rejects(collect(chunks), TypeError)
})
