// Drives a librdkafka 2.12 consumer (node-rdkafka, test/clients) in a child process: it prints
// its events as JSON lines (ready, assigned, revoked, message, committed, error, closed) and
// takes commands on stdin (commit, close). The native client stays out of vitest's workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../clients/rdkafka-consumer.cjs', import.meta.url));

export interface RdkafkaEvent {
  event: string;
  partitions?: string[];
  assignment?: string[];
  topic?: string;
  partition?: number;
  offset?: number;
  value?: string | null;
  message?: string;
}

export class RdkafkaConsumer {
  readonly events: RdkafkaEvent[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(readonly name: string, config: Record<string, string | number | boolean>, topics: string[]) {
    // RDKAFKA_DEBUG=cgrp,protocol adds librdkafka's debug log to a failure's report.
    const debug = process.env.RDKAFKA_DEBUG ? { debug: process.env.RDKAFKA_DEBUG } : {};
    this.child = spawn(process.execPath, [SCRIPT, JSON.stringify({ config: { ...config, ...debug }, topics })], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        this.events.push(JSON.parse(line) as RdkafkaEvent);
        if (process.env.RDKAFKA_DEBUG_DIR) appendFileSync(`${process.env.RDKAFKA_DEBUG_DIR}/${name}.events`, `${new Date().toISOString()} ${line}\n`);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr.push(d.toString());
      if (process.env.RDKAFKA_DEBUG_DIR) appendFileSync(`${process.env.RDKAFKA_DEBUG_DIR}/${name}.log`, d);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w();
      resolve(code);
    }));
  }

  /** The partitions it holds now, from its last assignment event. */
  get assignment(): string[] {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].assignment) return this.events[i].assignment!;
    return [];
  }

  /** Waits until `check` holds over its events; fails with what it saw after `timeoutMs`. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`${this.name}: ${what} did not happen; events:\n${this.events.filter((e) => e.event !== 'message').map((e) => JSON.stringify(e)).join('\n')}\n${this.stderr.join('').slice(-6000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  send(command: 'commit' | 'close'): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** Leaves the group cleanly and waits for the process to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.send('close');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
