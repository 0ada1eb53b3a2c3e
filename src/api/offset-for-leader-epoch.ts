// OffsetForLeaderEpoch (key 23), versions 0-4: the end offset of a leader epoch (KIP-101,
// KIP-279), which consumers ask after a leader change to validate their position (and
// followers, to truncate a diverging log). v1 answers the epoch it found; v2 adds the
// requester's current leader epoch (KIP-320: UNKNOWN_LEADER_EPOCH when newer than ours,
// FENCED_LEADER_EPOCH when older); v3 the replica id; v4 is flexible. One broker has led every
// partition in epoch 0 since its first offset: epoch 0 ends at the log end offset, a later
// one is unknown (epoch -1, offset -1, as Kafka answers an epoch past its latest).
// Authorization (Kafka's KafkaApis, KIP-320): CLUSTER_ACTION on the cluster (a follower), or
// DESCRIBE on each topic (a consumer): TOPIC_AUTHORIZATION_FAILED for its partitions.
import { OffsetForLeaderEpochApi, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorizedNames, clusterAuthorized } from './authorize.js';

/** The only leader epoch of a single broker. */
const LEADER_EPOCH = 0;
const UNDEFINED = -1;

export const offsetForLeaderEpoch = defineHandler(OffsetForLeaderEpochApi, { min: 0, max: 4 }, (request: OffsetForLeaderEpochRequest, ctx): OffsetForLeaderEpochResponse => {
  const describable = clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION, true) ? null : authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.topic));
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): OffsetForLeaderEpochResponse.EpochEndOffset => {
      const answer = { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: UNDEFINED, endOffset: UNDEFINED };
      if (describable && !describable.has(t.topic)) return { ...answer, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      const log = ctx.broker.logs.partition(t.topic, p.partition);
      if (!log) return { ...answer, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      if (p.currentLeaderEpoch > LEADER_EPOCH) return { ...answer, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
      if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch < LEADER_EPOCH) return { ...answer, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
      if (p.leaderEpoch !== LEADER_EPOCH) return answer;
      return { ...answer, leaderEpoch: LEADER_EPOCH, endOffset: log.logEndOffset };
    }),
  })) };
});
