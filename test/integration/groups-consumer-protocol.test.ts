// KIP-848 at the wire, with raw requests: ConsumerGroupHeartbeat's checks and epochs, the
// range assignor, OffsetCommit/OffsetFetch v9 member epochs, group.consumer.max.size,
// session expiry, ListGroups/DescribeGroups/FindCoordinator as Kafka 3.9 answers them for
// consumer groups, and a group's state surviving a restart (its records in __consumer_offsets).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const METADATA = 3;
const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const FIND_COORDINATOR = 10;
const DESCRIBE_GROUPS = 15;
const LIST_GROUPS = 16;
const CREATE_TOPICS = 19;
const HEARTBEAT = 68;
const DESCRIBE = 69;
const E = { NONE: 0, ILLEGAL_GENERATION: 22, UNKNOWN_MEMBER_ID: 25, UNSUPPORTED_VERSION: 35, INVALID_REQUEST: 42, GROUP_ID_NOT_FOUND: 69, GROUP_MAX_SIZE_REACHED: 81, FENCED_MEMBER_EPOCH: 110, UNSUPPORTED_ASSIGNOR: 112, STALE_MEMBER_EPOCH: 113 };

let broker: RunningBroker;
let dir: string;
let c: RawClient;
let topicId: string;

const OVERRIDES = { 'group.consumer.session.timeout.ms': '1500', 'group.consumer.heartbeat.interval.ms': '300', 'group.consumer.max.size': '3', 'offsets.topic.num.partitions': '3' };

beforeAll(async () => {
  dir = tempDir();
  broker = await startBroker({ dir, overrides: OVERRIDES });
  c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 4, { topics: [{ name: 'cp', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
  const md = await c.request(METADATA, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'cp' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  topicId = md.topics[0].topicId;
  expect(topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
});
afterAll(async () => {
  c.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

interface Hb { groupId: string; memberId: string; memberEpoch: number; instanceId?: string | null; rebalanceTimeoutMs?: number; subscribedTopicNames?: string[] | null; regex?: string | null; serverAssignor?: string | null; owned?: number[] | null }
const heartbeat = (h: Hb, client = c) => client.request(HEARTBEAT, 1, {
  groupId: h.groupId, memberId: h.memberId, memberEpoch: h.memberEpoch, instanceId: h.instanceId ?? null, rackId: null,
  rebalanceTimeoutMs: h.rebalanceTimeoutMs ?? -1, subscribedTopicNames: h.subscribedTopicNames ?? null, subscribedTopicRegex: h.regex ?? null,
  serverAssignor: h.serverAssignor ?? null, topicPartitions: h.owned == null ? null : [{ topicId, partitions: h.owned }],
});
const join = (groupId: string, memberId: string, extra: Partial<Hb> = {}) =>
  heartbeat({ groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['cp'], owned: [], ...extra });
const partitionsOf = (r: any) => (r.assignment?.topicPartitions ?? []).flatMap((t: any) => t.partitions).sort();
const commit = (groupId: string, memberId: string, epoch: number, version = 9) => c.request(OFFSET_COMMIT, version, {
  groupId, generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1,
  topics: [{ name: 'cp', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }],
}).then((r: any) => r.topics[0].partitions[0].errorCode);
const fetchOffsets = (groupId: string, memberId: string | null, memberEpoch: number) => c.request(OFFSET_FETCH, 9, {
  groupId: '', topics: [], requireStable: false, groups: [{ groupId, memberId, memberEpoch, topics: [{ name: 'cp', partitionIndexes: [0] }] }],
}).then((r: any) => r.groups[0]);

describe('ConsumerGroupHeartbeat', () => {
  it('checks requests as Kafka does', async () => {
    expect((await heartbeat({ groupId: 'v', memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 1000, subscribedTopicNames: ['cp'], owned: [] })).errorCode).toBe(E.INVALID_REQUEST);
    expect((await heartbeat({ groupId: 'v', memberId: 'm', memberEpoch: 0, subscribedTopicNames: ['cp'], owned: [] })).errorMessage).toBe('RebalanceTimeoutMs must be provided in first request.');
    expect((await heartbeat({ groupId: 'v', memberId: 'm', memberEpoch: 0, rebalanceTimeoutMs: 1000, owned: [] })).errorMessage).toBe('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
    expect((await heartbeat({ groupId: 'v', memberId: 'm', memberEpoch: -3 })).errorMessage).toBe('MemberEpoch is invalid.');
    expect((await join('v', 'm', { serverAssignor: 'sticky' })).errorCode).toBe(E.UNSUPPORTED_ASSIGNOR);
    expect((await join('v', 'm', { subscribedTopicNames: [], regex: '(unclosed' })).errorCode).toBe(E.INVALID_REQUEST);
    expect((await heartbeat({ groupId: 'nope', memberId: 'm', memberEpoch: 3 })).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
  });

  it('joins, assigns with the range assignor, fences wrong epochs, and revokes before assigning', async () => {
    const a = await join('g-range', 'a', { serverAssignor: 'range' });
    expect(a).toMatchObject({ errorCode: 0, memberId: 'a', memberEpoch: 1, heartbeatIntervalMs: 300 });
    expect(partitionsOf(a)).toEqual([0, 1, 2, 3]);
    const b = await join('g-range', 'b', { serverAssignor: 'range' });
    // Epoch 2's target gives b partitions 2-3, still owned by a: b waits for them.
    expect(b).toMatchObject({ errorCode: 0, memberEpoch: 2 });
    expect(partitionsOf(b)).toEqual([]);
    expect((await heartbeat({ groupId: 'g-range', memberId: 'a', memberEpoch: 5 })).errorCode).toBe(E.FENCED_MEMBER_EPOCH);
    // a is told to give up 2-3 and stays in epoch 1 until it has.
    const revoke = await heartbeat({ groupId: 'g-range', memberId: 'a', memberEpoch: 1 });
    expect(revoke).toMatchObject({ errorCode: 0, memberEpoch: 1 });
    expect(partitionsOf(revoke)).toEqual([0, 1]);
    expect((await heartbeat({ groupId: 'g-range', memberId: 'a', memberEpoch: 1, owned: [0, 1, 2, 3] })).memberEpoch).toBe(1);
    expect((await heartbeat({ groupId: 'g-range', memberId: 'a', memberEpoch: 1, owned: [0, 1] })).memberEpoch).toBe(2);
    const got = await heartbeat({ groupId: 'g-range', memberId: 'b', memberEpoch: 2 });
    expect(partitionsOf(got)).toEqual([2, 3]);
    const described = (await c.request(DESCRIBE, 0, { groupIds: ['g-range'], includeAuthorizedOperations: false })).groups[0];
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'range' });

    // OffsetCommit v9 / OffsetFetch v9 with member epochs.
    expect(await commit('g-range', 'a', 2)).toBe(E.NONE);
    expect(await commit('g-range', 'a', 1)).toBe(E.STALE_MEMBER_EPOCH);
    expect(await commit('g-range', 'zz', 2)).toBe(E.UNKNOWN_MEMBER_ID);
    expect(await commit('g-range', 'a', 2, 8)).toBe(E.UNSUPPORTED_VERSION);
    expect(await commit('g-range', '', -1)).toBe(E.UNKNOWN_MEMBER_ID); // not while the group has members
    expect(await fetchOffsets('g-range', 'a', 2)).toMatchObject({ errorCode: 0, topics: [{ name: 'cp', partitions: [{ partitionIndex: 0, committedOffset: 5 }] }] });
    expect((await fetchOffsets('g-range', 'a', 1)).errorCode).toBe(E.STALE_MEMBER_EPOCH);
    expect((await fetchOffsets('g-range', 'zz', 2)).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect((await fetchOffsets('g-range', null, -1)).errorCode).toBe(E.NONE);

    // As Kafka 3.9 lists and describes it for classic clients.
    const listed = (await c.request(LIST_GROUPS, 5, { statesFilter: ['stable'], typesFilter: ['CONSUMER'] })).groups;
    expect(listed).toContainEqual({ groupId: 'g-range', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' });
    const classic = (await c.request(DESCRIBE_GROUPS, 5, { groups: ['g-range'], includeAuthorizedOperations: false })).groups[0];
    expect(classic).toMatchObject({ groupState: 'Dead', members: [] });
    expect((await heartbeat({ groupId: 'g-range', memberId: 'a', memberEpoch: -1 })).memberEpoch).toBe(-1);
    expect((await heartbeat({ groupId: 'g-range', memberId: 'b', memberEpoch: -1 })).memberEpoch).toBe(-1);
  });

  it('refuses members past group.consumer.max.size and fences a member whose session ends', async () => {
    for (const m of ['m1', 'm2', 'm3']) expect((await join('g-size', m)).errorCode).toBe(0);
    expect((await join('g-size', 'm4')).errorCode).toBe(E.GROUP_MAX_SIZE_REACHED);
    // m1 and m2 keep heartbeating; m3 goes silent and is fenced after 1.5 s.
    const deadline = Date.now() + 10_000;
    let members = 3;
    const epochs: Record<string, number> = { m1: 1, m2: 2 };
    while (members === 3 && Date.now() < deadline) {
      for (const m of ['m1', 'm2']) {
        const r = await heartbeat({ groupId: 'g-size', memberId: m, memberEpoch: epochs[m], owned: null });
        expect(r.errorCode).toBe(0);
        epochs[m] = r.memberEpoch;
      }
      members = (await c.request(DESCRIBE, 0, { groupIds: ['g-size'], includeAuthorizedOperations: false })).groups[0].members.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(members).toBe(2);
    expect((await heartbeat({ groupId: 'g-size', memberId: 'm3', memberEpoch: 3 })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  it('lets a static member leave for a while (epoch -2) and take its partitions back under a new member id', async () => {
    const a = await join('g-static', 's1', { instanceId: 'inst-a' });
    const b = await join('g-static', 's2', { instanceId: 'inst-b' });
    expect(b.memberEpoch).toBe(2);
    // a gives up what b's target holds, then both are at epoch 2 with two partitions each.
    const revoke = await heartbeat({ groupId: 'g-static', memberId: 's1', memberEpoch: a.memberEpoch, instanceId: 'inst-a' });
    const kept = partitionsOf(revoke);
    expect(kept).toHaveLength(2);
    expect((await heartbeat({ groupId: 'g-static', memberId: 's1', memberEpoch: 1, instanceId: 'inst-a', owned: kept })).memberEpoch).toBe(2);
    expect(partitionsOf(await heartbeat({ groupId: 'g-static', memberId: 's2', memberEpoch: 2, instanceId: 'inst-b', owned: [] }))).toHaveLength(2);
    const left = await heartbeat({ groupId: 'g-static', memberId: 's1', memberEpoch: -2, instanceId: 'inst-a' });
    expect(left).toMatchObject({ errorCode: 0, memberEpoch: -2 });
    // The same instance id rejoining under a new member id takes s1's place and partitions.
    const back = await join('g-static', 's1-restarted', { instanceId: 'inst-a' });
    expect(back).toMatchObject({ errorCode: 0, memberId: 's1-restarted', memberEpoch: 2 });
    expect(partitionsOf(back)).toEqual(kept);
    const described = (await c.request(DESCRIBE, 0, { groupIds: ['g-static'], includeAuthorizedOperations: false })).groups[0];
    expect(described.groupEpoch).toBe(2); // no rebalance
    expect(described.members.map((m: { memberId: string }) => m.memberId).sort()).toEqual(['s1-restarted', 's2']);
    // The old member id is fenced; a second instance of inst-b is refused while s2 holds it.
    expect((await heartbeat({ groupId: 'g-static', memberId: 's1', memberEpoch: 2, instanceId: 'inst-a' })).errorCode).toBe(82); // FENCED_INSTANCE_ID
    expect((await join('g-static', 's2-twin', { instanceId: 'inst-b' })).errorCode).toBe(111); // UNRELEASED_INSTANCE_ID
  });

  it('subscribes by regex (v1): the topics it matches whole, and a topic created later joins the subscription', async () => {
    const r = await join('g-regex', 'x', { subscribedTopicNames: [], regex: 'c.' });
    expect(r).toMatchObject({ errorCode: 0, memberEpoch: 1 });
    expect(partitionsOf(r)).toEqual([0, 1, 2, 3]);
    expect(r.assignment.topicPartitions.map((t: { topicId: string }) => t.topicId)).toEqual([topicId]);
    const created = await c.request(CREATE_TOPICS, 4, { topics: [{ name: 'cq', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }, { name: 'cpx', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0]);
    const next = await heartbeat({ groupId: 'g-regex', memberId: 'x', memberEpoch: 1 });
    expect(next.memberEpoch).toBe(2); // cq matches; cpx does not (the whole name must match)
    const described = (await c.request(DESCRIBE, 0, { groupIds: ['g-regex'], includeAuthorizedOperations: false })).groups[0];
    expect(described.members[0].subscribedTopicRegex).toBe('c.');
    expect(described.members[0].assignment.topicPartitions.map((t: { topicName: string }) => t.topicName).sort()).toEqual(['cp', 'cq']);
  });

  it('fences a member that does not give up its partitions within its rebalance timeout', async () => {
    const a = await join('g-slow', 'slow', { rebalanceTimeoutMs: 500 });
    expect(partitionsOf(a)).toEqual([0, 1, 2, 3]);
    await join('g-slow', 'fast');
    // slow is told to revoke two partitions and keeps saying it owns all four.
    expect((await heartbeat({ groupId: 'g-slow', memberId: 'slow', memberEpoch: 1, owned: [0, 1, 2, 3] })).memberEpoch).toBe(1);
    const deadline = Date.now() + 10_000;
    let code = 0;
    while (code === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      code = (await heartbeat({ groupId: 'g-slow', memberId: 'slow', memberEpoch: 1, owned: [0, 1, 2, 3] })).errorCode;
    }
    expect(code).toBe(E.UNKNOWN_MEMBER_ID);
    const fast = await heartbeat({ groupId: 'g-slow', memberId: 'fast', memberEpoch: 2, owned: [] });
    expect(partitionsOf(fast)).toEqual([0, 1, 2, 3]);
  });

  it('FindCoordinator v6 finds group coordinators and refuses share groups', async () => {
    const r = await c.request(FIND_COORDINATOR, 6, { key: '', keyType: 0, coordinatorKeys: ['g-range'] });
    expect(r.coordinators[0]).toMatchObject({ key: 'g-range', errorCode: 0, port: broker.port });
    const share = await c.request(FIND_COORDINATOR, 6, { key: '', keyType: 2, coordinatorKeys: ['s'] });
    expect(share.coordinators[0].errorCode).toBe(E.INVALID_REQUEST);
  });

  it('keeps a group\'s members, epochs and assignments across a restart', async () => {
    const a = await join('g-restart', 'ra');
    expect(partitionsOf(a)).toEqual([0, 1, 2, 3]);
    expect(await commit('g-restart', 'ra', a.memberEpoch)).toBe(E.NONE);
    c.close();
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dir, overrides: OVERRIDES });
    c = await RawClient.connect(broker.port);
    // The member heartbeats on with its epoch: it is known, and owns what it owned.
    const again = await heartbeat({ groupId: 'g-restart', memberId: 'ra', memberEpoch: a.memberEpoch, rebalanceTimeoutMs: 10_000, subscribedTopicNames: ['cp'], owned: [0, 1, 2, 3] });
    expect(again).toMatchObject({ errorCode: 0, memberEpoch: a.memberEpoch });
    expect(partitionsOf(again)).toEqual([0, 1, 2, 3]);
    const described = (await c.request(DESCRIBE, 0, { groupIds: ['g-restart'], includeAuthorizedOperations: false })).groups[0];
    expect(described).toMatchObject({ groupState: 'Stable', groupEpoch: 1, assignmentEpoch: 1 });
    expect(described.members[0]).toMatchObject({ memberId: 'ra', memberEpoch: 1, subscribedTopicNames: ['cp'] });
    expect((await fetchOffsets('g-restart', 'ra', 1)).topics[0].partitions[0].committedOffset).toBe(5);
  });
});
