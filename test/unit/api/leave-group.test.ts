// src/api/leave-group.ts: LeaveGroup v0-5: one member (v0-2) or a batch (v3+, by member id
// or by group.instance.id alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveGroup } from '../../../src/api/leave-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/leave-group.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const leave = (v: number, groupId: string, fields = {}) => hb.call(leaveGroup, v, { ...defaultLeaveGroupRequest(), groupId, ...fields });

describe('LeaveGroup', () => {
  it('v0-2: the member leaves; the group is empty', async () => {
    const { memberId } = await stableMember(hb, 'lg-one');
    const response = await leave(1, 'lg-one', { memberId });
    expect([response.errorCode, response.members]).toEqual([ErrorCode.NONE, []]);
    expect(hb.broker.groups.group('lg-one')!.state).toBe('Empty');
  });

  it('v0-2 report a member\'s error at the top level', async () => {
    await stableMember(hb, 'lg-unknown');
    expect((await leave(0, 'lg-unknown', { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await leave(2, 'lg-missing-group', { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await leave(2, '', { memberId: 'x' })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('v3+: a batch, each member answered on its own; a static member by its instance id alone', async () => {
    const dynamicMember = await stableMember(hb, 'lg-batch');
    const response = await leave(3, 'lg-batch', { members: [{ memberId: dynamicMember.memberId, groupInstanceId: null }, { memberId: 'nobody', groupInstanceId: null }] });
    expect([response.errorCode, response.members.map((m) => [m.memberId, m.errorCode])]).toEqual([ErrorCode.NONE, [[dynamicMember.memberId, ErrorCode.NONE], ['nobody', ErrorCode.UNKNOWN_MEMBER_ID]]]);
    await stableMember(hb, 'lg-static', { groupInstanceId: 'instance-1' });
    const byInstance = await leave(5, 'lg-static', { members: [{ memberId: '', groupInstanceId: 'instance-1', reason: 'shutting down' }, { memberId: '', groupInstanceId: 'instance-2', reason: null }] });
    expect(byInstance.members.map((m) => [m.groupInstanceId, m.errorCode])).toEqual([['instance-1', ErrorCode.NONE], ['instance-2', ErrorCode.UNKNOWN_MEMBER_ID]]);
    expect(hb.broker.groups.group('lg-static')!.members.size).toBe(0);
  });
});
