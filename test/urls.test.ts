// URL preparation against Requests' prepare_url, requote_uri and _encode_params: cases from
// requests' test_requests.py and test_utils.py, the deliberate refusals (control characters, bad
// hosts and ports), and the split of a prepared URL into connection and request-target.

import t from 'tap'
import {
  authFromUrl,
  encodeParams,
  prepareUrl,
  requoteUri,
  stripUserinfoAndFragment,
  wireTarget,
} from '../lib/urls.js'
import { InvalidSchema, InvalidURL, MissingSchema, URLRequired } from '../lib/errors.js'

t.test('a record of params is form-encoded and an array value repeats its key', async t => {
  t.equal(encodeParams({ key1: 'value1', key2: ['a', 'b'] }), 'key1=value1&key2=a&key2=b')
  t.equal(prepareUrl('http://x/get', { key1: 'value1', key2: ['a', 'b'] }), 'http://x/get?key1=value1&key2=a&key2=b')
})

t.test('params keep the order they were given in', async t => {
  t.equal(prepareUrl('http://example.com/', { z: 1, a: 1, k: 1, d: 1 }), 'http://example.com/?z=1&a=1&k=1&d=1')
})

t.test('null and undefined params, and such array items, are left out', async t => {
  t.equal(encodeParams({ a: null, b: undefined, c: ['x', null, 'y', undefined] }), 'c=x&c=y')
  t.equal(prepareUrl('http://x/get', { a: null }), 'http://x/get')
  t.equal(prepareUrl('http://x/get?q=1', { a: null }), 'http://x/get?q=1')
})

t.test('params are quoted as Python quote_plus does', async t => {
  t.equal(encodeParams({ 'a b': 'c d/e?f&g=h' }), 'a+b=c+d%2Fe%3Ff%26g%3Dh')
  t.equal(encodeParams({ safe: 'AZaz09_.-~', unsafe: "!*'()%+" }), 'safe=AZaz09_.-~&unsafe=%21%2A%27%28%29%25%2B')
  t.equal(encodeParams({ 'ключ': 'é€😀' }), '%D0%BA%D0%BB%D1%8E%D1%87=%C3%A9%E2%82%AC%F0%9F%98%80')
})

t.test('numbers and booleans in params are written with String()', async t => {
  t.equal(encodeParams({ n: 1.5, t: true, f: false, z: 0 }), 'n=1.5&t=true&f=false&z=0')
})

t.test('params given as pairs may repeat a key', async t => {
  t.equal(encodeParams([['a', '1'], ['a', '2'], ['b', null], ['c', 3]]), 'a=1&a=2&c=3')
})

t.test('params given as a string are used as they are', async t => {
  t.equal(encodeParams('test=foo'), 'test=foo')
  t.equal(prepareUrl('http://example.com/', 'test=foo'), 'http://example.com/?test=foo')
})

t.test('a string of params is requoted with the rest of the URL', async t => {
  t.equal(prepareUrl('http://example.com/', 'a=b c&d=%41'), 'http://example.com/?a=b%20c&d=A')
})

t.test('params given as URLSearchParams are serialized by it', async t => {
  const sp = new URLSearchParams([['a', '1'], ['b', 'x y']])
  t.equal(encodeParams(sp), 'a=1&b=x+y')
  t.equal(prepareUrl('http://x/', sp), 'http://x/?a=1&b=x+y')
})

t.test('params are appended to an existing query with & and before the fragment', async t => {
  t.equal(prepareUrl('http://x/get?a=1#frag', { key: 'v' }), 'http://x/get?a=1&key=v#frag')
  t.equal(prepareUrl('http://example.com/path#fragment', { a: 'b' }), 'http://example.com/path?a=b#fragment')
  t.equal(prepareUrl('http://example.com/path?key=value#fragment', { a: 'b' }), 'http://example.com/path?key=value&a=b#fragment')
})

t.test('empty params change nothing', async t => {
  t.equal(prepareUrl('http://x/get', {}), 'http://x/get')
  t.equal(prepareUrl('http://x/get', []), 'http://x/get')
  t.equal(prepareUrl('http://x/get', ''), 'http://x/get')
  t.equal(prepareUrl('http://x/get', null), 'http://x/get')
})

t.test('requoteUri escapes a stray percent sign that starts no valid escape', async t => {
  t.equal(requoteUri('http://example.com/fiz?buz=%ppicture'), 'http://example.com/fiz?buz=%25ppicture')
  t.equal(requoteUri('http://x/a%'), 'http://x/a%25')
  t.equal(requoteUri('http://x/a%2'), 'http://x/a%252')
})

t.test('requoteUri leaves an already quoted URI as it is', async t => {
  t.equal(requoteUri('http://example.com/fiz?buz=%25ppicture'), 'http://example.com/fiz?buz=%25ppicture')
  t.equal(requoteUri('http://example.com/?a=%26b'), 'http://example.com/?a=%26b')
  t.equal(requoteUri("http://x/!#$&'()*+,/:;=?@[]~"), "http://x/!#$&'()*+,/:;=?@[]~")
})

t.test('requoteUri never escapes a valid escape twice, even beside a stray percent sign', async t => {
  t.equal(requoteUri('http://x/%20%zz'), 'http://x/%20%25zz')
})

t.test('requoteUri unquotes only unreserved characters', async t => {
  t.equal(requoteUri('http://x/%41%7e%2F%2f%3A'), 'http://x/A~%2F%2f%3A')
})

t.test('requoteUri percent-encodes spaces, unsafe ASCII and non-ASCII as UTF-8', async t => {
  t.equal(requoteUri('http://x/a b"<>\\^`{|}'), 'http://x/a%20b%22%3C%3E%5C%5E%60%7B%7C%7D')
  t.equal(requoteUri('http://x/é😀'), 'http://x/%C3%A9%F0%9F%98%80')
})

t.test('a plain URL comes back unchanged', async t => {
  const url = 'http://example.com/get?a=1#top'
  t.equal(prepareUrl(url), url)
})

t.test('leading whitespace is removed', async t => {
  t.equal(prepareUrl(' http://example.com'), 'http://example.com/')
  t.equal(prepareUrl('\u00a0 http://example.com/x'), 'http://example.com/x')
})

t.test('an empty path becomes a slash', async t => {
  t.equal(prepareUrl('http://google.com'), 'http://google.com/')
  t.equal(prepareUrl('http://google.com?a=1'), 'http://google.com/?a=1')
})

t.test('the scheme is accepted in any case and written in lower case', async t => {
  for (const scheme of ['HTTP', 'hTTp', 'HTTPS', 'hTtPs']) {
    t.equal(prepareUrl(`${scheme}://example.com/`), `${scheme.toLowerCase()}://example.com/`)
  }
})

t.test('the host is lower-cased and the path keeps its case', async t => {
  t.equal(prepareUrl('http://EXAMPLE.Com/Path'), 'http://example.com/Path')
})

t.test('a non-ASCII host is IDNA-encoded', async t => {
  t.equal(prepareUrl('http://ジェーピーニック.jp'), 'http://xn--hckqz9bzb1cyrb.jp/')
  t.equal(prepareUrl('http://xn--n3h.net/'), 'http://xn--n3h.net/')
  t.equal(prepareUrl('http://straße.de/straße'), 'http://xn--strae-oqa.de/stra%C3%9Fe')
  t.equal(prepareUrl('http://Königsgäßchen.de/straße'), 'http://xn--knigsgchen-b4a3dun.de/stra%C3%9Fe')
})

t.test('a host that IDNA refuses is an InvalidURL', async t => {
  t.throws(() => prepareUrl('http://ex\u00adample\uFFFF.com/'), InvalidURL)
})

t.test('a host starting with a wildcard or a dot has an invalid label', async t => {
  t.throws(() => prepareUrl('http://*example.com'), InvalidURL)
  t.throws(() => prepareUrl('http://.example.com'), InvalidURL)
})

t.test('a host with characters no host may hold is refused', async t => {
  t.throws(() => prepareUrl('http://exa mple.com/'), InvalidURL)
  t.throws(() => prepareUrl('http://exa"mple.com/'), InvalidURL)
  t.throws(() => prepareUrl('http://a:b:c/'), InvalidURL)
})

t.test('IPv6 literals are kept with their brackets and port', async t => {
  t.equal(prepareUrl('http://[::1]:8080/x'), 'http://[::1]:8080/x')
  t.equal(prepareUrl('http://[::1]/'), 'http://[::1]/')
  t.equal(prepareUrl('http://[1200:0000:ab00:1234:0000:2552:7777:1313]:12345/'), 'http://[1200:0000:ab00:1234:0000:2552:7777:1313]:12345/')
  t.equal(prepareUrl('http://[FE80::1]'), 'http://[fe80::1]/')
})

t.test('an IPv6 zone id is written %25zone', async t => {
  t.equal(prepareUrl('http://[fe80::1%25eth0]/'), 'http://[fe80::1%25eth0]/')
  t.equal(prepareUrl('http://[fe80::1%eth0]/'), 'http://[fe80::1%25eth0]/')
})

t.test('an invalid IPv6 literal is refused', async t => {
  t.throws(() => prepareUrl('http://[::g]/'), InvalidURL)
  t.throws(() => prepareUrl('http://[::1/'), InvalidURL)
})

t.test('a port out of range or not a number is an InvalidURL', async t => {
  t.throws(() => prepareUrl('http://x:65536/'), InvalidURL)
  t.throws(() => prepareUrl('http://x:99999999999999/'), InvalidURL)
  t.throws(() => prepareUrl('http://x:0/'), InvalidURL)
  t.throws(() => prepareUrl('http://x:8o/'), InvalidURL)
  t.throws(() => prepareUrl('http://x:-1/'), InvalidURL)
})

t.test('a port keeps its value, loses leading zeros, and an empty port goes', async t => {
  t.equal(prepareUrl('http://x:8080/'), 'http://x:8080/')
  t.equal(prepareUrl('http://x:080/'), 'http://x:80/')
  t.equal(prepareUrl('http://x:/'), 'http://x/')
})

t.test('a URL with no scheme is a MissingSchema with Requests message', async t => {
  for (const url of ['127.0.0.1/get', 'example.com', 'httpbin.org/get', '/path']) {
    t.throws(() => prepareUrl(url), MissingSchema)
  }
  t.throws(() => prepareUrl('example.com'), {
    message: "Invalid URL 'example.com': No scheme supplied. Perhaps you meant https://example.com?",
  })
})

t.test('a URL with another scheme is returned unchanged, as Requests does', async t => {
  for (const url of ['mailto:user@example.org', 'data:SSDimaUgUHl0aG9uIQ==', 'file:///x', 'ftp://h/', 'localhost:3128', '10.122.1.1:3128/']) {
    t.equal(prepareUrl(url), url)
    t.equal(prepareUrl(url, { key: 'value' }), url)
  }
})

t.test('a scheme that starts with http but is not http(s) is only requoted and takes params', async t => {
  t.equal(prepareUrl('http+unix://%2Fvar%2Frun%2Fsocket/path%7E'), 'http+unix://%2Fvar%2Frun%2Fsocket/path~')
  t.equal(prepareUrl('http+unix://%2Fvar%2Frun%2Fsocket/path', { key: 'value' }), 'http+unix://%2Fvar%2Frun%2Fsocket/path?key=value')
})

t.test('a URL with no host is an InvalidURL', async t => {
  for (const url of ['http://', 'http:///x', 'http:x', 'https:/x', 'http://user@/x', 'http://:80/']) {
    t.throws(() => prepareUrl(url), InvalidURL, url)
  }
  t.throws(() => prepareUrl('http://'), { message: "Invalid URL 'http://': No host supplied" })
})

t.test('a missing URL is a URLRequired; an empty one has no scheme (MissingSchema), as in Requests', async t => {
  t.throws(() => prepareUrl(''), MissingSchema)
  t.throws(() => prepareUrl('   '), { name: 'MissingSchema', message: "Invalid URL '': No scheme supplied. Perhaps you meant https://?" })
  t.throws(() => prepareUrl(null as unknown as string), URLRequired)
  t.throws(() => prepareUrl(undefined as unknown as string), URLRequired)
})

t.test('a URL object is taken by its string form', async t => {
  t.equal(prepareUrl(new URL('http://example.com/a') as unknown as string), 'http://example.com/a')
})

t.test('CR, LF, NUL, tab and other control characters anywhere are refused', async t => {
  for (const url of ['http://x/a\r\nHost: evil', 'http://x/\n', 'http://x/\0', 'http://x\t.com/', 'http://x/?a=\x01', 'http://x/#\x7f', 'http://u\r:p@x/']) {
    t.throws(() => prepareUrl(url), InvalidURL, JSON.stringify(url))
  }
})

t.test('a stray percent sign becomes %25', async t => {
  t.equal(prepareUrl('http://example.com/fiz?buz=%ppicture'), 'http://example.com/fiz?buz=%25ppicture')
  t.equal(prepareUrl('http://x/100%'), 'http://x/100%25')
})

t.test('an escaped slash is kept and existing escapes are not escaped again', async t => {
  t.equal(prepareUrl('http://x/a%2Fb'), 'http://x/a%2Fb')
  t.equal(prepareUrl('http://x/a%20b?c=%20'), 'http://x/a%20b?c=%20')
  t.equal(prepareUrl('http://example.com/?a=%26b'), 'http://example.com/?a=%26b')
})

t.test('escapes are upper-cased and unreserved ones decoded', async t => {
  t.equal(prepareUrl('http://x/%2f%7e%41'), 'http://x/%2F~A')
})

t.test('a space is encoded as %20 in path, query and fragment', async t => {
  t.equal(prepareUrl('http://0.0.0.0/get/test case'), 'http://0.0.0.0/get/test%20case')
  t.equal(prepareUrl('http://x/a b?c d#e f'), 'http://x/a%20b?c%20d#e%20f')
})

t.test('non-ASCII path and query are UTF-8 percent-encoded', async t => {
  t.equal(prepareUrl('http://x/ü?q=ü€'), 'http://x/%C3%BC?q=%C3%BC%E2%82%AC')
  t.equal(prepareUrl('http://x/😀'), 'http://x/%F0%9F%98%80')
})

t.test('characters outside urllib3 path and query sets are encoded', async t => {
  t.equal(prepareUrl('http://x/a[1]|^\\?b={c}'), 'http://x/a%5B1%5D%7C%5E%5C?b=%7Bc%7D')
})

t.test('dot segments are removed from the path', async t => {
  t.equal(prepareUrl('http://x/a/./b/../c'), 'http://x/a/c')
  t.equal(prepareUrl('http://x/../../a'), 'http://x/a')
  t.equal(prepareUrl('http://x/a/b/..'), 'http://x/a/')
})

t.test('the fragment is kept and a # inside it is encoded', async t => {
  t.equal(prepareUrl('http://x/p#a#b'), 'http://x/p#a%23b')
})

t.test('an empty query and an empty fragment are dropped', async t => {
  t.equal(prepareUrl('http://x/?'), 'http://x/')
  t.equal(prepareUrl('http://x/p?#'), 'http://x/p')
})

t.test('userinfo is kept in the URL, quoted as urllib3 does', async t => {
  t.equal(prepareUrl('http://user:pass@x/'), 'http://user:pass@x/')
  t.equal(prepareUrl('http://us er:p@ss@x/'), 'http://us%20er:p%40ss@x/')
})

t.test('wireTarget splits an http URL into host, port, target and Host field', async t => {
  t.same(wireTarget('http://example.com/get?a=1#frag'), {
    scheme: 'http', hostname: 'example.com', port: 80, target: '/get?a=1', host: 'example.com',
  })
})

t.test('wireTarget uses port 443 for https and writes a non-default port in Host', async t => {
  t.same(wireTarget('https://example.com'), { scheme: 'https', hostname: 'example.com', port: 443, target: '/', host: 'example.com' })
  t.same(wireTarget('https://example.com:8443/x'), { scheme: 'https', hostname: 'example.com', port: 8443, target: '/x', host: 'example.com:8443' })
  t.same(wireTarget('http://example.com:80/x').host, 'example.com')
  t.same(wireTarget('http://example.com:443/x').host, 'example.com:443')
})

t.test('wireTarget gives an IPv6 host without brackets and a Host field with them', async t => {
  t.same(wireTarget('http://[::1]:8080/x'), { scheme: 'http', hostname: '::1', port: 8080, target: '/x', host: '[::1]:8080' })
  t.equal(wireTarget('http://[fe80::1%25eth0]/').hostname, 'fe80::1%eth0')
})

t.test('wireTarget leaves out userinfo and fragment, and makes a bare query origin-form', async t => {
  const w = wireTarget('http://u:p@example.com?x=1#f')
  t.equal(w.target, '/?x=1')
  t.equal(w.host, 'example.com')
})

t.test('wireTarget refuses any scheme but http and https', async t => {
  for (const url of ['ftp://h/', 'mailto:x', 'localhost:3128', 'http+unix://x/']) {
    t.throws(() => wireTarget(url), InvalidSchema)
  }
  t.throws(() => wireTarget('ftp://h/'), { message: "No connection adapters were found for 'ftp://h/'" })
})

t.test('wireTarget refuses a URL without a host or with a bad port', async t => {
  t.throws(() => wireTarget('http:///x'), InvalidURL)
  t.throws(() => wireTarget('http://x:70000/'), InvalidURL)
})

t.test('authFromUrl decodes the userinfo', async t => {
  t.same(authFromUrl('http://user:pass@complex.url.com/path?query=yes'), ['user', 'pass'])
  t.same(authFromUrl('http://user%25user:pass@complex.url.com/path?query=yes'), ['user%user', 'pass'])
  t.same(authFromUrl('http://user:pass%23pass@complex.url.com/path?query=yes'), ['user', 'pass#pass'])
  t.same(authFromUrl('http://user:pass pass@complex.url.com/path?query=yes'), ['user', 'pass pass'])
  t.same(authFromUrl('http://us%40er:p%3Ass%C3%A9@h/'), ['us@er', 'p:ssé'])
})

t.test('authFromUrl is null without a userinfo or without a password part, as Requests sends none', async t => {
  t.equal(authFromUrl('http://example.com/'), null)
  t.equal(authFromUrl('http://user@example.com/'), null)
  t.equal(authFromUrl('http://:@example.com/'), null)
  t.equal(authFromUrl('http://example.com/?a=b@c'), null)
  t.same(authFromUrl('http://:pass@example.com/'), ['', 'pass'])
})

t.test('stripUserinfoAndFragment removes credentials and fragment only', async t => {
  t.equal(stripUserinfoAndFragment('http://u:p@h:8080/x?y=1#f'), 'http://h:8080/x?y=1')
  t.equal(stripUserinfoAndFragment('http://h/x?a=b@c'), 'http://h/x?a=b@c')
  t.equal(stripUserinfoAndFragment('mailto:a@b#x'), 'mailto:a@b')
})

t.test('a list value in params given as pairs repeats its key, as Requests does', async t => {
  const pairs = [['a', ['1', '2']]] as unknown as readonly (readonly [string, string])[]
  t.equal(encodeParams(pairs), 'a=1&a=2')
})

t.test('a backslash ending the authority starts the path: the request goes to the host written before it', async t => {
  // urllib3 (and so Requests) ends the authority at "\" and puts a "/" before the path; without
  // it, "evil.example%5C@good.example" would read as userinfo@host and the request would go to
  // good.example, a host the URL's own parse never chose.
  const url = prepareUrl('http://evil.example\\@good.example/x')
  t.equal(url, 'http://evil.example/%5C@good.example/x')
  t.equal(wireTarget(url).hostname, 'evil.example')
  t.equal(prepareUrl('http://host\\path'), 'http://host/%5Cpath')
  t.equal(wireTarget(prepareUrl('http://u:p@evil.example\\@good.example/')).hostname, 'evil.example')
})

t.test('a non-ASCII host must pass strict IDNA 2008, as urllib3 checks it; what passes is Punycode', async t => {
  t.equal(prepareUrl('http://café.example/'), 'http://xn--caf-dma.example/')
  t.equal(prepareUrl('http://ÉXAMPLE.com/'), 'http://xn--xample-9ua.com/', 'lower-cased first')
  t.equal(prepareUrl('http://straße.de/'), 'http://xn--strae-oqa.de/', 'ß kept (not mapped to ss)')
  t.equal(prepareUrl('http://l·l.com/'), 'http://xn--ll-0ea.com/', 'the Catalan middle dot between two l')
  for (const host of ['☃.net', '💩.la', 'ＥＸＡＭＰＬＥ.com', 'é.com。example', 'a·b.com', '-é.com', 'é' + 'a'.repeat(62) + '.com']) {
    t.throws(() => prepareUrl(`http://${host}/`), { name: 'InvalidURL', code: 'URL_INVALID_LABEL' }, host)
  }
})

t.test('IDNA 2008 contextual characters pass where their context holds, as with urllib3 (RFC 5892 Appendix A)', async t => {
  // Expected values from Requests 2.34.2 (idna 3.13).
  const cases: [string, string][] = [
    ['می\u200cخواهم.ir', 'xn--mgbn2ecje63gr19l.ir'], // ZWNJ between Persian letters
    ['क्\u200dष.in', 'xn--11b2ezcw70k.in'], // ZWJ after a virama
    ['カ・カ.jp', 'xn--lcka3v.jp'], // katakana middle dot
    ['ת״א.il', 'xn--4db5c4a.il'], // Hebrew gershayim
    ['ͱ͵α.gr', 'xn--svai4p.gr'], // Greek keraia
    ['ΣΑΣ.gr', 'xn--mxa8ab.gr'], // lower-cased per label: a final sigma
    ['my_host.bücher.de', 'my_host.xn--bcher-kva.de'], // an ASCII label keeps the reg-name rule
  ]
  for (const [host, want] of cases) t.equal(prepareUrl(`http://${host}/`), `http://${want}/`, host)
  for (const host of ['a\u200cb・c.jp', 'ab\u200d.com', 'bü--cher.de']) {
    t.throws(() => prepareUrl(`http://${host}/`), { name: 'InvalidURL' }, host)
  }
})

t.test('an IPv6 zone written "%25" with nothing after it stays as written', async t => {
  t.equal(prepareUrl('http://[fe80::1%25]/'), 'http://[fe80::1%25]/')
  t.equal(prepareUrl('http://[fe80::1%25eth0]/'), 'http://[fe80::1%25eth0]/')
  t.equal(prepareUrl('http://[fe80::1%2525]/'), 'http://[fe80::1%2525]/', 'a zone named "25"')
})
