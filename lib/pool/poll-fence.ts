// A socket that has just gone idle is not written to until the event loop has polled for I/O.
// Bytes a server sends to an idle keep-alive socket (a 408, a stray or forged response) can sit in
// the kernel, unread, when the socket is taken for the next request: Node reads sockets only in
// the poll phase of its loop, so a request made in the turn its socket went idle would be written
// before they are seen, and would take them as its answer. urllib3 asks the kernel (a poll with
// no wait) before it reuses a socket; Node has no such call, so the request waits for one poll
// phase instead, and whatever was already there has been read (and the socket discarded) by then.
//
// Turns are counted in the check phase (setImmediate), which follows each poll phase; the count
// runs only while a socket went idle in the last two turns or a request is waiting.

/** Check phases seen so far. */
let checks = 0
/** Keep counting until this many checks, so marks given out can be passed. */
let countUntil = 0
let counting = false

interface Held {
  readonly mark: number
  readonly write: () => void
}

const held: Held[] = []

/** Marks the moment a socket goes idle; pass the mark to `polledSince` or `afterPoll`. */
export function idleMark(): number {
  countUntil = Math.max(countUntil, checks + 2)
  count()
  return checks
}

/**
 * Has a whole poll phase run since `mark`? Two checks later, one poll phase certainly has: a mark
 * taken before this turn's check phase is one check behind, then comes a poll, then the second
 * (a mark taken after this turn's check waits one turn more than it needs, never less).
 */
export function polledSince(mark: number): boolean {
  return checks >= mark + 2
}

/** Calls `write` once a poll phase has run since `mark`. */
export function afterPoll(mark: number, write: () => void): void {
  held.push({ mark, write })
  count()
}

function count(): void {
  if (counting) return
  counting = true
  setImmediate(onCheck)
}

function onCheck(): void {
  checks++
  if (held.length > 0) {
    const due: Held[] = []
    let kept = 0
    for (const entry of held) {
      if (polledSince(entry.mark)) due.push(entry)
      else held[kept++] = entry
    }
    held.length = kept
    for (const { write } of due) write()
  }
  if (held.length > 0 || checks < countUntil) setImmediate(onCheck)
  else counting = false
}
