// src/api/delete-records.ts: DeleteRecords v0-2 moves a partition's log start offset up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRecords } from '../../../src/api/delete-records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultDeleteRecordsRequest } from '../../../src/protocol/generated/delete-records.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const values = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i}` }));
const del = async (topic: string, partitions: [number, number][], v = 1) => (await hb.call(deleteRecords, v, {
  ...defaultDeleteRecordsRequest(), timeoutMs: 1000,
  topics: [{ name: topic, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) }],
})).topics[0].partitions.map((p) => [p.partitionIndex, p.lowWatermark, p.errorCode]);

describe('DeleteRecords', () => {
  it('moves the log start offset up; reads below it are out of range', async () => {
    await hb.topic('dr-move', 1, { 0: values(10) });
    expect(await del('dr-move', [[0, 4]])).toEqual([[0, 4, ErrorCode.NONE]]);
    const log = hb.broker.logs.partition('dr-move', 0)!;
    expect([log.logStartOffset, log.logEndOffset]).toEqual([4, 10]);
    await expect(log.read(3, 1000, true)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    // Never down again: a lower offset leaves it where it is.
    expect(await del('dr-move', [[0, 2]])).toEqual([[0, 4, ErrorCode.NONE]]);
  });

  it('-1 means the high watermark; the high watermark itself is allowed, past it is not', async () => {
    await hb.topic('dr-hw', 3, { 0: values(5), 1: values(5), 2: values(5) });
    expect(await del('dr-hw', [[0, -1], [1, 5], [2, 6]], 2)).toEqual([[0, 5, ErrorCode.NONE], [1, 5, ErrorCode.NONE], [2, -1, ErrorCode.OFFSET_OUT_OF_RANGE]]);
    expect(hb.broker.logs.partition('dr-hw', 2)!.logStartOffset).toBe(0);
  });

  it('refuses negative offsets other than -1, and unknown partitions', async () => {
    await hb.topic('dr-bad', 1, { 0: values(2) });
    expect(await del('dr-bad', [[0, -2], [1, 1]], 0)).toEqual([[0, -1, ErrorCode.OFFSET_OUT_OF_RANGE], [1, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(await del('dr-none', [[0, 1]])).toEqual([[0, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  });
});
