// The controller against a real etcd (topics written by ClusterTopics in one guarded transaction):
// leaders elected from the ISR when a broker's lease ends, dead followers out of ISRs, a
// leaderless partition led again when an ISR member returns, ISR changes only from the
// current leader at the current epochs, preferred leaders on request.
import { afterAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { MetadataImage } from '../../src/cluster/image.js';
import { BrokerRegistry } from '../../src/cluster/registry.js';
import { ControllerElection } from '../../src/cluster/election.js';
import { Controller } from '../../src/cluster/controller.js';
import { ClusterTopics } from '../../src/cluster/topics.js';
import { KEYS, type BrokerRegistration } from '../../src/cluster/model.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ELECTION_PREFERRED } from '../../src/broker/cluster-view.js';
import { startEtcd, stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('etcd-server');
const clients: Etcd3[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await stopEtcds();
});
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const registration = (id: number): BrokerRegistration => ({ id, rack: null, incarnation: `run-${id}-${Math.random()}`, endpoints: [] });

/** A fresh etcd with brokers 1-3 registered under `prefix`, and an image that has seen them. */
async function threeBrokers(prefix: string) {
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  clients.push(client);
  const ns = client.namespace(prefix);
  const image = await MetadataImage.load(ns);
  const registries = new Map<number, BrokerRegistry>();
  for (const id of [1, 2, 3]) registries.set(id, await BrokerRegistry.register(ns, registration(id), 2000, () => {}));
  await waitFor('three brokers', () => image.brokers.size === 3);
  return { ns, image, registries };
}

describe('controller', () => {
  it('creates topics, elects leaders as brokers go and come, takes ISR changes from leaders only', async () => {
    const { ns, image, registries } = await threeBrokers('/c/');
    const election = new ControllerElection(ns, registries.get(1)!.lease, 1, () => {}, () => {});
    const running = election.run();
    await waitFor('broker 1 controls', () => election.record !== null);
    const controller = new Controller(ns, image, election, { uncleanLeaderElection: () => false }, quiet);
    controller.start();
    const topics = new ClusterTopics(ns, image);

    const { record: topic } = await topics.create('t', 6, 3, { 'min.insync.replicas': '2' });
    await expect(topics.create('t', 1, 1, {})).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS });
    await expect(topics.create('big', 1, 4, {})).rejects.toMatchObject({ code: ErrorCode.INVALID_REPLICATION_FACTOR });
    await waitFor('six partition states', () => [0, 1, 2, 3, 4, 5].every((p) => image.partition(topic.id, p)));
    const leaders = [0, 1, 2, 3, 4, 5].map((p) => image.partition(topic.id, p)!.leader);
    expect(new Set(leaders).size).toBe(3); // spread
    for (let p = 0; p < 6; p++) expect(image.partition(topic.id, p)).toMatchObject({ leaderEpoch: 0, isr: topic.replicas[p], partitionEpoch: 0 });

    // Broker 2 dies: its partitions get new leaders from their ISRs (epoch + 1); it leaves every ISR.
    await registries.get(2)!.lease.revoke();
    await waitFor('no partition led by 2, none with 2 in its ISR', () => [0, 1, 2, 3, 4, 5].every((p) => {
      const s = image.partition(topic.id, p)!;
      return s.leader !== 2 && !s.isr.includes(2);
    }), { timeoutMs: 10_000 });
    for (let p = 0; p < 6; p++) {
      const s = image.partition(topic.id, p)!;
      expect(s.leaderEpoch).toBe(leaders[p] === 2 ? 1 : 0);
      expect(s.isr.length).toBe(2);
    }
    // ISR changes come from the leader at its epochs only (partition q: one led by broker 3, not the controller).
    const q = [0, 1, 2, 3, 4, 5].find((p) => image.partition(topic.id, p)!.leader === 3)!;
    const s0 = image.partition(topic.id, q)!;
    await expect(controller.alterPartition(topic.id, q, 1, s0.leaderEpoch, s0.partitionEpoch, [1, 3])).rejects.toMatchObject({ code: ErrorCode.FENCED_LEADER_EPOCH });
    await expect(controller.alterPartition(topic.id, q, s0.leader, s0.leaderEpoch, s0.partitionEpoch + 5, s0.isr)).rejects.toMatchObject({ code: ErrorCode.INVALID_UPDATE_VERSION });
    await expect(controller.alterPartition(topic.id, q, s0.leader, s0.leaderEpoch, s0.partitionEpoch, [...s0.isr, 2])).rejects.toMatchObject({ code: ErrorCode.INELIGIBLE_REPLICA });
    const shrunk = await controller.alterPartition(topic.id, q, s0.leader, s0.leaderEpoch, s0.partitionEpoch, [s0.leader]);
    expect(shrunk).toMatchObject({ isr: [s0.leader], partitionEpoch: s0.partitionEpoch + 1 });

    // The last member of partition q's ISR dies: no leader (unclean election is off); back, it leads again.
    const last = s0.leader;
    await registries.get(last)!.lease.revoke();
    await waitFor('partition q without a leader', () => image.partition(topic.id, q)!.leader === -1, { timeoutMs: 10_000 });
    expect(image.partition(topic.id, q)!.isr).toEqual([last]);
    registries.set(last, await BrokerRegistry.register(ns, registration(last), 2000, () => {}));
    await waitFor('partition q led by its ISR member again', () => image.partition(topic.id, q)!.leader === last, { timeoutMs: 10_000 });

    // Broker 2 returns; preferred leaders move back where it is preferred and in the ISR.
    registries.set(2, await BrokerRegistry.register(ns, registration(2), 2000, () => {}));
    await waitFor('broker 2 back', () => image.brokers.has(2));
    for (let p = 0; p < 6; p++) {
      const s = image.partition(topic.id, p)!;
      if (s.isr.length < 3) await controller.alterPartition(topic.id, p, s.leader, s.leaderEpoch, s.partitionEpoch, s.replicas);
    }
    await waitFor('ISRs grown', () => [0, 1, 2, 3, 4, 5].every((p) => image.partition(topic.id, p)!.isr.length === 3));
    const results = await controller.electLeaders(ELECTION_PREFERRED, null);
    await waitFor('preferred leaders', () => [0, 1, 2, 3, 4, 5].every((p) => image.partition(topic.id, p)!.leader === topic.replicas[p][0]));
    expect(results.every((r) => r.errorCode === ErrorCode.NONE)).toBe(true);

    // Deletion removes the topic and its states.
    await topics.delete('t');
    await waitFor('topic gone', () => !image.topics.has('t') && image.partitions.size === 0);
    controller.stop();
    await election.stop();
    await running;
    await image.close();
  }, 60_000);

  it('takes up the controller key its own lease holds (a campaign whose answer was lost), and never another broker\'s', async () => {
    const etcd = await startEtcd();
    const client = new Etcd3({ hosts: etcd.endpoint });
    clients.push(client);
    const ns = client.namespace('/lost/');
    const mine = await BrokerRegistry.register(ns, registration(1), 2000, () => {});
    const theirs = await BrokerRegistry.register(ns, registration(2), 2000, () => {});
    // Broker 2's key: broker 1 waits for it to go.
    await theirs.lease.put(KEYS.controller).value(JSON.stringify({ id: 2, epoch: 1 }));
    const elected: number[] = [];
    const one = new ControllerElection(ns, mine.lease, 1, (r) => elected.push(r.epoch), () => {});
    const running = one.run();
    await new Promise((r) => setTimeout(r, 1500)); // a campaign or two
    expect(one.record).toBeNull(); // broker 2's key: not taken up
    await ns.delete().key(KEYS.controller);
    await waitFor('broker 1 elected', () => one.record !== null);
    await one.stop();
    await running;
    // What a won campaign leaves when its answer never came back: the key under broker 1's lease.
    const created = await mine.lease.put(KEYS.controller).value(JSON.stringify({ id: 1, epoch: 7 }));
    const again = new ControllerElection(ns, mine.lease, 1, (r) => elected.push(r.epoch), () => {});
    const rerun = again.run();
    await waitFor('broker 1 takes up its own key', () => again.record !== null, { timeoutMs: 5000 });
    expect(again.record).toEqual({ id: 1, epoch: 7 });
    expect(again.revision).toBe(created.header.revision);
    expect(elected).toEqual([1, 7]);
    // Its writes are fenced by that key: they go in.
    expect((await again.fenced().then(ns.put('probe').value('x')).commit()).succeeded).toBe(true);
    await again.stop();
    await rerun;
  }, 30_000);

  it('runs an election again until it is written, when writes fail (etcd errors, or lost to another writer)', async () => {
    const { ns, image, registries } = await threeBrokers('/retry/');
    /** Its next `failures` fenced writes fail, as writes whose guard another writer moved. */
    class FailingElection extends ControllerElection {
      failures = 0;
      fenced() {
        return this.failures-- > 0 ? ns.if(KEYS.controller, 'Create', '==', '-1') : super.fenced();
      }
    }
    const election = new FailingElection(ns, registries.get(1)!.lease, 1, () => {}, () => {});
    const running = election.run();
    await waitFor('broker 1 controls', () => election.record !== null);
    const controller = new Controller(ns, image, election, { uncleanLeaderElection: () => false }, quiet);
    controller.start();
    const { record: topic } = await new ClusterTopics(ns, image).create('r', 1, 3, {}, [[2, 1, 3]]);
    await waitFor('the partition state', () => image.partition(topic.id, 0)?.leader === 2);
    // More failures than any bounded run of quick retries: only passes run again later elect.
    election.failures = 8;
    await registries.get(2)!.lease.revoke();
    await waitFor('broker 1 leads, elected once the writes go in', () => image.partition(topic.id, 0)?.leader === 1, { timeoutMs: 15_000 });
    expect(election.failures).toBeLessThan(0);
    expect(image.partition(topic.id, 0)).toMatchObject({ leaderEpoch: 1, isr: [1, 3] });
    controller.stop();
    await election.stop();
    await running;
    await image.close();
  }, 30_000);
});
