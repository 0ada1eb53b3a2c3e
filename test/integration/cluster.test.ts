// Three brokers on a real etcd, driven by real clients: membership and metadata (live
// brokers, the controller, leaders spread over the brokers, topic ids), topics created,
// extended, re-configured and deleted through any broker and applied by every one, records
// produced and read back through the partitions' leaders. And the ways a cluster start
// fails with a clear message (zookeeper.connect, an etcd that is not there, a log directory
// of another cluster); a transactional id's coordinator found at the leader of its partition
// of __transaction_state, the other brokers answering NOT_COORDINATOR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startCluster, type RunningCluster } from '../helpers/cluster.js';
import { cleanupDirs, run, startBroker, tempDir } from '../helpers/broker.js';
import { freePort, stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';
import { partitionFor } from '../../src/group/records.js';
import { ErrorCode } from '../../src/protocol/errors.js';

requireExternal('etcd-server');
const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
let cluster: RunningCluster;
let kafka: Kafka;
let admin: Admin;
beforeAll(async () => {
  cluster = await startCluster(3);
  kafka = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stopAll();
  await stopEtcds();
  cleanupDirs();
});

/** Which brokers hold a replica directory of the partition. */
const holders = (topic: string, partition: number) =>
  cluster.brokers.filter((b) => b && existsSync(join(b.dir, `${topic}-${partition}`))).map((b) => cluster.brokers.indexOf(b) + 1);

describe('a cluster on etcd', () => {
  it('lists its three live brokers and one controller, from any broker', async () => {
    for (const b of cluster.brokers) {
      const md = await run('kcat', ['-b', b!.bootstrap, '-L', '-J'], 20_000);
      const parsed = JSON.parse(md.stdout) as { brokers: { id: number }[]; controllerid: number };
      expect(parsed.brokers.map((x) => x.id).sort()).toEqual([1, 2, 3]);
      expect([1, 2, 3]).toContain(parsed.controllerid);
    }
    const described = await admin.describeCluster();
    expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    expect(described.clusterId).toMatch(/^[\w-]{22}$/);
  });

  it('spreads a topic\'s partitions over the brokers; every broker holds what it leads and answers the same metadata', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6 }] })).toBe(true);
    const md = await admin.fetchTopicMetadata({ topics: ['spread'] });
    const partitions = md.topics[0].partitions;
    expect(partitions).toHaveLength(6);
    expect(new Set(partitions.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    await waitFor('each leader holds its partition, nobody else', () => partitions.every((p) => holders('spread', p.partitionId).join() === String(p.leader)));
    const ids = await Promise.all(cluster.brokers.map(async (b) => {
      const r = await run('kcat', ['-b', b!.bootstrap, '-L', '-J', '-t', 'spread'], 20_000);
      const t = (JSON.parse(r.stdout) as { topics: { partitions: { partition: number; leader: number }[] }[] }).topics[0];
      return t.partitions.map((p) => `${p.partition}:${p.leader}`).sort().join();
    }));
    expect(new Set(ids).size).toBe(1);
  });

  it('produces through the leaders and reads every record back (kafkajs)', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: 'spread', messages, acks: -1 });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('spread');
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(300);
    expect(offsets.filter((o) => Number(o.high) > 0).length).toBeGreaterThan(3);
    const consumer = kafka.consumer({ groupId: 'spread-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'spread', fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value!.toString()); } });
    await waitFor('300 records read', () => seen.size === 300, { timeoutMs: 30_000 });
    await consumer.disconnect();
  });

  it('finds a transactional id\'s coordinator at the leader of its partition of __transaction_state; the others answer NOT_COORDINATOR', async () => {
    const raw = await RawClient.connect(cluster.broker(1).port);
    const others: RawClient[] = [];
    try {
      let found: any;
      // The first lookup creates __transaction_state; its leaders take their role a moment later.
      await waitFor('a transaction coordinator', async () => {
        found = await raw.request(10, 3, { key: 'tx-in-a-cluster', keyType: 1, coordinatorKeys: [] });
        return found.errorCode === ErrorCode.NONE;
      }, { timeoutMs: 30_000 });
      const topic = (await admin.fetchTopicMetadata({ topics: ['__transaction_state'] })).topics[0];
      const partition = topic.partitions.find((p) => p.partitionId === partitionFor('tx-in-a-cluster', topic.partitions.length))!;
      expect(found.nodeId).toBe(partition.leader);
      expect(partition.replicas.length).toBe(3);
      let init: any;
      for (const id of [1, 2, 3]) {
        const c = await RawClient.connect(cluster.broker(id).port);
        others.push(c);
        if (id === found.nodeId) {
          await waitFor('the coordinator has loaded its partition', async () => {
            init = await c.request(22, 4, { transactionalId: 'tx-in-a-cluster', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
            return init.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && init.errorCode !== ErrorCode.NOT_COORDINATOR;
          }, { timeoutMs: 30_000 });
          expect(init.errorCode).toBe(ErrorCode.NONE);
        } else {
          const elsewhere = await c.request(22, 4, { transactionalId: 'tx-in-a-cluster', transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
          expect(elsewhere.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
        }
      }
      const idempotent = await raw.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      expect(idempotent.errorCode).toBe(ErrorCode.NONE); // idempotent producers are served by any broker
    } finally {
      raw.close();
      for (const c of others) c.close();
    }
  });


  it('takes topic changes through any broker: more partitions, configs, deletion, and a re-creation with a new id', async () => {
    const via = (id: number) => new Kafka({ brokers: [cluster.broker(id).bootstrap], logLevel: logLevel.NOTHING }).admin();
    const two = via(2);
    const three = via(3);
    await two.connect();
    await three.connect();
    try {
      await two.createTopics({ topics: [{ topic: 'changing', numPartitions: 2 }] });
      const firstId = await topicId('changing');
      await three.createPartitions({ topicPartitions: [{ topic: 'changing', count: 5 }] });
      await waitFor('five partitions, each held by one broker', () => [0, 1, 2, 3, 4].every((p) => holders('changing', p).length === 1));
      expect((await admin.fetchTopicMetadata({ topics: ['changing'] })).topics[0].partitions).toHaveLength(5);

      await two.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'changing', configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
      for (const b of [1, 2, 3]) {
        const a = via(b);
        await a.connect();
        const d = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'changing', configNames: ['retention.ms'] }] });
        await a.disconnect();
        expect(d.resources[0].configEntries[0].configValue).toBe('7200000');
      }

      await three.deleteTopics({ topics: ['changing'] });
      await waitFor('no broker holds a replica of the deleted topic', () => [0, 1, 2, 3, 4].every((p) => holders('changing', p).length === 0));
      await two.createTopics({ topics: [{ topic: 'changing', numPartitions: 1 }] });
      const secondId = await topicId('changing');
      expect(secondId).not.toBe(firstId);
      await waitFor('the new topic held', () => holders('changing', 0).length === 1);
    } finally {
      await two.disconnect();
      await three.disconnect();
    }
  });
});

/** A topic's id as `strom topics --describe` shows it. */
async function topicId(topic: string): Promise<string> {
  const r = await run(process.execPath, [STROM, 'topics', '--bootstrap-server', cluster.broker(1).bootstrap, '--describe', '--topic', topic], 20_000);
  const id = /TopicId: (\S+)/.exec(r.stdout)?.[1];
  if (!id) throw new Error(`no topic id in: ${r.stdout}${r.stderr}`);
  return id;
}

describe('starting a cluster broker', () => {
  it('finds each group\'s coordinator at the leader of its partition of __consumer_offsets', async () => {
    const c = await RawClient.connect(cluster.broker(1).port);
    try {
      const groups = await c.request(10, 4, { key: '', keyType: 0, coordinatorKeys: ['g-a', 'g-b', 'g-c', 'g-d'] });
      const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
      const leaderOf = new Map(md.topics[0].partitions.map((p) => [p.partitionId, p.leader]));
      for (const k of groups.coordinators) expect([k.key, k.errorCode, k.nodeId]).toEqual([k.key, 0, leaderOf.get(partitionFor(k.key, leaderOf.size))]);
    } finally {
      c.close();
    }
  });

  it('refuses zookeeper.connect, pointing to etcd.connect', async () => {
    await expect(startBroker({ overrides: { 'zookeeper.connect': 'localhost:2181' } })).rejects.toThrow(/zookeeper\.connect.*etcd\.connect/s);
  });

  it('fails clearly when etcd cannot be reached', async () => {
    const port = await freePort();
    await expect(startBroker({ overrides: { 'etcd.connect': `http://127.0.0.1:${port}`, 'broker.session.timeout.ms': '2000' } }))
      .rejects.toThrow(new RegExp(`cannot join the cluster: etcd at http://127.0.0.1:${port} \\(etcd.connect\\) cannot be reached`));
  });

  it('refuses a log directory of another cluster', async () => {
    const dir = tempDir();
    const alone = await startBroker({ dir, overrides: { 'node.id': '7' } });
    await alone.stop();
    await expect(startBroker({ dir, overrides: { 'node.id': '7', 'etcd.connect': cluster.etcd.endpoint } })).rejects.toThrow(/belongs to cluster .* but the cluster in etcd/);
    expect(readdirSync(dir)).toContain('meta.properties');
  });
});
