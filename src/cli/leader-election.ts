// `strom leader-election`: kafka-leader-election.sh — elects the preferred replica of each
// partition as its leader (--election-type PREFERRED), or any live replica of a partition
// without a leader (UNCLEAN: records the old leader had may be lost), for --topic with
// --partition, --all-topic-partitions, or the partitions of --path-to-json-file
// ({"partitions": [{"topic": "foo", "partition": 1}]}). Prints Kafka's three lines: the
// partitions elected, those whose leader was already valid, and each failure (exit code 1).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { electLeaders, byTopicPartition, type ElectionType, type TopicPartition } from '../client/partition-admin.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { action, connectionOptions, examples, intOption, out, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface LeaderElectionFlags extends ConnectionFlags {
  electionType?: string;
  topic?: string;
  partition?: string;
  allTopicPartitions?: boolean;
  pathToJsonFile?: string;
}

export function leaderElectionCommand(): Command {
  const cmd = new Command('leader-election')
    .alias('kafka-leader-election')
    .description('elect the preferred (or, unclean, any live) replica as partition leader (kafka-leader-election.sh)')
    .option('--election-type <type>', 'PREFERRED: the first replica of each partition leads where it is in sync; UNCLEAN: a partition without a leader gets any live replica')
    .option('--topic <name>', 'the topic of --partition')
    .option('--partition <n>', 'the partition (with --topic)')
    .option('--all-topic-partitions', 'every partition of every topic')
    .option('--path-to-json-file <file>', 'the partitions in a JSON file: {"partitions": [{"topic": "foo", "partition": 1}]}');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --all-topic-partitions',
      'strom leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --topic test --partition 0',
      'strom leader-election --bootstrap-server localhost:9092 --election-type UNCLEAN --path-to-json-file partitions.json',
    ]))
    .action(action(async (flags: LeaderElectionFlags) => {
      const type = electionType(flags.electionType);
      const partitions = chosenPartitions(flags);
      const results = await withCluster(flags, (cluster) => electLeaders(cluster, type, partitions));
      report(type, results.sort(byTopicPartition));
    }));
  return cmd;
}

function electionType(value: string | undefined): ElectionType {
  if (value === undefined) throw new UsageError('Missing required option(s): --election-type');
  const upper = value.toUpperCase();
  if (upper !== 'PREFERRED' && upper !== 'UNCLEAN') throw new UsageError(`--election-type must be PREFERRED or UNCLEAN, not ${JSON.stringify(value)}`);
  return upper;
}

/** The partitions named (null: all), from exactly one of --topic/--partition, --all-topic-partitions, --path-to-json-file. */
function chosenPartitions(flags: LeaderElectionFlags): TopicPartition[] | null {
  const given = [flags.topic !== undefined, !!flags.allTopicPartitions, flags.pathToJsonFile !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('One and only one of the following options is required: --topic, --all-topic-partitions, --path-to-json-file');
  if (flags.topic !== undefined && flags.partition === undefined) throw new UsageError('Missing required option(s): --partition');
  if (flags.topic === undefined && flags.partition !== undefined) throw new UsageError('Option --partition is only allowed if --topic is used');
  if (flags.allTopicPartitions) return null;
  if (flags.topic !== undefined) return [{ topic: flags.topic, partition: intOption(flags.partition!, '--partition', 0) }];
  return partitionsFile(flags.pathToJsonFile!);
}

function partitionsFile(path: string): TopicPartition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const list = (parsed as { partitions?: unknown })?.partitions;
  if (!Array.isArray(list)) throw new UsageError(`${path}: expected {"partitions": [{"topic": "foo", "partition": 1}, ...]}`);
  const partitions = list.map((p: { topic?: unknown; partition?: unknown }) => {
    if (typeof p?.topic !== 'string' || !Number.isSafeInteger(p?.partition) || (p.partition as number) < 0) {
      throw new UsageError(`${path}: each partition needs a "topic" (a string) and a "partition" (a number), not ${JSON.stringify(p)}`);
    }
    return { topic: p.topic, partition: p.partition as number };
  });
  const seen = new Set<string>();
  const duplicates = partitions.map(name).filter((n) => seen.size === seen.add(n).size);
  if (duplicates.length > 0) throw new UsageError(`Replica election data contains duplicate partitions: ${[...new Set(duplicates)].join(',')}`);
  return partitions;
}

const name = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

function report(type: ElectionType, results: { topic: string; partition: number; errorCode: number; errorMessage: string | null }[]): void {
  const succeeded = results.filter((r) => r.errorCode === ErrorCode.NONE);
  const noop = results.filter((r) => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED);
  const failed = results.filter((r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
  if (succeeded.length > 0) out(`Successfully completed leader election (${type}) for partitions ${succeeded.map(name).join(', ')}`);
  if (noop.length > 0) out(`Valid replica already elected for partitions ${noop.map(name).join(', ')}`);
  for (const f of failed) out(`Error completing leader election (${type}) for partition: ${name(f)}: ${errorName(f.errorCode)}: ${f.errorMessage ?? ''}`.trimEnd());
  if (failed.length > 0) throw new UsageError(`${failed.length} replica(s) could not be elected`);
}
