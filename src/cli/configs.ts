// `strom configs`: kafka-configs.sh — --describe and --alter (--add-config k=v,k2=v2,
// --delete-config k) for topics and brokers, with Kafka's --topic/--broker shortcuts; users'
// SCRAM credentials: --add-config 'SCRAM-SHA-256=[iterations=8192,password=secret]' (salted
// here, as kafka-configs.sh does), --delete-config SCRAM-SHA-256, --describe; and client
// quotas (KIP-546) of users, client ids, both, or IP addresses: --entity-type users/clients/ips
// (or --user, --client, --ip; --entity-default, --user-defaults, --client-defaults,
// --ip-defaults for <default>) with producer_byte_rate, consumer_byte_rate,
// request_percentage, controller_mutation_rate, connection_creation_rate.
import { Command } from 'commander';
import { describeConfigs, alterConfigs, RESOURCE_BROKER, RESOURCE_TOPIC } from '../client/admin.js';
import { deleteScramCredential, describeScramCredentials, upsertScramCredential } from '../client/scram-admin.js';
import { SCRAM_DEFAULT_ITERATIONS, scramMechanism } from '../security/scram.js';
import type { Cluster } from '../client/cluster.js';
import { alterClientQuotas, describeClientQuotas, type Entity, type FilterComponent } from '../client/quota-admin.js';
import { action, collect, connectionOptions, examples, keyValues, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface ConfigsFlags extends ConnectionFlags {
  describe?: boolean;
  alter?: boolean;
  entityType: string[];
  entityName: string[];
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
  user?: string;
  client?: string;
  ip?: string;
  userDefaults?: boolean;
  clientDefaults?: boolean;
  ipDefaults?: boolean;
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
    .option('--entity-type <type>', 'topics, brokers, users, clients or ips; users and clients together for a user\'s client (repeatable)', collect, [] as string[])
    .option('--entity-name <name>', 'the topic name, broker id, user name, client id or IP address, one per --entity-type in order (repeatable)', collect, [] as string[])
    .option('--entity-default', 'the default entity (<default>) of the --entity-type left without a name; for brokers, the cluster-wide default')
    .option('--topic <name>', 'the same as --entity-type topics --entity-name <name>')
    .option('--broker <id>', 'the same as --entity-type brokers --entity-name <id>')
    .option('--broker-defaults', 'the same as --entity-type brokers --entity-default')
    .option('--user <name>', 'the same as --entity-type users --entity-name <name>')
    .option('--client <id>', 'the same as --entity-type clients --entity-name <id>')
    .option('--ip <address>', 'the same as --entity-type ips --entity-name <address>')
    .option('--user-defaults', 'the same as --entity-type users --entity-default')
    .option('--client-defaults', 'the same as --entity-type clients --entity-default')
    .option('--ip-defaults', 'the same as --entity-type ips --entity-default')
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
      'strom configs --bootstrap-server localhost:9092 --alter --entity-type users --entity-name alice --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152',
      'strom configs --bootstrap-server localhost:9092 --alter --entity-type clients --entity-default --add-config request_percentage=50',
      'strom configs --bootstrap-server localhost:9092 --alter --user alice --client app-1 --add-config producer_byte_rate=524288',
      'strom configs --bootstrap-server localhost:9092 --alter --entity-type ips --entity-name 10.0.0.7 --add-config connection_creation_rate=5',
      'strom configs --bootstrap-server localhost:9092 --describe --entity-type clients',
    ]))
    .action(action(async (flags: ConfigsFlags) => {
      if (flags.zookeeper === undefined && Number(!!flags.describe) + Number(!!flags.alter) !== 1) throw new UsageError('give one of --describe or --alter');
      const clientEntities = quotaEntities(flags);
      if (clientEntities) {
        await withCluster(flags, (cluster) => clientConfigs(cluster, flags, clientEntities));
        return;
      }
      const type = flags.topic !== undefined ? 'topics' : flags.broker !== undefined || flags.brokerDefaults ? 'brokers' : flags.entityType[0];
      if (flags.zookeeper === undefined && type !== 'topics' && type !== 'brokers') throw new UsageError('--entity-type must be topics, brokers, users, clients or ips (or use --topic / --broker / --user / --client / --ip)');
      const isDefault = flags.brokerDefaults || flags.entityDefault;
      const name = flags.topic ?? flags.broker ?? (isDefault ? '' : flags.entityName[0]);
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

/** A client entity type as kafka-configs.sh names it, and as quotas name it. */
const QUOTA_TYPES: Record<string, string> = { users: 'user', clients: 'client-id', ips: 'ip' };

/**
 * The user, client and IP entities the flags name (type and name: null for <default>,
 * undefined for every entity of the type, --describe only), in the order given, or null when
 * they name topics or brokers.
 */
type Named = [string, string | null | undefined];

function quotaEntities(flags: ConfigsFlags): Named[] | null {
  const out: Named[] = [];
  if (flags.user !== undefined) out.push(['users', flags.user]);
  if (flags.userDefaults) out.push(['users', null]);
  if (flags.client !== undefined) out.push(['clients', flags.client]);
  if (flags.clientDefaults) out.push(['clients', null]);
  if (flags.ip !== undefined) out.push(['ips', flags.ip]);
  if (flags.ipDefaults) out.push(['ips', null]);
  const types = flags.entityType;
  if (types.some((t) => t in QUOTA_TYPES)) {
    if (types.some((t) => !(t in QUOTA_TYPES))) throw new UsageError('--entity-type topics or brokers cannot be combined with users, clients or ips');
    if (flags.entityName.length > types.length) throw new UsageError('more --entity-name than --entity-type');
    if (flags.entityName.length < types.length - 1 || (flags.entityName.length < types.length && !flags.entityDefault && flags.alter)) {
      throw new UsageError('give --entity-name (or --entity-default) for each --entity-type');
    }
    types.forEach((t, i) => out.push([t, i < flags.entityName.length ? flags.entityName[i] : flags.entityDefault ? null : undefined]));
  }
  if (out.length === 0) return null;
  const seen = new Set(out.map(([t]) => t));
  if (seen.size !== out.length) throw new UsageError('each entity type may be named once');
  if (seen.has('ips') && seen.size > 1) throw new UsageError('ips cannot be combined with users or clients');
  return out;
}

/** How kafka-configs.sh names an entity in its messages. */
function entityLabel(entity: Entity): string {
  const part = (type: string, label: string) => (type in entity ? [entity[type] === null ? `the default ${label}` : `${label} '${entity[type]}'`] : []);
  return [...part('user', 'user-principal'), ...part('client-id', 'client-id'), ...part('ip', 'ip')].join(', ');
}

/** Users, clients and IPs: quotas (KIP-546), and users' SCRAM credentials. */
async function clientConfigs(cluster: Cluster, flags: ConfigsFlags, named: Named[]): Promise<void> {
  const onlyUser = named.length === 1 && named[0][0] === 'users';
  if (flags.describe) {
    // A type without a name (undefined) lists every entity of it; a name or <default>, that one.
    const components: FilterComponent[] = named.map(([type, name]) => ({
      entityType: QUOTA_TYPES[type], matchType: name === undefined ? 2 : name === null ? 1 : 0, match: name ?? null,
    }));
    const entries = await describeClientQuotas(cluster, components, true);
    const scram = onlyUser && named[0][1] !== null ? await describeScramCredentials(cluster, named[0][1] === undefined ? null : [named[0][1]]) : [];
    if (flags.json) return printJson({ quotas: entries, scramCredentials: scram });
    for (const e of entries) out(`Quota configs for ${entityLabel(e.entity)} are ${Object.entries(e.values).map(([k, v]) => `${k}=${formatDouble(v)}`).join(', ')}`);
    for (const u of scram) out(`SCRAM credential configs for user-principal '${u.user}' are ${u.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}`);
    return;
  }
  const set = keyValues(flags.addConfig, '--add-config');
  const remove = flags.deleteConfig.flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean);
  if (Object.keys(set).length === 0 && remove.length === 0) throw new UsageError('--alter needs --add-config or --delete-config');
  const isScram = (key: string) => Boolean(scramMechanism(key));
  for (const key of [...Object.keys(set), ...remove]) {
    if (key.toUpperCase().startsWith('SCRAM-') && !isScram(key)) throw new UsageError(`${key} is not a SCRAM mechanism served here: SCRAM-SHA-256 or SCRAM-SHA-512`);
  }
  if (named.some(([, name]) => name === undefined)) throw new UsageError('give --entity-name (or --entity-default) for each --entity-type');
  const entity: Entity = Object.fromEntries(named.map(([type, name]) => [QUOTA_TYPES[type], name ?? null]));
  const quotaSet: Record<string, number> = {};
  for (const [key, value] of Object.entries(set)) {
    if (isScram(key)) continue;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${key} takes a number, not ${JSON.stringify(value)}`);
    quotaSet[key] = n;
  }
  const quotaRemove = remove.filter((k) => !isScram(k));
  const scramKeys = [...Object.keys(set), ...remove].filter(isScram);
  if (scramKeys.length > 0 && (!onlyUser || typeof named[0][1] !== 'string')) throw new UsageError(`${scramKeys[0]} is a user's credential: give one user (--entity-type users --entity-name <name>)`);
  if (Object.keys(quotaSet).length > 0 || quotaRemove.length > 0) await alterClientQuotas(cluster, entity, quotaSet, quotaRemove);
  if (scramKeys.length > 0) {
    await scramCredentials(cluster, named[0][1] as string, Object.fromEntries(Object.entries(set).filter(([k]) => isScram(k))), remove.filter(isScram));
  }
  const label = named.map(([type, name]) => `${type.replace(/s$/, '')} ${name ?? '<default>'}`).join(', ');
  out(named.length === 1 && named[0][1] === null ? `Completed updating default config for ${named[0][0]} in the cluster.` : `Completed updating config for ${label}.`);
}

/** Kafka prints quota values as Java doubles: 1024.0. */
function formatDouble(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** A user's SCRAM credentials set (from passwords, salted here) and deleted. */
async function scramCredentials(cluster: Cluster, name: string, set: Record<string, string>, remove: string[]): Promise<void> {
  // One request per credential: Kafka refuses two alterations of one user in one request.
  for (const [key, value] of Object.entries(set)) {
    const mechanism = scramMechanism(key)!;
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
  for (const key of remove) await deleteScramCredential(cluster, name, scramMechanism(key)!);
}
