// Fetch (key 1), versions 0-12 (13+ name topics by id, which Strom does not have).
// Long poll: waits up to MaxWaitMs for MinBytes, waking at the next append to any fetched
// partition. Budgets: PartitionMaxBytes per partition, MaxBytes (v3+) per response; the
// first batch of the first non-empty partition is returned whole even when larger (KIP-74).
// Every requested partition is answered (the Java client drops responses that miss one).
// Fetch sessions (v7+, KIP-227) are not kept: session id 0 tells clients to send full
// requests. v4+ carry an isolation level: with no transactions, the last stable offset is
// the high watermark. v0-3 clients get legacy message sets (magic 0 for v0-1, 1 for v2-3),
// down-converted in the core; zstd only reaches v10+ (UNSUPPORTED_COMPRESSION_TYPE before).
//
// Records are not read here: each partition's answer is a range of a segment file
// (FileRecords), read by the connection as the client takes the response, so a client that
// does not read its responses holds no fetched data in memory. Only v0-3, whose records are
// converted, read them into core memory, within the connection's and the broker's budgets
// (strom.connection.max.unsent.bytes, strom.request.memory.max.bytes): past those such a
// fetch waits, and answers without records at its deadline.
import { FetchApi, type FetchRequest, type FetchResponse } from '../protocol/generated/fetch.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { batchesToLegacy, CoreError } from '../core/index.js';
import { codecs, ZSTD, CompressionError, initCompression } from '../compression/codecs.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { FileRecords } from '../log/file-records.js';
import { defineHandler, type RequestContext } from './handler.js';

type PartitionData = FetchResponse.PartitionData;

const EMPTY = Buffer.alloc(0);
const NO_EPOCH = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
const READ_COMMITTED = 1;
/** The last version whose records are converted to message sets (magic 0/1). */
const LAST_LEGACY_VERSION = 3;
/** The first version that may carry zstd batches (KIP-110). */
const FIRST_ZSTD_VERSION = 10;

interface Target {
  topic: string;
  partition: FetchRequest.FetchPartition;
  log: PartitionLog | undefined;
}

export const fetch = defineHandler(FetchApi, { min: 0, max: 12 }, async (request: FetchRequest, ctx): Promise<FetchResponse> => {
  const targets: Target[] = request.topics.flatMap((t) => t.partitions.map((partition) => ({
    topic: t.topic, partition, log: ctx.broker.logs.partition(t.topic, partition.partition),
  })));
  const deadline = Date.now() + Math.max(0, request.maxWaitMs);
  for (;;) {
    const round = sliceAll(ctx, request, targets);
    const waitMore = round.bytes < request.minBytes && !round.error && Date.now() < deadline;
    if (!waitMore) {
      for (const slice of round.slices) if (slice) ctx.onDone(() => slice.release());
      if (ctx.apiVersion <= LAST_LEGACY_VERSION) await downConvert(ctx, targets, round, deadline);
      const traffic = ctx.broker.traffic;
      if (traffic) round.data.forEach((d, i) => { if (d.records && d.records.length > 0) traffic.fetched(targets[i].topic, d.records.length); });
      return respond(request, round.data);
    }
    for (const slice of round.slices) slice?.release();
    await nextAppend(targets, deadline);
  }
});

interface Round {
  data: PartitionData[];
  /** The slice answering data[i], if any. */
  slices: (FileRecords | undefined)[];
  bytes: number;
  error: boolean;
}

function sliceAll(ctx: RequestContext, request: FetchRequest, targets: Target[]): Round {
  const v = ctx.apiVersion;
  const round: Round = { data: [], slices: [], bytes: 0, error: false };
  let budget = v >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  for (const { partition: p, log } of targets) {
    const data = partitionData(p.partition, log);
    round.data.push(data);
    round.slices.push(undefined);
    if (!log) {
      data.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      round.error = true;
      continue;
    }
    if (p.currentLeaderEpoch > 0) {
      data.errorCode = ErrorCode.UNKNOWN_LEADER_EPOCH; // the only leader epoch is 0
      round.error = true;
      continue;
    }
    if (request.isolationLevel === READ_COMMITTED) data.abortedTransactions = [];
    if (budget <= 0) continue;
    try {
      const slice = log.slice(p.fetchOffset, Math.min(p.partitionMaxBytes, budget), round.bytes === 0, log.highWatermark, v < FIRST_ZSTD_VERSION);
      if (!slice) continue;
      if (slice.codecs !== null && (slice.codecs & (1 << ZSTD)) !== 0 && v < FIRST_ZSTD_VERSION) {
        slice.release();
        data.errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
        round.error = true;
        continue;
      }
      round.slices[round.slices.length - 1] = slice;
      data.records = slice;
      round.bytes += slice.length;
      budget -= slice.length;
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      data.errorCode = e.code;
      round.error = true;
    }
  }
  return round;
}

function partitionData(index: number, log: PartitionLog | undefined): PartitionData {
  return {
    partitionIndex: index, errorCode: ErrorCode.NONE,
    highWatermark: log ? log.highWatermark : -1, lastStableOffset: log ? log.highWatermark : -1, logStartOffset: log ? log.logStartOffset : -1,
    divergingEpoch: NO_EPOCH, currentLeader: NO_LEADER, snapshotId: NO_SNAPSHOT,
    abortedTransactions: null, preferredReadReplica: -1, records: EMPTY,
  };
}

/** Resolves at the next append to any of the partitions, or at the deadline. */
function nextAppend(targets: Target[], deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const cancel of cancels) cancel();
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    for (const { log } of targets) if (log) cancels.push(log.onNextAppend(done));
  });
}

function respond(request: FetchRequest, data: PartitionData[]): FetchResponse {
  const responses: FetchResponse.FetchableTopicResponse[] = [];
  let i = 0;
  for (const topic of request.topics) {
    responses.push({ topic: topic.topic, topicId: ZERO_UUID, partitions: topic.partitions.map(() => data[i++]) });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

/**
 * Fetch v0-3 want message sets of magic 0/1: each slice is read into core memory and
 * converted by the core, compression kept. The bytes read count against the connection's and
 * the broker's budgets until the response is written; a partition that cannot get them by
 * the deadline is answered without records (the client fetches again).
 */
async function downConvert(ctx: RequestContext, targets: Target[], round: Round, deadline: number): Promise<void> {
  await initCompression(); // down-conversion may meet any codec
  const magic = ctx.apiVersion <= 1 ? 0 : 1;
  for (let i = 0; i < round.data.length; i++) {
    const d = round.data[i];
    const log = targets[i].log;
    const slice = round.slices[i];
    if (!slice || !log) continue;
    d.records = EMPTY;
    if (!log.config.bool('message.downconversion.enable')) {
      d.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      continue;
    }
    if (!(await ctx.memory.acquire(slice.length, deadline))) continue;
    ctx.onDone(() => ctx.memory.give(slice.length));
    if (!(await ctx.broker.memory.acquire(slice.length, deadline))) continue;
    ctx.onDone(() => ctx.broker.memory.give(slice.length));
    const read = await log.readSlice(slice);
    try {
      d.records = Buffer.from(batchesToLegacy(ctx.broker.core, read.records, magic, codecs));
    } catch (e) {
      if (!(e instanceof CoreError || e instanceof CompressionError)) throw e;
      d.errorCode = e instanceof CoreError && e.codeName === 'ERR_COMPRESSION' ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE : ErrorCode.CORRUPT_MESSAGE;
    } finally {
      read.release();
    }
  }
}
