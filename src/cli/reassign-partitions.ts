// `strom reassign-partitions`: kafka-reassign-partitions.sh, with Kafka's actions, JSON and
// lines. --generate proposes an assignment of --topics-to-move-json-file's topics over
// --broker-list (Kafka's placement, rack-aware unless --disable-rack-aware); --execute starts
// the reassignment of --reassignment-json-file (printing the current assignment to roll back
// to); --verify tells which of its partitions are done; --cancel reverts those in progress;
// --list shows every reassignment in progress. Partitions move replica by replica as the new
// ones catch up (KIP-455); log_dirs other than "any" and replication throttles are not served.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Cluster } from '../client/cluster.js';
import { alterPartitionReassignments, byTopicPartition, listPartitionReassignments, type TopicPartition } from '../client/partition-admin.js';
import { assignReplicas, PlacementError } from '../cluster/assignment.js';
import { errorName } from '../protocol/errors.js';
import { action, connectionOptions, examples, out, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface ReassignFlags extends Omit<ConnectionFlags, 'brokerList'> {
  generate?: boolean;
  execute?: boolean;
  verify?: boolean;
  cancel?: boolean;
  list?: boolean;
  topicsToMoveJsonFile?: string;
  brokerList?: string;
  disableRackAware?: boolean;
  reassignmentJsonFile?: string;
  additional?: boolean;
  throttle?: string;
  preserveThrottles?: boolean;
}

/** A partition and its replicas, as the reassignment JSON lists them. */
interface Assignment extends TopicPartition {
  replicas: number[];
}

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;

export function reassignPartitionsCommand(): Command {
  const cmd = new Command('reassign-partitions')
    .alias('kafka-reassign-partitions')
    .description('move partitions\' replicas between brokers (kafka-reassign-partitions.sh)')
    .option('--generate', 'propose an assignment of --topics-to-move-json-file\'s topics over --broker-list')
    .option('--execute', 'start the reassignment in --reassignment-json-file')
    .option('--verify', 'tell whether the reassignment in --reassignment-json-file is done')
    .option('--cancel', 'cancel the reassignments of --reassignment-json-file still in progress (their partitions go back)')
    .option('--list', 'list the reassignments in progress')
    .option('--topics-to-move-json-file <file>', 'with --generate: {"topics": [{"topic": "foo"}], "version": 1}')
    .option('--broker-list <ids>', 'with --generate: the broker ids to place replicas on, e.g. 1,2,3')
    .option('--disable-rack-aware', 'with --generate: place replicas without regard to racks')
    .option('--reassignment-json-file <file>', 'with --execute, --verify, --cancel: {"version": 1, "partitions": [{"topic": "foo", "partition": 0, "replicas": [1, 2]}]}')
    .option('--additional', 'with --execute: start it while other reassignments are in progress')
    .option('--throttle <bytes/s>', 'accepted for Kafka\'s command lines; Strom has no replication throttle, so it has no effect')
    .option('--preserve-throttles', 'accepted for Kafka\'s command lines (no throttles to clear)');
  connectionOptions(cmd, false)
    .addHelpText('after', examples([
      'strom reassign-partitions --bootstrap-server localhost:9092 --generate --topics-to-move-json-file topics.json --broker-list 1,2,3 > plan.txt',
      'strom reassign-partitions --bootstrap-server localhost:9092 --execute --reassignment-json-file reassignment.json',
      'strom reassign-partitions --bootstrap-server localhost:9092 --verify --reassignment-json-file reassignment.json',
      'strom reassign-partitions --bootstrap-server localhost:9092 --cancel --reassignment-json-file reassignment.json',
      'strom reassign-partitions --bootstrap-server localhost:9092 --list',
    ]))
    .action(action(async (flags: ReassignFlags) => {
      const connection = { ...flags, brokerList: undefined };
      if (flags.zookeeper !== undefined) return withCluster(connection, async () => {}); // its one line
      const chosen = ACTIONS.filter((a) => flags[a]);
      if (chosen.length !== 1) throw new UsageError('Command must include exactly one action: --generate, --execute, --verify, --cancel, or --list');
      if (flags.throttle !== undefined) process.stderr.write('strom: --throttle has no effect: Strom has no replication throttle\n');
      // The files are read and checked before any connection is made.
      switch (chosen[0]) {
        case 'generate': {
          const args = generateArgs(flags);
          return withCluster(connection, (cluster) => generate(cluster, args, !!flags.disableRackAware));
        }
        case 'execute': {
          const proposed = reassignmentFile(flags.reassignmentJsonFile);
          return withCluster(connection, (cluster) => execute(cluster, proposed, !!flags.additional));
        }
        case 'verify': {
          const target = reassignmentFile(flags.reassignmentJsonFile);
          return withCluster(connection, (cluster) => verify(cluster, target));
        }
        case 'cancel': {
          const target = reassignmentFile(flags.reassignmentJsonFile);
          return withCluster(connection, (cluster) => cancel(cluster, target));
        }
        case 'list': return withCluster(connection, list);
      }
    }));
  return cmd;
}

const name = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;

function readJson(path: string | undefined, option: string): unknown {
  if (path === undefined) throw new UsageError(`Missing required argument "${option}"`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** The reassignment JSON: each partition once, each with replicas, none twice, log dirs "any". */
function reassignmentFile(path: string | undefined): Assignment[] {
  const parsed = readJson(path, '--reassignment-json-file') as { partitions?: unknown };
  if (!Array.isArray(parsed?.partitions)) throw new UsageError(`${path}: expected {"version": 1, "partitions": [{"topic": "foo", "partition": 0, "replicas": [1, 2]}, ...]}`);
  const out: Assignment[] = parsed.partitions.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown; log_dirs?: unknown }) => {
    if (typeof p?.topic !== 'string' || !Number.isSafeInteger(p.partition) || !Array.isArray(p.replicas) || !p.replicas.every((r) => Number.isSafeInteger(r) && r >= 0)) {
      throw new UsageError(`${path}: each partition needs "topic", "partition" and "replicas" (broker ids), not ${JSON.stringify(p)}`);
    }
    if (Array.isArray(p.log_dirs) && p.log_dirs.some((d) => d !== 'any')) throw new UsageError(`${path}: log_dirs other than "any" are not supported (Strom does not move replicas between log directories)`);
    return { topic: p.topic, partition: p.partition as number, replicas: p.replicas as number[] };
  });
  if (out.length === 0) throw new UsageError('Partition reassignment list cannot be empty');
  if (out.some((a) => a.replicas.length === 0)) throw new UsageError('Partition replica list cannot be empty');
  const seen = new Set<string>();
  const duplicates = out.map(name).filter((n) => seen.size === seen.add(n).size);
  if (duplicates.length > 0) throw new UsageError(`Partition reassignment contains duplicate topic partitions: ${[...new Set(duplicates)].join(',')}`);
  for (const a of out) {
    const twice = a.replicas.find((r, i) => a.replicas.indexOf(r) !== i);
    if (twice !== undefined) throw new UsageError(`Partition replica lists may not contain duplicate entries: ${name(a)} contains ${twice}`);
  }
  return out.sort(byTopicPartition);
}

/** Kafka's reassignment JSON, compact. */
function reassignmentJson(assignments: Assignment[]): string {
  return JSON.stringify({ version: 1, partitions: assignments.map((a) => ({ topic: a.topic, partition: a.partition, replicas: a.replicas, log_dirs: a.replicas.map(() => 'any') })) });
}

/** The current replicas of every partition of `topics` (each must exist). */
async function currentAssignment(cluster: Cluster, topics: string[]): Promise<Assignment[]> {
  const md = await cluster.metadata(topics);
  const out: Assignment[] = [];
  for (const topic of topics) {
    const t = md.topics.find((x) => x.name === topic);
    if (!t || t.errorCode !== 0) throw new UsageError(`Topic '${topic}' does not exist`);
    for (const p of t.partitions) out.push({ topic, partition: p.partition, replicas: p.replicas });
  }
  return out.sort(byTopicPartition);
}

function generateArgs(flags: ReassignFlags): { topics: string[]; brokers: number[] } {
  const parsed = readJson(flags.topicsToMoveJsonFile, '--topics-to-move-json-file') as { topics?: unknown };
  if (!Array.isArray(parsed?.topics) || !parsed.topics.every((t: { topic?: unknown }) => typeof t?.topic === 'string')) {
    throw new UsageError(`${flags.topicsToMoveJsonFile}: expected {"topics": [{"topic": "foo"}, ...], "version": 1}`);
  }
  const topics = parsed.topics.map((t: { topic: string }) => t.topic);
  if (flags.brokerList === undefined) throw new UsageError('Missing required argument "--broker-list"');
  const brokers = flags.brokerList.split(',').map((b) => b.trim()).filter(Boolean).map((b) => {
    if (!/^\d+$/.test(b)) throw new UsageError(`--broker-list takes broker ids, e.g. 1,2,3, not ${JSON.stringify(flags.brokerList)}`);
    return Number(b);
  });
  const dupBrokers = brokers.filter((b, i) => brokers.indexOf(b) !== i);
  if (dupBrokers.length > 0) throw new UsageError(`Broker list contains duplicate entries: ${[...new Set(dupBrokers)].join(',')}`);
  const dupTopics = topics.filter((t: string, i: number) => topics.indexOf(t) !== i);
  if (dupTopics.length > 0) throw new UsageError(`List of topics to reassign contains duplicate entries: ${[...new Set(dupTopics)].join(',')}`);
  return { topics, brokers };
}

async function generate(cluster: Cluster, { topics, brokers }: { topics: string[]; brokers: number[] }, disableRackAware: boolean): Promise<void> {
  const current = await currentAssignment(cluster, topics);
  const known = new Map((await cluster.metadata([])).brokers.map((b) => [b.nodeId, b]));
  const unknown = brokers.filter((b) => !known.has(b));
  if (unknown.length > 0) throw new UsageError(`Unknown broker id${unknown.length > 1 ? 's' : ''} ${unknown.join(',')}: not in the cluster's metadata`);
  const usable = brokers.map((id) => ({ id, rack: disableRackAware ? null : known.get(id)!.rack }));
  const proposed: Assignment[] = [];
  for (const topic of topics) {
    const partitions = current.filter((a) => a.topic === topic);
    try {
      const placed = assignReplicas(usable, partitions.length, partitions[0]?.replicas.length ?? 1);
      placed.forEach((replicas, partition) => proposed.push({ topic, partition, replicas }));
    } catch (e) {
      if (!(e instanceof PlacementError)) throw e;
      throw new UsageError(`${e.message}${e.message.includes('rack') ? ' Add --disable-rack-aware to place replicas without rack information.' : ''}`);
    }
  }
  out(`Current partition replica assignment\n${reassignmentJson(current)}\n\n`);
  out(`Proposed partition reassignment configuration\n${reassignmentJson(proposed.sort(byTopicPartition))}`);
}

async function execute(cluster: Cluster, proposed: Assignment[], additional: boolean): Promise<void> {
  if (!additional && (await listPartitionReassignments(cluster)).length > 0) {
    throw new UsageError('Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one.');
  }
  const current = await currentAssignment(cluster, [...new Set(proposed.map((a) => a.topic))]);
  const missing = proposed.find((a) => !current.some((c) => c.topic === a.topic && c.partition === a.partition));
  if (missing) throw new UsageError(`Unable to find partition: ${name(missing)}`);
  const brokers = new Set((await cluster.metadata([])).brokers.map((b) => b.nodeId));
  const unknown = proposed.flatMap((a) => a.replicas).find((id) => !brokers.has(id));
  if (unknown !== undefined) throw new UsageError(`Unknown broker id ${unknown}`);
  const before = current.filter((c) => proposed.some((a) => a.topic === c.topic && a.partition === c.partition));
  out(`Current partition replica assignment\n\n${reassignmentJson(before)}\n\nSave this to use as the --reassignment-json-file option during rollback`);
  const results = await alterPartitionReassignments(cluster, proposed);
  const errors = results.filter((r) => r.errorCode !== 0).sort(byTopicPartition);
  if (errors.length > 0) throw new UsageError(`Error reassigning partition(s):\n${errors.map((e) => `${name(e)}: ${errorName(e.errorCode)}: ${e.errorMessage ?? ''}`).join('\n')}`);
  out(`Successfully started partition reassignment${proposed.length === 1 ? '' : 's'} for ${proposed.map(name).join(',')}`);
}

async function verify(cluster: Cluster, target: Assignment[]): Promise<void> {
  const ongoing = new Set((await listPartitionReassignments(cluster, target)).map(name));
  const current = await currentAssignment(cluster, [...new Set(target.map((a) => a.topic))]);
  const lines = ['Status of partition reassignment:'];
  for (const a of target) {
    const now = current.find((c) => c.topic === a.topic && c.partition === a.partition);
    if (!now) throw new UsageError(`Unable to find partition: ${name(a)}`);
    if (ongoing.has(name(a))) lines.push(`Reassignment of partition ${name(a)} is still in progress.`);
    else if (now.replicas.join() === a.replicas.join()) lines.push(`Reassignment of partition ${name(a)} is completed.`);
    else lines.push(`There is no active reassignment of partition ${name(a)}, but replica set is ${now.replicas.join(',')} rather than ${a.replicas.join(',')}.`);
  }
  out(lines.join('\n'));
}

async function cancel(cluster: Cluster, target: Assignment[]): Promise<void> {
  const active = await listPartitionReassignments(cluster, target);
  if (active.length === 0) return out('None of the specified partition reassignments are active.');
  const results = await alterPartitionReassignments(cluster, active.map((a) => ({ topic: a.topic, partition: a.partition, replicas: null })));
  const errors = results.filter((r) => r.errorCode !== 0).sort(byTopicPartition);
  if (errors.length > 0) {
    throw new UsageError(`Error cancelling partition reassignment${errors.length === 1 ? '' : 's'} for:\n${errors.map((e) => `${name(e)}: ${errorName(e.errorCode)}: ${e.errorMessage ?? ''}`).join('\n')}`);
  }
  out(`Successfully cancelled partition reassignment${active.length === 1 ? '' : 's'} for: ${active.map(name).join(',')}`);
}

async function list(cluster: Cluster): Promise<void> {
  const ongoing = await listPartitionReassignments(cluster);
  if (ongoing.length === 0) return out('No partition reassignments found.');
  out(['Current partition reassignments:', ...ongoing.map((r) => `${name(r)}: replicas: ${r.replicas.join(',')}.`
    + `${r.adding.length ? ` adding: ${r.adding.join(',')}.` : ''}${r.removing.length ? ` removing: ${r.removing.join(',')}.` : ''}`)].join('\n'));
}
