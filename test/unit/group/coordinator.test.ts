// The coordinator's offset expiration (offsets.retention.minutes, KIP-211) and its
// persistence across restarts, on a real broker in process (driven through the
// coordinator's own entry points: expiry runs on a timer no test should wait for).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/config/config.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function start(dir: string, overrides: Record<string, string> = {}): Promise<Broker> {
  return Broker.start(new BrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1', 'num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '3', 'offsets.retention.minutes': '10', ...overrides,
  }), quiet);
}

const RETENTION_MS = 10 * 60_000;
const commit = (broker: Broker, groupId: string, offset: number, generationId = -1, memberId = '') => broker.groups.commitOffsets({
  groupId, generationId, memberId, groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: 'meta' }],
}, () => true);
const committed = (broker: Broker, groupId: string) => broker.groups.fetchOffsets(groupId, [{ topic: 't', partitions: [0] }])[0].committed?.offset ?? -1;

describe('offset expiration', () => {
  it('expires a standalone commit retention after it was made, and the expiry survives a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strom-coord-'));
    dirs.push(dir);
    let broker = await start(dir);
    await broker.logs.createTopic('t', 1);
    expect(await commit(broker, 'standalone', 5)).toEqual([0]);
    expect(await commit(broker, 'kept', 6)).toEqual([0]);
    const madeAt = broker.groups.group('standalone')!.offset('t', 0)!.commitTimestamp;
    expect(await broker.groups.expireOffsets(madeAt + RETENTION_MS - 1)).toBe(0);
    expect(committed(broker, 'standalone')).toBe(5);
    // Backdate one group's commit: only it is old enough.
    broker.groups.group('standalone')!.offset('t', 0)!.commitTimestamp -= RETENTION_MS;
    expect(await broker.groups.expireOffsets(madeAt + 1)).toBe(1);
    expect(committed(broker, 'standalone')).toBe(-1);
    expect(broker.groups.listGroups([]).map((g) => g.groupId)).toEqual(['kept']);
    await broker.stop();
    broker = await start(dir);
    expect(committed(broker, 'standalone')).toBe(-1);
    expect(committed(broker, 'kept')).toBe(6);
    expect(broker.groups.group('kept')!.offset('t', 0)!.metadata).toBe('meta');
    await broker.stop();
  });

  it("expires a consumer group's offsets together, retention after the group became empty", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strom-coord-'));
    dirs.push(dir);
    const broker = await start(dir);
    await broker.logs.createTopic('t', 1);
    const joined = await broker.groups.join({
      groupId: 'cg', memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      requireKnownMemberId: false, supportsSkipAssignment: false,
    });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: joined.memberId });
    const synced = await broker.groups.sync({ groupId: 'cg', generationId: 1, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() });
    expect(synced.errorCode).toBe(0);
    expect(await commit(broker, 'cg', 9, 1, joined.memberId)).toEqual([0]);
    // While the group has members nothing expires, however old.
    expect(await broker.groups.expireOffsets(Date.now() + 100 * RETENTION_MS)).toBe(0);
    expect((await broker.groups.leave('cg', [{ memberId: joined.memberId, groupInstanceId: null }])).members[0].errorCode).toBe(0);
    const group = broker.groups.group('cg')!;
    expect(group.state).toBe('Empty');
    expect(await broker.groups.expireOffsets(group.stateTimestamp + RETENTION_MS - 1)).toBe(0);
    expect(await broker.groups.expireOffsets(group.stateTimestamp + RETENTION_MS)).toBe(1);
    expect(broker.groups.group('cg')).toBeUndefined();
    await broker.stop();
  });
});

describe('__consumer_offsets stays bounded', () => {
  it('compaction keeps the latest commit per partition, and a restart replays just those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strom-coord-'));
    dirs.push(dir);
    const overrides = { 'offsets.topic.segment.bytes': '4096', 'log.cleaner.backoff.ms': '3600000' };
    let broker = await start(dir, overrides);
    await broker.logs.createTopic('t', 1);
    for (let i = 1; i <= 300; i++) expect(await commit(broker, 'busy', i)).toEqual([0]);
    const records = async (b: Broker) => b.groups.store.topic.load(() => {});
    expect(await records(broker)).toBe(300);
    const size = () => [...broker.logs.topic('__consumer_offsets')!.partitions.values()].reduce((n, p) => n + p.sizeBytes, 0);
    const before = size();
    // The cleaner touches only segments below the recovery point: wait for the rolled ones' flushes.
    const logs = [...broker.logs.topic('__consumer_offsets')!.partitions.values()];
    for (let waited = 0; logs.some((p) => p.recoveryPoint < p.activeSegment.baseOffset); waited += 10) {
      expect(waited, 'rolled segments flushed').toBeLessThan(10_000);
      await new Promise((r) => setTimeout(r, 10));
    }
    const cleaned = await broker.logs.compact('__consumer_offsets');
    expect(cleaned.length).toBeGreaterThan(0);
    const after = size();
    expect(after).toBeLessThan(before / 3);
    // What is left: the active segment's commits and one per cleaned segment at most.
    expect(await records(broker)).toBeLessThan(60);
    expect(committed(broker, 'busy')).toBe(300);
    await broker.stop();
    broker = await start(dir, overrides);
    expect(committed(broker, 'busy')).toBe(300);
    await broker.stop();
  });
});
