// The controller's reassignments and elections against a real etcd: a reassignment written
// into the partition state (adding/removing replicas), completed when the leader reports the
// new replicas in its ISR (controller.alterPartition, as the replication code calls it),
// cancelled, refused with Kafka's errors, and finished by the next controller when the first
// one is gone; ElectLeaders preferred and unclean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3, type Namespace } from 'etcd3';
import { MetadataImage } from '../../src/cluster/image.js';
import { BrokerRegistry } from '../../src/cluster/registry.js';
import { ControllerElection } from '../../src/cluster/election.js';
import { Controller } from '../../src/cluster/controller.js';
import { ClusterTopics } from '../../src/cluster/topics.js';
import { ongoingReassignments } from '../../src/cluster/reassignment.js';
import { KEYS, type BrokerRegistration, type PartitionState } from '../../src/cluster/model.js';
import { ELECTION_PREFERRED, ELECTION_UNCLEAN } from '../../src/broker/cluster-view.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startEtcd, stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('etcd-server');
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const registration = (id: number): BrokerRegistration => ({ id, rack: null, incarnation: `run-${id}-${Math.random()}`, endpoints: [] });

let client: Etcd3;
let ns: Namespace;
let image: MetadataImage;
let topics: ClusterTopics;
const registries = new Map<number, BrokerRegistry>();
/** A controller campaigning as broker `id`, started once elected. */
async function controllerOf(id: number) {
  const election = new ControllerElection(ns, registries.get(id)!.lease, id, () => {}, () => {});
  const running = election.run();
  await waitFor(`broker ${id} controls`, () => election.record !== null, { timeoutMs: 15_000 });
  const controller = new Controller(ns, image, election, { uncleanLeaderElection: () => false }, quiet);
  controller.start();
  await controller.schedule();
  return { controller, election, running };
}
let first: Awaited<ReturnType<typeof controllerOf>>;

beforeAll(async () => {
  const etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  ns = client.namespace('/r/');
  image = await MetadataImage.load(ns);
  for (const id of [1, 2, 3, 4]) registries.set(id, await BrokerRegistry.register(ns, registration(id), 2000, () => {}));
  await waitFor('four brokers', () => image.brokers.size === 4);
  topics = new ClusterTopics(ns, image);
  first = await controllerOf(1);
});
afterAll(async () => {
  first?.controller.stop();
  await first?.election.stop();
  await image?.close();
  client?.close();
  await stopEtcds();
});

/** A topic of one partition on `replicas`, and a way to read its state. */
async function topic(name: string, replicas: number[]) {
  const { record } = await topics.create(name, 1, replicas.length, {}, [replicas]);
  await waitFor(`${name} created`, () => image.partition(record.id, 0) !== undefined);
  return { id: record.id, state: () => image.partition(record.id, 0)! };
}
/** What the leader's replication code does when followers catch up: AlterPartition with the larger ISR. */
const expandIsr = (controller: Controller, id: string, s: PartitionState, isr: number[]) =>
  controller.alterPartition(id, 0, s.leader, s.leaderEpoch, s.partitionEpoch, isr);

describe('reassignments in the controller', () => {
  it('start with the target and the removed replicas, complete when the new replicas are in the ISR, the leader moving off a removed broker', async () => {
    const { controller } = first;
    const t = await topic('move', [1, 2, 3]);
    const before = t.state();
    expect(await controller.alterPartitionReassignments([{ topic: 'move', partition: 0, replicas: [2, 3, 4] }]))
      .toEqual([{ topic: 'move', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    // Written in etcd, not only in this image: what a new controller would read.
    const stored = JSON.parse((await ns.get(KEYS.partition(t.id, 0)).string())!) as PartitionState;
    expect(stored).toEqual({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3], replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], partitionEpoch: before.partitionEpoch + 1 });
    expect(ongoingReassignments(image, null)).toEqual([{ topic: 'move', partition: 0, replicas: [2, 3, 4, 1], adding: [4], removing: [1] }]);
    expect(ongoingReassignments(image, [{ topic: 'move', partition: 1 }, { topic: 'nope', partition: 0 }])).toEqual([]);

    // The leader's ISR grows by 4: the reassignment completes in the same write.
    const after = await expandIsr(controller, t.id, t.state(), [1, 2, 3, 4]);
    expect(after).toEqual({ leader: 2, leaderEpoch: 1, isr: [2, 3, 4], replicas: [2, 3, 4], partitionEpoch: before.partitionEpoch + 2 });
    await waitFor('the image has the completed reassignment', () => t.state().partitionEpoch === after.partitionEpoch);
    expect(t.state()).toMatchObject(after);
    expect(t.state().addingReplicas).toBeUndefined();
    expect(ongoingReassignments(image, null)).toEqual([]);
  });

  it('an ISR change that leaves an added replica out does not complete it', async () => {
    const { controller } = first;
    const t = await topic('slow', [1, 2, 3]);
    await controller.alterPartitionReassignments([{ topic: 'slow', partition: 0, replicas: [1, 4, 3] }]);
    const shrunk = await expandIsr(controller, t.id, t.state(), [1, 3]);
    expect(shrunk).toMatchObject({ replicas: [1, 4, 3, 2], isr: [1, 3], addingReplicas: [4], removingReplicas: [2] });
    await waitFor('the image has it', () => t.state().partitionEpoch === shrunk.partitionEpoch);
    const done = await expandIsr(controller, t.id, t.state(), [1, 3, 4]);
    expect(done).toMatchObject({ replicas: [1, 4, 3], isr: [1, 4, 3], leader: 1 });
  });

  it('cancel: the replicas before it, then NO_REASSIGNMENT_IN_PROGRESS', async () => {
    const { controller } = first;
    const t = await topic('undo', [1, 2, 3]);
    await controller.alterPartitionReassignments([{ topic: 'undo', partition: 0, replicas: [1, 2, 4] }]);
    expect(t.state()).toMatchObject({ replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3] });
    expect(await controller.alterPartitionReassignments([{ topic: 'undo', partition: 0, replicas: null }]))
      .toEqual([{ topic: 'undo', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(t.state()).toMatchObject({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 });
    expect(t.state().addingReplicas).toBeUndefined();
    expect(await controller.alterPartitionReassignments([{ topic: 'undo', partition: 0, replicas: null }]))
      .toEqual([{ topic: 'undo', partition: 0, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No ongoing reassignment for undo-0.' }]);
  });

  it('refuses bad targets with Kafka\'s errors, partition by partition', async () => {
    const { controller } = first;
    await topic('bad', [1, 2]);
    const results = await controller.alterPartitionReassignments([
      { topic: 'bad', partition: 0, replicas: [] },
      { topic: 'bad', partition: 0, replicas: [1, 1] },
      { topic: 'bad', partition: 0, replicas: [1, 9] },
      { topic: 'bad', partition: 5, replicas: [1, 2] },
      { topic: 'absent', partition: 0, replicas: [1, 2] },
      { topic: 'bad', partition: 0, replicas: [2, 1] },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE,
    ]);
    expect(results[2].errorMessage).toBe('The manual partition assignment includes broker 9, but no such broker is registered.');
  });

  it('a new controller finishes a reassignment the last one started', async () => {
    const t = await topic('handover', [2, 3]);
    await first.controller.alterPartitionReassignments([{ topic: 'handover', partition: 0, replicas: [3, 4] }]);
    expect(t.state()).toMatchObject({ replicas: [3, 4, 2], addingReplicas: [4], removingReplicas: [2] });
    // The first controller goes (its broker's lease ends); broker 3 takes over from etcd alone.
    first.controller.stop();
    await first.election.stop();
    await first.running;
    const next = await controllerOf(3);
    try {
      await expect(first.controller.alterPartitionReassignments([])).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER });
      const moving = t.state();
      expect(moving.leader).toBe(2);
      const done = await expandIsr(next.controller, t.id, moving, [2, 3, 4]);
      expect(done).toMatchObject({ replicas: [3, 4], isr: [3, 4], leader: 3, leaderEpoch: moving.leaderEpoch + 1 });
      // A state written with every added replica already in the ISR (a controller that stopped
      // before completing it) is completed by the controller's next pass.
      const u = await topic('stale', [1, 2]);
      const s = u.state();
      const written = { leader: 1, leaderEpoch: 0, isr: [1, 2, 4], replicas: [4, 2, 1], addingReplicas: [4], removingReplicas: [1], partitionEpoch: s.partitionEpoch + 1 };
      await ns.put(KEYS.partition(u.id, 0)).value(JSON.stringify(written));
      await waitFor('the stale state in the image', () => u.state().partitionEpoch === written.partitionEpoch);
      await next.controller.reconcile();
      await waitFor('completed by the new controller', () => u.state().addingReplicas === undefined);
      expect(u.state()).toMatchObject({ replicas: [4, 2], isr: [2, 4], leader: 4, leaderEpoch: 1 });
    } finally {
      next.controller.stop();
      await next.election.stop();
      await next.running;
      first = await controllerOf(1);
    }
  });
});

describe('ElectLeaders in the controller', () => {
  it('preferred: the first replica leads where it is alive and in the ISR; elsewhere PREFERRED_LEADER_NOT_AVAILABLE or ELECTION_NOT_NEEDED', async () => {
    const { controller } = first;
    const t = await topic('pref', [1, 2, 3]);
    const s = t.state();
    // Leadership moved away (the preferred replica dropped from the ISR, then back).
    const shrunk = await expandIsr(controller, t.id, s, [1, 2]);
    await waitFor('shrunk', () => t.state().partitionEpoch === shrunk.partitionEpoch);
    expect(await controller.electLeaders(ELECTION_PREFERRED, [{ topic: 'pref', partition: 0 }]))
      .toEqual([{ topic: 'pref', partition: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' }]);
    await controller.alterPartitionReassignments([{ topic: 'pref', partition: 0, replicas: [3, 1, 2] }]);
    expect(t.state()).toMatchObject({ replicas: [3, 1, 2], leader: 1, isr: [1, 2] });
    expect((await controller.electLeaders(ELECTION_PREFERRED, [{ topic: 'pref', partition: 0 }]))[0])
      .toMatchObject({ errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'The preferred leader 3 is not in the ISR.' });
    const grown = await expandIsr(controller, t.id, t.state(), [1, 2, 3]);
    await waitFor('grown', () => t.state().partitionEpoch === grown.partitionEpoch);
    // Asked for every partition: only the elected are answered.
    const all = await controller.electLeaders(ELECTION_PREFERRED, null);
    expect(all.filter((r) => r.topic === 'pref')).toEqual([{ topic: 'pref', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(all.every((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED)).toBe(true);
    expect(t.state()).toMatchObject({ leader: 3, leaderEpoch: s.leaderEpoch + 1 });
    expect((await controller.electLeaders(ELECTION_PREFERRED, [{ topic: 'pref', partition: 4 }]))[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
  });

  it('unclean: a leaderless partition gets a live replica outside its ISR; a led one needs none', async () => {
    const { controller } = first;
    const t = await topic('dirty', [4, 2]);
    const s = t.state();
    const shrunk = await expandIsr(controller, t.id, s, [4]);
    await waitFor('shrunk', () => t.state().partitionEpoch === shrunk.partitionEpoch);
    expect((await controller.electLeaders(ELECTION_UNCLEAN, [{ topic: 'dirty', partition: 0 }]))[0]).toMatchObject({ errorCode: ErrorCode.ELECTION_NOT_NEEDED });
    // Broker 4, the only ISR member, dies: no leader (unclean election is off for the topic).
    await registries.get(4)!.lease.revoke();
    await waitFor('no leader', () => t.state().leader === -1, { timeoutMs: 10_000 });
    expect((await controller.electLeaders(ELECTION_PREFERRED, [{ topic: 'dirty', partition: 0 }]))[0]).toMatchObject({ errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE });
    expect(await controller.electLeaders(ELECTION_UNCLEAN, [{ topic: 'dirty', partition: 0 }]))
      .toEqual([{ topic: 'dirty', partition: 0, errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(t.state()).toMatchObject({ leader: 2, isr: [2], leaderEpoch: s.leaderEpoch + 1 });
  });
});
