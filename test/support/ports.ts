// Loopback ports for tests that need one nobody answers on (refused connections), without
// guessing: a port is bound on 127.0.0.1, then released.

import { createServer, type AddressInfo } from 'node:net'

/** A loopback port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}
