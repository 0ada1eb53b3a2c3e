// DeleteRecords (key 21), versions 0-2: moves a partition's log start offset up (-1 = to the
// high watermark); whole segments below it are deleted. Offsets past the high watermark are
// OFFSET_OUT_OF_RANGE. Needs DELETE on the topic (TOPIC_AUTHORIZATION_FAILED).
import { DeleteRecordsApi, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../protocol/generated/delete-records.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorizedNames } from './authorize.js';

export const deleteRecords = defineHandler(DeleteRecordsApi, { min: 0, max: 2 }, (request: DeleteRecordsRequest, ctx): DeleteRecordsResponse => {
  const deletable = authorizedNames(ctx, AclOperation.DELETE, ResourceType.TOPIC, request.topics.map((t) => t.name));
  return { throttleTimeMs: 0, topics: request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      if (!deletable.has(t.name)) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
      const log = ctx.broker.logs.partition(t.name, p.partitionIndex);
      if (!log) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const offset = p.offset === -1 ? log.highWatermark : p.offset;
      if (offset < 0 || offset > log.highWatermark) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      log.deleteRecordsBefore(offset, log.config.number('file.delete.delay.ms'));
      return { partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
    }),
  })) };
});
