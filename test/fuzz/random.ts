// The fuzzer's randomness: one xoroshiro128+ generator per case, seeded from (run seed, case
// index), so any case is reproduced from those two numbers alone, whatever ran before it.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: number, index: number) {
    // Multiplying by an odd constant is a bijection on 32 bits: distinct indexes, distinct seeds.
    this.rng = xoroshiro128plus((seed ^ Math.imul(index + 1, 0x9e3779b1)) | 0);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** An index below n. */
  below(n: number): number {
    return this.int(0, n - 1);
  }

  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** An entry of [weight, value] pairs, chosen in proportion to its weight. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let at = this.int(0, total - 1);
    for (const [w, value] of entries) {
      if (at < w) return value;
      at -= w;
    }
    return entries[entries.length - 1][1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}
