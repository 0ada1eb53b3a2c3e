// JoinGroup (key 11), versions 0-9. v1 adds the rebalance timeout (v0: the session timeout
// serves as both); v4: a new member without an id is answered MEMBER_ID_REQUIRED with its id
// and joins again (KIP-394); v5 adds group.instance.id (static
// membership, KIP-345); v7 returns the protocol type; v8 adds the reason; v9 may tell a
// static leader to skip the assignment. Member metadata is opaque to the broker, and is
// copied: the request's bytes are views into its frame, reused once the response is sent,
// while the group keeps the metadata for the leader's later joins, DescribeGroups, the
// group record in __consumer_offsets and OffsetDelete. Joining needs READ on the group
// (GROUP_AUTHORIZATION_FAILED, Kafka's KafkaApis).
import { JoinGroupApi, type JoinGroupRequest, type JoinGroupResponse } from '../protocol/generated/join-group.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const joinGroup = defineHandler(JoinGroupApi, { min: 0, max: 9 }, async (request: JoinGroupRequest, ctx): Promise<JoinGroupResponse> => {
  const v = ctx.apiVersion;
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
    // Kafka's JoinGroupRequest.getErrorResponse.
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null,
      protocolName: v >= 7 ? null : '', leader: '', skipAssignment: false, memberId: '', members: [],
    };
  }
  const result = await ctx.broker.groups.join({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    clientId: ctx.clientId ?? '',
    clientHost: `/${ctx.clientHost}`,
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs: v >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
    protocolType: request.protocolType,
    protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    requireKnownMemberId: v >= 4,
    supportsSkipAssignment: v >= 9,
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: v >= 7 ? result.protocolType : null,
    protocolName: result.protocolName ?? (v >= 7 ? null : ''),
    leader: result.leader,
    skipAssignment: v >= 9 && result.skipAssignment,
    memberId: result.memberId,
    members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: v >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
  };
});
