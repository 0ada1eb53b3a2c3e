// Heartbeat (key 12), versions 0-4. Keeps a member's session alive; REBALANCE_IN_PROGRESS
// tells it to rejoin. v3 adds group.instance.id (FENCED_INSTANCE_ID for a replaced static member).
// Needs READ on the group (GROUP_AUTHORIZATION_FAILED).
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../protocol/generated/heartbeat.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const heartbeat = defineHandler(HeartbeatApi, { min: 0, max: 4 }, (request: HeartbeatRequest, ctx): HeartbeatResponse => ({
  throttleTimeMs: 0,
  errorCode: !authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED
    : ctx.broker.groups.heartbeat(request.groupId, request.generationId, request.memberId, request.groupInstanceId),
}));
