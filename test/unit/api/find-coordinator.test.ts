// src/api/find-coordinator.ts: FindCoordinator v0-4: every group's coordinator is this broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCoordinator } from '../../../src/api/find-coordinator.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'offsets.topic.num.partitions': '3' }); });
afterAll(stopHandlerBrokers);

const find = (v: number, fields = {}) => hb.call(findCoordinator, v, { ...defaultFindCoordinatorRequest(), ...fields });

describe('FindCoordinator', () => {
  it('names this broker for a group, creating __consumer_offsets on the first lookup', async () => {
    expect(hb.broker.logs.topic('__consumer_offsets')).toBeUndefined();
    const response = await find(0, { key: 'fc-group' });
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: hb.broker.config.nodeId, host: '127.0.0.1', port: hb.broker.listeners[0].port });
    const offsets = hb.broker.logs.topic('__consumer_offsets')!;
    expect([offsets.partitions.size, offsets.internal]).toEqual([3, true]);
  });

  it('v1+: transactions have no coordinator yet; an unknown key type is INVALID_REQUEST; both say why', async () => {
    const txn = await find(1, { key: 'tx', keyType: 1 });
    expect([txn.errorCode, txn.nodeId, txn.errorMessage]).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, expect.stringMatching(/transactions/)]);
    const bad = await find(3, { key: 'x', keyType: 7 });
    expect([bad.errorCode, bad.errorMessage]).toEqual([ErrorCode.INVALID_REQUEST, expect.stringMatching(/key type 7/)]);
  });

  it('v4 batches keys (KIP-699): one coordinator per key, in order', async () => {
    const response = await find(4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(response.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port])).toEqual([
      ['g1', ErrorCode.NONE, hb.broker.config.nodeId, hb.broker.listeners[0].port], ['g2', ErrorCode.NONE, hb.broker.config.nodeId, hb.broker.listeners[0].port],
    ]);
    const txn = await find(4, { keyType: 1, coordinatorKeys: ['t1'] });
    expect(txn.coordinators.map((c) => [c.key, c.errorCode])).toEqual([['t1', ErrorCode.COORDINATOR_NOT_AVAILABLE]]);
  });
});
