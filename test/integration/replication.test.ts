// Replication in a cluster of three brokers on a real etcd: followers fetch from leaders,
// the high watermark waits for the ISR, acks=all waits for it, and the logs of the replicas
// end up byte for byte the same. Failover: leaders killed with SIGKILL while an idempotent
// librdkafka producer (acks=all) writes; every acknowledged record is read back once, in
// order, and the replicas match. Followers killed: the ISR shrinks, acks=all producers get
// NOT_ENOUGH_REPLICAS below min.insync.replicas, acks=1 goes on; back, they catch up and
// rejoin the ISR.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { leadersServe, startCluster, type RunningCluster } from '../helpers/cluster.js';
import { cleanupDirs, python, run } from '../helpers/broker.js';
import { stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';
import { partitionFor } from '../../src/group/records.js';
import { KafkaProxy } from '../helpers/kafka-proxy.js';

requireExternal('etcd-server', 'kcat', 'python3-confluent-kafka');

let cluster: RunningCluster | null = null;
let admin: Admin | null = null;

afterEach(async () => {
  await admin?.disconnect();
  admin = null;
  await cluster?.stopAll();
  cluster = null;
});
afterAll(async () => {
  await stopEtcds();
  cleanupDirs();
});

const FAST = { 'replica.lag.time.max.ms': '3000', 'replica.fetch.backoff.ms': '200', 'replica.fetch.wait.max.ms': '200' };

async function start(overrides: Record<string, string> = {}): Promise<{ c: RunningCluster; a: Admin; kafka: Kafka }> {
  cluster = await startCluster(3, { ...FAST, ...overrides });
  const kafka = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  admin = kafka.admin();
  await admin.connect();
  return { c: cluster, a: admin, kafka };
}

/** The bytes of a replica's log (every segment, in order). */
function logBytes(dir: string, topic: string, partition: number): Buffer {
  const pdir = join(dir, `${topic}-${partition}`);
  return Buffer.concat(readdirSync(pdir).filter((f) => f.endsWith('.log')).sort().map((f) => readFileSync(join(pdir, f))));
}

interface PartitionMeta { partitionId: number; leader: number; replicas: number[]; isr: number[] }

/** The topic's partitions as metadata has them (asked again while a broker does not know the topic yet, or a leader just died). */
async function partitions(a: Admin, topic: string): Promise<PartitionMeta[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return ((await a.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions as PartitionMeta[]).sort((x, y) => x.partitionId - y.partitionId);
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Waits until every replica's log of the topic is the same bytes as its leader's, and returns the leaders' logs. */
async function replicasMatch(c: RunningCluster, a: Admin, topic: string, count: number): Promise<Buffer[]> {
  const logs: Buffer[] = [];
  await waitFor(`replicas of ${topic} byte for byte the same`, async () => {
    logs.length = 0;
    for (let p = 0; p < count; p++) {
      const bytes = [1, 2, 3].map((id) => logBytes(c.broker(id).dir, topic, p));
      if (!bytes.every((b) => b.equals(bytes[0]))) return false;
      logs.push(bytes[0]);
    }
    const meta = await partitions(a, topic);
    return meta.every((m) => m.isr.length === 3);
  }, { timeoutMs: 30_000 });
  return logs;
}

const PRODUCER = `
import sys, json, time
from confluent_kafka import Producer
bootstrap, topic, count, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
acks = sys.argv[5] if len(sys.argv) > 5 else 'all'
p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': acks == 'all', 'acks': acks, 'linger.ms': 5,
              'message.timeout.ms': 90000, 'request.timeout.ms': 5000, 'retry.backoff.ms': 100, 'reconnect.backoff.max.ms': 500,
              'topic.metadata.refresh.interval.ms': 1000})
acked = {}
errors = []
def on_delivery(err, msg):
    if err: errors.append(err.name())
    else: acked.setdefault(msg.partition(), []).append(msg.value().decode())
for i in range(count):
    while True:
        try:
            p.produce(topic, value=('r-%d' % i).encode(), partition=i % partitions, on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
    if i % 20 == 0:
        time.sleep(0.02)
left = p.flush(100)
print(json.dumps({'acked': acked, 'errors': errors[:20], 'left': left}))
`;

async function consumeAll(bootstrap: string, topic: string, partition: number, count: number): Promise<string[]> {
  const r = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-c', String(count), '-e', '-f', '%s\\n', '-q'], 60_000);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('replication', () => {
  it('copies every record to every replica, byte for byte, and acks=all waits for the ISR', async () => {
    const { c, a, kafka } = await start();
    await a.createTopics({ topics: [{ topic: 'rep', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await leadersServe(a, 'rep');
    await waitFor('every partition led, ISR of 3', async () => (await partitions(a, 'rep')).every((p) => p.leader > 0 && p.isr.length === 3));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'rep', acks: -1, messages: Array.from({ length: 30 }, (_, j) => ({ key: `k${j % 7}`, value: `v${i * 30 + j}` })) });
    }
    await producer.disconnect();
    const offsets = await a.fetchTopicOffsets('rep');
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(300);
    const logs = await replicasMatch(c, a, 'rep', 3);
    expect(logs.every((l) => l.length > 0)).toBe(true);
    // The leader epoch each follower learnt is checkpointed beside its log.
    for (const id of [1, 2, 3]) expect(readFileSync(join(c.broker(id).dir, 'rep-0', 'leader-epoch-checkpoint'), 'utf8')).toMatch(/^0\n1\n0 0\n$/);
  }, 120_000);

  it('loses no acknowledged record while leaders are killed in turn (idempotent acks=all, librdkafka)', async () => {
    const { c, a } = await start();
    await a.createTopics({ topics: [{ topic: 'failover', numPartitions: 2, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await leadersServe(a, 'failover');
    await waitFor('led, ISR of 3', async () => (await partitions(a, 'failover')).every((p) => p.leader > 0 && p.isr.length === 3));
    const count = 3000;
    const producing = python(PRODUCER, [c.bootstrap, 'failover', String(count), '2'], 180_000);
    // Kill the leader of each partition in turn, with SIGKILL, and bring it back.
    for (const p of [0, 1]) {
      await new Promise((r) => setTimeout(r, 1500));
      const leader = (await partitions(a, 'failover'))[p].leader;
      await c.kill(leader);
      await waitFor(`partition ${p} led by another broker`, async () => {
        try {
          const l = (await partitions(a, 'failover'))[p].leader;
          return l > 0 && l !== leader;
        } catch {
          return false;
        }
      }, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 1000));
      await c.restart(leader);
    }
    const out = await producing;
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as { acked: Record<string, string[]>; errors: string[]; left: number };
    expect(result.left).toBe(0);
    const acked = [0, 1].map((p) => result.acked[String(p)] ?? []);
    expect(acked[0].length + acked[1].length).toBeGreaterThan(count * 0.9);
    for (const p of [0, 1]) {
      const read = await consumeAll(c.bootstrap, 'failover', p, acked[p].length);
      // Every acknowledged record, once, in the order acknowledged.
      expect(new Set(read).size).toBe(read.length);
      const readSet = new Set(read);
      expect(acked[p].filter((v) => !readSet.has(v))).toEqual([]);
      const order = read.filter((v) => acked[p].includes(v));
      expect(order).toEqual(acked[p]);
    }
    await replicasMatch(c, a, 'failover', 2);
  }, 240_000);

  it('shrinks the ISR when followers die; acks=all then fails below min.insync.replicas while acks=1 goes on; back, they rejoin', async () => {
    const { c, a, kafka } = await start();
    await a.createTopics({ topics: [{ topic: 'isr', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await leadersServe(a, 'isr');
    await waitFor('ISR of 3', async () => (await partitions(a, 'isr'))[0].isr.length === 3);
    const leader = (await partitions(a, 'isr'))[0].leader;
    const followers = [1, 2, 3].filter((id) => id !== leader);
    const viaLeader = new Kafka({ brokers: [c.broker(leader).bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = viaLeader.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await c.kill(followers[0]);
    await waitFor('ISR of 2', async () => (await partitions(a, 'isr'))[0].isr.length === 2, { timeoutMs: 20_000 });
    await producer.send({ topic: 'isr', acks: -1, messages: [{ value: 'with two' }] });
    await c.kill(followers[1]);
    await waitFor('ISR of 1', async () => (await partitions(a, 'isr'))[0].isr.length === 1, { timeoutMs: 20_000 });
    await expect(producer.send({ topic: 'isr', acks: -1, messages: [{ value: 'refused' }] })).rejects.toMatchObject({ cause: { type: 'NOT_ENOUGH_REPLICAS' } });
    await producer.send({ topic: 'isr', acks: 1, messages: [{ value: 'acks=1' }] });
    await producer.disconnect();
    await c.restart(followers[0]);
    await c.restart(followers[1]);
    await replicasMatch(c, a, 'isr', 1);
    const read = await consumeAll(c.bootstrap, 'isr', 0, 2);
    expect(read).toEqual(['with two', 'acks=1']);
  }, 120_000);

  it('keeps a consumer group\'s committed offsets when its coordinator dies: the group moves with its partition of __consumer_offsets', async () => {
    const { c, a, kafka } = await start({ 'offsets.topic.num.partitions': '4' });
    await a.createTopics({ topics: [{ topic: 'orders', numPartitions: 2, replicationFactor: 3 }] });
    await leadersServe(a, 'orders');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: `first-${i}` })) });
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
    await waitFor('100 records read', () => seen.length >= 100, { timeoutMs: 30_000 });
    await consumer.disconnect(); // commits
    const committed = await a.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(committed[0].partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(100);

    // The coordinator: the leader of the group's partition of __consumer_offsets.
    const partition = partitionFor('billing', 4);
    const coordinator = (await partitions(a, '__consumer_offsets'))[partition].leader;
    expect((await partitions(a, '__consumer_offsets'))[partition].isr).toHaveLength(3);
    await c.kill(coordinator);
    await waitFor('another coordinator', async () => {
      try {
        const l = (await partitions(a, '__consumer_offsets'))[partition].leader;
        return l > 0 && l !== coordinator;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000 });
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `second-${i}` })) });
    await producer.disconnect();
    const after = await a.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    expect(after[0].partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(100);
    // A new member resumes where the group left off: only the 20 new records.
    const resumed: string[] = [];
    const again = kafka.consumer({ groupId: 'billing', sessionTimeout: 10_000 });
    await again.connect();
    await again.subscribe({ topic: 'orders', fromBeginning: true });
    await again.run({ eachMessage: async ({ message }) => { resumed.push(message.value!.toString()); } });
    await waitFor('20 new records read', () => resumed.length >= 20, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await again.disconnect();
    expect(resumed.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `second-${i}`).sort());
  }, 120_000);

  it('drops a follower cut off from its leader out of the ISR; healed, it catches up and matches the leader byte for byte', async () => {
    // Broker 1 is reached through a proxy (its advertised listener), which can cut broker 2's replica fetches alone.
    const proxy = await KafkaProxy.start();
    try {
      // The proxy leads to broker 1 before it starts: the cluster's start asks every broker,
      // through the addresses Metadata advertises, for the brokers and the controller.
      cluster = await startCluster(3, { ...FAST, 'replica.lag.time.max.ms': '2000', 'broker.session.timeout.ms': '10000' },
        (id, port) => {
          if (id !== 1) return {};
          proxy.targetPort = port;
          return { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` };
        });
      const c = cluster;
      const kafka = new Kafka({ brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
      admin = kafka.admin();
      const a = admin;
      await a.connect();
      await a.createTopics({ topics: [{ topic: 'cut', replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }] });
      await leadersServe(a, 'cut');
      await waitFor('led by 1, ISR of 3', async () => {
        const [p] = await partitions(a, 'cut');
        return p.leader === 1 && p.isr.length === 3;
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'cut', acks: -1, messages: [{ value: 'before' }] });
      proxy.cutClient = (clientId) => clientId === 'strom-replica-2';
      for (let i = 0; i < 10; i++) await producer.send({ topic: 'cut', acks: 1, messages: [{ value: `during-${i}` }] });
      await waitFor('broker 2 out of the ISR', async () => (await partitions(a, 'cut'))[0].isr.join() === '1,3', { timeoutMs: 20_000 });
      expect(proxy.cuts).toBeGreaterThan(0);
      await producer.send({ topic: 'cut', acks: -1, messages: [{ value: 'without 2' }] });
      proxy.cutClient = () => false;
      await producer.disconnect();
      await replicasMatch(c, a, 'cut', 1);
      expect(await consumeAll(c.bootstrap, 'cut', 0, 12)).toEqual(['before', ...Array.from({ length: 10 }, (_, i) => `during-${i}`), 'without 2']);
    } finally {
      await admin?.disconnect();
      admin = null;
      await cluster?.stopAll();
      cluster = null;
      await proxy.close();
    }
  }, 120_000);

  it('cuts a returning replica\'s divergent tail back to its new leader\'s log (leader epochs, KIP-101)', async () => {
    const { c, a, kafka } = await start();
    await a.createTopics({
      topics: [{ topic: 'diverge', replicaAssignment: [{ partition: 0, replicas: [1, 2] }], configEntries: [{ name: 'unclean.leader.election.enable', value: 'true' }] }],
    });
    await waitFor('led by 1, ISR of 2', async () => {
      const [p] = await partitions(a, 'diverge');
      return p.leader === 1 && p.isr.length === 2;
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'diverge', acks: -1, messages: [{ value: 'common' }] });
    // Broker 2 goes; broker 1 alone takes records 2 never gets.
    await c.kill(2);
    await waitFor('ISR of 1', async () => (await partitions(a, 'diverge'))[0].isr.join() === '1', { timeoutMs: 20_000 });
    await producer.send({ topic: 'diverge', acks: 1, messages: [{ value: 'lost-1' }, { value: 'lost-2' }] });
    // Broker 1 goes, broker 2 returns and leads uncleanly (a new epoch) with its shorter log, and takes new records.
    await c.kill(1);
    await c.restart(2);
    await waitFor('led by 2', async () => (await partitions(a, 'diverge').catch(() => [{ leader: -1 }]))[0].leader === 2, { timeoutMs: 30_000 });
    await producer.send({ topic: 'diverge', acks: 1, messages: [{ value: 'new-1' }] });
    await producer.disconnect();
    // Broker 1 returns as a follower: its records of the old epoch past 2's log go, and it copies 2's.
    await c.restart(1);
    await waitFor('both logs the same bytes', () => logBytes(c.broker(1).dir, 'diverge', 0).equals(logBytes(c.broker(2).dir, 'diverge', 0)), { timeoutMs: 30_000 });
    expect(await consumeAll(c.bootstrap, 'diverge', 0, 2)).toEqual(['common', 'new-1']);
    const epochs = readFileSync(join(c.broker(1).dir, 'diverge-0', 'leader-epoch-checkpoint'), 'utf8').trim().split('\n').slice(2);
    expect(epochs.map((l) => Number(l.split(' ')[1]))).toEqual([0, 1]); // epoch 0 from offset 0; the new one from offset 1
  }, 120_000);
});
