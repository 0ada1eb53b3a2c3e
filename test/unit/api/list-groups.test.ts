// src/api/list-groups.ts: ListGroups v0-5, with v4's state filter and v5's type filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listGroups } from '../../../src/api/list-groups.js';
import { offsetCommit } from '../../../src/api/offset-commit.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { defaultListGroupsRequest } from '../../../src/protocol/generated/list-groups.js';
import { defaultOffsetCommitRequest } from '../../../src/protocol/generated/offset-commit.js';
import { startHandlerBroker, stopHandlerBrokers, type HandlerBroker } from '../../helpers/handlers.js';
import { stableMember } from '../../helpers/groups.js';

let hb: HandlerBroker;
beforeAll(async () => {
  hb = await startHandlerBroker();
  await hb.topic('t', 1);
  await stableMember(hb, 'lsg-stable');
  // A group that only stores offsets (a standalone commit): Empty, no protocol type.
  await hb.call(offsetCommit, 2, { ...defaultOffsetCommitRequest(), groupId: 'lsg-offsets', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }] });
});
afterAll(stopHandlerBrokers);

const list = async (v: number, fields = {}) => {
  const r = await hb.call(listGroups, v, { ...defaultListGroupsRequest(), ...fields });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  return r.groups.map((g) => [g.groupId, g.protocolType, g.groupState, g.groupType]).sort();
};

describe('ListGroups', () => {
  it('lists every group with its protocol type; the state from v4, the type from v5', async () => {
    expect(await list(1)).toEqual([['lsg-offsets', '', '', ''], ['lsg-stable', 'consumer', '', '']]);
    expect(await list(4)).toEqual([['lsg-offsets', '', 'Empty', ''], ['lsg-stable', 'consumer', 'Stable', '']]);
    expect(await list(5)).toEqual([['lsg-offsets', '', 'Empty', 'classic'], ['lsg-stable', 'consumer', 'Stable', 'classic']]);
  });

  it('v4+ filter by state, case-insensitively', async () => {
    expect((await list(4, { statesFilter: ['stable'] })).map((g) => g[0])).toEqual(['lsg-stable']);
    expect((await list(4, { statesFilter: ['Empty', 'Dead'] })).map((g) => g[0])).toEqual(['lsg-offsets']);
  });

  it('v5 filters by type: every group here is classic', async () => {
    expect(await list(5, { typesFilter: ['consumer'] })).toEqual([]);
    expect((await list(5, { typesFilter: ['Classic'] })).length).toBe(2);
  });
});
