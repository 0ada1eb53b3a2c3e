import { describe, expect, it } from 'vitest';
import { FetchSession, FetchSessionCache } from '../../../src/broker/fetch-sessions.js';

const part = (partition: number) => ({
  topic: 't', topicId: 'x', partition, fetchOffset: 0, maxBytes: 1, currentLeaderEpoch: -1, lastFetchedEpoch: -1, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
});

function withPartitions(s: FetchSession | null, n: number): FetchSession {
  for (let i = 0; i < n; i++) s!.partitions.set(FetchSession.key('t', i), part(i));
  return s!;
}

describe('fetch session cache', () => {
  it('evicts the least recently used session idle past the eviction time first, whatever its size', () => {
    const cache = new FetchSessionCache(2, 1000);
    const old = withPartitions(cache.create(false, 10, 0), 10);
    const newer = withPartitions(cache.create(false, 10, 500), 10);
    expect(cache.create(false, 1, 900)).toBeNull(); // nobody idle long enough, nobody smaller than 1
    const fresh = cache.create(false, 1, 1200); // `old` has idled 1200 ms
    expect(fresh).not.toBeNull();
    expect([cache.get(old.id), cache.get(newer.id)?.id, cache.evicted]).toEqual([undefined, newer.id, 1]);
  });

  it('evicts the smallest session for a larger one, never for one of the same size; no slots, no sessions', () => {
    const cache = new FetchSessionCache(1, 60_000);
    const small = withPartitions(cache.create(false, 2, 0), 2);
    expect(cache.create(false, 2, 1)).toBeNull();
    expect(cache.create(false, 3, 2)).not.toBeNull();
    expect(cache.get(small.id)).toBeUndefined();
    expect(new FetchSessionCache(0, 0).create(false, 1, 0)).toBeNull();
  });

  it('epochs go 1, 2, ... and wrap to 1; a partition that returned records moves to the end', () => {
    const s = withPartitions(new FetchSession(7, false, 0), 3);
    expect(s.epoch).toBe(1);
    s.advance(1);
    expect(s.epoch).toBe(2);
    s.epoch = 0x7fffffff;
    s.advance(2);
    expect(s.epoch).toBe(1);
    s.requeue(FetchSession.key('t', 0));
    expect([...s.partitions.values()].map((p) => p.partition)).toEqual([1, 2, 0]);
  });
});
