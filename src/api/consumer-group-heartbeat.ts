// ConsumerGroupHeartbeat (key 68), versions 0-1: KIP-848's consumer group protocol, in which
// the coordinator assigns partitions and each member reconciles toward its target one
// heartbeat at a time (src/group/consumer-coordinator.ts). Member epoch 0 joins, -1 leaves,
// -2 leaves for a while (a static member); fields left null repeat the last heartbeat's. v1
// (Kafka 4.0's spec) adds the subscribed topic regex (a whole-name match; librdkafka sends ""
// for none) and has the client generate its member id (KIP-1082); librdkafka 2.12 sends only
// v1. Topics and partitions are named by topic id. Needs READ on the group
// (GROUP_AUTHORIZATION_FAILED), as in Kafka 3.9 (4.0 also asks DESCRIBE on the subscribed topics).
import { ConsumerGroupHeartbeatApi, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from '../protocol/generated/consumer-group-heartbeat.js';
import { fromTopicPartitions, toTopicPartitions } from '../group/assignment.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const consumerGroupHeartbeat = defineHandler(ConsumerGroupHeartbeatApi, { min: 0, max: 1 }, async (request: ConsumerGroupHeartbeatRequest, ctx): Promise<ConsumerGroupHeartbeatResponse> => {
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: 'Group authorization failed.', memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
  }
  const elsewhere = ctx.broker.groups.coordinatorError(request.groupId);
  if (elsewhere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: elsewhere, errorMessage: null, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  const result = await ctx.broker.groups.consumer.heartbeat({
    groupId: request.groupId,
    memberId: request.memberId,
    memberEpoch: request.memberEpoch,
    instanceId: request.instanceId,
    rackId: request.rackId,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs,
    subscribedTopicNames: request.subscribedTopicNames,
    subscribedTopicRegex: ctx.apiVersion >= 1 ? request.subscribedTopicRegex : null,
    serverAssignor: request.serverAssignor,
    owned: request.topicPartitions === null ? null : fromTopicPartitions(request.topicPartitions),
    clientId: ctx.clientId ?? '',
    clientHost: `/${ctx.clientHost}`,
    apiVersion: ctx.apiVersion,
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    memberId: result.memberId,
    memberEpoch: result.memberEpoch,
    heartbeatIntervalMs: result.heartbeatIntervalMs,
    assignment: result.assignment === null ? null : { topicPartitions: toTopicPartitions(result.assignment) },
  };
});
