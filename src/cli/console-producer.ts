// `strom console-producer`: kafka-console-producer.sh — one record per stdin line, keys
// with --property parse.key=true, acks, compression, --sync; a progress bar on a terminal
// when a big input is piped in.
import { createInterface } from 'node:readline';
import { fstatSync } from 'node:fs';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { Core } from '../core/index.js';
import { CODEC_NAMES } from '../compression/codecs.js';
import { Producer, type ProducerRecord } from '../client/producer.js';
import { action, collect, connectionOptions, examples, intOption, keyValues, UsageError, withCluster, type ConnectionFlags } from './common.js';
import { readClientProperties } from '../client/security.js';

interface ProducerFlags extends ConnectionFlags {
  topic?: string;
  property: string[];
  producerProperty: string[];
  'producer.config'?: string;
  requestRequiredAcks?: string;
  compressionCodec?: string | boolean;
  sync?: boolean;
  batchSize?: string;
  timeout?: string;
  requestTimeoutMs?: string;
  progress?: boolean;
}

export function consoleProducerCommand(): Command {
  const cmd = new Command('console-producer')
    .alias('kafka-console-producer')
    .description('send stdin lines to a topic, one record per line (kafka-console-producer.sh)')
    .option('--topic <name>', 'the topic to produce to (required)')
    .option('--property <key=value>', 'reader properties: parse.key=true, key.separator=<sep> (default tab), ignore.error=true (repeatable)', collect, [] as string[])
    .option('--producer-property <key=value>', 'producer configs: acks, compression.type, batch.size, linger.ms, client.id (repeatable)', collect, [] as string[])
    .option('--producer.config <file>', 'a properties file of producer configs (security ones as in --command-config)')
    .option('--request-required-acks <acks>', 'acks: 0, 1, -1 or all', 'all')
    .option('--compression-codec [codec]', `compression: ${CODEC_NAMES.join(', ')} (gzip when given without a value)`)
    .option('--sync', 'send each line on its own and wait for its acknowledgement')
    .option('--batch-size <n>', 'records per batch when sending asynchronously', '200')
    .option('--timeout <ms>', 'how long a partial batch may wait for more lines', '100')
    .option('--no-progress', 'no progress bar, even on a terminal');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom console-producer --bootstrap-server localhost:9092 --topic test',
      'printf "k1:hello\\nk2:world\\n" | strom console-producer --bootstrap-server localhost:9092 --topic test --property parse.key=true --property key.separator=:',
      'strom console-producer --broker-list localhost:9092 --topic test --compression-codec zstd --request-required-acks 1 < big.txt',
      'strom console-producer --bootstrap-server localhost:9092 --topic test --sync --producer-property acks=all',
    ]))
    .action(action(produce));
  return cmd;
}

function parseAcks(value: string): number {
  if (value === 'all') return -1;
  const n = Number(value);
  if (n !== 0 && n !== 1 && n !== -1) throw new UsageError(`acks must be 0, 1, -1 or all, not ${JSON.stringify(value)}`);
  return n;
}

function parseCodec(value: string): number {
  const name = value === 'uncompressed' ? 'none' : value.toLowerCase();
  const id = (CODEC_NAMES as readonly string[]).indexOf(name);
  if (id < 0) throw new UsageError(`unknown compression codec ${JSON.stringify(value)} (choose from ${CODEC_NAMES.join(', ')})`);
  return id;
}

async function produce(flags: ProducerFlags): Promise<void> {
  if (!flags.topic) throw new UsageError('--topic is required');
  const topic = flags.topic;
  const configFile = flags['producer.config'];
  const fileProps = configFile ? readClientProperties(configFile) : {};
  const producerProps = { ...fileProps, ...keyValues(flags.producerProperty, '--producer-property') };
  const reader = keyValues(flags.property, '--property');
  const parseKey = reader['parse.key'] === 'true';
  const keySeparator = reader['key.separator'] ?? '\t';
  const ignoreError = reader['ignore.error'] === 'true';
  const acks = parseAcks(producerProps.acks ?? flags.requestRequiredAcks ?? 'all');
  const compression = flags.compressionCodec !== undefined
    ? parseCodec(flags.compressionCodec === true ? 'gzip' : String(flags.compressionCodec))
    : parseCodec(producerProps['compression.type'] ?? 'none');
  const batchRecords = flags.sync ? 1 : intOption(flags.batchSize ?? '200', '--batch-size', 1);
  const batchBytes = intOption(producerProps['batch.size'] ?? String(1024 * 1024), 'batch.size', 1);
  const lingerMs = intOption(producerProps['linger.ms'] ?? flags.timeout ?? '100', 'linger.ms', 0);

  await withCluster(flags, async (cluster) => {
    const core = Core.create();
    const producer = new Producer(cluster, core, { acks, compression, batchBytes, maxInFlight: flags.sync ? 1 : 5 });
    const progress = startProgress(flags.progress !== false);
    let pending: ProducerRecord[] = [];
    let pendingBytes = 0;
    let lineNumber = 0;
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    let timer: NodeJS.Timeout | undefined;

    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return Promise.resolve();
      const records = pending;
      pending = [];
      pendingBytes = 0;
      const p = producer.send(topic, records).then(() => {
        sent += records.length;
        progress?.update(sent);
      }, (e) => { failure ??= e; });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    };

    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (failure) break;
      lineNumber++;
      let key: string | null = null;
      let value = line;
      if (parseKey) {
        const at = line.indexOf(keySeparator);
        if (at < 0) {
          if (!ignoreError) throw new UsageError(`No key separator found on line number ${lineNumber}: '${line}'`);
        } else {
          key = line.slice(0, at);
          value = line.slice(at + keySeparator.length);
        }
      }
      pending.push({ key, value });
      pendingBytes += value.length + (key?.length ?? 0);
      if (flags.sync) {
        await flush();
      } else if (pending.length >= batchRecords || pendingBytes >= batchBytes) {
        void flush();
        // Bounded: at most a few batches in flight before reading more lines.
        while (inFlight.size >= 5 && !failure) await Promise.race(inFlight);
      } else if (!timer) {
        timer = setTimeout(() => { void flush(); }, lingerMs);
      }
    }
    await flush();
    await Promise.all(inFlight);
    progress?.stop();
    if (failure) throw failure;
  }, producerProps['client.id'] ?? 'console-producer', producerProps);
}

/** Progress on stderr when it is a terminal and stdin is a file or pipe (not typing). */
function startProgress(enabled: boolean): { update(records: number): void; stop(): void } | null {
  if (!enabled || !process.stderr.isTTY || process.stdin.isTTY) return null;
  let total = 0;
  try {
    const st = fstatSync(0);
    if (st.isFile()) total = st.size;
  } catch { /* a pipe */ }
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: total ? 'producing {bar} {percentage}% | {records} records' : 'producing | {records} records',
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  // A file: progress by bytes read from it; a pipe: a running count. Shown only once the
  // input has taken a while: a few lines need no bar.
  const stdin = process.stdin as unknown as { bytesRead?: number };
  const startedAt = Date.now();
  let shown = false;
  return {
    update: (records) => {
      if (!shown && Date.now() - startedAt < 500) return;
      if (!shown) bar.start(total || 1, 0, { records });
      shown = true;
      bar.update(total ? Math.min(total, stdin.bytesRead ?? 0) : 0, { records });
    },
    stop: () => {
      if (!shown) return;
      if (total) bar.update(total);
      bar.stop();
    },
  };
}
