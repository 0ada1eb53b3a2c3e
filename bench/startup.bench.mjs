// npm run bench:startup — the broker's start-up targets, measured from outside:
//   1. spawn -> first ApiVersions answer with an empty data dir (bundle vs unbundled), beside
//      Node's own boot (`node -e 0` to its first line) measured in the same run;
//   2. idle RSS after start (empty, and with 20 partitions open);
//   3. restart after kill -9 with 1 GiB in one partition (recovery scans it all);
//   4. restart after a clean shutdown on many segments: 2,000 small ones across 200
//      partitions, and 100 GiB of 1 GiB segments with their full indexes (sparse log files:
//      a start reads indexes, not logs), with idle RSS.
// Writes bench/results/startup.json. BENCH_SECTIONS=empty,rss,recovery,segments runs some
// (and updates only their figures); STROM_BUNDLE=<path to strom.cjs> runs another build
// (an A/B against an older commit) and only prints its figures.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, existsSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Core, buildBatch } from '../dist/core/index.js';
import { Writer } from '../dist/protocol/codec.js';
import { ProduceApi } from '../dist/protocol/generated/produce.js';
import { CreateTopicsApi } from '../dist/protocol/generated/create-topics.js';
import { writeRequestHeader } from '../dist/protocol/generated/request-header.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = process.env.STROM_BUNDLE ?? join(ROOT, 'dist/bundle/strom.cjs');
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'empty,rss,recovery,segments').split(','));
const RESULTS = new URL('./results/startup.json', import.meta.url);
const UNBUNDLED = join(ROOT, 'dist/cli/main.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
let port = 29092;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function frame(apiKey, version, headerVersion, body, write) {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, headerVersion, { requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: 'bench' });
  write(w, version, body);
  const buf = w.toBuffer();
  buf.writeInt32BE(buf.length - 4, 0);
  return buf;
}
const API_VERSIONS_V0 = (() => { const b = Buffer.alloc(4 + 10); b.writeInt32BE(10, 0); b.writeInt16BE(18, 4); b.writeInt16BE(0, 6); b.writeInt32BE(1, 8); b.writeInt16BE(-1, 12); return b; })();

/** Resolves with ms from `start` to the first answered ApiVersions on the port. */
function waitServing(p, start, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (performance.now() - start > timeoutMs) return reject(new Error('broker did not start'));
      const socket = connect(p, '127.0.0.1');
      socket.once('connect', () => socket.write(API_VERSIONS_V0));
      socket.once('data', () => { resolve(performance.now() - start); socket.destroy(); });
      socket.once('error', () => { socket.destroy(); setTimeout(attempt, 2); });
    };
    attempt();
  });
}

function startBroker(entry, dir, extra = {}) {
  const p = port++;
  const overrides = { listeners: `PLAINTEXT://127.0.0.1:${p}`, 'log.dirs': dir, ...extra };
  const start = performance.now();
  const child = spawn(process.execPath, [entry, 'start', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  return { child, port: p, start, exited, ready: waitServing(p, start) };
}

async function nodeBoot() {
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', 'process.stdout.write(String(performance.now()))'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await new Promise((r) => child.on('exit', r));
  return { firstLine: Number(out), exited: performance.now() - start };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function request(p, buf) {
  return new Promise((resolve, reject) => {
    const socket = connect(p, '127.0.0.1', () => socket.write(buf));
    let got = Buffer.alloc(0);
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) { socket.destroy(); resolve(got); }
    });
    socket.on('error', reject);
  });
}

const results = process.env.BENCH_SECTIONS && !process.env.STROM_BUNDLE && existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
Object.assign(results, { runs: RUNS, node: process.version });

// 1. start with an empty data dir
if (SECTIONS.has('empty')) {
const boots = [], bundled = [], unbundled = [];
for (let i = 0; i < RUNS; i++) {
  boots.push((await nodeBoot()).firstLine);
  for (const [entry, into] of [[BUNDLE, bundled], [UNBUNDLED, unbundled]]) {
    const dir = mkdtempSync(join(tmpdir(), 'strom-start-'));
    const b = startBroker(entry, dir);
    into.push(await b.ready);
    b.child.kill('SIGKILL');
    await b.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
results.start_empty_ms = { bundle_median: median(bundled), unbundled_median: median(unbundled), node_boot_median: median(boots), bundle_all: bundled.map(Math.round), node_boot_all: boots.map(Math.round) };
results.start_empty_ms.strom_share_median = results.start_empty_ms.bundle_median - results.start_empty_ms.node_boot_median;
}

// 2. idle RSS
if (SECTIONS.has('rss')) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-rss-'));
  const b = startBroker(BUNDLE, dir);
  await b.ready;
  await new Promise((r) => setTimeout(r, 1000));
  const empty = rssMb(b.child.pid);
  const topics = CreateTopicsApi;
  await request(b.port, frame(19, 5, 2, { topics: [{ name: 'rss', numPartitions: 20, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }, topics.writeRequest));
  await new Promise((r) => setTimeout(r, 1000));
  const withPartitions = rssMb(b.child.pid);
  b.child.kill('SIGTERM');
  await b.exited;
  rmSync(dir, { recursive: true, force: true });
  results.idle_rss_mb = { empty: Math.round(empty), with_20_partitions: Math.round(withPartitions) };
}

// 3. restart after kill -9 with 1 GiB of log in one partition
if (SECTIONS.has('recovery')) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-recover-'));
  const b = startBroker(BUNDLE, dir);
  await b.ready;
  await request(b.port, frame(19, 5, 2, { topics: [{ name: 'big', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }, CreateTopicsApi.writeRequest));
  const core = Core.create();
  const record = Buffer.alloc(1000, 7);
  const batch = Buffer.from(buildBatch(core, Array.from({ length: 900 }, (_, i) => ({ value: record, timestamp: 1_700_000_000_000 + i }))));
  const produce = frame(0, 9, 2, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 'big', partitionData: [{ index: 0, records: batch }] }] }, ProduceApi.writeRequest);
  const target = 1 << 30;
  let written = 0;
  const socket = connect(b.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let pending = 0;
  let resolveDone;
  const done = new Promise((r) => { resolveDone = r; });
  let buffered = Buffer.alloc(0);
  socket.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      buffered = buffered.subarray(4 + buffered.readInt32BE(0));
      pending--;
      if (written < target) { socket.write(produce); written += batch.length; pending++; }
      else if (pending === 0) resolveDone();
    }
  });
  for (let i = 0; i < 16; i++) { socket.write(produce); written += batch.length; pending++; }
  await done;
  socket.destroy();
  b.child.kill('SIGKILL');
  await b.exited;
  const times = [];
  for (let i = 0; i < 3; i++) {
    const again = startBroker(BUNDLE, dir);
    times.push(await again.ready);
    again.child.kill('SIGKILL');
    await again.exited;
  }
  rmSync(dir, { recursive: true, force: true });
  results.restart_after_kill9_1GiB_ms = { median: median(times), all: times.map(Math.round), log_bytes: written };
}

// 4. restart on many segments after a clean shutdown: until answering, and idle RSS
if (SECTIONS.has('segments')) {
  const restarts = async (dir, label) => {
    const times = [];
    const rss = [];
    const stops = [];
    for (let i = 0; i < 5; i++) {
      const b = startBroker(BUNDLE, dir);
      times.push(await b.ready);
      await new Promise((r) => setTimeout(r, 500));
      rss.push(rssMb(b.child.pid));
      const stopping = performance.now();
      b.child.kill('SIGTERM'); // clean: the next start is clean too
      const code = await b.exited;
      if (code !== 0) throw new Error(`${label}: broker exited with ${code}`);
      stops.push(performance.now() - stopping);
    }
    return { median_ms: median(times), all_ms: times.map(Math.round), idle_rss_mb: Math.round(median(rss)), stop_median_ms: Math.round(median(stops)) };
  };

  // a) 2,000 segments across 200 partitions, written through the broker (4 KiB segments).
  {
    const dir = mkdtempSync(join(tmpdir(), 'strom-segments-'));
    const b = startBroker(BUNDLE, dir);
    await b.ready;
    await request(b.port, frame(19, 5, 2, { topics: [{ name: 'wide', numPartitions: 200, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.bytes', value: '4096' }, { name: 'index.interval.bytes', value: '128' }] }], timeoutMs: 10_000, validateOnly: false }, CreateTopicsApi.writeRequest));
    const core = Core.create();
    for (let round = 0; round < 85; round++) {
      const partitionData = Array.from({ length: 200 }, (_, index) => ({
        index, records: Buffer.from(buildBatch(core, Array.from({ length: 5 }, (_, i) => ({ value: `p${index}-o${round * 5 + i}`.padEnd(60, '.'), timestamp: 1_700_000_000_000 + round * 5 + i })))),
      }));
      await request(b.port, frame(0, 9, 2, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: 'wide', partitionData }] }, ProduceApi.writeRequest));
    }
    b.child.kill('SIGTERM');
    await b.exited;
    results.restart_2000_segments_200_partitions = await restarts(dir, '2,000 segments');
    rmSync(dir, { recursive: true, force: true });
  }

  // b) 100 GiB of log: 10 partitions of 10 segments of 1 GiB, each with the index a 1 GiB
  // segment has at index.interval.bytes 4096 (2 MiB .index, 3 MiB .timeindex: 500 MiB in all),
  // its entries written with the core; the logs are sparse files, the active segments empty.
  {
    const dir = mkdtempSync(join(tmpdir(), 'strom-bigindex-'));
    const SEGMENT = 1 << 30;
    const ENTRIES = SEGMENT / 4096 - 1;
    const RECORDS = (ENTRIES + 1) * 4;
    const core = Core.create({ initialBytes: 16 << 20 });
    const offsets = core.mem.reserve(ENTRIES * 8);
    const times = core.mem.reserve(ENTRIES * 12);
    for (let j = 0; j < ENTRIES; j++) core.offsetIndexPut(offsets, j, 4 * j + 3, 4096 * (j + 1));
    const offsetBytes = core.mem.read(offsets, ENTRIES * 8);
    writeFileSync(join(dir, 'meta.properties'), 'version=1\ncluster.id=bench-bigindex\nnode.id=1\n');
    for (let p = 0; p < 10; p++) {
      const partition = join(dir, `big-${p}`);
      mkdirSync(partition);
      for (let s = 0; s <= 10; s++) {
        const name = join(partition, String(s * RECORDS).padStart(20, '0'));
        writeFileSync(`${name}.log`, '');
        if (s === 10) { // the active segment: empty
          writeFileSync(`${name}.index`, '');
          writeFileSync(`${name}.timeindex`, '');
          continue;
        }
        truncateSync(`${name}.log`, SEGMENT);
        for (let j = 0; j < ENTRIES; j++) core.timeIndexPut(times, j, 1_700_000_000_000 + s * RECORDS + 4 * j + 3, 4 * j + 3);
        writeFileSync(`${name}.index`, offsetBytes);
        writeFileSync(`${name}.timeindex`, core.mem.read(times, ENTRIES * 12));
      }
    }
    writeFileSync(join(dir, '.kafka_cleanshutdown'), '');
    results.restart_100GiB_500MiB_of_indexes = await restarts(dir, '100 GiB');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!process.env.STROM_BUNDLE) {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
}
console.log(JSON.stringify(results, null, 2));

