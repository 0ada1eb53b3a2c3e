// ListOffsets (key 2), versions 0-9. Timestamp -1 = latest (the high watermark, or the last
// stable offset for read_committed, v2+), -2 = earliest (the
// log start offset), -3 = the record with the largest timestamp (v7, KIP-734), -4 = the
// earliest offset on local storage (v8, KIP-405: with no tiered storage, the log start
// offset), -5 = the latest offset on tiered storage (v9, KIP-1005: with none, offset -1, as
// Kafka answers when remote storage is off), else the first record with timestamp >= it (v1+)
// via the time index, as long as it lies below the latest offset the isolation level may read
// (Kafka's lastFetchableOffset). v0 answers with a list of offsets ("old style"): the log end
// or start offset, or segment base offsets before a time. Needs DESCRIBE on each topic
// (TOPIC_AUTHORIZATION_FAILED for its partitions).
import { ListOffsetsApi, type ListOffsetsRequest, type ListOffsetsResponse } from '../protocol/generated/list-offsets.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PartitionLog } from '../log/partition-log.js';
import { CompressionError } from '../compression/codecs.js';
import { CoreError } from '../core/index.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorizedNames } from './authorize.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;
const READ_COMMITTED = 1;

type PartitionResponse = ListOffsetsResponse.ListOffsetsPartitionResponse;

export const listOffsets = defineHandler(ListOffsetsApi, { min: 0, max: 9 }, async (request: ListOffsetsRequest, ctx): Promise<ListOffsetsResponse> => {
  const describable = authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.name));
  return { throttleTimeMs: 0, topics: await Promise.all(request.topics.map(async (topic) => ({
    name: topic.name,
    partitions: await Promise.all(topic.partitions.map(async (p): Promise<PartitionResponse> => {
      const base: PartitionResponse = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
      if (!describable.has(topic.name)) return { ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      try {
        const log = ctx.broker.cluster.leaderLog(topic.name, p.partitionIndex, p.currentLeaderEpoch);
        if (ctx.apiVersion === 0) return { ...base, oldStyleOffsets: oldStyleOffsets(log, p.timestamp, p.maxNumOffsets) };
        const found = await lookup(log, p.timestamp, ctx.apiVersion >= 2 && request.isolationLevel === READ_COMMITTED ? log.lastStableOffset : log.highWatermark);
        return { ...base, timestamp: found.timestamp, offset: found.offset, leaderEpoch: ctx.apiVersion >= 4 && found.offset >= 0 ? log.leaderEpoch : -1 };
      } catch (e) {
        if (e instanceof KafkaError) return { ...base, errorCode: e.code };
        // A stored batch that does not decode (produce checks CRCs, not compressed payloads).
        if (e instanceof CompressionError || e instanceof CoreError) return { ...base, errorCode: ErrorCode.CORRUPT_MESSAGE };
        throw e;
      }
    })),
  }))) };
});

async function lookup(log: PartitionLog, timestamp: number, lastFetchable: number): Promise<{ offset: number; timestamp: number }> {
  if (timestamp === LATEST) return { offset: lastFetchable, timestamp: -1 };
  if (timestamp === EARLIEST || timestamp === EARLIEST_LOCAL) return { offset: log.logStartOffset, timestamp: -1 };
  if (timestamp === LATEST_TIERED) return { offset: -1, timestamp: -1 };
  if (timestamp === MAX_TIMESTAMP) return (await log.maxTimestampOffset()) ?? { offset: -1, timestamp: -1 };
  if (timestamp < 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown special timestamp ${timestamp}`);
  const found = await log.offsetForTimestamp(timestamp);
  return found && found.offset < lastFetchable ? found : { offset: -1, timestamp: -1 };
}

/** v0: Kafka's fetchOffsetsBefore: LEO, segment bases older than the time, or the start. */
function oldStyleOffsets(log: PartitionLog, timestamp: number, maxNumOffsets: number): number[] {
  if (timestamp === EARLIEST) return [log.logStartOffset].slice(0, Math.max(0, maxNumOffsets));
  const offsets = timestamp === LATEST ? [log.highWatermark] : [];
  for (let i = log.segments.length - 1; i >= 0; i--) {
    const segment = log.segments[i];
    const newest = segment.index.maxTimestamp >= 0 ? segment.index.maxTimestamp : segment.createdMs;
    if (timestamp === LATEST || newest <= timestamp) offsets.push(Math.max(segment.baseOffset, log.logStartOffset));
  }
  return [...new Set(offsets)].slice(0, Math.max(0, maxNumOffsets));
}
