#!/usr/bin/env node
// `npm run bench:scale`: how Strom's costs grow (issue 17). Scenarios (bench/scale/):
//   partitions   1 to 10,000 partitions: start time, RSS, Metadata, produce and consume
//   connections  100 to 10,000 client connections: RSS and files per connection, a probe's p99
//   groups       1,000 groups of 3 members joining at once; offset commits per second
//   latency      e2e p50/p99/p99.9 at 10-90 % of the maximum produce rate, and at 50,000 msg/s
//   soak         half the maximum rate for 30 minutes, a group reading along, retention deleting
//   peers        Redis Streams, NATS JetStream and librdkafka's mock cluster beside Strom
// BENCH_SCALE (default 1) shrinks counts, data and durations (0.01 runs everything in a few
// minutes); BENCH_SCENARIOS=partitions,latency runs some, and updates only theirs in
// bench/results/scale.json; the charts are bench/results/scale-<scenario>.svg. Every load
// is bounded by its count and by time.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { runPartitions } from './scale/partitions.mjs';
import { runConnections } from './scale/connections.mjs';
import { runGroups } from './scale/groups.mjs';
import { runLatency } from './scale/latency.mjs';
import { runSoak } from './scale/soak.mjs';
import { runPeers } from './scale/peers.mjs';
import { partitionsChart, connectionsChart, latencyChart, soakChart } from './scale/charts.mjs';
import { targets } from './scale/targets.mjs';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ALL = ['partitions', 'connections', 'groups', 'latency', 'soak', 'peers'];
const chosen = (process.env.BENCH_SCENARIOS ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const name of chosen) if (!ALL.includes(name)) throw new Error(`unknown scenario ${name} (BENCH_SCENARIOS takes ${ALL.join(', ')})`);
const RESULTS = 'bench/results/scale.json';
const runners = { partitions: runPartitions, connections: runConnections, groups: runGroups, latency: runLatency, soak: runSoak, peers: runPeers };
const charts = { partitions: partitionsChart, connections: connectionsChart, latency: latencyChart, soak: soakChart };

const tty = process.stderr.isTTY;
const bar = tty ? new cliProgress.SingleBar({ format: '{bar} {percentage}% | {scenario} | {step} | {duration_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;

const previous = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : { scenarios: {} };
const results = {
  date: new Date().toISOString(), scale: SCALE,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  commands: { all: 'npm run bench:scale', one: 'BENCH_SCENARIOS=<name> npm run bench:scale' },
  scenarios: { ...previous.scenarios },
};
let done = 0;
// Steps per scenario, for the progress bar (a guess is fine: it only moves the bar).
const STEPS = { partitions: 42, connections: 7, groups: 2, latency: 8, soak: 3, peers: 8 };
const total = chosen.reduce((n, s) => n + STEPS[s], 0);
bar?.start(total, 0, { scenario: '', step: 'starting' });

for (const name of chosen) {
  const started = performance.now();
  const step = (what) => {
    done++;
    if (bar) bar.update(Math.min(done, total - 1), { scenario: name, step: what });
    else process.stderr.write(`[${name}] ${what}\n`);
  };
  try {
    // The soak runs at half the rate the latency scenario found, when it ran in this run.
    const r = await runners[name]({ scale: SCALE, step, maxRate: chosen.includes('latency') ? results.scenarios.latency?.max_rate : undefined });
    // BENCH_PARTITIONS re-measures some counts: the others keep their figures of the last run.
    const kept = name === 'partitions' && process.env.BENCH_PARTITIONS ? (previous.scenarios.partitions?.points ?? []).filter((p) => !r.points.some((q) => q.partitions === p.partitions)) : [];
    if (kept.length) r.points = [...kept, ...r.points].sort((a, b) => a.partitions - b.partitions);
    results.scenarios[name] = { ...r, scale: SCALE, date: results.date, elapsed_sec: Math.round((performance.now() - started) / 1000) };
  } catch (e) {
    results.scenarios[name] = { error: String(e.stack ?? e).slice(0, 4000), scale: SCALE, date: results.date };
    bar?.stop();
    process.stderr.write(`${name} failed: ${e.stack ?? e}\n`);
    bar?.start(total, done, { scenario: name, step: 'failed' });
  }
}
bar?.update(total, { scenario: 'done', step: '' });
bar?.stop();

mkdirSync('bench/results', { recursive: true });
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
const written = [RESULTS];
for (const [name, render] of Object.entries(charts)) {
  const r = results.scenarios[name];
  if (!chosen.includes(name) || !r || r.error) continue;
  const file = `bench/results/scale-${name}.svg`;
  writeFileSync(file, render(r, `Strom ${results.date.slice(0, 10)}, ${results.machine.cpus} cores, BENCH_SCALE ${SCALE}`));
  written.push(file);
}

const table = new Table({ head: ['scenario', 'measure', 'result', 'target', 'met'], wordWrap: true, colWidths: [13, 46, 30, 20, 6], style: tty ? {} : { head: [], border: [] } });
for (const row of targets(results.scenarios, chosen)) table.push([row.scenario, row.measure, row.result, row.target ?? '', row.met === undefined ? '' : row.met ? 'yes' : 'no']);
process.stdout.write(table.toString() + '\n');
process.stdout.write(`wrote ${written.join(', ')}\n`);
// Everything we started has been stopped; do not wait on stray handles.
process.exit(0);
