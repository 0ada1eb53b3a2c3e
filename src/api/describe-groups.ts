// DescribeGroups (key 15), versions 0-5. An unknown group is described as Dead with no
// members (Kafka before v6). Member metadata and assignments are returned only while the
// group is Stable, as Kafka does. v3 adds authorized operations, v4 group.instance.id.
// A KIP-848 consumer-protocol group is not a classic group: Kafka 3.9 describes it as Dead
// with no members (clients describe it with ConsumerGroupDescribe).
// Authorization: DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it (Kafka's
// KafkaApis); its authorized operations are the principal's.
import { DescribeGroupsApi, type DescribeGroupsRequest, type DescribeGroupsResponse } from '../protocol/generated/describe-groups.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, NO_OPERATIONS, ResourceType, authorized, authorizedOperations } from './authorize.js';

const NO_BYTES = Buffer.alloc(0);

export const describeGroups = defineHandler(DescribeGroupsApi, { min: 0, max: 5 }, (request: DescribeGroupsRequest, ctx): DescribeGroupsResponse => ({
  throttleTimeMs: 0,
  groups: request.groups.map((groupId) => {
    if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_OPERATIONS };
    }
    const operations = ctx.apiVersion >= 3 && request.includeAuthorizedOperations ? authorizedOperations(ctx, ResourceType.GROUP, groupId) : NO_OPERATIONS;
    const group = ctx.broker.groups.group(groupId);
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: operations };
    const elsewhere = ctx.broker.groups.coordinatorError(groupId);
    if (elsewhere !== ErrorCode.NONE) return { errorCode: elsewhere, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: operations };
    if (!group || group.consumer) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: operations };
    const stable = group.is('Stable');
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName ?? '' : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: ctx.apiVersion >= 4 ? m.groupInstanceId : null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(group.protocolName ?? '') : NO_BYTES,
        memberAssignment: stable ? m.assignment : NO_BYTES,
      })),
      authorizedOperations: operations,
    };
  }),
}));
