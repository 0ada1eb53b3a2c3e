// `strom perf produce|consume|e2e|sink`: the load harness (as Kafka's
// kafka-producer-perf-test and kafka-consumer-perf-test), against Strom or any
// Kafka-compatible broker; `sink` runs the TCP sink that measures the ceiling.
import { Command } from 'commander';
import { CODEC_NAMES, codecOf } from '../compression/codecs.js';
import { producePerf } from '../perf/produce.js';
import { consumePerf } from '../perf/consume.js';
import { e2ePerf } from '../perf/e2e.js';
import { TcpSink } from '../perf/sink.js';
import { printResult } from '../perf/report.js';
import { action, examples, intOption, UsageError } from './common.js';
import { clientSecurity, readClientProperties } from '../client/security.js';

function acksOption(v: string): number {
  if (v === 'all') return -1;
  const n = Number(v);
  if (![0, 1, -1].includes(n)) throw new UsageError(`--acks must be 0, 1, -1 or all, not ${JSON.stringify(v)}`);
  return n;
}

function codecOption(v: string): number {
  const id = codecOf(v);
  if (id === null) throw new UsageError(`unknown compression ${JSON.stringify(v)} (choose from ${CODEC_NAMES.join(', ')})`);
  return id;
}

function isolationOption(v: string): number {
  if (v === 'read_uncommitted') return 0;
  if (v === 'read_committed') return 1;
  throw new UsageError(`--isolation-level must be read_uncommitted or read_committed, not ${JSON.stringify(v)}`);
}

function throughputOption(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || (n <= 0 && n !== -1 && n !== 0)) throw new UsageError(`--throughput must be a positive rate, or -1 for no cap, not ${JSON.stringify(v)}`);
  return n <= 0 ? -1 : n;
}

const common = (cmd: Command) => cmd
  .option('--bootstrap-server <host:port>', 'the broker(s) to connect to', 'localhost:9092')
  .requiredOption('--topic <name>', 'the topic')
  .option('--request-timeout-ms <ms>', 'how long to wait for each response', '30000')
  .option('--reporting-interval <ms>', 'report every this many ms', '5000')
  .option('--max-duration-ms <ms>', 'stop the load after this long whatever is left (every loop is bounded)', '300000')
  .option('--json', 'print the totals as one JSON object, the last line on stdout (reports go to stderr)')
  .option('--quiet', 'no interval reports or progress bar')
  .option('--command-config <file>', 'client properties for TLS and SASL (security.protocol, sasl.*, ssl.*), as the other tools take them');

/** The producing options of `produce` and `e2e`, with their defaults (see `producingOptions`). */
const producing = (cmd: Command, d: { throughput: string; throughputHelp: string; lingerMs: string }) => cmd
  .requiredOption('--num-records <n>', 'records to send')
  .option('--throughput <n>', d.throughputHelp, d.throughput)
  .option('--acks <n>', '0, 1 or -1 (all)', '1')
  .option('--batch-bytes <n>', 'bytes per record batch as encoded (Kafka batch.size)', '16384')
  .option('--linger-ms <ms>', 'how long records gather into a batch (with a throughput cap)', d.lingerMs)
  .option('--compression <codec>', `${CODEC_NAMES.join(', ')}`, 'none')
  .option('--max-in-flight <n>', 'requests pipelined per connection', '5')
  .option('--max-request-bytes <n>', 'bytes of batches per request (Kafka max.request.size): the next partitions in turn; 0: a batch for every partition in each request', '0')
  .option('--partitions <n>', 'target partitions 0..n-1 (the topic is created with n if missing)')
  .option('--producer.config <file>', 'producer properties; the security ones (as --command-config) are used');

type Flags = Record<string, string | boolean | undefined>;

/** The options every perf command has (see `common`). */
function commonOptions(f: Flags) {
  const file = (key: string) => (typeof f[key] === 'string' ? readClientProperties(f[key] as string) : {});
  return {
    security: clientSecurity({ ...file('commandConfig'), ...file('producer.config'), ...file('consumer.config') }),
    bootstrapServer: String(f.bootstrapServer), topic: String(f.topic),
    maxDurationMs: intOption(String(f.maxDurationMs), '--max-duration-ms', 1),
    requestTimeoutMs: intOption(String(f.requestTimeoutMs), '--request-timeout-ms', 1),
    reportingIntervalMs: intOption(String(f.reportingInterval), '--reporting-interval', 0),
    json: Boolean(f.json), quiet: Boolean(f.quiet),
  };
}

/** The producing options of `produce` and `e2e`. */
function producingOptions(f: Flags) {
  return {
    numRecords: intOption(String(f.numRecords), '--num-records', 1),
    throughput: throughputOption(String(f.throughput)),
    acks: acksOption(String(f.acks)),
    batchBytes: intOption(String(f.batchBytes), '--batch-bytes', 1),
    lingerMs: intOption(String(f.lingerMs), '--linger-ms', 0),
    compression: codecOption(String(f.compression)),
    maxInFlight: intOption(String(f.maxInFlight), '--max-in-flight', 1),
    maxRequestBytes: intOption(String(f.maxRequestBytes), '--max-request-bytes', 0),
    partitions: f.partitions === undefined ? undefined : intOption(String(f.partitions), '--partitions', 1),
  };
}

export function perfCommand(): Command {
  const perf = new Command('perf').description('load harness: produce, consume and end-to-end latency against any Kafka-compatible broker');

  producing(common(perf.command('produce')), { throughput: '-1', throughputHelp: 'records per second cap; -1: none', lingerMs: '5' })
    .description('produce pre-built batches as fast as allowed (as kafka-producer-perf-test)')
    .option('--record-size <bytes>', 'value size of each record (random bytes)', '100')
    .option('--payload-file <file>', 'values from this file, one per line (instead of --record-size)')
    .option('--payload-delimiter <s>', 'what separates payloads in --payload-file', '\n')
    .option('--producers <n>', 'producer worker threads, each with its own connections', '1')
    .option('--idempotent', 'an idempotent producer per thread (enable.idempotence: a producer id, sequence numbers the broker checks); at most 5 requests in flight')
    .option('--transactional-id <id>', 'transactional producers (idempotent too; with --producers N, ids <id>-0..N-1), committing every --transaction-records')
    .option('--transaction-records <n>', 'with --transactional-id: records per transaction (default: all in one)')
    .addHelpText('after', examples([
      'strom perf produce --topic perf --num-records 1000000 --record-size 100 --partitions 6',
      'strom perf produce --topic perf --num-records 1000000 --record-size 100 --partitions 6 --idempotent',
      'strom perf produce --topic perf --num-records 1000000 --record-size 100 --partitions 6 --transactional-id perf-tx --transaction-records 1000',
      'strom perf produce --topic perf --num-records 200000 --record-size 1024 --throughput 50000 --producers 2 --json',
    ]))
    .action(action(async (f: Flags, cmd: Command) => {
      const producing = producingOptions(f);
      // Kafka's limit for idempotence: the broker remembers a producer's last 5 batches per partition.
      const transactional = f.transactionalId !== undefined;
      if ((f.idempotent || transactional) && producing.maxInFlight > 5) throw new UsageError(`${transactional ? '--transactional-id' : '--idempotent'} allows at most 5 requests in flight, not --max-in-flight ${producing.maxInFlight}`);
      if (f.transactionRecords !== undefined && !transactional) throw new UsageError('--transaction-records needs --transactional-id');
      // A transactional producer writes with acks=all (Kafka requires it): the default here, and nothing else is accepted.
      if (transactional && cmd.getOptionValueSource('acks') === 'default') producing.acks = -1;
      else if (transactional && producing.acks !== -1) throw new UsageError('--transactional-id needs --acks all (-1), as a transactional producer does');
      const result = await producePerf({
        ...commonOptions(f), ...producing,
        recordSize: intOption(String(f.recordSize), '--record-size', 1),
        payloadFile: f.payloadFile as string | undefined, payloadDelimiter: String(f.payloadDelimiter),
        producers: intOption(String(f.producers), '--producers', 1), idempotent: Boolean(f.idempotent),
        transactionalId: transactional ? String(f.transactionalId) : undefined,
        transactionRecords: f.transactionRecords === undefined ? undefined : intOption(String(f.transactionRecords), '--transaction-records', 1),
      });
      printResult(result, Boolean(f.json), 'sent');
      if (result.records === 0) process.exitCode = 1;
    }));

  common(perf.command('consume'))
    .description('consume as fast as possible (as kafka-consumer-perf-test)')
    .requiredOption('--messages <n>', 'records to consume')
    .option('--group <id>', 'start from, and commit to, this group\'s offsets')
    .option('--from-beginning', 'start at the log start (default: the end, or the group\'s offsets)')
    .option('--fetch-size <bytes>', 'bytes per partition per fetch (max.partition.fetch.bytes)', String(1024 * 1024))
    .option('--fetch-max-bytes <bytes>', 'bytes per fetch (fetch.max.bytes)', String(50 * 1024 * 1024))
    .option('--fetch-max-wait-ms <ms>', 'long-poll wait', '500')
    .option('--timeout <ms>', 'stop when no record came for this long', '10000')
    .option('--fetch-session', 'use fetch sessions (KIP-227): each fetch names only the partitions whose position moved')
    .option('--consumer.config <file>', 'consumer properties; the security ones (as --command-config) are used')
    .option('--isolation-level <level>', 'read_uncommitted, or read_committed: up to the last stable offset, aborted transactions listed', 'read_uncommitted')
    .addHelpText('after', examples(['strom perf consume --topic perf --messages 1000000 --from-beginning --json']))
    .action(action(async (f: Flags) => {
      const result = await consumePerf({
        ...commonOptions(f),
        messages: intOption(String(f.messages), '--messages', 1),
        group: f.group as string | undefined, fromBeginning: Boolean(f.fromBeginning),
        partitionMaxBytes: intOption(String(f.fetchSize), '--fetch-size', 1),
        fetchMaxBytes: intOption(String(f.fetchMaxBytes), '--fetch-max-bytes', 1),
        maxWaitMs: intOption(String(f.fetchMaxWaitMs), '--fetch-max-wait-ms', 0),
        timeoutMs: intOption(String(f.timeout), '--timeout', 1),
        sessions: Boolean(f.fetchSession), isolationLevel: isolationOption(String(f.isolationLevel)),
      });
      printResult(result, Boolean(f.json), 'consumed');
      if (result.records === 0) process.exitCode = 1;
    }));

  producing(common(perf.command('e2e')), { throughput: '50000', throughputHelp: 'records per second', lingerMs: '1' })
    .description('end-to-end latency at a fixed rate: send time in each value, measured at the consumer')
    .option('--record-size <bytes>', 'value size (at least 8)', '1024')
    .option('--fetch-max-wait-ms <ms>', 'long-poll wait', '500')
    .option('--warmup-ms <ms>', 'records sent in the first this many ms are delivered and counted, but not in the latency figures (as OMB\'s warm-up)', '0')
    .addHelpText('after', examples(['strom perf e2e --topic lat --num-records 500000 --record-size 1024 --throughput 50000 --partitions 16 --warmup-ms 2000']))
    .action(action(async (f: Flags) => {
      const result = await e2ePerf({
        ...commonOptions(f), ...producingOptions(f),
        recordSize: intOption(String(f.recordSize), '--record-size', 8),
        maxWaitMs: intOption(String(f.fetchMaxWaitMs), '--fetch-max-wait-ms', 0),
        warmupMs: intOption(String(f.warmupMs), '--warmup-ms', 0),
      });
      printResult(result, Boolean(f.json), 'received');
      if (result.records === 0) process.exitCode = 1;
    }));

  perf.command('sink')
    .description('run the TCP sink: answers Produce and Fetch from memory, for the ceiling beside a broker\'s figures')
    .option('--port <n>', 'port (0: any; the first line says which)', '0')
    .option('--host <h>', 'address', '127.0.0.1')
    .option('--num-partitions <n>', 'partitions of an auto-created topic', '1')
    .action(action(async (f: Record<string, string>) => {
      const sink = new TcpSink({ port: intOption(f.port, '--port', 0), host: f.host, defaultPartitions: intOption(f.numPartitions, '--num-partitions', 1) });
      const port = await sink.listen();
      process.stdout.write(`strom perf sink listening on ${f.host}:${port}\n`);
      const stop = () => { void sink.close(); process.exit(0); };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    }));
  return perf;
}
