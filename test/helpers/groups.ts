// Consumer group members for the group handlers' tests, joined and synced through the
// JoinGroup and SyncGroup handlers as a consumer does (KIP-394's member id round included).
import { expect } from 'vitest';
import { joinGroup } from '../../src/api/join-group.js';
import { syncGroup } from '../../src/api/sync-group.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeAssignment, encodeSubscription } from '../../src/protocol/consumer-protocol.js';
import { defaultJoinGroupRequest } from '../../src/protocol/generated/join-group.js';
import { defaultSyncGroupRequest } from '../../src/protocol/generated/sync-group.js';
import type { HandlerBroker } from './handlers.js';

export interface JoinOptions {
  /** Subscribed topics (the consumer protocol's metadata). */
  topics?: string[];
  clientId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
}

/** A JoinGroup request body of the "consumer" protocol type with one "range" protocol. */
export function joinRequest(groupId: string, memberId: string, options: JoinOptions = {}) {
  return {
    ...defaultJoinGroupRequest(), groupId, memberId, groupInstanceId: options.groupInstanceId ?? null, protocolType: 'consumer',
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000, rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 10_000,
    protocols: [{ name: 'range', metadata: encodeSubscription(options.topics ?? ['t']) }],
  };
}

/** A member alone in a group that becomes Stable: joined (v5), synced with all of `topics`' partition 0. */
export async function stableMember(hb: HandlerBroker, groupId: string, options: JoinOptions = {}): Promise<{ memberId: string; generationId: number }> {
  const call = { clientId: options.clientId ?? 'consumer-1' };
  const first = await hb.call(joinGroup, 5, joinRequest(groupId, '', options), call);
  let memberId = first.memberId;
  let joined = first;
  if (first.errorCode === ErrorCode.MEMBER_ID_REQUIRED) joined = await hb.call(joinGroup, 5, joinRequest(groupId, memberId, options), call);
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  memberId = joined.memberId;
  const assignment = encodeAssignment((options.topics ?? ['t']).map((topic) => ({ topic, partitions: [0] })));
  const synced = await hb.call(syncGroup, 3, {
    ...defaultSyncGroupRequest(), groupId, generationId: joined.generationId, memberId, groupInstanceId: options.groupInstanceId ?? null,
    assignments: [{ memberId, assignment }],
  });
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  return { memberId, generationId: joined.generationId };
}
