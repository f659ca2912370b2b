// parseLinks against RFC 8288 §3 and Requests' Response.links: keys by relation type,
// parameters as tokens or quoted strings, separators inside <URI> and quotes left alone,
// malformed pieces skipped, and no way for a header to reach Object.prototype.

import t from 'tap'
import { parseLinks } from '../lib/links.js'

t.test('GitHub pagination is keyed by rel', async t => {
  const links = parseLinks(
    '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", ' +
      '<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", ' +
      '<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", ' +
      '<https://api.github.com/repositories/1300192/issues?page=1>; rel="first"',
  )
  t.same(Object.keys(links), ['prev', 'next', 'last', 'first'])
  t.equal(links.next?.url, 'https://api.github.com/repositories/1300192/issues?page=4')
  t.same({ ...links.last }, { url: 'https://api.github.com/repositories/1300192/issues?page=515', rel: 'last' })
})

t.test('a token value and a quoted value mean the same, whitespace tolerated', async t => {
  const links = parseLinks(' <http://a/1>;rel=next ,\t<http://a/2> ;  rel = "prev" ; title = Two ')
  t.equal(links.next?.url, 'http://a/1')
  t.equal(links.prev?.url, 'http://a/2')
  t.equal(links.prev?.title, 'Two')
})

t.test('commas and semicolons inside <URI> or a quoted string do not split', async t => {
  const links = parseLinks('<http://x/?a=1,2;b=3>; rel="next"; title="one, two; \\"three\\"", <http://x/z>; rel=last')
  t.equal(links.next?.url, 'http://x/?a=1,2;b=3')
  t.equal(links.next?.title, 'one, two; "three"')
  t.equal(links.last?.url, 'http://x/z')
})

t.test('parameter names are lower-cased and the first occurrence wins', async t => {
  const links = parseLinks('<http://x/>; REL="next"; Title="a"; title="b"; rel="prev"; type="text/html"')
  t.same({ ...links.next }, { url: 'http://x/', rel: 'next', title: 'a', type: 'text/html' })
  t.equal(links.prev, undefined)
})

t.test('a rel with several types is keyed under each', async t => {
  const links = parseLinks('<http://x/9>; rel="next  last", <http://x/1>; rel="first"')
  t.equal(links.next?.url, 'http://x/9')
  t.equal(links.last?.url, 'http://x/9')
  t.equal(links.next, links.last)
  t.equal(links.next?.rel, 'next  last')
  t.equal(links['next last'], undefined)
})

t.test('registered relation types are keyed in lower case, extension URIs as written', async t => {
  const links = parseLinks('<http://x/2>; rel="Next", <http://x/e>; rel="http://example.com/Rels/Thing"')
  t.equal(links.next?.url, 'http://x/2')
  t.equal(links.next?.rel, 'Next')
  t.equal(links['http://example.com/Rels/Thing']?.url, 'http://x/e')
})

t.test('a link without rel is keyed by its URL', async t => {
  const links = parseLinks('<http://x/a>; title="no rel", <http://x/b>; rel=""')
  t.equal(links['http://x/a']?.title, 'no rel')
  t.equal(links['http://x/b']?.url, 'http://x/b')
})

t.test('a later link with the same key replaces the earlier, as in Requests', async t => {
  t.equal(parseLinks('<http://x/1>; rel=next, <http://x/2>; rel=next').next?.url, 'http://x/2')
})

t.test('a parameter without a value is kept empty', async t => {
  t.same({ ...parseLinks('<http://x/f.css>; rel=preload; crossorigin; as=style').preload }, {
    url: 'http://x/f.css',
    rel: 'preload',
    crossorigin: '',
    as: 'style',
  })
})

t.test('a title* extended value is decoded (RFC 8187)', async t => {
  const links = parseLinks("<http://x/>; rel=next; title*=UTF-8'de'n%c3%a4chstes%20Kapitel")
  t.equal(links.next?.['title*'], 'nächstes Kapitel')
  t.equal(parseLinks("<http://x/>; rel=next; title*=iso-8859-1''%e9").next?.['title*'], 'é')
  t.equal(parseLinks("<http://x/>; rel=next; title*=bogus''%zz").next?.['title*'], "bogus''%zz")
})

t.test('a parameter named url does not replace the target', async t => {
  t.equal(parseLinks('<http://x/real>; rel=next; url="http://evil/"').next?.url, 'http://x/real')
})

t.test('malformed pieces are skipped, never thrown', async t => {
  t.same(parseLinks(''), {})
  t.same(parseLinks(null), {})
  t.same(parseLinks(undefined), {})
  t.same(parseLinks(',,, ,'), {})
  t.same(Object.keys(parseLinks('garbage, <http://x/1>; rel=next')), ['next'])
  t.same(Object.keys(parseLinks('"quoted, junk" <no>, <http://x/1>; rel=next')), ['next'])
  t.same(Object.keys(parseLinks('<http://x/1>; rel=next, <http://x/unterminated; rel=last')), ['next'])
  t.same(Object.keys(parseLinks('<http://x/1> junk "a,b" ; rel=next; =oops; ;; rel2')), ['next'])
  t.equal(parseLinks('<http://x/1>; rel="next; title=unterminated').next, undefined)
  t.equal(parseLinks('<http://x/1>; rel="next').next?.url, 'http://x/1')
  t.equal(parseLinks("<http://x/1>; rel='next'").next?.url, 'http://x/1')
})

t.test('a rel named __proto__ or constructor is an ordinary key and pollutes nothing', async t => {
  const links = parseLinks('<http://x/p>; rel="__proto__", <http://x/c>; rel=constructor; __proto__="x"')
  t.equal(links['__proto__']?.url, 'http://x/p')
  t.equal(links['constructor']?.url, 'http://x/c')
  t.equal(links['constructor']?.['__proto__'], 'x')
  t.equal(Object.getPrototypeOf(links['constructor']), Object.prototype)
  t.same(Object.keys(links).sort(), ['__proto__', 'constructor'])
  t.equal(({} as Record<string, unknown>).url, undefined)
  t.equal(parseLinks('<http://x/>; rel=next').toString, undefined)
})
