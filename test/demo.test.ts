// `npm run demo` cannot silently rot: its walk-through runs here with a collector, and every step
// must show its call and its result.

import t from 'tap'
import { DEMO_STEPS, runDemo } from '../examples/demo.js'

t.test('the demo walks through every quickstart step and shows the results', async (t) => {
  const lines: string[] = []
  await runDemo({ log: line => lines.push(line) })
  const output = lines.join('\n')
  t.match(lines[0] ?? '', /^reqwire \d+\.\d+\.\d+: the Requests quickstart against httpbin at http:\/\/127\.0\.0\.1:\d+$/)
  DEMO_STEPS.forEach((title, i) => {
    t.ok(lines.includes(`${i + 1}. ${title}`), `step ${i + 1} is shown: ${title}`)
  })
  t.ok(DEMO_STEPS.length >= 15, 'about fifteen steps')
  const calls = lines.filter(line => line.startsWith('   > '))
  t.ok(calls.length >= DEMO_STEPS.length, 'every step prints a call')
  t.match(output, /> await reqwire\.get\('http:\/\/127\.0\.0\.1:\d+\/get', \{ params: \{ key1: 'value1'/)
  t.match(output, /r\.statusCode → 200, r\.reason → 'OK', r\.ok → true/)
  t.match(output, /r\.url → 'http:\/\/127\.0\.0\.1:\d+\/get\?key1=value1&key2=value2&key2=value3'/)
  t.match(output, /r\.json\(\)\.form → \{"key":"value"\}/)
  t.match(output, /r\.json\(\)\.json → \{"some":"data"\}/)
  t.match(output, /'User-Agent'\] → 'my-app\/0\.0\.1'/)
  t.match(output, /r\.encoding → 'utf-8', r\.text has 'Latin-1 range: +café/)
  t.match(output, /Content-Encoding: br, decoded JSON says brotli/)
  t.match(output, /line: \{ id: 2,/)
  t.match(output, /r\.json\(\)\.files → \{"file":"some,data,to,send\\n"\}/)
  t.match(output, /throws HTTPError: 404 Client Error: Not Found for url: /)
  t.match(output, /r\.cookies\.get\('requests-is'\) → 'awesome'/)
  t.match(output, /r\.history → \[<Response \[302\]>, <Response \[302\]>\]/)
  t.match(output, /\{"cookies":\{"sessioncookie":"123456789"\}\}/)
  t.match(output, /3 requests \(one redirect\) over 1 connection\(s\)/)
  t.match(output, /200 \{"authenticated":true,"user":"user"\} after \[<Response \[401\]>\]/)
  t.match(output, /r\.links\.next\.url → 'http:\/\/127\.0\.0\.1:\d+\/get\?page=2'/)
  t.match(output, /throws ReadTimeout \(instanceof Timeout: true\)/)
  t.match(output, /throws ConnectionError \(instanceof RequestException: true\)/)
  t.match(lines[lines.length - 1] ?? '', new RegExp(`^done: ${DEMO_STEPS.length} steps, \\d+ requests over \\d+ connections$`))
})
