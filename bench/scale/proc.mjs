// The processes of `npm run bench:scale`: a broker from the bundle (what `npm start` runs) on
// a temp log dir, measured from outside through /proc (RSS, file descriptors, CPU time of the
// process and of its main thread), and `strom perf` runs whose JSON line is their result.
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const STROM = join(ROOT, 'dist/bundle/strom.cjs');
const CLOCK_TICKS_PER_SEC = 100;

const API_VERSIONS_V0 = (() => {
  const b = Buffer.alloc(14);
  b.writeInt32BE(10, 0);
  b.writeInt16BE(18, 4);
  b.writeInt16BE(0, 6);
  b.writeInt32BE(1, 8);
  b.writeInt16BE(-1, 12);
  return b;
})();

/** Resolves with the ms from `start` until an ApiVersions on `port` is answered. */
export function waitServing(port, start, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (performance.now() - start > timeoutMs) return reject(new Error(`no broker answered on ${port} within ${timeoutMs} ms`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.write(API_VERSIONS_V0));
      socket.once('data', () => { resolve(performance.now() - start); socket.destroy(); });
      socket.once('error', () => { socket.destroy(); setTimeout(attempt, 5); });
    };
    attempt();
  });
}

/**
 * A port free now, below the kernel's ephemeral range (32768+): a listener there can clash
 * with the local ports of the thousands of client connections the scenarios open.
 */
export async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * Starts a broker on `dir` with `overrides` (Kafka's keys); resolves once it answers, with
 * its start time (spawn to the first answer) and a handle to measure and stop it.
 */
export async function startBroker(dir, overrides = {}, { nodeArgs = [] } = {}) {
  const port = await freePort();
  const all = { listeners: `PLAINTEXT://127.0.0.1:${port}`, 'http.listeners': '', 'log.dirs': dir, ...overrides };
  const start = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, STROM, 'start', ...Object.entries(all).flatMap(([k, v]) => ['--override', `${k}=${v}`])],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STROM_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const startMs = await Promise.race([waitServing(port, start), exited.then(() => { throw new Error(`the broker exited at start:\n${stderr}`); })]);
  // CPU spent until it answered: on a busy machine the start's wall time is mostly waiting for a core.
  const atStart = sample(child.pid);
  return { child, port, bootstrap: `127.0.0.1:${port}`, startMs, startCpuMs: Math.round(atStart.cpuSec * 1000), startMainCpuMs: Math.round(atStart.mainCpuSec * 1000), exited, stderr: () => stderr };
}

/** SIGTERM (a clean stop), then SIGKILL after `graceMs`. Resolves with the ms the stop took. */
export async function stopBroker(broker, graceMs = 60_000) {
  const { child } = broker;
  if (child.exitCode !== null || child.signalCode !== null) return 0;
  const t = performance.now();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.kill('SIGTERM');
  await broker.exited;
  clearTimeout(timer);
  return performance.now() - t;
}

export function killBroker(broker) {
  broker.child.kill('SIGKILL');
  return broker.exited;
}

/** The process's resident memory (MB), open files, threads, and CPU seconds (all threads, and the main thread alone). */
export function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const cpu = (path) => {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_SEC; // utime, stime
  };
  return {
    rssMb: +(field('VmRSS') / 1024).toFixed(1),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    threads: field('Threads'),
    cpuSec: cpu(`/proc/${pid}/stat`),
    mainCpuSec: cpu(`/proc/${pid}/task/${pid}/stat`),
  };
}

/** `sample` after the process has been left alone for `ms` (idle figures). */
export async function idleSample(pid, ms = 1500) {
  await new Promise((r) => setTimeout(r, ms));
  return sample(pid);
}

/** Runs `strom perf …` (bounded by --max-duration-ms and a hard timeout); its JSON result. */
export function perf(args, { timeoutMs = 180_000, maxDurationMs = 120_000 } = {}) {
  const r = spawnSync(process.execPath, [STROM, 'perf', ...args, '--json', '--quiet', '--reporting-interval', '1000', '--max-duration-ms', String(maxDurationMs)],
    { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`strom perf ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout ?? '').slice(-2000)}\n${(r.stderr ?? '').slice(-2000)}`);
  }
}

/** Runs `strom <args>` (topics and the like) and returns its stdout; throws on failure. */
export function strom(args, timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [STROM, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`strom ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
