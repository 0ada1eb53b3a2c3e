// `strom acls`: kafka-acls.sh — --add, --remove and --list ACLs with Kafka's flags: principals
// (--allow-principal, --deny-principal, with --allow-host / --deny-host, * by default),
// operations (--operation, ALL by default; Kafka's names, any case: Read, IdempotentWrite, ...),
// resources (--topic, --group, --cluster, --transactional-id, --delegation-token,
// --user-principal) and --resource-pattern-type (LITERAL by default; PREFIXED to add, ANY or
// MATCH to list and remove). --producer and --consumer add the ACLs a producer (WRITE,
// DESCRIBE, CREATE on the topics; WRITE, DESCRIBE on --transactional-id; with --idempotent,
// IDEMPOTENT_WRITE on the cluster) or a consumer (READ, DESCRIBE on the topics, READ on
// --group) needs. Output as kafka-acls.sh prints it.
import { Command } from 'commander';
import {
  AclOperation, AclPermission, CLUSTER_NAME, PatternType, ResourceType, SUPPORTED_OPERATIONS, WILDCARD_HOST,
  describeEntry, describePattern, operationName, patternTypeName, resourceTypeName,
  type AccessControlEntry, type AclBinding, type AclBindingFilter, type ResourcePattern,
} from '../security/acl.js';
import { createAcls, deleteAcls, describeAcls } from '../client/acl-admin.js';
import type { Cluster } from '../client/cluster.js';
import { action, collect, connectionOptions, examples, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface AclsFlags extends ConnectionFlags {
  add?: boolean;
  remove?: boolean;
  list?: boolean;
  allowPrincipal: string[];
  denyPrincipal: string[];
  allowHost: string[];
  denyHost: string[];
  principal: string[];
  operation: string[];
  topic: string[];
  group: string[];
  cluster?: boolean;
  transactionalId: string[];
  delegationToken: string[];
  userPrincipal: string[];
  resourcePatternType: string;
  producer?: boolean;
  consumer?: boolean;
  idempotent?: boolean;
  force?: boolean;
  json?: boolean;
}

export function aclsCommand(): Command {
  const cmd = new Command('acls')
    .alias('kafka-acls')
    .description('add, remove and list ACLs (kafka-acls.sh); the broker needs authorizer.class.name set')
    .option('--add', 'add ACLs')
    .option('--remove', 'remove ACLs (those of the principals given, else every ACL of the resources)')
    .option('--list', 'list ACLs (of the resources given, else all)')
    .option('--allow-principal <principal>', 'a principal to allow, as Type:name (User:alice, User:* for everyone) (repeatable)', collect, [] as string[])
    .option('--deny-principal <principal>', 'a principal to deny (repeatable)', collect, [] as string[])
    .option('--allow-host <host>', 'an IP address the allowed principals may come from (default: *, any) (repeatable)', collect, [] as string[])
    .option('--deny-host <host>', 'an IP address the denied principals are denied from (default: *) (repeatable)', collect, [] as string[])
    .option('--principal <principal>', 'with --list: only the ACLs of this principal (repeatable)', collect, [] as string[])
    .option('--operation <operation>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens or All (default: All) (repeatable)', collect, [] as string[])
    .option('--topic <topic>', 'a topic (* for every topic) (repeatable)', collect, [] as string[])
    .option('--group <group>', 'a consumer group (* for every group) (repeatable)', collect, [] as string[])
    .option('--cluster', 'the cluster')
    .option('--transactional-id <id>', 'a transactional id (* for every one) (repeatable)', collect, [] as string[])
    .option('--delegation-token <id>', 'a delegation token (repeatable)', collect, [] as string[])
    .option('--user-principal <principal>', 'a user, the resource of CreateTokens and DescribeTokens (repeatable)', collect, [] as string[])
    .option('--resource-pattern-type <type>', 'LITERAL or PREFIXED (--add); ANY or MATCH too (--list, --remove)', 'LITERAL')
    .option('--producer', 'with --add or --remove: the ACLs of a producer of the topics (and --transactional-id)')
    .option('--consumer', 'with --add or --remove: the ACLs of a consumer of the topics in --group')
    .option('--idempotent', 'with --producer: IDEMPOTENT_WRITE on the cluster too')
    .option('--force', 'accepted for kafka-acls.sh compatibility: strom acls never asks')
    .option('--json', 'with --list: print JSON');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom acls --bootstrap-server localhost:9092 --add --allow-principal User:alice --operation Read --operation Write --topic orders',
      'strom acls --bootstrap-server localhost:9092 --add --allow-principal User:bob --producer --topic logs- --resource-pattern-type PREFIXED',
      'strom acls --bootstrap-server localhost:9092 --add --allow-principal User:carol --consumer --topic orders --group billing',
      'strom acls --bootstrap-server localhost:9092 --add --deny-principal User:mallory --deny-host 10.0.0.7 --operation All --topic orders',
      'strom acls --bootstrap-server localhost:9092 --list --topic orders --resource-pattern-type MATCH',
      'strom acls --bootstrap-server localhost:9093 --command-config admin.properties --remove --allow-principal User:alice --operation Write --topic orders',
    ]))
    .action(action(async (flags: AclsFlags) => {
      const modes = (['add', 'remove', 'list'] as const).filter((m) => flags[m]);
      if (modes.length !== 1) throw new UsageError('give one of --add, --remove or --list');
      const patternType = parsePatternType(flags.resourcePatternType);
      if (flags.add && patternType !== PatternType.LITERAL && patternType !== PatternType.PREFIXED) {
        throw new UsageError(`A '--resource-pattern-type' value of '${flags.resourcePatternType}' is not valid when adding acls: use LITERAL or PREFIXED`);
      }
      if ((flags.producer || flags.consumer) && flags.list) throw new UsageError('--producer and --consumer go with --add or --remove');
      if (flags.consumer && flags.group.length === 0) throw new UsageError('--consumer needs --group');
      if (flags.idempotent && !flags.producer) throw new UsageError('--idempotent goes with --producer');
      await withCluster(flags, async (cluster) => {
        if (flags.list) return list(cluster, flags, patternType);
        if (flags.add) return add(cluster, wanted(flags, patternType));
        return remove(cluster, flags, patternType);
      });
    }));
  return cmd;
}

/** The resources the flags name, each with the pattern type. */
function resources(flags: AclsFlags, patternType: number): ResourcePattern[] {
  const of = (resourceType: number, names: string[]) => names.map((name) => ({ resourceType, name, patternType }));
  return [
    ...of(ResourceType.TOPIC, flags.topic), ...of(ResourceType.GROUP, flags.group),
    ...(flags.cluster ? of(ResourceType.CLUSTER, [CLUSTER_NAME]) : []),
    ...of(ResourceType.TRANSACTIONAL_ID, flags.transactionalId), ...of(ResourceType.DELEGATION_TOKEN, flags.delegationToken),
    ...of(ResourceType.USER, flags.userPrincipal),
  ];
}

/** The bindings --add (or --remove with principals) means: operations per resource, for each principal and host. */
function wanted(flags: AclsFlags, patternType: number): AclBinding[] {
  const principals = [...flags.allowPrincipal, ...flags.denyPrincipal];
  for (const p of principals) if (p.indexOf(':') <= 0) throw new UsageError(`${p} is not a principal: give Type:name, e.g. User:alice`);
  const entries = (operations: number[]): AccessControlEntry[] => [
    ...entriesOf(flags.allowPrincipal, flags.allowHost, AclPermission.ALLOW, operations),
    ...entriesOf(flags.denyPrincipal, flags.denyHost, AclPermission.DENY, operations),
  ];
  const all = resources(flags, patternType);
  if (principals.length === 0) throw new UsageError('give --allow-principal or --deny-principal');
  if (all.length === 0) throw new UsageError('give a resource: --topic, --group, --cluster, --transactional-id, --delegation-token or --user-principal');
  const out: AclBinding[] = [];
  const bind = (pattern: ResourcePattern, operations: number[]) => { for (const entry of entries(operations)) out.push({ pattern, entry }); };
  if (flags.producer || flags.consumer) {
    for (const r of all) {
      if (r.resourceType === ResourceType.TOPIC) {
        const ops = [...(flags.producer ? [AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE] : []), ...(flags.consumer ? [AclOperation.READ, AclOperation.DESCRIBE] : [])];
        bind(r, [...new Set(ops)]);
      } else if (r.resourceType === ResourceType.GROUP && flags.consumer) bind(r, [AclOperation.READ]);
      else if (r.resourceType === ResourceType.TRANSACTIONAL_ID && flags.producer) bind(r, [AclOperation.WRITE, AclOperation.DESCRIBE]);
      else throw new UsageError(`--${flags.producer ? 'producer' : 'consumer'} does not apply to ${resourceTypeName(r.resourceType)} ${r.name}`);
    }
    if (flags.idempotent) bind({ resourceType: ResourceType.CLUSTER, name: CLUSTER_NAME, patternType: PatternType.LITERAL }, [AclOperation.IDEMPOTENT_WRITE]);
    return out;
  }
  const operations = flags.operation.length === 0 ? [AclOperation.ALL] : flags.operation.map(parseOperation);
  for (const r of all) {
    const supported = SUPPORTED_OPERATIONS.get(r.resourceType) ?? [];
    const unsupported = operations.filter((op) => op !== AclOperation.ALL && !supported.includes(op));
    if (unsupported.length > 0) {
      throw new UsageError(`ResourceType ${resourceTypeName(r.resourceType)} only supports operations ${[...supported, AclOperation.ALL].map(operationName).join(',')}, not ${unsupported.map(operationName).join(',')}`);
    }
    bind(r, operations);
  }
  return out;
}

function entriesOf(principals: string[], hosts: string[], permission: number, operations: number[]): AccessControlEntry[] {
  const hostList = hosts.length === 0 ? [WILDCARD_HOST] : hosts;
  return principals.flatMap((principal) => hostList.flatMap((host) => operations.map((operation) => ({ principal, host, operation, permission }))));
}

async function add(cluster: Cluster, bindings: AclBinding[]): Promise<void> {
  for (const [pattern, entries] of byResource(bindings)) {
    out(`Adding ACLs for resource \`${describePattern(pattern)}\`: \n ${entries.map((e) => `\t${describeEntry(e)}`).join(' \n ')} \n\n`);
  }
  await createAcls(cluster, bindings);
  await printCurrent(cluster, [...byResource(bindings).keys()]);
}

async function remove(cluster: Cluster, flags: AclsFlags, patternType: number): Promise<void> {
  const principals = flags.allowPrincipal.length + flags.denyPrincipal.length > 0;
  const filters: AclBindingFilter[] = principals
    ? wanted(flags, patternType).map(({ pattern: p, entry: e }) => ({ resourceType: p.resourceType, name: p.name, patternType: p.patternType, principal: e.principal, host: e.host, operation: e.operation, permission: e.permission }))
    : resources(flags, patternType).map((p) => ({ resourceType: p.resourceType, name: p.name, patternType: p.patternType, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY }));
  if (filters.length === 0) throw new UsageError('give a resource: --topic, --group, --cluster, --transactional-id, --delegation-token or --user-principal');
  const deleted = await deleteAcls(cluster, filters);
  for (const [pattern, entries] of byResource(deleted)) {
    out(`Removed ACLs for resource \`${describePattern(pattern)}\`: \n ${entries.map((e) => `\t${describeEntry(e)}`).join(' \n ')} \n\n`);
  }
  if (deleted.length === 0) out('No ACLs matched: nothing removed.');
}

async function list(cluster: Cluster, flags: AclsFlags, patternType: number): Promise<void> {
  const named = resources(flags, patternType);
  const principals = flags.principal.length > 0 ? flags.principal : [null];
  const filters: AclBindingFilter[] = (named.length > 0 ? named : [{ resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }])
    .flatMap((p) => principals.map((principal) => ({ resourceType: p.resourceType, name: p.name, patternType: p.patternType, principal, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY })));
  const found: AclBinding[] = [];
  for (const f of filters) found.push(...await describeAcls(cluster, f));
  if (flags.json) {
    printJson(found.map(({ pattern: p, entry: e }) => ({
      resourceType: resourceTypeName(p.resourceType), name: p.name, patternType: patternTypeName(p.patternType),
      principal: e.principal, host: e.host, operation: operationName(e.operation), permissionType: e.permission === AclPermission.ALLOW ? 'ALLOW' : 'DENY',
    })));
    return;
  }
  print(found);
}

async function printCurrent(cluster: Cluster, patterns: ResourcePattern[]): Promise<void> {
  const found: AclBinding[] = [];
  for (const p of patterns) {
    found.push(...await describeAcls(cluster, { resourceType: p.resourceType, name: p.name, patternType: p.patternType, principal: null, host: null, operation: AclOperation.ANY, permission: AclPermission.ANY }));
  }
  print(found);
}

function print(bindings: AclBinding[]): void {
  for (const [pattern, entries] of byResource(bindings)) {
    out(`Current ACLs for resource \`${describePattern(pattern)}\`: \n ${entries.map((e) => `\t${describeEntry(e)}`).join(' \n ')} \n\n`);
  }
}

/** Bindings grouped by resource pattern, in the order first seen. */
function byResource(bindings: AclBinding[]): Map<ResourcePattern, AccessControlEntry[]> {
  const keyed = new Map<string, { pattern: ResourcePattern; entries: AccessControlEntry[] }>();
  for (const b of bindings) {
    const key = JSON.stringify([b.pattern.resourceType, b.pattern.patternType, b.pattern.name]);
    let group = keyed.get(key);
    if (!group) keyed.set(key, (group = { pattern: b.pattern, entries: [] }));
    group.entries.push(b.entry);
  }
  return new Map([...keyed.values()].map((g) => [g.pattern, g.entries]));
}

/** Kafka's operation names in any case, with or without underscores (Read, IdempotentWrite, IDEMPOTENT_WRITE). */
function parseOperation(text: string): number {
  const wanted = text.replace(/[_\s-]/g, '').toUpperCase();
  for (const [name, code] of Object.entries(AclOperation)) {
    if (code > AclOperation.ANY && name.replace(/_/g, '') === wanted) return code;
  }
  throw new UsageError(`${text} is not an operation: Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens or All`);
}

function parsePatternType(text: string): number {
  const code = (PatternType as Record<string, number>)[text.toUpperCase()];
  if (code === undefined || code === PatternType.UNKNOWN) throw new UsageError(`--resource-pattern-type must be LITERAL, PREFIXED, ANY or MATCH, not ${text}`);
  return code;
}
