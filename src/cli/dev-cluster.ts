// The processes of a development cluster on one machine (`strom cluster`): an etcd (Debian's
// `etcd` binary) and N brokers, each started detached (its own process group, so a Ctrl-C
// meant for `strom cluster up` reaches only it, and it stops them in order), output to a log
// file, recorded with its pid and command in <dir>/cluster.json. Any `strom cluster` command
// reads that file; a pid counts only while it is still the process recorded (its command line
// names the cluster's directory), so a stale file or a reused pid is never signalled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessRecord {
  pid: number;
  command: string[];
  log: string;
}

export interface BrokerRecord extends ProcessRecord {
  id: number;
  port: number;
  httpPort: number | null;
}

export interface ClusterState {
  /** The `strom cluster up` in the foreground, if any: it stops everything when it stops. */
  supervisor: number | null;
  etcdEndpoint: string;
  /** The etcd this cluster started (null: it uses one given with --etcd). */
  etcd: ProcessRecord | null;
  brokers: BrokerRecord[];
}

/** How long a process has to exit after SIGTERM before it gets SIGKILL (a broker flushes its logs). */
const STOP_GRACE_MS = 30_000;

const stateFile = (dir: string) => join(dir, 'cluster.json');

export function readState(dir: string): ClusterState | null {
  if (!existsSync(stateFile(dir))) return null;
  return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as ClusterState;
}

export function writeState(dir: string, state: ClusterState): void {
  const tmp = `${stateFile(dir)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile(dir));
}

export function removeState(dir: string): void {
  try {
    unlinkSync(stateFile(dir));
  } catch { /* gone already */ }
}

/**
 * Whether `record`'s process still runs: the pid exists, is no zombie, and (where /proc
 * tells) runs the command recorded, its `marker` (the cluster's directory) in its arguments.
 */
export function alive(pid: number | null | undefined, marker: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return true; // no /proc: the pid's existence is all there is to go on
  }
}

/** Starts `command` detached, its output appended to `log`. */
export function launch(command: string[], log: string, env: NodeJS.ProcessEnv = process.env): ProcessRecord {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command[0], command.slice(1), { detached: true, stdio: ['ignore', fd, fd], env });
    child.on('error', () => {}); // a missing binary shows as a pid that is not alive
    child.unref();
    return { pid: child.pid ?? 0, command, log };
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function terminate(pid: number, marker: string, graceMs = STOP_GRACE_MS, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid, marker)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive(pid, marker)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      while (alive(pid, marker)) await sleep(50);
      return;
    }
    await sleep(50);
  }
}

/** Whether 127.0.0.1:port can be listened on now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The last lines of a log file (what a failed start shows). */
export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits for etcd's /health to say true. */
export async function waitForEtcd(endpoint: string, pid: number, marker: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && (await res.json() as { health: string }).health === 'true') return;
    } catch { /* not up yet */ }
    if (pid && !alive(pid, marker)) throw new Error('etcd exited');
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} was not healthy within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}
