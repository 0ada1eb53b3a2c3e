// npm run bench:startup — the broker's start-up targets, measured from outside:
//   1. spawn -> first ApiVersions answer with an empty data dir (bundle vs unbundled), beside
//      Node's own boot (`node -e 0` to its first line) measured in the same run;
//   2. idle RSS after start (empty, and with 20 partitions open);
//   3. restart after kill -9 with 1 GiB in one partition (recovery scans it all).
// Writes bench/results/startup.json.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Core, buildBatch } from '../dist/core/index.js';
import { Writer } from '../dist/protocol/codec.js';
import { ProduceApi } from '../dist/protocol/generated/produce.js';
import { CreateTopicsApi } from '../dist/protocol/generated/create-topics.js';
import { writeRequestHeader } from '../dist/protocol/generated/request-header.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'dist/bundle/strom.cjs');
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

const results = { runs: RUNS, node: process.version };

// 1. start with an empty data dir
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

// 2. idle RSS
{
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
{
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

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/startup.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));

