// CreatePartitions (key 37), versions 0-3: raises a topic's partition count (never lowers
// it: INVALID_PARTITIONS). Assignments, when given, must name this broker alone.
import { CreatePartitionsApi, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../protocol/generated/create-partitions.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler } from './handler.js';

export const createPartitions = defineHandler(CreatePartitionsApi, { min: 0, max: 3 }, async (request: CreatePartitionsRequest, ctx): Promise<CreatePartitionsResponse> => {
  const results: CreatePartitionsResponse.CreatePartitionsTopicResult[] = [];
  const seen = new Set<string>();
  for (const t of request.topics) {
    try {
      if (seen.has(t.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate topic ${t.name} in the request`);
      seen.add(t.name);
      const topic = ctx.broker.logs.topic(t.name);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
      if (t.count <= topic.partitions.length) {
        throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitions.length} partitions, which is higher than or equal to the requested ${t.count}.`);
      }
      if (t.assignments && (t.assignments.length !== t.count - topic.partitions.length || t.assignments.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== ctx.broker.nodeId))) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Each new partition must be assigned to broker ${ctx.broker.nodeId} alone`);
      }
      if (!request.validateOnly) await ctx.broker.logs.createPartitions(t.name, t.count);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      results.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
    }
  }
  return { throttleTimeMs: 0, results };
});
