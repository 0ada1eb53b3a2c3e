// src/api/fetch.ts: Fetch v0-12 against a real broker in process: whole batches from the
// fetch offset within the byte budgets, errors per partition, the long poll (what appends count
// towards minBytes, and which partitions a wake-up reads again: fetch-waiter.ts), and the
// message sets of v0-3, read back by kafka-python's own reader.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetch } from '../../../src/api/fetch.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch, decodeBatches } from '../../../src/core/index.js';
import { codecs, GZIP, ZSTD, initCompression } from '../../../src/compression/codecs.js';
import { defaultFetchRequest, defaultFetchRequestFetchPartition, type FetchResponse } from '../../../src/protocol/generated/fetch.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { KAFKA_PYTHON, requireExternal } from '../../helpers/external.js';
import { readWithKafkaPython } from '../../helpers/kafka-python.js';
import { sleep } from '../../helpers/wait.js';

requireExternal(KAFKA_PYTHON);

let hb: HandlerBroker;
/** Sizes of the three batches of f-0 (offsets 0-4, 5-9, 10-14). */
const sizes: number[] = [];

const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `value ${from + i} `.padEnd(100, '.'), timestamp: 1_700_000_000_000 + from + i }));
async function append(topic: string, partition: number, from: number, n: number, options = {}): Promise<number> {
  const result = await hb.broker.logs.partition(topic, partition)!.append(buildBatch(hb.broker.core, records(from, n), { codecs, ...options }));
  expect(result.status).toBe(0);
  return result.size;
}

beforeAll(async () => {
  await initCompression();
  hb = await startHandlerBroker();
  await hb.topic('f', 2);
  for (let i = 0; i < 3; i++) sizes.push(await append('f', 0, i * 5, 5));
  await append('f', 1, 0, 5);
});
afterAll(stopHandlerBrokers);

interface Want { topic: string; partition: number; offset: number; maxBytes?: number; currentLeaderEpoch?: number }
const request = (wants: Want[], fields = {}) => {
  const topics: { topic: string; partitions: ReturnType<typeof defaultFetchRequestFetchPartition>[] }[] = [];
  for (const w of wants) {
    let t = topics.find((x) => x.topic === w.topic);
    if (!t) topics.push((t = { topic: w.topic, partitions: [] }));
    t.partitions.push({ ...defaultFetchRequestFetchPartition(), partition: w.partition, fetchOffset: w.offset, partitionMaxBytes: w.maxBytes ?? 1 << 20, currentLeaderEpoch: w.currentLeaderEpoch ?? -1 });
  }
  return { ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 0, topics: topics.map((t) => ({ ...t, topicId: '' as never })), ...fields };
};
const partitions = (r: FetchResponse) => r.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
const offsetsIn = (bytes: Uint8Array | null) => (bytes && bytes.length > 0 ? decodeBatches(hb.broker.core, bytes, codecs).flatMap((b) => b.records.map((r) => r.offset)) : []);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('Fetch', () => {
  it('returns whole batches from the fetch offset, with the partition\'s offsets', async () => {
    const [p] = partitions(await hb.call(fetch, 11, request([{ topic: 'f', partition: 0, offset: 0 }])));
    expect([p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset, p.abortedTransactions]).toEqual([ErrorCode.NONE, 15, 15, 0, null]);
    expect(offsetsIn(p.records)).toEqual(range(0, 15));
    // From the middle of a batch: that batch whole (the client skips what it did not ask for).
    const [mid] = partitions(await hb.call(fetch, 11, request([{ topic: 'f', partition: 0, offset: 7 }])));
    expect(offsetsIn(mid.records)).toEqual(range(5, 15));
  });

  it('keeps to partitionMaxBytes in whole batches, but always returns a first batch larger than it (KIP-74)', async () => {
    const [two] = partitions(await hb.call(fetch, 4, request([{ topic: 'f', partition: 0, offset: 0, maxBytes: sizes[0] + sizes[1] + 10 }])));
    expect(offsetsIn(two.records)).toEqual(range(0, 10));
    const [one] = partitions(await hb.call(fetch, 4, request([{ topic: 'f', partition: 0, offset: 0, maxBytes: 10 }])));
    expect(offsetsIn(one.records)).toEqual(range(0, 5));
  });

  it('v3+: the response budget (maxBytes) is shared; the partitions after it is spent get no records but are answered', async () => {
    const r = await hb.call(fetch, 3, request([{ topic: 'f', partition: 0, offset: 0 }, { topic: 'f', partition: 1, offset: 0 }], { maxBytes: sizes[0] + 10 }));
    const [p0, p1] = partitions(r);
    expect([p0.partitionIndex, p1.partitionIndex, p1.errorCode, p1.highWatermark]).toEqual([0, 1, ErrorCode.NONE, 5]);
    expect(readWithKafkaPython(p0.records!).map((x) => x.offset)).toEqual(range(0, 5));
    expect(p1.records!.length).toBe(0);
  });

  it('answers every partition asked, in order, each with its own error', async () => {
    const r = await hb.call(fetch, 11, request([
      { topic: 'f', partition: 1, offset: 0 }, { topic: 'f', partition: 7, offset: 0 }, { topic: 'f', partition: 0, offset: 99 },
      { topic: 'f', partition: 0, offset: 0, currentLeaderEpoch: 1 }, { topic: 'f-none', partition: 0, offset: 0 },
    ]));
    expect(partitions(r).map((p) => [p.topic, p.partitionIndex, p.errorCode, p.highWatermark])).toEqual([
      ['f', 1, ErrorCode.NONE, 5], ['f', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1], ['f', 0, ErrorCode.OFFSET_OUT_OF_RANGE, 15],
      ['f', 0, ErrorCode.UNKNOWN_LEADER_EPOCH, 15], ['f-none', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
    ]);
    expect([r.errorCode, r.sessionId]).toEqual([ErrorCode.NONE, 0]);
  });

  it('an error answers at once, without waiting for minBytes', async () => {
    const r = await hb.call(fetch, 11, request([{ topic: 'f', partition: 0, offset: 99 }], { maxWaitMs: 60_000, minBytes: 1 }));
    expect(partitions(r)[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  }, 10_000);

  it('v4+ read_committed: no aborted transactions (none exist), the last stable offset is the high watermark', async () => {
    const [p] = partitions(await hb.call(fetch, 4, request([{ topic: 'f', partition: 1, offset: 0 }], { isolationLevel: 1 })));
    expect([p.abortedTransactions, p.lastStableOffset]).toEqual([[], 5]);
  });

  it('long poll: an empty answer after maxWaitMs when nothing arrives', async () => {
    await hb.topic('f-idle', 1);
    const [p] = partitions(await hb.call(fetch, 11, request([{ topic: 'f-idle', partition: 0, offset: 0 }], { maxWaitMs: 50, minBytes: 1 })));
    expect([p.errorCode, p.records!.length, p.highWatermark]).toEqual([ErrorCode.NONE, 0, 0]);
  });

  it('long poll: wakes at the next append, long before maxWaitMs', async () => {
    await hb.topic('f-wake', 1);
    const pending = hb.call(fetch, 11, request([{ topic: 'f-wake', partition: 0, offset: 0 }], { maxWaitMs: 120_000, minBytes: 1 }));
    await sleep(50);
    await append('f-wake', 0, 0, 3);
    const [p] = partitions(await pending);
    expect(offsetsIn(p.records)).toEqual([0, 1, 2]);
  }, 10_000);

  /** Whether `pending` is still unanswered once everything already due in this process has run. */
  async function unanswered(pending: Promise<unknown>): Promise<boolean> {
    let answered = false;
    void pending.then(() => { answered = true; });
    await sleep(30);
    return !answered;
  }

  it('long poll: counts the bytes appends bring to any of its partitions towards minBytes; partitions that did not change keep what they had', async () => {
    await hb.topic('f-count', 2);
    const first = await append('f-count', 0, 0, 2);
    const pending = hb.call(fetch, 11, request([{ topic: 'f-count', partition: 0, offset: 0 }, { topic: 'f-count', partition: 1, offset: 0 }], { maxWaitMs: 120_000, minBytes: first * 3 }));
    expect(await unanswered(pending)).toBe(true);
    const slices = [0, 1].map((p) => vi.spyOn(hb.broker.logs.partition('f-count', p)!, 'slice'));
    await append('f-count', 1, 0, 2);
    expect(await unanswered(pending)).toBe(true); // two batches of the three it waits for
    expect(slices[1]).not.toHaveBeenCalled(); // counted, not read
    await append('f-count', 1, 2, 2);
    const [p0, p1] = partitions(await pending);
    expect([offsetsIn(p0.records), offsetsIn(p1.records), p1.highWatermark]).toEqual([[0, 1], [0, 1, 2, 3], 4]);
    expect(slices.map((s) => s.mock.calls.length)).toEqual([0, 1]); // only the partition that changed is read again
  }, 10_000);

  it('long poll: appends to a partition whose answer is already full (partitionMaxBytes) do not count', async () => {
    await hb.topic('f-full', 3);
    const size = await append('f-full', 0, 0, 2);
    await append('f-full', 0, 2, 2); // p0 answers with its first batch: full, short of its end
    await append('f-full', 1, 0, 2); // p1 answers with all it has: full, at its end
    const pending = hb.call(fetch, 11, request([
      { topic: 'f-full', partition: 0, offset: 0, maxBytes: size }, { topic: 'f-full', partition: 1, offset: 0, maxBytes: size },
      { topic: 'f-full', partition: 2, offset: 0 },
    ], { maxWaitMs: 120_000, minBytes: size * 3 }));
    await unanswered(pending);
    const slices = [0, 1].map((p) => vi.spyOn(hb.broker.logs.partition('f-full', p)!, 'slice'));
    await append('f-full', 0, 4, 2);
    await append('f-full', 1, 2, 2);
    expect(await unanswered(pending)).toBe(true);
    expect(slices.map((s) => s.mock.calls.length)).toEqual([0, 0]);
    await append('f-full', 2, 0, 2);
    const [p0, p1, p2] = partitions(await pending);
    expect([offsetsIn(p0.records), offsetsIn(p1.records), offsetsIn(p2.records), p0.highWatermark, p1.highWatermark]).toEqual([[0, 1], [0, 1], [0, 1], 6, 4]);
  }, 10_000);

  it('long poll: a response budget (maxBytes) below minBytes answers once it is full', async () => {
    await hb.topic('f-budget', 1);
    const pending = hb.call(fetch, 11, request([{ topic: 'f-budget', partition: 0, offset: 0 }], { maxWaitMs: 120_000, minBytes: 1 << 20, maxBytes: 10 }));
    await append('f-budget', 0, 0, 3);
    expect(offsetsIn(partitions(await pending)[0].records)).toEqual([0, 1, 2]);
  }, 10_000);

  it('long poll, read_committed: records of an open transaction do not answer it, its commit does', async () => {
    await hb.topic('f-txn', 1);
    const log = hb.broker.logs.partition('f-txn', 0)!;
    const pending = hb.call(fetch, 11, request([{ topic: 'f-txn', partition: 0, offset: 0 }], { maxWaitMs: 120_000, minBytes: 1, isolationLevel: 1 }));
    await unanswered(pending);
    const slices = vi.spyOn(log, 'slice');
    await log.append(buildBatch(hb.broker.core, records(0, 2), { codecs, producerId: 9, producerEpoch: 0, baseSequence: 0, transactional: true }));
    expect(await unanswered(pending)).toBe(true);
    expect(slices).not.toHaveBeenCalled(); // nothing below the last stable offset: not even read again
    await log.appendMarker(9, 0, true, 0);
    const [p] = partitions(await pending);
    expect([offsetsIn(p.records), p.lastStableOffset, p.abortedTransactions]).toEqual([[0, 1, 2], 3, []]); // 2: the marker (a control batch)
  }, 10_000);

  it('v0-1 get message sets of magic 0, v2-3 of magic 1 (with timestamps), as kafka-python reads them', async () => {
    const [v0] = partitions(await hb.call(fetch, 0, request([{ topic: 'f', partition: 1, offset: 0 }])));
    expect(v0.records![16]).toBe(0); // magic byte of the first message (offset 8 + size 4 + crc 4)
    expect(readWithKafkaPython(v0.records!)).toEqual(records(0, 5).map((r, i) => ({ offset: i, timestamp: null, key: r.key, value: r.value })));
    const [v2] = partitions(await hb.call(fetch, 2, request([{ topic: 'f', partition: 1, offset: 0 }])));
    expect(v2.records![16]).toBe(1);
    expect(readWithKafkaPython(v2.records!)).toEqual(records(0, 5).map((r, i) => ({ offset: i, timestamp: r.timestamp, key: r.key, value: r.value })));
  });

  it('down-conversion keeps the compression of a batch', async () => {
    await hb.topic('f-gzip', 1);
    await append('f-gzip', 0, 0, 4, { compression: GZIP });
    const [p] = partitions(await hb.call(fetch, 2, request([{ topic: 'f-gzip', partition: 0, offset: 0 }])));
    expect(p.records![17] & 0x07).toBe(GZIP); // attributes of the wrapper message
    expect(readWithKafkaPython(p.records!).map((r) => [r.offset, r.value])).toEqual(records(0, 4).map((r, i) => [i, r.value]));
  });

  it('zstd reaches v10+ as it is; before, its batches come recompressed with a codec the version allows', async () => {
    await hb.topic('f-zstd', 1);
    await append('f-zstd', 0, 0, 3, { compression: ZSTD });
    await append('f-zstd', 0, 3, 2, { compression: GZIP });
    const codecsOf = (bytes: Uint8Array | null) => decodeBatches(hb.broker.core, bytes!, codecs).map((b) => b.header.compression);
    const [v10] = partitions(await hb.call(fetch, 10, request([{ topic: 'f-zstd', partition: 0, offset: 0 }])));
    expect([v10.errorCode, offsetsIn(v10.records), codecsOf(v10.records)]).toEqual([ErrorCode.NONE, [0, 1, 2, 3, 4], [ZSTD, GZIP]]);
    // v9: uncompressed (the topic keeps what the producer sent), the gzip batch as it was; offsets, keys and values the same.
    const [v9] = partitions(await hb.call(fetch, 9, request([{ topic: 'f-zstd', partition: 0, offset: 0 }])));
    expect([v9.errorCode, offsetsIn(v9.records), codecsOf(v9.records)]).toEqual([ErrorCode.NONE, [0, 1, 2, 3, 4], [0, GZIP]]);
    const values = (bytes: Uint8Array | null) => decodeBatches(hb.broker.core, bytes!, codecs).flatMap((b) => b.records.map((r) => Buffer.from(r.value!).toString()));
    expect(values(v9.records)).toEqual(values(v10.records));
    // A topic whose compression.type an old client reads gets its zstd batches in that codec.
    await hb.topic('f-zstd-lz4', 1, {}, { 'compression.type': 'lz4' });
    await hb.broker.logs.partition('f-zstd-lz4', 0)!.append(buildBatch(hb.broker.core, records(0, 3), { codecs, compression: ZSTD }));
    const [lz4] = partitions(await hb.call(fetch, 4, request([{ topic: 'f-zstd-lz4', partition: 0, offset: 0 }])));
    expect([offsetsIn(lz4.records), codecsOf(lz4.records)]).toEqual([[0, 1, 2], [3]]);
    // v2: a message set of magic 1, as kafka-python reads it.
    const [v2] = partitions(await hb.call(fetch, 2, request([{ topic: 'f-zstd', partition: 0, offset: 0 }])));
    expect(v2.errorCode).toBe(ErrorCode.NONE);
    expect(readWithKafkaPython(v2.records!).map((x) => x.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('answers a partition in error with an empty list of aborted transactions (v4+), a read_uncommitted one with records with none', async () => {
    const r = await hb.call(fetch, 4, request([{ topic: 'f', partition: 0, offset: 0 }, { topic: 'f', partition: 7, offset: 0 }, { topic: 'f-none', partition: 0, offset: 0 }]));
    expect(partitions(r).map((p) => [p.errorCode, p.abortedTransactions])).toEqual([[ErrorCode.NONE, null], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]]);
    const committed = await hb.call(fetch, 4, request([{ topic: 'f', partition: 0, offset: 0 }], { isolationLevel: 1 }));
    expect(partitions(committed)[0].abortedTransactions).toEqual([]);
  });

  it('message.downconversion.enable=false: UNSUPPORTED_VERSION for v0-3, records for v4+', async () => {
    await hb.topic('f-no-down', 1, { 0: records(0, 2) }, { 'message.downconversion.enable': 'false' });
    const [v3] = partitions(await hb.call(fetch, 3, request([{ topic: 'f-no-down', partition: 0, offset: 0 }])));
    expect([v3.errorCode, v3.records!.length]).toEqual([ErrorCode.UNSUPPORTED_VERSION, 0]);
    const [v4] = partitions(await hb.call(fetch, 4, request([{ topic: 'f-no-down', partition: 0, offset: 0 }])));
    expect(offsetsIn(v4.records)).toEqual([0, 1]);
  });
});
