// OffsetDelete (key 47), version 0 (KIP-496): deletes a group's committed offsets for some
// partitions, refused per partition (GROUP_SUBSCRIBED_TO_TOPIC) for topics its live members
// subscribe to. Needs DELETE on the group (GROUP_AUTHORIZATION_FAILED for the request) and
// READ on each topic (TOPIC_AUTHORIZATION_FAILED for its partitions), as Kafka's KafkaApis.
import { OffsetDeleteApi, type OffsetDeleteRequest, type OffsetDeleteResponse } from '../protocol/generated/offset-delete.js';
import { groupSubscriptions } from '../group/lag.js';
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, ResourceType, authorized, authorizedNames } from './authorize.js';

export const offsetDelete = defineHandler(OffsetDeleteApi, { min: 0, max: 0 }, async (request: OffsetDeleteRequest, ctx): Promise<OffsetDeleteResponse> => {
  if (!authorized(ctx, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
  const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
  const partitions = request.topics.filter((t) => readable.has(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
  const result = await ctx.broker.groups.deleteOffsets(request.groupId, partitions, groupSubscriptions);
  // A group error answers no partitions but the refused ones (Kafka adds those to any answer).
  const answered = result.partitions.length > 0;
  let i = 0;
  const topics = request.topics.filter((t) => answered || !readable.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: readable.has(t.name) ? result.partitions[i++] : ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
  }));
  return { errorCode: result.errorCode, throttleTimeMs: 0, topics };
});
