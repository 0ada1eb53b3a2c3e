// `strom console-consumer`: kafka-console-consumer.sh — prints records as Kafka's
// DefaultMessageFormatter does. With --group it is a group member (offsets committed every
// auto.commit.interval.ms and on exit); without, it reads every partition (or --partition)
// directly, as an assigned consumer, and commits nothing. Ctrl-C stops it cleanly.
import { Command } from 'commander';
import { Core } from '../core/index.js';
import type { Cluster } from '../client/cluster.js';
import { Fetcher, type FetchedRecord, type Position } from '../client/fetcher.js';
import { GroupMember } from '../consumer/group-member.js';
import { WireGroupTransport } from '../client/wire-group-transport.js';
import { listOffsets, EARLIEST, LATEST } from '../client/admin.js';
import { fetchOffsets } from '../client/groups.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { TopicPartitions } from '../protocol/consumer-protocol.js';
import { action, collect, connectionOptions, examples, intOption, keyValues, UsageError, withCluster, type ConnectionFlags } from './common.js';
import { readClientProperties } from '../client/security.js';

interface ConsumerFlags extends ConnectionFlags {
  'consumer.config'?: string;
  topic?: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  timeoutMs?: string;
  property: string[];
  consumerProperty: string[];
  isolationLevel: string;
}

export function consoleConsumerCommand(): Command {
  const cmd = new Command('console-consumer')
    .alias('kafka-console-consumer')
    .description('print the records of a topic (kafka-console-consumer.sh)')
    .option('--topic <name>', 'the topic to consume (required)')
    .option('--group <id>', 'consume as a member of this consumer group, committing offsets')
    .option('--from-beginning', 'start at the earliest offset when there is no committed one (default: the latest)')
    .option('--partition <n>', 'consume only this partition')
    .option('--offset <offset>', 'with --partition: earliest, latest or an offset', 'latest')
    .option('--max-messages <n>', 'exit after this many records')
    .option('--timeout-ms <ms>', 'exit when no record arrives for this long')
    .option('--property <key=value>', 'print.key, print.timestamp, print.partition, print.offset, print.headers, print.value, key.separator, line.separator (repeatable)', collect, [] as string[])
    .option('--consumer-property <key=value>', 'consumer configs: auto.offset.reset, enable.auto.commit, auto.commit.interval.ms, session.timeout.ms, heartbeat.interval.ms, group.instance.id, client.id, and security ones as in --command-config (repeatable)', collect, [] as string[])
    .option('--consumer.config <file>', 'a properties file of consumer configs (security ones as in --command-config)')
    .option('--isolation-level <level>', 'read_uncommitted or read_committed', 'read_uncommitted');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom console-consumer --bootstrap-server localhost:9092 --topic test --from-beginning',
      'strom console-consumer --bootstrap-server localhost:9092 --topic test --group group1 --from-beginning',
      'strom console-consumer --bootstrap-server localhost:9092 --topic test --partition 0 --offset 42 --max-messages 10',
      'strom console-consumer --bootstrap-server localhost:9092 --topic test --from-beginning --property print.key=true --property print.offset=true --timeout-ms 5000',
    ]))
    .action(action(consume));
  return cmd;
}

const unescape = (s: string) => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\r/g, '\r');

interface Formatter {
  (r: FetchedRecord): string;
}

/** Kafka's DefaultMessageFormatter: [CreateTime:ts][Partition:p][Offset:o][headers][key]value, key.separator between. */
function formatter(props: Record<string, string>): Formatter {
  const on = (k: string, dflt = false) => (props[k] === undefined ? dflt : props[k] === 'true');
  const printTimestamp = on('print.timestamp');
  const printPartition = on('print.partition');
  const printOffset = on('print.offset');
  const printHeaders = on('print.headers');
  const printKey = on('print.key');
  const printValue = on('print.value', true);
  const sep = unescape(props['key.separator'] ?? '\t');
  const lineSep = unescape(props['line.separator'] ?? '\n');
  const nullLiteral = props['null.literal'] ?? 'null';
  const text = (b: Uint8Array | null) => (b === null ? nullLiteral : Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'));
  return (r) => {
    const parts: string[] = [];
    if (printTimestamp) parts.push(`CreateTime:${r.timestamp}`);
    if (printPartition) parts.push(`Partition:${r.partition}`);
    if (printOffset) parts.push(`Offset:${r.offset}`);
    if (printHeaders) parts.push(r.headers.length ? r.headers.map((h) => `${h.key}:${text(h.value)}`).join(',') : 'NO_HEADERS');
    if (printKey) parts.push(text(r.key));
    if (printValue) parts.push(text(r.value));
    return parts.join(sep) + lineSep;
  };
}

async function consume(flags: ConsumerFlags): Promise<void> {
  if (!flags.topic) throw new UsageError('--topic is required');
  const topic = flags.topic;
  const props = keyValues(flags.property, '--property');
  const configFile = flags['consumer.config'];
  const consumerProps = { ...(configFile ? readClientProperties(configFile) : {}), ...keyValues(flags.consumerProperty, '--consumer-property') };
  const format = formatter(props);
  const maxMessages = flags.maxMessages === undefined ? Infinity : intOption(flags.maxMessages, '--max-messages', 1);
  const timeoutMs = flags.timeoutMs === undefined ? Infinity : intOption(flags.timeoutMs, '--timeout-ms', 0);
  const isolationLevel = flags.isolationLevel === 'read_committed' ? 1 : flags.isolationLevel === 'read_uncommitted' ? 0 : -1;
  if (isolationLevel < 0) throw new UsageError('--isolation-level is read_committed or read_uncommitted');
  if (flags.partition !== undefined && flags.group) throw new UsageError('--partition cannot be used with --group (a group assigns partitions itself)');
  const partition = flags.partition === undefined ? undefined : intOption(flags.partition, '--partition', 0);
  const reset = consumerProps['auto.offset.reset'] ?? (flags.fromBeginning ? 'earliest' : 'latest');
  if (reset !== 'earliest' && reset !== 'latest') throw new UsageError('auto.offset.reset is earliest or latest');
  const autoCommit = consumerProps['enable.auto.commit'] !== 'false';
  const commitIntervalMs = intOption(consumerProps['auto.commit.interval.ms'] ?? '5000', 'auto.commit.interval.ms', 1);

  await withCluster(flags, async (cluster) => {
    const core = Core.create();
    const fetcher = new Fetcher(cluster, core, { isolationLevel, maxWaitMs: 500 });
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') stopping = true; // `| head`: the reader is gone
    });

    const member = flags.group ? new GroupMember(new WireGroupTransport(cluster), {
      groupId: flags.group,
      topics: [topic],
      sessionTimeoutMs: intOption(consumerProps['session.timeout.ms'] ?? '10000', 'session.timeout.ms', 1),
      heartbeatIntervalMs: intOption(consumerProps['heartbeat.interval.ms'] ?? '3000', 'heartbeat.interval.ms', 1),
      groupInstanceId: consumerProps['group.instance.id'] ?? null,
    }) : null;
    let positions = new Map<string, Position>();
    const committed = new Map<string, number>();
    const key = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;

    const place = async (assigned: TopicPartitions[]) => {
      const next = new Map<string, Position>();
      const wanted = assigned.flatMap((a) => a.partitions.map((p) => ({ topic: a.topic, partition: p })));
      if (wanted.length === 0) return next;
      const commits = member ? await fetchOffsets(cluster, member.groupId, assigned.map((a) => ({ topic: a.topic, partitions: a.partitions }))) : [];
      for (const c of commits) if (c.offset >= 0) committed.set(key(c), c.offset);
      const needReset = wanted.filter((w) => !committed.has(key(w)));
      const resetTo = new Map<number, number>();
      if (needReset.length) {
        for (const o of await listOffsets(cluster, topic, reset === 'earliest' ? EARLIEST : LATEST, needReset.map((w) => w.partition), isolationLevel)) resetTo.set(o.partition, o.offset);
      }
      for (const w of wanted) next.set(key(w), { ...w, offset: committed.get(key(w)) ?? resetTo.get(w.partition)! });
      return next;
    };

    const commit = async () => {
      if (!member || !autoCommit) return;
      const changed = [...positions.values()].filter((p) => committed.get(key(p)) !== p.offset);
      if (changed.length === 0) return;
      await member.commit(changed.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
      for (const p of changed) committed.set(key(p), p.offset);
    };

    if (member) {
      positions = await place(await member.join());
    } else {
      const info = await cluster.topic(topic);
      if (partition !== undefined && !info.partitions.some((p) => p.partition === partition)) {
        throw new UsageError(`topic ${topic} has no partition ${partition} (it has ${info.partitions.length})`);
      }
      const partitions = partition === undefined ? info.partitions.map((p) => p.partition) : [partition];
      positions = await place([{ topic, partitions }]);
      if (partition !== undefined && flags.offset !== undefined && flags.offset !== 'latest' && !flags.fromBeginning) {
        const o = flags.offset === 'earliest' ? (await listOffsets(cluster, topic, EARLIEST, [partition]))[0].offset : intOption(flags.offset, '--offset', 0);
        positions.set(key({ topic, partition }), { topic, partition, offset: o });
      }
    }

    let count = 0;
    let lastRecordAt = Date.now();
    let lastCommitAt = Date.now();
    try {
      while (!stopping && count < maxMessages) {
        if (member?.needsRejoin) {
          await commit().catch(() => {});
          positions = await place(await member.join());
        }
        const waitLeft = timeoutMs - (Date.now() - lastRecordAt);
        if (waitLeft <= 0) break;
        if (positions.size === 0) {
          await new Promise((r) => setTimeout(r, Math.min(500, waitLeft)));
          continue;
        }
        const results = await fetcherFor(fetcher, cluster, core, isolationLevel, waitLeft).fetch([...positions.values()]);
        for (const r of results) {
          const pos = positions.get(key(r));
          if (!pos) continue;
          if (r.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            pos.offset = (await listOffsets(cluster, r.topic, reset === 'earliest' ? EARLIEST : LATEST, [r.partition], isolationLevel))[0].offset;
            continue;
          }
          if (r.errorCode !== 0 && r.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && r.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
            throw new KafkaError(r.errorCode, null, `fetching ${r.topic}-${r.partition}`);
          }
          let chunk = '';
          for (const record of r.records) {
            if (count >= maxMessages || stopping) break;
            chunk += format(record);
            count++;
            pos.offset = record.offset + 1;
          }
          if (chunk) {
            lastRecordAt = Date.now();
            if (!process.stdout.write(chunk)) await new Promise((res) => process.stdout.once('drain', res));
          }
          if (count < maxMessages && !stopping) pos.offset = Math.max(pos.offset, r.nextOffset);
        }
        if (member && Date.now() - lastCommitAt >= commitIntervalMs) {
          lastCommitAt = Date.now();
          await commit().catch(() => {}); // a failed auto-commit is retried at the next interval
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (member) {
        await commit().catch((e) => process.stderr.write(`strom: could not commit offsets on exit: ${(e as Error).message}\n`));
        await member.leave();
      }
    }
    process.stderr.write(`Processed a total of ${count} messages\n`);
  }, consumerProps['client.id'] ?? 'console-consumer', consumerProps);
}

/** A fetcher whose long poll never outlasts the time left before --timeout-ms. */
function fetcherFor(fetcher: Fetcher, cluster: Cluster, core: Core, isolationLevel: number, waitLeftMs: number): Fetcher {
  return waitLeftMs >= 500 ? fetcher : new Fetcher(cluster, core, { isolationLevel, maxWaitMs: Math.max(0, Math.floor(waitLeftMs)) });
}
