#!/usr/bin/env node
// `npm run bench:authorizer`: what the ACL authorizer costs on produce, against a broker
// without one in the same run, rounds alternating so that drift on a shared machine falls on
// both alike. Each run has a broker of its own, started in this process for it and stopped
// after: "off" (no authorizer) or "on" (authorizer.class.name set, no super user: the
// producer, User:ANONYMOUS, is allowed by a PREFIXED ALLOW of ALL on bench-, among 2,000
// literal and 200 prefixed ACLs of other users and a DENY on another topic, so each check
// walks a realistic index). (Two brokers living side by side in one process are not alike:
// with neither authorizing, the one started second used 6-10 % more CPU per record.) `strom perf produce`
// (a child process) with 100-byte records into 6 partitions, in 16 KiB batches (the Java
// producer's batch.size) and in 1 KiB batches (about 8 records a request: the authorizer is
// asked once per topic per request, so small requests show its cost most): records/s and the
// broker's CPU per million records (this process, during the run).
// Also the check itself, in process: ns per authorize() of a WRITE on a bench- topic with
// that index (the produce handler's one call per topic per request), best of 5 x 1M calls.
// Medians of the rounds; writes bench/results/authorizer.json unless --no-save (or AA=1).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../dist/broker/broker.js';
import { BrokerConfig } from '../dist/config/config.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STROM = join(ROOT, 'dist/bundle/strom.cjs');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SCENARIOS = [
  { name: 'batch_16k', batchBytes: 16384, records: Number(process.env.RECORDS ?? 2_000_000) },
  { name: 'batch_1k', batchBytes: 1024, records: Number(process.env.SMALL_RECORDS ?? 500_000) },
];
const save = !process.argv.includes('--no-save') && process.env.AA !== '1';

function run(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STROM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout }); });
  });
}

const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').pop());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function withCpu(fn) {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuS: (used.user + used.system) / 1e6 };
}

const quiet = { info() {}, warn: (m) => console.error(m), error: (m) => console.error(m), debug() {} };
const dirs = [];
async function start(overrides) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-authz-bench-'));
  dirs.push(dir);
  return Broker.start(new BrokerConfig({ listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, ...overrides }), quiet);
}

const TOPIC = 2, PREFIXED = 4, LITERAL = 3, ALLOW = 3, DENY = 2, ALL = 2, READ = 3, WRITE = 4;
const acl = (name, patternType, principal, operation, permission) => ({
  pattern: { resourceType: TOPIC, name, patternType }, entry: { principal, host: '*', operation, permission },
});

const ACLS = [
  acl('bench-', PREFIXED, 'User:ANONYMOUS', ALL, ALLOW),
  acl('bench-secret', LITERAL, 'User:ANONYMOUS', ALL, DENY),
  ...Array.from({ length: 2000 }, (_, i) => acl(`topic-${i}`, LITERAL, `User:user-${i}`, WRITE, ALLOW)),
  ...Array.from({ length: 200 }, (_, i) => acl(`team-${i}.`, PREFIXED, `User:user-${i}`, READ, ALLOW)),
];
/** AA=1: both modes without an authorizer, to see the noise floor of the comparison. */
const AA = process.env.AA === '1';
async function broker(mode) {
  if (mode === 'off' || AA) return start({});
  const b = await start({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
  await b.context.authorizer.store.add(ACLS);
  return b;
}

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  rounds: ROUNDS, record_size: 100, partitions: 6, acls_on: ACLS.length,
  scenarios: Object.fromEntries(SCENARIOS.map((s) => [s.name, { batch_bytes: s.batchBytes, records: s.records, runs: { off: [], on: [] } }])),
};
try {
  const who = { principal: { type: 'User', name: 'ANONYMOUS' }, clientHost: '127.0.0.1' };
  const probe = await start({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' });
  await probe.context.authorizer.store.add(ACLS);
  const authorizer = probe.context.authorizer;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    let allowed = 0;
    for (let n = 0; n < 1_000_000; n++) if (authorizer.authorize(who, WRITE, TOPIC, `bench-batch_16k-${n & 7}`)) allowed++;
    if (allowed !== 1_000_000) throw new Error('the bench principal was refused');
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1_000_000);
  }
  result.authorize_ns = Number(best.toFixed(1));
  await probe.stop();
  console.log(`authorize(): ${result.authorize_ns} ns per check (${result.acls_on} ACLs)`);
  for (const scenario of SCENARIOS) {
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const b = await broker(mode);
        const bootstrap = `127.0.0.1:${b.listeners[0].port}`;
        const { value: r, cpuS } = await withCpu(async () => lastJson((await run(['perf', 'produce', '--bootstrap-server', bootstrap,
          '--topic', `bench-${scenario.name}-${round}`, '--partitions', '6', '--num-records', String(scenario.records), '--record-size', '100',
          '--batch-bytes', String(scenario.batchBytes), '--json', '--quiet', '--max-duration-ms', '120000'], 180_000)).stdout)).finally(() => b.stop());
        if (Object.keys(r.errors ?? {}).length > 0 || r.records !== scenario.records) throw new Error(`${mode}: ${r.records} records, errors ${JSON.stringify(r.errors)}`);
        if (round === 0) continue; // warm-up
        result.scenarios[scenario.name].runs[mode].push({ records_per_sec: r.records_per_sec, broker_cpu_s_per_million: Number((cpuS / (r.records / 1e6)).toFixed(3)) });
      }
    }
    const s = result.scenarios[scenario.name];
    for (const mode of ['off', 'on']) {
      s[mode] = { records_per_sec: median(s.runs[mode].map((x) => x.records_per_sec)), broker_cpu_s_per_million: median(s.runs[mode].map((x) => x.broker_cpu_s_per_million)) };
    }
    s.cpu_cost_pct = Number(((s.on.broker_cpu_s_per_million / s.off.broker_cpu_s_per_million - 1) * 100).toFixed(1));
    s.throughput_change_pct = Number(((s.on.records_per_sec / s.off.records_per_sec - 1) * 100).toFixed(1));
    console.log(`${scenario.name}: off ${s.off.records_per_sec} rec/s, ${s.off.broker_cpu_s_per_million} CPU-s/M; on ${s.on.records_per_sec} rec/s, ${s.on.broker_cpu_s_per_million} CPU-s/M (CPU ${s.cpu_cost_pct} %, throughput ${s.throughput_change_pct} %)`);
  }
  if (save) {
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/authorizer.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
