// `strom transactions`: kafka-transactions.sh — list, describe (a transactional id),
// describe-producers (a partition's active producers), abort (a hanging transaction on a
// partition, by its start offset or by producer id, epoch and coordinator epoch) and
// find-hanging (open transactions older than the longest transaction timeout whose
// coordinator does not hold them open). The tables are Kafka's: each column padded to its
// widest value and followed by a tab.
import { Command } from 'commander';
import type { Cluster } from '../client/cluster.js';
import { describeTopics } from '../client/admin.js';
import { listTransactions, describeTransaction, describeProducers, abortTransaction, type ProducerState, type TransactionDescription } from '../client/transactions.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { action, connectionOptions, examples, intOption, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface TxnFlags extends ConnectionFlags {
  json?: boolean;
  transactionalId?: string;
  topic?: string;
  partition?: string;
  brokerId?: string;
  startOffset?: string;
  producerId?: string;
  producerEpoch?: string;
  coordinatorEpoch?: string;
  maxTransactionTimeout?: string;
  durationFilter?: string;
}

/** find-hanging's default bound, Kafka's transaction.max.timeout.ms default in minutes. */
const DEFAULT_MAX_TRANSACTION_TIMEOUT_MINUTES = 15;

export function transactionsCommand(): Command {
  const cmd = connectionOptions(new Command('transactions')
    .alias('kafka-transactions')
    .description('analyse transactional producers and recover from hanging transactions (kafka-transactions.sh)')
    .option('--json', 'print JSON'))
    .addHelpText('after', examples([
      'strom transactions --bootstrap-server localhost:9092 list',
      'strom transactions --bootstrap-server localhost:9092 describe --transactional-id my-app-0',
      'strom transactions --bootstrap-server localhost:9092 describe-producers --topic orders --partition 0',
      'strom transactions --bootstrap-server localhost:9092 find-hanging --broker-id 1',
      'strom transactions --bootstrap-server localhost:9092 abort --topic orders --partition 0 --start-offset 1234',
    ]));
  const sub = (name: string, description: string, run: (cluster: Cluster, flags: TxnFlags) => Promise<void>) => cmd.command(name)
    .description(description)
    .action(action(async (_options: unknown, self: Command) => {
      const flags = self.optsWithGlobals<TxnFlags>();
      await withCluster(flags, (cluster) => run(cluster, flags));
    }));

  sub('list', 'list transactions (every broker\'s transactional ids)', list)
    .option('--duration-filter <ms>', 'only transactions running longer than this');
  sub('describe', 'describe the state of a transactional id', describe)
    .requiredOption('--transactional-id <id>', 'the transactional id');
  sub('describe-producers', 'describe the states of the active producers of a partition', producers)
    .requiredOption('--topic <topic>', 'topic name')
    .requiredOption('--partition <n>', 'partition number')
    .option('--broker-id <id>', 'a replica to ask instead of the leader');
  sub('abort', 'abort a hanging transaction on a partition', abort)
    .requiredOption('--topic <topic>', 'topic name')
    .requiredOption('--partition <n>', 'partition number')
    .option('--start-offset <offset>', 'the first offset of the transaction to abort')
    .option('--producer-id <id>', 'instead of --start-offset: the producer id')
    .option('--producer-epoch <epoch>', 'with --producer-id: the producer epoch')
    .option('--coordinator-epoch <epoch>', 'with --producer-id: the coordinator epoch');
  sub('find-hanging', 'find hanging transactions: open on a partition, unknown to their coordinator', findHanging)
    .option('--broker-id <id>', 'search the partitions of this broker')
    .option('--topic <topic>', 'search this topic')
    .option('--partition <n>', 'with --topic: only this partition')
    .option('--max-transaction-timeout <minutes>', 'transactions open longer than this are candidates', String(DEFAULT_MAX_TRANSACTION_TIMEOUT_MINUTES));
  return cmd;
}

/** Kafka's prettyPrintTable: each column padded to its widest cell, every cell followed by a tab. */
function tabbed(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((cell, i) => `${cell.padEnd(widths[i])}\t`).join('')).join('\n');
}

async function list(cluster: Cluster, flags: TxnFlags): Promise<void> {
  const durationMs = flags.durationFilter === undefined ? -1 : intOption(flags.durationFilter, '--duration-filter', 0);
  const listed = await listTransactions(cluster, { durationMs });
  if (flags.json) return printJson(listed);
  out(tabbed(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], listed.map((t) => [t.transactionalId, String(t.coordinatorId), String(t.producerId), t.state])));
}

async function describe(cluster: Cluster, flags: TxnFlags): Promise<void> {
  const d = await describeTransaction(cluster, flags.transactionalId!);
  if (flags.json) return printJson(d);
  out(tabbed(
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [[String(d.coordinatorId), d.transactionalId, String(d.producerId), String(d.producerEpoch), d.state, String(d.transactionTimeoutMs),
      d.transactionStartTimeMs === null ? 'None' : String(d.transactionStartTimeMs),
      d.transactionStartTimeMs === null ? 'None' : String(Date.now() - d.transactionStartTimeMs),
      d.topicPartitions.join(',')]],
  ));
}

function partitionOf(flags: TxnFlags): { topic: string; partition: number } {
  return { topic: flags.topic!, partition: intOption(flags.partition!, '--partition', 0) };
}

async function producers(cluster: Cluster, flags: TxnFlags): Promise<void> {
  const { topic, partition } = partitionOf(flags);
  const brokerId = flags.brokerId === undefined ? undefined : intOption(flags.brokerId, '--broker-id', 0);
  const states = await describeProducers(cluster, topic, partition, brokerId);
  if (flags.json) return printJson(states);
  out(tabbed(
    ['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'],
    states.map((s) => [String(s.producerId), String(s.producerEpoch), String(s.coordinatorEpoch), String(s.lastSequence), String(s.lastTimestamp),
      s.currentTransactionStartOffset === null ? 'None' : String(s.currentTransactionStartOffset)]),
  ));
}

async function abort(cluster: Cluster, flags: TxnFlags): Promise<void> {
  const { topic, partition } = partitionOf(flags);
  if (flags.startOffset === undefined && flags.producerId === undefined) {
    throw new UsageError('The transaction to abort must be identified either with --start-offset or with --producer-id, --producer-epoch and --coordinator-epoch');
  }
  if (flags.startOffset !== undefined) {
    const startOffset = intOption(flags.startOffset, '--start-offset', 0);
    const open = (await describeProducers(cluster, topic, partition)).find((s) => s.currentTransactionStartOffset === startOffset);
    if (!open) throw new UsageError(`Could not find any open transactions starting at offset ${startOffset} on partition ${topic}-${partition}`);
    // A producer whose transaction never ended has no marker yet (-1): 0 is at or below any coordinator epoch.
    return abortTransaction(cluster, { topic, partition, producerId: open.producerId, producerEpoch: open.producerEpoch, coordinatorEpoch: Math.max(open.coordinatorEpoch, 0) });
  }
  if (flags.producerEpoch === undefined) throw new UsageError('Missing required argument --producer-epoch');
  if (flags.coordinatorEpoch === undefined) throw new UsageError('Missing required argument --coordinator-epoch');
  await abortTransaction(cluster, {
    topic, partition, producerId: intOption(flags.producerId!, '--producer-id', 0), producerEpoch: intOption(flags.producerEpoch, '--producer-epoch', 0),
    coordinatorEpoch: Math.max(intOption(flags.coordinatorEpoch, '--coordinator-epoch'), 0),
  });
}

interface OpenTransaction {
  topic: string;
  partition: number;
  producer: ProducerState;
}

/**
 * kafka-transactions.sh find-hanging: the producers with a transaction open on a partition
 * for longer than --max-transaction-timeout (by their last write) whose coordinator either
 * knows no transactional id for them or does not list the partition in their transaction.
 */
async function findHanging(cluster: Cluster, flags: TxnFlags): Promise<void> {
  if (flags.topic === undefined && flags.brokerId === undefined) {
    throw new UsageError('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  }
  if (flags.partition !== undefined && flags.topic === undefined) throw new UsageError('The --partition argument requires --topic to be provided');
  const maxTimeoutMs = intOption(flags.maxTransactionTimeout ?? String(DEFAULT_MAX_TRANSACTION_TIMEOUT_MINUTES), '--max-transaction-timeout', 0) * 60_000;
  const brokerId = flags.brokerId === undefined ? undefined : intOption(flags.brokerId, '--broker-id', 0);
  const now = Date.now();
  const candidates: OpenTransaction[] = [];
  for (const { topic, partition } of await partitionsToSearch(cluster, flags, brokerId)) {
    for (const producer of await describeProducers(cluster, topic, partition, brokerId)) {
      if (producer.currentTransactionStartOffset !== null && now - producer.lastTimestamp > maxTimeoutMs) candidates.push({ topic, partition, producer });
    }
  }
  const hanging: OpenTransaction[] = [];
  if (candidates.length > 0) {
    const byProducer = new Map((await listTransactions(cluster, { producerIds: [...new Set(candidates.map((c) => c.producer.producerId))] })).map((t) => [t.producerId, t.transactionalId]));
    const descriptions = new Map<string, TransactionDescription | null>();
    for (const c of candidates) {
      const id = byProducer.get(c.producer.producerId);
      if (id === undefined) {
        hanging.push(c);
        continue;
      }
      if (!descriptions.has(id)) descriptions.set(id, await describeTransaction(cluster, id).catch(notFoundAsNull));
      if (!descriptions.get(id)?.topicPartitions.includes(`${c.topic}-${c.partition}`)) hanging.push(c);
    }
  }
  if (flags.json) return printJson(hanging);
  out(tabbed(
    ['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'],
    hanging.map(({ topic, partition, producer: p }) => [topic, String(partition), String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch),
      String(p.currentTransactionStartOffset ?? -1), String(p.lastTimestamp), String(Math.floor((now - p.lastTimestamp) / 60_000))]),
  ));
}

function notFoundAsNull(e: unknown): null {
  if (e instanceof KafkaError && e.code === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) return null;
  throw e;
}

async function partitionsToSearch(cluster: Cluster, flags: TxnFlags, brokerId: number | undefined): Promise<{ topic: string; partition: number }[]> {
  if (flags.topic !== undefined && flags.partition !== undefined) return [partitionOf(flags)];
  const names = flags.topic !== undefined ? [flags.topic] : (await cluster.metadata(null)).topics.map((t) => t.name);
  const found: { topic: string; partition: number }[] = [];
  for (const t of await describeTopics(cluster, names)) {
    if (t.errorCode !== ErrorCode.NONE) throw new KafkaError(t.errorCode, null, `describing topic ${t.name}`);
    for (const p of t.partitions) if (brokerId === undefined || p.replicas.includes(brokerId)) found.push({ topic: t.name, partition: p.partition });
  }
  return found;
}
