// The broker under fuzz: the real binary (dist/bundle/strom.cjs start, as `npm start` runs
// it) in a child process, with a temporary log dir removed afterwards. Its log is read line
// by line and only what matters is kept: error lines (a handler that threw, anything
// uncaught) grouped by message, and the last lines for a post-mortem. RSS comes from
// /proc/<pid>/status.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const TAIL_LINES = 60;
const ERROR_SAMPLES = 20;
/** pino's level numbers: 50 error, 60 fatal. */
const PINO_ERROR = 50;

/** Settings of the broker under fuzz: small segments and few internal partitions keep its disk use small. */
export const FUZZ_BROKER_OVERRIDES: Readonly<Record<string, string>> = {
  'http.listeners': '',
  'log.segment.bytes': String(1 << 20),
  'log.index.size.max.bytes': String(64 << 10),
  'log.retention.bytes': String(4 << 20),
  'log.retention.check.interval.ms': '30000',
  'offsets.topic.num.partitions': '4',
  'group.initial.rebalance.delay.ms': '0',
};

export interface ErrorLine {
  /** The message with numbers and addresses blanked: lines that differ only there are one kind. */
  kind: string;
  sample: string;
  count: number;
}

export class BrokerProcess {
  /** Lines logged at error level or above, or not by the logger at all; the first kinds of them. */
  errorCount = 0;
  readonly errors = new Map<string, ErrorLine>();
  readonly tail: string[] = [];
  exit: { code: number | null; signal: string | null } | null = null;
  readonly exited: Promise<void>;
  private partial = '';

  private constructor(readonly child: ChildProcess, readonly port: number, readonly dir: string, readonly args: string[]) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      resolve();
    }));
  }

  /** `main`: the broker's entry point (another build's dist/bundle/strom.cjs, say). */
  static async start(overrides: Record<string, string> = {}, main = MAIN): Promise<BrokerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'strom-fuzz-'));
    const all = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, ...FUZZ_BROKER_OVERRIDES, ...overrides };
    const args = ['start', ...Object.entries(all).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let broker: BrokerProcess | null = null;
    const early: string[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker did not start:\n${early.join('\n')}`)), 30_000);
      const onData = (data: Buffer) => {
        if (broker) return broker.onData(data);
        early.push(data.toString());
        const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+)/.exec(early.join(''));
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`broker exited with ${code}:\n${early.join('')}`));
      });
    });
    broker = new BrokerProcess(child, port, dir, args);
    const lines = early.join('').split('\n');
    broker.partial = lines.pop()!;
    for (const line of lines) broker.onLine(line);
    return broker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** VmRSS and VmHWM (peak) in bytes, or null once the process is gone. */
  memory(): { rssBytes: number; peakBytes: number } | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
      return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') };
    } catch {
      return null;
    }
  }

  /** CPU seconds the broker has used (user + system). */
  cpuSeconds(): number | null {
    try {
      const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    } catch {
      return null;
    }
  }

  private onData(data: Buffer): void {
    const text = this.partial + data.toString();
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    if (!line) return;
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    let message: string | null = null;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= PINO_ERROR) message = entry.msg ?? line;
    } catch {
      message = line; // not the broker's log: a stack trace of a dying process, or worse
    }
    if (message === null) return;
    this.errorCount++;
    const kind = message.split('\n')[0].replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 200);
    const known = this.errors.get(kind);
    if (known) known.count++;
    else if (this.errors.size < ERROR_SAMPLES) this.errors.set(kind, { kind, sample: message.slice(0, 2000), count: 1 });
  }

  /** SIGTERM, then SIGKILL after timeoutMs; removes the log dir. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.alive) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      this.child.kill('SIGTERM');
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
