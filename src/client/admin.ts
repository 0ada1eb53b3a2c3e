// Admin operations: topics, partitions, configs and offsets by time. Each takes a Cluster
// and speaks only standard protocol: CreateTopics/DeleteTopics/CreatePartitions go to the
// controller, DescribeConfigs/AlterConfigs for a broker go to that broker, ListOffsets to
// each partition's leader, DescribeTopicPartitions (or Metadata) to any broker.
import { CreateTopicsApi } from '../protocol/generated/create-topics.js';
import { DeleteTopicsApi } from '../protocol/generated/delete-topics.js';
import { CreatePartitionsApi } from '../protocol/generated/create-partitions.js';
import { DescribeConfigsApi } from '../protocol/generated/describe-configs.js';
import { IncrementalAlterConfigsApi } from '../protocol/generated/incremental-alter-configs.js';
import { AlterConfigsApi } from '../protocol/generated/alter-configs.js';
import { ListOffsetsApi } from '../protocol/generated/list-offsets.js';
import { DescribeTopicPartitionsApi, type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse } from '../protocol/generated/describe-topic-partitions.js';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import type { Cluster, TopicInfo } from './cluster.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;
/** Kafka's ConfigSource ids, by name as kafka-configs.sh prints them. */
const CONFIG_SOURCES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'CLIENT_METRICS_CONFIG'];

export const LATEST = -1;
export const EARLIEST = -2;
export const MAX_TIMESTAMP = -3;

interface NewTopic {
  name: string;
  /** -1: the broker's default (num.partitions). */
  partitions?: number;
  /** -1: the broker's default. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

interface CreateTopicsOptions {
  timeoutMs?: number;
  /** TOPIC_ALREADY_EXISTS is not an error. */
  ifNotExists?: boolean;
}

/** Creates topics; returns the names actually created. */
export async function createTopics(cluster: Cluster, topics: NewTopic[], options: CreateTopicsOptions = {}): Promise<string[]> {
  const c = await cluster.controller();
  const v = c.version(CreateTopicsApi, 0, 7);
  const useDefaults = v >= 4; // KIP-464: -1 means the broker's default
  const res = await c.send(CreateTopicsApi, v, {
    timeoutMs: options.timeoutMs ?? 30_000,
    validateOnly: false,
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.partitions ?? (useDefaults ? -1 : 1),
      replicationFactor: t.replicationFactor ?? (useDefaults ? -1 : 1),
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
  });
  const created: string[] = [];
  for (const r of res.topics) {
    if (r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists) continue;
    check(r.errorCode, `creating topic ${r.name}`, r.errorMessage);
    created.push(r.name);
  }
  return created;
}

/** Deletes topics by name, or (`{ topicId }`, DeleteTopics v6+) by topic id. */
export async function deleteTopics(cluster: Cluster, topics: (string | { topicId: string })[], timeoutMs = 30_000): Promise<void> {
  const c = await cluster.controller();
  const byId = topics.some((t) => typeof t !== 'string');
  const v = c.version(DeleteTopicsApi, byId ? 6 : 0, 6);
  const res = await c.send(DeleteTopicsApi, v, {
    topics: v >= 6 ? topics.map((t) => (typeof t === 'string' ? { name: t, topicId: ZERO_UUID } : { name: null, topicId: t.topicId })) : [],
    topicNames: v < 6 ? topics as string[] : [],
    timeoutMs,
  });
  for (const r of res.responses) check(r.errorCode, `deleting topic ${r.name ?? r.topicId}`, r.errorMessage);
}

/** Partitions per DescribeTopicPartitions response asked for (Kafka's admin client default). */
const DESCRIBE_PAGE_PARTITIONS = 2000;

/**
 * Topics by name, with their ids and partitions: DescribeTopicPartitions, page by page
 * along its cursor, when the broker serves it (as Kafka 3.9's admin client), else
 * Metadata. Topics that do not exist come back with their error code.
 */
export async function describeTopics(cluster: Cluster, names: string[]): Promise<TopicInfo[]> {
  if (names.length === 0) return [];
  const c = await cluster.any();
  if (!c.serves(DescribeTopicPartitionsApi.key)) return (await cluster.metadata(names)).topics;
  const v = c.version(DescribeTopicPartitionsApi, 0, 0);
  const found = new Map<string, TopicInfo>();
  let cursor: DescribeTopicPartitionsRequest.Cursor | null = null;
  for (;;) {
    const res: DescribeTopicPartitionsResponse = await c.send(DescribeTopicPartitionsApi, v, { topics: names.map((name) => ({ name })), responsePartitionLimit: DESCRIBE_PAGE_PARTITIONS, cursor });
    for (const t of res.topics) {
      const name = t.name ?? '';
      const info: TopicInfo = found.get(name) ?? { name, topicId: t.topicId, errorCode: t.errorCode, isInternal: t.isInternal, partitions: [] };
      for (const p of t.partitions) {
        info.partitions.push({
          partition: p.partitionIndex, errorCode: p.errorCode, leader: p.leaderId, leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes, isr: p.isrNodes, offline: p.offlineReplicas,
        });
      }
      found.set(name, info);
    }
    const next: DescribeTopicPartitionsRequest.Cursor | null = res.nextCursor;
    if (next === null) break;
    // Each page must move on: a cursor that goes nowhere would loop for ever.
    if (cursor && (next.topicName < cursor.topicName || (next.topicName === cursor.topicName && next.partitionIndex <= cursor.partitionIndex))) {
      throw new Error(`DescribeTopicPartitions did not move on from ${cursor.topicName}-${cursor.partitionIndex}`);
    }
    cursor = next;
  }
  for (const t of found.values()) t.partitions.sort((a, b) => a.partition - b.partition);
  return [...found.values()];
}

/** Grows `topic` to `count` partitions. */
export async function createPartitions(cluster: Cluster, topic: string, count: number, timeoutMs = 30_000): Promise<void> {
  const c = await cluster.controller();
  const v = c.version(CreatePartitionsApi, 0, 3);
  const res = await c.send(CreatePartitionsApi, v, { topics: [{ name: topic, count, assignments: null }], timeoutMs, validateOnly: false });
  for (const r of res.results) check(r.errorCode, `adding partitions to ${r.name}`, r.errorMessage);
}

interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  source: string;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: string }[];
}

/** The connection a config resource's requests go to: its broker, or any broker for topics. */
async function configTarget(cluster: Cluster, resourceType: number, resourceName: string) {
  return resourceType === RESOURCE_BROKER && /^\d+$/.test(resourceName) ? cluster.broker(Number(resourceName)) : cluster.any();
}

/** DescribeConfigs for one resource (every key when `keys` is null). */
export async function describeConfigs(cluster: Cluster, resourceType: number, resourceName: string, keys: string[] | null = null): Promise<ConfigEntry[]> {
  const c = await configTarget(cluster, resourceType, resourceName);
  const v = c.version(DescribeConfigsApi, 0, 4);
  const res = await c.send(DescribeConfigsApi, v, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: v >= 1,
    includeDocumentation: false,
  });
  const r = res.results[0];
  if (!r) throw new Error(`DescribeConfigs for ${resourceName} returned no result`);
  check(r.errorCode, `describing configs of ${resourceName}`, r.errorMessage);
  return r.configs.map((e) => ({
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    // v0 has isDefault; v1+ has the source (5 = DEFAULT_CONFIG).
    isDefault: v >= 1 ? e.configSource === 5 : e.isDefault,
    source: v >= 1 ? (CONFIG_SOURCES[e.configSource] ?? `SOURCE_${e.configSource}`) : (e.isDefault ? 'DEFAULT_CONFIG' : 'UNKNOWN'),
    isSensitive: e.isSensitive,
    synonyms: e.synonyms.map((s) => ({ name: s.name, value: s.value, source: CONFIG_SOURCES[s.source] ?? `SOURCE_${s.source}` })),
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Sets and removes config keys of one resource: IncrementalAlterConfigs (KIP-339), or, for
 * brokers without it, AlterConfigs with the resource's current dynamic keys merged in
 * (AlterConfigs replaces the whole set).
 */
export async function alterConfigs(cluster: Cluster, resourceType: number, resourceName: string, set: Record<string, string>, remove: string[]): Promise<void> {
  const c = await configTarget(cluster, resourceType, resourceName);
  if (c.serves(IncrementalAlterConfigsApi.key)) {
    const v = c.version(IncrementalAlterConfigsApi, 0, 1);
    const res = await c.send(IncrementalAlterConfigsApi, v, {
      validateOnly: false,
      resources: [{
        resourceType,
        resourceName,
        configs: [
          ...Object.entries(set).map(([name, value]) => ({ name, configOperation: 0, value })),
          ...remove.map((name) => ({ name, configOperation: 1, value: null })),
        ],
      }],
    });
    for (const r of res.responses) check(r.errorCode, `altering configs of ${r.resourceName}`, r.errorMessage);
    return;
  }
  const dynamicSource = resourceType === RESOURCE_TOPIC ? 'DYNAMIC_TOPIC_CONFIG' : 'DYNAMIC_BROKER_CONFIG';
  const current = (await describeConfigs(cluster, resourceType, resourceName)).filter((e) => e.source === dynamicSource && !e.isSensitive);
  const merged = new Map(current.map((e) => [e.name, e.value]));
  for (const k of remove) merged.delete(k);
  for (const [k, val] of Object.entries(set)) merged.set(k, val);
  const v = c.version(AlterConfigsApi, 0, 2);
  const res = await c.send(AlterConfigsApi, v, {
    validateOnly: false,
    resources: [{ resourceType, resourceName, configs: [...merged].map(([name, value]) => ({ name, value })) }],
  });
  for (const r of res.responses) check(r.errorCode, `altering configs of ${r.resourceName}`, r.errorMessage);
}

interface PartitionOffset {
  topic: string;
  partition: number;
  /** -1 when no offset matches (a timestamp after every record). */
  offset: number;
  timestamp: number;
}

/**
 * ListOffsets: for each partition, the offset at `timestamp` (LATEST, EARLIEST, or the first
 * record at or after a time in ms). Partitions default to all of the topic's.
 */
export async function listOffsets(cluster: Cluster, topic: string, timestamp: number, partitions?: number[], isolationLevel = 0): Promise<PartitionOffset[]> {
  const info = await cluster.topic(topic);
  const wanted = partitions ?? info.partitions.map((p) => p.partition);
  const byLeader = new Map<number, number[]>();
  for (const p of wanted) {
    const meta = info.partitions.find((x) => x.partition === p);
    if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, `partition ${topic}-${p}`);
    if (meta.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, `partition ${topic}-${p}`);
    byLeader.set(meta.leader, [...(byLeader.get(meta.leader) ?? []), p]);
  }
  const out: PartitionOffset[] = [];
  await Promise.all([...byLeader].map(async ([leader, ps]) => {
    const c = await cluster.broker(leader);
    const v = c.version(ListOffsetsApi, 1, 7);
    const res = await c.send(ListOffsetsApi, v, {
      replicaId: -1,
      isolationLevel: v >= 2 ? isolationLevel : 0,
      topics: [{ name: topic, partitions: ps.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 })) }],
    });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        check(p.errorCode, `offsets of ${t.name}-${p.partitionIndex}`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp });
      }
    }
  }));
  return out.sort((a, b) => a.partition - b.partition);
}
