// npm run bench:core — micro-benchmarks of the WASM core (tinybench), under 60 s.
// Prints a table and writes bench/results/core.json. Every figure includes the JS -> WASM
// call; CRC inputs for "wasm" are resident in core memory, as batches are on the append
// path ("wasm_with_copy" adds copying them in from a JS buffer first).
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Bench } from 'tinybench';
import { Core, ABI, buildBatch } from '../dist/core/index.js';
import { crc32cJs } from './js-crc32c.mjs';

const require = createRequire(import.meta.url);
const { crc32c: nativeCrc32c } = require('@node-rs/crc32');

const core = Core.create({ initialBytes: 64 << 20 });
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1200);
const SIZES = { '1KiB': 1024, '16KiB': 16384, '1MiB': 1 << 20 };

function random(length, seed) {
  const out = Buffer.allocUnsafe(length);
  let x = seed;
  for (let i = 0; i < length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
}

/** Runs fn `inner` times per sample; returns the median seconds per call. */
async function measure(name, fn, inner) {
  const bench = new Bench({ name, time: TIME_MS, warmupTime: 200 });
  bench.add(name, () => { for (let i = 0; i < inner; i++) fn(i); });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') throw new Error(`${name}: ${result.state} ${result.error ?? ''}`);
  return result.latency.p50 / 1000 / inner;
}

const gbps = (bytes, seconds) => Number((bytes / seconds / 1e9).toFixed(3));
const results = { crc32c_gbps: { wasm: {}, js: {}, native: {}, wasm_with_copy: {} } };
const rows = [];
let sink = 0;

for (const [label, size] of Object.entries(SIZES)) {
  const bytes = random(size, size);
  const ptr = core.mem.reserve(size);
  core.mem.write(ptr, bytes);
  if (core.crc32cAt(ptr, size) !== nativeCrc32c(bytes) >>> 0 || crc32cJs(bytes) !== nativeCrc32c(bytes) >>> 0) throw new Error('CRC mismatch');
  const inner = Math.max(1, Math.round((256 << 10) / size));
  const wasm = await measure(`crc32c wasm ${label}`, () => { sink ^= core.crc32cAt(ptr, size); }, inner);
  const copy = await measure(`crc32c wasm+copy ${label}`, () => { core.mem.write(ptr, bytes); sink ^= core.crc32cAt(ptr, size); }, inner);
  const js = await measure(`crc32c js ${label}`, () => { sink ^= crc32cJs(bytes); }, inner);
  const native = await measure(`crc32c native ${label}`, () => { sink ^= nativeCrc32c(bytes); }, inner);
  results.crc32c_gbps.wasm[label] = gbps(size, wasm);
  results.crc32c_gbps.wasm_with_copy[label] = gbps(size, copy);
  results.crc32c_gbps.js[label] = gbps(size, js);
  results.crc32c_gbps.native[label] = gbps(size, native);
  rows.push({ benchmark: `crc32c ${label}`, 'wasm GB/s': results.crc32c_gbps.wasm[label], 'wasm+copy GB/s': results.crc32c_gbps.wasm_with_copy[label],
    'js GB/s': results.crc32c_gbps.js[label], 'native GB/s': results.crc32c_gbps.native[label],
    'wasm/native': Number((native / wasm).toFixed(2)), 'wasm/js': Number((js / wasm).toFixed(2)) });
}

// Validate + assign offsets on a 16 KiB batch of 100-byte records, as the append path does.
{
  const records = [];
  let batch;
  for (let n = 1; ; n++) {
    records.push({ key: null, value: random(100, n), timestamp: 1_700_000_000_000 + n });
    const next = buildBatch(core, records);
    if (next.length > 16384) break;
    batch = next;
  }
  const ptr = core.mem.reserve(batch.length);
  core.mem.write(ptr, batch);
  const flags = ABI.F_STRICT;
  if (core.validateAssignAt(ptr, batch.length, flags, 0, 0) !== batch.length) throw new Error('batch rejected');
  const perCall = await measure('validate+assign 16KiB', (i) => {
    if (core.validateAssignAt(ptr, batch.length, flags, i, 0) < 0) throw new Error('rejected');
  }, 64);
  results.batch_validate_assign_per_s_16KiB = Math.round(1 / perCall);
  results.batch_records_16KiB = records.length - 1;
  rows.push({ benchmark: `validate+assign 16 KiB (${records.length - 1} records)`, 'per second': results.batch_validate_assign_per_s_16KiB,
    'µs each': Number((perCall * 1e6).toFixed(2)) });
}

// One lookup in a 10 MiB offset index (1,310,720 entries), random targets.
{
  const entries = (10 << 20) / ABI.OFFSET_ENTRY_SIZE;
  const ptr = core.mem.reserve(entries * ABI.OFFSET_ENTRY_SIZE);
  for (let slot = 0; slot < entries; slot++) core.offsetIndexPut(ptr, slot, slot * 4 + (slot & 1), slot * 4096);
  const targets = Int32Array.from({ length: 4096 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 0) % (entries * 4));
  const perCall = await measure('offset index lookup', (i) => { sink ^= core.offsetIndexFloor(ptr, entries, targets[i & 4095]); }, 4096);
  results.index_lookup_ns = Number((perCall * 1e9).toFixed(1));
  rows.push({ benchmark: 'offset index lookup (10 MiB index)', 'ns each': results.index_lookup_ns });
}

results.machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, date: new Date().toISOString() };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/core.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.table(rows);
console.log(`wrote bench/results/core.json${sink === 0.5 ? '' : ''}`);
