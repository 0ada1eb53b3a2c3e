// Fetch (key 1), versions 0-17. v13+ name topics by id (KIP-516), v15 carries the replica's
// state instead of its id (KIP-903), v16 may answer the leaders' endpoints (KIP-951), v17 the
// replica's directory (KIP-853): for a consumer of one broker those change nothing else.
// Long poll: waits up to MaxWaitMs for MinBytes (or a full MaxBytes), counting the bytes
// appends bring to the fetched partitions (fetch-waiter.ts) and slicing again only those that
// changed (in a cluster, where a consumer reads to the high watermark and a replica to the log
// end, every append or high watermark move is a change to look at). Budgets: PartitionMaxBytes per partition, MaxBytes (v3+) per response; the
// first batch of the first non-empty partition is returned whole even when larger (KIP-74).
// Every requested partition is answered (the Java client drops responses that miss one).
// v4+ carry an isolation level (KIP-98): read_committed reads up to the last stable offset
// (the first offset of the earliest open transaction, else the high watermark) and gets the
// aborted transactions overlapping what it reads, from the segments' transaction indexes, so
// that the client drops their records. That list is, as Kafka sends it, null for a
// read_uncommitted partition that has records to answer, and a list (empty or not) for
// read_committed and for a partition answered with an error (kafka-python 2.0.2 cannot parse
// a null one there). v7+: fetch
// sessions (KIP-227, fetch-session.ts). Conversions for old versions: v0-3 get message sets
// (magic 0 for v0-1, 1 for v2-3); before v10 no zstd (KIP-110): zstd batches are served
// recompressed with the topic's compression.type if it is gzip, snappy or lz4, else
// uncompressed. Both happen in the core, on the records read into core memory.
//
// Records are otherwise not read here: each partition's answer is a range of a segment file
// (FileRecords), read by the connection as the client takes the response, so a client that
// does not read its responses holds no fetched data in memory. A conversion holds what it
// read within the connection's and the broker's budgets (strom.connection.max.unsent.bytes,
// strom.request.memory.max.bytes): past those it waits, and answers without records at its
// deadline.
//
// Authorization (Kafka's KafkaApis): a consumer's fetch needs READ on each topic (its
// partitions are TOPIC_AUTHORIZATION_FAILED otherwise, told nothing of the log, and do not
// end the long poll of the others); a replica's fetch (a replica id set) needs CLUSTER_ACTION
// on the cluster, else every partition is refused and nothing of it is noted.
//
// Quotas (KIP-13, KIP-219): with a consumer_byte_rate for the principal or client id, a
// consumer's response's record bytes are recorded when it is complete (a replica's fetch is
// not a client's), from the slices' lengths (no byte is read for it: the zero-copy path
// stays); a client over its quota gets an empty response with throttle_time_ms instead (its
// usage taken back, as Kafka's), the connection is muted for that long (connection.ts), and
// no response holds more than the quota allows in one window (MaxBytes capped, Kafka's
// getMaxValueInQuotaWindow).
import { FetchApi, type FetchRequest, type FetchResponse } from '../protocol/generated/fetch.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { batchesToLegacy, recodeBatches, CoreError } from '../core/index.js';
import { codecs, codecOf, ZSTD, GZIP, SNAPPY, LZ4, NONE, CompressionError, initCompression } from '../compression/codecs.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { FileRecords } from '../log/file-records.js';
import { defineHandler, type RequestContext } from './handler.js';
import { openSession, type FetchTarget, type ServedSession } from './fetch-session.js';
import { FetchWaiter } from './fetch-waiter.js';
import { AclOperation, ResourceType, authorized, clusterAuthorized } from './authorize.js';

type PartitionData = FetchResponse.PartitionData;

const EMPTY = Buffer.alloc(0);
const NO_EPOCH = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
/** The last version whose records are converted to message sets (magic 0/1). */
const LAST_LEGACY_VERSION = 3;
/** The first version that may carry zstd batches (KIP-110). */
const FIRST_ZSTD_VERSION = 10;
/** The first version with a list of aborted transactions. */
const FIRST_ISOLATION_VERSION = 4;
const READ_COMMITTED = 1;
/** The first version with the last fetched epoch and the diverging epoch (KIP-320). */
const FIRST_DIVERGING_VERSION = 12;

export const fetch = defineHandler(FetchApi, { min: 0, max: 17 }, async (request: FetchRequest, ctx): Promise<FetchResponse> => {
  const session = openSession(ctx, request);
  if (session.kind === 'error') {
    return { throttleTimeMs: 0, errorCode: session.errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
  }
  const targets = session.targets;
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  const replicaId = ctx.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId;
  const denied = deniedTargets(ctx, targets, replicaId);
  // A replica refused by the ACLs has nothing noted of its positions.
  const refused = replicaId >= 0 ? (denied?.some((d) => d) ? new Map<number, number>() : replicaPositions(ctx, targets, replicaId)) : checkLeaders(ctx, targets);
  const replica = replicaId >= 0;
  // Enough to answer: minBytes, or a response budget that holds less (Kafka answers then too).
  const wanted = Math.min(request.minBytes, ctx.apiVersion >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER);
  let round = sliceAll(ctx, request, targets, refused, replica, denied);
  if (round.bytes < wanted && !round.error && Date.now() < deadline) {
    const committed = ctx.apiVersion >= FIRST_ISOLATION_VERSION && request.isolationLevel === READ_COMMITTED;
    const waiter = new FetchWaiter(targets, committed, deadline);
    try {
      do {
        setRooms(waiter, targets, round);
        round = sliceAll(ctx, request, targets, refused, replica, denied, { previous: round, changed: await waiter.wait(wanted - round.bytes) });
      } while (round.bytes < wanted && !round.error && !waiter.timedOut);
    } catch (e) {
      for (const slice of round.slices) slice?.release();
      throw e;
    } finally {
      waiter.close();
    }
  }
  const throttleMs = replica ? 0 : fetchThrottle(ctx, round.bytes);
  if (throttleMs > 0) {
    for (const slice of round.slices) slice?.release();
    return throttled(ctx, session, throttleMs);
  }
  for (const slice of round.slices) if (slice) ctx.onDone(() => slice.release());
  if (round.converts) await convert(ctx, targets, round, deadline);
  const traffic = ctx.broker.traffic;
  if (traffic) round.data.forEach((d, i) => { if (d.records && d.records.length > 0) traffic.fetched(targets[i].topic, d.records.length); });
  return respond(session, targets, round.data);
});

interface Round {
  data: PartitionData[];
  /** The slice answering data[i], if any. */
  slices: (FileRecords | undefined)[];
  bytes: number;
  error: boolean;
  /** Some slice must be converted before it is sent (v0-3, or zstd before v10). */
  converts: boolean;
}

/** A round after a wait: the one before, and the targets whose logs changed since. */
interface Again {
  previous: Round;
  changed: Set<number>;
}

/**
 * The targets the request may not read (null: none): by topic for a consumer (the topic
 * asked once), every one for a replica without CLUSTER_ACTION. Unknown topic ids are not
 * refused: they are UNKNOWN_TOPIC_ID first, as in Kafka.
 */
function deniedTargets(ctx: RequestContext, targets: FetchTarget[], replicaId: number): boolean[] | null {
  if (!ctx.broker.authorizer) return null;
  if (replicaId >= 0) {
    const allowed = clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION);
    return targets.map((t) => !allowed && !t.unknownTopicId);
  }
  const topics = new Map<string, boolean>();
  return targets.map((t) => {
    if (t.unknownTopicId) return false;
    let refused = topics.get(t.topic);
    if (refused === undefined) topics.set(t.topic, (refused = !authorized(ctx, AclOperation.READ, ResourceType.TOPIC, t.topic)));
    return refused;
  });
}

/** Records the response's bytes against the fetch quota; the throttle time (0: within it, or no quota). */
function fetchThrottle(ctx: RequestContext, bytes: number): number {
  const quotas = ctx.broker.quotas;
  if (!quotas.enabled('fetch')) return 0;
  const user = ctx.principal.name;
  const clientId = ctx.clientId ?? '';
  const now = performance.now();
  const throttleMs = quotas.recordAndThrottle('fetch', user, clientId, bytes, now);
  // The response sent instead holds no records: its bytes are not the client's.
  if (throttleMs > 0) quotas.record('fetch', user, clientId, -bytes, now);
  return throttleMs;
}

/**
 * Kafka's answer to a throttled fetch (FetchContext.getThrottledResponse): no partitions; an
 * incremental session keeps its id and positions, a full fetch gets no session.
 */
function throttled(ctx: RequestContext, session: ServedSession, throttleMs: number): FetchResponse {
  if (session.kind === 'full') ctx.broker.fetchSessions.remove(session.responseSessionId);
  const sessionId = session.kind === 'incremental' ? session.responseSessionId : 0;
  return { throttleTimeMs: throttleMs, errorCode: ErrorCode.NONE, sessionId, responses: [], nodeEndpoints: [] };
}

/**
 * A consumer's fetch: each partition must be led here, at the client's leader epoch if it
 * names one (KIP-320). Returns the error of each target refused (by index).
 */
function checkLeaders(ctx: RequestContext, targets: FetchTarget[]): Map<number, number> {
  const refused = new Map<number, number>();
  targets.forEach((t, i) => {
    if (!t.log) return;
    try {
      ctx.broker.cluster.leaderLog(t.topic, t.partition, t.currentLeaderEpoch);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      refused.set(i, e.code);
    }
  });
  return refused;
}

/**
 * A follower's fetch: it has everything below each fetch offset, which the leader notes (its
 * high watermark and ISR follow). Reads go to the log end, not the high watermark.
 */
function replicaPositions(ctx: RequestContext, targets: FetchTarget[], replicaId: number): Map<number, number> {
  const refused = new Map<number, number>();
  targets.forEach((t, i) => {
    if (!t.log) return;
    try {
      ctx.broker.cluster.leaderLog(t.topic, t.partition, t.currentLeaderEpoch);
      if (diverging(t) === null) ctx.broker.cluster.replicaFetched(t.log, replicaId, t.fetchOffset);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      refused.set(i, e.code);
    }
  });
  return refused;
}

/**
 * KIP-320/279: where the fetcher's log stops matching this one. It last fetched in epoch
 * `lastFetchedEpoch`; if this log has that epoch ending before the fetch offset, or only an
 * older one, the answer is that epoch and its end offset (the fetcher truncates there).
 */
function diverging(t: FetchTarget): { epoch: number; endOffset: number } | null {
  if (t.lastFetchedEpoch < 0 || !t.log?.epochs) return null;
  const end = t.log.epochs.endOffsetFor(t.lastFetchedEpoch, t.log.logEndOffset);
  if (end.epoch === t.lastFetchedEpoch && end.endOffset >= t.fetchOffset) return null;
  return end;
}

/**
 * Slices every target (the first round), or after a wait only those that changed: the others
 * keep their slices of the round before (while the response budget holds them), their
 * offsets read afresh.
 */
function sliceAll(ctx: RequestContext, request: FetchRequest, targets: FetchTarget[], refused: Map<number, number>, replica: boolean, denied: boolean[] | null, again?: Again): Round {
  const v = ctx.apiVersion;
  const round: Round = { data: [], slices: [], bytes: 0, error: false, converts: false };
  let budget = v >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  const quotas = ctx.broker.quotas;
  if (!replica && quotas.enabled('fetch')) budget = Math.min(budget, Math.floor(quotas.maxValueInWindow('fetch', ctx.principal.name, ctx.clientId ?? '')));
  let deniedCount = 0;
  for (const [i, t] of targets.entries()) {
    const refusedByAcl = denied !== null && denied[i];
    const data = partitionData(t.partition, refusedByAcl ? undefined : t.log, v, request.isolationLevel);
    round.data.push(data);
    round.slices.push(undefined);
    if (refusedByAcl) {
      // As Kafka: answered at once only when nothing else is asked.
      failed(data, ErrorCode.TOPIC_AUTHORIZATION_FAILED, v);
      if (++deniedCount === targets.length) round.error = true;
      continue;
    }
    if (!t.log) {
      failed(data, t.unknownTopicId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, v);
      round.error = true;
      continue;
    }
    const error = refused.get(i);
    if (error !== undefined) {
      failed(data, error, v);
      round.error = true;
      continue;
    }
    if (v >= FIRST_DIVERGING_VERSION) {
      const divergence = diverging(t);
      if (divergence) {
        data.divergingEpoch = divergence;
        round.error = true; // answered now: the fetcher must truncate first
        continue;
      }
    }
    if (again && !again.changed.has(i)) {
      const kept = again.previous.slices[i];
      if (!kept) continue; // nothing then, and no append since
      if (kept.length <= budget) {
        again.previous.slices[i] = undefined;
        data.abortedTransactions = again.previous.data[i].abortedTransactions;
        budget -= take(round, data, kept, v);
        continue;
      }
    }
    if (budget <= 0) continue;
    try {
      const committed = v >= FIRST_ISOLATION_VERSION && request.isolationLevel === READ_COMMITTED;
      const upperBound = replica ? t.log.logEndOffset : committed ? t.log.lastStableOffset : t.log.highWatermark;
      const slice = t.log.slice(t.fetchOffset, Math.min(t.maxBytes, budget), round.bytes === 0, upperBound, v < FIRST_ZSTD_VERSION);
      if (!slice) continue;
      if (committed) {
        data.abortedTransactions = t.log.abortedTransactions(t.fetchOffset, slice, upperBound).map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
      }
      budget -= take(round, data, slice, v);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      failed(data, e.code, v);
      round.error = true;
    }
  }
  // The slices of the round before that this one did not keep.
  if (again) for (const slice of again.previous.slices) slice?.release();
  return round;
}

/** `slice` answers the round's last partition (`data`); returns its length. */
function take(round: Round, data: PartitionData, slice: FileRecords, v: number): number {
  round.slices[round.slices.length - 1] = slice;
  data.records = slice;
  round.bytes += slice.length;
  if (v <= LAST_LEGACY_VERSION || (v < FIRST_ZSTD_VERSION && (slice.codecs! & (1 << ZSTD)) !== 0)) round.converts = true;
  return slice.length;
}

/**
 * How much each partition's answer can still take from appends: all of partitionMaxBytes
 * when it has none yet, the rest of it when its slice reaches the end of the log, nothing
 * when its slice ends short of it (a full partition budget, an older segment's end).
 */
function setRooms(waiter: FetchWaiter, targets: FetchTarget[], round: Round): void {
  targets.forEach((t, i) => {
    const slice = round.slices[i];
    if (!t.log || round.data[i].errorCode !== ErrorCode.NONE) waiter.setRoom(i, 0);
    else if (!slice) waiter.setRoom(i, t.maxBytes);
    else if (slice.segment === t.log.activeSegment && slice.position + slice.length === slice.segment.size) waiter.setRoom(i, t.maxBytes - slice.length);
    else waiter.setRoom(i, 0);
  });
}

/** A partition answered with an error: no records, and an empty (not null) list of aborted transactions. */
function failed(data: PartitionData, errorCode: number, version: number): void {
  data.errorCode = errorCode;
  data.records = EMPTY;
  if (version >= FIRST_ISOLATION_VERSION) data.abortedTransactions = [];
}

function partitionData(index: number, log: PartitionLog | undefined, version: number, isolationLevel: number): PartitionData {
  const erred = !log;
  return {
    partitionIndex: index, errorCode: ErrorCode.NONE,
    highWatermark: log ? log.highWatermark : -1, lastStableOffset: log ? log.lastStableOffset : -1, logStartOffset: log ? log.logStartOffset : -1,
    divergingEpoch: NO_EPOCH, currentLeader: NO_LEADER, snapshotId: NO_SNAPSHOT,
    abortedTransactions: version >= FIRST_ISOLATION_VERSION && (erred || isolationLevel === READ_COMMITTED) ? [] : null,
    preferredReadReplica: -1, records: EMPTY,
  };
}

/** The response: every partition asked, or in an incremental session only those that changed. */
function respond(session: ServedSession, targets: FetchTarget[], data: PartitionData[]): FetchResponse {
  const responses: FetchResponse.FetchableTopicResponse[] = [];
  let last: FetchResponse.FetchableTopicResponse | null = null;
  targets.forEach((t, i) => {
    if (!session.include(t, data[i])) return;
    // Partitions of one topic in a row share a topic entry, as Kafka builds its response.
    if (!last || last.topic !== t.topic || last.topicId !== t.topicId) responses.push(last = { topic: t.topic, topicId: t.topicId, partitions: [] });
    last.partitions.push(data[i]);
  });
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: session.responseSessionId, responses, nodeEndpoints: [] };
}

/**
 * The conversions older versions need, on the records read into core memory: zstd batches
 * recompressed with a codec the version allows (before v10), then message sets of magic 0/1
 * (v0-3). The bytes read count against the connection's and the broker's budgets until the
 * response is written; a partition that cannot get them by the deadline is answered without
 * records (the client fetches again).
 */
async function convert(ctx: RequestContext, targets: FetchTarget[], round: Round, deadline: number): Promise<void> {
  await initCompression(); // conversions may meet any codec
  const v = ctx.apiVersion;
  for (let i = 0; i < round.data.length; i++) {
    const d = round.data[i];
    const log = targets[i].log;
    const slice = round.slices[i];
    if (!slice || !log) continue;
    const zstd = v < FIRST_ZSTD_VERSION && (slice.codecs! & (1 << ZSTD)) !== 0;
    if (v > LAST_LEGACY_VERSION && !zstd) continue;
    d.records = EMPTY;
    if (v <= LAST_LEGACY_VERSION && !log.config.bool('message.downconversion.enable')) {
      failed(d, ErrorCode.UNSUPPORTED_VERSION, v);
      continue;
    }
    if (!(await ctx.memory.acquire(slice.length, deadline))) continue;
    ctx.onDone(() => ctx.memory.give(slice.length));
    if (!(await ctx.broker.memory.acquire(slice.length, deadline))) continue;
    ctx.onDone(() => ctx.broker.memory.give(slice.length));
    const read = await log.readSlice(slice);
    try {
      let bytes: Uint8Array = read.records;
      if (zstd) bytes = recodeBatches(ctx.broker.core, bytes, ZSTD, fallbackCodec(log), codecs);
      if (v <= LAST_LEGACY_VERSION) bytes = batchesToLegacy(ctx.broker.core, bytes, v <= 1 ? 0 : 1, codecs);
      d.records = Buffer.from(bytes === read.records ? bytes.slice() : bytes);
    } catch (e) {
      if (!(e instanceof CoreError || e instanceof CompressionError)) throw e;
      failed(d, ErrorCode.CORRUPT_MESSAGE, v);
    } finally {
      read.release();
    }
  }
}

/** The codec zstd batches are served in before Fetch v10: the topic's, if an older client can read it. */
function fallbackCodec(log: PartitionLog): number {
  const codec = codecOf(log.config.string('compression.type'));
  return codec === GZIP || codec === SNAPPY || codec === LZ4 ? codec : NONE;
}
