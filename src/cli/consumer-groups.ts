// `strom consumer-groups`: kafka-consumer-groups.sh — --list (--state, --type: classic or
// KIP-848 consumer protocol), --describe (offsets and lag, --members, --state; a consumer-
// protocol group shows its group and target assignment epochs, and with --members --verbose
// each member's epoch, current and target assignment, as Kafka 3.9's tool does),
// --reset-offsets (dry run unless --execute), --delete, --delete-offsets.
import { Command } from 'commander';
import type { Cluster } from '../client/cluster.js';
import { listGroups, describeGroup, deleteGroups, fetchOffsets, commitOffsets, deleteOffsets, type GroupDescription } from '../client/groups.js';
import { listOffsets, EARLIEST, LATEST } from '../client/admin.js';
import { errorName } from '../protocol/errors.js';
import { action, colors, connectionOptions, examples, intOption, out, printJson, table, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface GroupsFlags extends ConnectionFlags {
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  deleteOffsets?: boolean;
  resetOffsets?: boolean;
  group: string[];
  allGroups?: boolean;
  members?: boolean;
  state?: boolean | string;
  type?: boolean | string;
  offsets?: boolean;
  verbose?: boolean;
  topic: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: string;
  toDatetime?: string;
  shiftBy?: string;
  byDuration?: string;
  dryRun?: boolean;
  execute?: boolean;
  json?: boolean;
}

const many = (v: string, all: string[]) => [...all, v];

export function consumerGroupsCommand(): Command {
  const cmd = new Command('consumer-groups')
    .alias('kafka-consumer-groups')
    .description('list, describe, reset and delete consumer groups (kafka-consumer-groups.sh)')
    .option('--list', 'list the groups')
    .option('--describe', 'describe groups: offsets and lag per partition (default), --members or --state')
    .option('--reset-offsets', 'move committed offsets (a dry run unless --execute); the group must have no active members')
    .option('--delete', 'delete groups (they must be empty)')
    .option('--delete-offsets', 'delete the committed offsets of --topic for --group')
    .option('--group <id>', 'the group (repeatable)', many, [] as string[])
    .option('--all-groups', 'every group')
    .option('--members', 'with --describe: the members and their partitions')
    .option('--state [state]', 'with --describe: the state of the group; with --list: show states (or only this one)')
    .option('--type [type]', 'with --list: show each group\'s type, classic or consumer (KIP-848\'s protocol), or only groups of this type')
    .option('--offsets', 'with --describe: offsets and lag (the default)')
    .option('--verbose', 'with --describe --members: the partitions assigned')
    .option('--topic <topic[:partitions]>', 'with --reset-offsets/--delete-offsets: a topic, or topic:0,1,2 (repeatable)', many, [] as string[])
    .option('--all-topics', 'with --reset-offsets: every topic the group has offsets for')
    .option('--to-earliest', 'reset to the earliest offset')
    .option('--to-latest', 'reset to the latest offset')
    .option('--to-current', 'reset to the current offset')
    .option('--to-offset <offset>', 'reset to this offset')
    .option('--to-datetime <datetime>', 'reset to the first offset at or after a time: YYYY-MM-DDTHH:mm:SS.sss (UTC unless it has a zone)')
    .option('--by-duration <duration>', 'reset to the offset of a time this long ago: PnDTnHnMnS')
    .option('--shift-by <n>', 'move the current offset by n (may be negative)')
    .option('--dry-run', 'show the new offsets without committing them (the default)')
    .option('--execute', 'commit the new offsets')
    .option('--json', 'print JSON');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom consumer-groups --bootstrap-server localhost:9092 --list',
      'strom consumer-groups --bootstrap-server localhost:9092 --all-groups --list',
      'strom consumer-groups --bootstrap-server localhost:9092 --list --type',
      'strom consumer-groups --bootstrap-server localhost:9092 --describe --group group1',
      'strom consumer-groups --bootstrap-server localhost:9092 --describe --group group1 --members',
      'strom consumer-groups --bootstrap-server localhost:9092 --describe --group group1 --state',
      'strom consumer-groups --bootstrap-server localhost:9092 --reset-offsets --group group1 --topic test --to-earliest --execute',
      'strom consumer-groups --bootstrap-server localhost:9092 --reset-offsets --group group1 --all-topics --shift-by -10 --dry-run',
      'strom consumer-groups --bootstrap-server localhost:9092 --delete --group group1',
    ]))
    .action(action(async (flags: GroupsFlags) => {
      const modes = (['list', 'describe', 'resetOffsets', 'delete', 'deleteOffsets'] as const).filter((m) => flags[m]);
      if (flags.zookeeper === undefined && modes.length !== 1) {
        throw new UsageError('give exactly one of --list, --describe, --reset-offsets, --delete or --delete-offsets (see strom consumer-groups --help)');
      }
      await withCluster(flags, async (cluster) => {
        switch (modes[0]) {
          case 'list': return list(cluster, flags);
          case 'describe': return describe(cluster, flags);
          case 'resetOffsets': return reset(cluster, flags);
          case 'delete': return remove(cluster, flags);
          case 'deleteOffsets': return removeOffsets(cluster, flags);
        }
      });
    }));
  return cmd;
}

async function groupsOf(cluster: Cluster, flags: GroupsFlags): Promise<string[]> {
  if (flags.allGroups) return (await listGroups(cluster)).map((g) => g.groupId);
  if (flags.group.length === 0) throw new UsageError('--group or --all-groups is required');
  return flags.group;
}

/** Kafka's spelling of a group type (GroupType.toString). */
const typeName = (type: string) => (type === '' ? 'Unknown' : type[0].toUpperCase() + type.slice(1).toLowerCase());

async function list(cluster: Cluster, flags: GroupsFlags): Promise<void> {
  let groups = await listGroups(cluster);
  if (typeof flags.state === 'string') groups = groups.filter((g) => g.state.toLowerCase() === String(flags.state).toLowerCase());
  if (typeof flags.type === 'string') groups = groups.filter((g) => g.type.toLowerCase() === String(flags.type).toLowerCase());
  if (flags.json) return printJson(groups);
  const head = ['GROUP', ...(flags.type !== undefined ? ['TYPE'] : []), ...(flags.state !== undefined ? ['STATE'] : [])];
  if (head.length > 1) {
    return out(table(head, groups.map((g) => [g.groupId, ...(flags.type !== undefined ? [typeName(g.type)] : []), ...(flags.state !== undefined ? [g.state || 'Unknown'] : [])])));
  }
  for (const g of groups) out(g.groupId);
}

interface OffsetRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

/** Per partition: committed offset, log end offset, lag and owner (kafka-consumer-groups.sh's rows). */
async function offsetRows(cluster: Cluster, group: GroupDescription): Promise<OffsetRow[]> {
  const committed = await fetchOffsets(cluster, group.groupId, null);
  const rows = new Map<string, OffsetRow>();
  const row = (topic: string, partition: number) => {
    const k = `${topic}\u0000${partition}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { group: group.groupId, topic, partition, currentOffset: null, logEndOffset: null, lag: null, consumerId: null, host: null, clientId: null }));
    return r;
  };
  for (const c of committed) if (c.offset >= 0) row(c.topic, c.partition).currentOffset = c.offset;
  for (const m of group.members) {
    for (const a of m.assignment) for (const p of a.partitions) Object.assign(row(a.topic, p), { consumerId: m.memberId, host: m.host, clientId: m.clientId });
  }
  const topics = [...new Set([...rows.values()].map((r) => r.topic))];
  await Promise.all(topics.map(async (topic) => {
    const ends = await listOffsets(cluster, topic, LATEST).catch(() => []);
    for (const e of ends) {
      const r = rows.get(`${topic}\u0000${e.partition}`);
      if (r) r.logEndOffset = e.offset;
    }
  }));
  for (const r of rows.values()) if (r.currentOffset !== null && r.logEndOffset !== null) r.lag = Math.max(0, r.logEndOffset - r.currentOffset);
  return [...rows.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

async function describe(cluster: Cluster, flags: GroupsFlags): Promise<void> {
  const ids = await groupsOf(cluster, flags);
  const json: unknown[] = [];
  for (const id of ids) {
    const g = await describeGroup(cluster, id);
    const dead = g.state === 'Dead';
    if (flags.state !== undefined && !flags.members) {
      if (dead) throw new UsageError(`Error: Consumer group '${id}' does not exist.`);
      const c = g.coordinator;
      const row = { group: id, type: g.type, coordinator: `${c.host}:${c.port} (${c.nodeId})`, assignmentStrategy: g.protocol, state: g.state, groupEpoch: g.groupEpoch, targetAssignmentEpoch: g.assignmentEpoch, members: g.members.length };
      if (flags.json) json.push(row);
      else if (g.type === 'consumer') {
        // A KIP-848 group: its epochs too, as Kafka's tool prints them.
        out(`\n${table(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS'],
          [[id, row.coordinator, g.protocol, g.state, g.groupEpoch ?? -1, g.assignmentEpoch ?? -1, g.members.length]])}`);
      } else out(`\n${table(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[id, row.coordinator, g.protocol || '', g.state, g.members.length]])}`);
      continue;
    }
    if (flags.members) {
      if (dead) throw new UsageError(`Error: Consumer group '${id}' does not exist.`);
      const text = (a: { topic: string; partitions: number[] }[]) => a.map((t) => `${t.topic}(${t.partitions.join(',')})`).join(',') || '-';
      const members = g.members.map((m) => ({
        group: id, consumerId: m.memberId, groupInstanceId: m.groupInstanceId, host: m.host, clientId: m.clientId,
        partitions: m.assignment.reduce((n, a) => n + a.partitions.length, 0),
        assignment: text(m.assignment),
        ...(g.type === 'consumer' ? { currentEpoch: m.memberEpoch, targetEpoch: g.assignmentEpoch, targetAssignment: text(m.targetAssignment ?? []) } : {}),
      }));
      if (flags.json) { json.push(...members); continue; }
      if (members.length === 0) { out(`\nConsumer group '${id}' has no active members.`); continue; }
      if (g.type === 'consumer') {
        // KIP-848: each member's epoch, what it owns and what the assignor means it to own.
        const head = ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(flags.verbose ? ['CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT'] : [])];
        out(`\n${table(head, members.map((m) => [m.group, m.consumerId, m.host, m.clientId, m.partitions, ...(flags.verbose ? [m.currentEpoch ?? -1, m.assignment, m.targetEpoch ?? -1, m.targetAssignment ?? "-"] : [])]))}`);
        continue;
      }
      const head = ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(flags.verbose ? ['ASSIGNMENT'] : [])];
      out(`\n${table(head, members.map((m) => [m.group, m.consumerId, m.host, m.clientId, m.partitions, ...(flags.verbose ? [m.assignment] : [])]))}`);
      continue;
    }
    const rows = await offsetRows(cluster, g);
    if (dead && rows.length === 0) throw new UsageError(`Error: Consumer group '${id}' does not exist.`);
    if (flags.json) { json.push(...rows); continue; }
    if (g.members.length === 0) out(`\nConsumer group '${id}' has no active members.`);
    const lag = (n: number | null) => (n === null ? '-' : n > 0 && colors.isColorSupported ? colors.yellow(String(n)) : String(n));
    out(`\n${table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
      rows.map((r) => [r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, lag(r.lag), r.consumerId, r.host, r.clientId]))}`);
  }
  if (flags.json) printJson(json);
}

/** --topic t or t:0,1,2 entries; --all-topics: the topics the group has offsets for. */
async function targetPartitions(cluster: Cluster, flags: GroupsFlags, groupId: string): Promise<{ topic: string; partition: number }[]> {
  const out: { topic: string; partition: number }[] = [];
  if (flags.allTopics) {
    for (const c of await fetchOffsets(cluster, groupId, null)) out.push({ topic: c.topic, partition: c.partition });
    return out;
  }
  if (flags.topic.length === 0) throw new UsageError('--topic or --all-topics is required');
  for (const spec of flags.topic) {
    const [topic, list] = spec.split(':');
    const partitions = list ? list.split(',').map((p) => intOption(p, '--topic partition', 0)) : (await cluster.topic(topic)).partitions.map((p) => p.partition);
    for (const partition of partitions) out.push({ topic, partition });
  }
  return out;
}

/** A time for --to-datetime: Kafka's format, UTC when no zone is given. */
function parseDatetime(s: string): number {
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t)) throw new UsageError(`--to-datetime takes YYYY-MM-DDTHH:mm:SS.sss, not ${JSON.stringify(s)}`);
  return t;
}

/** PnDTnHnMnS (ISO-8601 duration, as --by-duration takes it) in ms. */
function parseDuration(s: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) throw new UsageError(`--by-duration takes PnDTnHnMnS, not ${JSON.stringify(s)}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}

async function reset(cluster: Cluster, flags: GroupsFlags): Promise<void> {
  const specs = [flags.toEarliest, flags.toLatest, flags.toCurrent, flags.toOffset, flags.toDatetime, flags.shiftBy, flags.byDuration].filter((x) => x !== undefined);
  if (specs.length !== 1) throw new UsageError('give one of --to-earliest, --to-latest, --to-current, --to-offset, --to-datetime, --by-duration, --shift-by');
  if (flags.dryRun && flags.execute) throw new UsageError('--dry-run and --execute cannot be used together');
  if (!flags.dryRun && !flags.execute && !flags.json) {
    process.stderr.write('WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n');
  }
  const rows: { group: string; topic: string; partition: number; newOffset: number }[] = [];
  for (const groupId of await groupsOf(cluster, flags)) {
    const g = await describeGroup(cluster, groupId);
    if (g.state !== 'Empty' && g.state !== 'Dead') {
      throw new UsageError(`Error: Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${g.state}.`);
    }
    const targets = await targetPartitions(cluster, flags, groupId);
    const current = new Map((await fetchOffsets(cluster, groupId, null)).map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
    const byTopic = new Map<string, number[]>();
    for (const t of targets) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t.partition]);
    const newOffsets: { topic: string; partition: number; offset: number }[] = [];
    for (const [topic, partitions] of byTopic) {
      const earliest = new Map((await listOffsets(cluster, topic, EARLIEST, partitions)).map((o) => [o.partition, o.offset]));
      const latest = new Map((await listOffsets(cluster, topic, LATEST, partitions)).map((o) => [o.partition, o.offset]));
      const clamp = (p: number, o: number) => Math.min(latest.get(p)!, Math.max(earliest.get(p)!, o));
      let byTime: Map<number, number> | undefined;
      const time = flags.toDatetime !== undefined ? parseDatetime(flags.toDatetime) : flags.byDuration !== undefined ? Date.now() - parseDuration(flags.byDuration) : undefined;
      if (time !== undefined) byTime = new Map((await listOffsets(cluster, topic, time, partitions)).map((o) => [o.partition, o.offset < 0 ? latest.get(o.partition)! : o.offset]));
      for (const p of partitions) {
        const cur = current.get(`${topic}\u0000${p}`);
        let offset: number;
        if (flags.toEarliest) offset = earliest.get(p)!;
        else if (flags.toLatest) offset = latest.get(p)!;
        else if (flags.toCurrent) offset = cur !== undefined && cur >= 0 ? cur : latest.get(p)!;
        else if (flags.toOffset !== undefined) offset = clamp(p, intOption(flags.toOffset, '--to-offset', 0));
        else if (flags.shiftBy !== undefined) offset = clamp(p, (cur !== undefined && cur >= 0 ? cur : latest.get(p)!) + intOption(flags.shiftBy, '--shift-by'));
        else offset = byTime!.get(p)!;
        newOffsets.push({ topic, partition: p, offset });
      }
    }
    if (flags.execute) await commitOffsets(cluster, groupId, newOffsets);
    rows.push(...newOffsets.map((o) => ({ group: groupId, topic: o.topic, partition: o.partition, newOffset: o.offset })));
  }
  if (flags.json) return printJson(rows);
  out(`\n${table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows.map((r) => [r.group, r.topic, r.partition, r.newOffset]))}`);
}

async function remove(cluster: Cluster, flags: GroupsFlags): Promise<void> {
  const ids = await groupsOf(cluster, flags);
  const results = await deleteGroups(cluster, ids);
  const failed = [...results].filter(([, code]) => code !== 0);
  if (flags.json) printJson([...results].map(([group, code]) => ({ group, error: code === 0 ? null : errorName(code) })));
  if (failed.length) {
    const reasons: Record<string, string> = { GROUP_ID_NOT_FOUND: 'The group id does not exist.', NON_EMPTY_GROUP: 'The group is not empty.' };
    throw new UsageError(`Error: Deletion of some consumer groups failed:\n${failed.map(([g, code]) => `* Group '${g}' could not be deleted due to: ${reasons[errorName(code)] ?? errorName(code)}`).join('\n')}`);
  }
  if (!flags.json) out(`Deletion of requested consumer groups (${ids.map((g) => `'${g}'`).join(', ')}) was successful.`);
}

async function removeOffsets(cluster: Cluster, flags: GroupsFlags): Promise<void> {
  if (flags.group.length !== 1) throw new UsageError('--delete-offsets takes one --group');
  const groupId = flags.group[0];
  const targets = await targetPartitions(cluster, flags, groupId);
  const byTopic = new Map<string, number[]>();
  for (const t of targets) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t.partition]);
  for (const [topic, partitions] of byTopic) await deleteOffsets(cluster, groupId, topic, partitions);
  out(`Request succeed for deleting offsets from group ${groupId}.`);
  out(table(['TOPIC', 'PARTITION', 'STATUS'], targets.map((t) => [t.topic, t.partition, 'Successful'])));
}
