// The records of __transaction_state, in Kafka's layouts (so Kafka's tools can read the
// topic): the key is a transactional id, the value its state (TransactionLogValue), each
// prefixed by its int16 version. A null value is a tombstone: the id expired. The field
// layouts are generated from tools/kafka-protocol/records/; this file adds the version prefix
// and the mapping to TxnState.
import { Reader, Writer } from '../protocol/codec.js';
import { readTransactionLogKey, writeTransactionLogKey } from '../protocol/generated/transaction-log-key.js';
import { readTransactionLogValue, writeTransactionLogValue, type TransactionLogValue } from '../protocol/generated/transaction-log-value.js';
import { stateById, type TxnSnapshot } from './state.js';

const KEY_VERSION = 0;
/** v0: what Kafka 3.x writes (v1, flexible, carries transactions V2's tagged fields). */
const VALUE_VERSION = 0;
const MAX_VALUE_VERSION = 1;

export function txnKey(transactionalId: string): Buffer {
  const w = new Writer(16 + transactionalId.length * 3);
  w.int16(KEY_VERSION);
  writeTransactionLogKey(w, KEY_VERSION, { transactionalId });
  return w.toBuffer();
}

/** The transactional id of a key, or null for a key version Strom does not know (skipped on load, as Kafka does). */
export function readTxnKey(bytes: Uint8Array): string | null {
  const r = reader(bytes);
  const version = r.int16();
  if (version !== KEY_VERSION) return null;
  return readTransactionLogKey(r, version).transactionalId;
}

export function txnValue(s: TxnSnapshot): Buffer {
  // Kafka writes no partitions (null) in the Empty state, and groups them by topic.
  const byTopic = new Map<string, number[]>();
  for (const tp of s.partitions) {
    const at = tp.lastIndexOf(':');
    const topic = tp.slice(0, at);
    let ids = byTopic.get(topic);
    if (!ids) byTopic.set(topic, (ids = []));
    ids.push(Number(tp.slice(at + 1)));
  }
  const value: TransactionLogValue = {
    producerId: s.producerId,
    previousProducerId: -1,
    nextProducerId: -1,
    producerEpoch: s.producerEpoch,
    transactionTimeoutMs: s.txnTimeoutMs,
    transactionStatus: s.state.id,
    transactionPartitions: s.state.name === 'Empty' ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: s.lastUpdateTimestamp,
    transactionStartTimestampMs: s.startTimestamp,
    clientTransactionVersion: 0,
  };
  const w = new Writer(64);
  w.int16(VALUE_VERSION);
  writeTransactionLogValue(w, VALUE_VERSION, value);
  return w.toBuffer();
}

/** A stored state; throws on a value version or state id Strom does not know (Kafka fails the load too). */
export function readTxnValue(bytes: Uint8Array): TxnSnapshot {
  const r = reader(bytes);
  const version = r.int16();
  if (version < 0 || version > MAX_VALUE_VERSION) throw new Error(`unknown __transaction_state value version ${version}`);
  const v = readTransactionLogValue(r, version);
  const state = stateById(v.transactionStatus);
  const partitions = state.name === 'Empty' ? [] : (v.transactionPartitions ?? []).flatMap((t) => t.partitionIds.map((p) => topicPartition(t.topic, p)));
  return {
    producerId: v.producerId, producerEpoch: v.producerEpoch, txnTimeoutMs: v.transactionTimeoutMs, state, partitions,
    lastUpdateTimestamp: v.transactionLastUpdateTimestampMs, startTimestamp: v.transactionStartTimestampMs,
  };
}

/** A partition as the coordinator keys it: "topic:partition" (a topic name has no ':'). */
export function topicPartition(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function splitTopicPartition(tp: string): { topic: string; partition: number } {
  const at = tp.lastIndexOf(':');
  return { topic: tp.slice(0, at), partition: Number(tp.slice(at + 1)) };
}

function reader(bytes: Uint8Array): Reader {
  return new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}
