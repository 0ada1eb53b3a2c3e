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
// Authorization (Kafka's KafkaApis): a request for all topics answers those the principal may
// DESCRIBE; a named topic it may not describe is TOPIC_AUTHORIZATION_FAILED, whether it
// exists or not; auto-creation needs CREATE on the cluster or the topic. v8+ report each
// topic's authorized operations, and v8-10 the cluster's (0 without DESCRIBE on it), on request.
import { MetadataApi, type MetadataRequest, type MetadataResponse } from '../protocol/generated/metadata.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { topicNameError } from '../storage/layout.js';
import { defineHandler, type RequestContext } from './handler.js';
import type { TopicView } from '../broker/cluster-view.js';
import { AclOperation, CLUSTER_NAME, NO_OPERATIONS, ResourceType, authorized, authorizedOperations, clusterAuthorized } from './authorize.js';

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
    // Every topic the principal may describe; the others are left out without a word.
    names = [...cluster.topicNames()].filter((name) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name, true));
  } else if (ids.length > 0) {
    names = [];
    for (const id of ids) {
      const topic = cluster.topicById(id);
      if (!topic) topics.push({ ...unknown(null, id), errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
      // Topic ids are not secret (Kafka): an id the principal may not describe is named as refused.
      else if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name)) topics.push({ ...unknown(null, id), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      else names.push(topic.name);
    }
  } else {
    names = [];
    for (const name of new Set(request.topics!.map((t) => t.name ?? ''))) {
      // Whether a topic the principal may not describe exists is not told.
      if (authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) names.push(name);
      else topics.push({ ...unknown(name, ZERO_UUID), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    }
  }
  for (const name of names) {
    let topic = cluster.topic(name);
    let errorCode: number = ErrorCode.NONE;
    if (!topic) {
      errorCode = await autoCreate(ctx, name, request.allowAutoTopicCreation);
      topic = cluster.topic(name);
    }
    const answer = topic ? described(topic, errorCode) : { ...unknown(name, ZERO_UUID), errorCode };
    if (request.includeTopicAuthorizedOperations && errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
      answer.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, name);
    }
    topics.push(answer);
  }
  let clusterAuthorizedOperations = NO_OPERATIONS;
  if (request.includeClusterAuthorizedOperations) {
    clusterAuthorizedOperations = clusterAuthorized(ctx, AclOperation.DESCRIBE) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0;
  }
  return {
    throttleTimeMs: 0,
    brokers: cluster.brokers(ctx.listenerName),
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId(),
    topics,
    clusterAuthorizedOperations,
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

/**
 * Creates a requested topic when allowed; returns the error to report (NONE once created).
 * Creating needs CREATE on the cluster or on the topic: without, TOPIC_AUTHORIZATION_FAILED.
 */
async function autoCreate(ctx: RequestContext, name: string, allowed: boolean): Promise<number> {
  const { broker } = ctx;
  if (topicNameError(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (!allowed || !broker.config.bool('auto.create.topics.enable') || name.startsWith('__')) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (!clusterAuthorized(ctx, AclOperation.CREATE, true) && !authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, name)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
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
