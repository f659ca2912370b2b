// Connections and their reuse: Connection (one socket + one parser), Pool (one origin),
// PoolManager (origin → Pool). The API layer reaches this only through its HTTPAdapter.

export { PoolManager, checkPoolOption, poolKey } from './manager.js'
export type * from './types.js'
