// REST proxy v2 consumer instances as real group members (src/http/consumers.ts), against
// the real bundled broker over HTTP with fetch: instances of one group split the partitions
// (range assignor), hand them over when one is deleted or expires, share a group with a
// kafkajs consumer, and commit as members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, Kafka, logLevel, type Admin, type Consumer, type PartitionAssigner } from 'kafkajs';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { rangeAssign } from '../../src/consumer/range-assignor.js';

const V2 = 'application/vnd.kafka.v2+json';
const JSON_V2 = 'application/vnd.kafka.json.v2+json';
/** Short group timings so rebalances take a fraction of a second. */
const GROUP_OVERRIDES = {
  'group.initial.rebalance.delay.ms': '200',
  'group.min.session.timeout.ms': '1000',
  'http.consumer.session.timeout.ms': '3000',
  'http.consumer.heartbeat.interval.ms': '150',
};

let broker: RunningBroker;
let clusterId: string;
let kafka: Kafka;
let admin: Admin;
const consumers: Consumer[] = [];

interface Rec { topic: string; key: unknown; value: { i: number }; partition: number; offset: number }

function client(base: string) {
  const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': V2 }, body: JSON.stringify(body) });
  return {
    async createTopic(name: string, partitions: number) {
      expect((await post(`/v3/clusters/${clusterId}/topics`, { topic_name: name, partitions_count: partitions })).status).toBe(201);
    },
    /** Records {i} for i in [from, from + count), spread over `partitions` partitions in turn. */
    async produce(topic: string, from: number, count: number, partitions: number) {
      for (let p = 0; p < partitions; p++) {
        const records = [];
        for (let i = from + p; i < from + count; i += partitions) records.push({ value: { i } });
        if (records.length) expect((await post(`/topics/${topic}/partitions/${p}`, { records })).status).toBe(200);
      }
    },
    /** Creates an instance and returns its path. */
    async instance(group: string, name: string, reset = 'earliest'): Promise<string> {
      expect((await post(`/consumers/${group}`, { name, format: 'json', 'auto.offset.reset': reset })).status).toBe(200);
      return `/consumers/${group}/instances/${name}`;
    },
    async subscribe(inst: string, topics: string[]) {
      expect((await post(`${inst}/subscription`, { topics })).status).toBe(204);
    },
    /** The partitions of the instance's assignment, sorted. */
    async assigned(inst: string): Promise<number[]> {
      const res = await fetch(base + `${inst}/assignments`);
      expect(res.status).toBe(200);
      return ((await res.json()).partitions as { partition: number }[]).map((p) => p.partition).sort();
    },
    async records(inst: string, timeoutMs = 300): Promise<Rec[]> {
      const res = await fetch(base + `${inst}/records?timeout=${timeoutMs}`, { headers: { accept: JSON_V2 } });
      expect(res.status).toBe(200);
      return res.json();
    },
    commit: (inst: string) => post(`${inst}/offsets`, {}),
    remove: (inst: string) => fetch(base + inst, { method: 'DELETE' }),
  };
}

/** Both lists non-empty, disjoint, and together every partition 0..n-1. */
function splits(a: number[], b: number[], n: number): boolean {
  return a.length > 0 && b.length > 0 && [...a, ...b].sort().join() === Array.from({ length: n }, (_, i) => i).join();
}

/** Reads from each instance until `count` records came in all (bounded); returns them per instance. */
async function readAll(rest: ReturnType<typeof client>, insts: string[], count: number): Promise<Rec[][]> {
  const got: Rec[][] = insts.map(() => []);
  for (let round = 0; round < 50 && got.flat().length < count; round++) {
    for (const [i, inst] of insts.entries()) got[i].push(...await rest.records(inst));
  }
  for (const [i, inst] of insts.entries()) got[i].push(...await rest.records(inst, 300)); // and nothing more
  return got;
}

/** kafkajs has no range assignor; this one is Kafka's (src/consumer/range-assignor.ts), protocol name "range" as Java's. */
const rangeAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'range',
  version: 0,
  async assign({ members, topics }) {
    const subscriptions = new Map(members.map((m) => [m.memberId, AssignerProtocol.MemberMetadata.decode(m.memberMetadata)!.topics]));
    const counts = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length]));
    return [...rangeAssign(subscriptions, counts)].map(([memberId, assigned]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: Object.fromEntries(assigned.map((a) => [a.topic, a.partitions])), userData: Buffer.alloc(0) }),
    }));
  },
  protocol: ({ topics }) => ({ name: 'range', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }),
});

beforeAll(async () => {
  broker = await startBroker({ overrides: GROUP_OVERRIDES });
  clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
}, 30_000);

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  await admin?.disconnect();
  expect(await broker?.stop()).toBe(0);
  cleanupDirs();
});

describe('REST consumer instances in a group', () => {
  it('two instances split a 4-partition topic (range) and together read every record exactly once', async () => {
    const rest = client(broker.http);
    await rest.createTopic('split', 4);
    await rest.produce('split', 0, 40, 4);
    const a = await rest.instance('g-split', 'a');
    const b = await rest.instance('g-split', 'b');
    await rest.subscribe(a, ['split']);
    await rest.subscribe(b, ['split']);
    await waitFor('the instances to split the partitions', async () => splits(await rest.assigned(a), await rest.assigned(b), 4));
    // Range over member ids, which start with the instance names.
    expect(await rest.assigned(a)).toEqual([0, 1]);
    expect(await rest.assigned(b)).toEqual([2, 3]);
    const { groups } = await admin.describeGroups(['g-split']);
    expect(groups[0]).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(groups[0].members.map((m) => m.clientId).sort()).toEqual(['a', 'b']);

    const [fromA, fromB] = await readAll(rest, [a, b], 40);
    expect(fromA.every((r) => r.partition === 0 || r.partition === 1)).toBe(true);
    expect(fromB.every((r) => r.partition === 2 || r.partition === 3)).toBe(true);
    expect([...fromA, ...fromB].map((r) => r.value.i).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 30_000);

  it('deleting one instance hands its partitions to the other, which reads on from the committed offsets', async () => {
    const rest = client(broker.http);
    await rest.createTopic('handover', 4);
    await rest.produce('handover', 0, 8, 4);
    const a = await rest.instance('g-handover', 'a');
    const b = await rest.instance('g-handover', 'b');
    await rest.subscribe(a, ['handover']);
    await rest.subscribe(b, ['handover']);
    await waitFor('the instances to split the partitions', async () => splits(await rest.assigned(a), await rest.assigned(b), 4));
    const [fromA, fromB] = await readAll(rest, [a, b], 8);
    expect(fromA.length + fromB.length).toBe(8);
    // b commits as a member; a does not, so it only keeps its positions in memory.
    expect((await rest.commit(b)).status).toBe(204);
    expect((await rest.remove(b)).status).toBe(204);
    // Mid-rebalance a GET records answers (maybe nothing), never an error.
    await rest.records(a, 50);
    await waitFor('a to hold all four partitions', async () => (await rest.assigned(a)).join() === '0,1,2,3');
    await rest.produce('handover', 8, 8, 4);
    const [after] = await readAll(rest, [a], 8);
    // Exactly the new records: a's kept partitions resumed from its positions, b's from b's commits.
    expect(after.map((r) => r.value.i).sort((x, y) => x - y)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  }, 30_000);

  it('with auto.offset.reset=latest, starts its partitions when they are assigned, not at the first GET records', async () => {
    const rest = client(broker.http);
    await rest.createTopic('latest', 2);
    await rest.produce('latest', 0, 2, 2); // before the subscription: not read
    const inst = await rest.instance('g-latest', 'late', 'latest');
    await rest.subscribe(inst, ['latest']);
    await waitFor('the instance to hold both partitions', async () => (await rest.assigned(inst)).length === 2);
    await rest.produce('latest', 2, 2, 2);
    const [got] = await readAll(rest, [inst], 2);
    expect(got.map((r) => r.value.i).sort()).toEqual([2, 3]);
  }, 20_000);

  it('a new subscription rejoins the group with the new topics', async () => {
    const rest = client(broker.http);
    await rest.createTopic('resub-a', 2);
    await rest.createTopic('resub-b', 4);
    const inst = await rest.instance('g-resub', 'r');
    await rest.subscribe(inst, ['resub-a']);
    // Subscribe again while the first JoinGroup waits out group.initial.rebalance.delay.ms.
    let joining = false;
    for (let i = 0; i < 200 && !joining; i++) {
      const { groups } = await admin.describeGroups(['g-resub']);
      joining = groups[0].state === 'PreparingRebalance' && groups[0].members.length === 1;
      if (!joining) await sleep(5);
    }
    expect(joining).toBe(true);
    await rest.subscribe(inst, ['resub-a', 'resub-b']);
    const topics = async () => {
      const res = await (await fetch(broker.http + `${inst}/assignments`)).json();
      return (res.partitions as { topic: string; partition: number }[]).map((p) => `${p.topic}-${p.partition}`).sort().join();
    };
    await waitFor('the instance to hold both topics', async () => (await topics()) === 'resub-a-0,resub-a-1,resub-b-0,resub-b-1,resub-b-2,resub-b-3');
    await rest.subscribe(inst, ['resub-b']);
    await waitFor('the instance to drop the unsubscribed topic', async () => (await topics()) === 'resub-b-0,resub-b-1,resub-b-2,resub-b-3');
    const { groups } = await admin.describeGroups(['g-resub']);
    expect(groups[0].members).toHaveLength(1);
  }, 20_000);

  it('shares a group with a kafkajs consumer: they split the partitions and the instance commits as a member', async () => {
    const rest = client(broker.http);
    await rest.createTopic('mixed', 4);
    const inst = await rest.instance('g-mixed', 'rest');
    await rest.subscribe(inst, ['mixed']);
    await waitFor('the instance to hold all partitions', async () => (await rest.assigned(inst)).length === 4);

    const consumer = kafka.consumer({ groupId: 'g-mixed', partitionAssigners: [rangeAssigner], heartbeatInterval: 200, sessionTimeout: 6000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    let kafkajsAssigned: number[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => { kafkajsAssigned = [...(e.payload.memberAssignment.mixed ?? [])].sort(); });
    const seenByKafkajs: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'mixed', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seenByKafkajs.push(JSON.parse(message.value!.toString()).i); } });
    await waitFor('the instance and kafkajs to split the partitions', async () => splits(await rest.assigned(inst), kafkajsAssigned, 4));
    expect(kafkajsAssigned).toEqual([0, 1]); // "kafkajs-…" sorts before "rest-…"
    expect(await rest.assigned(inst)).toEqual([2, 3]);

    await rest.produce('mixed', 0, 16, 4);
    const [fromRest] = await readAll(rest, [inst], 8);
    expect(fromRest.map((r) => r.partition).sort()).toEqual([2, 2, 2, 2, 3, 3, 3, 3]);
    await waitFor('kafkajs to read its partitions', async () => seenByKafkajs.length >= 8);
    expect([...fromRest.map((r) => r.value.i), ...seenByKafkajs].sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i));

    const res = await rest.commit(inst);
    expect(await res.text()).toBe('');
    expect(res.status).toBe(204);
    const lags = await (await fetch(`${broker.http}/v3/clusters/${clusterId}/consumer-groups/g-mixed/lags`)).json();
    const rows = (lags.data as { partition_id: number; current_offset: number; lag: number; client_id: string }[]).filter((l) => l.partition_id >= 2).sort((x, y) => x.partition_id - y.partition_id);
    expect(rows).toMatchObject([{ partition_id: 2, current_offset: 4, lag: 0, client_id: 'rest' }, { partition_id: 3, current_offset: 4, lag: 0, client_id: 'rest' }]);
    const offsets = await admin.fetchOffsets({ groupId: 'g-mixed', topics: ['mixed'] });
    expect(offsets[0].partitions.filter((p) => p.partition >= 2).map((p) => p.offset)).toEqual(['4', '4']);
    await consumer.disconnect();
  }, 40_000);
});

describe('an expired instance', () => {
  let short: RunningBroker;
  afterAll(async () => {
    expect(await short?.stop()).toBe(0);
  });

  it('leaves its group when http.consumer.instance.timeout.ms passes, so the others take its partitions', async () => {
    short = await startBroker({ overrides: { ...GROUP_OVERRIDES, 'http.consumer.instance.timeout.ms': '1500' } });
    clusterId = ((await (await fetch(`${short.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
    const rest = client(short.http);
    await rest.createTopic('expiry', 4);
    const stay = await rest.instance('g-expiry', 'stay');
    const gone = await rest.instance('g-expiry', 'gone');
    await rest.subscribe(stay, ['expiry']);
    await rest.subscribe(gone, ['expiry']);
    await waitFor('the instances to split the partitions', async () => splits(await rest.assigned(stay), await rest.assigned(gone), 4));
    // From now on only `stay` is used (each request keeps it alive); `gone` expires, still heartbeating until then.
    await waitFor('stay to hold all four partitions', async () => (await rest.assigned(stay)).join() === '0,1,2,3', { timeoutMs: 10_000 });
    expect((await fetch(short.http + `${gone}/assignments`)).status).toBe(404);
    expect(short.output.join('\n')).toMatch(/REST consumer instance gone of group g-expiry expired/);
  }, 30_000);
});
