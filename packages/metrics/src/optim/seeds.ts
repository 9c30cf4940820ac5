// Deterministic sub-seeds: every random draw is seeded from (seed, counters), so a run resumed
// from a checkpoint at the same counters draws the same numbers without saving generator state.

/** A 32-bit seed mixed from integers (murmur3 finaliser per part). Same parts → same seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    // Two 32-bit halves so counts above 2³² still differ.
    for (const x of [p | 0, Math.floor(p / 4294967296) | 0]) {
      h = Math.imul(h ^ x, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h | 0;
}
