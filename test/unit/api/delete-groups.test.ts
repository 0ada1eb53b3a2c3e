// src/api/delete-groups.ts: DeleteGroups v0-2 removes groups without members, with their offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteGroups } from '../../../src/api/delete-groups.js';
import { leaveGroup } from '../../../src/api/leave-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/leave-group.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('t', 1);
});
afterAll(stopHandlerBrokers);

const commit = (groupId: string, offset: number) => hb.broker.groups.commitOffsets({
  groupId, generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: '' }],
}, () => true);
const committed = (groupId: string) => hb.broker.groups.fetchOffsets(groupId, [{ topic: 't', partitions: [0] }])[0].committed?.offset ?? -1;
const del = async (v: number, names: string[]) => (await hb.call(deleteGroups, v, { groupsNames: names })).results.map((r) => [r.groupId, r.errorCode]);

describe('DeleteGroups', () => {
  it('deletes an empty group and its committed offsets, for good (a restart does not bring them back)', async () => {
    expect(await commit('dg-gone', 5)).toEqual([ErrorCode.NONE]);
    expect(await commit('dg-kept', 6)).toEqual([ErrorCode.NONE]);
    expect(await del(0, ['dg-gone'])).toEqual([['dg-gone', ErrorCode.NONE]]);
    expect([hb.broker.groups.group('dg-gone'), committed('dg-gone')]).toEqual([undefined, -1]);
    await hb.restart();
    expect([committed('dg-gone'), committed('dg-kept')]).toEqual([-1, 6]);
  });

  it('a group with members: NON_EMPTY_GROUP until they leave; an unknown group: GROUP_ID_NOT_FOUND', async () => {
    const { memberId } = await stableMember(hb, 'dg-busy');
    expect(await del(2, ['dg-busy', 'dg-unknown'])).toEqual([['dg-busy', ErrorCode.NON_EMPTY_GROUP], ['dg-unknown', ErrorCode.GROUP_ID_NOT_FOUND]]);
    await hb.call(leaveGroup, 1, { ...defaultLeaveGroupRequest(), groupId: 'dg-busy', memberId });
    expect(await del(1, ['dg-busy'])).toEqual([['dg-busy', ErrorCode.NONE]]);
    expect(await del(1, ['dg-busy'])).toEqual([['dg-busy', ErrorCode.GROUP_ID_NOT_FOUND]]);
  });
});
