// LeaveGroup (key 13), versions 0-5. v0-2 name one member; v3+ a batch of members, each by
// member id or by group.instance.id alone (KIP-345), with an error per member. Before v3
// the response has only the top-level error, so a member's error is reported there. v5
// adds a reason, which is only logged by Kafka. Classic members of a KIP-848 consumer group
// (after an online upgrade) leave it the same way. Needs READ on the group
// (GROUP_AUTHORIZATION_FAILED, for the whole request).
import { LeaveGroupApi, type LeaveGroupRequest, type LeaveGroupResponse } from '../protocol/generated/leave-group.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const leaveGroup = defineHandler(LeaveGroupApi, { min: 0, max: 5 }, async (request: LeaveGroupRequest, ctx): Promise<LeaveGroupResponse> => {
  const v = ctx.apiVersion;
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
  const leaving = v >= 3 ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
  const result = await ctx.broker.groups.leave(request.groupId, leaving);
  if (v >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
  const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
  return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError, members: [] };
});
