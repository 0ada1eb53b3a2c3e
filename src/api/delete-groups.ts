// DeleteGroups (key 42), versions 0-2: removes groups without members, with their offsets
// (tombstones in __consumer_offsets). GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP
// while members remain.
import { DeleteGroupsApi, type DeleteGroupsRequest, type DeleteGroupsResponse } from '../protocol/generated/delete-groups.js';
import { defineHandler } from './handler.js';

export const deleteGroups = defineHandler(DeleteGroupsApi, { min: 0, max: 2 }, async (request: DeleteGroupsRequest, ctx): Promise<DeleteGroupsResponse> => ({
  throttleTimeMs: 0,
  results: await Promise.all(request.groupsNames.map(async (groupId) => ({ groupId, errorCode: await ctx.broker.groups.deleteGroup(groupId) }))),
}));
