// One producer of the load harness (it runs in a worker thread: produce-worker.ts). It
// speaks Produce itself so it is never the bottleneck: record batches are built by the
// core before the clock starts, from a pool of random payloads (as the OpenMessaging
// Benchmark does), and each request carries one pre-built batch per target partition,
// up to --max-in-flight requests pipelined on the connection to each leader. Latency is
// a request's send-to-ack time, counted once per record it carries. A transactional producer
// (--transaction-records N) commits every N records: AddPartitionsToTxn before a partition's
// first batch in a transaction, then EndTxn once every request of it is answered; the time
// EndTxn takes is the commit latency.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomFillSync } from 'node:crypto';
import { ABI, Core, buildBatch, decodeBatchAt } from '../core/index.js';
import { ZSTD, codecs, initCompression } from '../compression/codecs.js';
import { ProduceApi, type ProduceResponse } from '../protocol/generated/produce.js';
import { BatchSequencer } from './sequencer.js';
import { initIdempotent, initTransactional, addPartitions, endTxn } from './producer-session.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { Connection } from '../client/connection.js';
import { ThroughputLimiter } from './limiter.js';
import { newHistogram, record, type Histogram } from './histogram.js';
import type { ClientSecurity } from '../client/security.js';

export interface LeaderTarget {
  host: string;
  port: number;
  partitions: number[];
}

export interface ProduceLoopConfig {
  topic: string;
  leaders: LeaderTarget[];
  numRecords: number;
  recordSize: number;
  /** Payloads to cycle through instead of random ones (--payload-file). */
  payloads?: Uint8Array[];
  /** Records per second for this producer; ≤ 0 unlimited. */
  throughput: number;
  acks: number;
  batchBytes: number;
  lingerMs: number;
  compression: number;
  maxInFlight: number;
  /** The loop stops at this many ms even if records are left. */
  maxDurationMs: number;
  requestTimeoutMs: number;
  /** Distinct pre-built batches per batch size (the pool). */
  poolBatches?: number;
  /** e2e: each value starts with the send time (float64 ms, performance.timeOrigin + now()) and batches are built at send time. */
  stampValues?: boolean;
  clientId?: string;
  /** TLS and SASL of every connection (--command-config). */
  security?: ClientSecurity;
  /** An idempotent producer (KIP-98): a producer id from InitProducerId, a sequence number per partition on every batch. */
  idempotent?: boolean;
  /**
   * Bytes of batches per Produce request (Kafka's max.request.size): each request carries
   * batches for the next partitions in turn up to it. 0: one batch for every partition.
   */
  maxRequestBytes?: number;
  /** A transactional producer (idempotent too) with this transactional id, committing every `records` records. */
  transaction?: { transactionalId: string; records: number };
}

interface ProduceProgress {
  /** Records acknowledged (or written, acks=0) since the last report. */
  records: number;
  bytes: number;
  errors: Record<string, number>;
  histogram: Histogram;
  /** Transactions committed since the last report, and how long each EndTxn took (µs). */
  commits: number;
  commitHistogram: Histogram;
}

/** A record's bytes besides its value in the harness's batches: length, attributes, deltas, key and header counts. */
const RECORD_OVERHEAD_BYTES = 12;

/** Records per batch: what fits in --batch-bytes at full speed; what --linger-ms gathers when capped. */
export function recordsPerBatch(config: Pick<ProduceLoopConfig, 'batchBytes' | 'recordSize' | 'throughput' | 'lingerMs'>, partitions: number): number {
  // Kafka's batch.size counts the batch as encoded: its header, and per record its value plus
  // at most RECORD_OVERHEAD_BYTES of attributes, varints and lengths (no key, no headers).
  const full = Math.max(1, Math.floor((config.batchBytes - ABI.BATCH_HEADER_SIZE) / (Math.max(1, config.recordSize) + RECORD_OVERHEAD_BYTES)));
  if (config.throughput <= 0) return full;
  const perLinger = Math.ceil((config.throughput * Math.max(1, config.lingerMs)) / 1000 / Math.max(1, partitions));
  return Math.max(1, Math.min(full, perLinger));
}

const now = () => performance.now();

/** A pre-built uncompressed batch and where each record's value starts in it (e2e). */
interface StampTemplate {
  batch: Buffer;
  valueOffsets: number[];
}

export function stampTemplate(core: Core, batch: Buffer): StampTemplate {
  core.resetArena();
  const ptr = core.copyIn(batch);
  const { desc, count } = decodeBatchAt(core, ptr, batch.length, undefined);
  const dv = core.mem.dv();
  const valueOffsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const d = desc + i * ABI.DESC_SIZE;
    if (dv.getInt32(d + ABI.D_VALUE_LEN, true) < 8) throw new Error('e2e needs values of at least 8 bytes');
    valueOffsets.push(dv.getInt32(d + ABI.D_VALUE_PTR, true) - ptr);
  }
  return { batch, valueOffsets };
}

/**
 * A copy of the template with the send time in the first 8 bytes of every value (float64
 * ms, performance.timeOrigin + now(): one clock for every thread of the process) and in the
 * batch's timestamps, its CRC-32C made again: no records are encoded at send time.
 */
export function stamp(core: Core, t: StampTemplate, sendMs: number): Buffer {
  const out = Buffer.allocUnsafe(t.batch.length);
  t.batch.copy(out);
  for (const at of t.valueOffsets) out.writeDoubleLE(sendMs, at);
  const ms = BigInt(Math.floor(sendMs));
  out.writeBigInt64BE(ms, ABI.BATCH_BASE_TIMESTAMP);
  out.writeBigInt64BE(ms, ABI.BATCH_MAX_TIMESTAMP); // every record's timestamp delta is 0
  out.writeUInt32BE(core.crc32c(out.subarray(ABI.BATCH_ATTRIBUTES)), ABI.BATCH_CRC);
  return out;
}

/**
 * Runs the loop; `onStart` is called once connections are open and the pool is built, when
 * the clock starts (as kafka-producer-perf-test's does: set-up is not in the figures).
 */
export async function runProduceLoop(config: ProduceLoopConfig, report: (p: ProduceProgress) => void, reportEveryMs = 1000, onStart: () => void = () => {}): Promise<void> {
  if (config.compression === ZSTD) await initCompression();
  const partitionCount = config.leaders.reduce((n, l) => n + l.partitions.length, 0);
  if (partitionCount === 0) throw new Error('no partitions to produce to');
  const perBatch = recordsPerBatch(config, partitionCount);
  const core = Core.create({ arenaBytes: Math.max(1 << 20, perBatch * (config.recordSize + 64) * 2 + (1 << 16)) });

  // The payload pool: random bytes, each record a slice at its own offset.
  const poolBytes = Buffer.allocUnsafe(Math.max(1 << 20, config.recordSize * 2));
  randomFillSync(poolBytes);
  let payloadCursor = 0;
  const nextPayload = (): Uint8Array => {
    if (config.payloads?.length) return config.payloads[payloadCursor++ % config.payloads.length];
    const at = Math.floor(Math.random() * (poolBytes.length - config.recordSize));
    return poolBytes.subarray(at, at + config.recordSize);
  };
  /** A batch of `count` pool payloads; with `stampMs`, each value a copy starting with it. */
  const build = (count: number, stampMs?: number): Buffer => {
    const records = new Array(count);
    for (let i = 0; i < count; i++) {
      let value = nextPayload();
      if (stampMs !== undefined) {
        const v = Buffer.alloc(Math.max(8, value.length));
        v.set(value.subarray(0, v.length));
        v.writeDoubleLE(stampMs, 0);
        value = v;
      }
      records[i] = { value };
    }
    const producer = sequencer ? { producerId: sequencer.producerId, producerEpoch: sequencer.producerEpoch, baseSequence: 0 } : {};
    const batch = buildBatch(core, records, { compression: config.compression, codecs, transactional: Boolean(config.transaction), ...producer });
    return Buffer.from(batch.buffer, batch.byteOffset, batch.length);
  };
  const pools = new Map<number, Buffer[]>();
  const poolSize = Math.max(1, config.poolBatches ?? 8);
  let poolTurn = 0;
  const pooled = (count: number): Buffer => {
    let pool = pools.get(count);
    if (!pool) pools.set(count, (pool = []));
    if (pool.length < poolSize) pool.push(build(count));
    return pool[poolTurn++ % pool.length];
  };
  const stamped = new Map<number, StampTemplate>();
  const batchOf = (count: number): Buffer => {
    if (!config.stampValues) return pooled(count);
    // A compressed batch cannot be stamped in place: it is encoded at send time.
    if (config.compression !== 0) return build(count, performance.timeOrigin + now());
    let template = stamped.get(count);
    if (!template) stamped.set(count, (template = stampTemplate(core, pooled(count))));
    return stamp(core, template, performance.timeOrigin + now());
  };

  const connections = await Promise.all(config.leaders.map(async (l) => {
    const c = await Connection.open(l.host, l.port, { clientId: config.clientId ?? 'strom-perf', requestTimeoutMs: config.requestTimeoutMs, security: config.security });
    return { leader: l, connection: c, version: c.version(ProduceApi, 3, 9), inFlight: 0, nextPartition: 0 };
  }));
  // Partitions per request: all of them, or as many batches as fit in --max-request-bytes.
  const batchBytes = ABI.BATCH_HEADER_SIZE + perBatch * (config.recordSize + RECORD_OVERHEAD_BYTES);
  const perRequest = (config.maxRequestBytes ?? 0) > 0 ? Math.max(1, Math.floor(config.maxRequestBytes! / batchBytes)) : Infinity;
  let sequencer: BatchSequencer | null = null;
  let coordinator: Connection | null = null;
  if (config.idempotent || config.transaction) {
    try {
      const id = config.transaction
        ? await initTransactional(connections[0].connection, config.transaction.transactionalId, { clientId: config.clientId ?? 'strom-perf', requestTimeoutMs: config.requestTimeoutMs })
        : await initIdempotent(connections[0].connection);
      coordinator = id.coordinator;
      sequencer = new BatchSequencer(core, id.producerId, id.producerEpoch);
    } catch (e) {
      for (const t of connections) t.connection.close(); // or the thread would never end
      throw e;
    }
  }
  for (let i = 0; i < poolSize && !config.stampValues; i++) batchOf(perBatch);

  let progress: ProduceProgress = { records: 0, bytes: 0, errors: {}, histogram: newHistogram(), commits: 0, commitHistogram: newHistogram() };
  const countError = (name: string, records: number) => {
    progress.errors[name] = (progress.errors[name] ?? 0) + records;
  };
  let lastReport = now();
  const flush = (force: boolean) => {
    const t = now();
    if (!force && t - lastReport < reportEveryMs) return;
    lastReport = t;
    report(progress);
    progress = { records: 0, bytes: 0, errors: {}, histogram: newHistogram(), commits: 0, commitHistogram: newHistogram() };
  };

  onStart();
  const start = now();
  const deadline = start + config.maxDurationMs;
  const limiter = new ThroughputLimiter(config.throughput, start);
  let sent = 0;
  let waiter: (() => void) | null = null;
  const wake = () => { const w = waiter; waiter = null; w?.(); };
  let turn = 0;
  const txn = config.transaction ? { records: config.transaction.records, left: 0, added: new Set<number>(), rotation: 0 } : null;
  const drain = async () => {
    while (connections.some((c) => c.inFlight > 0)) await new Promise<void>((r) => { waiter = r; });
  };
  /** Ends the open transaction (every request of it answered first); false if the commit failed. */
  const commit = async (): Promise<boolean> => {
    await drain();
    const startedAt = now();
    const code = await endTxn(coordinator!, config.transaction!.transactionalId, sequencer!);
    if (code !== ErrorCode.NONE) {
      countError(`EndTxn ${errorName(code)}`, 0);
      return false;
    }
    progress.commits++;
    record(progress.commitHistogram, (now() - startedAt) * 1000);
    txn!.added.clear();
    return true;
  };

  const onDone = (target: (typeof connections)[number], records: number, bytes: number, sentAt: number, res: ProduceResponse | undefined) => {
    target.inFlight--;
    const latencyUs = (now() - sentAt) * 1000;
    let failed = 0;
    if (res) {
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          if (p.errorCode !== 0) {
            const n = Math.ceil(records / Math.max(1, target.leader.partitions.length));
            countError(errorName(p.errorCode), n);
            failed += n;
          }
        }
      }
    }
    const ok = Math.max(0, records - failed);
    progress.records += ok;
    progress.bytes += Math.round((bytes * ok) / records);
    if (ok > 0) record(progress.histogram, latencyUs, ok);
    wake();
  };

  while (sent < config.numRecords) {
    if (now() >= deadline) break;
    const target = connections[turn++ % connections.length];
    const all = target.leader.partitions;
    let partitions = all;
    if (perRequest < all.length) {
      // The next partitions in turn, so that every partition gets its batches.
      const from = target.nextPartition;
      partitions = all.slice(from, from + perRequest);
      if (partitions.length < perRequest) partitions = partitions.concat(all.slice(0, perRequest - partitions.length));
      target.nextPartition = (from + perRequest) % all.length;
    }
    if (txn && txn.left === 0) txn.left = txn.records;
    const n = Math.min(perBatch * partitions.length, config.numRecords - sent, txn ? txn.left : Infinity);
    // Transactions smaller than a request start on the next partition each time, spreading the load.
    if (txn) partitions = rotate(partitions, txn.rotation++);
    const wait = limiter.waitMs(sent + n, now());
    if (wait > 0) await sleep(wait);
    while (target.inFlight >= config.maxInFlight) {
      await new Promise<void>((r) => { waiter = r; });
    }
    if (target.connection.closed) {
      countError('NETWORK_EXCEPTION', config.numRecords - sent);
      break;
    }
    // Spread n records over the partitions: full batches first.
    const partitionData: { index: number; records: Buffer }[] = [];
    let left = n;
    for (const p of partitions) {
      if (left <= 0) break;
      const count = Math.min(perBatch, left);
      left -= count;
      const batch = batchOf(count);
      partitionData.push({ index: p, records: sequencer ? sequencer.stamp(batch, p, count) : batch });
    }
    if (txn) {
      const fresh = partitionData.map((d) => d.index).filter((p) => !txn.added.has(p));
      if (fresh.length > 0) {
        const code = await addPartitions(coordinator!, config.transaction!.transactionalId, config.topic, sequencer!, fresh);
        if (code !== ErrorCode.NONE) {
          countError(`AddPartitionsToTxn ${errorName(code)}`, config.numRecords - sent);
          break;
        }
        for (const p of fresh) txn.added.add(p);
      }
    }
    const records = n;
    const bytes = n * config.recordSize;
    sent += n;
    target.inFlight++;
    const sentAt = now();
    target.connection.send(ProduceApi, target.version, {
      transactionalId: config.transaction?.transactionalId ?? null, acks: config.acks, timeoutMs: config.requestTimeoutMs,
      topicData: [{ name: config.topic, partitionData }],
    }, { noResponse: config.acks === 0 }).then(
      (res) => {
        // Answered (or, acks=0, written): the stamped copies serve again. Not after a failure:
        // a timed-out request may still sit in the socket's queue.
        if (sequencer) for (const d of partitionData) sequencer.release(d.records);
        onDone(target, records, bytes, sentAt, res);
      },
      (e: Error & { code?: string }) => {
        target.inFlight--;
        countError(e.name === 'RequestTimeoutError' ? 'REQUEST_TIMED_OUT' : 'NETWORK_EXCEPTION', records);
        wake();
      },
    );
    if (txn) {
      txn.left -= n;
      if ((txn.left === 0 || sent >= config.numRecords) && !(await commit())) break;
    }
    flush(false);
    // Let responses in now and then even when the socket never pushes back.
    if ((turn & 15) === 0) await new Promise<void>((r) => setImmediate(r));
  }
  await drain();
  flush(true);
  for (const c of connections) c.connection.close();
  coordinator?.close();
}

const rotate = <T>(xs: readonly T[], by: number): T[] => {
  const at = by % xs.length;
  return [...xs.slice(at), ...xs.slice(0, at)];
};
