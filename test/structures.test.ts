// CaseInsensitiveDict against Requests' behaviour: case-insensitive lookups, the case of the last
// set, OrderedDict positions, equality by lower items, and the repeated fields of a parsed head,
// checked both while the head is only scanned and once it is indexed.

import t from 'tap'
import { inspect } from 'node:util'
import { CaseInsensitiveDict } from '../lib/structures.js'

const HEAD = [
  'Date', 'Sat, 21 Nov 2026 01:00:36 GMT',
  'Content-Type', 'application/json',
  'Set-Cookie', 'a=1; Path=/',
  'Vary', 'Accept-Encoding',
  'set-cookie', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
  'SET-COOKIE', 'c=3',
  'Content-Length', '17',
]

/** The same head as a fresh dict (answered by scanning) and as one whose index is built. */
function bothWays(flat: readonly string[]): Array<[string, CaseInsensitiveDict]> {
  const indexed = CaseInsensitiveDict.fromRawPairs(flat)
  void indexed.size // anything but get, getAll and has builds the index
  return [['while scanned', CaseInsensitiveDict.fromRawPairs(flat)], ['once indexed', indexed]]
}

t.test('a key is found in any case', async t => {
  const d = new CaseInsensitiveDict({ 'Content-Type': 'text/html' })
  t.equal(d.get('content-type'), 'text/html')
  t.equal(d.get('CONTENT-TYPE'), 'text/html')
  t.equal(d.get('cOnTeNt-TyPe'), 'text/html')
  t.ok(d.has('CONTENT-type'))
})

t.test('a missing key gets undefined, or the fallback given', async t => {
  const d = new CaseInsensitiveDict<string>()
  t.equal(d.get('accept'), undefined)
  t.equal(d.get('accept', ''), '')
  t.equal(d.get('accept', null), null)
  t.notOk(d.has('accept'))
})

t.test('keys keep the case they were last set with', async t => {
  const d = new CaseInsensitiveDict<string>()
  d.set('Accept', 'application/json')
  t.same([...d.keys()], ['Accept'])
  d.set('aCCEPT', 'text/plain')
  t.same([...d.keys()], ['aCCEPT'])
  t.equal(d.get('accept'), 'text/plain')
  t.equal(d.size, 1)
})

t.test('setting an existing key keeps its place, as in an OrderedDict', async t => {
  const d = new CaseInsensitiveDict({ A: '1', B: '2', C: '3' })
  d.set('a', 'one')
  t.same([...d.entries()], [['a', 'one'], ['B', '2'], ['C', '3']])
})

t.test('a key deleted and set again moves to the end', async t => {
  const d = new CaseInsensitiveDict({ A: '1', B: '2' })
  t.equal(d.delete('a'), true)
  d.set('A', '1')
  t.same([...d.keys()], ['B', 'A'])
})

t.test('delete ignores case and says whether the key was there', async t => {
  const d = new CaseInsensitiveDict({ 'X-Thing': 'v' })
  t.equal(d.delete('x-THING'), true)
  t.equal(d.delete('x-thing'), false)
  t.equal(d.size, 0)
})

t.test('set returns the dict so calls chain', async t => {
  const d = new CaseInsensitiveDict<string>().set('A', '1').set('B', '2')
  t.same(d.toJSON(), { A: '1', B: '2' })
})

t.test('values can be of any type', async t => {
  const d = new CaseInsensitiveDict<number | null>({ One: 1, Nothing: null })
  t.equal(d.get('one'), 1)
  t.equal(d.get('nothing'), null)
  t.ok(d.has('NOTHING'))
  t.same([...d.values()], [1, null])
})

t.test('keys, values, entries and lowerItems run in insertion order', async t => {
  const d = new CaseInsensitiveDict({ 'Content-Type': 'a', Accept: 'b', 'X-Id': 'c' })
  t.same([...d.keys()], ['Content-Type', 'Accept', 'X-Id'])
  t.same([...d.values()], ['a', 'b', 'c'])
  t.same([...d.entries()], [['Content-Type', 'a'], ['Accept', 'b'], ['X-Id', 'c']])
  t.same([...d.lowerItems()], [['content-type', 'a'], ['accept', 'b'], ['x-id', 'c']])
})

t.test('the dict iterates as its entries', async t => {
  const d = new CaseInsensitiveDict({ A: '1', b: '2' })
  t.same([...d], [['A', '1'], ['b', '2']])
  const seen: string[] = []
  for (const [key, value] of d) seen.push(`${key}=${value}`)
  t.same(seen, ['A=1', 'b=2'])
  t.same(new Map(d), new Map([['A', '1'], ['b', '2']]))
})

t.test('size counts keys, not case variants', async t => {
  const d = new CaseInsensitiveDict([['A', '1'], ['a', '2'], ['B', '3']])
  t.equal(d.size, 2)
})

t.test('a record builds the dict', async t => {
  const d = new CaseInsensitiveDict({ Host: 'example.com', 'User-Agent': 'x' })
  t.same(d.toJSON(), { Host: 'example.com', 'User-Agent': 'x' })
})

t.test('pairs build the dict, and a key given twice keeps the later value and case', async t => {
  const d = new CaseInsensitiveDict([['Accept', 'a'], ['ACCEPT', 'b']])
  t.same([...d], [['ACCEPT', 'b']])
  t.same(d.getAll('accept'), ['b'])
})

t.test('a Map builds the dict', async t => {
  const d = new CaseInsensitiveDict(new Map([['X-A', '1'], ['x-b', '2']]))
  t.same([...d], [['X-A', '1'], ['x-b', '2']])
})

t.test('a Headers object builds the dict through its pairs', async t => {
  const headers = new Headers({ 'Content-Type': 'text/plain', 'X-Test': 'yes' })
  const d = new CaseInsensitiveDict(headers)
  t.equal(d.get('Content-Type'), 'text/plain')
  t.equal(d.get('x-test'), 'yes')
})

t.test('any iterable of pairs builds the dict', async t => {
  function* pairs(): Generator<[string, string]> {
    yield ['A', '1']
    yield ['B', '2']
  }
  t.same(new CaseInsensitiveDict(pairs()).toJSON(), { A: '1', B: '2' })
})

t.test('update sets every key of the source over the existing ones', async t => {
  const d = new CaseInsensitiveDict({ Accept: '*/*', 'User-Agent': 'ua' })
  const same = d.update({ accept: 'text/html', 'X-New': '1' })
  t.equal(same, d)
  t.same([...d], [['accept', 'text/html'], ['User-Agent', 'ua'], ['X-New', '1']])
})

t.test('update takes pairs, Maps and other dicts', async t => {
  const d = new CaseInsensitiveDict<string>()
  d.update([['A', '1']])
  d.update(new Map([['B', '2']]))
  d.update(new CaseInsensitiveDict({ C: '3', a: 'one' }))
  t.same(d.toJSON(), { a: 'one', B: '2', C: '3' })
})

t.test('update from a parsed head keeps its repeated fields apart', async t => {
  const d = new CaseInsensitiveDict({ 'Set-Cookie': 'old=1', Server: 'x' })
  d.update(CaseInsensitiveDict.fromRawPairs(HEAD))
  t.same(d.getAll('set-cookie'), ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'c=3'])
  t.equal(d.get('server'), 'x')
})

t.test('a dict updated with itself is unchanged', async t => {
  const d = new CaseInsensitiveDict({ A: '1', B: '2' })
  d.update(d)
  t.same([...d], [['A', '1'], ['B', '2']])
})

t.test('__proto__ and constructor are ordinary keys', async t => {
  const d = new CaseInsensitiveDict<string>()
  d.set('__proto__', 'p')
  d.set('Constructor', 'c')
  t.equal(d.get('__PROTO__'), 'p')
  t.equal(d.get('constructor'), 'c')
  t.ok(d.has('__proto__'))
  t.notOk(d.has('toString'))
  t.notOk(d.has('hasOwnProperty'))
  t.equal(d.size, 2)
  t.equal(Object.getPrototypeOf(d), CaseInsensitiveDict.prototype)
  t.equal(d.delete('__proto__'), true)
  t.notOk(d.has('__proto__'))
})

t.test('a record with an own __proto__ key builds a dict with that key', async t => {
  const record = JSON.parse('{"__proto__": "x", "Accept": "y"}') as Record<string, string>
  const d = new CaseInsensitiveDict(record)
  t.same([...d], [['__proto__', 'x'], ['Accept', 'y']])
})

t.test('toJSON gives the last-set case of each key, and __proto__ as an own property', async t => {
  const d = new CaseInsensitiveDict([['__proto__', 'x'], ['content-type', 'a']])
  d.set('Content-Type', 'b')
  const json = d.toJSON()
  t.ok(Object.hasOwn(json, '__proto__'))
  t.equal(Object.getPrototypeOf(json), Object.prototype)
  t.equal(JSON.stringify(d), '{"__proto__":"x","Content-Type":"b"}')
})

t.test('copy is independent of the original, both ways', async t => {
  const original = new CaseInsensitiveDict({ A: '1', B: '2' })
  const copy = original.copy()
  copy.set('a', 'changed')
  copy.delete('B')
  original.set('C', '3')
  t.same(original.toJSON(), { A: '1', B: '2', C: '3' })
  t.same(copy.toJSON(), { a: 'changed' })
})

t.test('copy keeps cases, order and repeated values', async t => {
  for (const [how, head] of bothWays(HEAD)) {
    const copy = head.copy()
    t.same([...copy], [...head], how)
    t.same(copy.getAll('Set-Cookie'), head.getAll('set-cookie'), how)
    copy.set('Set-Cookie', 'z=9')
    t.same(copy.getAll('set-cookie'), ['z=9'], how)
    t.equal(head.getAll('set-cookie').length, 3, `${how}: the original still has its three values`)
  }
})

t.test('equals compares lower-cased keys and values, in any order', async t => {
  const d = new CaseInsensitiveDict({ 'Content-Type': 'a', Accept: 'b' })
  t.ok(d.equals(new CaseInsensitiveDict({ ACCEPT: 'b', 'content-type': 'a' })))
  t.ok(d.equals({ accept: 'b', 'CONTENT-TYPE': 'a' }))
  t.ok(d.equals([['accept', 'b'], ['content-type', 'a']]))
  t.ok(d.equals(new Map([['Accept', 'b'], ['Content-Type', 'a']])))
})

t.test('equals is false for a different value, a missing key or an extra key', async t => {
  const d = new CaseInsensitiveDict({ A: '1', B: '2' })
  t.notOk(d.equals({ a: '1', b: 'two' }))
  t.notOk(d.equals({ a: '1' }))
  t.notOk(d.equals({ a: '1', b: '2', c: '3' }))
  t.notOk(d.equals({ a: '1', c: '2' }))
  t.ok(new CaseInsensitiveDict().equals({}))
})

t.test('equals compares a repeated field by its joined value', async t => {
  const head = CaseInsensitiveDict.fromRawPairs(['X', '1', 'x', '2'])
  t.ok(head.equals({ x: '1, 2' }))
  t.notOk(head.equals({ x: '1' }))
})

t.test('fromRawPairs: a repeated field gets its values joined and getAll keeps them apart', async t => {
  for (const [how, d] of bothWays(HEAD)) {
    t.equal(d.get('Set-Cookie'), 'a=1; Path=/, b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT, c=3', how)
    t.same(d.getAll('SET-COOKIE'), ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'c=3'], how)
  }
})

t.test('fromRawPairs: a field seen once answers its value alone', async t => {
  for (const [how, d] of bothWays(HEAD)) {
    t.equal(d.get('content-type'), 'application/json', how)
    t.same(d.getAll('Content-Type'), ['application/json'], how)
    t.ok(d.has('VARY'), how)
    t.notOk(d.has('Location'), how)
    t.equal(d.get('location'), undefined, how)
    t.same(d.getAll('location'), [], how)
  }
})

t.test('fromRawPairs: a repeated field keeps the case and place of its first line', async t => {
  const d = CaseInsensitiveDict.fromRawPairs(HEAD)
  t.same([...d.keys()], ['Date', 'Content-Type', 'Set-Cookie', 'Vary', 'Content-Length'])
  t.equal(d.size, 5)
})

t.test('fromRawPairs: set replaces every value of a repeated field', async t => {
  const d = CaseInsensitiveDict.fromRawPairs(HEAD)
  d.set('set-cookie', 'only=1')
  t.same(d.getAll('Set-Cookie'), ['only=1'])
  t.equal(d.get('Set-Cookie'), 'only=1')
  t.same([...d.keys()], ['Date', 'Content-Type', 'set-cookie', 'Vary', 'Content-Length'])
})

t.test('fromRawPairs: getAll returns a new array each time', async t => {
  for (const [how, d] of bothWays(HEAD)) {
    d.getAll('set-cookie').push('intruder')
    t.equal(d.getAll('set-cookie').length, 3, how)
  }
})

t.test('fromRawPairs: answers stay the same after many lookups, when the index gets built', async t => {
  const d = CaseInsensitiveDict.fromRawPairs(HEAD)
  for (let i = 0; i < 20; i++) {
    t.equal(d.get('content-length'), '17')
    t.same(d.getAll('set-cookie'), ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'c=3'])
  }
})

t.test('fromRawPairs: scanning and the index agree on every name in every case', async t => {
  const flat = ['A', '1', 'b', '2', 'A', '3', 'Ab', '4', 'aB', '5', 'B-', '6', 'ab-', '7', '[', '8', '{', '9']
  const names = ['a', 'A', 'b', 'B', 'ab', 'AB', 'b-', 'ab-', 'AB-', '[', '{', '@', '`', 'c', '']
  for (const name of names) {
    const scanned = CaseInsensitiveDict.fromRawPairs(flat)
    const indexed = CaseInsensitiveDict.fromRawPairs(flat)
    void indexed.size
    t.same([scanned.get(name), scanned.getAll(name), scanned.has(name)], [indexed.get(name), indexed.getAll(name), indexed.has(name)], name)
  }
})

t.test('fromRawPairs: characters next to the letters in ASCII do not fold into them', async t => {
  // '@' and '[' sit just outside 'A'..'Z', '`' and '{' just outside 'a'..'z'.
  const d = CaseInsensitiveDict.fromRawPairs(['@[', 'x'])
  t.notOk(d.has('`{'))
  t.ok(d.has('@['))
})

t.test('fromRawPairs: a non-ASCII name folds as toLowerCase folds it', async t => {
  // U+212A KELVIN SIGN lower-cases to ASCII "k"; U+0130 lower-cases to two characters.
  const flat = ['\u212Aey', 'kelvin', '\u0130d', 'dotted']
  for (const [how, d] of bothWays(flat)) {
    t.equal(d.get('key'), 'kelvin', how)
    t.equal(d.get('KEY'), 'kelvin', how)
    t.equal(d.get('\u0130D'), 'dotted', how)
    t.equal(d.get('i\u0307d'), 'dotted', how)
    t.equal(d.get('id'), undefined, how)
  }
})

t.test('fromRawPairs: an empty head is an empty dict', async t => {
  const d = CaseInsensitiveDict.fromRawPairs([])
  t.equal(d.size, 0)
  t.equal(d.get('a'), undefined)
  t.same([...d], [])
})

t.test('fromRawPairs refuses an odd number of items', async t => {
  t.throws(() => CaseInsensitiveDict.fromRawPairs(['Name']), TypeError)
})

t.test('fromRawPairs: __proto__ is an ordinary field name', async t => {
  for (const [how, d] of bothWays(['__proto__', 'x', 'Constructor', 'y'])) {
    t.equal(d.get('__PROTO__'), 'x', how)
    t.equal(d.get('constructor'), 'y', how)
    t.notOk(d.has('toString'), how)
  }
})

t.test('console.log shows the keys and values', async t => {
  const d = new CaseInsensitiveDict({ Accept: '*/*' })
  t.equal(inspect(d), "CaseInsensitiveDict { Accept: '*/*' }")
  t.equal(Object.prototype.toString.call(d), '[object CaseInsensitiveDict]')
})
