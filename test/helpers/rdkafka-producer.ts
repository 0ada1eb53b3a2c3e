// Drives a librdkafka 2.12 producer (node-rdkafka, test/clients/rdkafka-producer.cjs) in a child
// process: it prints its events as JSON lines (ready, delivery, flushed, error, closed) and takes
// commands on stdin (records to produce, close). Its stderr (librdkafka's debug log when
// `debug` is set) is kept. The native client stays out of vitest's workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../clients/rdkafka-producer.cjs', import.meta.url));

export interface ProducerEvent {
  event: string;
  index?: number;
  /** A failed delivery's error text (lower-cased by node-rdkafka), or null. */
  error?: string | null;
  message?: string;
  offset?: number;
}

export interface ProducedRecord {
  key: string | null;
  value: string | null;
  partition?: number;
}

export class RdkafkaProducer {
  readonly events: ProducerEvent[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(readonly name: string, config: Record<string, string | number | boolean>) {
    this.child = spawn(process.execPath, [SCRIPT, JSON.stringify({ config })], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as ProducerEvent);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get log(): string {
    return this.stderr.join('');
  }

  deliveries(): ProducerEvent[] {
    return this.events.filter((e) => e.event === 'delivery');
  }

  /** Waits until `check` holds; fails with what it saw after `timeoutMs`. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`${this.name}: ${what} did not happen; events:\n${this.events.slice(-20).map((e) => JSON.stringify(e)).join('\n')}\n${this.log.slice(-6000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  produce(topic: string, records: ProducedRecord[]): void {
    this.child.stdin!.write(`${JSON.stringify({ produce: { topic, records } })}\n`);
  }

  /** Disconnects (librdkafka 2.5+ sends its terminating telemetry push) and waits for the exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.stdin!.write('close\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}
