// ConsumerGroupDescribe (key 69), version 0 (KIP-848): a consumer-protocol group's epochs,
// assignor and members, each with its member epoch, subscription, current and target
// assignment (topics by id and name). A group that does not exist, or is a classic group,
// answers GROUP_ID_NOT_FOUND, as Kafka does. A group the principal may not DESCRIBE is
// GROUP_AUTHORIZATION_FAILED; authorized operations are the principal's.
import { ConsumerGroupDescribeApi, type ConsumerGroupDescribeRequest, type ConsumerGroupDescribeResponse } from '../protocol/generated/consumer-group-describe.js';
import { ErrorCode } from '../protocol/errors.js';
import { toTopicPartitions, type Assignment } from '../group/assignment.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, NO_OPERATIONS, ResourceType, authorized, authorizedOperations } from './authorize.js';

type DescribedGroup = ConsumerGroupDescribeResponse.DescribedGroup;

export const consumerGroupDescribe = defineHandler(ConsumerGroupDescribeApi, { min: 0, max: 0 }, (request: ConsumerGroupDescribeRequest, ctx): ConsumerGroupDescribeResponse => ({
  throttleTimeMs: 0,
  groups: request.groupIds.map((groupId) => describe(groupId, request.includeAuthorizedOperations, ctx)),
}));

function describe(groupId: string, includeOperations: boolean, ctx: RequestContext): DescribedGroup {
  const refused = !authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
  const operations = includeOperations && !refused ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : NO_OPERATIONS;
  const base = { groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: operations };
  if (refused) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
  if (groupId === '') return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'The group id can\'t be empty.' };
  const elsewhere = ctx.broker.groups.coordinatorError(groupId);
  if (elsewhere !== ErrorCode.NONE) return { ...base, errorCode: elsewhere, errorMessage: null };
  const holder = ctx.broker.groups.group(groupId);
  const group = holder?.consumer;
  if (!holder || holder.is('Dead') || !group) {
    return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: holder && !holder.is('Dead') ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.` };
  }
  const { logs } = ctx.broker;
  const named = (a: Assignment) => ({
    topicPartitions: toTopicPartitions(a).map((t) => ({ topicId: t.topicId, topicName: logs.topicById(t.topicId)?.name ?? '', partitions: t.partitions })),
  });
  const coordinator = ctx.broker.groups.consumer;
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupId,
    groupState: group.state,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName: coordinator.assignorFor(group).name,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: named(m.assigned),
      targetAssignment: named(group.target.get(m.memberId) ?? new Map()),
    })),
    authorizedOperations: operations,
  };
}
