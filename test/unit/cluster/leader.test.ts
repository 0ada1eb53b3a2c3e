// src/cluster/leader.ts: a leader's view of its followers, on a stand-in for the partition log
// (its log end, high watermark and append hook are all the leadership uses): the high
// watermark over the ISR, acks=all waiters, ISR shrink after the lag limit and expansion once
// a follower has caught up.
import { describe, expect, it } from 'vitest';
import { Leadership } from '../../../src/cluster/leader.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import type { PartitionState } from '../../../src/cluster/model.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

function fakeLog(logEndOffset: number) {
  const log = {
    key: 't-0', logEndOffset, hw: 0, onLogEnd: null as (() => void) | null,
    get highWatermark() { return Math.min(this.hw, this.logEndOffset); },
    setHighWatermark(offset: number) { if (offset > this.hw) this.hw = Math.min(offset, this.logEndOffset); },
    append(n: number) { this.logEndOffset += n; this.onLogEnd?.(); },
  };
  return log;
}

const state = (isr: number[], partitionEpoch = 0): PartitionState => ({ leader: 1, leaderEpoch: 4, isr, replicas: [1, 2, 3], partitionEpoch });

describe('Leadership', () => {
  it('moves the high watermark to the smallest log end over the ISR and answers acks=all waiters then', async () => {
    const log = fakeLog(10);
    const proposals: number[][] = [];
    const lead = new Leadership(log as unknown as PartitionLog, 1, state([1, 2, 3]), async (isr) => { proposals.push(isr); });
    expect(log.highWatermark).toBe(0); // followers not heard from yet
    log.append(5);
    const committed = lead.awaitCommitted(15, 5_000);
    lead.followerFetched(2, 15);
    expect(log.highWatermark).toBe(0);
    lead.followerFetched(3, 12);
    expect(log.highWatermark).toBe(12);
    lead.followerFetched(3, 15);
    expect(log.highWatermark).toBe(15);
    await committed;
    expect(proposals).toEqual([]);
    expect(() => lead.followerFetched(9, 1)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER }));
  });

  it('times out an acks=all waiter, and fails waiters when the leadership ends', async () => {
    const log = fakeLog(10);
    const lead = new Leadership(log as unknown as PartitionLog, 1, state([1, 2]), async () => {});
    await expect(lead.awaitCommitted(10, 20)).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT });
    const waiting = lead.awaitCommitted(10, 5_000);
    lead.close();
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(log.onLogEnd).toBeNull();
  });

  it('proposes an ISR without a follower that has not caught up within the lag, and with it again once it has', async () => {
    const log = fakeLog(10);
    const proposals: number[][] = [];
    const lead = new Leadership(log as unknown as PartitionLog, 1, state([1, 2, 3]), async (isr) => { proposals.push(isr); });
    lead.followerFetched(2, 10);
    lead.followerFetched(3, 10);
    expect(log.highWatermark).toBe(10);
    log.append(5);
    lead.followerFetched(2, 15);
    await new Promise((r) => setTimeout(r, 60));
    lead.checkLag(50); // 3 last caught up before the append, 60 ms ago; 2 is at the log end
    expect(proposals).toEqual([[1, 2]]);
    lead.update(state([1, 2], 1));
    expect(log.highWatermark).toBe(15); // the ISR without 3 has everything
    lead.followerFetched(3, 15); // caught up: back in
    expect(proposals).toEqual([[1, 2], [1, 2, 3]]);
  });
});
