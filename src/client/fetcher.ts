// Fetching: one Fetch per leader for the partitions it leads, long-polled (maxWaitMs), the
// record batches decoded by the core. Records before the requested offset (a compressed
// batch starts earlier) and control batches are dropped; with read_committed, batches of
// aborted transactions too (the Java consumer's rule: an aborted producer's batches are
// skipped from the transaction's first offset until its abort marker).
import { decodeBatches, type Core, type DecodedRecord } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { FetchApi } from '../protocol/generated/fetch.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID, recordBytes } from '../protocol/codec.js';
import type { Cluster } from './cluster.js';

interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: number;
}

export interface FetchedRecord extends DecodedRecord {
  topic: string;
  partition: number;
}

interface PartitionFetch {
  topic: string;
  partition: number;
  records: FetchedRecord[];
  highWatermark: number;
  /** The offset to fetch next. */
  nextOffset: number;
  errorCode: number;
}

export interface Position {
  topic: string;
  partition: number;
  offset: number;
}

export class Fetcher {
  private readonly options: Required<FetchOptions>;

  constructor(private readonly cluster: Cluster, private readonly core: Core, options: FetchOptions = {}) {
    this.options = {
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
      partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
      isolationLevel: options.isolationLevel ?? 0,
    };
  }

  /** Leader of each position's partition, from fresh metadata. */
  private async leaders(positions: Position[]): Promise<Map<number, Position[]>> {
    const topics = [...new Set(positions.map((p) => p.topic))];
    const md = await this.cluster.metadata(topics);
    const byLeader = new Map<number, Position[]>();
    for (const pos of positions) {
      const t = md.topics.find((x) => x.name === pos.topic);
      const p = t?.partitions.find((x) => x.partition === pos.partition);
      if (!t || !p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, `partition ${pos.topic}-${pos.partition}`);
      let list = byLeader.get(p.leader);
      if (!list) byLeader.set(p.leader, (list = []));
      list.push(pos);
    }
    return byLeader;
  }

  /** One round: a Fetch to every leader involved, in parallel. */
  async fetch(positions: Position[]): Promise<PartitionFetch[]> {
    await initCompression(); // the batches may be in any codec
    const byLeader = await this.leaders(positions);
    const results = await Promise.all([...byLeader].map(([leader, ps]) => this.fetchFrom(leader, ps)));
    return results.flat();
  }

  private async fetchFrom(leader: number, positions: Position[]): Promise<PartitionFetch[]> {
    const c = await this.cluster.broker(leader);
    const v = c.version(FetchApi, 4, 12);
    const topics = new Map<string, Position[]>();
    for (const p of positions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
    const o = this.options;
    const res = await c.send(FetchApi, v, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: o.maxWaitMs,
      minBytes: o.minBytes,
      maxBytes: o.maxBytes,
      isolationLevel: o.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics].map(([topic, ps]) => ({
        topic,
        topicId: ZERO_UUID,
        partitions: ps.map((p) => ({
          partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1,
          logStartOffset: -1, partitionMaxBytes: o.partitionMaxBytes, replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    }, { timeoutMs: o.maxWaitMs + 30_000 });
    if (res.errorCode !== 0) throw new KafkaError(res.errorCode, null, `fetch from broker ${leader}`);
    const out: PartitionFetch[] = [];
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const requested = positions.find((x) => x.topic === t.topic && x.partition === p.partitionIndex)!;
        const fetched: PartitionFetch = { topic: t.topic, partition: p.partitionIndex, records: [], highWatermark: p.highWatermark, nextOffset: requested.offset, errorCode: p.errorCode };
        out.push(fetched);
        const records = recordBytes(p.records);
        if (p.errorCode !== 0 || !records || records.length === 0) continue;
        const aborted = [...(p.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
        const abortedProducers = new Set<number>();
        for (const batch of decodeBatches(this.core, records, codecs)) {
          const h = batch.header;
          fetched.nextOffset = Math.max(fetched.nextOffset, h.lastOffset + 1);
          if (o.isolationLevel === 1 && h.isTransactional) {
            while (aborted.length && aborted[0].firstOffset <= h.lastOffset) abortedProducers.add(aborted.shift()!.producerId);
            if (h.isControl) {
              abortedProducers.delete(h.producerId);
              continue;
            }
            if (abortedProducers.has(h.producerId)) continue;
          }
          if (h.isControl) continue;
          for (const r of batch.records) {
            if (r.offset >= requested.offset) fetched.records.push({ ...r, topic: t.topic, partition: p.partitionIndex });
          }
        }
      }
    }
    return out;
  }
}
