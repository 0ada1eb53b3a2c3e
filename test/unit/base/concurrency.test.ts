// src/base/concurrency.ts: mapLimit runs every task, never more than the limit at once,
// answers in the items' order, and after a failure starts nothing more and throws it.
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/base/concurrency.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('mapLimit', () => {
  it('runs at most `limit` tasks at once and answers in order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit(Array.from({ length: 20 }, (_, i) => i), 3, async (x) => {
      most = Math.max(most, ++running);
      for (let i = 0; i < (x % 4); i++) await tick(); // finish out of order
      running--;
      return x * 2;
    });
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(3);
  });

  it('after a failure starts no more tasks, lets the running ones end, and throws the first error', async () => {
    const started: number[] = [];
    let ended = 0;
    const run = mapLimit(Array.from({ length: 10 }, (_, i) => i), 2, async (x) => {
      started.push(x);
      await tick();
      if (x === 1) throw new Error('one failed');
      await tick();
      ended++;
      return x;
    });
    await expect(run).rejects.toThrow('one failed');
    expect(started).toEqual([0, 1]);
    expect(ended).toBe(1);
  });

  it('resolves at once with nothing to do', async () => {
    expect(await mapLimit([], 8, async () => 1)).toEqual([]);
  });
});
