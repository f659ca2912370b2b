// CaseInsensitiveDict: the header dictionary of requests and responses, Requests' structure of the
// same name. Lookups ignore case, iteration shows the case a key was last set with, and a field a
// response repeats (Set-Cookie) keeps every value it was received with.

import type { InspectOptions } from 'node:util'

/** Anything a CaseInsensitiveDict can be built from or updated with. */
export type DictSource<V> =
  | CaseInsensitiveDict<V>
  | Readonly<Record<string, V>>
  | ReadonlyMap<string, V>
  | Iterable<readonly [string, V]>

/**
 * One key's slot. Entries are shared between a dict and its copies, so an entry is changed only
 * while a head is indexed into a store no one else sees yet; after that, `set` puts a new entry
 * in its place instead of changing it.
 */
interface Entry<V> {
  /** The key as it was last set (or, for a repeated response field, first received). */
  key: string
  /** The value `get` answers: for a repeated field, every value joined with ", ". */
  value: V
  /** Every value received, in order, when the field came more than once; else undefined. */
  repeated: V[] | undefined
}

/**
 * Lookups a freshly parsed head answers by scanning its field list before it builds the index.
 * Building the Map costs about as much as eight to ten scans of the list (measured on Node 20
 * with a 13-line head: ~80 ns per field to index, ~9 ns per field per scan), and a response is
 * usually asked for four or five fields (Content-Type, Content-Encoding, Set-Cookie, Location),
 * so most responses never build it; a caller that keeps asking pays for at most about one
 * index's worth of scanning before it is built.
 */
const MAX_SCANNED_LOOKUPS = 8

export class CaseInsensitiveDict<V = string> implements Iterable<[string, V]> {
  // Keyed by the lower-cased name, never by user input on a plain object: a key `__proto__` or
  // `constructor` is an ordinary key here. A Map keeps each key where it was first inserted,
  // as the OrderedDict behind Requests' dict does when a key is set again.
  readonly #store = new Map<string, Entry<V>>()
  /** A parsed head whose index is not built yet (see fromRawPairs); #store is empty meanwhile. */
  #raw: RawFields<V> | undefined

  constructor(init?: DictSource<V>) {
    if (init !== undefined) this.update(init)
  }

  /**
   * A dict over a response parser's field lines, `[name0, value0, name1, value1, …]` as received.
   * The array is kept, not copied (the caller must not change it), and indexed only when a
   * lookup cannot be answered more cheaply by scanning it. A name received more than once keeps
   * the case of its first line and every value (urllib3's HTTPHeaderDict does the same).
   */
  static fromRawPairs(flat: readonly string[]): CaseInsensitiveDict<string> {
    if (flat.length % 2 !== 0) {
      throw new TypeError('fromRawPairs takes [name, value, name, value, …]: got an odd number of items')
    }
    const dict = new CaseInsensitiveDict<string>()
    if (flat.length > 0) dict.#raw = new RawFields(flat, flat, joinFieldValues)
    return dict
  }

  /** The value for `key`, any case; a field received several times answers them joined with ", ". */
  get(key: string): V | undefined
  get<D>(key: string, fallback: D): V | D
  get<D>(key: string, fallback?: D): V | D | undefined {
    const entry = this.#find(key)
    return entry === undefined ? fallback : entry.value
  }

  /** Every value of `key` in the order received (each Set-Cookie apart); `[]` when absent. */
  getAll(key: string): V[] {
    const entry = this.#find(key)
    if (entry === undefined) return []
    return entry.repeated === undefined ? [entry.value] : entry.repeated.slice()
  }

  has(key: string): boolean {
    return this.#find(key) !== undefined
  }

  /** Replaces every value of `key`; the key takes this case but keeps its place in the order. */
  set(key: string, value: V): this {
    this.#indexed().set(key.toLowerCase(), { key, value, repeated: undefined })
    return this
  }

  delete(key: string): boolean {
    return this.#indexed().delete(key.toLowerCase())
  }

  /**
   * Sets every key of `source`, as Python's dict.update: with pairs, a key given twice keeps the
   * later value. From another CaseInsensitiveDict, repeated fields stay repeated.
   */
  update(source: DictSource<V>): this {
    const store = this.#indexed()
    if (source instanceof CaseInsensitiveDict) {
      for (const [lower, entry] of source.#indexed()) store.set(lower, entry)
    } else if (Symbol.iterator in source) {
      for (const [key, value] of source) store.set(key.toLowerCase(), { key, value, repeated: undefined })
    } else {
      for (const [key, value] of Object.entries(source)) {
        store.set(key.toLowerCase(), { key, value, repeated: undefined })
      }
    }
    return this
  }

  get size(): number {
    return this.#indexed().size
  }

  /** Keys in the case they were last set with, in the order they were first set. */
  *keys(): IterableIterator<string> {
    for (const entry of this.#indexed().values()) yield entry.key
  }

  *values(): IterableIterator<V> {
    for (const entry of this.#indexed().values()) yield entry.value
  }

  *entries(): IterableIterator<[string, V]> {
    for (const entry of this.#indexed().values()) yield [entry.key, entry.value]
  }

  /** Like entries(), with every key lower-cased. */
  *lowerItems(): IterableIterator<[string, V]> {
    for (const [lower, entry] of this.#indexed()) yield [lower, entry.value]
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries()
  }

  /** Calls `fn` with each key (as last set) and value, in order: iteration without a generator or pair arrays. */
  forEach(fn: (value: V, key: string) => void): void {
    for (const entry of this.#indexed().values()) fn(entry.value, entry.key)
  }

  /** An independent dict with the same keys, cases, order and repeated values. */
  copy(): CaseInsensitiveDict<V> {
    const copy = new CaseInsensitiveDict<V>()
    // An unindexed head is immutable, so the copy can share it and index it only if it must.
    if (this.#raw !== undefined) copy.#raw = this.#raw.fresh()
    else for (const [lower, entry] of this.#store) copy.#store.set(lower, entry)
    return copy
  }

  /**
   * Requests' `==`: the same lower-cased keys with the same values (compared with ===; repeated
   * fields by their joined value). The case of the keys and their order do not matter.
   */
  equals(other: DictSource<V>): boolean {
    const theirs = other instanceof CaseInsensitiveDict ? other : new CaseInsensitiveDict<V>(other)
    const mine = this.#indexed()
    const their = theirs.#indexed()
    if (mine.size !== their.size) return false
    for (const [lower, entry] of mine) {
      const match = their.get(lower)
      if (match === undefined || match.value !== entry.value) return false
    }
    return true
  }

  /** A plain object, keys in the case last set; Object.fromEntries makes `__proto__` an own key. */
  toJSON(): Record<string, V> {
    return Object.fromEntries(this.entries())
  }

  get [Symbol.toStringTag](): string {
    return 'CaseInsensitiveDict'
  }

  // console.log shows the keys and values, as Requests' repr does, not the private fields.
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: InspectOptions,
    inspect: (value: unknown, options: InspectOptions) => string,
  ): string {
    return `CaseInsensitiveDict ${inspect(this.toJSON(), options)}`
  }

  /** The entry for `key`, scanning an unindexed head while that is still the cheaper way. */
  #find(key: string): Entry<V> | undefined {
    const lower = key.toLowerCase()
    const raw = this.#raw
    if (raw !== undefined && raw.canScan(lower)) return raw.find(lower)
    return this.#indexed().get(lower)
  }

  /** The store, after indexing a pending head into it; every other method goes through here. */
  #indexed(): Map<string, Entry<V>> {
    if (this.#raw !== undefined) {
      this.#raw.indexInto(this.#store)
      this.#raw = undefined
    }
    return this.#store
  }
}

/**
 * A response head's field lines, not indexed yet. `names` and `values` are the same flat array,
 * typed twice, and `join` joins strings: fromRawPairs only makes these for
 * CaseInsensitiveDict<string>, where V is string, so values come out as V without a cast.
 */
class RawFields<V> {
  #scansLeft = MAX_SCANNED_LOOKUPS

  constructor(
    private readonly names: readonly string[],
    private readonly values: readonly V[],
    private readonly join: (values: readonly V[]) => V,
  ) {}

  /** The same fields with a fresh scan allowance, for a copy. */
  fresh(): RawFields<V> {
    return new RawFields(this.names, this.values, this.join)
  }

  /**
   * Scanning compares names by ASCII case folding, which equals toLowerCase only when the key is
   * ASCII (sameFieldName explains why); any other key is looked up in the index.
   */
  canScan(lower: string): boolean {
    return this.#scansLeft > 0 && isAscii(lower)
  }

  find(lower: string): Entry<V> | undefined {
    this.#scansLeft--
    const { names, values } = this
    let entry: Entry<V> | undefined
    for (let i = 0; i < names.length; i += 2) {
      if (!sameFieldName(names[i]!, lower)) continue
      const value = values[i + 1]!
      if (entry === undefined) {
        entry = { key: names[i]!, value, repeated: undefined }
      } else {
        if (entry.repeated === undefined) entry.repeated = [entry.value]
        entry.repeated.push(value)
      }
    }
    if (entry?.repeated !== undefined) entry.value = this.join(entry.repeated)
    return entry
  }

  indexInto(store: Map<string, Entry<V>>): void {
    const { names, values } = this
    let anyRepeated = false
    for (let i = 0; i < names.length; i += 2) {
      const key = names[i]!
      const lower = key.toLowerCase()
      const value = values[i + 1]!
      const entry = store.get(lower)
      if (entry === undefined) {
        store.set(lower, { key, value, repeated: undefined })
      } else {
        if (entry.repeated === undefined) entry.repeated = [entry.value]
        entry.repeated.push(value)
        anyRepeated = true
      }
    }
    // Joined once at the end, so fifty Set-Cookie lines cost one join, not fifty.
    if (anyRepeated) {
      for (const entry of store.values()) {
        if (entry.repeated !== undefined) entry.value = this.join(entry.repeated)
      }
    }
  }
}

/**
 * Repeated field lines mean the same as one line with the values joined by commas (RFC 9110
 * §5.3), which is what urllib3, and so Requests, answer for a repeated field. Set-Cookie is the
 * exception HTTP makes (its values contain commas); Requests joins it all the same, and getAll
 * is the way to its separate values.
 */
function joinFieldValues(values: readonly string[]): string {
  return values.join(', ')
}

/**
 * Whether field name `name` lower-cases to `lower`, an ASCII string, without allocating. A name
 * of another length cannot match: the only lower-case mapping that changes length (U+0130)
 * yields a non-ASCII character. A non-ASCII name falls back to toLowerCase, because one such
 * character does fold into ASCII (U+212A KELVIN SIGN to "k").
 */
function sameFieldName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i)
    if (c >= 0x80) return name.toLowerCase() === lower
    if (c >= 0x41 && c <= 0x5a) c |= 0x20
    if (c !== lower.charCodeAt(i)) return false
  }
  return true
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false
  return true
}
