// group.consumer.migration.policy on a real broker in process, through the coordinator's
// entry points: a running classic group of consumers converts to the consumer protocol when a
// member joins with ConsumerGroupHeartbeat (upgrade), keeping its classic member and that
// member's partitions; with the policy disabled the heartbeat is refused (GROUP_ID_NOT_FOUND).
// Consumer-protocol offset expiry: an unsubscribed topic's offsets expire one retention after
// their commit even while the group has members.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { encodeSubscription, encodeAssignment } from '../../../src/protocol/consumer-protocol.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function start(overrides: Record<string, string> = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'strom-migration-'));
  dirs.push(dir);
  const broker = await Broker.start(new BrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1',
    'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.retention.minutes': '10', ...overrides,
  }), quiet);
  await broker.logs.createTopic('t', 4);
  await broker.logs.createTopic('old', 1);
  return broker;
}

/** A classic member that owns every partition of t (it joined, led, and synced). */
async function classicGroup(broker: Broker, groupId: string): Promise<string> {
  const joined = await broker.groups.join({
    groupId, memberId: '', groupInstanceId: null, clientId: 'classic', clientHost: '/127.0.0.1', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }], requireKnownMemberId: false, supportsSkipAssignment: false,
  });
  expect(joined.errorCode).toBe(0);
  const synced = await broker.groups.sync({
    groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
    assignments: new Map([[joined.memberId, encodeAssignment([{ topic: 't', partitions: [0, 1, 2, 3] }])]]),
  });
  expect(synced.errorCode).toBe(0);
  return joined.memberId;
}

const consumerJoin = (broker: Broker, groupId: string, memberId: string) => broker.groups.consumer.heartbeat({
  groupId, memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'],
  subscribedTopicRegex: null, serverAssignor: null, owned: new Map(), clientId: 'new', clientHost: '/127.0.0.1', apiVersion: 1,
});

describe('group.consumer.migration.policy', () => {
  it('upgrades a running classic group: the classic member stays, keeps its partitions until it rejoins', async () => {
    const broker = await start();
    const classic = await classicGroup(broker, 'up');
    const r = await consumerJoin(broker, 'up', 'newcomer');
    expect(r.errorCode).toBe(0);
    expect(r.assignment?.size ?? 0).toBe(0); // everything is still the classic member's
    const group = broker.groups.group('up')!;
    expect(group.type).toBe('consumer');
    expect([...group.consumer!.members.keys()].sort()).toEqual([classic, 'newcomer'].sort());
    expect(group.consumer!.members.get(classic)!.usesClassicProtocol).toBe(true);
    // The classic member's heartbeat tells it to rejoin for the new assignment.
    expect(broker.groups.heartbeat('up', 1, classic, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await broker.stop();
  });

  it('refuses the heartbeat when upgrades are disabled', async () => {
    const broker = await start({ 'group.consumer.migration.policy': 'disabled' });
    await classicGroup(broker, 'stay');
    expect((await consumerJoin(broker, 'stay', 'newcomer')).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect(broker.groups.group('stay')!.type).toBe('classic');
    await broker.stop();
  });
});

describe('consumer group offsets', () => {
  it('expire for topics no member subscribes to, one retention after their commit, while the group lives', async () => {
    const broker = await start();
    const r = await consumerJoin(broker, 'live', 'm');
    expect(r.errorCode).toBe(0);
    const commit = (topic: string) => broker.groups.commitOffsets({
      groupId: 'live', generationId: r.memberEpoch, memberId: 'm', apiVersion: 9, groupInstanceId: null,
      offsets: [{ topic, partition: 0, offset: 3, leaderEpoch: -1, metadata: '' }],
    }, () => true);
    expect(await commit('t')).toEqual([0]);
    expect(await commit('old')).toEqual([0]);
    expect(await broker.groups.expireOffsets(Date.now() + 11 * 60_000)).toBe(1);
    expect(broker.groups.fetchOffsets('live', null).map((o) => o.topic)).toEqual(['t']);
    await broker.stop();
  });
});
