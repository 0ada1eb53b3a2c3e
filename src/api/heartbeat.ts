// Heartbeat (key 12), versions 0-4. Keeps a member's session alive; REBALANCE_IN_PROGRESS
// tells it to rejoin. v3 adds group.instance.id (FENCED_INSTANCE_ID for a replaced static member).
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../protocol/generated/heartbeat.js';
import { defineHandler } from './handler.js';

export const heartbeat = defineHandler(HeartbeatApi, { min: 0, max: 4 }, (request: HeartbeatRequest, ctx): HeartbeatResponse => ({
  throttleTimeMs: 0,
  errorCode: ctx.broker.groups.heartbeat(request.groupId, request.generationId, request.memberId, request.groupInstanceId),
}));
