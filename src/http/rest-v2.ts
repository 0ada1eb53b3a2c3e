// Confluent REST Proxy API v2, topics and produce: GET /topics, /topics/{t},
// /topics/{t}/partitions[/{p}[/offsets]], POST /topics/{t} and /topics/{t}/partitions/{p}
// with the embedded formats application/vnd.kafka.{json,binary}.v2+json (binary = base64).
// Avro/Protobuf/JSON Schema formats need a schema registry, which Strom does not have: 415.
import type { BrokerContext } from '../broker/context.js';
import type { Topic } from '../log/log-manager.js';
import { HttpError, Router, V2_JSON, intParam, json, objectBody, type HttpRequest } from './router.js';
import { produceRecords, type EmbeddedFormat, type ProduceRecord } from './records.js';
import { RestErrorCode } from './error-codes.js';

export function topicOrThrow(broker: BrokerContext, name: string): Topic {
  const topic = broker.logs.topic(name);
  if (!topic) throw new HttpError(404, RestErrorCode.TOPIC_NOT_FOUND, 'Topic not found.');
  return topic;
}

export function partitionOrThrow(broker: BrokerContext, topic: string, partition: string) {
  const t = topicOrThrow(broker, topic);
  const p = intParam(partition, 'partition');
  const log = t.partitions[p];
  if (!log) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, 'Partition not found.');
  return log;
}

/** The embedded format of a produce request's Content-Type. */
function produceFormat(contentType: string): EmbeddedFormat {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/vnd.kafka.binary.v2+json') return 'binary';
  if (type === 'application/vnd.kafka.json.v2+json' || type === 'application/json' || type === 'application/vnd.kafka.v2+json' || type === '') return 'json';
  throw new HttpError(415, RestErrorCode.UNSUPPORTED_MEDIA_TYPE, `HTTP 415 Unsupported Media Type: ${type} (Strom serves the json and binary embedded formats; schema formats need a schema registry)`);
}

function partitionJson(broker: BrokerContext, p: number) {
  return { partition: p, leader: broker.nodeId, replicas: [{ broker: broker.nodeId, leader: true, in_sync: true }] };
}

export function routesV2(router: Router, broker: () => BrokerContext): void {
  router.on('GET', '/topics', () => json([...broker().logs.topics.values()].filter((t) => !t.internal).map((t) => t.name).sort(), 200, V2_JSON));
  router.on('GET', '/topics/:topic', (req) => {
    const b = broker();
    const t = topicOrThrow(b, req.params.topic);
    const configs: Record<string, string> = { ...t.overrides };
    return json({ name: t.name, configs, partitions: t.partitions.map((_, p) => partitionJson(b, p)) }, 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions', (req) => {
    const b = broker();
    return json(topicOrThrow(b, req.params.topic).partitions.map((_, p) => partitionJson(b, p)), 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions/:partition', (req) => {
    const b = broker();
    return json(partitionJson(b, partitionOrThrow(b, req.params.topic, req.params.partition).partition), 200, V2_JSON);
  });
  router.on('GET', '/topics/:topic/partitions/:partition/offsets', (req) => {
    const log = partitionOrThrow(broker(), req.params.topic, req.params.partition);
    return json({ beginning_offset: log.logStartOffset, end_offset: log.logEndOffset }, 200, V2_JSON);
  });
  const produce = async (req: HttpRequest, partition: number | null) => {
    const b = broker();
    const format = produceFormat(req.contentType);
    const body = objectBody(req);
    topicOrThrow(b, req.params.topic);
    if (partition !== null) partitionOrThrow(b, req.params.topic, String(partition));
    if (!Array.isArray(body.records) || body.records.length === 0) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'records must be a non-empty array');
    const offsets = await produceRecords(b, req.params.topic, body.records as ProduceRecord[], format, partition);
    return json({ offsets, key_schema_id: null, value_schema_id: null }, 200, V2_JSON);
  };
  router.on('POST', '/topics/:topic', (req) => produce(req, null));
  router.on('POST', '/topics/:topic/partitions/:partition', (req) => produce(req, intParam(req.params.partition, 'partition')));
}
