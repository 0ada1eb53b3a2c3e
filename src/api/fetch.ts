// Fetch (key 1), versions 0-12 (13+ name topics by id, which Strom does not have).
// Long poll: waits up to MaxWaitMs for MinBytes, waking at the next append to any fetched
// partition. Budgets: PartitionMaxBytes per partition, MaxBytes (v3+) per response; the
// first batch of the first non-empty partition is returned whole even when larger (KIP-74).
// Every requested partition is answered (the Java client drops responses that miss one).
// Fetch sessions (v7+, KIP-227) are not kept: session id 0 tells clients to send full
// requests. v4+ carry an isolation level: with no transactions, the last stable offset is
// the high watermark. v0-3 clients get legacy message sets (magic 0 for v0-1, 1 for v2-3),
// down-converted in the core; zstd only reaches v10+ (UNSUPPORTED_COMPRESSION_TYPE before).
import { FetchApi, type FetchRequest, type FetchResponse } from '../protocol/generated/fetch.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/codec.js';
import { batchesToLegacy, CoreError } from '../core/index.js';
import { codecs, ZSTD, CompressionError, initCompression } from '../compression/codecs.js';
import type { PartitionLog, ReadResult } from '../log/partition-log.js';
import { defineHandler, type RequestContext } from './handler.js';

type PartitionData = FetchResponse.PartitionData;

const EMPTY = Buffer.alloc(0);
const NO_EPOCH = { epoch: -1, endOffset: -1 };
const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };
const NO_SNAPSHOT = { endOffset: -1, epoch: -1 };
const READ_COMMITTED = 1;

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
    const round = await readAll(ctx, request, targets);
    const waitMore = round.bytes < request.minBytes && !round.error && Date.now() < deadline;
    if (!waitMore) {
      for (const read of round.reads) ctx.onDone(read.release);
      const traffic = ctx.broker.traffic;
      if (traffic) round.data.forEach((d, i) => { if (d.records && d.records.length > 0) traffic.fetched(targets[i].topic, d.records.length); });
      if (ctx.apiVersion <= 3) await initCompression(); // down-conversion may meet any codec
      return respond(ctx, request, targets, round.data);
    }
    for (const read of round.reads) read.release();
    await nextAppend(targets, deadline);
  }
});

interface Round {
  data: PartitionData[];
  reads: ReadResult[];
  bytes: number;
  error: boolean;
}

async function readAll(ctx: RequestContext, request: FetchRequest, targets: Target[]): Promise<Round> {
  const v = ctx.apiVersion;
  const round: Round = { data: [], reads: [], bytes: 0, error: false };
  let budget = v >= 3 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  for (const { partition: p, log } of targets) {
    const data = partitionData(p.partition, log);
    round.data.push(data);
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
      const read = await log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, budget), round.bytes === 0);
      round.reads.push(read);
      data.records = read.records;
      data.highWatermark = log.highWatermark;
      data.lastStableOffset = log.highWatermark;
      data.logStartOffset = log.logStartOffset;
      if ((read.codecs & (1 << ZSTD)) !== 0 && v < 10) {
        data.errorCode = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
        data.records = EMPTY;
        round.error = true;
        continue;
      }
      round.bytes += read.records.length;
      budget -= read.records.length;
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

function respond(ctx: RequestContext, request: FetchRequest, targets: Target[], data: PartitionData[]): FetchResponse {
  const v = ctx.apiVersion;
  if (v <= 3) downConvert(ctx, targets, data, v <= 1 ? 0 : 1);
  const responses: FetchResponse.FetchableTopicResponse[] = [];
  let i = 0;
  for (const topic of request.topics) {
    responses.push({ topic: topic.topic, topicId: ZERO_UUID, partitions: topic.partitions.map(() => data[i++]) });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

/** Fetch v0-3 want message sets of magic 0/1: converted by the core, compression kept. */
function downConvert(ctx: RequestContext, targets: Target[], data: PartitionData[], magic: 0 | 1): void {
  data.forEach((d, i) => {
    const log = targets[i].log;
    if (!d.records || d.records.length === 0 || !log) return;
    if (!log.config.bool('message.downconversion.enable')) {
      d.errorCode = ErrorCode.UNSUPPORTED_VERSION;
      d.records = EMPTY;
      return;
    }
    try {
      d.records = Buffer.from(batchesToLegacy(ctx.broker.core, d.records, magic, codecs));
    } catch (e) {
      if (!(e instanceof CoreError || e instanceof CompressionError)) throw e;
      d.errorCode = e instanceof CoreError && e.codeName === 'ERR_COMPRESSION' ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE : ErrorCode.CORRUPT_MESSAGE;
      d.records = EMPTY;
    }
  });
}
