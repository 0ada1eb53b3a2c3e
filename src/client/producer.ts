// Producing: records are grouped per partition into record batches (built by the core,
// compressed with Kafka's codecs) and sent to each partition's leader, a bounded number of
// Produce requests in flight per leader. Keyed records go where the Java client puts them
// (murmur2 of the key, KIP-480's sticky choice for unkeyed ones).
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBatch, type Core, type RecordInput } from '../core/index.js';
import { ZSTD, codecs, initCompression } from '../compression/codecs.js';
import { ProduceApi, type ProduceResponse } from '../protocol/generated/produce.js';
import { ErrorCode, check } from '../protocol/errors.js';
import { partitionForKey } from '../protocol/partitioner.js';
import type { Cluster, TopicInfo } from './cluster.js';

interface ProducerOptions {
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

interface SendResult {
  partition: number;
  /** -1 with acks=0. */
  baseOffset: number;
  count: number;
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
    if (this.compression === ZSTD) await initCompression();
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
