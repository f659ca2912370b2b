// A process whose pool holds an idle keep-alive socket exits by itself: idle sockets are unref'ed
// (issue 3). The child runs TypeScript through the same loader tap uses, with nothing compiled.

import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { rawServer } from './fixtures/helpers.js'

const child = fileURLToPath(new URL('./fixtures/idle-child.ts', import.meta.url))
const loader = fileURLToPath(new URL('../../node_modules/@isaacs/ts-node-temp-fork-for-pr-2009/import.mjs', import.meta.url))
// Far below the child's 60 s keepAliveTimeout, far above its start-up on a loaded machine.
const LIMIT_MS = 30_000

t.test('a process holding an idle pooled connection exits on its own', async t => {
  const server = await rawServer(t)
  const proc = spawn(process.execPath, ['--import', loader, child, String(server.port)], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  proc.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  let killed = false
  const guard = setTimeout(() => { killed = true; proc.kill('SIGKILL') }, LIMIT_MS)
  t.teardown(() => { clearTimeout(guard); if (proc.exitCode === null) proc.kill('SIGKILL') })
  const code = await new Promise<number | null>(resolve => proc.on('exit', c => resolve(c)))
  clearTimeout(guard)
  t.equal(killed, false, `exited within ${LIMIT_MS} ms without being killed`)
  t.equal(code, 0, 'exited cleanly', { stderr })
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status?: number; body?: string; stats?: { open: number; idle: number }[] }
  t.equal(report.status, 200)
  t.equal(report.body, 'ok')
  t.same(report.stats?.map(s => [s.open, s.idle]), [[1, 1]], 'the connection was idle in the pool when the script ended')
  await server.waitFor(() => server.connections[0]?.closed === true, 5000, 'the socket to close with the process')
  t.equal(server.connections[0]?.serverClosed, false, 'the server never closed it')
})
