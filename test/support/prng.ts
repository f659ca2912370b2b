// A small seeded PRNG for the randomized tests (fuzzer, chaos, soak): the same seed gives the
// same numbers on every run, so a failing run can be repeated from the seed it printed.

/** mulberry32: small, fast, and good enough to plan a test. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
