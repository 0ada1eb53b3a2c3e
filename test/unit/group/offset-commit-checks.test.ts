// src/group/offset-commit-checks.ts: who may commit offsets for a classic group, in and out
// of a transaction, and which partitions of a commit are accepted.
import { describe, expect, it } from 'vitest';
import { Group, Member } from '../../../src/group/group.js';
import { checkOffsets, commitError, txnCommitError, type CommitRequest } from '../../../src/group/offset-commit-checks.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const member = (id: string, instance: string | null = null) =>
  new Member(id, instance, 'client', '/127.0.0.1', 1000, 1000, 'consumer', [{ name: 'range', metadata: Buffer.from('range') }]);

function request(memberId: string, generationId: number, offsets: CommitRequest['offsets'] = [], groupInstanceId: string | null = null): CommitRequest {
  return { groupId: 'g', generationId, memberId, groupInstanceId, offsets };
}

/** A Stable group of generation 3 with members a and b (b static, instance i-b). */
function stable(): Group {
  const g = new Group('g');
  g.add(member('a'));
  g.add(member('b', 'i-b'));
  g.transition('PreparingRebalance');
  g.transition('CompletingRebalance');
  g.transition('Stable');
  g.generationId = 3;
  return g;
}

describe('offset commit checks', () => {
  it('take a commit from a current member of the current generation, and answer the others with the code Kafka gives', () => {
    const g = stable();
    expect(commitError(g, request('a', 3))).toBe(ErrorCode.NONE);
    expect(commitError(g, request('z', 3))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commitError(g, request('a', 2))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(commitError(g, request('-1', -1))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(commitError(g, request('other', 3, [], 'i-b'))).toBe(ErrorCode.FENCED_INSTANCE_ID);
    g.transition('PreparingRebalance');
    g.transition('CompletingRebalance');
    expect(commitError(g, request('a', 3))).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const empty = new Group('e');
    expect(commitError(empty, request('', -1))).toBe(ErrorCode.NONE); // a standalone commit
    empty.transition('Dead');
    expect(commitError(empty, request('', -1))).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('take a transactional commit without a member while the group has members (before KIP-447), and fence a stale one', () => {
    const g = stable();
    expect(txnCommitError(g, request('', -1))).toBe(ErrorCode.NONE);
    expect(commitError(g, request('', -1))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(txnCommitError(g, request('a', 3))).toBe(ErrorCode.NONE);
    expect(txnCommitError(g, request('a', 2))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(txnCommitError(g, request('z', 3))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // Mid-rebalance a transactional commit of the current generation goes in (Kafka checks no state there).
    g.transition('PreparingRebalance');
    g.transition('CompletingRebalance');
    expect(txnCommitError(g, request('a', 3))).toBe(ErrorCode.NONE);
  });

  it('accept each partition that exists with metadata within the limit, stamped now, and say why for the others', () => {
    const before = Date.now();
    const { codes, accepted } = checkOffsets(request('a', 3, [
      { topic: 't', partition: 0, offset: 10, leaderEpoch: 2, metadata: 'ok' },
      { topic: 't', partition: 9, offset: 1, leaderEpoch: -1, metadata: null },
      { topic: 't', partition: 1, offset: 5, leaderEpoch: -1, metadata: 'x'.repeat(5) },
      { topic: 't', partition: 1, offset: 6, leaderEpoch: -1, metadata: null },
    ]), (topic, partition) => topic === 't' && partition < 2, 4);
    expect(codes).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    expect(accepted).toEqual([
      { topic: 't', partition: 0, offset: 10, leaderEpoch: 2, metadata: 'ok', commitTimestamp: expect.any(Number) },
      { topic: 't', partition: 1, offset: 6, leaderEpoch: -1, metadata: '', commitTimestamp: expect.any(Number) },
    ]);
    expect(accepted[0].commitTimestamp).toBeGreaterThanOrEqual(before);
    // The limit counts bytes, not characters.
    expect(checkOffsets(request('a', 3, [{ topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: 'éé' }]), () => true, 3).codes).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  });
});
