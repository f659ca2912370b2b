// Real servers for the interop tests (issue 5): nginx (plain HTTP, HTTPS, HTTPS requiring a client
// certificate, HTTPS with a wrong-name certificate) and tinyproxy (with and without BasicAuth), from
// the system's packages, each in the foreground as the current user, with its config, pid, logs and
// temp files in one temporary directory, listening on 127.0.0.1 only, killed in teardown.
//
// Binaries: REQWIRE_INTEROP_NGINX / REQWIRE_INTEROP_TINYPROXY (a path; "/nonexistent" forces the
// skip path), else `nginx` / `tinyproxy` on PATH, in /usr/sbin, /usr/local/sbin or /usr/bin. When a
// server is missing or does not start, `startNginx`/`startTinyproxy` answer a reason string and the
// test files skip with it (`t.plan(0, reason)`); REQWIRE_INTEROP_REQUIRE=1 turns that into a failure.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { fixturePaths } from '../support/tls-fixtures.js'

/** What a test file needs to know about a server it can reach. */
export interface Listener {
  readonly port: number
  /** `scheme://127.0.0.1:port` */
  readonly url: string
}

export interface Nginx {
  /** Plain HTTP: /static.txt, /text.txt (gzip), /redirect (301), /to-https (301 to `https`), /post (echo), /headers, 404 otherwise. */
  readonly http: Listener
  /** HTTPS with the fixtures' server certificate (localhost, 127.0.0.1). */
  readonly https: Listener
  /** HTTPS with `ssl_verify_client on` and the fixtures' client CA. */
  readonly mtls: Listener
  /** HTTPS with a certificate signed by the test CA for other.example only. */
  readonly wrongName: Listener
  /** nginx's access log so far (format: `connection requests "request" status`). */
  accessLog(): string
  stop(): Promise<void>
}

export interface Tinyproxy extends Listener {
  /** tinyproxy's log so far (LogLevel Info: every request line, CONNECTs included). */
  log(): string
  stop(): Promise<void>
}

export interface TinyproxyOptions {
  /** Ports CONNECT may reach (ConnectPort); all on 127.0.0.1. */
  connectPorts: number[]
  /** BasicAuth user and password. */
  auth?: { user: string; pass: string }
}

/** How long a server may take to listen. */
const START_MS = 10_000

const STATIC_TEXT = 'hello from nginx\n'
/** Large and repetitive, so that gzip has something to do; nginx sends it chunked when compressing. */
export const TEXT_BODY = Array.from({ length: 400 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join('')
export { STATIC_TEXT }

/** True when a missing server should fail the run instead of skipping it. */
export const interopRequired = process.env.REQWIRE_INTEROP_REQUIRE === '1'

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The binary's path, or null: the override variable, then PATH, then the sbin directories. */
export function findBinary(name: string, override: string | undefined): string | null {
  if (override !== undefined && override !== '') return isExecutable(override) ? override : null
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/sbin']
  for (const dir of dirs) {
    if (dir === '') continue
    const candidate = join(dir, name)
    if (isExecutable(candidate)) return candidate
  }
  return null
}

/** `count` ports that were free on 127.0.0.1 a moment ago (all held open together, so distinct). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => resolve(s))
  })))
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  return ports
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
  })
}

/** A foreground server process: its output kept for error messages, killed on stop or exit. */
class Child {
  readonly proc: ChildProcess
  output = ''
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null
  readonly #exit: Promise<void>
  readonly #onProcessExit = (): void => { this.proc.kill('SIGKILL') }

  constructor(bin: string, args: string[], cwd: string) {
    this.proc = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (chunk: Buffer): void => { this.output = (this.output + chunk.toString('utf8')).slice(-8192) }
    this.proc.stdout?.on('data', keep)
    this.proc.stderr?.on('data', keep)
    this.#exit = new Promise((resolve) => {
      this.proc.once('error', (err) => { this.output += `\n${err.message}`; this.exited ??= { code: null, signal: null }; resolve() })
      this.proc.once('exit', (code, signal) => { this.exited = { code, signal }; resolve() })
    })
    // A test process that dies without its teardown must not leave servers behind.
    process.once('exit', this.#onProcessExit)
  }

  /** Resolves once every port accepts connections; rejects with the reason when the process exits first or time runs out. */
  async ready(ports: number[], describe: () => string): Promise<void> {
    const deadline = Date.now() + START_MS
    for (;;) {
      if (this.exited !== null) throw new Error(`exited at start (${this.exited.signal ?? `code ${this.exited.code}`}): ${describe()}`)
      const up = await Promise.all(ports.map(canConnect))
      if (up.every(Boolean)) return
      if (Date.now() > deadline) throw new Error(`did not listen on 127.0.0.1:${ports.join(',')} within ${START_MS} ms: ${describe()}`)
      await sleep(50)
    }
  }

  async stop(): Promise<void> {
    process.off('exit', this.#onProcessExit)
    if (this.exited !== null) return
    this.proc.kill('SIGTERM')
    const killed = await Promise.race([this.#exit.then(() => true), sleep(3000).then(() => false)])
    if (!killed) {
      this.proc.kill('SIGKILL')
      await this.#exit
    }
  }
}

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}

function lastLines(text: string, n = 6): string {
  return text.trim().split('\n').slice(-n).join(' | ')
}

function nginxConfig(dir: string, ports: { http: number; https: number; mtls: number; wrongName: number }): string {
  const headers = [
    'add_header X-Connection $connection always;',
    'add_header X-Connection-Requests $connection_requests always;',
  ].join('\n    ')
  const tls = (pair: { cert: string; key: string }, cache: string): string => [
    `ssl_certificate "${pair.cert}";`,
    `ssl_certificate_key "${pair.key}";`,
    `ssl_session_cache shared:${cache}:1m;`,
    'ssl_session_tickets on;',
  ].join('\n    ')
  return `# Written by test/interop/servers.ts; everything lives in ${dir}.
daemon off;
# One process, so that killing it leaves nothing behind (and no user switch when run as root).
master_process off;
pid "${dir}/nginx.pid";
error_log "${dir}/error.log" info;

events {
  worker_connections 256;
}

http {
  log_format interop '$connection $connection_requests "$request" $status';
  access_log "${dir}/access.log" interop;
  server_tokens off;
  types {
    text/plain txt;
    text/html html;
  }
  default_type application/octet-stream;
  keepalive_timeout 60s;
  keepalive_requests 10000;
  etag off;
  gzip on;
  gzip_min_length 1;
  gzip_types text/plain;
  client_body_temp_path "${dir}/tmp/body";
  proxy_temp_path "${dir}/tmp/proxy";
  fastcgi_temp_path "${dir}/tmp/fastcgi";
  uwsgi_temp_path "${dir}/tmp/uwsgi";
  scgi_temp_path "${dir}/tmp/scgi";

  server {
    listen 127.0.0.1:${ports.http};
    server_name localhost;
    root "${dir}/www";
    ${headers}

    location = /static.txt { gzip off; }
    location = /text.txt { }
    location = /redirect { return 301 /static.txt; }
    location = /redirect-twice { return 302 /redirect; }
    location = /to-https { return 301 https://localhost:${ports.https}/from-redirect; }
    # nginx has no echo: it reads the body for proxy_pass and hands it to itself in headers.
    location = /post {
      client_body_buffer_size 64k;
      client_body_in_single_buffer on;
      proxy_set_header X-Echo-Method $request_method;
      proxy_set_header X-Echo-Type $content_type;
      proxy_set_header X-Echo-Length $content_length;
      proxy_set_header X-Echo-Body $request_body;
      proxy_hide_header X-Connection;
      proxy_hide_header X-Connection-Requests;
      proxy_pass http://127.0.0.1:${ports.http}/sink;
    }
    location = /sink {
      default_type text/plain;
      return 200 "$http_x_echo_method $http_x_echo_type $http_x_echo_length\\n$http_x_echo_body";
    }
    location = /headers {
      default_type text/plain;
      return 200 "host=$http_host\\nvia=$http_via\\nproxy-authorization=$http_proxy_authorization\\nrequest=$request\\n";
    }
    location / { }
  }

  server {
    listen 127.0.0.1:${ports.https} ssl;
    server_name localhost;
    ${tls(fixturePaths.server, 'https')}
    ${headers}
    add_header X-Session-Reused $ssl_session_reused always;
    location / {
      default_type text/plain;
      return 200 "secure $request_uri\\nsni=$ssl_server_name\\nproxy-authorization=$http_proxy_authorization\\n";
    }
  }

  server {
    listen 127.0.0.1:${ports.mtls} ssl;
    server_name localhost;
    ${tls(fixturePaths.server, 'mtls')}
    ssl_client_certificate "${fixturePaths.clientCa}";
    ssl_verify_client on;
    ${headers}
    location / {
      default_type text/plain;
      return 200 "client $ssl_client_s_dn\\nverify=$ssl_client_verify\\n";
    }
  }

  server {
    listen 127.0.0.1:${ports.wrongName} ssl;
    server_name localhost;
    ${tls(fixturePaths.wrongName, 'wrongname')}
    location / { return 200 "wrong name\\n"; }
  }
}
`
}

function hint(name: string): string {
  return `apt-get install ${name}, or point REQWIRE_INTEROP_${name.toUpperCase()} at the binary`
}

function hasErrorLogFlag(bin: string): boolean {
  const help = spawnSync(bin, ['-h'], { encoding: 'utf8', timeout: 5000 })
  return /^\s*-e /m.test(`${help.stdout ?? ''}${help.stderr ?? ''}`)
}

/** Starts nginx, or answers why it cannot (not installed, refused its config, did not listen). */
export async function startNginx(): Promise<Nginx | string> {
  const bin = findBinary('nginx', process.env.REQWIRE_INTEROP_NGINX)
  if (bin === null) return `nginx not installed (looked on PATH and in /usr/sbin, /usr/local/sbin): ${hint('nginx')}`
  let lastError = ''
  // Ports are picked free, then handed to nginx: another process may take one in between; retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'reqwire-interop-nginx-'))
    const [http, https, mtls, wrongName] = await freePorts(4) as [number, number, number, number]
    const ports = { http, https, mtls, wrongName }
    const confPath = join(dir, 'nginx.conf')
    writeFileSync(confPath, nginxConfig(dir, ports))
    mkdirSync(join(dir, 'www'))
    mkdirSync(join(dir, 'tmp'))
    writeFileSync(join(dir, 'www', 'static.txt'), STATIC_TEXT)
    writeFileSync(join(dir, 'www', 'text.txt'), TEXT_BODY)
    // -e (nginx ≥ 1.19.5): no attempt to open the system's error log before the config is read;
    // older ones only complain about it (an alert) and go on.
    const args = ['-p', dir, '-c', confPath]
    if (hasErrorLogFlag(bin)) args.push('-e', join(dir, 'error.log'))
    const child = new Child(bin, args, dir)
    try {
      await child.ready(Object.values(ports), () => lastLines(`${child.output}\n${readOr(join(dir, 'error.log'))}`))
    } catch (err) {
      await child.stop()
      rmSync(dir, { force: true, recursive: true })
      lastError = (err as Error).message
      if (!/in use/i.test(lastError)) break
      continue
    }
    const listener = (scheme: string, port: number): Listener => ({ port, url: `${scheme}://127.0.0.1:${port}` })
    return {
      http: listener('http', http),
      https: listener('https', https),
      mtls: listener('https', mtls),
      wrongName: listener('https', wrongName),
      accessLog: () => readOr(join(dir, 'access.log')),
      async stop() {
        await child.stop()
        rmSync(dir, { force: true, recursive: true })
      },
    }
  }
  return `nginx (${bin}) did not start: ${lastError}`
}

/** Starts tinyproxy, reaching only 127.0.0.1/localhost and CONNECT only to `connectPorts`, or answers why it cannot. */
export async function startTinyproxy(options: TinyproxyOptions): Promise<Tinyproxy | string> {
  const bin = findBinary('tinyproxy', process.env.REQWIRE_INTEROP_TINYPROXY)
  if (bin === null) return `tinyproxy not installed (looked on PATH and in /usr/sbin, /usr/local/sbin, /usr/bin): ${hint('tinyproxy')}`
  let lastError = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'reqwire-interop-tinyproxy-'))
    const [port] = await freePorts(1) as [number]
    const logPath = join(dir, 'tinyproxy.log')
    const filterPath = join(dir, 'filter')
    // A whitelist of destination hosts (FilterDefaultDeny): loopback names only, for requests and CONNECTs.
    writeFileSync(filterPath, '^127\\.0\\.0\\.1$\n^localhost$\n')
    const lines = [
      '# Written by test/interop/servers.ts.',
      `Port ${port}`,
      'Listen 127.0.0.1',
      // Outgoing connections from the loopback address: nothing beyond this machine is reachable.
      'Bind 127.0.0.1',
      'Timeout 30',
      `PidFile "${join(dir, 'tinyproxy.pid')}"`,
      `LogFile "${logPath}"`,
      'LogLevel Info',
      'MaxClients 64',
      'Allow 127.0.0.1',
      'XTinyproxy No',
      `Filter "${filterPath}"`,
      'FilterType ere',
      'FilterDefaultDeny Yes',
      ...(options.connectPorts.length > 0 ? options.connectPorts : [0]).map((p) => `ConnectPort ${p}`),
    ]
    if (options.auth !== undefined) lines.push(`BasicAuth ${options.auth.user} ${options.auth.pass}`)
    const confPath = join(dir, 'tinyproxy.conf')
    writeFileSync(confPath, lines.join('\n') + '\n')
    const child = new Child(bin, ['-d', '-c', confPath], dir)
    try {
      await child.ready([port], () => lastLines(`${child.output}\n${readOr(logPath)}`))
    } catch (err) {
      await child.stop()
      rmSync(dir, { force: true, recursive: true })
      lastError = (err as Error).message
      if (!/in use/i.test(lastError)) break
      continue
    }
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      log: () => readOr(logPath),
      async stop() {
        await child.stop()
        rmSync(dir, { force: true, recursive: true })
      },
    }
  }
  return `tinyproxy (${bin}) did not start: ${lastError}`
}

/**
 * Ends a test file that cannot run: a skip with the reason (tap prints it), or, with
 * REQWIRE_INTEROP_REQUIRE=1, a failure.
 */
export function skipFile(t: Test, reason: string): void {
  if (interopRequired) {
    t.fail(`REQWIRE_INTEROP_REQUIRE=1, but ${reason}`)
    return
  }
  t.plan(0, `interop skipped: ${reason}`)
}
