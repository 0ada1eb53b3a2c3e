// The group coordinator at the byte level (classic protocol): FindCoordinator, the
// join/sync/heartbeat rebalance protocol, static membership, offsets and the admin group
// APIs, each asserting Kafka's exact error codes; then persistence across a clean restart
// and a kill -9. Every member is driven by hand with the raw client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { defaultJoinGroupRequest } from '../../src/protocol/generated/join-group.js';
import { encodeSubscription as subscription, encodeAssignment as assignment } from '../../src/protocol/consumer-protocol.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { sleep } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';

const OFFSET_COMMIT = 8, OFFSET_FETCH = 9, FIND_COORDINATOR = 10, JOIN_GROUP = 11, HEARTBEAT = 12, LEAVE_GROUP = 13,
  SYNC_GROUP = 14, DESCRIBE_GROUPS = 15, LIST_GROUPS = 16, CREATE_TOPICS = 19, DELETE_GROUPS = 42, OFFSET_DELETE = 47;

const OVERRIDES = {
  'group.initial.rebalance.delay.ms': '0',
  'group.min.session.timeout.ms': '500',
  'offsets.topic.num.partitions': '3',
  'group.max.size': '3',
  'offset.metadata.max.bytes': '100',
};

/** Raw connections to one broker: a request takes an idle one (or opens one), so requests that block (JoinGroup) never queue behind each other. */
class Clients {
  private idle: RawClient[] = [];
  private all: RawClient[] = [];
  constructor(readonly port: number) {}

  async call<T = any>(apiKey: number, version: number, body: unknown): Promise<T> {
    let c = this.idle.pop();
    if (!c) {
      c = await RawClient.connect(this.port);
      this.all.push(c);
    }
    const response = await c.request<T>(apiKey, version, body);
    this.idle.push(c); // only after an answer: a client that timed out is never reused
    return response;
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all = [];
    this.idle = [];
  }
}

let broker: RunningBroker;
let clients: Clients;
const call = <T = any>(apiKey: number, version: number, body: unknown) => clients.call<T>(apiKey, version, body);

beforeAll(async () => {
  broker = await startBroker({ overrides: OVERRIDES });
  clients = new Clients(broker.port);
  const created = await call(CREATE_TOPICS, 4, {
    topics: ['gp-a', 'gp-b'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 5000, validateOnly: false,
  });
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
});
afterAll(async () => {
  clients.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

// ---- Request builders -----------------------------------------------------------------

interface JoinOptions {
  memberId?: string;
  instanceId?: string | null;
  version?: number;
  protocolType?: string;
  protocols?: { name: string; metadata: Buffer }[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
}

const RANGE = [{ name: 'range', metadata: subscription(['gp-a']) }];

function join(groupId: string, o: JoinOptions = {}) {
  return call(JOIN_GROUP, o.version ?? 5, {
    ...defaultJoinGroupRequest(),
    groupId,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 5_000,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? RANGE,
  });
}

/** A new dynamic member's join at v4+: MEMBER_ID_REQUIRED with an id, then the join proper. */
async function joinNew(groupId: string, o: JoinOptions = {}) {
  const first = await join(groupId, o);
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return join(groupId, { ...o, memberId: first.memberId });
}

function sync(groupId: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = [], instanceId: string | null = null, version = 3) {
  return call(SYNC_GROUP, version, { groupId, generationId, memberId, groupInstanceId: instanceId, protocolType: null, protocolName: null, assignments });
}

const heartbeat = (groupId: string, generationId: number, memberId: string, instanceId: string | null = null) =>
  call(HEARTBEAT, 3, { groupId, generationId, memberId, groupInstanceId: instanceId }).then((r) => r.errorCode as number);

function commit(groupId: string, generationId: number, memberId: string, offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[], version = 7) {
  const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
    name,
    partitions: offsets.filter((o) => o.topic === name).map((o) => ({
      partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? null,
    })),
  }));
  return call(OFFSET_COMMIT, version, { groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1, topics })
    .then((r) => r.topics.flatMap((t: { partitions: { errorCode: number }[] }) => t.partitions.map((p) => p.errorCode)) as number[]);
}

/** OffsetFetch v2 as { "topic:partition": offset }. */
async function fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null = null, c: Clients = clients) {
  const r = await c.call(OFFSET_FETCH, 2, { groupId, topics, groups: [], requireStable: false });
  expect(r.errorCode).toBe(0);
  return flatten(r.topics);
}

function flatten(topics: { name: string; partitions: { partitionIndex: number; committedOffset: number }[] }[]): Record<string, number> {
  return Object.fromEntries(topics.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, p.committedOffset])));
}

const describeGroup = (groupId: string, c: Clients = clients) =>
  c.call(DESCRIBE_GROUPS, 4, { groups: [groupId], includeAuthorizedOperations: false }).then((r) => r.groups[0]);

/** One member alone in a new group, through join and sync: its generation and id. */
async function stableGroupOfOne(groupId: string, o: JoinOptions = {}) {
  const joined = o.instanceId ? await join(groupId, o) : await joinNew(groupId, o);
  expect(joined.errorCode).toBe(0);
  const synced = await sync(groupId, joined.generationId, joined.memberId, [{ memberId: joined.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [0, 1] }]) }], o.instanceId ?? null);
  expect(synced.errorCode).toBe(0);
  return { memberId: joined.memberId as string, generationId: joined.generationId as number };
}

/** Polls `probe` until `done` holds: at most 100 tries and 10 s. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 100 && Date.now() < deadline; i++) {
    const value = await probe();
    if (done(value)) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A Stable group of `n` dynamic members: one joins and syncs alone, the others join, the
 * first learns of the rebalance from its heartbeat and rejoins, then everyone syncs.
 */
async function stableGroup(groupId: string, n: number, o: JoinOptions = {}) {
  const first = await stableGroupOfOne(groupId, o);
  if (n === 1) return { generationId: first.generationId, members: [first.memberId] };
  const ids = await Promise.all(Array.from({ length: n - 1 }, () => join(groupId, o).then((r) => r.memberId as string)));
  const joining = ids.map((memberId) => join(groupId, { ...o, memberId }));
  expect(await until(() => heartbeat(groupId, first.generationId, first.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  const joined = await Promise.all([join(groupId, { ...o, memberId: first.memberId }), ...joining]);
  const generationId = joined[0].generationId as number;
  for (const j of joined) expect(j).toMatchObject({ errorCode: 0, generationId, leader: first.memberId });
  const members = joined.map((j) => j.memberId as string);
  const followers = members.slice(1).map((m) => sync(groupId, generationId, m));
  const leader = await sync(groupId, generationId, first.memberId, members.map((memberId, i) => ({ memberId, assignment: assignment([{ topic: 'gp-a', partitions: [i] }]) })));
  expect([leader, ...(await Promise.all(followers))].map((r) => r.errorCode)).toEqual(members.map(() => 0));
  return { generationId, members };
}

// ---- Tests -----------------------------------------------------------------------------

describe('FindCoordinator', () => {
  it('v0 names this broker for a group', async () => {
    const r = await call(FIND_COORDINATOR, 0, { key: 'gp-find', keyType: 0, coordinatorKeys: [] });
    expect(r).toMatchObject({ errorCode: 0, nodeId: 1, host: '127.0.0.1', port: broker.port });
  });

  it('v4 answers batched keys, for groups and for transactional ids (this broker)', async () => {
    const r = await call(FIND_COORDINATOR, 4, { key: '', keyType: 0, coordinatorKeys: ['gp-x', 'gp-y'] });
    expect(r.coordinators).toEqual([
      { key: 'gp-x', nodeId: 1, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null },
      { key: 'gp-y', nodeId: 1, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null },
    ]);
    const txn = await call(FIND_COORDINATOR, 4, { key: '', keyType: 1, coordinatorKeys: ['tx-1'] });
    expect(txn.coordinators[0]).toEqual({ key: 'tx-1', nodeId: 1, host: '127.0.0.1', port: broker.port, errorCode: 0, errorMessage: null });
    const txnV1 = await call(FIND_COORDINATOR, 1, { key: 'tx-1', keyType: 1, coordinatorKeys: [] });
    expect([txnV1.errorCode, txnV1.nodeId, txnV1.port]).toEqual([0, 1, broker.port]);
  });
});

describe('JoinGroup', () => {
  it('v4+: the first join is answered MEMBER_ID_REQUIRED with an id; the join with it succeeds', async () => {
    const first = await join('gp-join', { version: 5 });
    expect(first).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1 });
    expect(first.memberId).toMatch(/^raw-client-/);
    const second = await join('gp-join', { version: 5, memberId: first.memberId });
    expect(second).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', leader: first.memberId, memberId: first.memberId });
    expect(second.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: RANGE[0].metadata }]);
  });

  it('v0-3 join directly', async () => {
    for (const version of [0, 1, 2, 3]) {
      const r = await join(`gp-join-v${version}`, { version });
      expect(r.errorCode, `v${version}`).toBe(0);
      expect(r.memberId).not.toBe('');
      expect(r.leader).toBe(r.memberId);
    }
  });

  it('refuses session timeouts outside the broker bounds (INVALID_SESSION_TIMEOUT)', async () => {
    expect((await join('gp-timeout', { sessionTimeoutMs: 100 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join('gp-timeout', { sessionTimeoutMs: 1_800_001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
  });

  it('INCONSISTENT_GROUP_PROTOCOL for another protocol type, no common protocol, or none at all', async () => {
    await stableGroupOfOne('gp-incons');
    expect((await join('gp-incons', { protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join('gp-incons', { protocols: [{ name: 'roundrobin', metadata: subscription(['gp-a']) }] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join('gp-empty-protocols', { protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join('gp-empty-type', { protocolType: '' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('UNKNOWN_MEMBER_ID for an id the group does not know (or an unknown group)', async () => {
    await stableGroupOfOne('gp-unknown');
    expect((await join('gp-unknown', { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await join('gp-never-seen', { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });


  it('selects the protocol every member supports with the most first-choice votes', async () => {
    const p = (name: string) => ({ name, metadata: Buffer.from(name) });
    const A = [p('range'), p('roundrobin'), p('sticky')], B = [p('roundrobin'), p('range')], C = [p('custom'), p('roundrobin'), p('range')];
    const a = await stableGroupOfOne('gp-votes', { protocols: A });
    const [b, c] = await Promise.all([join('gp-votes', { protocols: B }), join('gp-votes', { protocols: C })]);
    const joining = [join('gp-votes', { memberId: b.memberId, protocols: B }), join('gp-votes', { memberId: c.memberId, protocols: C })];
    expect(await until(() => heartbeat('gp-votes', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const joined = await Promise.all([join('gp-votes', { memberId: a.memberId, protocols: A }), ...joining]);
    // Common to all: range and roundrobin. First choices among them: a range, b and c roundrobin.
    for (const j of joined) expect(j).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin', leader: a.memberId });
    expect(joined[0].members.map((m: { memberId: string; metadata: Buffer }) => [m.memberId, m.metadata.toString()]).sort())
      .toEqual([a.memberId, b.memberId, c.memberId].map((id) => [id, 'roundrobin']).sort());
    expect(joined[1].members).toEqual([]);
  });

  it('GROUP_MAX_SIZE_REACHED past group.max.size, for both join styles', async () => {
    await stableGroup('gp-max', 3);
    expect(await join('gp-max', { version: 5 })).toMatchObject({ errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, memberId: '' });
    expect((await join('gp-max', { version: 3 })).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });
});

describe('SyncGroup and Heartbeat', () => {
  it('SyncGroup: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, INCONSISTENT_GROUP_PROTOCOL (v5); the assignment once Stable', async () => {
    const joined = await joinNew('gp-sync');
    const mine = assignment([{ topic: 'gp-a', partitions: [0, 1] }]);
    expect((await sync('gp-sync', joined.generationId + 1, joined.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync('gp-sync', joined.generationId, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const v5 = (protocolName: string) => call(SYNC_GROUP, 5, {
      groupId: 'gp-sync', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName,
      assignments: [{ memberId: joined.memberId, assignment: mine }],
    });
    expect((await v5('roundrobin')).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await v5('range')).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: mine });
    // Stable: a repeated sync gets the same assignment back.
    expect((await sync('gp-sync', joined.generationId, joined.memberId)).assignment).toEqual(mine);
  });

  it('Heartbeat: REBALANCE_IN_PROGRESS once another member joins; both make the next generation', async () => {
    const a = await stableGroupOfOne('gp-hb');
    expect(await heartbeat('gp-hb', a.generationId, a.memberId)).toBe(0);
    expect(await heartbeat('gp-hb', a.generationId + 1, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await heartbeat('gp-hb', a.generationId, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await heartbeat('gp-hb-none', 1, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const b = join('gp-hb', { version: 3 }); // waits for a to rejoin
    expect(await until(() => heartbeat('gp-hb', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await describeGroup('gp-hb')).groupState).toBe('PreparingRebalance');
    const [ja, jb] = await Promise.all([join('gp-hb', { memberId: a.memberId }), b]);
    expect([ja.generationId, jb.generationId]).toEqual([a.generationId + 1, a.generationId + 1]);
    expect(await heartbeat('gp-hb', ja.generationId, jb.memberId)).toBe(0); // CompletingRebalance: fine
    const assignments = [ja, jb].map((j, i) => ({ memberId: j.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [i] }]) }));
    const follower = sync('gp-hb', jb.generationId, jb.memberId);
    expect((await sync('gp-hb', ja.generationId, ja.memberId, assignments)).assignment).toEqual(assignments[0].assignment);
    expect((await follower).assignment).toEqual(assignments[1].assignment);
    expect(await heartbeat('gp-hb', ja.generationId, jb.memberId)).toBe(0);
  });

  it('expels a member that stops heartbeating after its session timeout; the other is told to rebalance and goes on alone', async () => {
    const a = await stableGroupOfOne('gp-expire', { sessionTimeoutMs: 5000 });
    const b = join('gp-expire', { version: 3, sessionTimeoutMs: 600 });
    expect(await until(() => heartbeat('gp-expire', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([join('gp-expire', { memberId: a.memberId, sessionTimeoutMs: 5000 }), b]);
    const follower = sync('gp-expire', jb.generationId, jb.memberId);
    await sync('gp-expire', ja.generationId, ja.memberId, [{ memberId: ja.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [0, 1] }]) }]);
    expect((await follower).errorCode).toBe(0);
    // b never heartbeats: after its 600 ms the coordinator removes it and a must rejoin.
    expect(await until(() => heartbeat('gp-expire', ja.generationId, ja.memberId), (e) => e !== 0, 'b to expire')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await join('gp-expire', { memberId: a.memberId, sessionTimeoutMs: 5000 });
    expect(again).toMatchObject({ errorCode: 0, generationId: ja.generationId + 1, leader: a.memberId });
    expect(again.members.map((m: { memberId: string }) => m.memberId)).toEqual([a.memberId]);
    expect(await heartbeat('gp-expire', again.generationId, jb.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member that does not rejoin within the rebalance timeout is left out of the next generation', async () => {
    const a = await stableGroupOfOne('gp-slow', { rebalanceTimeoutMs: 800 });
    const b = join('gp-slow', { version: 3, rebalanceTimeoutMs: 800 });
    expect(await until(() => heartbeat('gp-slow', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // a keeps heartbeating (its session lives) but never rejoins.
    const jb = await b;
    expect(jb).toMatchObject({ errorCode: 0, generationId: a.generationId + 1, leader: jb.memberId });
    expect(jb.members.map((m: { memberId: string }) => m.memberId)).toEqual([jb.memberId]);
    expect(await heartbeat('gp-slow', a.generationId, a.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a new member told MEMBER_ID_REQUIRED that never comes back holds a rebalance only for its session timeout', async () => {
    // A 30 s rebalance timeout: were the ghost awaited that long, the raw client's 10 s read timeout fails the test.
    const o = { sessionTimeoutMs: 5000, rebalanceTimeoutMs: 30_000 };
    const a = await stableGroupOfOne('gp-pending', o);
    const ghost = await join('gp-pending', { ...o, sessionTimeoutMs: 600 });
    expect(ghost.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const b = await join('gp-pending', o);
    const joiningB = join('gp-pending', { ...o, memberId: b.memberId });
    expect(await until(() => heartbeat('gp-pending', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([join('gp-pending', { ...o, memberId: a.memberId }), joiningB]);
    expect([ja.errorCode, jb.errorCode, ja.generationId]).toEqual([0, 0, a.generationId + 1]);
    expect(ja.members.map((m: { memberId: string }) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect((await join('gp-pending', { ...o, memberId: ghost.memberId })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('static membership (KIP-345)', () => {
  it('a second join with the same group.instance.id gets a new id; the old one is FENCED_INSTANCE_ID', async () => {
    const mine = assignment([{ topic: 'gp-a', partitions: [0, 1] }]);
    const first = await join('gp-static', { instanceId: 'inst-1' }); // static members skip MEMBER_ID_REQUIRED
    expect(first.errorCode).toBe(0);
    expect((await sync('gp-static', first.generationId, first.memberId, [{ memberId: first.memberId, assignment: mine }], 'inst-1')).errorCode).toBe(0);
    const second = await join('gp-static', { instanceId: 'inst-1' });
    expect(second.errorCode).toBe(0);
    expect(second.memberId).not.toBe(first.memberId);
    // Stable with the same protocols: no rebalance, the current generation and assignment.
    expect(second.generationId).toBe(first.generationId);
    expect(await heartbeat('gp-static', first.generationId, first.memberId, 'inst-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await sync('gp-static', first.generationId, first.memberId, [], 'inst-1')).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await join('gp-static', { instanceId: 'inst-1', memberId: first.memberId })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await heartbeat('gp-static', second.generationId, second.memberId, 'inst-1')).toBe(0);
    expect((await sync('gp-static', second.generationId, second.memberId, [], 'inst-1')).assignment).toEqual(mine);
    expect((await describeGroup('gp-static')).members.map((m: { memberId: string; groupInstanceId: string }) => [m.memberId, m.groupInstanceId])).toEqual([[second.memberId, 'inst-1']]);
  });

  it('a static leader rejoining a Stable group is not made to compute an assignment the group would ignore (before v9)', async () => {
    const first = await join('gp-static-leader', { instanceId: 'inst-l' });
    await sync('gp-static-leader', first.generationId, first.memberId, [{ memberId: first.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [0] }]) }], 'inst-l');
    // Kafka answers with the old leader id and no members, so the client does not think it leads.
    const v5 = await join('gp-static-leader', { instanceId: 'inst-l' });
    expect(v5).toMatchObject({ errorCode: 0, generationId: first.generationId, leader: first.memberId, members: [], skipAssignment: false });
    // v9 (KIP-814): it is the leader, gets the members, and is told to skip the assignment.
    const v9 = await join('gp-static-leader', { instanceId: 'inst-l', version: 9 });
    expect(v9).toMatchObject({ errorCode: 0, generationId: first.generationId, leader: v9.memberId, skipAssignment: true });
    expect(v9.members.map((m: { memberId: string }) => m.memberId)).toEqual([v9.memberId]);
  });
});

describe('LeaveGroup', () => {
  it('v0 by member id', async () => {
    const a = await stableGroupOfOne('gp-leave');
    expect((await call(LEAVE_GROUP, 0, { groupId: 'gp-leave', memberId: 'nobody', members: [] })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await call(LEAVE_GROUP, 0, { groupId: 'gp-leave', memberId: a.memberId, members: [] })).errorCode).toBe(0);
    expect(await describeGroup('gp-leave')).toMatchObject({ groupState: 'Empty', members: [] });
  });

  it('v3 by group.instance.id, with an error per member', async () => {
    const s = await stableGroupOfOne('gp-leave-static', { instanceId: 'inst-leave' });
    const r = await call(LEAVE_GROUP, 3, {
      groupId: 'gp-leave-static', memberId: '',
      members: [{ memberId: '', groupInstanceId: 'inst-leave', reason: null }, { memberId: '', groupInstanceId: 'inst-none', reason: null }, { memberId: 'other', groupInstanceId: 'inst-leave', reason: null }],
    });
    expect(r.errorCode).toBe(0);
    // The third names the instance with another member id, but the instance already left.
    expect(r.members.map((m: { groupInstanceId: string; errorCode: number }) => [m.groupInstanceId, m.errorCode]))
      .toEqual([['inst-leave', 0], ['inst-none', ErrorCode.UNKNOWN_MEMBER_ID], ['inst-leave', ErrorCode.UNKNOWN_MEMBER_ID]]);
    expect(await describeGroup('gp-leave-static')).toMatchObject({ groupState: 'Empty', members: [] });
    void s;
  });

  it('v3: a member id that is not the instance\'s is FENCED_INSTANCE_ID', async () => {
    const s = await stableGroupOfOne('gp-leave-fenced', { instanceId: 'inst-f' });
    const r = await call(LEAVE_GROUP, 3, { groupId: 'gp-leave-fenced', memberId: '', members: [{ memberId: 'impostor', groupInstanceId: 'inst-f', reason: null }] });
    expect(r.members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await describeGroup('gp-leave-fenced')).members.map((m: { memberId: string }) => m.memberId)).toEqual([s.memberId]);
  });
});

describe('OffsetCommit', () => {
  const p0 = (offset: number, metadata: string | null = null) => ({ topic: 'gp-a', partition: 0, offset, metadata });

  it('standalone (generation -1) only while the group has no members; then member and generation must match', async () => {
    expect(await commit('gp-commit', -1, '', [p0(5)])).toEqual([0]);
    expect(await fetchOffsets('gp-commit')).toEqual({ 'gp-a:0': 5 });
    const a = await stableGroupOfOne('gp-commit');
    expect(await commit('gp-commit', -1, '', [p0(6)])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('gp-commit', a.generationId + 1, a.memberId, [p0(6)])).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit('gp-commit', a.generationId, 'nobody', [p0(6)])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('gp-commit', a.generationId, a.memberId, [p0(7, 'meta')])).toEqual([0]);
    expect(await fetchOffsets('gp-commit')).toEqual({ 'gp-a:0': 7 });
    expect(await commit('gp-commit', -1, '', [p0(8)], 0)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]); // v0: no generation at all
  });

  it('during CompletingRebalance: member and generation are checked first, then REBALANCE_IN_PROGRESS', async () => {
    const a = await stableGroupOfOne('gp-commit-completing');
    const b = join('gp-commit-completing', { version: 3 });
    expect(await until(() => heartbeat('gp-commit-completing', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([join('gp-commit-completing', { memberId: a.memberId }), b]);
    // No SyncGroup yet: the group waits for the leader's assignments.
    expect((await describeGroup('gp-commit-completing')).groupState).toBe('CompletingRebalance');
    expect(await commit('gp-commit-completing', a.generationId, a.memberId, [p0(1)])).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit('gp-commit-completing', ja.generationId, 'nobody', [p0(1)])).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('gp-commit-completing', ja.generationId, ja.memberId, [p0(1)])).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    const follower = sync('gp-commit-completing', jb.generationId, jb.memberId);
    await sync('gp-commit-completing', ja.generationId, ja.memberId, [{ memberId: jb.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [0] }]) }]);
    await follower;
    expect(await commit('gp-commit-completing', jb.generationId, jb.memberId, [p0(1)])).toEqual([0]);
  });

  it('a generation for a group that does not exist: ILLEGAL_GENERATION, GROUP_ID_NOT_FOUND from v9', async () => {
    expect(await commit('gp-commit-none', 3, 'someone', [p0(1)], 8)).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commit('gp-commit-none', 3, 'someone', [p0(1)], 9)).toEqual([ErrorCode.GROUP_ID_NOT_FOUND]);
    expect((await describeGroup('gp-commit-none')).groupState).toBe('Dead');
  });

  it('OFFSET_METADATA_TOO_LARGE past offset.metadata.max.bytes, per partition', async () => {
    const r = await commit('gp-commit-meta', -1, '', [p0(1, 'm'.repeat(100)), { topic: 'gp-a', partition: 1, offset: 2, metadata: 'm'.repeat(101) }]);
    expect(r).toEqual([0, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(await fetchOffsets('gp-commit-meta')).toEqual({ 'gp-a:0': 1 });
  });

  it('UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist', async () => {
    const r = await commit('gp-commit-unknown', -1, '', [{ topic: 'gp-nope', partition: 0, offset: 1 }, { topic: 'gp-a', partition: 9, offset: 1 }, p0(3)]);
    expect(r).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]);
    expect(await fetchOffsets('gp-commit-unknown')).toEqual({ 'gp-a:0': 3 });
  });
});

describe('OffsetFetch', () => {
  beforeAll(async () => {
    expect(await commit('gp-fetch', -1, '', [{ topic: 'gp-a', partition: 0, offset: 10, metadata: 'ten' }, { topic: 'gp-b', partition: 1, offset: 11 }])).toEqual([0, 0]);
  });

  it('v1 names its partitions: -1 and no error for those without a commit', async () => {
    const r = await call(OFFSET_FETCH, 1, { groupId: 'gp-fetch', topics: [{ name: 'gp-a', partitionIndexes: [0, 1] }], groups: [], requireStable: false });
    expect(r.topics).toEqual([{ name: 'gp-a', partitions: [
      { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, metadata: 'ten', errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ] }]);
  });

  it('v2: null topics is every committed partition; an unknown group has none', async () => {
    expect(await fetchOffsets('gp-fetch')).toEqual({ 'gp-a:0': 10, 'gp-b:1': 11 });
    expect(await fetchOffsets('gp-fetch-none')).toEqual({});
  });

  it('v8 batches groups', async () => {
    const r = await call(OFFSET_FETCH, 8, {
      groupId: '', topics: [], requireStable: true,
      groups: [
        { groupId: 'gp-fetch', memberId: null, memberEpoch: -1, topics: null },
        { groupId: 'gp-commit-meta', memberId: null, memberEpoch: -1, topics: [{ name: 'gp-a', partitionIndexes: [0, 1] }] },
        { groupId: 'gp-fetch-none', memberId: null, memberEpoch: -1, topics: null },
      ],
    });
    expect(r.groups.map((g: { groupId: string; errorCode: number; topics: any[] }) => [g.groupId, g.errorCode, flatten(g.topics)])).toEqual([
      ['gp-fetch', 0, { 'gp-a:0': 10, 'gp-b:1': 11 }],
      ['gp-commit-meta', 0, { 'gp-a:0': 1, 'gp-a:1': -1 }],
      ['gp-fetch-none', 0, {}],
    ]);
  });
});

describe('ListGroups, DescribeGroups, DeleteGroups', () => {
  it('ListGroups v4 filters by state', async () => {
    await stableGroupOfOne('gp-list-stable');
    await commit('gp-list-empty', -1, '', [{ topic: 'gp-a', partition: 0, offset: 1 }]);
    const list = async (statesFilter: string[]) => {
      const r = await call(LIST_GROUPS, 4, { statesFilter, typesFilter: [] });
      expect(r.errorCode).toBe(0);
      return new Map(r.groups.map((g: { groupId: string; protocolType: string; groupState: string }) => [g.groupId, [g.protocolType, g.groupState]]));
    };
    const all = await list([]);
    expect(all.get('gp-list-stable')).toEqual(['consumer', 'Stable']);
    expect(all.get('gp-list-empty')).toEqual(['', 'Empty']);
    const stable = await list(['Stable']);
    expect(stable.has('gp-list-stable')).toBe(true);
    expect([...stable.values()].every(([, state]) => state === 'Stable')).toBe(true);
    const empty = await list(['Empty']);
    expect(empty.has('gp-list-empty') && !empty.has('gp-list-stable')).toBe(true);
    expect((await list(['Dead'])).size).toBe(0);
    const v0 = await call(LIST_GROUPS, 0, { statesFilter: [], typesFilter: [] });
    expect(v0.groups.find((g: { groupId: string }) => g.groupId === 'gp-list-stable')).toMatchObject({ protocolType: 'consumer' });
  });

  it('DescribeGroups: a Stable group with metadata and assignments; an unknown group is Dead', async () => {
    const mine = assignment([{ topic: 'gp-a', partitions: [0, 1] }]);
    const a = await stableGroupOfOne('gp-describe');
    const r = await call(DESCRIBE_GROUPS, 5, { groups: ['gp-describe', 'gp-describe-none'], includeAuthorizedOperations: false });
    expect(r.groups[0]).toMatchObject({
      errorCode: 0, groupId: 'gp-describe', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range',
      members: [{ memberId: a.memberId, groupInstanceId: null, clientId: 'raw-client', clientHost: '/127.0.0.1', memberMetadata: RANGE[0].metadata, memberAssignment: mine }],
    });
    expect(r.groups[1]).toMatchObject({ errorCode: 0, groupId: 'gp-describe-none', groupState: 'Dead', protocolType: '', protocolData: '', members: [] });
  });

  it('keeps members\' metadata and assignments once the memory of their requests is reused', async () => {
    const subscribe = (topic: string) => [{ name: 'range', metadata: subscription([topic]) }];
    const a = await stableGroupOfOne('gp-frames', { protocols: subscribe('gp-a') });
    const b = join('gp-frames', { version: 3, protocols: subscribe('gp-b') });
    expect(await until(() => heartbeat('gp-frames', a.generationId, a.memberId), (e) => e !== 0, 'a rebalance')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ja, jb] = await Promise.all([join('gp-frames', { memberId: a.memberId, protocols: subscribe('gp-a') }), b]);
    const assignments = [{ memberId: ja.memberId, assignment: assignment([{ topic: 'gp-a', partitions: [0, 1] }]) }, { memberId: jb.memberId, assignment: assignment([{ topic: 'gp-b', partitions: [0, 1] }]) }];
    const follower = sync('gp-frames', jb.generationId, jb.memberId);
    await sync('gp-frames', ja.generationId, ja.memberId, assignments);
    await follower;
    // Requests of about the same size take over the memory the join and sync frames held.
    for (let i = 0; i < 20; i++) await join(`gp-frames-other-${i}`, { version: 3, protocols: subscribe(`gp-other-${i}`) });
    const described = await describeGroup('gp-frames');
    expect(described.members.map((m: { memberMetadata: Buffer; memberAssignment: Buffer }) => [m.memberMetadata, m.memberAssignment]))
      .toEqual([[subscribe('gp-a')[0].metadata, assignments[0].assignment], [subscribe('gp-b')[0].metadata, assignments[1].assignment]]);
  });

  it('DeleteGroups: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown, then deleted with its offsets', async () => {
    const a = await stableGroupOfOne('gp-delete');
    expect(await commit('gp-delete', a.generationId, a.memberId, [{ topic: 'gp-a', partition: 0, offset: 4 }])).toEqual([0]);
    const del = (version: number) => call(DELETE_GROUPS, version, { groupsNames: ['gp-delete', 'gp-delete-none'] })
      .then((r) => r.results.map((g: { groupId: string; errorCode: number }) => [g.groupId, g.errorCode]));
    expect(await del(1)).toEqual([['gp-delete', ErrorCode.NON_EMPTY_GROUP], ['gp-delete-none', ErrorCode.GROUP_ID_NOT_FOUND]]);
    expect((await call(LEAVE_GROUP, 1, { groupId: 'gp-delete', memberId: a.memberId, members: [] })).errorCode).toBe(0);
    expect(await del(2)).toEqual([['gp-delete', 0], ['gp-delete-none', ErrorCode.GROUP_ID_NOT_FOUND]]);
    expect(await fetchOffsets('gp-delete')).toEqual({});
    expect((await describeGroup('gp-delete')).groupState).toBe('Dead');
    expect(await del(0)).toEqual([['gp-delete', ErrorCode.GROUP_ID_NOT_FOUND], ['gp-delete-none', ErrorCode.GROUP_ID_NOT_FOUND]]);
  });
});

describe('OffsetDelete', () => {
  const offsetDelete = (groupId: string, topics: { name: string; partitions: number[] }[]) =>
    call(OFFSET_DELETE, 0, { groupId, topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex })) })) });
  const codes = (r: { topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }) =>
    Object.fromEntries(r.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, p.errorCode])));

  it('GROUP_SUBSCRIBED_TO_TOPIC for a topic a live consumer subscribes to; other offsets are deleted', async () => {
    const a = await stableGroupOfOne('gp-odel'); // subscribed to gp-a
    expect(await commit('gp-odel', a.generationId, a.memberId, [{ topic: 'gp-a', partition: 0, offset: 1 }, { topic: 'gp-b', partition: 0, offset: 2 }])).toEqual([0, 0]);
    const r = await offsetDelete('gp-odel', [{ name: 'gp-a', partitions: [0] }, { name: 'gp-b', partitions: [0, 1] }]);
    expect(r.errorCode).toBe(0);
    expect(codes(r)).toEqual({ 'gp-a:0': ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 'gp-b:0': 0, 'gp-b:1': 0 });
    expect(await fetchOffsets('gp-odel')).toEqual({ 'gp-a:0': 1 });
    // Once the group is empty, its subscriptions no longer protect anything.
    await call(LEAVE_GROUP, 1, { groupId: 'gp-odel', memberId: a.memberId, members: [] });
    expect(codes(await offsetDelete('gp-odel', [{ name: 'gp-a', partitions: [0] }]))).toEqual({ 'gp-a:0': 0 });
    expect(await fetchOffsets('gp-odel')).toEqual({});
  });

  it('GROUP_ID_NOT_FOUND for an unknown group; NON_EMPTY_GROUP for a live group of another protocol type', async () => {
    expect((await offsetDelete('gp-odel-none', [{ name: 'gp-a', partitions: [0] }])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    await stableGroupOfOne('gp-odel-connect', { protocolType: 'connect' });
    expect((await offsetDelete('gp-odel-connect', [{ name: 'gp-a', partitions: [0] }])).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });
});

describe('persistence in __consumer_offsets', () => {
  it('offsets and the group survive a clean restart, and acknowledged commits a kill -9', async () => {
    const main = clients;
    const first = await startBroker({ overrides: OVERRIDES });
    let current: RunningBroker | null = first;
    try {
      clients = new Clients(first.port);
      await call(CREATE_TOPICS, 4, { topics: [{ name: 'gp-a', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      const mine = assignment([{ topic: 'gp-a', partitions: [0, 1] }]);
      const a = await stableGroupOfOne('gp-persist');
      expect(await commit('gp-persist', a.generationId, a.memberId, [{ topic: 'gp-a', partition: 0, offset: 10, metadata: 'm0' }, { topic: 'gp-a', partition: 1, offset: 20 }])).toEqual([0, 0]);
      expect(await commit('gp-persist-standalone', -1, '', [{ topic: 'gp-a', partition: 1, offset: 3 }])).toEqual([0]);
      clients.close();
      expect(await first.stop()).toBe(0);
      current = null;

      const second = await startBroker({ dir: first.dir, overrides: OVERRIDES });
      current = second;
      clients = new Clients(second.port);
      expect(await fetchOffsets('gp-persist')).toEqual({ 'gp-a:0': 10, 'gp-a:1': 20 });
      expect(await fetchOffsets('gp-persist-standalone')).toEqual({ 'gp-a:1': 3 });
      expect(await describeGroup('gp-persist')).toMatchObject({
        groupState: 'Stable', protocolType: 'consumer', protocolData: 'range',
        members: [{ memberId: a.memberId, memberMetadata: RANGE[0].metadata, memberAssignment: mine }],
      });
      // The member restored from the log carries on in its generation.
      expect(await heartbeat('gp-persist', a.generationId, a.memberId)).toBe(0);
      expect(await commit('gp-persist', a.generationId, a.memberId, [{ topic: 'gp-a', partition: 0, offset: 11 }])).toEqual([0]);
      clients.close();
      await second.kill();
      current = null;

      const third = await startBroker({ dir: first.dir, overrides: OVERRIDES });
      current = third;
      clients = new Clients(third.port);
      expect(await fetchOffsets('gp-persist')).toEqual({ 'gp-a:0': 11, 'gp-a:1': 20 });
      expect(await fetchOffsets('gp-persist-standalone')).toEqual({ 'gp-a:1': 3 });
      expect((await describeGroup('gp-persist')).members.map((m: { memberId: string }) => m.memberId)).toEqual([a.memberId]);
      clients.close();
      current = null;
      expect(await third.stop()).toBe(0);
    } finally {
      clients.close();
      clients = main;
      if (current) await current.kill();
    }
  });
});
