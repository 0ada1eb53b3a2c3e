// `npm run fuzz`: a long fuzz run against the real broker (1,000,000 cases by default,
// bounded by --max-minutes too). Prints progress after every batch, then the figures that
// RELIABILITY.md publishes; exits 1 on any failure, with the command that reproduces it.
//
//   npm run fuzz -- --cases 1000000 --seed 1 --concurrency 4
//   npm run fuzz -- --seed 1 --from 123456 --cases 1 --show      # one case, its bytes printed
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { failures, fuzz, type FuzzReport } from './fuzzer.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '4' },
    'quiet-ms': { type: 'string', default: '250' },
    batch: { type: 'string', default: '2000' },
    'max-minutes': { type: 'string', default: '240' },
    'max-rss-mb': { type: 'string', default: '2048' },
    show: { type: 'boolean', default: false },
    apis: { type: 'string', default: '' },
    broker: { type: 'string' },
    json: { type: 'string' },
  },
});

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seed = Number(values.seed);
const started = Date.now();
const shown = new Set<string>();

function line(r: FuzzReport): string {
  const rate = r.casesRun / Math.max(1, (Date.now() - started) / 1000);
  const o = r.outcomes;
  return `${r.casesRun.toLocaleString('en')} cases (${rate.toFixed(0)}/s): answered ${o.answered}, closed ${o.closed}, silent ${o.silent}, ended ${o.ended}, refused ${o.refused}; `
    + `mismatches ${r.mismatches}, error lines ${r.errorLines}; RSS ${mib(r.rssAfterBytes)} (peak ${mib(r.rssPeakBytes)})`;
}

const report = await fuzz({
  seed,
  cases: Number(values.cases),
  from: Number(values.from),
  concurrency: Number(values.concurrency),
  quietMs: Number(values['quiet-ms']),
  batch: Number(values.batch),
  maxMs: Number(values['max-minutes']) * 60_000,
  maxRssBytes: Number(values['max-rss-mb']) * 2 ** 20,
  apis: values.apis ? values.apis.split(',') : [],
  broker: values.broker,
  progress: (r) => {
    console.log(line(r));
    // New kinds of error line as they come: a long run shows them before it ends.
    for (const e of r.errors) if (!shown.has(e.kind)) {
      shown.add(e.kind);
      console.log(`  new error line: ${e.sample.slice(0, 1000)}`);
    }
  },
  onCase: values.show ? (c) => console.log(`case ${c.index}: seeds ${c.seeds.join(', ')}; mutations ${c.mutations.join(', ')}; ${c.delivery}, ${c.ending}\n${c.bytes.toString('hex')}`) : undefined,
});

const repro = (from: number, cases = 1) => `npm run fuzz -- --seed ${seed} --from ${from} --cases ${cases} --concurrency 1 --show`;
console.log(`\n${line(report)}`);
console.log(`seed ${seed}, cases ${report.from}..${report.from + report.casesRun - 1} of ${report.casesPlanned}, ${(report.elapsedMs / 1000).toFixed(0)} s`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())}, node ${process.version}`);
console.log(`CPU: broker ${report.brokerCpuSeconds.toFixed(0)} s, fuzzer ${report.fuzzerCpuSeconds.toFixed(0)} s`);
console.log(`corpus: ${report.corpus.seeds} frames from ${report.corpus.clients.join(', ')}`);
console.log(`broker: node dist/bundle/strom.cjs ${report.brokerArgs.join(' ')}`);
console.log(`RSS before ${mib(report.rssBeforeBytes)}, after ${mib(report.rssAfterBytes)}, peak ${mib(report.rssPeakBytes)}; health probes ${report.healthProbes}, failed ${report.healthFailures}; crashes ${report.crashes}`);
console.log(`mutators: ${Object.entries(report.mutators).map(([k, v]) => `${k} ${v}`).join(', ')}`);
for (const e of report.errors) console.log(`error line x${e.count}: ${e.sample}`);
console.log(`broker state at the end: ${report.topics} topics, ${report.partitions} partitions`);
console.log(`mismatches: ${Object.entries(report.mismatchKinds).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
for (const m of report.mismatchSamples) console.log(`  ${m.kind}: case ${m.index} (${m.mutations.join('+')} on ${m.seeds.join(', ')}): ${m.what}\n    ${repro(m.index)}`);
if (values.show) console.log(`broker log (last lines):\n${report.logTail.join('\n')}`);
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
const failed = failures(report);
if (failed.length > 0) {
  console.log(`\nFAILED: ${failed.join('; ')}`);
  if (report.crash) console.log(report.crash);
  if (report.suspects.length > 0) {
    const lo = Math.min(...report.suspects);
    console.log(`cases in flight: ${report.suspects.slice(0, 20).join(', ')}${report.suspects.length > 20 ? ', ...' : ''}\nreproduce: ${repro(lo, Math.max(...report.suspects) - lo + 1)}`);
  }
  process.exit(1);
}
console.log('\nno crash, no hang, no error line');
