#!/usr/bin/env node
// `npm run bench:idempotence`: what idempotence, transactions and read_committed cost, each
// against its plain twin in the same run, rounds alternating so that drift on a shared
// machine falls on all alike.
//   - produce: `strom perf produce` without and with --idempotent (a producer id, a sequence
//     number per partition on every batch, checked by the append workers), and transactional
//     (--transactional-id, a commit every 100 and every 1,000 records: AddPartitionsToTxn,
//     the batches, EndTxn and its markers), 6 partitions, 100-byte records: records/s, the
//     broker's CPU per million records, and for transactions the EndTxn latency.
//   - consume: `strom perf consume` from the beginning of a topic of transactional batches
//     (one transaction in ten aborted, every transaction ended by a marker the broker writes
//     as a coordinator would), read_uncommitted against read_committed (up to the LSO, the
//     aborted transactions listed from the transaction indexes).
// The broker runs in this process (the consume topic's markers are written through
// PartitionLog.appendMarker, as the transaction coordinator writes them, to control which
// transactions abort); the clients are child processes. Medians of the
// rounds, and the median of each round's ratio (its runs ran back to back); writes
// bench/results/idempotence.json unless --no-save. Every run is bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../dist/broker/broker.js';
import { BrokerConfig } from '../dist/config/config.js';
import { buildBatch } from '../dist/core/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STROM = join(ROOT, 'dist/bundle/strom.cjs');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PRODUCE_RECORDS = Number(process.env.RECORDS ?? 2_000_000);
/** Records per transactional run, per commit interval: each run lasts about as long as a plain one would at a tenth of its rate. */
const TXN_RUNS = [{ every: 100, records: Number(process.env.TXN100_RECORDS ?? 200_000) }, { every: 1000, records: Number(process.env.TXN1000_RECORDS ?? 500_000) }];
const TXN_BATCHES = 20_000;
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

const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').pop());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU seconds of this process (the broker, its append workers included) during `fn`. */
async function withCpu(fn) {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuS: (used.user + used.system) / 1e6 };
}

const dir = mkdtempSync(join(tmpdir(), 'strom-idem-bench-'));
const quiet = { info() {}, warn: (m) => console.error(m), error: (m) => console.error(m), debug() {} };
const broker = await Broker.start(new BrokerConfig({ listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir }), quiet);
const bootstrap = `127.0.0.1:${broker.listeners[0].port}`;
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  rounds: ROUNDS, produce: { records: PRODUCE_RECORDS, record_size: 100, partitions: 6, runs: { plain: [], idempotent: [] } },
  transactional: { record_size: 100, partitions: 6, runs: Object.fromEntries(TXN_RUNS.map((t) => [`commit_every_${t.every}`, { records: t.records, runs: [] }])) },
  consume: { batches: TXN_BATCHES, aborted_share: 0.1, runs: { read_uncommitted: [], read_committed: [] } },
};
try {
  // --- produce -------------------------------------------------------------------------------
  // Plain, idempotent and the transactional runs in turn, the order rotating every round.
  const modes = ['plain', 'idempotent', ...TXN_RUNS.map((t) => `commit_every_${t.every}`)];
  for (let round = 0; round <= ROUNDS; round++) {
    const order = modes.map((_, i) => modes[(i + round) % modes.length]);
    for (const mode of order) {
      const txn = TXN_RUNS.find((t) => mode === `commit_every_${t.every}`);
      const records = txn ? txn.records : PRODUCE_RECORDS;
      const extra = mode === 'idempotent' ? ['--idempotent'] : txn ? ['--transactional-id', `bench-${mode}-${round}`, '--transaction-records', String(txn.every)] : [];
      const { value: r, cpuS } = await withCpu(async () => lastJson((await run(['perf', 'produce', '--bootstrap-server', bootstrap,
        '--topic', `p-${mode}-${round}`, '--partitions', '6', '--num-records', String(records), '--record-size', '100',
        '--json', '--quiet', '--max-duration-ms', '120000', ...extra], 180_000)).stdout));
      if (Object.keys(r.errors ?? {}).length > 0) throw new Error(`${mode}: errors ${JSON.stringify(r.errors)}`);
      if (round === 0) continue; // warm-up
      const run_ = { records_per_sec: r.records_per_sec, broker_cpu_s_per_million: Number((cpuS / (r.records / 1e6)).toFixed(3)) };
      if (txn) {
        result.transactional.runs[mode].runs.push({ ...run_, commits: r.transactions.commits, commit_p50_ms: r.transactions.commit_latency_ms.p50, commit_p99_ms: r.transactions.commit_latency_ms.p99 });
      } else {
        result.produce.runs[mode].push(run_);
      }
    }
  }

  // --- consume: a topic of transactions, markers written as a coordinator does --------------
  await broker.logs.createTopic('txn', 1);
  const log = broker.logs.partition('txn', 0);
  const core = broker.core;
  const records = Array.from({ length: 10 }, (_, i) => ({ value: `record ${i}`.padEnd(100, '.') }));
  const sequences = new Map();
  for (let i = 0; i < TXN_BATCHES; i++) {
    const producerId = 1000 + (i % 10);
    const sequence = sequences.get(producerId) ?? 0;
    sequences.set(producerId, sequence + records.length);
    await log.append(buildBatch(core, records, { producerId, producerEpoch: 0, baseSequence: sequence, transactional: true }));
    // Each producer's transaction spans 5 of its batches; one transaction in ten aborts.
    if (i % 50 >= 40) await log.appendMarker(producerId, 0, (Math.floor(i / 50) % 10) !== 0, 0);
  }
  result.consume.records = log.logEndOffset;
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? ['read_uncommitted', 'read_committed'] : ['read_committed', 'read_uncommitted'];
    for (const level of order) {
      const { value: r, cpuS } = await withCpu(async () => lastJson((await run(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'txn',
        '--messages', String(TXN_BATCHES * records.length), '--from-beginning', '--isolation-level', level, '--timeout', '3000',
        '--json', '--quiet', '--max-duration-ms', '120000'], 180_000)).stdout));
      if (round === 0) continue;
      result.consume.runs[level].push({ records_per_sec: r.records_per_sec, mb_per_sec: r.mb_per_sec, broker_cpu_s: Number(cpuS.toFixed(3)) });
    }
  }
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
const med = (runs, key) => median(runs.map((r) => r[key]));
/** The median over rounds of each round's ratio a/b: runs of one round ran back to back, so drift on a shared machine cancels. */
const pairedMedian = (a, b, key) => Number(median(a.map((r, i) => r[key] / b[i][key])).toFixed(3));
const p = result.produce.runs;
const c = result.consume.runs;
result.ratios = {
  idempotent_vs_plain_records_per_sec: Number((med(p.idempotent, 'records_per_sec') / med(p.plain, 'records_per_sec')).toFixed(3)),
  idempotent_vs_plain_records_per_sec_paired: pairedMedian(p.idempotent, p.plain, 'records_per_sec'),
  idempotent_vs_plain_broker_cpu_per_record: Number((med(p.idempotent, 'broker_cpu_s_per_million') / med(p.plain, 'broker_cpu_s_per_million')).toFixed(3)),
  idempotent_vs_plain_broker_cpu_per_record_paired: pairedMedian(p.idempotent, p.plain, 'broker_cpu_s_per_million'),
  read_committed_vs_uncommitted_records_per_sec: Number((med(c.read_committed, 'records_per_sec') / med(c.read_uncommitted, 'records_per_sec')).toFixed(3)),
  read_committed_vs_uncommitted_records_per_sec_paired: pairedMedian(c.read_committed, c.read_uncommitted, 'records_per_sec'),
};
result.transactional.medians = Object.fromEntries(Object.entries(result.transactional.runs).map(([mode, { runs }]) => [mode, {
  records_per_sec: med(runs, 'records_per_sec'), vs_plain_records_per_sec_paired: pairedMedian(runs, p.plain, 'records_per_sec'),
  broker_cpu_s_per_million: med(runs, 'broker_cpu_s_per_million'), commit_p50_ms: med(runs, 'commit_p50_ms'), commit_p99_ms: med(runs, 'commit_p99_ms'),
}]));
console.log(JSON.stringify(result, null, 2));
if (save) {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/idempotence.json'), JSON.stringify(result, null, 2) + '\n');
}
