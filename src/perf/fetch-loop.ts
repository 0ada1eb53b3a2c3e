// The consuming side of the harness: one connection per leader, each with one Fetch in
// flight for all of that leader's partitions, positions advanced from the batch headers
// alone (baseOffset, lastOffsetDelta, recordsCount) so records are never turned into
// objects unless the caller asks for the batches (e2e reads the send time from values).
import { ABI } from '../core/index.js';
import { Connection } from '../client/connection.js';
import { FetchApi } from '../protocol/generated/fetch.js';
import { ZERO_UUID, recordBytes } from '../protocol/codec.js';
import { errorName } from '../protocol/errors.js';
import type { LeaderTarget } from './produce-loop.js';
import type { ClientSecurity } from '../client/security.js';

interface FetchLoopOptions {
  topic: string;
  leaders: LeaderTarget[];
  /** Start offset of every partition. */
  start: Map<number, number>;
  /** Stop after this many records. */
  maxRecords: number;
  /** Stop when no record came for this long. */
  idleTimeoutMs: number;
  /** Stop at this time whatever happens (every load loop is bounded). */
  maxDurationMs: number;
  maxWaitMs: number;
  minBytes: number;
  fetchMaxBytes: number;
  partitionMaxBytes: number;
  requestTimeoutMs: number;
  /** TLS and SASL of every connection (--command-config). */
  security?: ClientSecurity;
  /**
   * Fetch sessions (KIP-227): a full fetch opens one, then each fetch names only the
   * partitions whose position moved (without, every fetch names them all).
   */
  sessions?: boolean;
  /** 0 read_uncommitted (the default), 1 read_committed. */
  isolationLevel?: number;
  /** Per fetch response: records counted, wire bytes, the fetch's latency (µs), the partitions' record sets. */
  onFetch(records: number, bytes: number, latencyUs: number, sets: { partition: number; records: Buffer; from: number }[]): void;
  onError(name: string): void;
  /** Per connection when it ends: its fetches and the bytes of their requests. */
  onRequests?(fetches: number, requestBytes: number): void;
}

/**
 * Records at or after `from` in a record set, and the offset after its last whole batch.
 * Message sets v0/v1 share the first fields (offset, length; the magic byte at the same
 * place), so one walk reads both.
 */
export function countBatches(records: Buffer, from: number): { count: number; next: number; bytes: number } {
  let at = 0;
  let count = 0;
  let next = from;
  let bytes = 0;
  while (at + ABI.BATCH_LOG_OVERHEAD <= records.length) {
    const size = ABI.BATCH_LOG_OVERHEAD + records.readInt32BE(at + ABI.BATCH_LENGTH);
    if (at + size > records.length) break; // a partial batch at the end: fetched again next time
    const magic = records[at + ABI.BATCH_MAGIC];
    if (size < (magic === 2 ? ABI.BATCH_HEADER_SIZE : ABI.BATCH_MAGIC + 1)) break; // no batch: stop rather than loop
    const baseOffset = Number(records.readBigInt64BE(at + ABI.BATCH_BASE_OFFSET));
    let lastOffset = baseOffset; // v0/v1: a (wrapper) message's offset is its last one
    if (magic === 2) {
      lastOffset += records.readInt32BE(at + ABI.BATCH_LAST_OFFSET_DELTA);
      const recordsCount = records.readInt32BE(at + ABI.BATCH_RECORDS_COUNT);
      const control = (records.readInt16BE(at + ABI.BATCH_ATTRIBUTES) & ABI.CONTROL_BIT) !== 0;
      if (!control) count += baseOffset >= from ? recordsCount : Math.max(0, lastOffset - from + 1);
    } else if (lastOffset >= from) {
      count += 1; // message sets v0/v1: one (wrapper) message per entry, as counted by old consumers
    }
    if (lastOffset + 1 > next) next = lastOffset + 1;
    bytes += size;
    at += size;
  }
  return { count, next, bytes };
}

export async function runFetchLoop(o: FetchLoopOptions): Promise<{ records: number; positions: Map<number, number> }> {
  const positions = new Map(o.start);
  let total = 0;
  const started = performance.now();
  let lastData = started;
  const done = () => total >= o.maxRecords || performance.now() - lastData > o.idleTimeoutMs || performance.now() - started > o.maxDurationMs;
  await Promise.all(o.leaders.map(async (leader) => {
    const c = await Connection.open(leader.host, leader.port, { clientId: 'strom-perf-consumer', requestTimeoutMs: o.requestTimeoutMs, security: o.security, maxResponseBytes: Math.max(o.fetchMaxBytes * 2, 1 << 26) });
    let fetches = 0;
    // A session: its id and next epoch, and the positions it was last told (a partition goes in the next request when it moved).
    let sessionId = 0;
    let sessionEpoch = o.sessions ? 0 : -1;
    const told = new Map<number, number>();
    try {
      const v = c.version(FetchApi, 4, 12);
      while (!done()) {
        const sentAt = performance.now();
        const partitions = sessionEpoch > 0 ? leader.partitions.filter((p) => told.get(p) !== positions.get(p)) : leader.partitions;
        for (const p of partitions) told.set(p, positions.get(p)!);
        let res;
        try {
          fetches++;
          res = await c.send(FetchApi, v, {
            clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 },
            maxWaitMs: o.maxWaitMs, minBytes: o.minBytes, maxBytes: o.fetchMaxBytes, isolationLevel: o.isolationLevel ?? 0,
            sessionId, sessionEpoch,
            topics: partitions.length === 0 ? [] : [{
              topic: o.topic, topicId: ZERO_UUID,
              partitions: partitions.map((p) => ({
                partition: p, currentLeaderEpoch: -1, fetchOffset: positions.get(p)!, lastFetchedEpoch: -1,
                logStartOffset: -1, partitionMaxBytes: o.partitionMaxBytes, replicaDirectoryId: ZERO_UUID,
              })),
            }],
            forgottenTopicsData: [], rackId: '',
          }, { timeoutMs: o.maxWaitMs + o.requestTimeoutMs });
        } catch (e) {
          o.onError((e as Error).name === 'RequestTimeoutError' ? 'REQUEST_TIMED_OUT' : 'NETWORK_EXCEPTION');
          if (c.closed) return;
          continue;
        }
        const latencyUs = (performance.now() - sentAt) * 1000;
        if (res.errorCode !== 0) {
          o.onError(errorName(res.errorCode));
          if (o.sessions) [sessionId, sessionEpoch] = [0, 0]; // the session is gone: open another
          continue;
        }
        if (o.sessions) {
          // No session (the broker's cache is full): keep asking for one with full fetches.
          if (res.sessionId === 0) [sessionId, sessionEpoch] = [0, 0];
          else [sessionId, sessionEpoch] = [res.sessionId, res.sessionId === sessionId ? sessionEpoch + 1 : 1];
        }
        let records = 0;
        let bytes = 0;
        const sets: { partition: number; records: Buffer; from: number }[] = [];
        for (const t of res.responses) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              o.onError(errorName(p.errorCode));
              continue;
            }
            const bytesFetched = recordBytes(p.records);
            if (!bytesFetched || bytesFetched.length === 0) continue;
            const from = positions.get(p.partitionIndex)!;
            const counted = countBatches(bytesFetched, from);
            positions.set(p.partitionIndex, counted.next);
            records += counted.count;
            bytes += counted.bytes;
            sets.push({ partition: p.partitionIndex, records: bytesFetched, from });
          }
        }
        if (records > 0) lastData = performance.now();
        total += records;
        o.onFetch(records, bytes, latencyUs, sets);
      }
    } finally {
      o.onRequests?.(fetches, c.requestBytes);
      c.close();
    }
  }));
  return { records: total, positions };
}
