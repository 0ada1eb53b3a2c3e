// The cleaner's file work (cleaner-task.ts) run in this thread, and crashes at every step of
// swapping its output in: whatever the step, a restart finds a consistent log (each segment
// old or compacted, never a mix), rebuilds what indexes it must, and loses no record that
// was not made obsolete by a later one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync, truncateSync, unlinkSync, renameSync, copyFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildBatch, ABI } from '../../../src/core/index.js';
import { initCompression, codecs } from '../../../src/compression/codecs.js';
import { cleanSegments, type CleanTask, type CleanOutput } from '../../../src/log/cleaner-task.js';
import { core } from '../../helpers/core.js';
import { LogDirs, readRecords, settled, latestByKey, type ReadRecord } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
beforeAll(initCompression);
afterAll(() => dirs.cleanup());

const TOPIC = { 'cleanup.policy': 'compact', 'segment.bytes': '1500', 'min.cleanable.dirty.ratio': '0.01' };

interface Prepared {
  dir: string;
  partitionDir: string;
  before: ReadRecord[];
  logEndOffset: number;
  activeBase: number;
}

/** A compacted topic with updates of 4 keys over several segments, then a clean or unclean stop. */
async function prepare(cleanStop: boolean): Promise<Prepared> {
  const dir = dirs.newRoot();
  const { manager, pool } = await dirs.open(dir);
  await manager.createTopic('crash', 1, TOPIC);
  const log = manager.partition('crash', 0)!;
  for (let i = 0; i < 60; i++) {
    const records = [{ key: `k${i % 4}`, value: `v${i}`.padEnd(80, '.') }, { key: `k${(i + 1) % 4}`, value: i % 9 === 0 ? null : `w${i}`.padEnd(80, '.') }];
    await log.append(buildBatch(core, records));
  }
  await settled(log);
  const before = await readRecords(core, log);
  const prepared = { dir, partitionDir: log.dir, before, logEndOffset: log.logEndOffset, activeBase: log.activeSegment.baseOffset };
  if (cleanStop) await manager.shutdown();
  await pool.stop();
  return prepared;
}

/** The pass the cleaner would run on the stopped log: every segment but the active one, all dirty. */
function taskFor(partitionDir: string, nowMs = Date.now()): CleanTask {
  const bases = readdirSync(partitionDir).filter((f) => f.endsWith('.log')).sort().map((f) => Number(f.slice(0, 20)));
  return {
    dir: partitionDir,
    segments: bases.slice(0, -1).map((baseOffset) => ({ baseOffset, size: statSync(join(partitionDir, `${String(baseOffset).padStart(20, '0')}.log`)).size, clean: false })),
    endOffset: bases[bases.length - 1],
    nowMs,
    deleteRetentionMs: 86_400_000,
    maxMapBytes: 1 << 20,
    abortedTxns: [],
  };
}

const path = (p: Prepared, base: number, suffix: string) => join(p.partitionDir, `${String(base).padStart(20, '0')}${suffix}`);

/** Crash points of the swap (log-cleaner.ts), applied to the first `count` replaced segments. */
const STEPS: Record<string, (p: Prepared, out: CleanOutput) => void> = {
  'a .cleaned copy half written': (p, out) => {
    const first = out.segments.find((s) => s.outcome === 'replaced')!;
    truncateSync(path(p, first.baseOffset, '.log.cleaned'), Math.floor(first.sizeAfter / 2));
  },
  'complete .cleaned copies, nothing renamed': () => {},
  'indexes of one segment unlinked, its copy not yet renamed': (p, out) => {
    const first = out.segments.find((s) => s.outcome === 'replaced')!;
    unlinkSync(path(p, first.baseOffset, '.index'));
    unlinkSync(path(p, first.baseOffset, '.timeindex'));
  },
  'one copy renamed over its segment, its indexes not yet written': (p, out) => {
    const first = out.segments.find((s) => s.outcome === 'replaced')!;
    for (const suffix of ['.index', '.timeindex']) if (existsSync(path(p, first.baseOffset, suffix))) unlinkSync(path(p, first.baseOffset, suffix));
    renameSync(path(p, first.baseOffset, '.log.cleaned'), path(p, first.baseOffset, '.log'));
  },
  'every copy renamed, no index written': (p, out) => {
    for (const s of out.segments.filter((x) => x.outcome === 'replaced')) {
      for (const suffix of ['.index', '.timeindex']) if (existsSync(path(p, s.baseOffset, suffix))) unlinkSync(path(p, s.baseOffset, suffix));
      renameSync(path(p, s.baseOffset, '.log.cleaned'), path(p, s.baseOffset, '.log'));
    }
  },
  'an emptied segment half deleted (log renamed to .deleted, indexes not)': (p, out) => {
    const emptied = out.segments.filter((s) => s.outcome === 'replaced' && s.sizeAfter === 0 && s.baseOffset > 0)[0]!;
    for (const suffix of ['.index', '.timeindex']) if (existsSync(path(p, emptied.baseOffset, suffix))) unlinkSync(path(p, emptied.baseOffset, suffix));
    renameSync(path(p, emptied.baseOffset, '.log.cleaned'), path(p, emptied.baseOffset, '.log'));
    renameSync(path(p, emptied.baseOffset, '.log'), path(p, emptied.baseOffset, '.log.deleted'));
  },
  'a stray .swap beside its segment': (p, out) => {
    const first = out.segments.find((s) => s.outcome === 'replaced')!;
    copyFileSync(path(p, first.baseOffset, '.log.cleaned'), path(p, first.baseOffset, '.log.swap'));
  },
};

/**
 * What a restart must show: offsets increasing, the same end, only records that were written,
 * and every record still there unless a later record of its key is (nothing acknowledged lost).
 */
function expectConsistent(after: ReadRecord[], p: Prepared): void {
  const offsets = after.map((r) => r.offset);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  const written = new Map(p.before.map((r) => [r.offset, r]));
  for (const r of after) expect(written.get(r.offset)).toEqual(r);
  const present = new Set(offsets);
  const latest = latestByKey(p.before);
  for (const r of p.before) {
    if (present.has(r.offset)) continue;
    expect(r.key !== null && latest.get(r.key)!.offset > r.offset).toBe(true);
  }
  for (const r of latest.values()) expect(present.has(r.offset)).toBe(true);
  for (const r of p.before.filter((x) => x.offset >= p.activeBase)) expect(present.has(r.offset)).toBe(true);
}

describe('cleaner task', () => {
  it('writes compacted copies whose batch list matches their bytes', async () => {
    const p = await prepare(true);
    const out = cleanSegments(core, codecs, taskFor(p.partitionDir));
    expect(out.cleanedTo).toBe(p.activeBase);
    expect(out.segments.some((s) => s.outcome === 'replaced')).toBe(true);
    for (const s of out.segments.filter((x) => x.outcome === 'replaced')) {
      const bytes = readFileSync(path(p, s.baseOffset, '.log.cleaned'));
      expect(bytes.length).toBe(s.sizeAfter);
      const scan = core.scan(bytes, ABI.F_VERIFY_CRC, 10_000);
      expect(scan.bytes).toBe(bytes.length);
      const listed = [];
      for (let i = 0; i < s.batches.length; i += 4) listed.push([s.batches[i], s.batches[i + 1], s.batches[i + 2]]);
      expect(listed).toEqual(scan.batches.map((b) => [b.lastOffset, b.position, b.size]));
    }
    // The segments themselves are untouched until the main thread swaps the copies in.
    expect(readFileSync(path(p, 0, '.log')).length).toBe(out.segments[0].sizeBefore);
  });

  it('stamps a segment\'s mtime with the time it joined the clean section, and keeps it on later passes', async () => {
    const p = await prepare(true);
    const t0 = Date.now() - 10_000;
    const first = cleanSegments(core, codecs, taskFor(p.partitionDir, t0));
    for (const s of first.segments) {
      const file = path(p, s.baseOffset, s.outcome === 'replaced' ? '.log.cleaned' : '.log');
      expect(Math.abs(statSync(file).mtimeMs - t0)).toBeLessThan(2);
      if (s.outcome === 'replaced') renameSync(file, path(p, s.baseOffset, '.log'));
    }
    const again = taskFor(p.partitionDir, t0 + 5000);
    again.segments = again.segments.map((s) => ({ ...s, clean: true }));
    const second = cleanSegments(core, codecs, again);
    for (const s of second.segments) expect(s.cleanedMs).toBeCloseTo(t0, -1);
  });

  for (const cleanStop of [true, false]) {
    describe(cleanStop ? 'after a clean stop' : 'after a crash', () => {
      it.each(Object.keys(STEPS))('recovers when the swap stopped at: %s', async (step) => {
        const p = await prepare(cleanStop);
        const out = cleanSegments(core, codecs, taskFor(p.partitionDir));
        STEPS[step](p, out);
        const { manager } = await dirs.open(p.dir);
        const log = manager.partition('crash', 0)!;
        expect(readdirSync(log.dir).filter((f) => /\.(cleaned|swap|deleted)$/.test(f))).toEqual([]);
        expect(log.logEndOffset).toBe(p.logEndOffset);
        expectConsistent(await readRecords(core, log), p);
        // The cleaner finishes the job from there.
        await settled(log);
        await manager.compact('crash');
        const compacted = await readRecords(core, log);
        expectConsistent(compacted, p);
        const latest = latestByKey(p.before.filter((r) => r.offset < p.activeBase));
        expect(compacted.filter((r) => r.offset < p.activeBase).map((r) => r.offset)).toEqual([...latest.values()].map((r) => r.offset).sort((a, b) => a - b));
        expect((await log.append(buildBatch(core, [{ key: 'k0', value: 'after' }]))).baseOffset).toBe(p.logEndOffset);
      });
    });
  }
});
