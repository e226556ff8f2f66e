/**
 * The corpus's only source of randomness: mulberry32 (Tommy Ettinger's 32-bit generator, public
 * domain), seeded explicitly, so the same seed gives byte-identical pictures. Never Math.random.
 */

/** A seeded pseudo-random generator with the helpers the corpus draws from. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Approximately normal, mean 0, standard deviation 1 (sum of four uniforms, rescaled). */
  normal(): number;
}

/** mulberry32 seeded with the low 32 bits of `seed`. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    pick: (items) => items[Math.floor(items.length * next())] as (typeof items)[number],
    chance: (p) => next() < p,
    // Irwin–Hall with n = 4: variance 4/12, so scale by sqrt(3).
    normal: () => (next() + next() + next() + next() - 2) * Math.sqrt(3),
  };
}

/** A 32-bit seed mixed from a base seed and any strings and numbers (FNV-1a, then a final avalanche). */
export function mixSeed(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}
