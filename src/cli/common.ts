// What the client tools share: the connection options Kafka's scripts spell
// (--bootstrap-server, --broker-list, --command-config for TLS and SASL), one-line failures with a
// non-zero exit, aligned tables (cli-table3), colour only on a terminal (picocolors) and
// JSON for scripts.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { Command } from 'commander';
import { Cluster } from '../client/cluster.js';
import { AuthenticationError, BrokerUnreachableError, RequestTimeoutError } from '../client/errors.js';
import { ClientConfigError, clientSecurity, readClientProperties } from '../client/security.js';
import { KafkaError } from '../protocol/errors.js';

export const colors = pc.createColors(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);

/** A failure the user can act on: printed as one line, exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ConnectionFlags {
  bootstrapServer?: string;
  brokerList?: string;
  zookeeper?: string;
  requestTimeoutMs?: string;
  /** A client properties file: security.protocol, sasl.*, ssl.* (kafka-*.sh --command-config). */
  commandConfig?: string;
}

/**
 * Adds the connection flags every tool takes. `brokerListAlias` false: the tool's own
 * --broker-list means something else (kafka-reassign-partitions.sh's broker ids).
 */
export function connectionOptions(cmd: Command, brokerListAlias = true): Command {
  cmd.option('--bootstrap-server <host:port>', 'the broker(s) to connect to, comma-separated (default localhost:9092)');
  if (brokerListAlias) cmd.option('--broker-list <host:port>', 'the same as --bootstrap-server (older Kafka tools spell it this way)');
  return cmd
    .option('--zookeeper <host:port>', 'not supported: Strom has no ZooKeeper (use --bootstrap-server)')
    .option('--request-timeout-ms <ms>', 'how long to wait for each response', '30000')
    .option('--command-config <file>', 'client properties for TLS and SASL: security.protocol, sasl.mechanism, sasl.jaas.config (or sasl.username, sasl.password), ssl.truststore.location, ssl.keystore.location (see docs/SECURITY.md)');
}

/** Fails on --zookeeper with the one line that explains what to use instead. */
function rejectZookeeper(flags: ConnectionFlags): void {
  if (flags.zookeeper !== undefined) {
    throw new UsageError(`--zookeeper is not supported: Strom (like Kafka 3) has no ZooKeeper; use --bootstrap-server <host:port> instead (e.g. --bootstrap-server localhost:9092)`);
  }
}

/**
 * Runs `fn` with a Cluster for the flags' bootstrap servers, and closes it. Its connections are
 * secured as --command-config says, with `properties` (a tool's own --producer.config and
 * --producer-property, say) over it.
 */
export async function withCluster<T>(flags: ConnectionFlags, fn: (cluster: Cluster) => Promise<T>, clientId = 'strom-cli', properties: Record<string, string> = {}): Promise<T> {
  rejectZookeeper(flags);
  const requestTimeoutMs = intOption(flags.requestTimeoutMs ?? '30000', '--request-timeout-ms', 1);
  const security = clientSecurity({ ...(flags.commandConfig ? readClientProperties(flags.commandConfig) : {}), ...properties });
  const cluster = new Cluster(flags.bootstrapServer ?? flags.brokerList ?? 'localhost:9092', {
    clientId,
    requestTimeoutMs,
    connectTimeoutMs: Math.min(requestTimeoutMs, 10_000),
    security,
  });
  try {
    return await fn(cluster);
  } finally {
    cluster.close();
  }
}

/** Wraps a command action: known failures become one line on stderr and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      fail(e);
    }
  };
}

function fail(e: unknown): never {
  const err = e as Error;
  if (err instanceof UsageError || err instanceof BrokerUnreachableError || err instanceof RequestTimeoutError || err instanceof KafkaError
    || err instanceof AuthenticationError || err instanceof ClientConfigError) {
    process.stderr.write(`${colors.red('strom:')} ${err.message}\n`);
  } else {
    process.stderr.write(`${colors.red('strom:')} ${err?.stack ?? err}\n`);
  }
  process.exit(1);
}

export function intOption(value: string, name: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be a whole number${min > Number.MIN_SAFE_INTEGER ? ` of at least ${min}` : ''}, not ${JSON.stringify(value)}`);
  return n;
}

/** Collects a repeatable option. */
export const collect = (value: string, all: string[]): string[] => [...all, value];

/** k=v pairs (repeated flags, each possibly comma-separated as kafka-configs.sh takes them). */
export function keyValues(pairs: string[], name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of pairs.flatMap(splitTopLevel)) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`${name} takes key=value, not ${JSON.stringify(item)}`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

/** Splits on commas outside [brackets], as kafka-configs.sh does for list values. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.replace(/^\[(.*)\]$/, '$1')).filter((x) => x.trim() !== '');
}

/** An aligned, borderless table (Kafka's column layout), the header bold on a terminal. */
export function table(head: string[], rows: (string | number | null)[][]): string {
  const t = new Table({
    head: head.map((h) => colors.bold(h)),
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ' },
    style: { 'padding-left': 0, 'padding-right': 1, head: [], border: [], compact: true },
  });
  for (const r of rows) t.push(r.map((c) => (c === null ? '-' : String(c))));
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The examples block every command's --help ends with. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
