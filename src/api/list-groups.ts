// ListGroups (key 16), versions 0-5. v4 filters by state (KIP-518), v5 by group type
// (KIP-848: "classic" or "consumer", case-insensitive; a consumer-protocol group lists with
// protocol type "consumer" and its own states: Empty, Assigning, Reconciling, Stable).
// kafka-python's admin sends v1 (gotcha 12). A principal with DESCRIBE on the cluster sees
// every group, another the groups it may DESCRIBE (Kafka's KafkaApis).
import { ListGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from '../protocol/generated/list-groups.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

export const listGroups = defineHandler(ListGroupsApi, { min: 0, max: 5 }, (request: ListGroupsRequest, ctx): ListGroupsResponse => {
  let groups = ctx.broker.groups.listGroups(ctx.apiVersion >= 4 ? request.statesFilter : [], ctx.apiVersion >= 5 ? request.typesFilter : []);
  if (!clusterAuthorized(ctx, AclOperation.DESCRIBE, true)) groups = groups.filter((g) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, true));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    groups: groups.map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      groupState: ctx.apiVersion >= 4 ? g.state : '',
      groupType: ctx.apiVersion >= 5 ? g.type : '',
    })),
  };
});
