#!/usr/bin/env node
// `npm run bench:slow-readers`: clients that never read their responses must not take the
// broker's memory or its other clients with them. A topic of 64 MiB of 1 KiB records in one
// partition; 4 raw connections each pipeline 200 Fetch v4 requests (max_bytes and
// partition_max_bytes 8 MiB, from offset 0) and never read a byte; meanwhile a librdkafka
// producer (confluent-kafka) sends 1 record per 100 ms to another topic. Then the 4
// connections close and a consumer reads the whole topic.
//
// Reports the broker's RSS (start, peak, after), the live producer's acknowledgements and
// their latency, the broker's request memory after, and whether the consumer read every
// record; `pass` checks the targets: RSS < 300 MB, every record acknowledged with p99 < 100 ms,
// the broker alive, RSS back within 20 % of the start, every record read back.
// Writes bench/results/slow-readers.json unless --no-save. Bounded: every step has a timeout.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STROM = join(ROOT, 'dist/bundle/strom.cjs');
const { Writer } = await import(join(ROOT, 'dist/protocol/codec.js'));
const { writeFetchRequest } = await import(join(ROOT, 'dist/protocol/generated/fetch.js'));
const { writeRequestHeader } = await import(join(ROOT, 'dist/protocol/generated/request-header.js'));

const RECORDS = 65_536; // of 1 KiB: 64 MiB
const CONNECTIONS = 4;
const FETCHES = 200;
const FETCH_BYTES = 8 << 20;
const LIVE_RECORDS = 41;
const save = !process.argv.includes('--no-save');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

async function startBroker(dir) {
  const child = spawn(process.execPath, [STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'http.listeners=http://127.0.0.1:0',
    '--override', `log.dirs=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STROM_LOG_LEVEL: 'info' } });
  let output = '';
  const ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 20_000);
    const on = (d) => {
      output += d;
      const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+)[^\n]*http:\/\/[^:,;]+:(\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve({ kafka: Number(m[1]), http: Number(m[2]) }); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ...ports, exited, output: () => output };
}

const rssMb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return -1;
  }
};

async function requestMemoryUsed(httpPort) {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return Number(/strom_request_memory_bytes\{stat="used"\} (\d+)/.exec(text)?.[1] ?? -1);
}

function fetchFrame(correlationId) {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, 1, { requestApiKey: 1, requestApiVersion: 4, correlationId, clientId: 'slow-reader' });
  writeFetchRequest(w, 4, {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 500, minBytes: 1, maxBytes: FETCH_BYTES,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic: 'big', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: FETCH_BYTES, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  });
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** A producer that sends `count` records, one per 100 ms, after one warm-up record; prints JSON. */
const LIVE_PRODUCER = `
import json, sys, time
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'linger.ms': 0, 'message.timeout.ms': 10000})
count = int(sys.argv[2])
p.produce('live', b'warm-up'); p.flush(10)
print('ready', flush=True)
sys.stdin.readline()
lat, errors = [], []
def done(err, msg, t0):
    if err is None: lat.append((time.time() - t0) * 1000)
    else: errors.append(str(err))
for i in range(count):
    t0 = time.time()
    p.produce('live', b'live-%d' % i, callback=lambda e, m, t0=t0: done(e, m, t0))
    end = t0 + 0.1
    while time.time() < end: p.poll(0.002)
p.flush(15)
print(json.dumps({'acked': len(lat), 'errors': errors, 'latencies_ms': lat}), flush=True)
`;

function percentile(sorted, p) {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const dir = mkdtempSync(join(tmpdir(), 'strom-slow-readers-'));
const broker = await startBroker(dir);
const pid = broker.child.pid;
const bootstrap = `127.0.0.1:${broker.kafka}`;
const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version } };
let sockets = [];
try {
  for (const topic of ['big', 'live']) {
    const created = await run(process.execPath, [STROM, 'topics', '--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1'], 30_000);
    if (created.code !== 0) throw new Error(`topic ${topic}: ${created.stderr}`);
  }
  const load = await run(process.execPath, [STROM, 'perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'big', '--num-records', String(RECORDS),
    '--record-size', '1024', '--partitions', '1', '--acks', '1', '--quiet', '--json'], 60_000);
  if (load.code !== 0) throw new Error(`load: ${load.stderr}`);
  const producer = spawn('/usr/bin/python3', ['-c', LIVE_PRODUCER, bootstrap, String(LIVE_RECORDS)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let producerOut = '';
  producer.stdout.on('data', (d) => { producerOut += d; });
  for (let waited = 0; !producerOut.includes('ready'); waited += 50) {
    if (waited > 20_000 || producer.exitCode !== null) throw new Error(`live producer did not start: ${producerOut}`);
    await sleep(50);
  }
  await sleep(500);
  result.rss_start_mb = rssMb(pid);
  result.request_memory_start_bytes = await requestMemoryUsed(broker.http);

  // The slow readers: every request written at once, never a byte read.
  const frames = Buffer.concat(Array.from({ length: FETCHES }, (_, i) => fetchFrame(i + 1)));
  for (let c = 0; c < CONNECTIONS; c++) {
    const socket = connect(broker.kafka, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(frames);
    sockets.push(socket);
  }
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 50);
  producer.stdin.write('go\n');
  const live = await new Promise((resolve) => {
    const timer = setTimeout(() => { producer.kill('SIGKILL'); resolve(null); }, 30_000);
    producer.on('exit', () => { clearTimeout(timer); resolve(producerOut.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))[0] ?? null); });
  });
  clearInterval(sampler);
  result.rss_peak_mb = Math.max(peak, rssMb(pid));
  const latencies = (live?.latencies_ms ?? []).sort((a, b) => a - b);
  result.live = { sent: LIVE_RECORDS, acked: live?.acked ?? 0, errors: live?.errors ?? ['the producer did not finish'],
    p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99), max_ms: latencies.at(-1) ?? null };

  for (const s of sockets) s.destroy();
  sockets = [];
  // Memory comes back: wait (bounded) for the request memory to return and RSS to settle.
  let after = rssMb(pid);
  for (let waited = 0; waited < 10_000 && (after > result.rss_start_mb * 1.2 || await requestMemoryUsed(broker.http) > result.request_memory_start_bytes); waited += 250) {
    await sleep(250);
    after = rssMb(pid);
  }
  result.rss_after_mb = after;
  result.request_memory_after_bytes = await requestMemoryUsed(broker.http);
  result.alive = broker.child.exitCode === null && broker.child.signalCode === null;
  const consume = await run(process.execPath, [STROM, 'perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'big', '--messages', String(RECORDS),
    '--from-beginning', '--timeout', '10000', '--quiet', '--json'], 60_000);
  const consumed = JSON.parse(consume.stdout.trim().split('\n').pop() || '{}');
  result.consumed = consumed.records ?? 0;
  result.loaded = RECORDS;
  result.failures_logged = (broker.output().match(/"level":50/g) ?? []).length;
  result.pass = {
    rss_peak_under_300_mb: result.rss_peak_mb < 300,
    every_live_record_acked: result.live.acked === LIVE_RECORDS && result.live.errors.length === 0,
    live_p99_under_100_ms: result.live.p99_ms !== null && result.live.p99_ms < 100,
    broker_alive: result.alive,
    rss_back_within_20_percent: result.rss_after_mb <= result.rss_start_mb * 1.2,
    request_memory_back: result.request_memory_after_bytes <= result.request_memory_start_bytes,
    every_record_read_back: result.consumed === RECORDS,
  };
} finally {
  for (const s of sockets) s.destroy();
  broker.child.kill('SIGTERM');
  const timer = setTimeout(() => broker.child.kill('SIGKILL'), 15_000);
  await broker.exited;
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
if (save) {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/slow-readers.json'), JSON.stringify(result, null, 2) + '\n');
}
