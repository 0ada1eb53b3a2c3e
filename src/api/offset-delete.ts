// OffsetDelete (key 47), version 0 (KIP-496): deletes a group's committed offsets for some
// partitions, refused per partition (GROUP_SUBSCRIBED_TO_TOPIC) for topics its live members
// subscribe to.
import { OffsetDeleteApi, type OffsetDeleteRequest, type OffsetDeleteResponse } from '../protocol/generated/offset-delete.js';
import { groupSubscriptions } from '../group/lag.js';
import { defineHandler } from './handler.js';

export const offsetDelete = defineHandler(OffsetDeleteApi, { min: 0, max: 0 }, async (request: OffsetDeleteRequest, ctx): Promise<OffsetDeleteResponse> => {
  const partitions = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
  const result = await ctx.broker.groups.deleteOffsets(request.groupId, partitions, groupSubscriptions);
  let i = 0;
  return {
    errorCode: result.errorCode,
    throttleTimeMs: 0,
    topics: result.partitions.length === 0 ? [] : request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: result.partitions[i++] })),
    })),
  };
});
