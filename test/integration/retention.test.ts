// Background policies, end to end: segments roll by age (segment.ms), retention deletes
// old segments on its check interval, and flush.messages moves the recovery point.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Core, buildBatch } from '../../src/core/index.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { sleep } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';

const core = Core.create();
let broker: RunningBroker;
let c: RawClient;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'log.retention.check.interval.ms': '200', 'log.flush.offset.checkpoint.interval.ms': '200', 'log.segment.delete.delay.ms': '0' } });
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const create = (name: string, configs: Record<string, string>) => c.request(19, 5, {
  topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }], timeoutMs: 1000, validateOnly: false,
});
const produce = async (topic: string, n: number) => (await c.request(0, 9, {
  transactionalId: null, acks: 1, timeoutMs: 1000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(buildBatch(core, Array.from({ length: n }, (_, i) => ({ value: `v${i}`.padEnd(200, '.') })))) }] }],
})).responses[0].partitionResponses[0];
const earliest = async (topic: string) => (await c.request(2, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] }] })).topics[0].partitions[0].offset;
const segments = (topic: string) => readdirSync(join(broker.dir, `${topic}-0`)).filter((f) => f.endsWith('.log')).sort();

describe('background policies', () => {
  it('rolls by age and deletes segments older than retention.ms', async () => {
    await create('aging', { 'segment.ms': '300', 'retention.ms': '1200' });
    await produce('aging', 5);
    await sleep(400);
    expect((await produce('aging', 5)).baseOffset).toBe(5); // this append rolled
    expect(segments('aging')).toEqual(['00000000000000000000.log', '00000000000000000005.log']);
    const deadline = Date.now() + 5000;
    while ((await earliest('aging')) === 0 && Date.now() < deadline) await sleep(100);
    expect(await earliest('aging')).toBe(5);
    expect(segments('aging')).toEqual(['00000000000000000005.log']);
  });

  it('deletes the oldest segments beyond retention.bytes, never the active one', async () => {
    await create('sized', { 'segment.bytes': '3000', 'retention.bytes': '6000' });
    for (let i = 0; i < 12; i++) await produce('sized', 5);
    // A pass deletes the segments one by one: wait for the state asserted, not its first step.
    const size = (f: string) => statSync(join(broker.dir, 'sized-0', f), { throwIfNoEntry: false })?.size ?? 0; // deleted meanwhile: 0
    const logBytes = () => segments('sized').reduce((n, f) => n + size(f), 0);
    const deadline = Date.now() + 10_000;
    while (((await earliest('sized')) === 0 || logBytes() > 6000 + 3000) && Date.now() < deadline) await sleep(100);
    const remaining = segments('sized');
    const bytes = logBytes();
    expect(await earliest('sized')).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(6000 + 3000);
    expect(remaining.length).toBeGreaterThanOrEqual(1);
  });

  it('moves the recovery point with flush.messages=1, not without it', async () => {
    await create('synced', { 'flush.messages': '1' });
    await create('unsynced', {});
    await produce('synced', 3);
    await produce('unsynced', 3);
    await sleep(600);
    const checkpoint = readFileSync(join(broker.dir, 'recovery-point-offset-checkpoint'), 'utf8');
    expect(checkpoint).toContain('synced 0 3');
    expect(checkpoint).toContain('unsynced 0 0');
  });
});
