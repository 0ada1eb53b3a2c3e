// KIP-848's consumer group protocol with the client that speaks it: librdkafka 2.12
// (node-rdkafka 3.6.1, test/clients) with group.protocol=consumer. Three members split a
// 6-partition topic; when one leaves, the other two take its partitions over without giving
// up any of theirs (no stop-the-world rebalance). A classic-protocol group is upgraded
// online, member by member, while it keeps consuming. The group's state survives a restart.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { RdkafkaConsumer } from '../helpers/rdkafka.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const CREATE_TOPICS = 19;
const LIST_GROUPS = 16;
const CONSUMER_GROUP_DESCRIBE = 69;
const OVERRIDES = { 'group.consumer.heartbeat.interval.ms': '250', 'group.initial.rebalance.delay.ms': '300', 'offsets.topic.num.partitions': '3' };

let broker: RunningBroker;
let dir: string;
const consumers: RdkafkaConsumer[] = [];

beforeAll(async () => {
  dir = tempDir();
  broker = await startBroker({ dir, overrides: OVERRIDES });
  const c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 4, {
    topics: [['kip-six', 6], ['kip-upgrade', 4], ['kip-down', 4], ['kip-re-a', 2], ['kip-re-b', 1]].map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000, validateOnly: false,
  });
  c.close();
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0, 0, 0, 0]);
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

function consumer(name: string, group: string, topic: string, protocol: 'consumer' | 'classic'): RdkafkaConsumer {
  const config: Record<string, string | number> = { 'bootstrap.servers': broker.bootstrap, 'group.id': group, 'client.id': name, 'group.protocol': protocol };
  if (protocol === 'classic') Object.assign(config, { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 250 });
  const c = new RdkafkaConsumer(name, config, [topic]);
  consumers.push(c);
  return c;
}

/** One record per partition, keyed by its partition, with kcat. */
async function produceOnePerPartition(topic: string, partitions: number, tag: string): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const r = await run('kcat', ['-b', broker.bootstrap, '-t', topic, '-p', String(p), '-P'], 20_000, `${tag}-${p}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
}

const union = (...cs: RdkafkaConsumer[]) => cs.flatMap((c) => c.assignment).sort();
const all = (topic: string, n: number) => Array.from({ length: n }, (_, p) => `${topic}:${p}`).sort();
const values = (c: RdkafkaConsumer, from = 0) => c.events.slice(from).filter((e) => e.event === 'message').map((e) => e.value);

async function describeGroup(groupId: string): Promise<any> {
  const c = await RawClient.connect(broker.port);
  try {
    return (await c.request(CONSUMER_GROUP_DESCRIBE, 0, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0];
  } finally {
    c.close();
  }
}

/** Polls ConsumerGroupDescribe until the group is in `state` (members acknowledge at their next heartbeat). */
async function waitForState(groupId: string, state: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await describeGroup(groupId)).groupState;
    if (last === state) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`group ${groupId} is ${last}, not ${state}`);
}

async function listGroups(types: string[]): Promise<{ groupId: string; groupType: string; groupState: string; protocolType: string }[]> {
  const c = await RawClient.connect(broker.port);
  try {
    return (await c.request(LIST_GROUPS, 5, { statesFilter: [], typesFilter: types })).groups;
  } finally {
    c.close();
  }
}

describe('librdkafka 2.12 with group.protocol=consumer', () => {
  it('three members split a 6-partition topic; when one leaves, the others take its partitions without giving up theirs', async () => {
    await produceOnePerPartition('kip-six', 6, 'first');
    const [a, b, c] = ['a', 'b', 'c'].map((n) => consumer(`kip-${n}`, 'kip-split', 'kip-six', 'consumer'));
    await a.waitFor('three members share six partitions two by two', () =>
      [a, b, c].every((x) => x.assignment.length === 2) && union(a, b, c).join() === all('kip-six', 6).join());
    // Nothing committed yet: a partition moved while joining is read again by its new owner (at least once).
    const first = () => new Set([...values(a), ...values(b), ...values(c)]);
    await a.waitFor('every first record consumed', () => first().size === 6);
    expect([...first()].sort()).toEqual(Array.from({ length: 6 }, (_, p) => `first-${p}`));

    await waitForState('kip-split', 'Stable');
    const described = await describeGroup('kip-split');
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable', assignorName: 'uniform' });
    expect(described.members).toHaveLength(3);
    for (const m of described.members) {
      expect(m.memberEpoch).toBe(described.assignmentEpoch);
      expect(m.assignment.topicPartitions[0]).toMatchObject({ topicName: 'kip-six' });
      expect(m.assignment.topicPartitions[0].partitions).toHaveLength(2);
    }
    // strom consumer-groups shows the protocol, the epochs and each member's assignments.
    const strom = async (...args: string[]) => {
      const r = await run(process.execPath, [STROM, 'consumer-groups', '--bootstrap-server', broker.bootstrap, ...args], 30_000);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    };
    expect(await strom('--list', '--type')).toContainEqual(['kip-split', 'Consumer']);
    const state = await strom('--describe', '--group', 'kip-split', '--state');
    expect(state[0]).toEqual(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS']);
    expect(state[1]).toEqual(['kip-split', expect.stringContaining(`:${broker.port} (1)`), 'uniform', 'Stable', String(described.groupEpoch), String(described.assignmentEpoch), '3']);
    const members = (await strom('--describe', '--group', 'kip-split', '--members', '--verbose')).filter((r) => r.length > 1);
    expect(members[0]).toEqual(['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT']);
    expect(members.slice(1).map((m) => m[3]).sort()).toEqual(['kip-a', 'kip-b', 'kip-c']);
    for (const m of members.slice(1)) {
      expect(m[4]).toBe('2');
      expect(m[5]).toBe(String(described.assignmentEpoch));
      expect(m[6]).toMatch(/^kip-six\(\d,\d\)$/);
      expect(m[8]).toBe(m[6]);
    }
    const listed = await listGroups(['consumer']);
    expect(listed.find((g) => g.groupId === 'kip-split')).toMatchObject({ groupType: 'consumer', protocolType: 'consumer', groupState: 'Stable' });
    expect((await listGroups(['classic'])).map((g) => g.groupId)).not.toContain('kip-split');

    // c commits what it read (OffsetCommit v9 with its member epoch), then leaves.
    const commits = c.events.length;
    c.send('commit');
    await c.waitFor('its commit', () => c.events.slice(commits).some((e) => e.event === 'committed' || e.event === 'error'));
    expect(c.events.slice(commits).filter((e) => e.event === 'error')).toEqual([]);
    const before = { a: [...a.assignment], b: [...b.assignment] };
    const mark = { a: a.events.length, b: b.events.length };
    await c.close();
    await a.waitFor('the two left take all six partitions', () => a.assignment.length === 3 && b.assignment.length === 3 && union(a, b).join() === all('kip-six', 6).join());
    // No stop-the-world: neither gave up a partition; each only gained c's.
    for (const [x, from, had] of [[a, mark.a, before.a], [b, mark.b, before.b]] as const) {
      expect(x.events.slice(from).filter((e) => e.event === 'revoked')).toEqual([]);
      expect(x.assignment).toEqual(expect.arrayContaining(had));
    }
    await produceOnePerPartition('kip-six', 6, 'second');
    const second = () => [...values(a, mark.a), ...values(b, mark.b)].filter((v) => v?.startsWith('second-')).sort();
    await a.waitFor('the second records consumed by the two', () => new Set(second()).size === 6);
    expect(second()).toEqual(Array.from({ length: 6 }, (_, p) => `second-${p}`));
    const after = await describeGroup('kip-split');
    expect(after.members).toHaveLength(2);
    expect(after.groupEpoch).toBeGreaterThan(described.groupEpoch);
  });

  it('upgrades a classic-protocol group online, one member at a time, while it consumes and commits', async () => {
    await produceOnePerPartition('kip-upgrade', 4, 'one');
    const a = consumer('up-a', 'kip-up', 'kip-upgrade', 'classic');
    const b = consumer('up-b', 'kip-up', 'kip-upgrade', 'classic');
    await a.waitFor('two classic members share four partitions', () => a.assignment.length > 0 && b.assignment.length > 0 && union(a, b).join() === all('kip-upgrade', 4).join());
    expect((await listGroups([])).find((g) => g.groupId === 'kip-up')).toMatchObject({ groupType: 'classic', groupState: 'Stable' });

    // b restarts on the consumer protocol: the group converts and a stays in it as a classic member.
    await b.close();
    const b2 = consumer('up-b2', 'kip-up', 'kip-upgrade', 'consumer');
    await b2.waitFor('the consumer member and the classic member share the partitions', () =>
      a.assignment.length === 2 && b2.assignment.length === 2 && union(a, b2).join() === all('kip-upgrade', 4).join());
    await waitForState('kip-up', 'Stable');
    const mixed = await describeGroup('kip-up');
    expect(mixed.errorCode).toBe(0);
    expect(mixed.members.map((m: { clientId: string }) => m.clientId).sort()).toEqual(['up-a', 'up-b2']);
    expect((await listGroups(['consumer'])).map((g) => g.groupId)).toContain('kip-up');
    // The classic member reads and commits inside the consumer group (its generation is its member epoch).
    const read = a.events.length;
    await produceOnePerPartition('kip-upgrade', 4, 'mid');
    await a.waitFor('a record read by the classic member', () => values(a, read).some((v) => v?.startsWith('mid-')));
    const commits = a.events.length;
    a.send('commit');
    await a.waitFor('a commit', () => a.events.slice(commits).some((e) => e.event === 'committed' || e.event === 'error'));
    expect(a.events.slice(commits).filter((e) => e.event === 'error')).toEqual([]);

    // a restarts on the consumer protocol too: the group is all consumer-protocol members.
    await a.close();
    const a2 = consumer('up-a2', 'kip-up', 'kip-upgrade', 'consumer');
    await a2.waitFor('both consumer members share the partitions', () =>
      a2.assignment.length === 2 && b2.assignment.length === 2 && union(a2, b2).join() === all('kip-upgrade', 4).join());
    await produceOnePerPartition('kip-upgrade', 4, 'two');
    await a2.waitFor('the new records consumed', () => [...values(a2), ...values(b2)].filter((v) => v?.startsWith('two-')).length === 4);
    const upgraded = await describeGroup('kip-up');
    expect(upgraded.members.map((m: { clientId: string }) => m.clientId).sort()).toEqual(['up-a2', 'up-b2']);
  });

  it('downgrades online when the last consumer-protocol member leaves a group of classic members', async () => {
    const a = consumer('down-a', 'kip-down', 'kip-down', 'classic');
    await a.waitFor('the classic member holds every partition', () => a.assignment.length === 4);
    const b = consumer('down-b', 'kip-down', 'kip-down', 'consumer');
    await b.waitFor('the two protocols share the partitions', () => a.assignment.length === 2 && b.assignment.length === 2);
    expect((await listGroups([])).find((g) => g.groupId === 'kip-down')?.groupType).toBe('consumer');
    await b.close();
    // The group is classic again and its classic member rebalances to take everything back.
    await a.waitFor('the classic member holds every partition again', () => a.assignment.length === 4);
    expect((await listGroups([])).find((g) => g.groupId === 'kip-down')).toMatchObject({ groupType: 'classic', groupState: 'Stable' });
    await produceOnePerPartition('kip-down', 4, 'after');
    await a.waitFor('the records read by the classic member', () => values(a).filter((v) => v?.startsWith('after-')).length === 4);
  });

  it('subscribes by regex: librdkafka sends ^patterns as ConsumerGroupHeartbeat v1\'s regex', async () => {
    const r = consumer('re', 'kip-regex', '^kip-re-.*', 'consumer');
    await r.waitFor('the partitions of both matching topics', () => r.assignment.join() === ['kip-re-a:0', 'kip-re-a:1', 'kip-re-b:0'].join());
    expect((await describeGroup('kip-regex')).members[0].subscribedTopicRegex).toBe('(^kip-re-.*)');
  });
});
