// npm run build && node bench/compaction.bench.mjs — what a compaction pass costs the broker's event loop.
// Builds a compacted partition (BENCH_MB MiB, default 128, of 200-byte values over 10,000
// keys in batches of 100, segment.bytes 16 MiB), then:
//   1. runs the pass's file work on the main thread (cleaner-task.ts in this thread, the
//      copies written and thrown away): the event loop is blocked for all of it;
//   2. runs LogManager.compact(), the way the broker does (work in the cleaner's thread,
//      swaps here), while a 1 ms timer measures how late the event loop answers, then the
//      same measure of the idle loop as a baseline.
// Writes bench/results/compaction.json.
import { mkdtempSync, rmSync, readdirSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Core, RegionPool, buildBatch } from '../dist/core/index.js';
import { AppendPool } from '../dist/storage/append-pool.js';
import { BrokerConfig } from '../dist/config/config.js';
import { LogManager } from '../dist/log/log-manager.js';
import { cleanSegments } from '../dist/log/cleaner-task.js';
import { codecs, initCompression } from '../dist/compression/codecs.js';

const MB = Number(process.env.BENCH_MB ?? 128);
const KEYS = 10_000;
const PER_BATCH = 100;

await initCompression();
const core = Core.create({ initialBytes: 64 << 20 });
const dir = mkdtempSync(join(tmpdir(), 'strom-bench-compaction-'));
const pool = new AppendPool(core, 2);
const quiet = { info() {}, warn: (m) => console.warn(m) };
const manager = new LogManager(new BrokerConfig({ 'log.dir': dir }), core, new RegionPool(core.mem), pool, quiet);
await manager.start();
await manager.createTopic('bench', 1, { 'cleanup.policy': 'compact', 'segment.bytes': String(16 << 20), 'min.cleanable.dirty.ratio': '0.01' });
const log = manager.partition('bench', 0);

let n = 0;
const value = 'x'.repeat(200);
while (log.sizeBytes < MB << 20) {
  const records = Array.from({ length: PER_BATCH }, () => ({ key: `key-${n++ % KEYS}`, value }));
  const result = await log.append(buildBatch(core, records));
  if (result.status !== 0) throw new Error(`append failed: ${result.status}`);
}
// One more segment so everything written so far can be cleaned; wait until it is synced.
while (log.recoveryPoint < log.activeSegment.baseOffset) await new Promise((r) => setTimeout(r, 10));
const cleanable = log.segments.slice(0, -1).reduce((s, x) => s + x.size, 0);
console.log(`log: ${(log.sizeBytes / 2 ** 20).toFixed(0)} MiB, ${log.segments.length} segments, ${n} records; cleanable ${(cleanable / 2 ** 20).toFixed(0)} MiB`);

// 1. On the main thread (BENCH_SKIP_MAIN=1 skips it: its garbage is collected during 2).
const task = {
  dir: log.dir,
  segments: log.segments.slice(0, -1).map((s) => ({ baseOffset: s.baseOffset, size: s.size, clean: false })),
  endOffset: log.activeSegment.baseOffset, nowMs: Date.now(), deleteRetentionMs: 86_400_000, maxMapBytes: 128 << 20,
};
let started = performance.now();
const inThread = process.env.BENCH_SKIP_MAIN ? { records: 0, recordsKept: 0 } : cleanSegments(core, codecs, task);
const mainThreadMs = performance.now() - started;
for (const f of readdirSync(log.dir)) if (f.endsWith('.cleaned')) unlinkSync(join(log.dir, f));
if (!process.env.BENCH_SKIP_MAIN) console.log(`main thread: ${mainThreadMs.toFixed(0)} ms (${(cleanable / 2 ** 20 / (mainThreadMs / 1000)).toFixed(0)} MiB/s), event loop blocked throughout; ${inThread.records - inThread.recordsKept} of ${inThread.records} records removed`);

// 2. In the cleaner's thread, the event loop watched by a 1 ms timer and the histogram,
// beside the same measure of the idle loop for as long (the baseline of this machine).
const ms = (ns) => ns / 1e6;
async function watched(work) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let worstLateMs = 0;
  let expected = performance.now() + 1;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstLateMs = Math.max(worstLateMs, now - expected);
    expected = now + 1;
  }, 1);
  histogram.enable();
  const begin = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - begin;
  histogram.disable();
  clearInterval(ticker);
  const delay = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), timerWorstLateMs: worstLateMs };
  return { result, elapsedMs, delay };
}
const show = (d) => `event loop delay p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms, max ${d.max.toFixed(2)} ms; 1 ms timer at most ${d.timerWorstLateMs.toFixed(1)} ms late`;
const pass = await watched(() => manager.compact('bench'));
const [stats] = pass.result;
const workerMs = pass.elapsedMs;
const delay = pass.delay;
console.log(`cleaner thread: ${workerMs.toFixed(0)} ms for ${stats.bytesBefore} -> ${stats.bytesAfter} bytes; ${show(delay)}`);
const idle = (await watched(() => new Promise((r) => setTimeout(r, workerMs)))).delay;
console.log(`idle, as long: ${show(idle)}`);

await manager.shutdown();
await pool.stop();
rmSync(dir, { recursive: true, force: true });
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/compaction.json', import.meta.url), JSON.stringify({
  date: new Date().toISOString(), node: process.version, cleanableBytes: cleanable, records: n,
  mainThread: { ms: Math.round(mainThreadMs) },
  cleanerThread: { ms: Math.round(workerMs), bytesBefore: stats.bytesBefore, bytesAfter: stats.bytesAfter, eventLoopDelayMs: delay },
  idleEventLoopDelayMs: idle,
}, null, 2) + '\n');
