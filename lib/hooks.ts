// Event hooks (Requests' hooks.py). The one event is `response`: each hook sees the final
// response of a send, in order, and may hand back a replacement for the hooks after it.

import type { Hook, HooksInput, SendOptions } from './options.js'
import type { Response } from './response.js'

export const HOOK_EVENTS = ['response'] as const
export type HookEvent = (typeof HOOK_EVENTS)[number]

/** Hooks by event, each a list (a single function is kept as a list of one). */
export interface HookLists {
  response: Hook[]
}

export function hookLists(input?: HooksInput | null): HookLists {
  return { response: toList(input?.response) }
}

export function toList(hooks: Hook | readonly Hook[] | null | undefined): Hook[] {
  if (hooks === null || hooks === undefined) return []
  if (typeof hooks === 'function') return [hooks]
  for (const hook of hooks) {
    if (typeof hook !== 'function') throw new TypeError(`a hook must be a function: got ${typeof hook}`)
  }
  return [...hooks]
}

/**
 * Runs `hooks` over `response`. Requests lets a hook return a replacement, and the hooks after
 * it see the replacement; returning nothing keeps the response as it was.
 */
export async function dispatchHooks(hooks: readonly Hook[], response: Response, options: SendOptions): Promise<Response> {
  let current = response
  for (const hook of hooks) {
    const returned = await hook(current, options)
    if (returned !== undefined && returned !== null) current = returned
  }
  return current
}
