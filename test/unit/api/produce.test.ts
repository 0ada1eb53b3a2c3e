// src/api/produce.ts: Produce v0-11 with the bytes real clients send (test/unit/core/
// fixtures: kafka-python and kafkajs batches in every codec, kafka-python's message sets of
// magic 0 and 1), and the ways a produce is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce } from '../../../src/api/produce.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch, decodeBatches } from '../../../src/core/index.js';
import { codecs, initCompression, GZIP, ZSTD, SNAPPY } from '../../../src/compression/codecs.js';
import { defaultProduceRequest } from '../../../src/protocol/generated/produce.js';
import { CODEC_IDS, fixtures, fixtureRecords } from '../../helpers/core.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => {
  await initCompression();
  hb = await startHandlerBroker();
});
afterAll(stopHandlerBrokers);

const send = (v: number, topic: string, partitions: [index: number, records: Uint8Array | null][], acks = -1) => hb.exchange(produce, v, {
  ...defaultProduceRequest(), acks, timeoutMs: 1000,
  topicData: [{ name: topic, partitionData: partitions.map(([index, records]) => ({ index, records: records && Buffer.from(records) })) }],
});
const produced = async (v: number, topic: string, records: Uint8Array, partition = 0) => {
  const { response } = await send(v, topic, [[partition, records]]);
  return response!.responses[0].partitionResponses[0];
};
/** The partition's records as a consumer reads them. */
async function stored(topic: string, partition = 0) {
  const log = hb.broker.logs.partition(topic, partition)!;
  const read = await log.read(log.logStartOffset, 1 << 20, true);
  try {
    return decodeBatches(hb.broker.core, read.records, codecs);
  } finally {
    read.release();
  }
}
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());
const batch = (n: number, options = {}) => buildBatch(hb.broker.core, Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` })), { codecs, ...options });

describe('Produce with the batches real clients send', () => {
  it.each(fixtures.filter((f) => f.magic === 2).map((f) => [f.file, f]))('v3+: %s is appended at the next offsets, records intact', async (_name, f) => {
    const topic = `p-${f.file.replace('.bin', '')}`;
    await hb.topic(topic, 1);
    const version = f.codec === 'zstd' ? 7 : 3;
    for (const expectedBase of [0, 3]) {
      const p = await produced(version, topic, f.bytes);
      expect([p.errorCode, p.baseOffset]).toEqual([ErrorCode.NONE, expectedBase]);
    }
    const batches = await stored(topic);
    expect(batches.map((b) => [b.header.baseOffset, b.header.compression])).toEqual([[0, CODEC_IDS[f.codec]], [3, CODEC_IDS[f.codec]]]);
    expect(batches[1].records.map((r) => [r.offset, text(r.key), text(r.value), r.timestamp])).toEqual(fixtureRecords.map((r, i) => [3 + i, r.key, r.value, r.timestamp]));
  });

  it.each(fixtures.filter((f) => f.magic !== 2).map((f) => [f.file, f]))('v0-2: %s (a message set) is up-converted to one batch', async (_name, f) => {
    const topic = `p-${f.file.replace('.bin', '')}`;
    await hb.topic(topic, 1);
    const p = await produced(f.magic === 0 ? 0 : 2, topic, f.bytes);
    expect([p.errorCode, p.baseOffset]).toEqual([ErrorCode.NONE, 0]);
    const [b] = await stored(topic);
    expect(b.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual(fixtureRecords.map((r, i) => [i, r.key, r.value]));
    if (f.magic === 1) expect(b.records.map((r) => r.timestamp)).toEqual(fixtureRecords.map((r) => r.timestamp));
  });
});

describe('Produce refusals', () => {
  beforeAll(async () => {
    await hb.topic('p-refuse', 1);
  });

  it('an unknown partition: UNKNOWN_TOPIC_OR_PARTITION, the other partitions are appended', async () => {
    const { response } = await send(9, 'p-refuse', [[0, batch(2)], [3, batch(2)]]);
    expect(response!.responses[0].partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([[0, ErrorCode.NONE], [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  });

  it('acks other than -1, 0, 1: INVALID_REQUIRED_ACKS, nothing appended', async () => {
    const end = hb.broker.logs.partition('p-refuse', 0)!.logEndOffset;
    const { response } = await send(9, 'p-refuse', [[0, batch(1)]], 2);
    expect(response!.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect(hb.broker.logs.partition('p-refuse', 0)!.logEndOffset).toBe(end);
  });

  it('a corrupt batch (bad CRC): CORRUPT_MESSAGE, no offset used', async () => {
    const bad = batch(3);
    bad[bad.length - 1] ^= 0xff;
    const end = hb.broker.logs.partition('p-refuse', 0)!.logEndOffset;
    expect((await produced(9, 'p-refuse', bad)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produced(9, 'p-refuse', batch(1))).baseOffset).toBe(end);
  });

  it('two batches in one v3+ partition: INVALID_RECORD in every version (not the retriable CORRUPT_MESSAGE), as Kafka 3.9', async () => {
    const two = Buffer.concat([batch(1), batch(1)]);
    expect((await produced(8, 'p-refuse', two)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produced(7, 'p-refuse', two)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produced(3, 'p-refuse', two)).errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a message set at v3+, or no records at all, is refused', async () => {
    const legacySet = fixtures.find((f) => f.file === 'kafka-python-v1-none.bin')!.bytes;
    const p = await produced(9, 'p-refuse', legacySet);
    expect([p.errorCode, p.errorMessage]).toEqual([ErrorCode.INVALID_RECORD, expect.stringMatching(/magic 2/)]);
    const { response } = await send(9, 'p-refuse', [[0, null]]);
    expect(response!.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a control batch from a client: INVALID_RECORD', async () => {
    const control = buildBatch(hb.broker.core, [{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { control: true, transactional: true, producerId: 1, producerEpoch: 0 });
    const p = await produced(9, 'p-refuse', control);
    expect([p.errorCode, p.errorMessage]).toEqual([ErrorCode.INVALID_RECORD, expect.stringMatching(/control records/)]);
  });

  it('zstd before v7: UNSUPPORTED_COMPRESSION_TYPE', async () => {
    expect((await produced(6, 'p-refuse', batch(2, { compression: ZSTD }))).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await produced(7, 'p-refuse', batch(2, { compression: ZSTD }))).errorCode).toBe(ErrorCode.NONE);
  });

  it('a batch above max.message.bytes: MESSAGE_TOO_LARGE; above segment.bytes: RECORD_LIST_TOO_LARGE', async () => {
    await hb.topic('p-small', 1, {}, { 'max.message.bytes': '200', 'segment.bytes': '4000' });
    const big = buildBatch(hb.broker.core, [{ value: 'x'.repeat(300) }]);
    const p = await produced(9, 'p-small', big);
    expect([p.errorCode, p.errorMessage]).toEqual([ErrorCode.MESSAGE_TOO_LARGE, expect.stringMatching(/max.message.bytes 200/)]);
    const huge = buildBatch(hb.broker.core, [{ value: 'x'.repeat(5000) }]);
    expect((await produced(9, 'p-small', huge)).errorCode).toBe(ErrorCode.RECORD_LIST_TOO_LARGE);
    expect(hb.broker.logs.partition('p-small', 0)!.logEndOffset).toBe(0);
  });

  it('a compacted topic refuses records without a key, naming every one of them (v8+ record errors), compressed or not', async () => {
    await hb.topic('p-compact', 1, {}, { 'cleanup.policy': 'compact' });
    // librdkafka's 0011_produce_batch: one batch of 100 records, every tenth without a key.
    const records = Array.from({ length: 100 }, (_, i) => ({ key: i % 10 === 0 ? null : `k${i}`, value: `v${i}` }));
    const keylessAt = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90];
    const message = 'Compacted topic cannot accept message without key in topic partition p-compact-0';
    for (const compression of [0, GZIP, ZSTD]) {
      const p = await produced(9, 'p-compact', buildBatch(hb.broker.core, records, { compression, codecs }));
      expect(p.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(p.recordErrors).toEqual(keylessAt.map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })));
      // Kafka's partition-level message, as LogValidator words it.
      expect(p.errorMessage).toBe(`One or more records have been rejected due to 10 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=0, message='${message}'), RecordError(batchIndex=10, message='${message}'), RecordError(batchIndex=20, message='${message}')]`);
      expect(p.logStartOffset).toBe(0);
    }
    const one = buildBatch(hb.broker.core, [{ key: 'a', value: '1' }, { key: null, value: '2' }], { compression: GZIP, codecs });
    expect((await produced(8, 'p-compact', one)).recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    // Before v8 there is no room for record errors, and the error stays INVALID_RECORD, as Kafka's.
    expect((await produced(7, 'p-compact', one)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produced(8, 'p-compact', batch(2))).errorCode).toBe(ErrorCode.NONE);
    expect(hb.broker.logs.partition('p-compact', 0)!.logEndOffset).toBe(2); // no refused record took an offset
  });
});

describe('Produce acks and compression.type', () => {
  it('acks=0 gets no response; a failure closes the connection instead', async () => {
    await hb.topic('p-acks0', 1);
    const ok = await send(9, 'p-acks0', [[0, batch(2)]], 0);
    expect([ok.response, ok.closed]).toEqual([null, null]);
    expect(hb.broker.logs.partition('p-acks0', 0)!.logEndOffset).toBe(2);
    const failed = await send(9, 'p-acks0', [[5, batch(2)]], 0);
    expect(failed.response).toBeNull();
    expect(failed.closed).toMatch(/acks=0 produce failed \(p-acks0-5: This server does not host/);
  });

  it('a topic\'s compression.type re-compresses the batch with its codec, keeping the records', async () => {
    await hb.topic('p-snappy', 1, {}, { 'compression.type': 'snappy' });
    expect((await produced(9, 'p-snappy', batch(3, { compression: GZIP }))).errorCode).toBe(ErrorCode.NONE);
    expect((await produced(9, 'p-snappy', batch(2))).errorCode).toBe(ErrorCode.NONE);
    const batches = await stored('p-snappy');
    expect(batches.map((b) => [b.header.compression, b.records.map((r) => [r.offset, text(r.key)])])).toEqual([
      [SNAPPY, [[0, 'k0'], [1, 'k1'], [2, 'k2']]], [SNAPPY, [[3, 'k0'], [4, 'k1']]],
    ]);
  });

  it('v2+ answer the log append time when the topic uses LogAppendTime, -1 otherwise', async () => {
    await hb.topic('p-lat', 1, {}, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const p = await produced(2, 'p-lat', fixtures.find((f) => f.file === 'kafka-python-v1-none.bin')!.bytes);
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    expect((await stored('p-lat'))[0].records.every((r) => r.timestamp === p.logAppendTimeMs)).toBe(true);
    await hb.topic('p-create-time', 1);
    const created = await produced(2, 'p-create-time', fixtures.find((f) => f.file === 'kafka-python-v1-none.bin')!.bytes);
    expect([created.errorCode, created.logAppendTimeMs]).toEqual([ErrorCode.NONE, -1]);
  });
});
