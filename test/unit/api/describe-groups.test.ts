// src/api/describe-groups.ts: DescribeGroups v0-5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGroups } from '../../../src/api/describe-groups.js';
import { joinGroup } from '../../../src/api/join-group.js';
import { NO_OPERATIONS } from '../../../src/api/authorize.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { assignedPartitions, subscribedTopics } from '../../../src/protocol/consumer-protocol.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { joinRequest, stableMember } from '../../helpers/groups.js';
import { waitFor } from '../../helpers/wait.js';
const GROUP_OPERATIONS = [3, 6, 8].reduce((bits, op) => bits | (1 << op), 0); // every group operation (no authorizer)

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const describeOne = async (v: number, groupId: string, includeAuthorizedOperations = false) =>
  (await hb.call(describeGroups, v, { groups: [groupId], includeAuthorizedOperations })).groups[0];

describe('DescribeGroups', () => {
  it('a stable group: state, protocol, and each member with its metadata and assignment', async () => {
    const { memberId } = await stableMember(hb, 'dg-stable', { topics: ['orders'], clientId: 'describer', groupInstanceId: 'inst-1' });
    const g = await describeOne(4, 'dg-stable');
    expect([g.errorCode, g.groupState, g.protocolType, g.protocolData]).toEqual([ErrorCode.NONE, 'Stable', 'consumer', 'range']);
    expect(g.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost])).toEqual([[memberId, 'inst-1', 'describer', '/127.0.0.1']]);
    expect(subscribedTopics(g.members[0].memberMetadata)).toEqual(['orders']);
    expect(assignedPartitions(g.members[0].memberAssignment)).toEqual([{ topic: 'orders', partitions: [0] }]);
    expect((await describeOne(3, 'dg-stable')).members[0].groupInstanceId).toBeNull(); // v4+
  });

  it('while rebalancing: members listed, but no protocol, metadata or assignment', async () => {
    await stableMember(hb, 'dg-rebalance');
    void hb.call(joinGroup, 3, joinRequest('dg-rebalance', '')); // answered when the rebalance completes
    await waitFor('the rebalance', () => hb.broker.groups.group('dg-rebalance')!.state === 'PreparingRebalance', { timeoutMs: 5000 });
    const g = await describeOne(1, 'dg-rebalance');
    expect([g.groupState, g.protocolData, g.members.length]).toEqual(['PreparingRebalance', '', 2]);
    expect(g.members.every((m) => m.memberMetadata.length === 0 && m.memberAssignment.length === 0)).toBe(true);
  });

  it('an unknown group is Dead with no members; an empty id is INVALID_GROUP_ID', async () => {
    expect(await describeOne(0, 'dg-none')).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Dead', members: [] });
    expect((await describeOne(0, '')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('v3+: authorized operations when asked', async () => {
    expect((await describeOne(3, 'dg-none', true)).authorizedOperations).toBe(GROUP_OPERATIONS);
    expect((await describeOne(3, 'dg-none', false)).authorizedOperations).toBe(NO_OPERATIONS);
  });
});
