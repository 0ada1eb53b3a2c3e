// src/protocol/partitioner.ts: the key hash matches the Java client's (checked against Kafka's
// own UtilsTest vectors and kafkajs's implementation), so keyed records land where
// Kafka's clients put them.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { murmur2, partitionForKey } from '../../../src/protocol/partitioner.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur2', () => {
  it("matches Kafka's UtilsTest vectors", () => {
    expect(murmur2(bytes('21'))).toBe(-973932308);
    expect(murmur2(bytes('foobar'))).toBe(-790332482);
    expect(murmur2(bytes('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(bytes('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(new Uint8Array([97, 98, 99]))).toBe(479470107);
  });

  it('agrees with kafkajs for keys of every length mod 4', () => {
    for (let n = 0; n < 40; n++) {
      const key = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });

  it('maps a key to a partition in range, stably', () => {
    for (const k of ['user-1', 'user-2', '', 'ü']) {
      const p = partitionForKey(bytes(k), 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionForKey(bytes(k), 7)).toBe(p);
    }
  });
});
