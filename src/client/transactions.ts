// Transaction administration, as Kafka's admin client does it (KIP-664): ListTransactions
// (asked of every broker, as each lists the transactional ids it coordinates),
// DescribeTransactions at an id's coordinator, DescribeProducers at a partition's leader (or
// a named replica), and the abort of a hanging transaction: an ABORT marker written with
// WriteTxnMarkers to the partition's leader for the producer whose transaction is open there.
import { ListTransactionsApi } from '../protocol/generated/list-transactions.js';
import { DescribeTransactionsApi } from '../protocol/generated/describe-transactions.js';
import { DescribeProducersApi } from '../protocol/generated/describe-producers.js';
import { WriteTxnMarkersApi } from '../protocol/generated/write-txn-markers.js';
import { ErrorCode, KafkaError, check } from '../protocol/errors.js';
import type { Cluster } from './cluster.js';

interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: string;
  /** The broker that coordinates it. */
  coordinatorId: number;
}

interface ListFilters {
  states?: string[];
  producerIds?: number[];
  /** Only transactions running longer than this (ListTransactions v1, KIP-994); -1: all. */
  durationMs?: number;
}

/** Every broker's transactional ids, sorted by id. */
export async function listTransactions(cluster: Cluster, filters: ListFilters = {}): Promise<TransactionListing[]> {
  await cluster.metadata([]);
  const all: TransactionListing[] = [];
  await Promise.all(cluster.knownBrokers().map(async (b) => {
    const c = await cluster.connect(b.host, b.port);
    const durationMs = filters.durationMs ?? -1;
    const v = c.version(ListTransactionsApi, durationMs >= 0 ? 1 : 0, 1);
    const res = await c.send(ListTransactionsApi, v, { stateFilters: filters.states ?? [], producerIdFilters: filters.producerIds ?? [], durationFilter: durationMs });
    check(res.errorCode, `listing transactions on broker ${b.nodeId}`);
    if (res.unknownStateFilters.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, null, `unknown transaction states: ${res.unknownStateFilters.join(', ')}`);
    for (const t of res.transactionStates) all.push({ transactionalId: t.transactionalId, producerId: t.producerId, state: t.transactionState, coordinatorId: b.nodeId });
  }));
  return all.sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
}

export interface TransactionDescription {
  transactionalId: string;
  coordinatorId: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** null: no transaction running. */
  transactionStartTimeMs: number | null;
  /** "topic-partition", as Kafka's TopicPartition prints. */
  topicPartitions: string[];
}

/** A transactional id's state at its coordinator (TRANSACTIONAL_ID_NOT_FOUND for an unknown one). */
export async function describeTransaction(cluster: Cluster, transactionalId: string): Promise<TransactionDescription> {
  const c = await cluster.coordinator(transactionalId, 1);
  const res = await c.send(DescribeTransactionsApi, c.version(DescribeTransactionsApi, 0, 0), { transactionalIds: [transactionalId] });
  const t = res.transactionStates[0];
  if (!t) throw new Error(`DescribeTransactions for ${transactionalId} returned nothing`);
  check(t.errorCode, `describing transactional id ${transactionalId}`);
  return {
    transactionalId, coordinatorId: cluster.coordinatorIds.get(transactionalId) ?? -1, state: t.transactionState,
    producerId: t.producerId, producerEpoch: t.producerEpoch, transactionTimeoutMs: t.transactionTimeoutMs,
    transactionStartTimeMs: t.transactionStartTimeMs < 0 ? null : t.transactionStartTimeMs,
    topicPartitions: t.topics.flatMap((d) => d.partitions.map((p) => `${d.topic}-${p}`)),
  };
}

export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** -1: no marker written for it yet. */
  coordinatorEpoch: number;
  /** The first offset of its open transaction; null: none open. */
  currentTransactionStartOffset: number | null;
}

/** The active producers of a partition, at its leader or at broker `brokerId`. */
export async function describeProducers(cluster: Cluster, topic: string, partition: number, brokerId?: number): Promise<ProducerState[]> {
  const target = brokerId ?? (await leaderOf(cluster, topic, partition));
  const c = await cluster.broker(target);
  const res = await c.send(DescribeProducersApi, c.version(DescribeProducersApi, 0, 0), { topics: [{ name: topic, partitionIndexes: [partition] }] });
  const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
  if (!p) throw new Error(`DescribeProducers for ${topic}-${partition} returned nothing`);
  check(p.errorCode, `describing the producers of ${topic}-${partition}`, p.errorMessage);
  return p.activeProducers.map((s) => ({
    producerId: s.producerId, producerEpoch: s.producerEpoch, lastSequence: s.lastSequence, lastTimestamp: s.lastTimestamp,
    coordinatorEpoch: s.coordinatorEpoch, currentTransactionStartOffset: s.currentTxnStartOffset < 0 ? null : s.currentTxnStartOffset,
  }));
}

interface AbortSpec {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
}

/** Writes an ABORT marker for the producer's transaction on the partition (at its leader). */
export async function abortTransaction(cluster: Cluster, spec: AbortSpec): Promise<void> {
  const c = await cluster.broker(await leaderOf(cluster, spec.topic, spec.partition));
  const res = await c.send(WriteTxnMarkersApi, c.version(WriteTxnMarkersApi, 0, 1), {
    markers: [{
      producerId: spec.producerId, producerEpoch: spec.producerEpoch, transactionResult: false, coordinatorEpoch: spec.coordinatorEpoch,
      topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }],
    }],
  });
  const code = res.markers[0]?.topics[0]?.partitions[0]?.errorCode;
  if (code === undefined) throw new Error(`WriteTxnMarkers for ${spec.topic}-${spec.partition} returned nothing`);
  check(code, `aborting the transaction of producer ${spec.producerId} on ${spec.topic}-${spec.partition}`);
}

async function leaderOf(cluster: Cluster, topic: string, partition: number): Promise<number> {
  const info = await cluster.topic(topic);
  const p = info.partitions.find((x) => x.partition === partition);
  if (!p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, `partition ${topic}-${partition}`);
  if (p.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, `partition ${topic}-${partition}`);
  return p.leader;
}
