// OffsetCommit (key 8), versions 0-9 (not 10+: those name topics by id, CLIENTS.md gotcha 14).
// v0 has no generation or member (a standalone commit); v1 adds them and a per-partition
// commit timestamp; v2-4 a retention time (Kafka ignores it since KIP-211 unless set; Strom
// always applies offsets.retention.minutes); v6 the leader epoch; v7 group.instance.id.
// The response is sent once the commits are appended to __consumer_offsets.
import { OffsetCommitApi, type OffsetCommitRequest, type OffsetCommitResponse } from '../protocol/generated/offset-commit.js';
import { defineHandler } from './handler.js';

export const offsetCommit = defineHandler(OffsetCommitApi, { min: 0, max: 9 }, async (request: OffsetCommitRequest, ctx): Promise<OffsetCommitResponse> => {
  const { logs, groups } = ctx.broker;
  const offsets = request.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata,
  })));
  const codes = await groups.commitOffsets({
    groupId: request.groupId,
    generationId: ctx.apiVersion >= 1 ? request.generationIdOrMemberEpoch : -1,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    offsets,
  }, (topic, partition) => logs.partition(topic, partition) !== undefined);
  let i = 0;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i++] })) })),
  };
});
