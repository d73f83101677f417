/**
 * Seeded randomness as a value, split into named streams.
 *
 * A stream is derived from (study seed, path of names), e.g. `rngFor(seed, "plan", participantId)`,
 * so adding a participant or reordering work reshuffles no one else — results never depend on the
 * order in which a scheduler happened to run things. The generator is pure-rand's xoroshiro128+;
 * only the string→seed hash is ours (pure-rand takes numbers, not names).
 */
import { xoroshiro128plus } from "pure-rand/generator/XoroShiro";
import { unsafeUniformIntDistribution } from "pure-rand/distribution/UnsafeUniformIntDistribution";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

export type SeedPart = string | number;

/** 32-bit FNV-1a over UTF-16 code units: stable across Node and browsers, no dependencies. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Mixes a seed and a path of names into one 32-bit seed. */
export function deriveSeed(seed: number, ...path: readonly SeedPart[]): number {
  let h = fnv1a(`seed:${seed}`);
  for (const part of path) h = fnv1a(`/${typeof part}:${part}`, h);
  return h | 0;
}

export class Rng {
  private readonly gen: RandomGenerator;

  private constructor(gen: RandomGenerator, readonly seed: number) {
    this.gen = gen;
  }

  /** A stream for `path` under `seed`. */
  static for(seed: number, ...path: readonly SeedPart[]): Rng {
    const s = deriveSeed(seed, ...path);
    return new Rng(xoroshiro128plus(s), s);
  }

  /** An independent child stream, named; does not advance this stream. */
  split(...path: readonly SeedPart[]): Rng {
    return Rng.for(this.seed, ...path);
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new RangeError(`Rng.int: bad range [${lo}, ${hi}]`);
    return unsafeUniformIntDistribution(lo, hi, this.gen);
  }

  /** Float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = unsafeUniformIntDistribution(0, (1 << 26) - 1, this.gen);
    const lo = unsafeUniformIntDistribution(0, (1 << 27) - 1, this.gen);
    return (hi * 134217728 + lo) / 9007199254740992;
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  /** Standard normal draw (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Rng.pick: empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)));
  }
}

/** Shorthand for `Rng.for`. */
export const rngFor = (seed: number, ...path: readonly SeedPart[]): Rng => Rng.for(seed, ...path);
