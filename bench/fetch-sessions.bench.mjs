#!/usr/bin/env node
// `npm run bench:fetch-sessions`: what incremental fetch sessions (KIP-227) save. A consumer
// tails a topic of 100 partitions while a producer writes 2,000 records/s to 5 of them, the
// way a consumer of many partitions mostly waits for a few. The same run twice, without and
// with sessions: request bytes per fetch (the consumer's), record bytes per fetch, and the
// broker's CPU per fetch (its user + system time over the run, /proc). Writes
// bench/results/fetch-sessions.json unless --no-save. Bounded: each run stops after its
// records or 30 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STROM = join(ROOT, 'dist/bundle/strom.cjs');
const PARTITIONS = 100;
const RATE = 2000;
const RECORDS = 20_000;
const save = !process.argv.includes('--no-save');

function run(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STROM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout }); });
  });
}

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

const dir = mkdtempSync(join(tmpdir(), 'strom-sessions-'));
const broker = spawn(process.execPath, [STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'http.listeners=', '--override', `log.dirs=${dir}`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 20_000);
  const on = (d) => {
    output += d;
    const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+)/.exec(output);
    if (m) { clearTimeout(timer); resolve(Number(m[1])); }
  };
  broker.stdout.on('data', on);
  broker.stderr.on('data', on);
});
const bootstrap = `127.0.0.1:${port}`;
const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  partitions: PARTITIONS, producing_partitions: 5, rate: RATE, runs: {} };
try {
  const created = await run(['topics', '--bootstrap-server', bootstrap, '--create', '--topic', 'tail', '--partitions', String(PARTITIONS), '--replication-factor', '1'], 30_000);
  if (created.code !== 0) throw new Error('cannot create the topic');
  for (const sessions of [false, true]) {
    const consumerArgs = ['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'tail', '--messages', String(RECORDS),
      '--fetch-max-wait-ms', '100', '--timeout', '10000', '--max-duration-ms', '30000', '--json', '--quiet', ...(sessions ? ['--fetch-session'] : [])];
    const cpuBefore = cpuSeconds(broker.pid);
    const consumer = run(consumerArgs, 60_000);
    await new Promise((r) => setTimeout(r, 1000)); // the consumer is tailing before records come
    const producer = run(['perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'tail', '--partitions', '5', '--num-records', String(RECORDS),
      '--record-size', '100', '--throughput', String(RATE), '--json', '--quiet'], 60_000);
    const [c] = await Promise.all([consumer, producer]);
    const cpu = cpuSeconds(broker.pid) - cpuBefore;
    const r = JSON.parse(c.stdout.trim().split('\n').pop());
    result.runs[sessions ? 'sessions' : 'full'] = {
      records: r.records, fetches: r.fetches, request_bytes_per_fetch: r.request_bytes_per_fetch,
      record_bytes_per_fetch: Math.round(r.bytes / r.fetches), broker_cpu_ms_per_fetch: Number((cpu * 1000 / r.fetches).toFixed(3)), broker_cpu_s: cpu,
    };
  }
  const { full, sessions } = result.runs;
  result.ratios = {
    request_bytes: Number((sessions.request_bytes_per_fetch / full.request_bytes_per_fetch).toFixed(3)),
    broker_cpu_per_fetch: Number((sessions.broker_cpu_ms_per_fetch / full.broker_cpu_ms_per_fetch).toFixed(3)),
  };
} finally {
  broker.kill('SIGTERM');
  await new Promise((r) => broker.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
if (save) {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/fetch-sessions.json'), JSON.stringify(result, null, 2) + '\n');
}
