// src/storage/partition-writer.ts with producers: idempotent appends (duplicates answered
// with their first offsets, gaps refused without using an offset), transaction markers and
// the transaction index, and the producer snapshots taken at a roll and at shutdown.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, buildBatch, decodeBatches, ABI } from '../../../src/core/index.js';
import { PartitionWriter, type WriterConfig } from '../../../src/storage/partition-writer.js';
import { decodeSnapshot } from '../../../src/storage/producer-snapshot.js';
import { decodeTxnIndex } from '../../../src/storage/txn-index.js';
import * as ch from '../../../src/storage/channel.js';

const core = Core.create();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const NEVER = Number.MAX_SAFE_INTEGER;
const CONFIG: WriterConfig = { segmentBytes: 1 << 30, segmentMs: NEVER, segmentJitterMs: 0, flushMessages: NEVER, flushMs: NEVER, producerIdExpirationMs: NEVER, producerIdExpirationCheckIntervalMs: NEVER };
const SEG0 = '00000000000000000000';

function writer(config: Partial<WriterConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-writer-p-'));
  dirs.push(dir);
  return { w: new PartitionWriter(core, dir, { dir, activeBaseOffset: 0, position: 0, createdMs: Date.now(), nextOffset: 0, producers: [], snapshotOffset: -1, config: { ...CONFIG, ...config } }), dir };
}

function append(w: PartitionWriter, bytes: Uint8Array) {
  const ptr = core.mem.reserve(bytes.length);
  core.mem.write(ptr, bytes);
  return { ...w.append(ptr, bytes.length, ch.FLAG_STRICT, -1) };
}

function marker(w: PartitionWriter, producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch = 0) {
  return { ...w.appendMarker({ partition: 1, ptr: 0 as never, length: 0, id: 0, logAppendTime: -1, flags: ch.FLAG_MARKER | (commit ? ch.FLAG_COMMIT : 0), producerId, producerEpoch, coordinatorEpoch }) };
}

const idempotent = (producerId: number, baseSequence: number, n: number, o: { epoch?: number; transactional?: boolean } = {}) => buildBatch(core,
  Array.from({ length: n }, (_, i) => ({ value: `v${baseSequence + i}`, timestamp: 1_700_000_000_000 + i })),
  { producerId, producerEpoch: o.epoch ?? 0, baseSequence, transactional: o.transactional });
const sizeOf = (dir: string, file: string) => statSync(join(dir, file)).size;

describe('PartitionWriter with idempotent producers', () => {
  it('a retried batch is answered with its first offsets and not written again; a gap is refused without using an offset', () => {
    const { w, dir } = writer();
    const first = append(w, idempotent(7, 0, 3));
    const second = append(w, idempotent(7, 3, 2));
    const size = sizeOf(dir, `${SEG0}.log`);
    const retry = append(w, idempotent(7, 0, 3));
    expect(retry).toMatchObject({ status: 0, duplicate: true, baseOffset: first.baseOffset, lastOffset: 2, size: 0 });
    expect(sizeOf(dir, `${SEG0}.log`)).toBe(size);
    const gap = append(w, idempotent(7, 6, 1));
    expect(gap).toMatchObject({ status: ch.STATUS_OUT_OF_ORDER_SEQUENCE, detail: 4 });
    expect(append(w, idempotent(7, 5, 1))).toMatchObject({ status: 0, duplicate: false, baseOffset: second.lastOffset + 1, producerId: 7 });
    expect(decodeBatches(core, readFileSync(join(dir, `${SEG0}.log`))).map((b) => b.header.baseOffset)).toEqual([0, 3, 5]);
    w.close();
  });

  it('a roll snapshots the producer state as it stood before the batch that starts the new segment; snapshotSync writes one at the log end', () => {
    const { w, dir } = writer({ segmentBytes: 100 });
    append(w, idempotent(1, 0, 2));
    const rolled = append(w, idempotent(2, 0, 2));
    expect(rolled.rolled).toBe(true);
    const snap = decodeSnapshot(readFileSync(join(dir, '00000000000000000002.snapshot')), (b) => core.crc32c(b));
    expect(snap).toEqual([expect.objectContaining({ producerId: 1, lastSequence: 1, lastOffset: 1, offsetDelta: 1 })]);
    w.snapshotSync();
    const atEnd = decodeSnapshot(readFileSync(join(dir, '00000000000000000004.snapshot')), (b) => core.crc32c(b));
    expect(atEnd.map((e) => [e.producerId, e.lastOffset]).sort()).toEqual([[1, 1], [2, 3]]);
    w.snapshotSync(); // nothing new: no new file
    expect(readdirSync(dir).filter((f) => f.endsWith('.snapshot')).length).toBe(2);
    w.close();
  });

  it('producers idle past producer.id.expiration.ms are forgotten at the next check', () => {
    const { w } = writer({ producerIdExpirationMs: 1000, producerIdExpirationCheckIntervalMs: 1 });
    append(w, idempotent(5, 0, 1)); // record timestamps of 2023: long idle
    w.maybeFlush(Date.now() + 10);
    expect(w.producers.entry(5)).toBeUndefined();
    expect(append(w, idempotent(5, 99, 1)).status).toBe(0); // KIP-360: unknown, any sequence
    w.close();
  });
});

describe('PartitionWriter with transactions', () => {
  it('writes COMMIT and ABORT markers as control batches; an abort gets its transaction index entry', () => {
    const { w, dir } = writer();
    expect(append(w, idempotent(1, 0, 2, { transactional: true })).txnStarted).toBe(true);
    expect(append(w, idempotent(2, 0, 1, { transactional: true })).txnStarted).toBe(true);
    expect(append(w, idempotent(1, 2, 1, { transactional: true })).txnStarted).toBe(false);
    expect(append(w, idempotent(1, 3, 1))).toMatchObject({ status: ch.STATUS_INVALID_TXN_STATE, detail: 0 });
    const abort = marker(w, 1, 0, false, 3);
    expect(abort).toMatchObject({ status: 0, baseOffset: 4, lastOffset: 4, records: 1, abortedFirstOffset: 0, abortedLastStableOffset: 2 });
    const commit = marker(w, 2, 0, true, 3);
    expect(commit).toMatchObject({ status: 0, baseOffset: 5, abortedFirstOffset: -1 });
    const batches = decodeBatches(core, readFileSync(join(dir, `${SEG0}.log`)));
    const controls = batches.filter((b) => b.header.isControl)
      .map((b) => [b.header.baseOffset, b.header.producerId, b.records[0].key![3], Buffer.from(b.records[0].value!).readInt32BE(2)]);
    expect(controls).toEqual([[4, 1, ABI.CONTROL_ABORT, 3], [5, 2, ABI.CONTROL_COMMIT, 3]]);
    expect([...decodeTxnIndex(readFileSync(join(dir, `${SEG0}.txnindex`)))]).toEqual([1, 0, 4, 2]);
    w.close();
  });

  it('refuses a marker with an older producer epoch or coordinator epoch, writing nothing', () => {
    const { w, dir } = writer();
    append(w, idempotent(1, 0, 1, { epoch: 3, transactional: true }));
    const size = sizeOf(dir, `${SEG0}.log`);
    expect(marker(w, 1, 2, false)).toMatchObject({ status: ch.STATUS_INVALID_PRODUCER_EPOCH, detail: 3 });
    expect(marker(w, 1, 4, false, 9)).toMatchObject({ status: 0, baseOffset: 1 }); // a fencing abort: bumped epoch
    expect(marker(w, 1, 4, true, 8)).toMatchObject({ status: ch.STATUS_COORDINATOR_FENCED, detail: 9 });
    expect(sizeOf(dir, `${SEG0}.log`)).toBe(size + ABI.MARKER_BATCH_SIZE);
    // A marker for a producer with nothing open is written, and indexes nothing.
    expect(marker(w, 77, 0, false)).toMatchObject({ status: 0, baseOffset: 2, abortedFirstOffset: -1 });
    expect(decodeTxnIndex(readFileSync(join(dir, `${SEG0}.txnindex`))).length).toBe(4);
    w.close();
  });
});
