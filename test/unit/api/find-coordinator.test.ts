// src/api/find-coordinator.ts: FindCoordinator v0-6: every group's and transactional id's coordinator is this broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCoordinator } from '../../../src/api/find-coordinator.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'offsets.topic.num.partitions': '3', 'transaction.state.log.num.partitions': '3' }); });
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

  it('v1+: names this broker for a transactional id, creating __transaction_state; an unknown key type is INVALID_REQUEST and says why', async () => {
    expect(hb.broker.logs.topic('__transaction_state')).toBeUndefined();
    const txn = await find(1, { key: 'tx', keyType: 1 });
    expect([txn.errorCode, txn.nodeId, txn.port]).toEqual([ErrorCode.NONE, hb.broker.config.nodeId, hb.broker.listeners[0].port]);
    const state = hb.broker.logs.topic('__transaction_state')!;
    expect([state.partitions.size, state.internal, state.overrides['cleanup.policy']]).toEqual([3, true, 'compact']);
    const bad = await find(3, { key: 'x', keyType: 7 });
    expect([bad.errorCode, bad.errorMessage]).toEqual([ErrorCode.INVALID_REQUEST, expect.stringMatching(/key type 7/)]);
  });

  it('v4 batches keys (KIP-699): one coordinator per key, in order', async () => {
    const response = await find(4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(response.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port])).toEqual([
      ['g1', ErrorCode.NONE, hb.broker.config.nodeId, hb.broker.listeners[0].port], ['g2', ErrorCode.NONE, hb.broker.config.nodeId, hb.broker.listeners[0].port],
    ]);
    const txn = await find(4, { keyType: 1, coordinatorKeys: ['t1', 't2'] });
    expect(txn.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([['t1', ErrorCode.NONE, hb.broker.config.nodeId], ['t2', ErrorCode.NONE, hb.broker.config.nodeId]]);
    const share = await find(6, { keyType: 2, coordinatorKeys: ['s1'] });
    expect(share.coordinators.map((c) => [c.key, c.errorCode])).toEqual([['s1', ErrorCode.INVALID_REQUEST]]);
  });
});
