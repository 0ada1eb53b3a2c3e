// src/api/heartbeat.ts: Heartbeat v0-4 keeps a member's session alive and tells it when to rejoin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeat } from '../../../src/api/heartbeat.js';
import { joinGroup } from '../../../src/api/join-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { joinRequest, stableMember } from '../../helpers/groups.js';
import { sleep, waitFor } from '../../helpers/wait.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'group.min.session.timeout.ms': '100' }); });
afterAll(stopHandlerBrokers);

const beat = (v: number, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null) =>
  hb.call(heartbeat, v, { groupId, generationId, memberId, groupInstanceId }).then((r) => r.errorCode);

describe('Heartbeat', () => {
  it('a member of the current generation of a stable group: NONE, at every version', async () => {
    const { memberId, generationId } = await stableMember(hb, 'hb-stable');
    for (const v of [0, 1, 2, 3, 4]) expect(await beat(v, 'hb-stable', generationId, memberId)).toBe(ErrorCode.NONE);
  });

  it('keeps the session alive past its timeout; without heartbeats the member is removed', async () => {
    const kept = await stableMember(hb, 'hb-alive', { sessionTimeoutMs: 1000 });
    for (let i = 0; i < 15; i++) {
      await sleep(100);
      expect(await beat(4, 'hb-alive', kept.generationId, kept.memberId)).toBe(ErrorCode.NONE);
    }
    const lost = await stableMember(hb, 'hb-lost', { sessionTimeoutMs: 300 });
    await waitFor('the silent member to be removed', () => hb.broker.groups.group('hb-lost')!.members.size === 0, { timeoutMs: 5000 });
    expect(await beat(4, 'hb-lost', lost.generationId, lost.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(hb.broker.groups.group('hb-alive')!.members.has(kept.memberId)).toBe(true);
  });

  it('another generation: ILLEGAL_GENERATION; unknown members and groups: UNKNOWN_MEMBER_ID; no group id: INVALID_GROUP_ID', async () => {
    const { memberId, generationId } = await stableMember(hb, 'hb-errors');
    expect(await beat(1, 'hb-errors', generationId + 1, memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await beat(1, 'hb-errors', generationId, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await beat(1, 'hb-none', 1, memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await beat(1, '', 1, memberId)).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('REBALANCE_IN_PROGRESS once another member joins: the member must rejoin', async () => {
    const { memberId, generationId } = await stableMember(hb, 'hb-rebalance');
    void hb.call(joinGroup, 3, joinRequest('hb-rebalance', '')); // answered when the rebalance completes
    await waitFor('the rebalance', () => hb.broker.groups.group('hb-rebalance')!.state === 'PreparingRebalance', { timeoutMs: 5000 });
    expect(await beat(2, 'hb-rebalance', generationId, memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('v3+: a static member replaced by a newer instance is FENCED_INSTANCE_ID', async () => {
    const old = await stableMember(hb, 'hb-static', { groupInstanceId: 'i-1' });
    await hb.call(joinGroup, 5, joinRequest('hb-static', '', { groupInstanceId: 'i-1' })); // the instance restarted
    expect(await beat(3, 'hb-static', old.generationId, old.memberId, 'i-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});
