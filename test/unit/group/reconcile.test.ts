import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/group/reconcile.js';
import { ConsumerMember, MemberState } from '../../../src/group/consumer-group.js';
import { fromTopicPartitions, toTopicPartitions } from '../../../src/group/assignment.js';

const a = (...partitions: number[]) => fromTopicPartitions([{ topicId: 't', partitions }]);
const parts = (x: Map<string, Set<number>>) => toTopicPartitions(x).flatMap((t) => t.partitions);

function member(epoch: number, assigned: number[]): ConsumerMember {
  const m = new ConsumerMember('m');
  Object.assign(m, { memberEpoch: epoch, previousMemberEpoch: epoch, assigned: a(...assigned) });
  return m;
}

describe('reconcile (KIP-848 CurrentAssignmentBuilder)', () => {
  it('revokes first, in the current epoch, while the member still owns what it must give up', () => {
    const next = reconcile(member(1, [0, 1, 2, 3]), { targetEpoch: 2, target: a(0, 1), owned: a(0, 1, 2, 3), ownerOf: () => 'm' });
    expect(next).toMatchObject({ memberEpoch: 1, state: MemberState.UNREVOKED_PARTITIONS });
    expect(parts(next.assigned)).toEqual([0, 1]);
    expect(parts(next.pendingRevocation)).toEqual([2, 3]);
    // Still owned: nothing moves. Given up: on to the target epoch.
    expect(reconcile(next, { targetEpoch: 2, target: a(0, 1), owned: a(0, 1, 2), ownerOf: () => 'm' })).toBe(next);
    const done = reconcile(next, { targetEpoch: 2, target: a(0, 1), owned: a(0, 1), ownerOf: () => 'm' });
    expect(done).toMatchObject({ memberEpoch: 2, previousMemberEpoch: 1, state: MemberState.STABLE });
    expect(parts(done.pendingRevocation)).toEqual([]);
  });

  it('assigns only partitions no other member owns, and the rest once released', () => {
    const owners: Record<number, string> = { 2: 'other' };
    const next = reconcile(member(1, [0]), { targetEpoch: 2, target: a(0, 1, 2), owned: a(0), ownerOf: (_, p) => owners[p] });
    expect(next).toMatchObject({ memberEpoch: 2, state: MemberState.UNRELEASED_PARTITIONS });
    expect(parts(next.assigned)).toEqual([0, 1]);
    delete owners[2];
    const done = reconcile(next, { targetEpoch: 2, target: a(0, 1, 2), owned: a(0, 1), ownerOf: (_, p) => owners[p] });
    expect(done).toMatchObject({ memberEpoch: 2, state: MemberState.STABLE });
    expect(parts(done.assigned)).toEqual([0, 1, 2]);
  });

  it('leaves a member at its target epoch as it is', () => {
    const m = member(3, [0]);
    expect(reconcile(m, { targetEpoch: 3, target: a(0, 1), owned: null, ownerOf: () => undefined })).toBe(m);
  });
});
