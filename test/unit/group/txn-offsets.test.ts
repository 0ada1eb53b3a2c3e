// Offsets pending in transactions (src/group/txn-offsets.ts): kept per group and producer,
// handed over when the producer's marker reaches the group's partition, superseded by a
// later plain commit, dropped with the group.
import { describe, expect, it } from 'vitest';
import { TxnOffsets, type PendingOffset } from '../../../src/group/txn-offsets.js';

const offset = (topic: string, partition: number, o: number): PendingOffset => ({ topic, partition, offset: o, leaderEpoch: -1, metadata: '', commitTimestamp: 0 });

describe('TxnOffsets', () => {
  it('hands a producer\'s pending offsets over, only for groups of the marker\'s partition', () => {
    const t = new TxnOffsets();
    t.add('g1', 10, [offset('a', 0, 5)]);
    t.add('g2', 10, [offset('a', 0, 6)]);
    t.add('g1', 11, [offset('a', 1, 7)]);
    expect(t.isPending('g1', 'a', 0)).toBe(true);
    expect(t.isPending('g1', 'a', 2)).toBe(false);
    const done = t.complete(10, (group) => group === 'g1');
    expect([...done]).toEqual([['g1', [offset('a', 0, 5)]]]);
    expect(t.isPending('g1', 'a', 0)).toBe(false);
    expect(t.isPending('g1', 'a', 1)).toBe(true); // another producer's
    expect([...t.complete(10, () => true)]).toEqual([['g2', [offset('a', 0, 6)]]]);
    expect(t.complete(10, () => true).size).toBe(0);
  });

  it('keeps the latest offset per partition; a later plain commit supersedes it; a deleted group drops all', () => {
    const t = new TxnOffsets();
    t.add('g', 1, [offset('a', 0, 5), offset('a', 1, 1)]);
    t.add('g', 1, [offset('a', 0, 8)]);
    t.supersede('g', [{ topic: 'a', partition: 1 }]);
    expect([...t.complete(1, () => true)]).toEqual([['g', [offset('a', 0, 8)]]]);
    t.add('g', 2, [offset('a', 0, 9)]);
    expect(t.hasPending('g')).toBe(true);
    t.dropGroup('g');
    expect(t.hasPending('g')).toBe(false);
    expect(t.complete(2, () => true).size).toBe(0);
  });
});
