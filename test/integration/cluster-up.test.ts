// `strom cluster up` as a user runs it (the bundle, a child process): etcd and three brokers
// on loopback ports, one cluster that kcat sees whole; a broker stopped and started again;
// Ctrl-C on the foreground command, or `strom cluster down` after --detach, leaves no
// process behind. Ports are free ones (not 9092: other tests and brokers share the machine).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupDirs, run, tempDir } from '../helpers/broker.js';
import { freePort } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('etcd-server');
requireExternal('kcat');
const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, ...args], 90_000);

/** Processes whose command line names `dir` (what the cluster started there). */
function processesOf(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir) && !/\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) pids.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

/** Whether 127.0.0.1:port can be listened on. */
const free = (port: number) => new Promise<boolean>((resolve) => {
  const server = createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

/** A base port with `count` free ports from it, and etcd's two. */
async function ports(count: number): Promise<{ base: number; etcd: number; peer: number }> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await Promise.all(Array.from({ length: count }, (_, i) => free(base + i)))).every(Boolean)) return { base, etcd: await freePort(), peer: await freePort() };
  }
}

const started: string[] = [];
afterAll(async () => {
  // Whatever a failed test left running.
  for (const dir of started) for (const pid of processesOf(dir)) process.kill(pid, 'SIGKILL');
  cleanupDirs();
});

async function brokersSeen(bootstrap: string): Promise<number[]> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-J'], 20_000);
  return (JSON.parse(r.stdout) as { brokers: { id: number }[] }).brokers.map((b) => b.id).sort();
}

describe('strom cluster', () => {
  it('up: etcd and three brokers kcat sees as one cluster; Ctrl-C stops them all', async () => {
    const dir = join(tempDir('strom-up-'), 'cluster');
    started.push(dir);
    const p = await ports(3);
    const up = spawn(process.execPath, [STROM, 'cluster', 'up', '--brokers', '3', '--dir', dir, '--port', String(p.base), '--no-http',
      '--etcd-port', String(p.etcd), '--etcd-peer-port', String(p.peer)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    up.stdout.on('data', (d) => { output += d; });
    up.stderr.on('data', (d) => { output += d; });
    const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
    await waitFor(() => `the cluster up:\n${output}`, () => output.includes('Stop the cluster with Ctrl-C'), { timeoutMs: 90_000 });
    const bootstrap = `127.0.0.1:${p.base},127.0.0.1:${p.base + 1},127.0.0.1:${p.base + 2}`;
    expect(output).toContain(`Connect with --bootstrap-server ${bootstrap}`);
    for (let i = 0; i < 3; i++) expect(await brokersSeen(`127.0.0.1:${p.base + i}`)).toEqual([1, 2, 3]);
    expect(processesOf(dir).sort()).toEqual(expect.arrayContaining([up.pid]));
    expect(processesOf(dir)).toHaveLength(5); // up itself, etcd, three brokers

    up.kill('SIGINT'); // Ctrl-C
    expect(await exited).toBe(0);
    expect(output).toContain('Strom cluster stopped.');
    expect(processesOf(dir)).toEqual([]);
    // Each broker stopped cleanly.
    for (const id of [1, 2, 3]) expect(readFileSync(join(dir, 'logs', `broker-${id}.log`), 'utf8')).toContain('stopped cleanly');
  }, 150_000);

  it('up --detach, status, stop and start a broker, down: nothing left running', async () => {
    const dir = join(tempDir('strom-up-'), 'cluster');
    started.push(dir);
    const p = await ports(3);
    const up = await strom(['cluster', 'up', '--detach', '--dir', dir, '--port', String(p.base), '--no-http', '--etcd-port', String(p.etcd), '--etcd-peer-port', String(p.peer)]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`Stop the cluster with strom cluster down --dir ${dir}`);
    expect(await brokersSeen(`127.0.0.1:${p.base}`)).toEqual([1, 2, 3]);

    // A second up from the same directory is refused while this one runs.
    const again = await strom(['cluster', 'up', '--detach', '--dir', dir, '--port', String(p.base + 10), '--no-http']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`a cluster already runs from ${dir}`);

    const stopped = await strom(['cluster', 'stop', '2', '--dir', dir, '--kill']);
    expect(stopped).toMatchObject({ code: 0 });
    expect(stopped.stdout).toMatch(/^broker 2 \(pid \d+\) killed\n$/);
    const status = await strom(['cluster', 'status', '--dir', dir]);
    expect(status.stdout.split('\n').filter((l) => /^(broker|etcd)/.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 2).join(' '))).toEqual([
      'broker 1 running', 'broker 2 stopped', 'broker 3 running', 'etcd running',
    ]);
    expect(await strom(['cluster', 'start', '2', '--dir', dir])).toMatchObject({ code: 0 });
    await waitFor('broker 2 back', async () => (await brokersSeen(`127.0.0.1:${p.base}`)).join() === '1,2,3', { timeoutMs: 30_000 });

    const down = await strom(['cluster', 'down', '--dir', dir]);
    expect(down).toMatchObject({ code: 0, stdout: 'Strom cluster stopped.\n' });
    expect(processesOf(dir)).toEqual([]);
    expect((await strom(['cluster', 'status', '--dir', dir])).stderr).toContain(`no cluster runs from ${dir}`);
  }, 150_000);
});
