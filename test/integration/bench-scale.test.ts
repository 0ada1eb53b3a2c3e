// The pieces of `npm run bench:scale` (bench/scale/) against a real broker at a tiny size:
// the child that holds client connections, the child that runs consumer groups and their
// offset commits, the summary against the targets, and the charts. The scenarios
// themselves run only in `npm run bench:scale`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
// @ts-expect-error bench modules are plain JavaScript
import { targets } from '../../bench/scale/targets.mjs';
// @ts-expect-error bench modules are plain JavaScript
import { figure } from '../../bench/scale/chart.mjs';

const BENCH = (name: string) => fileURLToPath(new URL(`../../bench/scale/${name}`, import.meta.url));
const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  await run(process.execPath, [STROM, 'topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'slow', '--partitions', '16'], 30_000);
  await run(process.execPath, [STROM, 'topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'grouped', '--partitions', '3'], 30_000);
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

/** Starts a bench child; resolves with its JSON lines as they come, and its end. */
function child(script: string, args: string[]) {
  const p = spawn(process.execPath, [BENCH(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Record<string, any>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: p.stdout! }).on('line', (l) => { lines.push(JSON.parse(l)); for (const w of waiters.splice(0)) w(); });
  const exited = new Promise<number | null>((r) => p.once('exit', r));
  const line = async (n: number) => {
    while (lines.length < n) await Promise.race([new Promise<void>((r) => waiters.push(r)), exited]);
    return lines[n - 1];
  };
  return { p, line, exited };
}

describe('bench:scale pieces', () => {
  it('hold-connections opens idle and producing connections, and reports the producers\' latencies', async () => {
    const h = child('hold-connections.mjs', [broker.bootstrap, '20', '3', '100', '30']);
    const ready = await h.line(1);
    expect(ready).toMatchObject({ ready: true, idle: 20, producing: 3, open_errors: 0 });
    await new Promise((r) => setTimeout(r, 600));
    h.p.stdin!.end();
    const done = await h.line(2);
    expect(done.done).toBe(true);
    expect(done.produced).toBeGreaterThan(3);
    expect(done.errors).toEqual({});
    expect(await h.exited).toBe(0);
  });

  it('run-groups joins every member and counts the offset commits it sends', async () => {
    const g = child('run-groups.mjs', [broker.bootstrap, '2', '3', '1', '2', '60']);
    const joined = await g.line(1);
    expect(joined).toMatchObject({ joined: 6, failed: 0 });
    const done = await g.line(2);
    expect(done.commits).toBeGreaterThan(0);
    expect(done.commit_errors).toBe(0);
    expect(done.commit_latency_ms.p50).toBeGreaterThan(0);
    expect(await g.exited).toBe(0);
  });

  it('the summary marks each target met or not from the figures', () => {
    const rows = targets({
      groups: { groups: 1000, members_per_group: 3, all_stable_ms: 5000, joined: 3000, failed: 0, broker_cpu_sec_join: 1, commits_per_sec: 60_000 },
      latency: { max_rate: 150_000, points: [{ rate: 50_000, target: true, fraction: 0.33, latency_ms: { p50: 1, p99: 6, p999: 9 } }] },
    }, ['groups', 'latency']);
    expect(rows.find((r: any) => r.measure === 'offset commits per second').met).toBe(true);
    expect(rows.find((r: any) => r.target === 'p99 ≤ 5, p99.9 ≤ 10 ms').met).toBe(false);
  });

  it('a chart holds a point per figure and the target line', () => {
    const svg: string = figure('t', [{ title: 'p', xLabel: 'x', yLabel: 'y', logX: true, target: { value: 5, label: 'target' },
      series: [{ label: 's', points: [[1, 2], [100, 4], [10_000, 3]] }] }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)?.length).toBe(3);
    expect(svg).toContain('stroke-dasharray="2,3"');
  });
});
