// Metadata (key 3), versions 0-12. v0: an empty topic list means all topics; v1+: null
// means all, empty means none (librdkafka sends null for all). v0-3 have no AllowAutoTopicCreation
// flag and are treated as allowing it, as Kafka does; Strom creates a missing topic
// synchronously and returns it at once. One broker leads every partition with leader epoch
// 0; each topic has its KIP-516 id (unknown topics: the zero UUID). The controller is this broker
// (kafka-python's admin reads controller_id and connects to it).
import { MetadataApi, type MetadataRequest, type MetadataResponse } from '../protocol/generated/metadata.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { topicNameError } from '../storage/layout.js';
import { defineHandler } from './handler.js';
import type { BrokerContext } from '../broker/context.js';
import { TOPIC_OPERATIONS, CLUSTER_OPERATIONS, NO_OPERATIONS } from './acl-operations.js';

export const metadata = defineHandler(MetadataApi, { min: 0, max: 12 }, async (request: MetadataRequest, ctx): Promise<MetadataResponse> => {
  const { broker, apiVersion } = ctx;
  const logs = broker.logs;
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  const names = all ? [...logs.topics.keys()] : request.topics!.map((t) => t.name ?? '');
  const topics: MetadataResponse.MetadataResponseTopic[] = [];
  for (const name of names) {
    let topic = logs.topic(name);
    let errorCode: number = ErrorCode.NONE;
    if (!topic) {
      errorCode = await autoCreate(broker, name, request.allowAutoTopicCreation);
      topic = logs.topic(name);
    }
    topics.push({
      errorCode,
      name,
      topicId: topic?.topicId ?? ZERO_UUID,
      isInternal: topic?.internal ?? false,
      partitions: (topic?.partitions ?? []).map((p) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex: p.partition,
        leaderId: broker.nodeId,
        leaderEpoch: 0,
        replicaNodes: [broker.nodeId],
        isrNodes: [broker.nodeId],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: request.includeTopicAuthorizedOperations ? TOPIC_OPERATIONS : NO_OPERATIONS,
    });
  }
  return {
    throttleTimeMs: 0,
    brokers: broker.advertised.map((l) => ({ nodeId: broker.nodeId, host: l.host, port: l.port, rack: null })).slice(0, 1),
    clusterId: broker.clusterId,
    controllerId: broker.nodeId,
    topics,
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NO_OPERATIONS,
  };
});

/** Creates a requested topic when allowed; returns the error to report (NONE once created). */
async function autoCreate(broker: BrokerContext, name: string, allowed: boolean): Promise<number> {
  if (topicNameError(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (!allowed || !broker.config.bool('auto.create.topics.enable') || name.startsWith('__')) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  try {
    await broker.logs.createTopic(name, broker.config.int('num.partitions'));
    broker.logger.info(`auto-created topic ${name} with ${broker.config.int('num.partitions')} partition(s)`);
    return ErrorCode.NONE;
  } catch (e) {
    // Created by a concurrent request: fine once it is complete; while its partitions are
    // still being made, Kafka's answer for a topic being auto-created (retriable, gotcha 7).
    if (e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS) {
      return broker.logs.topic(name) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE;
    }
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}
