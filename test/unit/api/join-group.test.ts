// src/api/join-group.ts: JoinGroup v0-9, what each version asks of the coordinator and how
// its answer is shaped for that version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinGroup } from '../../../src/api/join-group.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { encodeSubscription, subscribedTopics } from '../../../src/protocol/consumer-protocol.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { joinRequest, stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => { hb = await startHandlerBroker({ 'group.min.session.timeout.ms': '1000', 'group.max.session.timeout.ms': '60000' }); });
afterAll(stopHandlerBrokers);

describe('JoinGroup', () => {
  it('v4+: a new member without an id gets MEMBER_ID_REQUIRED with its id, then joins with it (KIP-394)', async () => {
    const first = await hb.call(joinGroup, 4, joinRequest('jg-kip394', ''), { clientId: 'my-client' });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^my-client-[0-9a-f-]{36}$/);
    const second = await hb.call(joinGroup, 4, joinRequest('jg-kip394', first.memberId), { clientId: 'my-client' });
    expect(second).toMatchObject({ errorCode: ErrorCode.NONE, memberId: first.memberId, leader: first.memberId, generationId: 1, protocolName: 'range' });
    expect(second.members.map((m) => [m.memberId, subscribedTopics(m.metadata)])).toEqual([[first.memberId, ['t']]]);
  });

  it('v0-3 join at once; v0 takes the session timeout as the rebalance timeout', async () => {
    const joined = await hb.call(joinGroup, 0, { ...joinRequest('jg-v0', ''), sessionTimeoutMs: 7000, rebalanceTimeoutMs: -1 });
    expect([joined.errorCode, joined.generationId, joined.leader === joined.memberId]).toEqual([ErrorCode.NONE, 1, true]);
    const member = hb.broker.groups.group('jg-v0')!.members.get(joined.memberId)!;
    expect([member.sessionTimeoutMs, member.rebalanceTimeoutMs]).toEqual([7000, 7000]);
    const v1 = await hb.call(joinGroup, 1, { ...joinRequest('jg-v1', ''), sessionTimeoutMs: 7000, rebalanceTimeoutMs: 20_000 });
    expect(hb.broker.groups.group('jg-v1')!.members.get(v1.memberId)!.rebalanceTimeoutMs).toBe(20_000);
  });

  it('records the client id and host (as /<address>, as Kafka reports it)', async () => {
    const joined = await hb.call(joinGroup, 2, joinRequest('jg-host', ''), { clientId: 'reporting', clientHost: '10.1.2.3' });
    const member = hb.broker.groups.group('jg-host')!.members.get(joined.memberId)!;
    expect([member.clientId, member.clientHost]).toEqual(['reporting', '/10.1.2.3']);
  });

  it('a session timeout outside the broker\'s bounds: INVALID_SESSION_TIMEOUT; an empty group id: INVALID_GROUP_ID', async () => {
    expect((await hb.call(joinGroup, 5, { ...joinRequest('jg-short', ''), sessionTimeoutMs: 999 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await hb.call(joinGroup, 5, { ...joinRequest('jg-long', ''), sessionTimeoutMs: 60_001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await hb.call(joinGroup, 5, joinRequest('', ''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(hb.broker.groups.group('jg-short')).toBeUndefined();
  });

  it('an unknown member id: UNKNOWN_MEMBER_ID; another protocol type: INCONSISTENT_GROUP_PROTOCOL', async () => {
    await stableMember(hb, 'jg-errors');
    expect((await hb.call(joinGroup, 5, joinRequest('jg-errors', 'nobody'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await hb.call(joinGroup, 5, { ...joinRequest('jg-errors', ''), protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('v5+: members carry their group.instance.id; before v5 it is not on the wire', async () => {
    const joined = await hb.call(joinGroup, 5, joinRequest('jg-static', '', { groupInstanceId: 'instance-a' }));
    expect(joined.errorCode).toBe(ErrorCode.NONE); // a static member needs no member id round
    expect(joined.members.map((m) => m.groupInstanceId)).toEqual(['instance-a']);
    const old = await hb.call(joinGroup, 4, joinRequest('jg-static-old', joined.memberId));
    expect(old.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('v7+ answer the protocol type; the protocol name of a failed join is empty before v7, null from v7', async () => {
    const v7 = await hb.call(joinGroup, 7, joinRequest('jg-v7', ''));
    expect([v7.errorCode, v7.protocolType, v7.protocolName]).toEqual([ErrorCode.MEMBER_ID_REQUIRED, null, null]);
    const joined = await hb.call(joinGroup, 7, joinRequest('jg-v7', v7.memberId));
    expect([joined.errorCode, joined.protocolType, joined.protocolName]).toEqual([ErrorCode.NONE, 'consumer', 'range']);
    const v6 = await hb.call(joinGroup, 6, joinRequest('jg-v6', ''));
    expect([v6.errorCode, v6.protocolType, v6.protocolName]).toEqual([ErrorCode.MEMBER_ID_REQUIRED, null, '']);
  });

  it('keeps a copy of the member\'s metadata, not a view of the request frame (reused once answered)', async () => {
    const metadata = encodeSubscription(['copied']);
    const joined = await hb.call(joinGroup, 3, { ...joinRequest('jg-copy', ''), protocols: [{ name: 'range', metadata }] });
    const member = hb.broker.groups.group('jg-copy')!.members.get(joined.memberId)!;
    hb.scribbleFreedMemory();
    expect(subscribedTopics(member.metadataFor('range'))).toEqual(['copied']);
  });

  it('v9: a static leader rejoining a stable group is told to skip the assignment (KIP-814)', async () => {
    const first = await stableMember(hb, 'jg-skip', { groupInstanceId: 'leader-instance' });
    const rejoined = await hb.call(joinGroup, 9, joinRequest('jg-skip', '', { groupInstanceId: 'leader-instance' }));
    expect([rejoined.errorCode, rejoined.skipAssignment, rejoined.leader === rejoined.memberId, rejoined.memberId === first.memberId]).toEqual([ErrorCode.NONE, true, true, false]);
    const again = await hb.call(joinGroup, 8, joinRequest('jg-skip', '', { groupInstanceId: 'leader-instance' }));
    expect([again.errorCode, again.skipAssignment, again.members]).toEqual([ErrorCode.NONE, false, []]);
  });
});
