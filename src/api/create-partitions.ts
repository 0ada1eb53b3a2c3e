// CreatePartitions (key 37), versions 0-3: raises a topic's partition count (never lowers
// it: INVALID_PARTITIONS). Assignments, when given, place the new partitions' replicas (one
// broker: this broker alone). Needs ALTER on the topic (TOPIC_AUTHORIZATION_FAILED).
import { CreatePartitionsApi, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../protocol/generated/create-partitions.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { defineHandler } from './handler.js';
import { AclOperation, ResourceType, authorized } from './authorize.js';

export const createPartitions = defineHandler(CreatePartitionsApi, { min: 0, max: 3 }, async (request: CreatePartitionsRequest, ctx): Promise<CreatePartitionsResponse> => {
  const results: CreatePartitionsResponse.CreatePartitionsTopicResult[] = [];
  const seen = new Set<string>();
  for (const t of request.topics) {
    try {
      if (seen.has(t.name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate topic ${t.name} in the request`);
      seen.add(t.name);
      if (!authorized(ctx, AclOperation.ALTER, ResourceType.TOPIC, t.name)) throw new KafkaError(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.');
      await ctx.broker.cluster.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, request.validateOnly);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      results.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
    }
  }
  return { throttleTimeMs: 0, results };
});
