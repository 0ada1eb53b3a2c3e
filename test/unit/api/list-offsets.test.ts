// src/api/list-offsets.ts: ListOffsets v0-9: latest, earliest, by timestamp (the time
// index, then the records), the largest timestamp (v7), earliest local and latest tiered
// (v8, v9: no tiered storage), and v0's list of offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOffsets } from '../../../src/api/list-offsets.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch } from '../../../src/core/index.js';
import { defaultListOffsetsRequest } from '../../../src/protocol/generated/list-offsets.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;

/** Offsets 0-2 at 1000-1002, 3-5 at 2000, 1500, 2500, 6 at 3000: timestamps out of order inside a batch. */
const TIMESTAMPS = [[1000, 1001, 1002], [2000, 1500, 2500], [3000]];
async function fill(topic: string, configs: Record<string, string> = {}) {
  await hb.topic(topic, 1, {}, configs);
  const log = hb.broker.logs.partition(topic, 0)!;
  for (const stamps of TIMESTAMPS) expect((await log.append(buildBatch(hb.broker.core, stamps.map((timestamp) => ({ value: `at ${timestamp}`.padEnd(60), timestamp }))))).status).toBe(0);
  return log;
}

beforeAll(async () => {
  hb = await startHandlerBroker();
  await fill('lo');
  // A segment per batch: what v0's list of segment base offsets is made of.
  await fill('lo-segments', { 'segment.bytes': '150' });
});
afterAll(stopHandlerBrokers);

type Query = [partition: number, timestamp: number, extra?: { currentLeaderEpoch?: number; maxNumOffsets?: number }];
const ask = async (v: number, topic: string, queries: Query[]) => (await hb.call(listOffsets, v, {
  ...defaultListOffsetsRequest(), replicaId: -1,
  topics: [{ name: topic, partitions: queries.map(([partitionIndex, timestamp, extra]) => ({ partitionIndex, timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1, ...extra })) }],
})).topics[0].partitions;

describe('ListOffsets', () => {
  it('latest is the high watermark, earliest the log start', async () => {
    const [latest, earliest] = await ask(1, 'lo', [[0, LATEST], [0, EARLIEST]]);
    expect([latest.errorCode, latest.offset, latest.timestamp]).toEqual([ErrorCode.NONE, 7, -1]);
    expect([earliest.offset, earliest.timestamp]).toEqual([0, -1]);
  });

  it('a timestamp finds the first record with a timestamp at or after it, whatever the order inside a batch', async () => {
    const found = await ask(1, 'lo', [[0, 1001], [0, 1600], [0, 2001], [0, 2600], [0, 3000], [0, 3001], [0, 0]]);
    expect(found.map((p) => [p.offset, p.timestamp])).toEqual([[1, 1001], [3, 2000], [5, 2500], [6, 3000], [6, 3000], [-1, -1], [0, 1000]]);
  });

  it('the same across segments', async () => {
    expect(hb.broker.logs.partition('lo-segments', 0)!.segments.length).toBe(3);
    const found = await ask(1, 'lo-segments', [[0, 1001], [0, 1600], [0, 2600], [0, 3001]]);
    expect(found.map((p) => [p.offset, p.timestamp])).toEqual([[1, 1001], [3, 2000], [6, 3000], [-1, -1]]);
  });

  it('v7: -3 finds the record with the largest timestamp', async () => {
    const [max] = await ask(7, 'lo', [[0, MAX_TIMESTAMP]]);
    expect([max.errorCode, max.offset, max.timestamp, max.leaderEpoch]).toEqual([ErrorCode.NONE, 6, 3000, 0]);
  });

  it('v4+ answer the leader epoch (0) of what they found, -1 for nothing found', async () => {
    expect((await ask(4, 'lo', [[0, 1001], [0, 9999]])).map((p) => p.leaderEpoch)).toEqual([0, -1]);
    expect((await ask(3, 'lo', [[0, 1001]])).map((p) => p.leaderEpoch)).toEqual([-1]);
  });

  it('answers an unknown partition, a leader epoch from the future and an unknown special timestamp', async () => {
    const answers = await ask(4, 'lo', [[1, LATEST], [0, LATEST, { currentLeaderEpoch: 1 }], [0, -6], [0, LATEST, { currentLeaderEpoch: 0 }]]);
    expect(answers.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, ErrorCode.UNKNOWN_LEADER_EPOCH], [0, ErrorCode.INVALID_REQUEST], [0, ErrorCode.NONE],
    ]);
    expect((await ask(1, 'lo-none', [[0, LATEST]]))[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('v0 answers lists: the end and every segment base (newest first), the start, or the bases of segments older than a time', async () => {
    const log = hb.broker.logs.partition('lo-segments', 0)!;
    const bases = log.segments.map((s) => s.baseOffset);
    expect(bases).toEqual([0, 3, 6]);
    const [latest, earliest, older, one] = await ask(0, 'lo-segments', [
      [0, LATEST, { maxNumOffsets: 10 }], [0, EARLIEST, { maxNumOffsets: 10 }], [0, 2600, { maxNumOffsets: 10 }], [0, LATEST, { maxNumOffsets: 1 }],
    ]);
    expect(latest.oldStyleOffsets).toEqual([7, 6, 3, 0]);
    expect(earliest.oldStyleOffsets).toEqual([0]);
    expect(older.oldStyleOffsets).toEqual([3, 0]); // the segments whose newest record is at or before 2600
    expect(one.oldStyleOffsets).toEqual([7]);
  });

  it('v8 earliest local is the log start (no tiered storage); v9 latest tiered is offset -1 (nothing tiered)', async () => {
    const [local, tiered] = await ask(9, 'lo', [[0, -4], [0, -5]]);
    expect([local.errorCode, local.offset, local.timestamp]).toEqual([ErrorCode.NONE, 0, -1]);
    expect([tiered.errorCode, tiered.offset, tiered.timestamp, tiered.leaderEpoch]).toEqual([ErrorCode.NONE, -1, -1, -1]);
    const [v8] = await ask(8, 'lo', [[0, -4]]);
    expect(v8.offset).toBe(0);
  });
});
