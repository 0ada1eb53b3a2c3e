// Reassignment state changes (KIP-455) as Kafka's controller makes them: start (target, then
// the removed replicas), completion once every added replica is in the ISR (removed replicas
// out, the leader moved off a removed broker), cancellation (back to the replicas before).
import { describe, expect, it } from 'vitest';
import { cancelReassignment, completeReassignment, reassigning, startReassignment } from '../../../src/cluster/reassignment.js';
import type { PartitionState } from '../../../src/cluster/model.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const live = new Set([1, 2, 3, 4, 5]);
const state = (replicas: number[], isr = replicas, leader = replicas[0]): PartitionState => ({ leader, leaderEpoch: 3, isr, replicas, partitionEpoch: 7 });

describe('startReassignment', () => {
  it('makes the replicas the target, then those removed; the ISR and leader stay until the new ones catch up', () => {
    const next = startReassignment(state([1, 2, 3]), [4, 2, 5], live);
    expect(next).toEqual({ leader: 1, leaderEpoch: 3, isr: [1, 2, 3], replicas: [4, 2, 5, 1, 3], addingReplicas: [4, 5], removingReplicas: [1, 3], partitionEpoch: 7 });
    expect(reassigning(next)).toBe(true);
  });

  it('completes at once when nothing is added (a lower replication factor): removed replicas leave the ISR', () => {
    expect(startReassignment(state([1, 2, 3]), [2, 3], live)).toEqual({ leader: 2, leaderEpoch: 4, isr: [2, 3], replicas: [2, 3], partitionEpoch: 7 });
  });

  it('with the same replicas in another order changes only the order (the preferred leader)', () => {
    expect(startReassignment(state([1, 2, 3]), [3, 1, 2], live)).toEqual({ ...state([1, 2, 3]), replicas: [3, 1, 2] });
  });

  it('replaces a reassignment in progress, reckoned from every replica it has now', () => {
    const moving = startReassignment(state([1, 2, 3]), [1, 2, 4], live);
    expect(moving).toMatchObject({ replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3] });
    // Back to the first replicas: 4 is only removed, so it completes at once.
    expect(startReassignment(moving, [1, 2, 3], live)).toEqual({ leader: 1, leaderEpoch: 3, isr: [1, 2, 3], replicas: [1, 2, 3], partitionEpoch: 7 });
    // Elsewhere again: 5 is added, 4 and 3 removed.
    expect(startReassignment(moving, [1, 2, 5], live)).toMatchObject({ replicas: [1, 2, 5, 4, 3], addingReplicas: [5], removingReplicas: [4, 3] });
  });
});

describe('completeReassignment', () => {
  it('waits while an added replica is out of the ISR', () => {
    const moving = startReassignment(state([1, 2, 3]), [4, 2, 5], live);
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4] }, live)).toBeNull();
  });

  it('once every added replica is in the ISR: the target, removed replicas out, the leader off a removed broker (a new epoch)', () => {
    const moving = startReassignment(state([1, 2, 3]), [4, 2, 5], live);
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4, 5] }, live)).toEqual({ leader: 4, leaderEpoch: 4, isr: [2, 4, 5], replicas: [4, 2, 5], partitionEpoch: 7 });
  });

  it('keeps a leader that stays a replica, at its epoch', () => {
    const moving = startReassignment(state([1, 2, 3]), [1, 2, 4], live);
    expect(completeReassignment({ ...moving, isr: [1, 2, 3, 4] }, live)).toEqual({ leader: 1, leaderEpoch: 3, isr: [1, 2, 4], replicas: [1, 2, 4], partitionEpoch: 7 });
  });

  it('the new leader is a live broker of the ISR', () => {
    const moving = startReassignment(state([1, 2, 3]), [4, 2, 5], live);
    expect(completeReassignment({ ...moving, isr: [1, 2, 4, 5] }, new Set([1, 2, 5]))).toMatchObject({ leader: 2, isr: [2, 4, 5] });
  });

  it('is nothing without a reassignment', () => {
    expect(completeReassignment(state([1, 2, 3]), live)).toBeNull();
  });
});

describe('cancelReassignment', () => {
  it('goes back to the replicas before it: added ones leave replicas and ISR (in the order of the replicas now, as Kafka\'s revert)', () => {
    const moving = startReassignment(state([1, 2, 3]), [4, 2, 5], live);
    expect(cancelReassignment({ ...moving, isr: [1, 2, 3, 4] }, live, false, 't-0')).toEqual({ leader: 1, leaderEpoch: 3, isr: [1, 2, 3], replicas: [2, 1, 3], partitionEpoch: 7 });
    const more = startReassignment(state([1, 2, 3]), [1, 2, 3, 4], live);
    expect(cancelReassignment(more, live, false, 't-0')).toEqual(state([1, 2, 3]));
  });

  it('NO_REASSIGNMENT_IN_PROGRESS when there is none', () => {
    expect(() => cancelReassignment(state([1, 2, 3]), live, false, 't-0')).toThrow(expect.objectContaining({ code: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS }));
  });

  it('refuses a revert that needs an unclean election (only added replicas in the ISR) unless it is allowed', () => {
    const moving = { ...startReassignment(state([1, 2]), [3, 4], live), isr: [3], leader: 3 };
    expect(() => cancelReassignment(moving, live, false, 't-0')).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_REPLICA_ASSIGNMENT }));
    expect(cancelReassignment(moving, live, true, 't-0')).toEqual({ leader: 1, leaderEpoch: 4, isr: [1], replicas: [1, 2], partitionEpoch: 7 });
  });
});
