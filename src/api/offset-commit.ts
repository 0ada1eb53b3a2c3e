// OffsetCommit (key 8), versions 0-9 (Kafka 3.9's maximum; 10+ name topics by id).
// v0 has no generation or member (a standalone commit); v1 adds them and a per-partition
// commit timestamp; v2-4 a retention time (Kafka ignores it since KIP-211 unless set; Strom
// always applies offsets.retention.minutes); v6 the leader epoch; v7 group.instance.id.
// v9: a commit with a generation for a group that does not exist is GROUP_ID_NOT_FOUND
// (before v9 ILLEGAL_GENERATION, kept for older clients; Kafka's OffsetMetadataManager).
// v9 is KIP-848's: for a consumer group the generation field carries the member epoch,
// checked against the member's (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID), and a member on the
// consumer protocol must commit with v9+ (UNSUPPORTED_VERSION before).
// The response is sent once the commits are appended to __consumer_offsets.
// Authorization (Kafka's KafkaApis): READ on the group, else every partition is
// GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions are
// TOPIC_AUTHORIZATION_FAILED and the others are committed.
import { OffsetCommitApi, type OffsetCommitRequest, type OffsetCommitResponse } from '../protocol/generated/offset-commit.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized, authorizedNames } from './authorize.js';

export const offsetCommit = defineHandler(OffsetCommitApi, { min: 0, max: 9 }, async (request: OffsetCommitRequest, ctx): Promise<OffsetCommitResponse> => {
  const { cluster, groups } = ctx.broker;
  const answer = (codeOf: (topic: string, partition: number) => number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })) })),
  });
  if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return answer(() => ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
  const offsets = request.topics.filter((t) => readable.has(t.name)).flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata,
  })));
  const generationId = ctx.apiVersion >= 1 ? request.generationIdOrMemberEpoch : -1;
  const partitionExists = (topic: string, partition: number) => cluster.topic(topic)?.partition(partition) !== undefined;
  const unknownGroup = ctx.apiVersion >= 9 && generationId >= 0 && groups.group(request.groupId) === undefined;
  const codes = unknownGroup
    ? offsets.map((o) => (partitionExists(o.topic, o.partition) ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
    : await groups.commitOffsets({ groupId: request.groupId, generationId, apiVersion: ctx.apiVersion, memberId: request.memberId, groupInstanceId: request.groupInstanceId, offsets }, partitionExists);
  let i = 0;
  return answer((topic) => (readable.has(topic) ? codes[i++] : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
});
