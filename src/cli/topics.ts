// `strom topics`: kafka-topics.sh — --create, --list, --describe, --delete, --alter, with
// Kafka's flag spellings and Kafka's --describe layout (topic ids included: described with
// DescribeTopicPartitions when the broker serves it, as Kafka 3.9's tool does; a partition
// being reassigned shows its Adding and Removing Replicas). Kafka 3.9's lines may end with
// KIP-966's Elr and LastKnownElr; Strom has no eligible leader replicas and leaves them out.
import { Command } from 'commander';
import type { Cluster, TopicInfo } from '../client/cluster.js';
import { createTopics, deleteTopics, createPartitions, describeConfigs, describeTopics, alterConfigs, RESOURCE_TOPIC } from '../client/admin.js';
import { listPartitionReassignments, type Reassignment } from '../client/partition-admin.js';
import { KafkaError } from '../protocol/errors.js';
import { ErrorCode } from '../protocol/errors.js';
import { action, collect, connectionOptions, examples, intOption, keyValues, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface TopicsFlags extends ConnectionFlags {
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  alter?: boolean;
  topic?: string;
  partitions?: string;
  replicationFactor?: string;
  config: string[];
  deleteConfig: string[];
  ifNotExists?: boolean;
  ifExists?: boolean;
  excludeInternal?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
  json?: boolean;
}

export function topicsCommand(): Command {
  const cmd = new Command('topics')
    .alias('kafka-topics')
    .description('create, list, describe, alter and delete topics (kafka-topics.sh)')
    .option('--create', 'create a topic')
    .option('--list', 'list topic names')
    .option('--describe', 'describe topics: partitions, leaders, replicas, configs')
    .option('--delete', 'delete a topic')
    .option('--alter', 'add partitions (--partitions) or change configs (--config, --delete-config)')
    .option('--topic <name>', 'the topic (--list and --describe take a regular expression)')
    .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)')
    .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default)')
    .option('--config <key=value>', 'a topic config, e.g. retention.ms=86400000 (repeatable)', collect, [] as string[])
    .option('--delete-config <key>', 'with --alter: remove a topic config (repeatable)', collect, [] as string[])
    .option('--if-not-exists', 'with --create: no error if the topic exists')
    .option('--if-exists', 'with --alter, --describe, --delete: no error if the topic does not exist')
    .option('--exclude-internal', 'leave internal topics (__consumer_offsets) out of --list and --describe')
    .option('--under-replicated-partitions', 'with --describe: only partitions whose ISR is smaller than their replicas')
    .option('--unavailable-partitions', 'with --describe: only partitions without a leader')
    .option('--json', 'print JSON (with --list and --describe)');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom topics --bootstrap-server localhost:9092 --create --topic test --partitions 3 --replication-factor 1',
      'strom topics --bootstrap-server localhost:9092 --create --topic logs --config retention.ms=86400000 --if-not-exists',
      'strom topics --bootstrap-server localhost:9092 --list',
      'strom topics --bootstrap-server localhost:9092 --describe --topic test',
      'strom topics --bootstrap-server localhost:9092 --alter --topic test --partitions 6',
      'strom topics --bootstrap-server localhost:9092 --delete --topic test',
    ]))
    .action(action(async (flags: TopicsFlags) => {
      const modes = (['create', 'list', 'describe', 'delete', 'alter'] as const).filter((m) => flags[m]);
      if (flags.zookeeper === undefined && modes.length !== 1) {
        throw new UsageError('give exactly one of --create, --list, --describe, --alter or --delete (see strom topics --help)');
      }
      await withCluster(flags, async (cluster) => {
        switch (modes[0]) {
          case 'create': return create(cluster, flags);
          case 'list': return list(cluster, flags);
          case 'describe': return describe(cluster, flags);
          case 'delete': return remove(cluster, flags);
          case 'alter': return alter(cluster, flags);
        }
      });
    }));
  return cmd;
}

function needTopic(flags: TopicsFlags): string {
  if (!flags.topic) throw new UsageError('--topic is required');
  return flags.topic;
}

/** Kafka's prefix for topic command failures. */
function topicError(e: unknown): never {
  if (e instanceof KafkaError) throw new UsageError(`Error while executing topic command : ${e.reason}`);
  throw e;
}

async function create(cluster: Cluster, flags: TopicsFlags): Promise<void> {
  const name = needTopic(flags);
  const partitions = flags.partitions === undefined ? undefined : intOption(flags.partitions, '--partitions', 1);
  const replicationFactor = flags.replicationFactor === undefined ? undefined : intOption(flags.replicationFactor, '--replication-factor', 1);
  const configs = keyValues(flags.config, '--config');
  const created = await createTopics(cluster, [{ name, partitions, replicationFactor, configs }], { ifNotExists: flags.ifNotExists }).catch(topicError);
  if (created.includes(name)) out(`Created topic ${name}.`);
}

/** Topics matching --topic (a regular expression, as Kafka takes it), sorted by name. */
async function matching(cluster: Cluster, flags: TopicsFlags): Promise<TopicInfo[]> {
  const md = await cluster.metadata(null);
  let pattern: RegExp | null = null;
  if (flags.topic) {
    try {
      pattern = new RegExp(`^(?:${flags.topic})$`);
    } catch {
      pattern = null;
    }
  }
  return md.topics
    .filter((t) => t.errorCode === 0 && (!flags.excludeInternal || !t.isInternal))
    .filter((t) => !flags.topic || t.name === flags.topic || (pattern !== null && pattern.test(t.name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function list(cluster: Cluster, flags: TopicsFlags): Promise<void> {
  const topics = await matching(cluster, flags);
  if (flags.json) return printJson(topics.map((t) => t.name));
  for (const t of topics) out(t.name);
}

function missing(name: string): never {
  throw new UsageError(`Error while executing topic command : Topic '${name}' does not exist as expected`);
}

async function describe(cluster: Cluster, flags: TopicsFlags): Promise<void> {
  const listed = await matching(cluster, flags);
  if (flags.topic && listed.length === 0 && !flags.ifExists) missing(flags.topic);
  // Listed, then described (as Kafka's tool): a topic deleted in between is left out.
  const topics = (await describeTopics(cluster, listed.map((t) => t.name)))
    .filter((t) => t.errorCode === 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const described = await Promise.all(topics.map(async (t) => {
    const configs = (await describeConfigs(cluster, RESOURCE_TOPIC, t.name).catch(() => []))
      .filter((c) => !c.isDefault && !c.isSensitive && c.value !== null);
    return { topic: t, configs };
  }));
  // Reassignments in progress, shown on their partitions as Kafka's tool does.
  const moving = new Map<string, Reassignment>();
  const all = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
  if (all.length > 0) for (const r of await listPartitionReassignments(cluster, all, { ifServed: true })) moving.set(`${r.topic}-${r.partition}`, r);
  type Partition = TopicInfo['partitions'][number];
  const reassignment = (topic: TopicInfo, p: Partition | undefined) => (p ? moving.get(`${topic.name}-${p.partition}`) : undefined);
  // During a reassignment the replicas include those being added: the factor is the rest.
  const replicationFactor = (topic: TopicInfo, p: Partition | undefined) => {
    const r = reassignment(topic, p);
    return r ? r.replicas.filter((id) => !r.adding.includes(id)).length : p?.replicas.length ?? 0;
  };
  const filter = (topic: TopicInfo) => (p: Partition) =>
    (!flags.underReplicatedPartitions || p.isr.length < replicationFactor(topic, p)) && (!flags.unavailablePartitions || p.leader < 0);
  if (flags.json) {
    return printJson(described.map(({ topic, configs }) => ({
      topic: topic.name,
      topicId: topic.topicId,
      partitionCount: topic.partitions.length,
      replicationFactor: replicationFactor(topic, topic.partitions[0]),
      configs: Object.fromEntries(configs.map((c) => [c.name, c.value])),
      partitions: topic.partitions.filter(filter(topic)).map((p) => {
        const r = reassignment(topic, p);
        return { partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, ...(r ? { addingReplicas: r.adding, removingReplicas: r.removing } : {}) };
      }),
    })));
  }
  const partitionFiltersOnly = flags.underReplicatedPartitions || flags.unavailablePartitions;
  for (const { topic, configs } of described) {
    if (!partitionFiltersOnly) {
      out(`Topic: ${topic.name}\tTopicId: ${topic.topicId}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor(topic, topic.partitions[0])}\tConfigs: ${configs.map((c) => `${c.name}=${c.value}`).join(',')}`);
    }
    for (const p of topic.partitions.filter(filter(topic))) {
      const r = reassignment(topic, p);
      const moves = r ? `\tAdding Replicas: ${r.adding.join(',')}\tRemoving Replicas: ${r.removing.join(',')}` : '';
      out(`\tTopic: ${topic.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}${moves}`);
    }
  }
}

async function exists(cluster: Cluster, name: string): Promise<boolean> {
  const md = await cluster.metadata([name]);
  const t = md.topics.find((x) => x.name === name);
  return !!t && t.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

async function remove(cluster: Cluster, flags: TopicsFlags): Promise<void> {
  const name = needTopic(flags);
  if (!(await exists(cluster, name))) {
    if (flags.ifExists) return;
    missing(name);
  }
  await deleteTopics(cluster, [name]).catch(topicError);
  out(`Deleted topic ${name}.`);
}

async function alter(cluster: Cluster, flags: TopicsFlags): Promise<void> {
  const name = needTopic(flags);
  if (!(await exists(cluster, name))) {
    if (flags.ifExists) return;
    missing(name);
  }
  const set = keyValues(flags.config, '--config');
  if (flags.partitions === undefined && Object.keys(set).length === 0 && flags.deleteConfig.length === 0) {
    throw new UsageError('--alter needs --partitions, --config or --delete-config');
  }
  if (flags.partitions !== undefined) {
    const count = intOption(flags.partitions, '--partitions', 1);
    await createPartitions(cluster, name, count).catch(topicError);
    out(`Topic ${name} now has ${count} partitions.`);
  }
  if (Object.keys(set).length || flags.deleteConfig.length) {
    await alterConfigs(cluster, RESOURCE_TOPIC, name, set, flags.deleteConfig).catch(topicError);
    out(`Updated configs of topic ${name}.`);
  }
}
