// A real etcd (Debian's etcd-server) on loopback ports with a temporary data dir, for the
// cluster tests: started fresh per call, stopped (or killed, or restarted on the same data)
// by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningEtcd {
  /** http://127.0.0.1:<port>, for etcd.connect. */
  endpoint: string;
  dir: string;
  stop(): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** Starts it again on the same data and ports (after stop or kill). */
  restart(): Promise<void>;
}

const running = new Set<RunningEtcd>();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startEtcd(): Promise<RunningEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'strom-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  let child: ChildProcess | null = null;
  const launch = async () => {
    const args = [
      '--name', 'test', '--data-dir', join(dir, 'data'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `test=http://127.0.0.1:${peer}`, '--log-level', 'error',
    ];
    const c = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let output = '';
    c.stdout!.on('data', (d) => { output += d; });
    c.stderr!.on('data', (d) => { output += d; });
    for (let waited = 0; ; waited += 50) {
      if (c.exitCode !== null) throw new Error(`etcd exited: ${output}`);
      try {
        const res = await fetch(`${endpoint}/health`);
        if (res.ok && (await res.json() as { health: string }).health === 'true') return;
      } catch { /* not up yet */ }
      if (waited > 15_000) throw new Error(`etcd did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const exit = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  await launch();
  const etcd: RunningEtcd = {
    endpoint, dir,
    stop: () => exit('SIGTERM'),
    kill: () => exit('SIGKILL'),
    restart: async () => {
      await exit('SIGTERM');
      await launch();
    },
  };
  running.add(etcd);
  return etcd;
}

/** Stops every etcd started and removes their data. */
export async function stopEtcds(): Promise<void> {
  for (const etcd of running) {
    await etcd.kill();
    rmSync(etcd.dir, { recursive: true, force: true });
  }
  running.clear();
}
