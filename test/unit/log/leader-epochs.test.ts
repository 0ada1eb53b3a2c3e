// src/log/leader-epochs.ts: a partition's leader epochs and where each ends, kept in Kafka's
// leader-epoch-checkpoint format.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaderEpochCache } from '../../../src/log/leader-epochs.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strom-epochs-'));
  dirs.push(d);
  return d;
};

describe('LeaderEpochCache', () => {
  it('answers where each epoch ends: the next epoch\'s start, the log end for the latest, nothing below the first', () => {
    const cache = new LeaderEpochCache(dir());
    expect(cache.endOffsetFor(0, 10)).toEqual({ epoch: -1, endOffset: -1 });
    cache.assign(1, 0);
    cache.assign(3, 40);
    cache.assign(5, 90);
    expect(cache.latestEpoch).toBe(5);
    expect(cache.endOffsetFor(1, 120)).toEqual({ epoch: 1, endOffset: 40 });
    expect(cache.endOffsetFor(2, 120)).toEqual({ epoch: 1, endOffset: 40 }); // an epoch this log never had: the one before it
    expect(cache.endOffsetFor(5, 120)).toEqual({ epoch: 5, endOffset: 120 });
    expect(cache.endOffsetFor(9, 120)).toEqual({ epoch: 5, endOffset: 120 });
    expect(cache.endOffsetFor(0, 120)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('ignores older epochs, replaces an epoch that wrote nothing, and forgets epochs a truncation cut', () => {
    const cache = new LeaderEpochCache(dir());
    cache.assign(2, 10);
    cache.assign(1, 20);
    expect(cache.latestEpoch).toBe(2);
    cache.assign(3, 10); // epoch 2 wrote nothing
    expect(cache.endOffsetFor(2, 50)).toEqual({ epoch: -1, endOffset: -1 });
    cache.assign(4, 30);
    cache.truncateFromEnd(30);
    expect(cache.latestEpoch).toBe(3);
    cache.clear();
    expect(cache.isEmpty).toBe(true);
  });

  it('keeps them in Kafka\'s checkpoint format across a restart, and starts over from a file it cannot read', () => {
    const d = dir();
    const cache = new LeaderEpochCache(d);
    cache.assign(0, 0);
    cache.assign(2, 150);
    expect(readFileSync(join(d, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n0 0\n2 150\n');
    expect(new LeaderEpochCache(d).endOffsetFor(0, 200)).toEqual({ epoch: 0, endOffset: 150 });
    writeFileSync(join(d, 'leader-epoch-checkpoint'), '7\nnonsense\n');
    expect(new LeaderEpochCache(d).isEmpty).toBe(true);
  });
});
