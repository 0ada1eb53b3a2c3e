// `strom configs`: kafka-configs.sh — --describe and --alter (--add-config k=v,k2=v2,
// --delete-config k) for topics and brokers, with Kafka's --topic/--broker shortcuts, and
// users' SCRAM credentials: --add-config 'SCRAM-SHA-256=[iterations=8192,password=secret]'
// (salted here, as kafka-configs.sh does), --delete-config SCRAM-SHA-256, --describe.
import { Command } from 'commander';
import { describeConfigs, alterConfigs, RESOURCE_BROKER, RESOURCE_TOPIC } from '../client/admin.js';
import { deleteScramCredential, describeScramCredentials, upsertScramCredential } from '../client/scram-admin.js';
import { SCRAM_DEFAULT_ITERATIONS, scramMechanism } from '../security/scram.js';
import type { Cluster } from '../client/cluster.js';
import { action, collect, connectionOptions, examples, keyValues, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface ConfigsFlags extends ConnectionFlags {
  describe?: boolean;
  alter?: boolean;
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
  user?: string;
  addConfig: string[];
  deleteConfig: string[];
  all?: boolean;
  json?: boolean;
}

export function configsCommand(): Command {
  const cmd = new Command('configs')
    .alias('kafka-configs')
    .description('describe and alter topic and broker configs, and users\' SCRAM credentials (kafka-configs.sh)')
    .option('--describe', 'show configs (the dynamic ones; --all for every one)')
    .option('--alter', 'change configs: --add-config and/or --delete-config')
    .option('--entity-type <type>', 'topics, brokers or users')
    .option('--entity-name <name>', 'the topic name, broker id or user name')
    .option('--entity-default', 'with --entity-type brokers: the cluster-wide default')
    .option('--topic <name>', 'the same as --entity-type topics --entity-name <name>')
    .option('--broker <id>', 'the same as --entity-type brokers --entity-name <id>')
    .option('--broker-defaults', 'the same as --entity-type brokers --entity-default')
    .option('--user <name>', 'the same as --entity-type users --entity-name <name>')
    .option('--add-config <k=v,k2=v2>', 'configs to set (repeatable; [a,b] for list values)', collect, [] as string[])
    .option('--delete-config <k,k2>', 'configs to remove (repeatable)', collect, [] as string[])
    .option('--all', 'with --describe: every config, defaults included')
    .option('--json', 'print JSON');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom configs --bootstrap-server localhost:9092 --describe --entity-type topics --entity-name test',
      'strom configs --bootstrap-server localhost:9092 --alter --topic test --add-config retention.ms=86400000,cleanup.policy=delete',
      'strom configs --bootstrap-server localhost:9092 --alter --topic test --delete-config retention.ms',
      'strom configs --bootstrap-server localhost:9092 --describe --broker 1 --all',
      'strom configs --bootstrap-server localhost:9092 --alter --entity-type brokers --entity-default --add-config log.retention.ms=3600000',
      "strom configs --bootstrap-server localhost:9092 --alter --entity-type users --entity-name alice --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]'",
      'strom configs --bootstrap-server localhost:9093 --command-config admin.properties --describe --entity-type users',
    ]))
    .action(action(async (flags: ConfigsFlags) => {
      if (flags.zookeeper === undefined && Number(!!flags.describe) + Number(!!flags.alter) !== 1) throw new UsageError('give one of --describe or --alter');
      const type = flags.topic !== undefined ? 'topics' : flags.broker !== undefined || flags.brokerDefaults ? 'brokers' : flags.user !== undefined ? 'users' : flags.entityType;
      if (type === 'users') {
        await withCluster(flags, (cluster) => users(cluster, flags, flags.user ?? flags.entityName));
        return;
      }
      if (flags.zookeeper === undefined && type !== 'topics' && type !== 'brokers') throw new UsageError('--entity-type must be topics, brokers or users (or use --topic / --broker / --user)');
      const isDefault = flags.brokerDefaults || flags.entityDefault;
      const name = flags.topic ?? flags.broker ?? (isDefault ? '' : flags.entityName);
      if (flags.zookeeper === undefined && name === undefined) throw new UsageError('--entity-name is required (or --entity-default for brokers)');
      const resourceType = type === 'topics' ? RESOURCE_TOPIC : RESOURCE_BROKER;
      const label = type === 'topics' ? `topic ${name}` : name === '' ? 'brokers in the cluster' : `broker ${name}`;
      await withCluster(flags, async (cluster) => {
        if (flags.alter) {
          const set = keyValues(flags.addConfig, '--add-config');
          const remove = flags.deleteConfig.flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean);
          if (Object.keys(set).length === 0 && remove.length === 0) throw new UsageError('--alter needs --add-config or --delete-config');
          await alterConfigs(cluster, resourceType, name!, set, remove);
          return out(name === '' ? 'Completed updating default config for brokers in the cluster.' : `Completed updating config for ${label}.`);
        }
        const dynamic = type === 'topics' ? ['DYNAMIC_TOPIC_CONFIG'] : name === '' ? ['DYNAMIC_DEFAULT_BROKER_CONFIG'] : ['DYNAMIC_BROKER_CONFIG'];
        const entries = (await describeConfigs(cluster, resourceType, name!)).filter((e) => flags.all || dynamic.includes(e.source));
        if (flags.json) return printJson(entries.map((e) => ({ name: e.name, value: e.isSensitive ? null : e.value, source: e.source, readOnly: e.readOnly, sensitive: e.isSensitive })));
        out(`${flags.all ? 'All' : name === '' ? 'Default' : 'Dynamic'} configs for ${label} are:`);
        for (const e of entries) {
          const synonyms = e.synonyms.map((s) => `${s.source}:${s.name}=${e.isSensitive ? null : s.value}`).join(', ');
          out(`  ${e.name}=${e.isSensitive ? null : e.value} sensitive=${e.isSensitive} synonyms={${synonyms}}`);
        }
      });
    }));
  return cmd;
}

/** --entity-type users: SCRAM credentials (quotas, the other user configs, are not served yet). */
async function users(cluster: Cluster, flags: ConfigsFlags, name: string | undefined): Promise<void> {
  if (flags.describe) {
    const described = await describeScramCredentials(cluster, name === undefined ? null : [name]);
    if (flags.json) return printJson(described);
    for (const u of described) {
      out(`SCRAM credential configs for user-principal '${u.user}' are ${u.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`);
    }
    return;
  }
  if (name === undefined || name === '') throw new UsageError('--entity-name (or --user) is required to alter a user');
  const set = keyValues(flags.addConfig, '--add-config');
  const remove = flags.deleteConfig.flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean);
  if (Object.keys(set).length === 0 && remove.length === 0) throw new UsageError('--alter needs --add-config or --delete-config');
  const mechanismOf = (key: string) => {
    const mechanism = scramMechanism(key);
    if (!mechanism) throw new UsageError(`${key} is not a user config served here: SCRAM-SHA-256 or SCRAM-SHA-512 (quotas are not served yet)`);
    return mechanism;
  };
  // One request per credential: Kafka refuses two alterations of one user in one request.
  for (const [key, value] of Object.entries(set)) {
    const mechanism = mechanismOf(key);
    const options = new Map<string, string>();
    for (const part of value.replace(/^\[(.*)\]$/s, '$1').split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`${key} takes [iterations=N,password=secret], not ${JSON.stringify(value)}`);
      options.set(part.slice(0, eq).trim(), part.slice(eq + 1));
    }
    const password = options.get('password');
    if (password === undefined || password === '') throw new UsageError(`${key} needs a password: ${key}=[password=...]`);
    const iterations = Number(options.get('iterations') ?? SCRAM_DEFAULT_ITERATIONS);
    if (!Number.isSafeInteger(iterations) || iterations < 1) throw new UsageError(`iterations of ${key} must be a whole number, not ${JSON.stringify(options.get('iterations'))}`);
    await upsertScramCredential(cluster, name, mechanism, password, iterations);
  }
  for (const key of remove) await deleteScramCredential(cluster, name, mechanismOf(key));
  out(`Completed updating config for user ${name}.`);
}
