// src/api/init-producer-id.ts: InitProducerId v0-5 for idempotent producers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProducerId } from '../../../src/api/init-producer-id.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultInitProducerIdRequest } from '../../../src/protocol/generated/init-producer-id.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker(); });
afterAll(stopHandlerBrokers);

const init = (v: number, fields = {}) => hb.call(initProducerId, v, { ...defaultInitProducerIdRequest(), transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1, ...fields });

describe('InitProducerId', () => {
  it('hands out a new producer id with epoch 0, never the same twice', async () => {
    const a = await init(0);
    const b = await init(4);
    expect([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch]).toEqual([ErrorCode.NONE, 0, ErrorCode.NONE, 0]);
    expect(a.producerId).toBeGreaterThanOrEqual(0);
    expect(b.producerId).toBeGreaterThan(a.producerId);
  });

  it('v3+: re-initialising an existing id bumps its epoch; at the last epoch a new id is given', async () => {
    const { producerId } = await init(3);
    expect(await init(3, { producerId, producerEpoch: 0 })).toMatchObject({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 1 });
    expect(await init(5, { producerId, producerEpoch: 32765 })).toMatchObject({ producerId, producerEpoch: 32766 });
    const fresh = await init(5, { producerId, producerEpoch: 32766 });
    expect([fresh.producerEpoch, fresh.producerId === producerId]).toEqual([0, false]);
  });

  it('a transactional id needs the transaction coordinator: COORDINATOR_NOT_AVAILABLE', async () => {
    expect(await init(1, { transactionalId: 'tx-1' })).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 });
  });

  it('ids are not reused after a restart', async () => {
    const before = (await init(0)).producerId;
    await hb.restart();
    expect((await init(0)).producerId).toBeGreaterThan(before);
  });
});
