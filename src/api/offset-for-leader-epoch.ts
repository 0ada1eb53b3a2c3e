// OffsetForLeaderEpoch (key 23), versions 0-4: the end offset of a leader epoch (KIP-101,
// KIP-279), which consumers ask after a leader change to validate their position (and
// followers, to truncate a diverging log). v1 answers the epoch it found; v2 adds the
// requester's current leader epoch (KIP-320: UNKNOWN_LEADER_EPOCH when newer than ours,
// FENCED_LEADER_EPOCH when older); v3 the replica id; v4 is flexible. In a cluster the answer
// comes from the partition's leader epochs (leader-epoch-checkpoint): the largest epoch not
// above the one asked, and where it ends. One broker alone has led every partition in epoch 0
// since its first offset: epoch 0 ends at the log end offset, a later one is unknown (epoch
// -1, offset -1, as Kafka answers an epoch past its latest).
// Authorization (Kafka's KafkaApis, KIP-320): CLUSTER_ACTION on the cluster (a follower), or
// DESCRIBE on each topic (a consumer): TOPIC_AUTHORIZATION_FAILED for its partitions.
import { OffsetForLeaderEpochApi, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PartitionLog } from '../log/partition-log.js';
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
      let log: PartitionLog;
      try {
        log = ctx.broker.cluster.leaderLog(t.topic, p.partition, p.currentLeaderEpoch);
      } catch (e) {
        if (e instanceof KafkaError) return { ...answer, errorCode: e.code };
        throw e;
      }
      if (log.epochs) return { ...answer, ...log.epochs.endOffsetFor(p.leaderEpoch, log.logEndOffset) };
      if (p.leaderEpoch !== LEADER_EPOCH) return answer;
      return { ...answer, leaderEpoch: LEADER_EPOCH, endOffset: log.logEndOffset };
    }),
  })) };
});
