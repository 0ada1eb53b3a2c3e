// The log cleaner with transactional data (Kafka's LogCleaner rules, cleaner-task.ts): it
// never passes the last stable offset; aborted records go (and never shadow a committed
// value of their key); markers stay while their transaction's batches were seen, then until
// delete.retention.ms after their segment joined the clean section; the transaction index
// keeps the entries of the ABORT markers kept. Over real files, as log-cleaner.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { buildBatch, decodeBatches, ABI } from '../../../src/core/index.js';
import { initCompression, codecs } from '../../../src/compression/codecs.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { core } from '../../helpers/core.js';
import { LogDirs, settled } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
beforeAll(initCompression);
afterAll(() => dirs.cleanup());

const HOUR = 3_600_000;
const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': '2000', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': String(HOUR) };

const txn = (producerId: number, baseSequence: number, keys: string[], tag: string) => buildBatch(core,
  keys.map((key) => ({ key, value: `${key}=${tag}`, timestamp: Date.now() })), { producerId, producerEpoch: 0, baseSequence, transactional: true });

async function filler(log: PartitionLog, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) await log.append(buildBatch(core, [{ key: `f${i % 3}`, value: `${tag}${i}`.padEnd(300, '.'), timestamp: Date.now() }]));
}

interface Seen {
  offset: number;
  producerId: number;
  control: number | null;
  records: { key: string | null; value: string | null }[];
}

/** Every batch of the log, as stored: markers with their control type. */
async function batches(log: PartitionLog): Promise<Seen[]> {
  const out: Seen[] = [];
  for (const segment of log.segments) {
    const bytes = readFileSync(segment.paths.log);
    for (const b of decodeBatches(core, bytes, codecs)) {
      const control = b.header.isControl ? b.records[0].key![3] : null;
      out.push({
        offset: b.header.baseOffset, producerId: b.header.producerId, control,
        records: b.header.isControl ? [] : b.records.map((r) => ({ key: r.key && Buffer.from(r.key).toString(), value: r.value && Buffer.from(r.value).toString() })),
      });
    }
  }
  return out;
}

/** The values of the transactions' records (not the fillers'). */
const valuesOf = (seen: Seen[]) => seen.flatMap((b) => b.records.filter((r) => !r.key?.startsWith('f')).map((r) => r.value));

describe('log cleaner with transactions', () => {
  it('removes aborted records, keeps committed ones, stops at the LSO, and drops markers once safe and past delete.retention.ms', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('tx', 1, COMPACT);
    const log = manager.partition('tx', 0)!;
    await log.append(txn(1, 0, ['c0', 'c1'], 'committed'));
    await log.appendMarker(1, 0, true, 0);
    await log.append(txn(2, 0, ['a0', 'c0'], 'aborted'));
    await log.appendMarker(2, 0, false, 0);
    await filler(log, 12, 'x');
    const openAt = (await log.append(txn(3, 0, ['o0'], 'open'))).baseOffset;
    await filler(log, 12, 'y');
    await settled(log);
    expect(log.lastStableOffset).toBe(openAt);
    const openSegment = log.segmentFor(openAt)!;
    const untouched = log.segments.filter((s) => s.baseOffset >= openSegment.baseOffset).map((s) => readFileSync(s.paths.log));
    const abortIndex = log.segmentFor(3)!.paths.txnIndex;
    expect(existsSync(abortIndex)).toBe(true);

    const t0 = Date.now();
    const [first] = await manager.compact('tx', t0);
    expect(first).toMatchObject({ from: 0, to: openSegment.baseOffset, abortedRecordsRemoved: 2, markersRemoved: 0 });
    let seen = await batches(log);
    // The aborted c0 is gone and did not shadow the committed one; both markers are still there.
    expect(valuesOf(seen).sort()).toEqual(['c0=committed', 'c1=committed', 'o0=open']);
    expect(seen.filter((b) => b.control !== null).map((b) => [b.producerId, b.control])).toEqual([[1, ABI.CONTROL_COMMIT], [2, ABI.CONTROL_ABORT]]);
    expect(log.segments.filter((s) => s.baseOffset >= openSegment.baseOffset).map((s) => readFileSync(s.paths.log))).toEqual(untouched);
    expect(existsSync(abortIndex)).toBe(true); // its marker is kept: so is its entry

    // Past the horizon: the ABORT marker has no batch left and goes, with its index entry;
    // the COMMIT marker's transaction still has its records: it stays.
    expect(await manager.compact('tx', t0 + HOUR - 1000)).toEqual([]);
    const [second] = await manager.compact('tx', t0 + HOUR + 1000);
    expect(second).toMatchObject({ reason: 'tombstones', markersRemoved: 1 });
    seen = await batches(log);
    expect(seen.filter((b) => b.control !== null).map((b) => [b.producerId, b.control])).toEqual([[1, ABI.CONTROL_COMMIT]]);
    expect(existsSync(abortIndex)).toBe(false);
    expect(log.abortedTransactionsIn(0, log.logEndOffset)).toEqual([]);

    // The open transaction commits: the LSO reaches the end, and the cleaner goes further.
    await log.appendMarker(3, 0, true, 0);
    await filler(log, 8, 'z');
    await settled(log);
    const [third] = await manager.compact('tx', t0 + HOUR + 2000);
    expect(third.to).toBeGreaterThan(openSegment.baseOffset);
    expect(valuesOf(await batches(log)).sort()).toEqual(['c0=committed', 'c1=committed', 'o0=open']);
  });

  it('a COMMIT marker goes once later records made its transaction\'s records obsolete', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('tx2', 1, { ...COMPACT, 'delete.retention.ms': '0' });
    const log = manager.partition('tx2', 0)!;
    await log.append(txn(1, 0, ['f0'], 'committed'));
    await log.appendMarker(1, 0, true, 0);
    await filler(log, 14, 'x'); // f0 overwritten
    await settled(log);
    const t0 = Date.now();
    await manager.compact('tx2', t0); // the transaction's record goes; its batch was seen: the marker stays
    expect((await batches(log)).filter((b) => b.control !== null)).toHaveLength(1);
    await filler(log, 6, 'y');
    await settled(log);
    await manager.compact('tx2', t0 + 1000);
    expect((await batches(log)).filter((b) => b.control !== null)).toHaveLength(0);
  });
});
