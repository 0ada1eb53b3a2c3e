#!/usr/bin/env node
// `npm run bench:broker`: the load harness's standard scenarios against Strom and, in the
// same run, against the TCP sink (the ceiling any Node broker could reach here), plus kcat
// (librdkafka) as an independent check. Every scenario is bounded (records and
// --max-duration-ms, ≤ 60 s). Writes bench/results/broker.json and bench/results/broker.svg.
// BENCH_PROFILE=1 runs the broker under `node --cpu-prof` and prints where its time goes.
// BENCH_SCALE (default 1) scales the record counts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync, mkdirSync, openSync, writeSync, fdatasyncSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { renderChart } from './broker-chart.mjs';
import { topSelfTime } from './cpuprofile-top.mjs';

const STROM = 'dist/bundle/strom.cjs';
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const PROFILE = process.env.BENCH_PROFILE === '1';
const n = (x) => Math.max(1000, Math.round(x * SCALE));

function startProcess(args, ready, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`did not start: ${args.join(' ')}\n${output}`)); }, 20_000);
    const on = (d) => {
      output += d;
      const m = ready.exec(output);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Runs `strom perf …` and returns its JSON line. */
function perf(args) {
  const r = spawnSync(process.execPath, [STROM, 'perf', ...args, '--json', '--quiet', '--reporting-interval', '1000', '--max-duration-ms', '50000'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try { return JSON.parse(line); } catch { throw new Error(`strom perf ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`); }
}

function timed(cmd, args, input) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'buffer', timeout: 60_000, maxBuffer: 1 << 30, input });
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return { sec, stdout: r.stdout };
}

const scenarios = [
  { name: 'kreps-2014', what: 'produce, 1 producer, 100 B, 6 partitions, acks=1, batch.size 8196 (as Kreps 2014)', kind: 'produce',
    args: (topic) => ['produce', '--topic', topic, '--num-records', String(n(6_000_000)), '--record-size', '100', '--partitions', '6', '--acks', '1', '--batch-bytes', '8196', '--max-in-flight', '5'] },
  { name: 'produce-100B-256KiB', what: 'produce, 1 producer, 100 B, 6 partitions, acks=1, 256 KiB batches', kind: 'produce',
    args: (topic) => ['produce', '--topic', topic, '--num-records', String(n(10_000_000)), '--record-size', '100', '--partitions', '6', '--acks', '1', '--batch-bytes', '262144', '--max-in-flight', '5'] },
  { name: 'consume-100B', what: 'consume from the start: the produce-100B-256KiB topic (page cache)', kind: 'consume', from: 'produce-100B-256KiB',
    args: (topic) => ['consume', '--topic', topic, '--messages', String(n(10_000_000)), '--from-beginning', '--fetch-size', String(8 << 20), '--timeout', '3000'] },
  { name: 'produce-1MiB-batches', what: 'produce, 1 producer, 1 KiB records in 1 MiB batches, 1 partition, acks=1 (MB/s)', kind: 'produce',
    args: (topic) => ['produce', '--topic', topic, '--num-records', String(n(2_000_000)), '--record-size', '1024', '--partitions', '1', '--acks', '1', '--batch-bytes', '1048576', '--max-in-flight', '5'] },
  { name: 'omb-100p-1KiB', what: 'OMB: 1 topic, 100 partitions, 1 KiB, max rate, 2 producers, 16 KiB batches', kind: 'produce',
    args: (topic) => ['produce', '--topic', topic, '--num-records', String(n(2_000_000)), '--record-size', '1024', '--partitions', '100', '--producers', '2', '--acks', '1', '--batch-bytes', '16384', '--max-in-flight', '5'] },
  // 15 s each at the rate; the first 2 s (JIT, first appends) are left out as OMB's warm-up.
  { name: 'e2e-16p-50k-1KiB', what: 'end to end, 16 partitions, 50,000 msg/s of 1 KiB, acks=1, linger 1 ms, 2 s warm-up', kind: 'e2e', strom_only: true,
    args: (topic) => ['e2e', '--topic', topic, '--num-records', String(n(750_000)), '--record-size', '1024', '--partitions', '16', '--throughput', '50000', '--linger-ms', '1', '--warmup-ms', '2000'] },
  { name: 'e2e-1p-50k-1KiB', what: 'end to end, 1 partition, 50,000 msg/s of 1 KiB, acks=1, linger 1 ms, 2 s warm-up', kind: 'e2e', strom_only: true,
    args: (topic) => ['e2e', '--topic', topic, '--num-records', String(n(750_000)), '--record-size', '1024', '--partitions', '1', '--throughput', '50000', '--linger-ms', '1', '--warmup-ms', '2000'] },
];

const dir = mkdtempSync(join(tmpdir(), 'strom-bench-'));
const profDir = join(dir, 'prof');
const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, scale: SCALE, scenarios: {}, kcat: {} };
// Deleted topics leave the disk at once (log.segment.delete.delay.ms=0): see the loop below.
const brokerArgs = [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${join(dir, 'data')}`, '--override', 'log.segment.delete.delay.ms=0'];
// The port comes from the INFO line "listening on …": keep the default log level.
const broker = await startProcess(brokerArgs, /listening on PLAINTEXT:\/\/[^:]+:(\d+)/);
const sink = await startProcess([STROM, 'perf', 'sink', '--port', '0'], /listening on [^:]+:(\d+)/);
const targets = { strom: `127.0.0.1:${broker.port}`, sink: `127.0.0.1:${sink.port}` };
try {
  for (const s of scenarios) {
    const row = { what: s.what, command: `strom perf ${s.args(s.name).join(' ')}` };
    for (const [target, bootstrap] of Object.entries(targets)) {
      if (s.strom_only && target === 'sink') continue;
      const topic = s.from ?? s.name;
      const r = perf([...s.args(topic), '--bootstrap-server', bootstrap]);
      row[target] = r;
      process.stdout.write(`${s.name.padEnd(22)} ${target.padEnd(6)} ${String(r.records_per_sec).padStart(10)} rec/s ${String(r.mb_per_sec).padStart(8)} MB/s  p50 ${r.latency_ms.p50} p99 ${r.latency_ms.p99} p99.9 ${r.latency_ms.p999} ms ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : ''}\n`);
    }
    if (row.sink) row.ratio_to_sink = { records_per_sec: +(row.strom.records_per_sec / row.sink.records_per_sec).toFixed(3), mb_per_sec: +(row.strom.mb_per_sec / row.sink.mb_per_sec).toFixed(3) };
    results.scenarios[s.name] = row;
    // Each scenario starts from an empty log: the topics no later scenario reads are deleted,
    // so one scenario's gigabytes of dirty pages are not written back during the next (the
    // sink has none; how a sustained rate meets the disk is a different measure).
    const topic = s.from ?? s.name;
    if (!scenarios.slice(scenarios.indexOf(s) + 1).some((later) => (later.from ?? later.name) === topic)) {
      spawnSync(process.execPath, [STROM, 'topics', '--bootstrap-server', targets.strom, '--delete', '--topic', topic], { encoding: 'utf8', timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  // The disk's own ceiling, beside the sink's (which stores nothing): one thread writing what
  // the 1 MiB scenario writes (2 GiB) into the page cache in 1 MiB writes, as the append
  // worker does, then the same with an fdatasync at the end (what the disk sustains durably).
  const diskBytes = n(2048) * 2 ** 20;
  const chunk = Buffer.alloc(1 << 20, 7);
  const diskFile = join(dir, 'disk-probe.bin');
  const writeAll = (sync) => {
    const fd = openSync(diskFile, 'w');
    const t0 = performance.now();
    for (let at = 0; at < diskBytes; at += chunk.length) writeSync(fd, chunk, 0, chunk.length, at);
    if (sync) fdatasyncSync(fd);
    const sec = (performance.now() - t0) / 1000;
    closeSync(fd);
    unlinkSync(diskFile);
    return +(diskBytes / 2 ** 20 / sec).toFixed(1);
  };
  results.disk = { bytes: diskBytes, page_cache_mb_per_sec: writeAll(false), fdatasync_mb_per_sec: writeAll(true) };
  process.stdout.write(`disk: ${diskBytes / 2 ** 20} MiB in 1 MiB writes: page cache ${results.disk.page_cache_mb_per_sec} MB/s, with fdatasync ${results.disk.fdatasync_mb_per_sec} MB/s\n`);

  // The independent check: kcat (librdkafka) produces the same 100-byte lines from a file and
  // reads them back; the harness does the same with --payload-file.
  const kcatRecords = n(1_000_000);
  const file = join(dir, 'payloads.txt');
  const line = 'x'.repeat(99) + '\n';
  writeFileSync(file, line.repeat(kcatRecords));
  const kb = targets.strom;
  const produced = timed('kcat', ['-b', kb, '-t', 'kcat-check', '-P', '-l', '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.messages=1000000', file]);
  const consumed = timed('kcat', ['-b', kb, '-t', 'kcat-check', '-C', '-o', 'beginning', '-e', '-q', '-c', String(kcatRecords), '-f', '%o\n']);
  const lines = consumed.stdout.toString().trim().split('\n').length;
  const harnessProduce = perf(['produce', '--bootstrap-server', kb, '--topic', 'harness-check', '--num-records', String(kcatRecords), '--payload-file', file, '--partitions', '1', '--batch-bytes', '1000000']);
  const harnessConsume = perf(['consume', '--bootstrap-server', kb, '--topic', 'harness-check', '--messages', String(kcatRecords), '--from-beginning', '--timeout', '3000']);
  results.kcat = {
    records: kcatRecords, record_bytes: 99,
    kcat_produce: { sec: +produced.sec.toFixed(3), records_per_sec: Math.round(kcatRecords / produced.sec) },
    kcat_consume: { sec: +consumed.sec.toFixed(3), records_per_sec: Math.round(lines / consumed.sec), records: lines },
    harness_produce: { records_per_sec: harnessProduce.records_per_sec, elapsed_sec: harnessProduce.elapsed_sec },
    harness_consume: { records_per_sec: harnessConsume.records_per_sec, elapsed_sec: harnessConsume.elapsed_sec },
    note: 'kcat times include process start, metadata and (consume) printing each offset; 1 partition, acks=1',
  };
  process.stdout.write(`kcat check: kcat produce ${results.kcat.kcat_produce.records_per_sec} rec/s, consume ${results.kcat.kcat_consume.records_per_sec} rec/s (${lines} read back); harness produce ${harnessProduce.records_per_sec}, consume ${harnessConsume.records_per_sec}\n`);
} finally {
  await stop(broker.child);
  await stop(sink.child);
}
if (PROFILE) {
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.map((f) => join(profDir, f)).sort((a, b) => readFileSync(b).length - readFileSync(a).length);
  results.profile = main.slice(0, 3).map((f) => ({ file: f.split('/').pop(), top: topSelfTime(JSON.parse(readFileSync(f, 'utf8')), 25) }));
  for (const p of results.profile) {
    process.stdout.write(`\nprofile ${p.file}\n`);
    for (const t of p.top) process.stdout.write(`  ${t.percent.toFixed(1).padStart(5)}%  ${t.name}  ${t.where}\n`);
  }
}
rmSync(dir, { recursive: true, force: true });
mkdirSync('bench/results', { recursive: true });
const out = PROFILE ? 'bench/results/broker-profile.json' : 'bench/results/broker.json';
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
if (!PROFILE) writeFileSync('bench/results/broker.svg', renderChart(results));
process.stdout.write(`wrote ${out}${PROFILE ? '' : ' and bench/results/broker.svg'}\n`);
// Nothing of ours is left running; do not wait on stray handles (a run once hung here).
process.exit(0);
