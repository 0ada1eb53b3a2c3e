// Producer state through the log, over real files and append workers: duplicates and gaps as
// a producer meets them, transactions and the last stable offset, the aborted transactions a
// read_committed fetch lists, and what survives a clean stop, a crash (no clean shutdown
// file), a corrupt snapshot and retention (src/log/producer-recovery.ts, partition-log.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBatch } from '../../../src/core/index.js';
import { initCompression } from '../../../src/compression/codecs.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { snapshotOffsets } from '../../../src/log/producer-recovery.js';
import { core } from '../../helpers/core.js';
import { LogDirs, type Opened } from '../../helpers/logs.js';
import { waitFor } from '../../helpers/wait.js';

const dirs = new LogDirs(core);
beforeAll(() => initCompression());
afterAll(() => dirs.cleanup());

const idempotent = (producerId: number, baseSequence: number, n: number, o: { epoch?: number; transactional?: boolean } = {}) => buildBatch(core,
  Array.from({ length: n }, (_, i) => ({ key: `k${baseSequence + i}`, value: `value ${baseSequence + i}`.padEnd(60, '.'), timestamp: Date.now() })),
  { producerId, producerEpoch: o.epoch ?? 0, baseSequence, transactional: o.transactional });

async function fresh(overrides: Record<string, string> = {}): Promise<{ root: string; opened: Opened; log: PartitionLog }> {
  const root = dirs.newRoot();
  const opened = await dirs.open(root, overrides);
  await opened.manager.createTopic('t', 1);
  return { root, opened, log: opened.manager.partition('t', 0)! };
}

async function refused(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
  return ErrorCode.NONE;
}

describe('idempotent appends through the log', () => {
  it('a duplicate resolves with the first offsets and leaves the log as it was; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const { log } = await fresh();
    const first = await log.append(idempotent(1, 0, 3));
    await log.append(idempotent(1, 3, 3));
    const end = log.logEndOffset;
    const size = log.activeSegment.size;
    const again = await log.append(idempotent(1, 0, 3));
    expect([again.duplicate, again.baseOffset, again.lastOffset]).toEqual([true, first.baseOffset, first.lastOffset]);
    expect([log.logEndOffset, log.activeSegment.size]).toEqual([end, size]);
    expect(await refused(log.append(idempotent(1, 7, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(log.logEndOffset).toBe(end);
    expect((await log.append(idempotent(1, 6, 1))).baseOffset).toBe(end);
  });
});

describe('transactions through the log', () => {
  it('the LSO stops at the earliest open transaction; markers move it on; an abort is listed for read_committed', async () => {
    const { log } = await fresh();
    await log.append(idempotent(9, 0, 2)); // plain idempotent data: decided at once
    expect(log.lastStableOffset).toBe(2);
    await log.append(idempotent(1, 0, 2, { transactional: true })); // 2-3
    await log.append(idempotent(2, 0, 2, { transactional: true })); // 4-5
    await log.append(idempotent(1, 2, 1, { transactional: true })); // 6
    expect([log.lastStableOffset, log.highWatermark, log.hasOngoingTransaction(1), log.hasOngoingTransaction(9)]).toEqual([2, 7, true, false]);
    const woken = new Promise<void>((resolve) => log.onNextAppend(resolve));
    const abortAt = await log.appendMarker(1, 0, false, 0);
    await woken;
    expect(abortAt).toBe(7);
    expect(log.lastStableOffset).toBe(4); // producer 2's transaction is still open
    expect(await log.appendMarker(2, 0, true, 0)).toBe(8);
    expect(log.lastStableOffset).toBe(log.highWatermark);
    const slice = log.slice(0, 1 << 20, true, log.lastStableOffset)!;
    try {
      expect(log.abortedTransactions(0, slice, log.lastStableOffset)).toEqual([{ producerId: 1, firstOffset: 2, lastOffset: 7, lastStableOffset: 4 }]);
      expect(log.abortedTransactions(8, slice, log.lastStableOffset)).toEqual([]);
    } finally {
      slice.release();
    }
    expect(await log.producers()).toEqual(expect.arrayContaining([expect.objectContaining({ producerId: 1, currentTxnFirstOffset: -1, lastSequence: 2 })]));
  });

  it('an old epoch is refused for data and markers; a marker with a newer coordinator epoch fences older coordinators', async () => {
    const { log } = await fresh();
    await log.append(idempotent(3, 0, 1, { epoch: 5, transactional: true }));
    expect(await refused(log.append(idempotent(3, 1, 1, { epoch: 4, transactional: true })))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await refused(log.appendMarker(3, 4, false, 1))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await refused(log.append(idempotent(3, 1, 1, { epoch: 5 })))).toBe(ErrorCode.INVALID_TXN_STATE);
    await log.appendMarker(3, 5, true, 2);
    expect(await refused(log.appendMarker(3, 5, true, 1))).toBe(ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  });
});

describe('producer state across restarts', () => {
  it('a clean stop snapshots it at the log end: the next start replays nothing and goes on', async () => {
    const { root, opened, log } = await fresh();
    await log.append(idempotent(1, 0, 2));
    await log.append(idempotent(2, 0, 1, { transactional: true }));
    await opened.manager.shutdown();
    const again = await dirs.open(root);
    const reopened = again.manager.partition('t', 0)!;
    expect(snapshotOffsets(reopened.dir)).toEqual([3]);
    expect((await reopened.append(idempotent(1, 0, 2))).duplicate).toBe(true);
    expect(await refused(reopened.append(idempotent(1, 3, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(reopened.lastStableOffset).toBe(2); // producer 2's transaction is still open
    await reopened.appendMarker(2, 0, false, 0);
    expect(reopened.lastStableOffset).toBe(reopened.highWatermark);
  });

  it('a clean stop writes no snapshot where no producer state was ever kept (an empty log, plain producers): the next start has none to rebuild', async () => {
    const { root, opened, log } = await fresh();
    await opened.manager.createTopic('plain', 1);
    const plain = opened.manager.partition('plain', 0)!;
    await plain.append(buildBatch(core, [{ value: 'no producer id' }]));
    await opened.manager.shutdown();
    expect([snapshotOffsets(log.dir), snapshotOffsets(plain.dir)]).toEqual([[], []]);
    const again = await dirs.open(root);
    const reopened = again.manager.partition('plain', 0)!;
    expect(snapshotOffsets(reopened.dir)).toEqual([]); // nor does the start write an empty one
    expect((await reopened.append(idempotent(7, 0, 1))).baseOffset).toBe(1); // a new producer, from sequence 0
    await again.manager.shutdown();
    expect(snapshotOffsets(reopened.dir)).toContain(2); // now there is state to keep
  });

  it('after a crash the state is the latest snapshot plus the log after it: the last 5 batches are known again, and the transaction index is rebuilt', async () => {
    const { root, opened, log } = await fresh({ 'log.segment.bytes': '1200' });
    const firsts: number[] = [];
    for (let i = 0; i < 12; i++) firsts.push((await log.append(idempotent(1, i * 2, 2))).baseOffset);
    await log.append(idempotent(2, 0, 1, { transactional: true }));
    await log.appendMarker(2, 0, false, 0);
    await log.append(idempotent(3, 0, 2, { transactional: true })); // left open
    expect(log.segments.length).toBeGreaterThan(2);
    await waitFor('the rolled segments synced', () => log.recoveryPoint >= log.activeSegment.baseOffset);
    await opened.manager.writeCheckpoints();
    const activeBase = log.activeSegment.baseOffset;
    const txnIndex = log.segments.find((s) => existsSync(s.paths.txnIndex))!.paths.txnIndex;
    const entries = readFileSync(txnIndex);
    expect(entries.length).toBe(34);
    rmSync(txnIndex);
    // No shutdown: the next start finds no clean-shutdown file, as after kill -9.
    const again = await dirs.open(root, { 'log.segment.bytes': '1200' });
    const reopened = again.manager.partition('t', 0)!;
    // Known again: the batches replayed from the active segment, and the last one before it
    // (the snapshot at its base holds each producer's last batch, as Kafka's does); of those, the last 5.
    const replayed = firsts.map((f, i) => (f >= activeBase || firsts[i + 1] >= activeBase ? i : -1)).filter((i) => i >= 0).slice(-5);
    expect(replayed.length).toBeGreaterThan(1);
    for (let i = 0; i < 12; i++) {
      const retry = await refused(reopened.append(idempotent(1, i * 2, 2)).then((r) => expect(r.duplicate).toBe(true)));
      expect([i, retry]).toEqual([i, replayed.includes(i) ? ErrorCode.NONE : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER]);
    }
    expect(reopened.hasOngoingTransaction(3)).toBe(true);
    expect(reopened.lastStableOffset).toBe(reopened.logEndOffset - 2);
    expect(snapshotOffsets(reopened.dir)).toContain(reopened.logEndOffset);
    // The index of a segment recovery scanned is written again from the markers in it.
    if (txnIndex.includes(String(activeBase).padStart(20, '0'))) expect(readFileSync(txnIndex).equals(entries)).toBe(true);
    else expect(existsSync(txnIndex)).toBe(false); // below the recovery point: not scanned, not rebuilt
  });

  it('a crash with every segment unflushed replays the whole log, and rebuilds every transaction index', async () => {
    const { root, log } = await fresh({ 'log.segment.bytes': '600' });
    await log.append(idempotent(5, 0, 1, { transactional: true }));
    await log.appendMarker(5, 0, false, 0);
    for (let i = 0; i < 8; i++) await log.append(idempotent(6, i, 1));
    const txnIndex = log.segments[0].paths.txnIndex;
    const before = readFileSync(txnIndex);
    rmSync(txnIndex);
    const again = await dirs.open(root, { 'log.segment.bytes': '600' });
    const reopened = again.manager.partition('t', 0)!;
    expect(readFileSync(txnIndex).equals(before)).toBe(true);
    expect((await reopened.append(idempotent(6, 7, 1))).duplicate).toBe(true);
  });

  it('a corrupt snapshot is deleted with a warning, and an older one (or the log) gives the state', async () => {
    const { root, opened, log } = await fresh();
    await log.append(idempotent(1, 0, 2));
    await opened.manager.shutdown();
    const path = join(log.dir, '00000000000000000002.snapshot');
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(path, bytes);
    const again = await dirs.open(root);

    expect(again.logged.some((l) => l.startsWith('WARN') && l.includes('00000000000000000002.snapshot') && l.includes('CRC'))).toBe(true);
    const reopened = again.manager.partition('t', 0)!;
    // No other snapshot: the log is replayed from its start (the stop was clean, yet a snapshot had been there).
    expect((await reopened.append(idempotent(1, 0, 2))).duplicate).toBe(true);
  });

  it('retention deleting a segment deletes its snapshot and transaction index too', async () => {
    const { log } = await fresh({ 'log.segment.bytes': '600', 'log.retention.bytes': '1', 'log.segment.delete.delay.ms': '0' });
    await log.append(idempotent(1, 0, 1, { transactional: true }));
    await log.appendMarker(1, 0, false, 0);
    for (let i = 0; i < 8; i++) await log.append(idempotent(2, i, 1));
    const first = log.segments[1];
    expect(existsSync(join(log.dir, `${String(first.baseOffset).padStart(20, '0')}.snapshot`))).toBe(true);
    expect(existsSync(log.segments[0].paths.txnIndex)).toBe(true);
    expect(log.applyRetention(Date.now())).toBeGreaterThan(1);
    const below = () => readdirSync(log.dir).filter((f) => Number(f.slice(0, 20)) < log.logStartOffset);
    await waitFor('the deleted segments\' files removed', () => below().length === 0);
    const left = readdirSync(log.dir);
    expect(left.filter((f) => f.endsWith('.txnindex'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('.snapshot')).every((f) => Number(f.slice(0, 20)) >= log.logStartOffset)).toBe(true);
  });
});
