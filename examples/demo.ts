// `npm run demo`: the Requests quickstart, walked through with reqwire against an in-process
// httpbin on 127.0.0.1. Each step prints the call as a user would write it, then what came back.
// test/demo.test.ts runs `runDemo` with a collector, so the walk-through cannot silently rot.

import { closedPort } from '../test/support/ports.js'
import { startHttpbin } from '../test/support/httpbin.js'
import * as reqwire from '../lib/index.js'
import { HTTPDigestAuth, HTTPError, RequestException, Session } from '../lib/index.js'

export interface DemoOptions {
  /** Where each line of output goes; console.log when run as a script. */
  log: (line: string) => void
}

/** The titles of the steps, in order (the demo test checks each one is shown). */
export const DEMO_STEPS = [
  'Make a request',
  'Passing parameters in URLs',
  'POST a form',
  'POST JSON',
  'Custom headers',
  'Response content and encoding',
  'Compressed bodies',
  'Streaming lines',
  'Uploading a file',
  'Status codes and raiseForStatus',
  'Cookies',
  'Redirection and history',
  'Sessions: cookies persist, connections are reused',
  'Authentication',
  'Link headers',
  'Timeouts',
  'Connection errors',
] as const

type Echo = {
  url: string
  args: Record<string, unknown>
  form: Record<string, unknown>
  files: Record<string, unknown>
  json: unknown
  headers: Record<string, string>
  cookies: Record<string, string>
}

/** Runs every step; throws (naming the step) if one fails unexpectedly. */
export async function runDemo({ log }: DemoOptions): Promise<void> {
  const bin = await startHttpbin()
  const base = bin.url
  let n = 0
  const step = async (title: string, body: () => Promise<void>): Promise<void> => {
    n++
    log('')
    log(`${n}. ${title}`)
    try {
      await body()
    } catch (err) {
      throw new Error(`demo step ${n} (${title}) failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err })
    }
  }
  const call = (code: string): void => log(`   > ${code}`)
  const show = (what: string): void => log(`     ${what}`)
  /** What a promise rejects with; throws if it resolves. */
  const failure = async (promise: Promise<unknown>): Promise<unknown> => {
    try {
      await promise
    } catch (err) {
      return err
    }
    throw new Error('expected an error, but the call succeeded')
  }

  log(`reqwire ${reqwire.version}: the Requests quickstart against httpbin at ${base}`)
  try {
    await step(DEMO_STEPS[0], async () => {
      call(`const r = await reqwire.get('${base}/get')`)
      const r = await reqwire.get(`${base}/get`)
      show(`r.statusCode → ${r.statusCode}, r.reason → '${r.reason}', r.ok → ${r.ok}`)
      show(`r.headers.get('content-type') → '${r.headers.get('content-type')}'`)
      show(`r.elapsed → ${r.elapsed.toFixed(1)} ms`)
    })

    await step(DEMO_STEPS[1], async () => {
      call(`await reqwire.get('${base}/get', { params: { key1: 'value1', key2: ['value2', 'value3'], key3: null } })`)
      const r = await reqwire.get(`${base}/get`, { params: { key1: 'value1', key2: ['value2', 'value3'], key3: null } })
      show(`r.url → '${r.url}'`)
      show(`r.json().args → ${JSON.stringify(r.json<Echo>().args)}`)
    })

    await step(DEMO_STEPS[2], async () => {
      call(`await reqwire.post('${base}/post', { data: { key: 'value' } })`)
      const r = await reqwire.post(`${base}/post`, { data: { key: 'value' } })
      show(`r.request.headers.get('content-type') → '${r.request?.headers.get('content-type')}'`)
      show(`r.json().form → ${JSON.stringify(r.json<Echo>().form)}`)
    })

    await step(DEMO_STEPS[3], async () => {
      call(`await reqwire.post('${base}/post', { json: { some: 'data' } })`)
      const r = await reqwire.post(`${base}/post`, { json: { some: 'data' } })
      show(`r.json().json → ${JSON.stringify(r.json<Echo>().json)}`)
    })

    await step(DEMO_STEPS[4], async () => {
      call(`await reqwire.get('${base}/headers', { headers: { 'user-agent': 'my-app/0.0.1' } })`)
      const r = await reqwire.get(`${base}/headers`, { headers: { 'user-agent': 'my-app/0.0.1' } })
      show(`r.json().headers['User-Agent'] → '${r.json<Echo>().headers['User-Agent']}'`)
    })

    await step(DEMO_STEPS[5], async () => {
      call(`const r = await reqwire.get('${base}/encoding/utf8')`)
      const r = await reqwire.get(`${base}/encoding/utf8`)
      const line = (r.text.split('\n').find(l => l.startsWith('Latin-1')) ?? '').trim()
      show(`r.encoding → '${r.encoding}', r.text has '${line}'`)
      call(`r.encoding = 'ISO-8859-1'`)
      r.encoding = 'ISO-8859-1'
      show(`r.text now has '${(r.text.split('\n').find(l => l.startsWith('Latin-1')) ?? '').trim()}'`)
    })

    await step(DEMO_STEPS[6], async () => {
      for (const path of ['gzip', 'deflate', 'brotli']) {
        call(`await reqwire.get('${base}/${path}')`)
        const r = await reqwire.get(`${base}/${path}`)
        const flags = Object.entries(r.json<Record<string, unknown>>()).filter(([, v]) => v === true).map(([k]) => k)
        show(`Content-Encoding: ${r.headers.get('content-encoding')}, decoded JSON says ${flags.join(', ')}`)
      }
    })

    await step(DEMO_STEPS[7], async () => {
      call(`const r = await reqwire.get('${base}/stream/3', { stream: true })`)
      call(`for await (const line of r.iterLines()) …`)
      const r = await reqwire.get(`${base}/stream/3`, { stream: true })
      for await (const line of r.iterLines()) {
        const doc = JSON.parse(line.toString('utf8')) as { id: number; url: string }
        show(`line: { id: ${doc.id}, url: '${doc.url}', … }`)
      }
    })

    await step(DEMO_STEPS[8], async () => {
      call(`await reqwire.post('${base}/post', { files: { file: ['report.csv', 'some,data,to,send\\n'] } })`)
      const r = await reqwire.post(`${base}/post`, { files: { file: ['report.csv', 'some,data,to,send\n'] } })
      show(`r.json().files → ${JSON.stringify(r.json<Echo>().files)}`)
    })

    await step(DEMO_STEPS[9], async () => {
      call(`const r = await reqwire.get('${base}/status/404')`)
      const r = await reqwire.get(`${base}/status/404`)
      show(`r.statusCode === reqwire.codes.not_found → ${r.statusCode === reqwire.codes.not_found}`)
      call('r.raiseForStatus()')
      const err = await failure(Promise.resolve().then(() => r.raiseForStatus()))
      if (!(err instanceof HTTPError)) throw err
      show(`throws ${err.name}: ${err.message}`)
    })

    await step(DEMO_STEPS[10], async () => {
      call(`const r = await reqwire.get('${base}/cookies/set/requests-is/awesome', { allowRedirects: false })`)
      const r = await reqwire.get(`${base}/cookies/set/requests-is/awesome`, { allowRedirects: false })
      show(`r.cookies.get('requests-is') → '${r.cookies.get('requests-is')}'`)
      call(`await reqwire.get('${base}/cookies', { cookies: { cookies_are: 'working' } })`)
      const sent = await reqwire.get(`${base}/cookies`, { cookies: { cookies_are: 'working' } })
      show(`r.json() → ${JSON.stringify(sent.json())}`)
    })

    await step(DEMO_STEPS[11], async () => {
      call(`const r = await reqwire.get('${base}/redirect/2')`)
      const r = await reqwire.get(`${base}/redirect/2`)
      show(`r.url → '${r.url}', r.history → [${r.history.map(String).join(', ')}]`)
      call(`await reqwire.get('${base}/redirect/2', { allowRedirects: false })`)
      const stopped = await reqwire.get(`${base}/redirect/2`, { allowRedirects: false })
      show(`r.statusCode → ${stopped.statusCode}, Location: ${stopped.headers.get('location')}, r.history → []`)
    })

    await step(DEMO_STEPS[12], async () => {
      call('await using s = new Session()')
      call(`await s.get('${base}/cookies/set/sessioncookie/123456789')`)
      call(`const r = await s.get('${base}/cookies')`)
      const before = bin.connections
      await using s = new Session()
      await s.get(`${base}/cookies/set/sessioncookie/123456789`)
      const r = await s.get(`${base}/cookies`)
      show(`r.json() → ${JSON.stringify(r.json())}`)
      show(`3 requests (one redirect) over ${bin.connections - before} connection(s)`)
    })

    await step(DEMO_STEPS[13], async () => {
      call(`await reqwire.get('${base}/basic-auth/user/pass', { auth: ['user', 'pass'] })`)
      const r = await reqwire.get(`${base}/basic-auth/user/pass`, { auth: ['user', 'pass'] })
      show(`${r.statusCode} ${JSON.stringify(r.json())}`)
      call(`await reqwire.get('${base}/digest-auth/auth/user/pass/SHA-256', { auth: new HTTPDigestAuth('user', 'pass') })`)
      const d = await reqwire.get(`${base}/digest-auth/auth/user/pass/SHA-256`, { auth: new HTTPDigestAuth('user', 'pass') })
      show(`${d.statusCode} ${JSON.stringify(d.json())} after [${d.history.map(String).join(', ')}]`)
    })

    await step(DEMO_STEPS[14], async () => {
      const link = `<${base}/get?page=2>; rel="next", <${base}/get?page=7>; rel="last"`
      call(`const r = await reqwire.head('${base}/response-headers', { params: { Link: '${link}' } })`)
      const r = await reqwire.head(`${base}/response-headers`, { params: { Link: link } })
      show(`r.links.next.url → '${r.links.next?.url}', r.links.last.url → '${r.links.last?.url}'`)
    })

    await step(DEMO_STEPS[15], async () => {
      call(`await reqwire.get('${base}/delay/1', { timeout: 100 })`)
      const err = await failure(reqwire.get(`${base}/delay/1`, { timeout: 100 }))
      if (!(err instanceof reqwire.Timeout)) throw err
      show(`throws ${err.name} (instanceof Timeout: true): ${err.message}`)
    })

    await step(DEMO_STEPS[16], async () => {
      const port = await closedPort()
      call(`await reqwire.get('http://127.0.0.1:${port}/')   // nothing listens there`)
      const err = await failure(reqwire.get(`http://127.0.0.1:${port}/`))
      if (!(err instanceof reqwire.ConnectionError)) throw err
      show(`throws ${err.name} (instanceof RequestException: ${err instanceof RequestException}): ${err.message}`)
    })

    log('')
    log(`done: ${n} steps, ${bin.requests} requests over ${bin.connections} connections`)
  } finally {
    await reqwire.closeDefaultPool()
    await bin.close()
  }
}


const main = process.argv[1] ?? ''
if (/[\\/]demo\.(js|ts)$/.test(main)) {
  runDemo({ log: line => console.log(line) }).then(
    () => {
      process.exitCode = 0
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err))
      process.exit(1)
    },
  )
}
