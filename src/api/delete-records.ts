// DeleteRecords (key 21), versions 0-2: moves a partition's log start offset up (-1 = to the
// high watermark); whole segments below it are deleted. Offsets past the high watermark are
// OFFSET_OUT_OF_RANGE. Only the leader deletes; followers follow the log start offset its
// fetch responses carry. Needs DELETE on the topic (TOPIC_AUTHORIZATION_FAILED).
import { DeleteRecordsApi, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../protocol/generated/delete-records.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { PartitionLog } from '../log/partition-log.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorizedNames } from './authorize.js';

export const deleteRecords = defineHandler(DeleteRecordsApi, { min: 0, max: 2 }, (request: DeleteRecordsRequest, ctx): DeleteRecordsResponse => {
  const deletable = authorizedNames(ctx, AclOperation.DELETE, ResourceType.TOPIC, request.topics.map((t) => t.name));
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      if (!deletable.has(t.name)) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      let log: PartitionLog;
      try {
        log = ctx.broker.cluster.leaderLog(t.name, p.partitionIndex);
      } catch (e) {
        if (e instanceof KafkaError) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: e.code };
        throw e;
      }
      const offset = p.offset === -1 ? log.highWatermark : p.offset;
      if (offset < 0 || offset > log.highWatermark) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      log.deleteRecordsBefore(offset, log.config.number('file.delete.delay.ms'));
      return { partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
    }),
  })) };
});
