// The peer watch (broker.failure.probe.enable) on three brokers and a real etcd, with a
// session timeout of 30 s so that a lease's expiry cannot be what the tests see: a leader
// killed with kill -9 is out of the cluster and its partition led again well before its lease
// could expire, a producer's acks=all write is acknowledged by the new leader, and the broker
// restarted registers at once and is watched again; a killed controller is replaced as fast;
// a stalled broker (SIGSTOP) keeps its registration and its leaderships.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { leadersServe, startCluster, type RunningCluster } from '../helpers/cluster.js';
import { cleanupDirs, run } from '../helpers/broker.js';
import { stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { sleep, waitFor } from '../helpers/wait.js';

requireExternal('etcd-server', 'kcat');

/** Far longer than any wait below: what the tests see is never the lease's expiry. */
const SESSION_TIMEOUT_MS = 30_000;
/** How long the tests wait for a killed broker to be out (without the peer watch it takes SESSION_TIMEOUT_MS). */
const NOTICED_WITHIN_MS = 15_000;

let cluster: RunningCluster | null = null;
let etcd: Etcd3 | null = null;

afterEach(async () => {
  etcd?.close();
  etcd = null;
  await cluster?.stopAll();
  cluster = null;
});
afterAll(async () => {
  await stopEtcds();
  cleanupDirs();
});

async function start(): Promise<{ c: RunningCluster; kafka: Kafka; kv: ReturnType<Etcd3['namespace']> }> {
  cluster = await startCluster(3, { 'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS), 'replica.fetch.backoff.ms': '200' });
  etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
  const kafka = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  return { c: cluster, kafka, kv: etcd.namespace('/strom/') };
}

interface Metadata {
  brokers: { id: number }[];
  controllerid: number;
  topics: { topic: string; partitions?: { partition: number; leader: number }[] }[];
}

/** Metadata as one broker answers it (kcat). */
async function metadata(bootstrap: string, topic?: string): Promise<Metadata> {
  const r = await run('kcat', ['-b', bootstrap, '-L', '-J', ...(topic ? ['-t', topic] : [])], 20_000);
  return JSON.parse(r.stdout) as Metadata;
}

/** An RF 3 topic of one partition needing two replicas in sync, served by its leader; that leader's id. */
async function replicatedTopic(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    await leadersServe(admin, topic);
    let leader = -1;
    await waitFor(`${topic} led`, async () => {
      leader = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions[0].leader;
      return leader > 0;
    });
    return leader;
  } finally {
    await admin.disconnect();
  }
}

/** Produces one record to partition 0 with acks=all, and expects it acknowledged. */
async function produce(kafka: Kafka, topic: string, value: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const [result] = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
    expect(result.errorCode).toBe(0);
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the brokers other than `dead` no longer list it (each asked in turn), bounded by NOTICED_WITHIN_MS. */
async function noticedDead(c: RunningCluster, dead: number, also: (md: Metadata) => boolean = () => true, topic?: string): Promise<void> {
  const others = [1, 2, 3].filter((id) => id !== dead && c.brokers[id - 1]);
  await waitFor(`brokers ${others.join(', ')} to see broker ${dead} gone`, async () => {
    for (const id of others) {
      const md = await metadata(c.broker(id).bootstrap, topic);
      if (md.brokers.some((b) => b.id === dead) || !also(md)) return false;
    }
    return true;
  }, { timeoutMs: NOTICED_WITHIN_MS, intervalMs: 100 });
}

const deadLine = (id: number) => new RegExp(`broker ${id} \\(incarnation [\\w-]+\\) is dead: its inter-broker listener`);

describe('the peer watch', () => {
  it('takes a leader killed with kill -9 out of the cluster at once; the new leader acknowledges acks=all; back, it is watched again', async () => {
    const { c, kafka, kv } = await start();
    const leader = await replicatedTopic(kafka, 'fast');
    await produce(kafka, 'fast', 'before');
    const before = JSON.parse((await kv.get(`brokers/${leader}`).string())!) as { incarnation: string };

    await c.kill(leader);
    await noticedDead(c, leader, (md) => {
      const now = md.topics[0]?.partitions?.[0]?.leader ?? -1;
      return now > 0 && now !== leader;
    }, 'fast');
    expect(await kv.get(`brokers/${leader}`).string()).toBeNull();
    await produce(kafka, 'fast', 'after');
    const survivors = [1, 2, 3].filter((id) => id !== leader);
    const logs = survivors.flatMap((id) => c.broker(id).output);
    expect(logs.some((l) => deadLine(leader).test(l))).toBe(true);
    expect(logs.filter((l) => l.includes('revoking its registration\'s lease failed'))).toEqual([]);

    // Its old lease is gone: the restart registers without waiting for it, as a new incarnation.
    await c.restart(leader);
    const again = JSON.parse((await kv.get(`brokers/${leader}`).string())!) as { incarnation: string };
    expect(again.incarnation).not.toBe(before.incarnation);
    // The others connect to the new registration as they see it (within milliseconds on loopback).
    await sleep(1000);
    await c.kill(leader);
    await noticedDead(c, leader);
    expect(await kv.get(`brokers/${leader}`).string()).toBeNull();
  }, 60_000);

  it('replaces a controller killed with kill -9 at once', async () => {
    const { c, kv } = await start();
    const controller = (await metadata(c.bootstrap)).controllerid;
    expect([1, 2, 3]).toContain(controller);
    await c.kill(controller);
    await noticedDead(c, controller, (md) => md.controllerid > 0 && md.controllerid !== controller);
    const record = JSON.parse((await kv.get('controller').string())!) as { id: number };
    expect(record.id).not.toBe(controller);
    const logs = [1, 2, 3].filter((id) => id !== controller).flatMap((id) => c.broker(id).output);
    expect(logs.some((l) => deadLine(controller).test(l))).toBe(true);
    // Both survivors found the port refusing; the one that revoked second is not an error.
    expect(logs.filter((l) => l.includes('revoking its registration\'s lease failed'))).toEqual([]);
  }, 60_000);

  it('leaves a stalled broker (SIGSTOP) registered, with its leaderships', async () => {
    const { c, kafka, kv } = await start();
    const leader = await replicatedTopic(kafka, 'stalled');
    const topicId = (JSON.parse((await kv.get('topics/stalled').string())!) as { id: string }).id;
    const registrationBefore = (await kv.get(`brokers/${leader}`).exec()).kvs[0];
    const stateBefore = JSON.parse((await kv.get(`partitions/${topicId}/0`).string())!) as { leader: number; leaderEpoch: number };
    const stalled = c.broker(leader);
    stalled.process.kill('SIGSTOP');
    try {
      // Its kernel still accepts connections for it: nothing refuses.
      const accepted = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: stalled.port });
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      });
      expect(accepted).toBe(true);
      await sleep(3000);
    } finally {
      stalled.process.kill('SIGCONT');
    }
    const registrationAfter = (await kv.get(`brokers/${leader}`).exec()).kvs[0];
    expect(registrationAfter).toBeDefined();
    // Never deleted and written again: the same key, under the same lease, of the same run.
    expect(registrationAfter.create_revision).toBe(registrationBefore.create_revision);
    expect(registrationAfter.lease).toBe(registrationBefore.lease);
    expect(registrationAfter.value.toString()).toBe(registrationBefore.value.toString());
    const stateAfter = JSON.parse((await kv.get(`partitions/${topicId}/0`).string())!) as { leader: number; leaderEpoch: number };
    expect(stateAfter).toMatchObject({ leader: stateBefore.leader, leaderEpoch: stateBefore.leaderEpoch });
    await produce(kafka, 'stalled', 'after the stall');
    expect((await metadata(c.bootstrap, 'stalled')).topics[0].partitions![0].leader).toBe(leader);
    const logs = [1, 2, 3].filter((id) => id !== leader).flatMap((id) => c.broker(id).output);
    expect(logs.filter((l) => deadLine(leader).test(l))).toEqual([]);
  }, 60_000);
});
