// DeleteGroups (key 42), versions 0-2: removes groups without members, with their offsets
// (tombstones in __consumer_offsets). GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP
// while members remain. Each group needs DELETE (GROUP_AUTHORIZATION_FAILED).
import { DeleteGroupsApi, type DeleteGroupsRequest, type DeleteGroupsResponse } from '../protocol/generated/delete-groups.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const deleteGroups = defineHandler(DeleteGroupsApi, { min: 0, max: 2 }, async (request: DeleteGroupsRequest, ctx): Promise<DeleteGroupsResponse> => ({
  throttleTimeMs: 0,
  results: await Promise.all(request.groupsNames.map(async (groupId) => ({
    groupId,
    errorCode: authorized(ctx, AclOperation.DELETE, ResourceType.GROUP, groupId) ? await ctx.broker.groups.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED,
  }))),
}));
