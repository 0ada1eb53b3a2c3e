#!/usr/bin/env node
// `npm run bench:produce-sink`: produce of 100-byte records with Kafka's default batch.size
// (16 KiB) and Kreps' 8196 bytes, 6 partitions, acks=1, against Strom and the TCP sink
// (`strom perf sink`) in the same run, alternating (the order rotates every round, so that
// neither side always runs first after the other), several rounds. Beside the rate, the
// server's CPU per million records (user + sys, every thread, /proc) and its voluntary
// context switches per request (thread wake-ups), and the load average before each run:
// the machine is shared, and the CPU figures move less with the load than the rates do.
// BENCH_RUNS (default 3) rounds; BENCH_RECORDS (default 3,000,000) per run; BENCH_DEPTHS
// (default "5,20") the harness's --max-in-flight values; BENCH_OVERRIDES (e.g.
// "strom.append.workers=1", comma-separated) Strom's config overrides. The harness's own CPU
// per million records is recorded too (its shell's cutime/cstime): on two shared cores it
// is part of what bounds the rate. Writes bench/results/produce-sink.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const STROM = 'dist/bundle/strom.cjs';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 3_000_000);
const DEPTHS = (process.env.BENCH_DEPTHS ?? '5,20').split(',').map(Number);
const OVERRIDES = (process.env.BENCH_OVERRIDES ?? '').split(',').filter(Boolean);
const BATCHES = [16384, 8196];
const TICKS_PER_SEC = 100; // USER_HZ

function startProcess(args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`did not start: ${args.join(' ')}\n${output}`)); }, 30_000);
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

/** CPU ticks of the whole process and of its main thread, and voluntary context switches over its live threads. */
function usage(pid) {
  const ticks = (stat) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  let switches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      switches += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))[1]);
    } catch { /* the thread ended */ }
  }
  return { all: ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')), main: ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')), switches };
}

const dir = mkdtempSync(join(tmpdir(), 'strom-produce-sink-'));
const broker = await startProcess([STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `log.dirs=${join(dir, 'data')}`,
  '--override', 'log.segment.delete.delay.ms=0', '--override', 'http.listeners=', ...OVERRIDES.flatMap((o) => ['--override', o])], /listening on PLAINTEXT:\/\/[^:]+:(\d+)/);
const sink = await startProcess([STROM, 'perf', 'sink', '--port', '0'], /listening on [^:]+:(\d+)/);
const targets = [{ name: 'strom', ...broker }, { name: 'sink', ...sink }];
const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  records: RECORDS, overrides: OVERRIDES, runs: [], summary: {},
};
let topicNo = 0;
try {
  for (let round = 0; round < RUNS; round++) {
    for (const depth of DEPTHS) {
      for (const batchBytes of BATCHES) {
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        const row = { round, batch_bytes: batchBytes, max_in_flight: depth };
        for (const t of order) {
          const topic = `produce-sink-${topicNo++}`;
          const load = loadavg()[0];
          const before = usage(t.child.pid);
          const args = ['perf', 'produce', '--bootstrap-server', `127.0.0.1:${t.port}`, '--topic', topic, '--num-records', String(RECORDS), '--record-size', '100',
            '--partitions', '6', '--acks', '1', '--batch-bytes', String(batchBytes), '--max-in-flight', String(depth), '--json', '--quiet', '--max-duration-ms', '50000'];
          // The shell prints its children's CPU (cutime, cstime: /proc/<pid>/stat fields 16-17) once the harness has exited.
          const r = spawnSync('sh', ['-c', '"$@"; cat /proc/$$/stat >&2', 'sh', process.execPath, STROM, ...args], { encoding: 'utf8', timeout: 70_000 });
          const shellStat = r.stderr.trim().split('\n').pop();
          const childFields = shellStat.slice(shellStat.lastIndexOf(')') + 2).split(' ');
          const harnessTicks = Number(childFields[13]) + Number(childFields[14]);
          const after = usage(t.child.pid);
          let out;
          try { out = JSON.parse(r.stdout.trim().split('\n').pop()); } catch { throw new Error(`strom ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`); }
          const millions = out.records / 1e6;
          const requests = Math.ceil(out.records / (6 * Math.floor((batchBytes - 61) / 112)));
          row[t.name] = {
            records_per_sec: out.records_per_sec, errors: out.errors, load_average_1m: +load.toFixed(2),
            cpu_ms_per_m_records: Math.round(((after.all - before.all) * 1000) / TICKS_PER_SEC / millions),
            main_thread_cpu_ms_per_m_records: Math.round(((after.main - before.main) * 1000) / TICKS_PER_SEC / millions),
            wakeups_per_request: +((after.switches - before.switches) / requests).toFixed(2),
            harness_cpu_ms_per_m_records: Math.round((harnessTicks * 1000) / TICKS_PER_SEC / millions),
          };
          if (t.name === 'strom') spawnSync(process.execPath, [STROM, 'topics', '--bootstrap-server', `127.0.0.1:${t.port}`, '--delete', '--topic', topic], { timeout: 30_000 });
        }
        row.ratio = +(row.strom.records_per_sec / row.sink.records_per_sec).toFixed(3);
        results.runs.push(row);
        const f = (x) => `${(x.records_per_sec / 1e6).toFixed(2)} M/s cpu ${x.cpu_ms_per_m_records} ms/M (main ${x.main_thread_cpu_ms_per_m_records}, harness ${x.harness_cpu_ms_per_m_records}) wake-ups/req ${x.wakeups_per_request}`;
        process.stdout.write(`round ${round} batch ${String(batchBytes).padStart(5)} depth ${String(depth).padStart(2)}: strom ${f(row.strom)} | sink ${f(row.sink)} | ratio ${row.ratio} | load ${row.strom.load_average_1m}\n`);
      }
    }
  }
} finally {
  await stop(broker.child);
  await stop(sink.child);
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const depth of DEPTHS) {
  for (const batchBytes of BATCHES) {
    const rows = results.runs.filter((r) => r.batch_bytes === batchBytes && r.max_in_flight === depth);
    const pick = (side, key) => rows.map((r) => r[side][key]);
    const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
    const key = `${batchBytes}B-depth${depth}`;
    results.summary[key] = {
      ratio: range(rows.map((r) => r.ratio)),
      strom_records_per_sec: range(pick('strom', 'records_per_sec')), sink_records_per_sec: range(pick('sink', 'records_per_sec')),
      strom_cpu_ms_per_m_records: range(pick('strom', 'cpu_ms_per_m_records')), sink_cpu_ms_per_m_records: range(pick('sink', 'cpu_ms_per_m_records')),
      strom_wakeups_per_request: range(pick('strom', 'wakeups_per_request')), sink_wakeups_per_request: range(pick('sink', 'wakeups_per_request')),
      harness_cpu_ms_per_m_records_with_strom: range(pick('strom', 'harness_cpu_ms_per_m_records')), harness_cpu_ms_per_m_records_with_sink: range(pick('sink', 'harness_cpu_ms_per_m_records')),
      load_average_1m: range(rows.flatMap((r) => [r.strom.load_average_1m, r.sink.load_average_1m])),
    };
    const s = results.summary[key];
    process.stdout.write(`${key}: ratio median ${s.ratio.median} (${s.ratio.min}-${s.ratio.max}); CPU ms per M records strom ${s.strom_cpu_ms_per_m_records.median}, sink ${s.sink_cpu_ms_per_m_records.median}, harness ${s.harness_cpu_ms_per_m_records_with_strom.median} / ${s.harness_cpu_ms_per_m_records_with_sink.median}; load ${s.load_average_1m.min}-${s.load_average_1m.max}\n`);
  }
}
mkdirSync('bench/results', { recursive: true });
const out = process.env.BENCH_OUT ?? 'bench/results/produce-sink.json';
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
process.exit(0);
