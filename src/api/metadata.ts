// Metadata (key 3), versions 0-13. v0: an empty topic list means all topics; v1+: null
// means all, empty means none (librdkafka sends null for all). v0-3 have no AllowAutoTopicCreation
// flag and are treated as allowing it, as Kafka does; Strom creates a missing topic
// synchronously and returns it at once. Brokers, leaders, leader epochs, replicas, ISRs and
// the controller are the cluster view's (cluster-view.ts): one broker leads everything at
// epoch 0; in a cluster, a partition without a live leader is LEADER_NOT_AVAILABLE with
// leader -1, and replicas on dead brokers are listed offline. kafka-python's admin reads
// controller_id and sends topic changes there.
// Topic ids (KIP-516): every answered topic carries its id (v10+ on the wire). v10-11 carry
// ids in requests but may not use them: a null name or a non-zero id there is
// INVALID_REQUEST. v12+ may ask by id: the known ids' topics are answered (never created),
// an unknown id gets UNKNOWN_TOPIC_ID with a null name; names sent beside ids are ignored,
// as Kafka does. v13 adds a top-level error code (KIP-1102), set on whole-request errors.
import { MetadataApi, type MetadataRequest, type MetadataResponse } from '../protocol/generated/metadata.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { topicNameError } from '../storage/layout.js';
import { defineHandler } from './handler.js';
import type { BrokerContext } from '../broker/context.js';
import type { TopicView } from '../broker/cluster-view.js';
import { TOPIC_OPERATIONS, CLUSTER_OPERATIONS, NO_OPERATIONS } from './acl-operations.js';

type ResponseTopic = MetadataResponse.MetadataResponseTopic;

export const metadata = defineHandler(MetadataApi, { min: 0, max: 13 }, async (request: MetadataRequest, ctx): Promise<MetadataResponse> => {
  const { broker, apiVersion } = ctx;
  const cluster = broker.cluster;
  const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
  if (!all && apiVersion < 12 && request.topics!.some((t) => t.name === null || t.topicId !== ZERO_UUID)) {
    return errorResponse(request, ErrorCode.INVALID_REQUEST);
  }
  const ids = all ? [] : [...new Set(request.topics!.map((t) => t.topicId).filter((id) => id !== ZERO_UUID))];
  const topics: ResponseTopic[] = [];
  let names: string[];
  if (all) {
    names = [...cluster.topicNames()];
  } else if (ids.length > 0) {
    names = [];
    for (const id of ids) {
      const topic = cluster.topicById(id);
      if (topic) names.push(topic.name);
      else topics.push({ ...unknown(null, id), errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
    }
  } else {
    names = request.topics!.map((t) => t.name ?? '');
  }
  for (const name of names) {
    let topic = cluster.topic(name);
    let errorCode: number = ErrorCode.NONE;
    if (!topic) {
      errorCode = await autoCreate(broker, name, request.allowAutoTopicCreation);
      topic = cluster.topic(name);
    }
    const answer = topic ? described(topic, errorCode) : { ...unknown(name, ZERO_UUID), errorCode };
    if (request.includeTopicAuthorizedOperations) answer.topicAuthorizedOperations = TOPIC_OPERATIONS;
    topics.push(answer);
  }
  return {
    throttleTimeMs: 0,
    brokers: cluster.brokers(ctx.listenerName),
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId(),
    topics,
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NO_OPERATIONS,
    errorCode: ErrorCode.NONE,
  };
});

function described(topic: TopicView, errorCode: number): ResponseTopic {
  const partitions: ResponseTopic['partitions'] = [];
  for (let index = 0; index < topic.partitionCount; index++) {
    const p = topic.partition(index);
    if (!p) continue;
    partitions.push({
      errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: index,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: [...p.offline],
    });
  }
  return { errorCode, name: topic.name, topicId: topic.topicId, isInternal: topic.internal, partitions, topicAuthorizedOperations: NO_OPERATIONS };
}

const unknown = (name: string | null, topicId: string): ResponseTopic =>
  ({ errorCode: ErrorCode.NONE, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS });

/** Kafka's answer to a request it refuses whole: each topic asked for with the error, and (v13) the top-level code. */
function errorResponse(request: MetadataRequest, errorCode: number): MetadataResponse {
  return {
    throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1,
    topics: (request.topics ?? []).map((t) => ({ ...unknown(t.name ?? '', t.topicId), errorCode })),
    clusterAuthorizedOperations: NO_OPERATIONS,
    errorCode,
  };
}

/** Creates a requested topic when allowed; returns the error to report (NONE once created). */
async function autoCreate(broker: BrokerContext, name: string, allowed: boolean): Promise<number> {
  if (topicNameError(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (!allowed || !broker.config.bool('auto.create.topics.enable') || name.startsWith('__')) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const partitions = broker.config.int('num.partitions');
  try {
    await broker.cluster.createTopic({ name, partitions, replicationFactor: broker.config.int('default.replication.factor'), configs: {} });
    broker.logger.info(`auto-created topic ${name} with ${partitions} partition(s)`);
    return ErrorCode.NONE;
  } catch (e) {
    // Created by a concurrent request: fine once it is complete; while its partitions are
    // still being made, Kafka's answer for a topic being auto-created (retriable).
    if (e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS) {
      return broker.cluster.topic(name) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE;
    }
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}
