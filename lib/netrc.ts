// Credentials from a netrc file, Requests' get_netrc_auth: used when a request carries no auth
// and trustEnv is on. Looked up by the URL's hostname; a missing, unreadable or malformed file
// simply gives no credentials, never an error.

import { readFileSync, statSync } from 'node:fs'
import { homedir as osHomedir } from 'node:os'
import { join } from 'node:path'

export interface NetrcOptions {
  /** Where `NETRC` is read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv
  /** The home directory `~` stands for; `os.homedir()` by default. */
  homedir?: string
}

interface NetrcEntry {
  login: string
  account: string
  password: string
}

interface ParsedNetrc {
  /** Keyed by lower-cased machine name; the first entry for a name wins. */
  machines: Map<string, NetrcEntry>
  fallback: NetrcEntry | null
}

/** Requests' NETRC_FILES, tried in this order under the home directory. */
const NETRC_FILES = ['.netrc', '_netrc']

// A session consults netrc for every request without auth; re-reading and re-parsing the file
// each time would cost a syscall pair and a parse per request. A changed mtime or size means the
// file was edited, and it is read again.
const cache = new Map<string, { mtimeMs: number; size: number; parsed: ParsedNetrc | null }>()

// Probing for a file that is not there costs more than the rest of preparing a request (two
// paths, ~2 µs; ~20 µs when a missing file throws), and most machines have no netrc at all: that
// answer is remembered for RECHECK_MS, so a netrc file created meanwhile is seen within a second.
// A file that exists is checked (one stat) on every lookup, so edits show at once.
const RECHECK_MS = 1000
const absent = new Map<string, number>()

/**
 * `[login, password]` for the URL's host from the netrc file, else `null`. The file is `$NETRC`
 * when set, else `~/.netrc`, else `~/_netrc` (the first that exists). Machine names match the
 * hostname without its port, ignoring case; a `default` entry answers any other host. As in
 * Requests, an entry without `login` gives its `account` as the user, and the user may be ''.
 */
export function netrcAuth(url: string, options: NetrcOptions = {}): [string, string] | null {
  const fromEnv = (options.env ?? process.env)['NETRC']
  const home = options.homedir ?? osHomedir()
  const parsed = findNetrc(home, fromEnv)
  if (parsed === null) return null
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return null
  }
  // urlparse's hostname has no brackets around an IPv6 address; a netrc machine would not either.
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  const entry = parsed.machines.get(host) ?? parsed.fallback
  if (entry === null) return null
  return [entry.login !== '' ? entry.login : entry.account, entry.password]
}

/** The parsed netrc file that applies, or null when there is none (or it cannot be read). */
function findNetrc(home: string, fromEnv: string | undefined): ParsedNetrc | null {
  const key = `${home}\0${fromEnv ?? ''}`
  const checkedAt = absent.get(key)
  if (checkedAt !== undefined && Date.now() - checkedAt < RECHECK_MS) return null
  const candidates = fromEnv !== undefined ? [expandHome(fromEnv, home)] : NETRC_FILES.map(name => join(home, name))
  for (const path of candidates) {
    if (path === '') continue
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat === undefined) continue
    absent.delete(key)
    // The first file that exists decides, readable or not, as in Requests.
    return readParsed(path, stat.mtimeMs, stat.size)
  }
  absent.set(key, Date.now())
  return null
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return path
}

function readParsed(path: string, mtimeMs: number, size: number): ParsedNetrc | null {
  const cached = cache.get(path)
  if (cached !== undefined && cached.mtimeMs === mtimeMs && cached.size === size) return cached.parsed
  let parsed: ParsedNetrc | null
  try {
    parsed = parseNetrc(readFileSync(path, 'utf8'))
  } catch {
    parsed = null
  }
  cache.set(path, { mtimeMs, size, parsed })
  return parsed
}

/**
 * Splits netrc text into tokens as Python's netrc (3.11+) does: whitespace separates, `"…"`
 * quotes, a backslash escapes the next character, `#` starts a comment to the end of its line.
 * `macdef` bodies are skipped whole: the rest of the macdef line, then every line up to the
 * first empty one (ftp(1)'s "null line").
 */
class Lexer {
  #i = 0
  constructor(private readonly text: string) {}

  next(): string | null {
    const text = this.text
    for (;;) {
      while (this.#i < text.length && /\s/.test(text[this.#i] ?? '')) this.#i++
      if (this.#i >= text.length) return null
      if (text[this.#i] !== '#') break
      this.skipLine()
    }
    let token = ''
    if (text[this.#i] === '"') {
      this.#i++
      while (this.#i < text.length && text[this.#i] !== '"') {
        if (text[this.#i] === '\\') this.#i++
        token += text[this.#i] ?? ''
        this.#i++
      }
      this.#i++
      return token
    }
    while (this.#i < text.length && !/\s/.test(text[this.#i] ?? '')) {
      if (text[this.#i] === '\\') this.#i++
      token += text[this.#i] ?? ''
      this.#i++
    }
    return token
  }

  skipLine(): void {
    const nl = this.text.indexOf('\n', this.#i)
    this.#i = nl < 0 ? this.text.length : nl + 1
  }

  /** Skips a macdef body: the rest of this line, then lines up to an empty one (or the end). */
  skipMacro(): void {
    this.skipLine()
    while (this.#i < this.text.length) {
      const nl = this.text.indexOf('\n', this.#i)
      const line = this.text.slice(this.#i, nl < 0 ? this.text.length : nl)
      this.#i = nl < 0 ? this.text.length : nl + 1
      if (line === '' || line === '\r') return
    }
  }
}

/**
 * Parses netrc text, or throws on a malformed file (an unknown keyword, a `machine` without a
 * name), which netrcAuth turns into "no credentials" as Requests does with NetrcParseError.
 */
function parseNetrc(text: string): ParsedNetrc {
  const lexer = new Lexer(text)
  const machines = new Map<string, NetrcEntry>()
  let fallback: NetrcEntry | null = null
  let token = lexer.next()
  while (token !== null) {
    if (token === 'macdef') {
      if (lexer.next() === null) throw new SyntaxError('netrc: macdef without a name')
      lexer.skipMacro()
      token = lexer.next()
      continue
    }
    let name: string | null
    if (token === 'machine') {
      name = lexer.next()
      if (name === null) throw new SyntaxError('netrc: machine without a name')
    } else if (token === 'default') {
      name = null
    } else {
      throw new SyntaxError(`netrc: unexpected ${JSON.stringify(token)}`)
    }
    const entry: NetrcEntry = { login: '', account: '', password: '' }
    for (token = lexer.next(); token !== null; token = lexer.next()) {
      if (token === 'machine' || token === 'default' || token === 'macdef') break
      const value = lexer.next()
      if (value === null) throw new SyntaxError(`netrc: ${token} without a value`)
      if (token === 'login' || token === 'user') entry.login = value
      else if (token === 'account') entry.account = value
      else if (token === 'password') entry.password = value
      else throw new SyntaxError(`netrc: unexpected ${JSON.stringify(token)}`)
    }
    // The first entry for a machine wins, as ftp(1) and curl read the file; Python's netrc keeps
    // the last, a difference only a file naming one machine twice can see.
    if (name === null) fallback ??= entry
    else if (!machines.has(name.toLowerCase())) machines.set(name.toLowerCase(), entry)
  }
  return { machines, fallback }
}
