// netrcAuth against real files in a temporary home: which file is read, how machines match,
// the grammar (default, macdef, quotes, comments), and that a bad or missing file gives null.

import t, { type Test } from 'tap'
import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { netrcAuth } from '../lib/netrc.js'

/** A fresh empty home directory, removed when the test ends. */
function tempHome(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'reqwire-netrc-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const NO_ENV = {}

t.test('a machine entry matches the URL\'s hostname', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine example.org login alice password s3cret\nmachine other.org login bob password hunter2\n')
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://example.org/path?q=1', opts), ['alice', 's3cret'])
  t.same(netrcAuth('https://other.org/', opts), ['bob', 'hunter2'])
  t.equal(netrcAuth('http://unknown.org/', opts), null)
})

t.test('the port is ignored and the hostname matches in any case', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine Example.ORG login alice password pw\n')
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://example.org:8080/', opts), ['alice', 'pw'])
  t.same(netrcAuth('https://EXAMPLE.org:443/', opts), ['alice', 'pw'])
  t.same(netrcAuth('http://user:x@example.org:1/', opts), ['alice', 'pw'], 'userinfo is not part of the hostname')
})

t.test('default answers any host without an entry of its own', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine example.org login alice password a\ndefault login anonymous password guest@\n')
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://example.org/', opts), ['alice', 'a'])
  t.same(netrcAuth('http://anything.test/', opts), ['anonymous', 'guest@'])
})

t.test('macdef bodies are skipped up to the empty line that ends them', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), [
    'machine first.org login one password 1',
    'macdef init',
    'machine evil.org login mallory password in-a-macro',
    'cd /pub',
    '',
    'machine second.org login two password 2',
    '',
  ].join('\n'))
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://first.org/', opts), ['one', '1'])
  t.same(netrcAuth('http://second.org/', opts), ['two', '2'])
  t.equal(netrcAuth('http://evil.org/', opts), null, 'a macro\'s lines are not entries')
})

t.test('quoted tokens, escapes and comments are read as Python\'s netrc reads them', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), [
    '# a comment line',
    'machine example.org   # a comment after tokens',
    '  login "john doe"',
    '  password "pass word with \\"quotes\\" and #hash"',
    'machine escaped.org login a\\ b password p\\\\q',
    '',
  ].join('\n'))
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://example.org/', opts), ['john doe', 'pass word with "quotes" and #hash'])
  t.same(netrcAuth('http://escaped.org/', opts), ['a b', 'p\\q'])
})

t.test('an entry without login gives its account, and the user may be empty, as Requests', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine acct.org account acme password p1\nmachine bare.org password p2\n')
  const opts = { env: NO_ENV, homedir: home }
  t.same(netrcAuth('http://acct.org/', opts), ['acme', 'p1'])
  t.same(netrcAuth('http://bare.org/', opts), ['', 'p2'])
})

t.test('the first entry for a machine wins, as ftp(1) and curl read the file', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine dup.org login first password 1\nmachine dup.org login second password 2\n')
  t.same(netrcAuth('http://dup.org/', { env: NO_ENV, homedir: home }), ['first', '1'])
})

t.test('$NETRC names the file, ~ expanded, and then no other file is read', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine example.org login home password h\n')
  writeFileSync(join(home, 'custom'), 'machine example.org login custom password c\n')
  t.same(netrcAuth('http://example.org/', { env: { NETRC: join(home, 'custom') }, homedir: home }), ['custom', 'c'])
  t.same(netrcAuth('http://example.org/', { env: { NETRC: '~/custom' }, homedir: home }), ['custom', 'c'])
  t.equal(netrcAuth('http://example.org/', { env: { NETRC: join(home, 'missing') }, homedir: home }), null)
})

t.test('~/_netrc is read when ~/.netrc does not exist', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '_netrc'), 'machine example.org login win password w\n')
  t.same(netrcAuth('http://example.org/', { env: NO_ENV, homedir: home }), ['win', 'w'])
})

t.test('a missing, unreadable or malformed file gives null and never throws', async t => {
  const home = tempHome(t)
  const opts = { env: NO_ENV, homedir: home }
  t.equal(netrcAuth('http://example.org/', opts), null, 'no file')
  t.equal(netrcAuth('http://example.org/', { env: NO_ENV, homedir: join(home, 'no-such-dir') }), null)
  t.equal(netrcAuth('not a url', opts), null)

  writeFileSync(join(home, '.netrc'), 'machine example.org login alice frobnicate x password p\n')
  t.equal(netrcAuth('http://example.org/', opts), null, 'an unknown keyword makes the file malformed')

  writeFileSync(join(home, '.netrc'), 'machine example.org login alice password p\n')
  utimesSync(join(home, '.netrc'), new Date(), new Date(Date.now() + 5000))
  if (process.getuid?.() !== 0) {
    chmodSync(join(home, '.netrc'), 0o000)
    t.equal(netrcAuth('http://example.org/', opts), null, 'unreadable')
    chmodSync(join(home, '.netrc'), 0o600)
  }
})

t.test('an edited file is read again', async t => {
  const home = tempHome(t)
  const file = join(home, '.netrc')
  const opts = { env: NO_ENV, homedir: home }
  writeFileSync(file, 'machine example.org login old password 1\n')
  utimesSync(file, new Date(1_000_000), new Date(1_000_000))
  t.same(netrcAuth('http://example.org/', opts), ['old', '1'])
  writeFileSync(file, 'machine example.org login new password 2\n')
  utimesSync(file, new Date(2_000_000), new Date(2_000_000))
  t.same(netrcAuth('http://example.org/', opts), ['new', '2'])
})

t.test('an IPv6 host matches a machine written without brackets', async t => {
  const home = tempHome(t)
  writeFileSync(join(home, '.netrc'), 'machine ::1 login v6 password six\n')
  t.same(netrcAuth('http://[::1]:8080/', { env: NO_ENV, homedir: home }), ['v6', 'six'])
})
