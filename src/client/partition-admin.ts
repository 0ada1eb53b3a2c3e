// Admin operations on partitions' replicas: leader elections (ElectLeaders, KIP-460) and
// reassignments (AlterPartitionReassignments, ListPartitionReassignments, KIP-455). They go to
// the controller, as Kafka's admin client sends them; a NOT_CONTROLLER answer (the controller
// moved) refreshes the metadata and tries the new one, a bounded number of times.
import { setTimeout as sleep } from 'node:timers/promises';
import { ElectLeadersApi } from '../protocol/generated/elect-leaders.js';
import { AlterPartitionReassignmentsApi } from '../protocol/generated/alter-partition-reassignments.js';
import { ListPartitionReassignmentsApi } from '../protocol/generated/list-partition-reassignments.js';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One partition's answer: errorCode 0, or the error and the broker's message. */
interface PartitionOutcome extends TopicPartition {
  errorCode: number;
  errorMessage: string | null;
}

export interface Reassignment extends TopicPartition {
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** Kafka's ElectionType. */
export type ElectionType = 'PREFERRED' | 'UNCLEAN';

/** Runs `request` at the controller; NOT_CONTROLLER (thrown or answered) tries again at the controller the metadata names next. */
async function atController<T>(cluster: Cluster, request: (c: Connection) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request(await cluster.controller());
    } catch (e) {
      if (!(e instanceof KafkaError) || e.code !== ErrorCode.NOT_CONTROLLER || attempt >= cluster.retries) throw e;
      await sleep(100 * (attempt + 1));
      await cluster.metadata([]);
    }
  }
}

function group(partitions: TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return byTopic;
}

/**
 * Elects leaders of `partitions` (null: every partition; the answer then names only those
 * that needed an election). Returns each partition's outcome: ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE and the like are outcomes, not thrown.
 */
export function electLeaders(cluster: Cluster, type: ElectionType, partitions: TopicPartition[] | null, timeoutMs = 30_000): Promise<PartitionOutcome[]> {
  return atController(cluster, async (c) => {
    const v = c.version(ElectLeadersApi, type === 'UNCLEAN' ? 1 : 0, 2);
    const res = await c.send(ElectLeadersApi, v, {
      electionType: type === 'UNCLEAN' ? 1 : 0,
      topicPartitions: partitions === null ? null : [...group(partitions)].map(([topic, list]) => ({ topic, partitions: list })),
      timeoutMs,
    }, { timeoutMs: timeoutMs + 5000 });
    check(res.errorCode, 'electing leaders');
    const out: PartitionOutcome[] = [];
    for (const t of res.replicaElectionResults) {
      for (const p of t.partitionResult) {
        if (p.errorCode === ErrorCode.NOT_CONTROLLER) throw new KafkaError(p.errorCode, p.errorMessage, 'electing leaders');
        out.push({ topic: t.topic, partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage });
      }
    }
    return out;
  });
}

/** Starts reassignments to `replicas` (null: cancels the partition's). Returns each partition's outcome. */
export function alterPartitionReassignments(cluster: Cluster, changes: (TopicPartition & { replicas: number[] | null })[], timeoutMs = 30_000): Promise<PartitionOutcome[]> {
  return atController(cluster, async (c) => {
    const byTopic = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
    for (const ch of changes) byTopic.set(ch.topic, [...(byTopic.get(ch.topic) ?? []), { partitionIndex: ch.partition, replicas: ch.replicas }]);
    const res = await c.send(AlterPartitionReassignmentsApi, c.version(AlterPartitionReassignmentsApi, 0, 0), {
      timeoutMs, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    }, { timeoutMs: timeoutMs + 5000 });
    check(res.errorCode, 'reassigning partitions', res.errorMessage);
    return res.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode, errorMessage: p.errorMessage })));
  });
}

/**
 * The reassignments in progress of `partitions` (null: all), sorted by topic and partition.
 * `ifServed`: none from a broker that does not serve ListPartitionReassignments (as Kafka's
 * topic tool treats an older broker).
 */
export function listPartitionReassignments(cluster: Cluster, partitions: TopicPartition[] | null = null, { ifServed = false, timeoutMs = 30_000 } = {}): Promise<Reassignment[]> {
  return atController(cluster, async (c) => {
    if (ifServed && !c.serves(ListPartitionReassignmentsApi.key)) return [];
    const res = await c.send(ListPartitionReassignmentsApi, c.version(ListPartitionReassignmentsApi, 0, 0), {
      timeoutMs, topics: partitions === null ? null : [...group(partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    }, { timeoutMs: timeoutMs + 5000 });
    check(res.errorCode, 'listing partition reassignments', res.errorMessage);
    return res.topics
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding: p.addingReplicas, removing: p.removingReplicas })))
      .sort(byTopicPartition);
  });
}

/** Kafka's tools' order: by topic name, then partition. */
export function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
