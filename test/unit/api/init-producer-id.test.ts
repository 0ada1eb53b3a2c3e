// src/api/init-producer-id.ts: InitProducerId v0-5 for idempotent and transactional producers.
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

  it('a transactional id keeps its producer id and gets a new epoch each time; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v4', async () => {
    const first = await init(1, { transactionalId: 'tx-1' });
    expect([first.errorCode, first.producerEpoch]).toEqual([ErrorCode.NONE, 0]);
    expect(await init(1, { transactionalId: 'tx-1' })).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
    // KIP-360: recovering with an epoch the id has moved past is fencing.
    expect(await init(3, { transactionalId: 'tx-1', producerId: first.producerId, producerEpoch: 0 })).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(await init(4, { transactionalId: 'tx-1', producerId: first.producerId, producerEpoch: 0 })).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
    // One of producer id and epoch without the other.
    expect(await init(3, { transactionalId: 'tx-1', producerId: first.producerId })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
  });

  it('a transaction timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT', async () => {
    expect(await init(1, { transactionalId: 'tx-2', transactionTimeoutMs: 900_001 })).toMatchObject({ errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT });
  });

  it('ids are not reused after a restart', async () => {
    const before = (await init(0)).producerId;
    await hb.restart();
    expect((await init(0)).producerId).toBeGreaterThan(before);
  });
});
