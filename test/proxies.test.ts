// Which proxy a request uses: the environment's proxy variables, no_proxy matching, Requests'
// select_proxy key order, the precedence of request, environment and session proxies, and the
// parsing of a proxy URL. Cases from Requests' test_utils.py where it has them.

import t from 'tap'
import { inspect } from 'node:util'
import { parseProxyUrl, proxiesFromEnv, resolveProxies, selectProxy, shouldBypassProxies } from '../lib/proxies.js'
import { InvalidHeader, InvalidSchema, InvalidURL } from '../lib/errors.js'

// ---------------------------------------------------------------------------------------------
// proxiesFromEnv

t.test('the environment gives http, https and all proxies from the lower-case variables', async t => {
  t.same(proxiesFromEnv({ http_proxy: 'http://h:1', https_proxy: 'http://s:2', all_proxy: 'http://a:3', PATH: '/bin' }), {
    http: 'http://h:1', https: 'http://s:2', all: 'http://a:3',
  })
})

t.test('the upper-case variables count when the lower-case ones are unset', async t => {
  t.same(proxiesFromEnv({ HTTP_PROXY: 'http://h:1', HTTPS_PROXY: 'http://s:2', ALL_PROXY: 'http://a:3' }), {
    http: 'http://h:1', https: 'http://s:2', all: 'http://a:3',
  })
})

t.test('the lower-case variable wins when both are set', async t => {
  t.same(proxiesFromEnv({ http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:1' }), { http: 'http://lower:1' })
})

t.test('an empty lower-case variable switches the proxy off even when the upper-case one is set, as urllib does', async t => {
  t.same(proxiesFromEnv({ http_proxy: '', HTTP_PROXY: 'http://upper:1' }), {})
  t.same(proxiesFromEnv({ HTTPS_PROXY: '' }), {})
})

t.test('other proxy variables are not read', async t => {
  t.same(proxiesFromEnv({ ftp_proxy: 'http://f:1', no_proxy: 'x', socks_proxy: 'socks5://s:1' }), {})
})

t.test('under CGI the upper-case HTTP_PROXY is ignored (httpoxy) but http_proxy and the others still count', async t => {
  t.same(proxiesFromEnv({ REQUEST_METHOD: 'GET', HTTP_PROXY: 'http://attacker:1', HTTPS_PROXY: 'http://s:2' }), { https: 'http://s:2' })
  t.same(proxiesFromEnv({ REQUEST_METHOD: 'GET', http_proxy: 'http://mine:1' }), { http: 'http://mine:1' })
})

// ---------------------------------------------------------------------------------------------
// shouldBypassProxies

const REQUESTS_NO_PROXY = '192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1, google.com:6000'

t.test("no_proxy matching agrees with Requests' test_should_bypass_proxies cases", async t => {
  const cases: [string, boolean][] = [
    ['http://192.168.0.1:5000/', true],
    ['http://192.168.0.1/', true],
    ['http://172.16.1.1/', true],
    ['http://172.16.1.1:5000/', true],
    ['http://localhost.localdomain:5000/v1.0/', true],
    ['http://google.com:6000/', true],
    ['http://172.16.1.12/', false],
    ['http://172.16.1.12:5000/', false],
    ['http://google.com:5000/v1.0/', false],
    ['file:///some/path/on/disk', true],
  ]
  for (const [url, expected] of cases) t.equal(shouldBypassProxies(url, REQUESTS_NO_PROXY), expected, url)
})

t.test('credentials in the URL do not change which host is matched', async t => {
  for (const url of ['http://user:pass@172.16.1.1', 'http://user:pass@172.16.1.1:5000', 'http://user:pass@localhost.localdomain:5000']) {
    t.equal(shouldBypassProxies(url, REQUESTS_NO_PROXY), true, url)
  }
  t.equal(shouldBypassProxies('http://172.16.1.1@evil.example/', REQUESTS_NO_PROXY), false, 'the host is after the last @')
})

t.test('without a no_proxy value nothing is bypassed but a URL without a host', async t => {
  t.equal(shouldBypassProxies('http://example.com/', null), false)
  t.equal(shouldBypassProxies('http://example.com/', undefined), false)
  t.equal(shouldBypassProxies('http://example.com/', ''), false)
  t.equal(shouldBypassProxies('http:///path', null), true)
  t.equal(shouldBypassProxies('file:///etc/motd', ''), true)
})

t.test('a star bypasses every host, alone or among other entries', async t => {
  t.equal(shouldBypassProxies('http://example.com/', '*'), true)
  t.equal(shouldBypassProxies('https://10.1.2.3:8443/', '*'), true)
  t.equal(shouldBypassProxies('http://[::1]/', 'localhost, *'), true)
})

t.test('a name matches the host and its subdomains on label boundaries only', async t => {
  t.equal(shouldBypassProxies('http://example.com/', 'example.com'), true)
  t.equal(shouldBypassProxies('http://a.example.com/', 'example.com'), true)
  t.equal(shouldBypassProxies('http://a.b.example.com/', 'example.com'), true)
  t.equal(shouldBypassProxies('http://badexample.com/', 'example.com'), false, 'not a label boundary')
  t.equal(shouldBypassProxies('http://example.com.evil/', 'example.com'), false)
  t.equal(shouldBypassProxies('http://example.co/', 'example.com'), false)
})

t.test('a leading dot or star-dot means the same domain, the domain itself included', async t => {
  for (const entry of ['.example.com', '*.example.com', '..example.com']) {
    t.equal(shouldBypassProxies('http://example.com/', entry), true, entry)
    t.equal(shouldBypassProxies('http://www.example.com/', entry), true, entry)
    t.equal(shouldBypassProxies('http://badexample.com/', entry), false, entry)
  }
})

t.test('names are compared without regard to case and a trailing dot', async t => {
  t.equal(shouldBypassProxies('http://WWW.Example.COM/', 'example.com'), true)
  t.equal(shouldBypassProxies('http://www.example.com/', 'EXAMPLE.com'), true)
  t.equal(shouldBypassProxies('http://www.example.com./', 'example.com'), true)
  t.equal(shouldBypassProxies('http://www.example.com/', 'example.com.'), true)
})

t.test('entries may be separated by commas, spaces, tabs or any mix, and empty entries are skipped', async t => {
  const list = ' one.example ,two.example\tthree.example  four.example,,'
  for (const host of ['one.example', 'two.example', 'three.example', 'four.example']) {
    t.equal(shouldBypassProxies(`http://${host}/`, list), true, host)
  }
  t.equal(shouldBypassProxies('http://five.example/', list), false)
})

t.test('a host:port entry matches that port only, and the URL without a port has its default port', async t => {
  t.equal(shouldBypassProxies('http://example.com:8080/', 'example.com:8080'), true)
  t.equal(shouldBypassProxies('http://example.com:8081/', 'example.com:8080'), false)
  t.equal(shouldBypassProxies('http://example.com/', 'example.com:8080'), false)
  t.equal(shouldBypassProxies('http://example.com/', 'example.com:80'), true)
  t.equal(shouldBypassProxies('https://example.com/', 'example.com:80'), false)
  t.equal(shouldBypassProxies('https://example.com/', 'example.com:443'), true)
  t.equal(shouldBypassProxies('https://api.example.com/', 'example.com:443'), true, 'subdomains too')
  t.equal(shouldBypassProxies('http://example.com:8080/', 'example.com'), true, 'an entry without a port matches every port')
})

t.test('IPv4 addresses match exactly, with or without a port', async t => {
  t.equal(shouldBypassProxies('http://10.0.0.1/', '10.0.0.1'), true)
  t.equal(shouldBypassProxies('http://10.0.0.10/', '10.0.0.1'), false)
  t.equal(shouldBypassProxies('http://110.0.0.1/', '10.0.0.1'), false, 'not a suffix match')
  t.equal(shouldBypassProxies('http://10.0.0.1:8080/', '10.0.0.1:8080'), true)
  t.equal(shouldBypassProxies('http://10.0.0.1:8081/', '10.0.0.1:8080'), false)
})

t.test('IPv4 CIDR ranges match the addresses inside them', async t => {
  t.equal(shouldBypassProxies('http://10.255.1.2/', '10.0.0.0/8'), true)
  t.equal(shouldBypassProxies('http://11.0.0.1/', '10.0.0.0/8'), false)
  t.equal(shouldBypassProxies('http://192.168.1.129/', '192.168.1.128/25'), true)
  t.equal(shouldBypassProxies('http://192.168.1.127/', '192.168.1.128/25'), false)
  t.equal(shouldBypassProxies('http://1.2.3.4/', '0.0.0.0/0'), true)
  t.equal(shouldBypassProxies('http://1.2.3.4/', '1.2.3.4/32'), true)
  t.equal(shouldBypassProxies('http://1.2.3.5/', '1.2.3.4/32'), false)
})

t.test('invalid CIDR entries match nothing and do not spoil the others', async t => {
  for (const entry of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/x', 'example.com/8', '10.0.0/8']) {
    t.equal(shouldBypassProxies('http://10.0.0.1/', entry), false, entry)
  }
  t.equal(shouldBypassProxies('http://10.0.0.1/', '10.0.0.0/33,10.0.0.1'), true)
})

t.test('IPv6 literals match with or without brackets, however they are written', async t => {
  t.equal(shouldBypassProxies('http://[::1]/', '::1'), true)
  t.equal(shouldBypassProxies('http://[::1]/', '[::1]'), true)
  t.equal(shouldBypassProxies('http://[0:0:0:0:0:0:0:1]:8080/', '::1'), true)
  t.equal(shouldBypassProxies('http://[2001:DB8::1]/', '2001:db8:0::1'), true)
  t.equal(shouldBypassProxies('http://[::2]/', '::1'), false)
  t.equal(shouldBypassProxies('http://[fe80::1%25eth0]/', 'fe80::1'), true, 'the zone is left out')
})

t.test('a bracketed IPv6 entry may carry a port', async t => {
  t.equal(shouldBypassProxies('http://[::1]:8080/', '[::1]:8080'), true)
  t.equal(shouldBypassProxies('http://[::1]:8081/', '[::1]:8080'), false)
  t.equal(shouldBypassProxies('https://[::1]/', '[::1]:443'), true)
})

t.test('IPv6 CIDR ranges match the addresses inside them', async t => {
  t.equal(shouldBypassProxies('http://[fe80::abcd]/', 'fe80::/10'), true)
  t.equal(shouldBypassProxies('http://[febf::1]/', 'fe80::/10'), true)
  t.equal(shouldBypassProxies('http://[fec0::1]/', 'fe80::/10'), false)
  t.equal(shouldBypassProxies('http://[2001:db8:1::5]/', '[2001:db8::]/32'), true)
  t.equal(shouldBypassProxies('http://[2001:db9::5]/', '[2001:db8::]/32'), false)
  t.equal(shouldBypassProxies('http://[::1]/', '::/0'), true)
})

t.test('an IPv4-mapped IPv6 address is matched as the IPv4 address it stands for', async t => {
  t.equal(shouldBypassProxies('http://[::ffff:10.1.2.3]/', '10.0.0.0/8'), true)
  t.equal(shouldBypassProxies('http://[::ffff:a01:203]/', '10.1.2.3'), true)
  t.equal(shouldBypassProxies('http://10.1.2.3/', '::ffff:10.1.2.3'), true)
  t.equal(shouldBypassProxies('http://10.1.2.3/', '::ffff:10.0.0.0/104'), true)
})

t.test('addresses and names never match each other, and names are not resolved', async t => {
  t.equal(shouldBypassProxies('http://127.0.0.1/', 'localhost'), false)
  t.equal(shouldBypassProxies('http://localhost/', '127.0.0.1'), false)
  t.equal(shouldBypassProxies('http://[::1]/', '1'), false)
  t.equal(shouldBypassProxies('http://1.0.0.1/', '0.1'), false, 'an address is not a domain suffix')
})

// ---------------------------------------------------------------------------------------------
// selectProxy

const httpProxies = { http: 'http://http.proxy', 'http://some.host': 'http://some.host.proxy' }
const allProxies = { all: 'socks5://http.proxy', 'all://some.host': 'socks5://some.host.proxy' }
const mixedProxies = { http: 'http://http.proxy', 'http://some.host': 'http://some.host.proxy', all: 'socks5://http.proxy' }

t.test("selectProxy agrees with Requests' test_select_proxies cases", async t => {
  const cases: [string, string | null, Record<string, string>][] = [
    ['hTTp://u:p@Some.Host/path', 'http://some.host.proxy', httpProxies],
    ['hTTp://u:p@Other.Host/path', 'http://http.proxy', httpProxies],
    ['hTTp:///path', 'http://http.proxy', httpProxies],
    ['hTTps://Other.Host', null, httpProxies],
    ['file:///etc/motd', null, httpProxies],
    ['hTTp://u:p@Some.Host/path', 'socks5://some.host.proxy', allProxies],
    ['hTTp://u:p@Other.Host/path', 'socks5://http.proxy', allProxies],
    ['hTTp:///path', 'socks5://http.proxy', allProxies],
    ['hTTps://Other.Host', 'socks5://http.proxy', allProxies],
    ['http://u:p@other.host/path', 'http://http.proxy', mixedProxies],
    ['http://u:p@some.host/path', 'http://some.host.proxy', mixedProxies],
    ['https://u:p@other.host/path', 'socks5://http.proxy', mixedProxies],
    ['https://u:p@some.host/path', 'socks5://http.proxy', mixedProxies],
    ['https://', 'socks5://http.proxy', mixedProxies],
    ['file:///etc/motd', 'socks5://http.proxy', allProxies],
  ]
  for (const [url, expected, proxies] of cases) t.equal(selectProxy(url, proxies), expected, url)
})

t.test('selectProxy tries scheme://host, scheme, all://host, all in that order', async t => {
  const proxies = { 'http://a.example': 'p1', http: 'p2', 'all://a.example': 'p3', all: 'p4', 'all://b.example': 'p5' }
  t.equal(selectProxy('http://a.example/', proxies), 'p1')
  t.equal(selectProxy('http://b.example/', proxies), 'p2')
  t.equal(selectProxy('https://a.example/', proxies), 'p3')
  t.equal(selectProxy('https://b.example/', proxies), 'p5')
  t.equal(selectProxy('https://c.example/', proxies), 'p4')
  t.equal(selectProxy('http://a.example/', {}), null)
})

t.test('a key set to the empty string means no proxy and stops the search', async t => {
  t.equal(selectProxy('http://a.example/', { http: '', all: 'http://p' }), null)
  t.equal(selectProxy('https://a.example/', { http: '', all: 'http://p' }), 'http://p')
})

t.test('an IPv6 host is looked up with and without brackets', async t => {
  t.equal(selectProxy('http://[::1]:8080/', { 'http://[::1]': 'http://p1' }), 'http://p1')
  t.equal(selectProxy('http://[::1]:8080/', { 'http://::1': 'http://p2' }), 'http://p2')
})

t.test('keys inherited from Object.prototype are not proxies', async t => {
  t.equal(selectProxy('http://constructor/', { all: '' }), null)
  t.equal(selectProxy('toString://x', { x: 'y' }), null)
})

// ---------------------------------------------------------------------------------------------
// resolveProxies

t.test('request proxies come before the environment, which comes before the session', async t => {
  const env = { http_proxy: 'http://env:1', https_proxy: 'http://envs:1' }
  const session = { http: 'http://session:1', https: 'http://sessions:1', 'all://x.example': 'http://sx:1' }
  const merged = resolveProxies('http://x.example/', { http: 'http://request:1' }, session, true, env)
  t.equal(selectProxy('http://x.example/', merged), 'http://request:1')
  const noRequest = resolveProxies('http://x.example/', {}, session, true, env)
  t.equal(selectProxy('http://x.example/', noRequest), 'http://env:1')
  const noEnv = resolveProxies('http://x.example/', {}, session, true, {})
  t.equal(selectProxy('http://x.example/', noEnv), 'http://session:1')
})

t.test('the environment is not read without trustEnv', async t => {
  const merged = resolveProxies('http://x.example/', {}, { https: 'http://s:1' }, false, { http_proxy: 'http://env:1', all_proxy: 'http://all:1' })
  t.same(merged, { https: 'http://s:1' })
})

t.test("the environment's proxies are left out for a URL no_proxy bypasses, explicit proxies are not", async t => {
  const env = { http_proxy: 'http://env:1', all_proxy: 'http://envall:1', no_proxy: 'internal.example' }
  t.same(resolveProxies('http://a.internal.example/', {}, {}, true, env), {})
  t.same(resolveProxies('http://a.internal.example/', {}, { http: 'http://s:1' }, true, env), { http: 'http://s:1' })
  t.same(resolveProxies('http://a.internal.example/', { http: 'http://r:1' }, {}, true, env), { http: 'http://r:1' })
  t.same(resolveProxies('http://public.example/', {}, {}, true, env), { http: 'http://env:1', all: 'http://envall:1' })
})

t.test("the environment's proxies follow Requests' TestGetEnvironProxies cases", async t => {
  const list = '192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1'
  const bypassed = ['http://192.168.0.1:5000/', 'http://192.168.0.1/', 'http://172.16.1.1/', 'http://172.16.1.1:5000/', 'http://localhost.localdomain:5000/v1.0/']
  const proxied = ['http://192.168.1.1:5000/', 'http://192.168.1.1/', 'http://www.requests.com/']
  for (const name of ['no_proxy', 'NO_PROXY']) {
    const env = { http_proxy: 'http://proxy.example.com:3128/', [name]: list }
    for (const url of bypassed) t.same(resolveProxies(url, {}, {}, true, env), {}, `${name}: ${url} bypasses`)
    for (const url of proxied) t.same(resolveProxies(url, {}, {}, true, env), { http: 'http://proxy.example.com:3128/' }, `${name}: ${url} is proxied`)
    // The no_proxy keyword replaces the environment's list (test_bypass_no_proxy_keyword and
    // test_not_bypass_no_proxy_keyword).
    const keyword = { no_proxy: '192.168.1.1,requests.com' }
    for (const url of proxied) t.equal(selectProxy(url, resolveProxies(url, keyword, {}, true, env)), null, `keyword: ${url} bypasses`)
    for (const url of bypassed) t.equal(selectProxy(url, resolveProxies(url, keyword, {}, true, env)), 'http://proxy.example.com:3128/', `keyword: ${url} is proxied`)
  }
})

t.test('NO_PROXY counts when no_proxy is unset or empty', async t => {
  t.same(resolveProxies('http://a.example/', {}, {}, true, { HTTP_PROXY: 'http://env:1', NO_PROXY: 'a.example' }), {})
  t.same(resolveProxies('http://a.example/', {}, {}, true, { HTTP_PROXY: 'http://env:1', no_proxy: '', NO_PROXY: 'a.example' }), {})
})

t.test("a no_proxy key in the request's or the session's proxies replaces the environment's", async t => {
  const env = { http_proxy: 'http://env:1', no_proxy: 'other.example' }
  t.same(resolveProxies('http://a.example/', { no_proxy: 'a.example' }, {}, true, env), { no_proxy: 'a.example' })
  t.same(resolveProxies('http://a.example/', {}, { no_proxy: 'a.example' }, true, env), { no_proxy: 'a.example' })
  t.equal(selectProxy('http://other.example/', resolveProxies('http://other.example/', { no_proxy: 'a.example' }, {}, true, env)), 'http://env:1')
})

t.test('only the environment variables for the URL scheme and all are taken', async t => {
  const env = { http_proxy: 'http://env:1', https_proxy: 'http://envs:1', all_proxy: 'http://envall:1' }
  t.same(resolveProxies('https://a.example/', {}, {}, true, env), { https: 'http://envs:1', all: 'http://envall:1' })
  t.equal(selectProxy('https://a.example/', resolveProxies('https://a.example/', {}, {}, true, { all_proxy: 'http://envall:1' })), 'http://envall:1')
})

t.test('a null request proxy removes the key from the session and the environment alike', async t => {
  const env = { http_proxy: 'http://env:1' }
  t.same(resolveProxies('http://a.example/', { http: null }, { http: 'http://s:1' }, true, env), {})
  t.same(resolveProxies('http://a.example/', { http: undefined, https: 'http://r:1' }, {}, true, env), { https: 'http://r:1' })
})

t.test('the inputs are never changed', async t => {
  const request = { http: 'http://r:1' }
  const session = { https: 'http://s:1' }
  resolveProxies('http://a.example/', request, session, true, { all_proxy: 'http://e:1' })
  t.same(request, { http: 'http://r:1' })
  t.same(session, { https: 'http://s:1' })
})

// ---------------------------------------------------------------------------------------------
// parseProxyUrl

t.test('a proxy URL gives scheme, host, port and a display form', async t => {
  t.same(parseProxyUrl('http://proxy.example:3128'), { scheme: 'http', hostname: 'proxy.example', port: 3128, display: 'http://proxy.example:3128' })
  t.same(parseProxyUrl('https://proxy.example:8443/ignored/path?q#f'), { scheme: 'https', hostname: 'proxy.example', port: 8443, display: 'https://proxy.example:8443' })
})

t.test('the port defaults to the scheme default, as in Requests', async t => {
  t.equal(parseProxyUrl('http://proxy.example').port, 80)
  t.equal(parseProxyUrl('http://proxy.example:').port, 80)
  t.equal(parseProxyUrl('https://proxy.example/').port, 443)
})

t.test('a proxy URL without a scheme is http', async t => {
  t.same(parseProxyUrl('127.0.0.1:3128'), { scheme: 'http', hostname: '127.0.0.1', port: 3128, display: 'http://127.0.0.1:3128' })
  t.same(parseProxyUrl('localhost:3128'), { scheme: 'http', hostname: 'localhost', port: 3128, display: 'http://localhost:3128' })
  t.equal(parseProxyUrl('proxy.example').port, 80)
})

t.test('scheme and host are lower-cased, and a non-ASCII host goes through IDNA', async t => {
  t.same(parseProxyUrl('HTTP://Proxy.EXAMPLE:1'), { scheme: 'http', hostname: 'proxy.example', port: 1, display: 'http://proxy.example:1' })
  t.equal(parseProxyUrl('http://bücher.example:1').hostname, 'xn--bcher-kva.example')
})

t.test('an IPv6 proxy host loses its brackets in hostname and keeps them in display', async t => {
  t.same(parseProxyUrl('http://[::1]:3128'), { scheme: 'http', hostname: '::1', port: 3128, display: 'http://[::1]:3128' })
  t.same(parseProxyUrl('https://[2001:DB8::1]'), { scheme: 'https', hostname: '2001:db8::1', port: 443, display: 'https://[2001:db8::1]:443' })
})

t.test('userinfo becomes a Basic Proxy-Authorization, percent-decoded', async t => {
  const basic = (s: string): string => 'Basic ' + Buffer.from(s).toString('base64')
  t.equal(parseProxyUrl('http://user:pass@proxy.example:3128').authorization, basic('user:pass'))
  t.equal(parseProxyUrl('http://us%40er:p%3Ass%2Fw%25rd@proxy.example').authorization, basic('us@er:p:ss/w%rd'))
  t.equal(parseProxyUrl('http://user:p@ss@proxy.example').authorization, basic('user:p@ss'), 'the host is after the last @')
  t.equal(parseProxyUrl('http://user:@proxy.example').authorization, basic('user:'))
  t.equal(parseProxyUrl('http://user@proxy.example').authorization, basic('user:'), 'a user without a password')
  t.equal(parseProxyUrl('http://user:100%@proxy.example').authorization, basic('user:100%'), 'a stray % stays')
  t.equal(parseProxyUrl('user:pass@127.0.0.1:3128').authorization, basic('user:pass'), 'without a scheme too')
})

t.test('non-ASCII credentials are sent as UTF-8 bytes, percent-escaped ones as the bytes they name', async t => {
  const expected = 'Basic ' + Buffer.from('jürgen:pässword', 'utf8').toString('base64')
  t.equal(parseProxyUrl('http://jürgen:pässword@proxy.example').authorization, expected)
  t.equal(parseProxyUrl('http://j%C3%BCrgen:p%C3%A4ssword@proxy.example').authorization, expected)
  const latin1 = 'Basic ' + Buffer.from([0x6a, 0xfc, 0x3a, 0x78]).toString('base64')
  t.equal(parseProxyUrl('http://j%FC:x@proxy.example').authorization, latin1)
})

t.test('without a user name no credentials are sent, as in Requests', async t => {
  t.equal(parseProxyUrl('http://:secret@proxy.example').authorization, undefined)
  t.equal(parseProxyUrl('http://@proxy.example').authorization, undefined)
  t.equal(parseProxyUrl('http://proxy.example').authorization, undefined)
})

t.test('SOCKS proxies are refused with InvalidSchema saying they are not supported', async t => {
  for (const url of ['socks5://127.0.0.1:1080', 'socks5h://proxy.example', 'socks4://proxy.example', 'SOCKS4A://proxy.example', 'socks://proxy.example']) {
    t.throws(() => parseProxyUrl(url), InvalidSchema, url)
    t.throws(() => parseProxyUrl(url), { message: /SOCKS proxies are not supported/ }, url)
  }
})

t.test('other proxy schemes are refused with InvalidSchema', async t => {
  for (const url of ['ftp://proxy.example', 'file:///tmp/x', 'ws://proxy.example']) {
    t.throws(() => parseProxyUrl(url), InvalidSchema, url)
  }
})

t.test('malformed proxy URLs are refused with InvalidURL', async t => {
  const bad = ['', '   ', 'http://', 'http:///path', 'http://:3128', 'http://proxy.example:0', 'http://proxy.example:65536',
    'http://proxy.example:99999999999', 'http://proxy.example:31a', 'http://[::1', 'http://[nonsense]:1', 'http://[::1]x',
    'http://pro xy.example', 'http://prox<y.example', 'http://.proxy.example', 'http://proxy.example\r\nX: y']
  for (const url of bad) t.throws(() => parseProxyUrl(url), InvalidURL, JSON.stringify(url))
})

t.test('CR, LF or NUL in the credentials is InvalidHeader, raw or percent-encoded', async t => {
  for (const url of ['http://user:pa%0D%0Ass@proxy.example', 'http://us%0Aer:pass@proxy.example', 'http://user:pa%00ss@proxy.example']) {
    t.throws(() => parseProxyUrl(url), InvalidHeader, url)
  }
  t.throws(() => parseProxyUrl('http://user:pa\r\nss@proxy.example'), InvalidURL, 'a raw CR LF makes the URL itself invalid')
})

t.test('credentials never appear in an error', async t => {
  const secret = 'S3cr3tPa55'
  const urls = [
    `socks5://user:${secret}@proxy.example:1080`,
    `ftp://user:${secret}@proxy.example`,
    `http://user:${secret}@proxy.example:99999`,
    `http://user:${secret}@`,
    `http://user:${secret}@[::1`,
    `http://user:${secret}@bad host`,
    `http://user:${secret}%0D%0A@proxy.example`,
    `http://user:${secret}\r\n@proxy.example`,
    `http://user:${secret}/with/slash@proxy.example:abc`,
    `http://user:${secret}#hash@proxy.example:abc`,
    `http://user:${secret}?q@proxy.example:0`,
    `user:${secret}@proxy.example:99999`,
    `http://${secret}@proxy.example:0`,
  ]
  for (const url of urls) {
    let caught: unknown = null
    try {
      parseProxyUrl(url)
    } catch (err) {
      caught = err
    }
    t.ok(caught instanceof Error, `${url.replace(secret, '…')} is refused`)
    const err = caught as Error & { url?: unknown }
    const seen = [err.message, String(err.url), inspect(err), JSON.stringify(err), String(err.stack)].join('\n')
    t.notOk(seen.includes(secret), `no password in the error for ${url.replace(secret, '…')}`)
    t.notOk(seen.includes(Buffer.from(`user:${secret}`).toString('base64').slice(0, 12)), 'nor its base64')
  }
})

t.test('the display form never holds credentials', async t => {
  const parsed = parseProxyUrl('http://user:hunter2@proxy.example:3128')
  t.equal(parsed.display, 'http://proxy.example:3128')
  t.notOk(JSON.stringify({ ...parsed, authorization: undefined }).includes('hunter2'))
})

t.test('a parsed proxy is frozen, so a remembered answer cannot be changed by a caller', async t => {
  const parsed = parseProxyUrl('http://frozen.example:1')
  t.ok(Object.isFrozen(parsed))
  t.equal(parseProxyUrl('http://frozen.example:1'), parsed)
})
