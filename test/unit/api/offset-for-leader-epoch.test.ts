// src/api/offset-for-leader-epoch.ts: the end offset of a leader epoch. One broker has only
// epoch 0, which ends at the log end offset; the current leader epoch is checked (v2+).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetForLeaderEpoch } from '../../../src/api/offset-for-leader-epoch.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('e', 2, { 0: Array.from({ length: 7 }, (_, i) => ({ value: `v${i}` })) });
});
afterAll(stopHandlerBrokers);

const ask = async (v: number, partitions: { partition: number; leaderEpoch: number; currentLeaderEpoch?: number }[], topic = 'e') =>
  (await hb.call(offsetForLeaderEpoch, v, { replicaId: -1, topics: [{ topic, partitions: partitions.map((p) => ({ currentLeaderEpoch: -1, ...p })) }] })).topics[0].partitions;

describe('OffsetForLeaderEpoch', () => {
  it('epoch 0 ends at the log end offset; a later epoch is unknown', async () => {
    for (const v of [0, 2, 3, 4]) {
      const [zero, empty, later] = await ask(v, [{ partition: 0, leaderEpoch: 0 }, { partition: 1, leaderEpoch: 0 }, { partition: 0, leaderEpoch: 5 }]);
      expect([zero.errorCode, zero.endOffset]).toEqual([ErrorCode.NONE, 7]);
      if (v >= 1) expect(zero.leaderEpoch).toBe(0);
      expect(empty.endOffset).toBe(0);
      expect([later.errorCode, later.leaderEpoch, later.endOffset]).toEqual([ErrorCode.NONE, -1, -1]);
    }
  });

  it('checks the current leader epoch (v2+) and the partition', async () => {
    const [newer, current, none] = await ask(4, [{ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 3 }, { partition: 0, leaderEpoch: 0, currentLeaderEpoch: 0 }, { partition: 9, leaderEpoch: 0 }]);
    expect(newer.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect([current.errorCode, current.endOffset]).toEqual([ErrorCode.NONE, 7]);
    expect(none.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [missing] = await ask(4, [{ partition: 0, leaderEpoch: 0 }], 'nope');
    expect(missing.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
