// SyncGroup (key 14), versions 0-5. The leader sends every member's assignment; each member
// receives its own once the group is stored. v3 adds group.instance.id; v5 adds the protocol
// type and name, checked against the group's (INCONSISTENT_GROUP_PROTOCOL) and returned.
// The assignments are copied: the request's bytes are views into its frame, reused once the
// response is sent, while the group keeps each member's assignment for the generation.
// Needs READ on the group (GROUP_AUTHORIZATION_FAILED).
import { SyncGroupApi, type SyncGroupRequest, type SyncGroupResponse } from '../protocol/generated/sync-group.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const syncGroup = defineHandler(SyncGroupApi, { min: 0, max: 5 }, async (request: SyncGroupRequest, ctx): Promise<SyncGroupResponse> => {
  const v = ctx.apiVersion;
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  }
  const result = await ctx.broker.groups.sync({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    protocolType: v >= 5 ? request.protocolType : null,
    protocolName: v >= 5 ? request.protocolName : null,
    assignments: new Map(request.assignments.map((a) => [a.memberId, Buffer.from(a.assignment)])),
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    protocolType: v >= 5 ? result.protocolType : null,
    protocolName: v >= 5 ? result.protocolName : null,
    assignment: result.assignment,
  };
});
