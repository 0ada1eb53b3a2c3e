// A Strom cluster on one machine for the cluster tests: a fresh etcd and N brokers (the real
// broker processes, as users run them), each on a fixed loopback port so that a broker
// killed and started again comes back at the address the others know.
import { startBroker, tempDir, type RunningBroker } from './broker.js';
import { freePort, startEtcd, type RunningEtcd } from './etcd.js';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { waitFor } from './wait.js';

/** Waits until the broker's metadata lists `count` live brokers. */
async function seesAll(bootstrap: string, count: number): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // And a controller: kafkajs sends CreateTopics to the controller Metadata names and gives up on -1.
    // kafkajs's describeCluster reads every topic's metadata and throws (after its retries)
    // while a partition has no leader, as one whose only replica is the broker starting has.
    await waitFor(`${bootstrap} sees ${count} brokers and a controller`, async () => {
      let d: Awaited<ReturnType<Admin['describeCluster']>>;
      try {
        d = await admin.describeCluster();
      } catch {
        return false;
      }
      return d.brokers.length >= count && d.controller !== null && d.controller >= 0;
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition's leader serves it (ListOffsets answered): Metadata names a
 * new topic's leaders as soon as etcd has them, a moment before those brokers take the role,
 * and kafkajs answers a NOT_LEADER_OR_FOLLOWER on one partition by sending the whole batch
 * set again (written twice where it had succeeded).
 */
export async function leadersServe(admin: Admin, topic: string): Promise<void> {
  await waitFor(`the leaders of ${topic} serve it`, async () => {
    try {
      await admin.fetchTopicOffsets(topic);
      return true;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000 });
}

export interface RunningCluster {
  etcd: RunningEtcd;
  /** brokers[i] has node.id i + 1; null while stopped. */
  brokers: (RunningBroker | null)[];
  /** Every broker's address, comma-separated. */
  bootstrap: string;
  broker(id: number): RunningBroker;
  /** Starts broker `id` again on its port and log directory (after stop or kill). */
  restart(id: number): Promise<RunningBroker>;
  stop(id: number): Promise<void>;
  kill(id: number): Promise<void>;
  /** Stops every broker (SIGTERM). */
  stopAll(): Promise<void>;
}

/** `perBroker`: overrides of one broker (by node id), after `overrides`. */
export async function startCluster(size: number, overrides: Record<string, string> = {}, perBroker: (id: number, port: number) => Record<string, string> = () => ({})): Promise<RunningCluster> {
  const etcd = await startEtcd();
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort());
  const dirs = ports.map(() => tempDir('strom-cluster-'));
  const launch = (id: number) => startBroker({
    dir: dirs[id - 1],
    overrides: {
      'node.id': String(id), listeners: `PLAINTEXT://127.0.0.1:${ports[id - 1]}`, 'http.listeners': '',
      'etcd.connect': etcd.endpoint, 'broker.session.timeout.ms': '3000', ...overrides, ...perBroker(id, ports[id - 1]),
    },
  });
  const brokers: (RunningBroker | null)[] = await Promise.all(ports.map((_, i) => launch(i + 1)));
  // Each broker learns the others through its watch: wait until every one lists them all.
  await Promise.all(brokers.map((b) => seesAll(b!.bootstrap, size)));
  const cluster: RunningCluster = {
    etcd, brokers,
    bootstrap: ports.map((p) => `127.0.0.1:${p}`).join(','),
    broker: (id) => {
      const b = brokers[id - 1];
      if (!b) throw new Error(`broker ${id} is not running`);
      return b;
    },
    restart: async (id) => {
      const b = await launch(id);
      brokers[id - 1] = b;
      await seesAll(b.bootstrap, brokers.filter((x) => x !== null).length);
      return b;
    },
    stop: async (id) => {
      await brokers[id - 1]?.stop();
      brokers[id - 1] = null;
    },
    kill: async (id) => {
      await brokers[id - 1]?.kill();
      brokers[id - 1] = null;
    },
    stopAll: async () => {
      await Promise.all(brokers.map((b) => b?.stop()));
      brokers.fill(null);
    },
  };
  return cluster;
}
