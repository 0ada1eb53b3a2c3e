// Confluent REST Proxy API v2, topics and produce: GET /topics, /topics/{t},
// /topics/{t}/partitions[/{p}[/offsets]], POST /topics/{t} and /topics/{t}/partitions/{p}
// with the embedded formats application/vnd.kafka.{json,binary}.v2+json (binary = base64).
// Avro/Protobuf/JSON Schema formats need a schema registry, which Strom does not have: 415.
// ACLs (access.ts): listing shows the topics the principal may DESCRIBE; describing a topic
// needs DESCRIBE, producing WRITE (403 otherwise, before the topic's existence is told).
import type { BrokerContext } from '../broker/context.js';
import type { TopicView } from '../broker/cluster-view.js';
import type { PartitionLog } from '../log/partition-log.js';
import { HttpError, Router, V2_JSON, intParam, json, objectBody, type HttpRequest } from './router.js';
import { produceRecords, type EmbeddedFormat, type ProduceRecord } from './records.js';
import { RestErrorCode } from './error-codes.js';
import { mayAccess, requireAccess } from './access.js';
import { AclOperation, ResourceType } from '../security/acl.js';

export function topicOrThrow(broker: BrokerContext, name: string): TopicView {
  const topic = broker.cluster.topic(name);
  if (!topic) throw new HttpError(404, RestErrorCode.TOPIC_NOT_FOUND, 'Topic not found.');
  return topic;
}

/** The log of a partition this broker leads (in a cluster, another broker's gateway serves the others). */
export function partitionOrThrow(broker: BrokerContext, topic: string, partition: string): PartitionLog {
  const t = topicOrThrow(broker, topic);
  const p = intParam(partition, 'partition');
  const view = t.partition(p);
  if (!view) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, 'Partition not found.');
  const log = broker.logs.partition(topic, p);
  if (!log || view.leader !== broker.nodeId) throw notLeader(broker, topic, p, view.leader);
  return log;
}

/** A partition led by another broker (or by none just now): its gateway serves it. */
export function notLeader(broker: BrokerContext, topic: string, partition: number, leader: number): HttpError {
  const at = broker.cluster.brokers().find((b) => b.nodeId === leader);
  return new HttpError(503, RestErrorCode.NOT_LEADER, leader === -1
    ? `Partition ${partition} of topic ${topic} has no leader just now; try again.`
    : `Partition ${partition} of topic ${topic} is led by broker ${leader}${at ? ` (${at.host}:${at.port})` : ''}; its gateway serves it.`);
}

/** The embedded format of a produce request's Content-Type. */
function produceFormat(contentType: string): EmbeddedFormat {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/vnd.kafka.binary.v2+json') return 'binary';
  if (type === 'application/vnd.kafka.json.v2+json' || type === 'application/json' || type === 'application/vnd.kafka.v2+json' || type === '') return 'json';
  throw new HttpError(415, RestErrorCode.UNSUPPORTED_MEDIA_TYPE, `HTTP 415 Unsupported Media Type: ${type} (Strom serves the json and binary embedded formats; schema formats need a schema registry)`);
}

function partitionJson(t: TopicView, p: number) {
  const view = t.partition(p)!;
  return { partition: p, leader: view.leader, replicas: view.replicas.map((id) => ({ broker: id, leader: id === view.leader, in_sync: view.isr.includes(id) })) };
}

const partitionIndexes = (t: TopicView) => Array.from({ length: t.partitionCount }, (_, p) => p);

export function routesV2(router: Router, broker: () => BrokerContext): void {
  const describable = (req: HttpRequest) => {
    requireAccess(broker(), req, AclOperation.DESCRIBE, ResourceType.TOPIC, req.params.topic);
    return topicOrThrow(broker(), req.params.topic);
  };
  router.on('GET', '/topics', (req) => {
    const b = broker();
    const cluster = b.cluster;
    return json([...cluster.topicNames()].filter((t) => !cluster.topic(t)?.internal && mayAccess(b, req, AclOperation.DESCRIBE, ResourceType.TOPIC, t)).sort(), 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic', (req) => {
    const t = describable(req);
    const configs: Record<string, string> = { ...t.configs };
    return json({ name: t.name, configs, partitions: partitionIndexes(t).map((p) => partitionJson(t, p)) }, 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions', (req) => {
    const t = describable(req);
    return json(partitionIndexes(t).map((p) => partitionJson(t, p)), 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions/:partition', (req) => {
    const t = describable(req);
    const p = intParam(req.params.partition, 'partition');
    if (!t.partition(p)) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, 'Partition not found.');
    return json(partitionJson(t, p), 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions/:partition/offsets', (req) => {
    describable(req);
    const log = partitionOrThrow(broker(), req.params.topic, req.params.partition);
    return json({ beginning_offset: log.logStartOffset, end_offset: log.logEndOffset }, 200, V2_JSON);
  });
  const produce = async (req: HttpRequest, partition: number | null) => {
    const b = broker();
    const format = produceFormat(req.contentType);
    const body = objectBody(req);
    requireAccess(b, req, AclOperation.WRITE, ResourceType.TOPIC, req.params.topic);
    topicOrThrow(b, req.params.topic);
    if (partition !== null) partitionOrThrow(b, req.params.topic, String(partition));
    if (!Array.isArray(body.records) || body.records.length === 0) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'records must be a non-empty array');
    const offsets = await produceRecords(b, req.params.topic, body.records as ProduceRecord[], format, partition);
    return json({ offsets, key_schema_id: null, value_schema_id: null }, 200, V2_JSON);
  };
  router.on('POST', '/topics/:topic', (req) => produce(req, null));
  router.on('POST', '/topics/:topic/partitions/:partition', (req) => produce(req, intParam(req.params.partition, 'partition')));
}
