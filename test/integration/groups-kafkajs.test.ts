// kafkajs 2.2.4 consumer groups in-process against the broker: two members splitting a
// topic's partitions, seek, manual commits and resuming after them, and the admin group APIs
// (list, describe, delete, fetch/reset/set offsets).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, AssignerProtocol, type Admin, type Consumer, type EachMessagePayload } from 'kafkajs';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { sleep, waitFor } from '../helpers/wait.js';

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
const consumers: Consumer[] = [];

beforeAll(async () => {
  broker = await startBroker({
    overrides: { 'group.initial.rebalance.delay.ms': '300', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '3' },
  });
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  await admin.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

function consumer(groupId: string): Consumer {
  const c = kafka.consumer({ groupId, heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 100 } });
  consumers.push(c);
  return c;
}

async function produce(topic: string, messages: { partition?: number; key?: string; value: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function groupDescription(groupId: string) {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0];
}

describe('kafkajs consumer group', () => {
  it('two members split a 4-partition topic; every message is consumed once', async () => {
    const topic = 'kj-split';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const members = [consumer('kj-split-group'), consumer('kj-split-group')];
    const assignments: Record<string, number[]>[] = [{}, {}];
    const seen: { member: number; partition: number; offset: string; value: string }[] = [];
    for (const [i, c] of members.entries()) {
      c.on(c.events.GROUP_JOIN, (e) => { assignments[i] = e.payload.memberAssignment; });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
    }
    await Promise.all(members.map((c, i) => c.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        seen.push({ member: i, partition, offset: message.offset, value: message.value!.toString() });
      },
    })));
    // Both in one Stable generation, each with its share, before anything is produced.
    await waitFor('both members to share the partitions', async () => {
      const mine = assignments.map((a) => a[topic] ?? []);
      if (mine[0].length === 0 || mine[1].length === 0 || mine[0].length + mine[1].length !== 4) return false;
      const g = await groupDescription('kj-split-group');
      return g.state === 'Stable' && g.members.length === 2;
    });
    const owned = assignments.map((a) => a[topic]);
    expect([...owned[0], ...owned[1]].sort()).toEqual([0, 1, 2, 3]);

    const messages = Array.from({ length: 200 }, (_, i) => ({ partition: i % 4, value: `m${i}` }));
    await produce(topic, messages);
    await waitFor('200 messages', () => seen.length >= 200);
    await sleep(300); // anything consumed twice would show up now
    expect(seen).toHaveLength(200);
    expect(new Set(seen.map((s) => s.value)).size).toBe(200);
    for (const s of seen) expect(owned[s.member]).toContain(s.partition);
    expect(new Set(seen.map((s) => s.member))).toEqual(new Set([0, 1]));

    // The group as the admin client sees it: both members, their subscriptions and assignments decodable.
    const g = await groupDescription('kj-split-group');
    expect(g).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    const decoded = g.members.map((m) => ({
      metadata: AssignerProtocol.MemberMetadata.decode(m.memberMetadata),
      assignment: AssignerProtocol.MemberAssignment.decode(m.memberAssignment),
      clientHost: m.clientHost,
    }));
    for (const d of decoded) {
      expect(d.metadata!.topics).toEqual([topic]);
      expect(d.clientHost).toBe('/127.0.0.1');
    }
    expect(decoded.flatMap((d) => d.assignment!.assignment[topic]).sort()).toEqual([0, 1, 2, 3]);

    // While members are live the group cannot be deleted; once they leave it can.
    const refused = await rejection(admin.deleteGroups(['kj-split-group']));
    expect(refused.groups).toEqual([expect.objectContaining({ groupId: 'kj-split-group', errorCode: 68 })]);
    for (const c of members) await c.disconnect();
    expect((await groupDescription('kj-split-group')).state).toBe('Empty');
    expect(await admin.deleteGroups(['kj-split-group'])).toEqual([expect.objectContaining({ groupId: 'kj-split-group', errorCode: 0 })]);
    expect((await groupDescription('kj-split-group')).state).toBe('Dead');
  });

  it('seek to an earlier offset re-delivers from there', async () => {
    const topic = 'kj-seek';
    await admin.createTopics({ topics: [{ topic }] });
    await produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `s${i}` })));
    const c = consumer('kj-seek-group');
    const offsets: number[] = [];
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => { offsets.push(Number(message.offset)); } });
    await waitFor('the first pass', () => offsets.length >= 10);
    c.seek({ topic, partition: 0, offset: '3' });
    await waitFor('the re-delivery', () => offsets.length >= 17);
    await sleep(200);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 4, 5, 6, 7, 8, 9]);
    await c.disconnect();
  });

  it('manual commits: fetchOffsets shows them and a new member resumes after them', async () => {
    const topic = 'kj-commit';
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await produce(topic, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: `c${i}` })));
    const first = consumer('kj-commit-group');
    const got: { partition: number; offset: number }[] = [];
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ autoCommit: false, eachMessage: async ({ partition, message }) => { got.push({ partition, offset: Number(message.offset) }); } });
    await waitFor('20 messages', () => got.length >= 20);
    await first.commitOffsets([{ topic, partition: 0, offset: '6' }, { topic, partition: 1, offset: '8' }]);
    const fetched = await admin.fetchOffsets({ groupId: 'kj-commit-group', topics: [topic] });
    expect(fetched).toEqual([{ topic, partitions: expect.arrayContaining([{ partition: 0, offset: '6', metadata: null }, { partition: 1, offset: '8', metadata: null }]) }]);
    await first.disconnect();

    const second = consumer('kj-commit-group');
    const resumed: { partition: number; offset: number }[] = [];
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({ eachMessage: async ({ partition, message }) => { resumed.push({ partition, offset: Number(message.offset) }); } });
    await waitFor('the rest', () => resumed.length >= 6);
    await sleep(200);
    const byPartition = (p: number) => resumed.filter((r) => r.partition === p).map((r) => r.offset);
    expect(byPartition(0)).toEqual([6, 7, 8, 9]);
    expect(byPartition(1)).toEqual([8, 9]);
    await second.disconnect();
  });

  it('lists groups with their protocol type', async () => {
    const { groups } = await admin.listGroups();
    const byId = new Map(groups.map((g) => [g.groupId, g.protocolType]));
    expect(byId.get('kj-seek-group')).toBe('consumer');
    expect(byId.get('kj-commit-group')).toBe('consumer');
    expect(byId.has('kj-split-group')).toBe(false); // deleted
  });

  // kafkajs runs these through a paused consumer of its own that stops after its first fetch
  // (its default maxWaitTimeInMs, 5 s): this test is slow by kafkajs's design.
  it('resetOffsets and setOffsets on a stopped group; refused while a member runs', async () => {
    const groupId = 'kj-commit-group';
    const topic = 'kj-commit';
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '3' }] });
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([{ topic, partitions: expect.arrayContaining([
      { partition: 0, offset: '2', metadata: null }, { partition: 1, offset: '3', metadata: null },
    ]) }]);
    await admin.resetOffsets({ groupId, topic, earliest: true });
    // kafkajs commits the earliest sentinel (-2) and resolves it on use, as against Kafka.
    const reset = await admin.fetchOffsets({ groupId, topics: [topic], resolveOffsets: true });
    expect(reset).toEqual([{ topic, partitions: expect.arrayContaining([{ partition: 0, offset: '0', metadata: null }, { partition: 1, offset: '0', metadata: null }]) }]);

    const running = consumer(groupId);
    await running.connect();
    await running.subscribe({ topic, fromBeginning: true });
    await running.run({ eachMessage: async () => {} });
    await waitFor('the member to join', async () => (await groupDescription(groupId)).state === 'Stable');
    const refused = await rejection(admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] }));
    expect(String(refused.message)).toMatch(/must have no running instances, current state: Stable/);
    await running.disconnect();
  });
});
