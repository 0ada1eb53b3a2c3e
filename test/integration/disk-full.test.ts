// A full log directory: appends fail with KAFKA_STORAGE_ERROR, nothing acknowledged is
// lost or torn, and the broker keeps serving (reads, metadata, other clients).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Core, buildBatch, ABI } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startBroker, cleanupDirs, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const core = Core.create();
let mountPoint: string;
let broker: RunningBroker;

/** Runs a privileged command as root (CI runs as root) or through passwordless sudo. */
function privileged(command: string, args: string[]): void {
  if (process.getuid?.() === 0) execFileSync(command, args);
  else execFileSync('sudo', ['-n', command, ...args]);
}

beforeAll(async () => {
  mountPoint = join(tempDir('strom-full-'), 'disk');
  mkdirSync(mountPoint);
  privileged('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
  broker = await startBroker({ dir: join(mountPoint, 'data') });
});
afterAll(async () => {
  await broker?.kill();
  privileged('umount', [mountPoint]);
  cleanupDirs();
});

const produce = (topic: string, records: Uint8Array) => ({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(records) }] }] });
const create = (name: string) => ({ topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });

describe('disk full', () => {
  it('answers KAFKA_STORAGE_ERROR, keeps what was acknowledged, and keeps serving', async () => {
    const c = await RawClient.connect(broker.port);
    expect((await c.request(19, 5, create('fill'))).topics[0].errorCode).toBe(0);
    const batch = buildBatch(core, Array.from({ length: 50 }, (_, i) => ({ value: Buffer.alloc(2000, i), timestamp: 1_700_000_000_000 + i })));
    let acknowledged = 0;
    let storageError = false;
    for (let i = 0; i < 100 && !storageError; i++) {
      const r = (await c.request(0, 9, produce('fill', batch))).responses[0].partitionResponses[0];
      if (r.errorCode === 0) {
        expect(r.baseOffset).toBe(acknowledged);
        acknowledged += 50;
      } else {
        expect(r.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
        storageError = true;
      }
    }
    expect(storageError).toBe(true);
    expect(acknowledged).toBeGreaterThan(0);
    // Still serving: metadata, and every acknowledged record reads back.
    const other = await RawClient.connect(broker.port);
    expect((await other.request(18, 0, {})).errorCode).toBe(0);
    const fetched = await other.request(1, 11, {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 1, maxBytes: 50 << 20,
      isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
      topics: [{ topic: 'fill', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 50 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    });
    const p = fetched.responses[0].partitions[0];
    expect(p.highWatermark).toBe(acknowledged);
    const scan = core.scan(p.records, ABI.F_VERIFY_CRC, 1000);
    expect([scan.status, scan.batches.at(-1)!.lastOffset]).toEqual([0, acknowledged - 1]);
    // A topic cannot be created on a full disk either: the same error, no half-made topic.
    const more = (await other.request(19, 5, create('more'))).topics[0].errorCode;
    expect([ErrorCode.NONE, ErrorCode.KAFKA_STORAGE_ERROR]).toContain(more);
    c.close();
    other.close();
  });

  it('recovers to the acknowledged records after a restart', async () => {
    await broker.kill();
    broker = await startBroker({ dir: join(mountPoint, 'data') });
    const c = await RawClient.connect(broker.port);
    const offsets = await c.request(2, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'fill', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }] });
    expect(offsets.topics[0].partitions[0].offset % 50).toBe(0); // whole batches only
    c.close();
  });
});
