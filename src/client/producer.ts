// Producing: records are grouped per partition into record batches (built by the core,
// compressed with Kafka's codecs) and sent to each partition's leader, a bounded number of
// Produce requests in flight per leader. Keyed records go where the Java client puts them
// (murmur2 of the key, KIP-480's sticky choice for unkeyed ones).
import { buildBatch, type Core, type RecordInput } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { ProduceApi, type ProduceResponse } from '../protocol/generated/produce.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Cluster, TopicInfo } from './cluster.js';
import { sleep } from './cluster.js';
import { check } from './errors.js';

export interface ProducerOptions {
  /** 0, 1 or -1 (all). */
  acks?: number;
  /** Codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression?: number;
  /** How long the broker may wait for acks. */
  timeoutMs?: number;
  /** A batch is closed at this many bytes of keys and values (Kafka's batch.size). */
  batchBytes?: number;
  /** Produce requests in flight per leader (max.in.flight.requests.per.connection). */
  maxInFlight?: number;
}

export interface ProducerRecord extends RecordInput {
  partition?: number;
}

export interface SendResult {
  partition: number;
  /** -1 with acks=0. */
  baseOffset: number;
  count: number;
}

/** Kafka's murmur2 (Utils.murmur2), as the Java client hashes keys to partitions. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const at = length & ~3;
  if (rest === 3) h ^= (data[at + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[at + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[at] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The Java client's partition for a key: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

const encoder = new TextEncoder();

export class Producer {
  private readonly acks: number;
  private readonly compression: number;
  private readonly timeoutMs: number;
  private readonly batchBytes: number;
  private readonly maxInFlight: number;
  private topics = new Map<string, TopicInfo>();
  private sticky = new Map<string, number>();
  private inFlight = new Map<number, Promise<unknown>[]>();

  constructor(private readonly cluster: Cluster, private readonly core: Core, options: ProducerOptions = {}) {
    this.acks = options.acks ?? -1;
    this.compression = options.compression ?? 0;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.batchBytes = options.batchBytes ?? 1024 * 1024;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 5);
  }

  private async topic(name: string): Promise<TopicInfo> {
    let t = this.topics.get(name);
    if (!t) {
      // Like Kafka's producer, a Metadata lookup may auto-create the topic.
      for (let attempt = 0; ; attempt++) {
        const md = await this.cluster.metadata([name], true);
        const found = md.topics.find((x) => x.name === name);
        const retriable = !found || found.errorCode === ErrorCode.LEADER_NOT_AVAILABLE || found.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          || found.partitions.length === 0 || found.partitions.some((p) => p.leader < 0);
        if (retriable && attempt < 5) {
          await sleep(100 * (attempt + 1));
          continue;
        }
        if (!found) throw new Error(`topic ${name} not in metadata`);
        check(found.errorCode, `topic ${name}`);
        t = found;
        break;
      }
      this.topics.set(name, t);
    }
    return t;
  }

  private partitionOf(topic: TopicInfo, record: ProducerRecord): number {
    const n = topic.partitions.length;
    if (record.partition !== undefined) {
      if (record.partition < 0 || record.partition >= n) throw new Error(`topic ${topic.name} has no partition ${record.partition} (it has ${n})`);
      return record.partition;
    }
    if (record.key !== null && record.key !== undefined) {
      return partitionForKey(typeof record.key === 'string' ? encoder.encode(record.key) : record.key, n);
    }
    let p = this.sticky.get(topic.name);
    if (p === undefined) {
      p = Math.floor(Math.random() * n);
      this.sticky.set(topic.name, p);
    }
    return p;
  }

  /**
   * Sends records to `topic`: one batch per partition per call (callers chunk big inputs).
   * Resolves when the broker acknowledged every batch (or, with acks=0, when written).
   */
  async send(topicName: string, records: ProducerRecord[]): Promise<SendResult[]> {
    if (records.length === 0) return [];
    if (this.compression === 4) await initCompression();
    const topic = await this.topic(topicName);
    const byPartition = new Map<number, RecordInput[]>();
    for (const r of records) {
      const p = this.partitionOf(topic, r);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    }
    // KIP-480: an unkeyed batch moves the sticky partition on once it is sent.
    if (this.sticky.has(topicName) && topic.partitions.length > 1) this.sticky.set(topicName, (this.sticky.get(topicName)! + 1) % topic.partitions.length);
    const byLeader = new Map<number, { partition: number; batch: Uint8Array; count: number }[]>();
    for (const [partition, list] of byPartition) {
      const leader = topic.partitions.find((x) => x.partition === partition)!.leader;
      const batch = buildBatch(this.core, list, { compression: this.compression, codecs });
      let group = byLeader.get(leader);
      if (!group) byLeader.set(leader, (group = []));
      group.push({ partition, batch, count: list.length });
    }
    const results: SendResult[] = [];
    await Promise.all([...byLeader].map(async ([leader, batches]) => {
      const c = await this.cluster.broker(leader);
      const v = c.version(ProduceApi, 3, 9);
      // Bound the requests in flight to this leader: wait for the oldest.
      const queue = this.inFlight.get(leader) ?? [];
      this.inFlight.set(leader, queue);
      while (queue.length >= this.maxInFlight) await queue.shift()!.catch(() => {});
      const request = c.send(ProduceApi, v, {
        transactionalId: null,
        acks: this.acks,
        timeoutMs: this.timeoutMs,
        topicData: [{ name: topicName, partitionData: batches.map((b) => ({ index: b.partition, records: Buffer.from(b.batch.buffer, b.batch.byteOffset, b.batch.length) })) }],
      }, { noResponse: this.acks === 0, timeoutMs: this.timeoutMs + 5000 });
      queue.push(request);
      let res: ProduceResponse | undefined;
      try {
        res = await request;
      } finally {
        const at = queue.indexOf(request);
        if (at >= 0) queue.splice(at, 1);
      }
      if (this.acks === 0 || !res) {
        for (const b of batches) results.push({ partition: b.partition, baseOffset: -1, count: b.count });
        return;
      }
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          check(p.errorCode, `producing to ${t.name}-${p.index}`, p.errorMessage);
          results.push({ partition: p.index, baseOffset: p.baseOffset, count: batches.find((b) => b.partition === p.index)?.count ?? 0 });
        }
      }
    }));
    return results;
  }

  /** Bytes of keys and values after which a caller should close a batch. */
  get maxBatchBytes(): number {
    return this.batchBytes;
  }
}
