// src/storage/partition-writer.ts, run here on the main thread with its own core (an append
// worker runs it the same way): offsets assigned in place, segment rolls, the flush policy,
// and failures that leave no gap.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, buildBatch, decodeBatches, ABI } from '../../../src/core/index.js';
import { PartitionWriter, type WriterConfig, type WriterSpec } from '../../../src/storage/partition-writer.js';
import * as ch from '../../../src/storage/channel.js';
import { waitFor } from '../../helpers/wait.js';

const core = Core.create();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const NEVER = Number.MAX_SAFE_INTEGER;
const CONFIG: WriterConfig = { segmentBytes: 1 << 30, segmentMs: NEVER, segmentJitterMs: 0, flushMessages: NEVER, flushMs: NEVER, producerIdExpirationMs: NEVER, producerIdExpirationCheckIntervalMs: NEVER };

function writer(spec: Omit<Partial<WriterSpec>, 'config'> & { config?: Partial<WriterConfig> } = {}) {
  const dir = spec.dir ?? mkdtempSync(join(tmpdir(), 'strom-writer-'));
  if (!spec.dir) dirs.push(dir);
  const w = new PartitionWriter(core, dir, { dir, activeBaseOffset: 0, position: 0, createdMs: Date.now(), nextOffset: 0, producers: [], snapshotOffset: -1, ...spec, config: { ...CONFIG, ...spec.config } });
  const flushed: number[] = [];
  w.onFlushed = (offset) => flushed.push(offset);
  return { w, dir, flushed };
}

/** Appends `bytes` as the worker does: the batch in core memory; a copy of what the writer says of it. */
function append(w: PartitionWriter, bytes: Uint8Array, flags = ch.FLAG_STRICT, logAppendTime = -1) {
  const ptr = core.mem.reserve(bytes.length);
  core.mem.write(ptr, bytes);
  const done = w.append(ptr, bytes.length, flags, logAppendTime);
  if (done.status !== 0) return { status: done.status };
  return { ...done, rolled: done.rolled ? 1 : 0 };
}

const batch = (n: number, timestamps?: number[]) => buildBatch(core, Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, timestamp: timestamps?.[i] ?? 1_700_000_000_000 + i })));
const logs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
const offsetsIn = (dir: string, file: string) => decodeBatches(core, readFileSync(join(dir, file))).flatMap((b) => b.records.map((r) => r.offset));

describe('PartitionWriter', () => {
  it('assigns offsets in place and writes each batch at the end of the segment', () => {
    const { w, dir } = writer();
    const a = append(w, batch(3));
    const b = append(w, batch(2));
    expect([a.baseOffset, a.lastOffset, a.position, a.records, a.rolled]).toEqual([0, 2, 0, 3, 0]);
    expect([b.baseOffset, b.lastOffset, b.position]).toEqual([3, 4, a.size]);
    expect(offsetsIn(dir, '00000000000000000000.log')).toEqual([0, 1, 2, 3, 4]);
    w.close();
  });

  it('continues an existing segment where its spec says (after a restart)', () => {
    const { w, dir } = writer();
    append(w, batch(4));
    w.close();
    const size = readFileSync(join(dir, '00000000000000000000.log')).length;
    const again = new PartitionWriter(core, dir, { dir, activeBaseOffset: 0, position: size, createdMs: Date.now(), nextOffset: 4, config: CONFIG, producers: [], snapshotOffset: -1 });
    const r = append(again, batch(1));
    expect([r.baseOffset, r.position]).toEqual([4, size]);
    expect(offsetsIn(dir, '00000000000000000000.log')).toEqual([0, 1, 2, 3, 4]);
    again.close();
  });

  it('reports the record with the largest timestamp, or stamps LogAppendTime on every record', () => {
    const { w } = writer();
    const r = append(w, batch(3, [5000, 9000, 7000]));
    expect([r.maxTimestamp, r.offsetOfMaxTimestamp, r.logAppendTime]).toEqual([9000, 1, -1]);
    const stamped = append(w, batch(3, [5000, 9000, 7000]), ch.FLAG_STRICT, 1_800_000_000_000);
    expect([stamped.maxTimestamp, stamped.offsetOfMaxTimestamp, stamped.logAppendTime]).toEqual([1_800_000_000_000, 5, 1_800_000_000_000]);
    w.close();
  });

  it('refuses an invalid batch with the core\'s error, writing nothing and using no offset', () => {
    const { w, dir } = writer();
    const bad = batch(2);
    bad[bad.length - 1] ^= 1;
    expect(append(w, bad).status).toBe(ABI.ERR_CRC);
    expect(readFileSync(join(dir, '00000000000000000000.log')).length).toBe(0);
    expect(append(w, batch(1)).baseOffset).toBe(0);
    w.close();
  });

  it('rolls before a batch that would pass segment.bytes; a segment always takes its first batch', () => {
    const size = batch(3).length;
    const { w, dir } = writer({ config: { segmentBytes: size * 2 } });
    const results = [append(w, batch(3)), append(w, batch(3)), append(w, batch(3))];
    expect(results.map((r) => [r.baseOffset, r.rolled, r.position])).toEqual([[0, 0, 0], [3, 0, size], [6, 1, 0]]);
    expect(logs(dir)).toEqual(['00000000000000000000.log', '00000000000000000006.log']);
    expect(offsetsIn(dir, '00000000000000000006.log')).toEqual([6, 7, 8]);
    const huge = buildBatch(core, [{ value: 'x'.repeat(size * 3) }]);
    const { w: fresh } = writer({ config: { segmentBytes: size } });
    expect(append(fresh, huge)).toMatchObject({ status: 0, position: 0, rolled: 0 });
    fresh.close();
    w.close();
  });

  it('rolls on FLAG_ROLL (the main thread\'s index is full) and by age (segment.ms minus jitter)', () => {
    const { w, dir } = writer();
    append(w, batch(1));
    expect(append(w, batch(1), ch.FLAG_STRICT | ch.FLAG_ROLL).rolled).toBe(1);
    expect(logs(dir)).toEqual(['00000000000000000000.log', '00000000000000000001.log']);
    const old = writer({ createdMs: Date.now() - 10_000, config: { segmentMs: 20_000, segmentJitterMs: 5_000 } });
    expect(append(old.w, batch(1)).rolled).toBe(0); // empty: never rolled
    expect(append(old.w, batch(1)).rolled).toBe(0); // 10 s old < 20 - 5
    const older = writer({ createdMs: Date.now() - 16_000, config: { segmentMs: 20_000, segmentJitterMs: 5_000 } });
    append(older.w, batch(1));
    expect(append(older.w, batch(1)).rolled).toBe(1); // 16 s old > 20 - 5
    for (const x of [w, old.w, older.w]) x.close();
  });

  it('a rolled segment is synced in the background, then its base is reported as flushed', async () => {
    const { w, flushed } = writer();
    append(w, batch(2));
    append(w, batch(2), ch.FLAG_STRICT | ch.FLAG_ROLL);
    await waitFor('the rolled segment\'s sync', () => flushed.length > 0, { timeoutMs: 5000 });
    expect(flushed).toEqual([2]);
    w.close();
  });

  it('flush.messages: syncs once that many records are unflushed, reporting the next offset', () => {
    const { w, flushed } = writer({ config: { flushMessages: 5 } });
    append(w, batch(2));
    expect(flushed).toEqual([]);
    append(w, batch(3));
    expect(flushed).toEqual([5]);
    append(w, batch(4));
    expect(flushed).toEqual([5]); // counted again from the flush
    w.flushSync(); // shutdown: whatever is unflushed
    expect(flushed).toEqual([5, 9]);
    w.flushSync(); // nothing unflushed: nothing to do
    expect(flushed).toEqual([5, 9]);
    w.close();
  });

  it('flush.ms: maybeFlush syncs once the oldest unflushed record is that old', () => {
    const { w, flushed } = writer({ config: { flushMs: 1000 } });
    append(w, batch(2));
    w.maybeFlush(Date.now());
    expect(flushed).toEqual([]);
    w.maybeFlush(Date.now() + 1000);
    expect(flushed).toEqual([2]);
    w.maybeFlush(Date.now() + 5000);
    expect(flushed).toEqual([2]);
    w.close();
  });

  it('offsets beyond what a segment can index (base + 2^31): refused in an empty segment, else a roll', () => {
    const { w } = writer({ nextOffset: 2 ** 31 });
    expect(append(w, batch(1)).status).toBe(ch.STATUS_OFFSET_OVERFLOW);
    w.close();
    const started = writer({ nextOffset: 2 ** 31 - 2 });
    expect(append(started.w, batch(1)).status).toBe(0);
    const r = append(started.w, batch(3));
    expect([r.status, r.rolled, r.baseOffset]).toEqual([0, 1, 2 ** 31 - 1]);
    started.w.close();
  });

  it('a write that fails is STATUS_IO_ERROR', () => {
    const { w } = writer();
    append(w, batch(2));
    w.close(); // the file descriptor is gone: writes fail
    expect(append(w, batch(1)).status).toBe(ch.STATUS_IO_ERROR);
  });

  it('stamps a leader\'s batches with its leader epoch', () => {
    const { w, dir } = writer();
    const ptr = core.mem.reserve(batch(2).length);
    const bytes = batch(2);
    core.mem.write(ptr, bytes);
    expect(w.append(ptr, bytes.length, ch.FLAG_STRICT, -1, 7).status).toBe(0);
    const stored = readFileSync(join(dir, '00000000000000000000.log'));
    expect(stored.readInt32BE(ABI.BATCH_LENGTH + 4)).toBe(7);
    expect(decodeBatches(core, stored)[0].header.partitionLeaderEpoch).toBe(7);
    w.close();
  });

  it('writes a follower\'s copy as the leader made it: offsets and epoch kept, nothing below the log end, nothing past a gap', () => {
    const { w: leader, dir: leaderDir } = writer();
    for (let i = 0; i < 3; i++) {
      const bytes = batch(2);
      const ptr = core.mem.reserve(bytes.length);
      core.mem.write(ptr, bytes);
      expect(leader.append(ptr, bytes.length, ch.FLAG_STRICT, -1, 3).status).toBe(0);
    }
    leader.close();
    const leaderLog = readFileSync(join(leaderDir, '00000000000000000000.log'));
    const sizes = decodeBatches(core, leaderLog).map((b) => b.header.batchSize);
    const { w: follower, dir } = writer();
    const replicate = (from: number, length: number, expected: number) => {
      const ptr = core.mem.reserve(length);
      core.mem.write(ptr, leaderLog.subarray(from, from + length));
      return follower.append(ptr, length, ch.FLAG_REPLICA, -1, 0, expected);
    };
    expect(replicate(0, sizes[0], 0)).toMatchObject({ status: 0, baseOffset: 0, lastOffset: 1 });
    // Queued behind a batch that failed: its expected log end is not this one's.
    expect(replicate(sizes[0] + sizes[1], sizes[2], 4).status).toBe(ch.STATUS_OFFSET_BEHIND);
    // Already here.
    expect(replicate(0, sizes[0], 2).status).toBe(ch.STATUS_OFFSET_BEHIND);
    expect(replicate(sizes[0], sizes[1], 2)).toMatchObject({ status: 0, baseOffset: 2, lastOffset: 3 });
    expect(replicate(sizes[0] + sizes[1], sizes[2], 4)).toMatchObject({ status: 0, baseOffset: 4, lastOffset: 5 });
    follower.close();
    expect(readFileSync(join(dir, '00000000000000000000.log')).equals(leaderLog)).toBe(true);
  });
});
