// DescribeTopicPartitions (key 75), version 0 (KIP-966; Kafka 3.9's admin client describes
// topics with it when the broker offers it, Metadata otherwise). Topics, with their ids,
// in name order; an empty topic list means every topic. A response describes at most
// min(ResponsePartitionLimit, max.request.partition.size.limit) partitions; when more are
// left, NextCursor names the topic and partition to ask from next, as Kafka's: a topic cut
// short points at its first partition left, a topic not reached at its partition 0. A
// request's cursor starts the answer at its topic and partition (topics before it are
// skipped); it must name one of the topics listed (if any are), and a negative partition
// index is refused: both INVALID_REQUEST for each listed topic, as Kafka answers. Strom
// also refuses a ResponsePartitionLimit below 1 (Kafka would answer nothing, which reads as
// the end). Named topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION
// (INVALID_TOPIC_EXCEPTION for an impossible name). Leaders, epochs, replicas and ISRs are
// the cluster view's; the ELR lists are empty (Java's admin client reads them as lists,
// never null).
// Authorization (Kafka's DescribeTopicPartitionsRequestHandler): topics the principal may not
// DESCRIBE are left out of an every-topic answer; named, they are TOPIC_AUTHORIZATION_FAILED
// (after the others, with no id); every other topic carries the principal's authorized operations.
import { DescribeTopicPartitionsApi, type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse } from '../protocol/generated/describe-topic-partitions.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError } from '../storage/layout.js';
import { defineHandler, type RequestContext } from './handler.js';
import { AclOperation, NO_OPERATIONS, ResourceType, authorized, authorizedOperations } from './authorize.js';

type Response = DescribeTopicPartitionsResponse;
type ResponseTopic = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic;

export const describeTopicPartitions = defineHandler(DescribeTopicPartitionsApi, { min: 0, max: 0 }, (request: DescribeTopicPartitionsRequest, ctx): Response => {
  const { cluster } = ctx.broker;
  const everyTopic = request.topics.length === 0;
  const cursor = request.cursor;
  const first = cursor?.topicName ?? '';
  const asked = [...new Set(everyTopic ? cluster.topicNames() : request.topics.map((t) => t.name))].filter((n) => n >= first).sort();
  if (request.responsePartitionLimit < 1 || (cursor && (cursor.partitionIndex < 0 || (!everyTopic && !asked.includes(cursor.topicName))))) {
    return errorResponse(request, ErrorCode.INVALID_REQUEST);
  }
  const refused: ResponseTopic[] = [];
  const names = asked.filter((name) => {
    if (authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name, everyTopic)) return true;
    if (!everyTopic) refused.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS });
    return false;
  });
  const response = answer(ctx, request, names, everyTopic);
  response.topics.push(...refused);
  return response;
});

/** The topics the principal may describe, from the cursor on, within the partition limit. */
function answer(ctx: RequestContext, request: DescribeTopicPartitionsRequest, names: string[], everyTopic: boolean): Response {
  const { cluster, config } = ctx.broker;
  const cursor = request.cursor;
  const topics: ResponseTopic[] = [];
  let remaining = Math.min(request.responsePartitionLimit, config.int('max.request.partition.size.limit'));
  for (const name of names) {
    if (remaining === 0) return { throttleTimeMs: 0, topics, nextCursor: { topicName: name, partitionIndex: 0 } };
    const topic = cluster.topic(name);
    if (!topic) {
      if (!everyTopic) {
        const errorCode = topicNameError(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        topics.push({ errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name) });
      }
      continue;
    }
    const start = cursor && name === cursor.topicName ? cursor.partitionIndex : 0;
    const end = Math.min(topic.partitionCount, start + remaining);
    const partitions: ResponseTopic['partitions'] = [];
    for (let index = start; index < end; index++) {
      const p = topic.partition(index);
      if (!p) continue;
      partitions.push({
        errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE, partitionIndex: index, leaderId: p.leader, leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas], isrNodes: [...p.isr], eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [...p.offline],
      });
    }
    topics.push({ errorCode: ErrorCode.NONE, name, topicId: topic.topicId, isInternal: topic.internal, partitions, topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name) });
    if (end < topic.partitionCount) return { throttleTimeMs: 0, topics, nextCursor: { topicName: name, partitionIndex: end } };
    remaining -= end - start;
  }
  return { throttleTimeMs: 0, topics, nextCursor: null };
}

/** Kafka's answer to a request it refuses: each listed topic with the error. */
function errorResponse(request: DescribeTopicPartitionsRequest, errorCode: number): Response {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ errorCode, name: t.name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS })),
    nextCursor: null,
  };
}
