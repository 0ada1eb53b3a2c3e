// CreateTopics (key 19), versions 0-7. -1 partitions/replication factor (v4+) take the
// broker defaults; the cluster view places the replicas (one broker: a replication factor
// above 1 cannot be met, and manual assignments must name this broker). v1 adds ValidateOnly and error messages; v5+ return
// the created topic's partitions, replication factor and configs; v7 its topic id (KIP-516;
// zero when the topic was not created: an error, or ValidateOnly).
// Duplicate names in one request are all refused (INVALID_REQUEST), as Kafka does.
// Authorization (Kafka's ControllerApis): CREATE on the cluster or on the topic, else
// TOPIC_AUTHORIZATION_FAILED; a created topic's configs are answered only with
// DESCRIBE_CONFIGS on it (else TopicConfigErrorCode TOPIC_AUTHORIZATION_FAILED, no configs).
import { CreateTopicsApi, type CreateTopicsRequest, type CreateTopicsResponse } from '../protocol/generated/create-topics.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { describeTopicConfigs } from '../config/describe.js';
import { defineHandler } from './handler.js';
import type { BrokerContext } from '../broker/context.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

type Result = CreateTopicsResponse.CreatableTopicResult;

export const createTopics = defineHandler(CreateTopicsApi, { min: 0, max: 7 }, async (request: CreateTopicsRequest, ctx): Promise<CreateTopicsResponse> => {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: Result[] = [];
  const clusterCreate = clusterAuthorized(ctx, AclOperation.CREATE, true);
  for (const t of request.topics) {
    const base: Result = { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null };
    if (counts.get(t.name)! > 1) {
      topics.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Create topics request from client contains multiple entries for topic ${t.name}` });
      continue;
    }
    if (!clusterCreate && !authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, t.name)) {
      topics.push({ ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
      continue;
    }
    try {
      const created = await create(ctx.broker, t, request.validateOnly);
      if (!authorized(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, t.name, true)) {
        Object.assign(created, { configs: [], numPartitions: -1, replicationFactor: -1, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      }
      topics.push({ ...base, ...created });
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      topics.push({ ...base, errorCode: e.code, errorMessage: e.message });
    }
  }
  return { throttleTimeMs: 0, topics };
});

async function create(broker: BrokerContext, t: CreateTopicsRequest.CreatableTopic, validateOnly: boolean): Promise<Partial<Result>> {
  const configs: Record<string, string> = {};
  for (const c of t.configs) {
    if (c.value === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${c.name}`);
    configs[c.name] = c.value;
  }
  let partitions = t.numPartitions;
  let replicationFactor = t.replicationFactor;
  let assignment: number[][] | undefined;
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    assignment = [];
    for (const a of t.assignments) {
      if (a.partitionIndex < 0 || a.partitionIndex >= t.assignments.length || assignment[a.partitionIndex]) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be consecutive starting at 0, each assigned once.');
      }
      assignment[a.partitionIndex] = a.brokerIds;
    }
    partitions = assignment.length;
    replicationFactor = assignment[0].length;
  } else {
    if (partitions === -1) partitions = broker.config.int('num.partitions');
    if (replicationFactor === -1) replicationFactor = broker.config.int('default.replication.factor');
    if (replicationFactor < 1) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  const topicId = await broker.cluster.createTopic({ name: t.name, partitions, replicationFactor, configs, assignment, validateOnly });
  if (!validateOnly) broker.logger.info(`created topic ${t.name} with ${partitions} partition(s), replication factor ${replicationFactor}, topic id ${topicId}`);
  return {
    topicId: topicId || ZERO_UUID,
    numPartitions: partitions,
    replicationFactor,
    configs: describeTopicConfigs(broker.config, configs).map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive })),
  };
}
