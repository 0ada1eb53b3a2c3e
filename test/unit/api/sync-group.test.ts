// src/api/sync-group.ts: SyncGroup v0-5: the leader's assignments reach each member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinGroup } from '../../../src/api/join-group.js';
import { syncGroup } from '../../../src/api/sync-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { assignedPartitions, encodeAssignment } from '../../../src/protocol/consumer-protocol.js';
import { defaultSyncGroupRequest } from '../../../src/protocol/generated/sync-group.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { joinRequest } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'group.initial.rebalance.delay.ms': '100' }); });
afterAll(stopHandlerBrokers);

/** Two members join together (v3: no member id round); resolves with both join answers. */
async function twoMembers(groupId: string) {
  const [a, b] = await Promise.all([hb.call(joinGroup, 3, joinRequest(groupId, '')), hb.call(joinGroup, 3, joinRequest(groupId, ''))]);
  expect([a.errorCode, b.errorCode, a.generationId]).toEqual([ErrorCode.NONE, ErrorCode.NONE, b.generationId]);
  const leader = a.leader === a.memberId ? a : b;
  const follower = leader === a ? b : a;
  return { leader, follower, generationId: a.generationId };
}
const sync = (v: number, groupId: string, generationId: number, memberId: string, assignments: [string, Buffer][] = [], fields = {}) => hb.call(syncGroup, v, {
  ...defaultSyncGroupRequest(), groupId, generationId, memberId, assignments: assignments.map(([id, assignment]) => ({ memberId: id, assignment })), ...fields,
});

describe('SyncGroup', () => {
  it('each member receives its own assignment once the leader has sent them all', async () => {
    const { leader, follower, generationId } = await twoMembers('sg-two');
    const followerSync = sync(1, 'sg-two', generationId, follower.memberId);
    const leaderSync = sync(1, 'sg-two', generationId, leader.memberId, [
      [leader.memberId, encodeAssignment([{ topic: 't', partitions: [0, 1] }])], [follower.memberId, encodeAssignment([{ topic: 't', partitions: [2] }])],
    ]);
    const [f, l] = await Promise.all([followerSync, leaderSync]);
    expect([f.errorCode, l.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(assignedPartitions(l.assignment)).toEqual([{ topic: 't', partitions: [0, 1] }]);
    expect(assignedPartitions(f.assignment)).toEqual([{ topic: 't', partitions: [2] }]);
    expect(hb.broker.groups.group('sg-two')!.state).toBe('Stable');
  });

  it('keeps copies of the assignments, not views of the leader\'s request frame', async () => {
    const { leader, follower, generationId } = await twoMembers('sg-copy');
    await Promise.all([
      sync(2, 'sg-copy', generationId, follower.memberId),
      sync(2, 'sg-copy', generationId, leader.memberId, [[leader.memberId, encodeAssignment([{ topic: 'mine', partitions: [0] }])], [follower.memberId, encodeAssignment([{ topic: 'yours', partitions: [0] }])]]),
    ]);
    hb.scribbleFreedMemory();
    // A member syncing again in the Stable group is answered from what the group kept.
    const again = await sync(2, 'sg-copy', generationId, follower.memberId);
    expect(assignedPartitions(again.assignment)).toEqual([{ topic: 'yours', partitions: [0] }]);
  });

  it('a wrong generation: ILLEGAL_GENERATION; an unknown member: UNKNOWN_MEMBER_ID; no group id: INVALID_GROUP_ID', async () => {
    const { leader, generationId } = await twoMembers('sg-errors');
    expect((await sync(0, 'sg-errors', generationId + 1, leader.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync(0, 'sg-errors', generationId, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync(0, 'sg-none', 1, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync(0, '', 1, 'nobody')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('v5 checks the protocol type and name against the group\'s, and returns them', async () => {
    const { leader, follower, generationId } = await twoMembers('sg-v5');
    const wrong = await sync(5, 'sg-v5', generationId, leader.memberId, [], { protocolType: 'consumer', protocolName: 'roundrobin' });
    expect(wrong.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const [l, f] = await Promise.all([
      sync(5, 'sg-v5', generationId, leader.memberId, [[leader.memberId, Buffer.from([1])], [follower.memberId, Buffer.from([2])]], { protocolType: 'consumer', protocolName: 'range' }),
      sync(4, 'sg-v5', generationId, follower.memberId),
    ]);
    expect([l.errorCode, l.protocolType, l.protocolName, [...l.assignment]]).toEqual([ErrorCode.NONE, 'consumer', 'range', [1]]);
    expect([f.errorCode, f.protocolType, f.protocolName, [...f.assignment]]).toEqual([ErrorCode.NONE, null, null, [2]]);
  });
});
