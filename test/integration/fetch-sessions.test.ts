// Fetch sessions (KIP-227) over the wire: a full fetch opens a session, incremental fetches
// add, update and forget partitions and are answered with what changed only, epochs are
// checked, a session can be closed, and the cache evicts as Kafka's does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Core, buildBatch } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const FETCH = 1, PRODUCE = 0, CREATE_TOPICS = 19, METADATA = 3, DELETE_TOPICS = 20;
const core = Core.create();
let broker: RunningBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'max.incremental.fetch.session.cache.slots': '2', 'strom.fetch.session.eviction.ms': '3600000' } });
  await setUp();
});
afterEach(() => { for (const c of clients.splice(0)) c.close(); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

/** Topic s: 4 partitions of 2 records each. */
async function setUp(): Promise<void> {
  const c = await client();
  const created = await c.request(CREATE_TOPICS, 4, { topics: [{ name: 's', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
  for (let p = 0; p < 4; p++) await produce(p, 2);
}

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
}

let produced = 0;
async function produce(partition: number, n: number): Promise<void> {
  const c = await RawClient.connect(broker.port);
  const batch = buildBatch(core, Array.from({ length: n }, () => ({ value: `v${produced++}` })));
  const r = await c.request(PRODUCE, 8, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: 's', partitionData: [{ index: partition, records: Buffer.from(batch) }] }] });
  c.close();
  expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
}

interface Want { partition: number; offset: number }

function fetchRequest(sessionId: number, sessionEpoch: number, wants: Want[], forget: number[] = [], maxWaitMs = 0) {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
    isolationLevel: 0, sessionId, sessionEpoch, rackId: '',
    topics: wants.length === 0 ? [] : [{ topic: 's', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: wants.map((w) => ({
      partition: w.partition, currentLeaderEpoch: -1, fetchOffset: w.offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
    })) }],
    forgottenTopicsData: forget.length === 0 ? [] : [{ topic: 's', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: forget }],
  };
}

/** [partition, error, records bytes > 0] of each partition answered. */
const answered = (r: any) => r.responses.flatMap((t: any) => t.partitions.map((p: any) => [p.partitionIndex, p.errorCode, (p.records?.length ?? 0) > 0]));
const all = [0, 1, 2, 3].map((partition) => ({ partition, offset: 0 }));

describe('fetch sessions', () => {
  it('a full fetch with epoch 0 opens a session; incremental ones answer only what changed', async () => {
    const c = await client();
    const full = await c.request(FETCH, 11, fetchRequest(0, 0, all));
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(answered(full)).toEqual([[0, 0, true], [1, 0, true], [2, 0, true], [3, 0, true]]);
    // The client moves its positions past what it read: those partitions are in the request, nothing is new.
    const moved = await c.request(FETCH, 11, fetchRequest(full.sessionId, 1, all.map((w) => ({ ...w, offset: 2 })), [], 50));
    expect([moved.errorCode, moved.sessionId, answered(moved)]).toEqual([0, full.sessionId, []]);
    // Records arrive on partition 2 only: an incremental fetch naming no partition gets just that one.
    await produce(2, 3);
    const changed = await c.request(FETCH, 11, fetchRequest(full.sessionId, 2, []));
    expect(answered(changed)).toEqual([[2, 0, true]]);
    expect(changed.responses[0].partitions[0].highWatermark).toBe(5);
  });

  it('adds partitions, forgets them, and checks the epoch and the session id', async () => {
    const c = await client();
    const full = await c.request(FETCH, 11, fetchRequest(0, 0, [{ partition: 0, offset: 0 }]));
    const id = full.sessionId;
    expect(answered(full)).toEqual([[0, 0, true]]);
    // Partition 1 added (it has records); partition 0 forgotten: records on it are no longer answered.
    const added = await c.request(FETCH, 11, fetchRequest(id, 1, [{ partition: 1, offset: 0 }], [0]));
    expect(answered(added)).toEqual([[1, 0, true]]);
    await produce(0, 1);
    const forgotten = await c.request(FETCH, 11, fetchRequest(id, 2, [{ partition: 1, offset: 2 }], [], 50));
    expect(answered(forgotten)).toEqual([]);
    // A stale epoch, an unknown session: top-level errors, no partitions.
    const stale = await c.request(FETCH, 11, fetchRequest(id, 2, []));
    expect([stale.errorCode, stale.sessionId, stale.responses]).toEqual([ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, []]);
    const unknown = await c.request(FETCH, 11, fetchRequest(id + 1, 1, []));
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    // Epoch -1 closes it (a full fetch without a session); then it is gone.
    const closed = await c.request(FETCH, 11, fetchRequest(id, -1, [{ partition: 1, offset: 0 }]));
    expect([closed.errorCode, closed.sessionId, answered(closed)]).toEqual([0, 0, [[1, 0, true]]]);
    const after = await c.request(FETCH, 11, fetchRequest(id, 3, []));
    expect(after.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('a full cache evicts a smaller session for a larger one, and gives a smaller one none', async () => {
    // A broker of its own: the cache starts empty.
    await broker.stop();
    broker = await startBroker({ overrides: { 'max.incremental.fetch.session.cache.slots': '2', 'strom.fetch.session.eviction.ms': '3600000' } });
    await setUp();
    const c = await client();
    // The cache holds 2 sessions and evicts none for idleness here: fill it with sessions of 2 partitions.
    const a = await c.request(FETCH, 11, fetchRequest(0, 0, all.slice(0, 2)));
    const b = await c.request(FETCH, 11, fetchRequest(0, 0, all.slice(0, 2)));
    expect(a.sessionId * b.sessionId).toBeGreaterThan(0);
    // A smaller session does not fit: no session, answered in full all the same.
    const small = await c.request(FETCH, 11, fetchRequest(0, 0, all.slice(0, 1)));
    expect([small.sessionId, answered(small).length]).toEqual([0, 1]);
    // A larger one takes the place of one of the two (equal: the first found).
    const large = await c.request(FETCH, 11, fetchRequest(0, 0, all));
    expect(large.sessionId).toBeGreaterThan(0);
    const survivors = [await c.request(FETCH, 11, fetchRequest(a.sessionId, 1, [])), await c.request(FETCH, 11, fetchRequest(b.sessionId, 1, []))];
    expect(survivors.map((r) => r.errorCode).sort()).toEqual([ErrorCode.NONE, ErrorCode.FETCH_SESSION_ID_NOT_FOUND]);
  });

  it('versions before 7 have no session: the fields are not on the wire, every fetch is full', async () => {
    const c = await client();
    const r = await c.request(FETCH, 6, fetchRequest(0, 0, all));
    expect(answered(r).length).toBe(4);
  });

  it('v13+ names topics by id: records by id, an unknown id is UNKNOWN_TOPIC_ID, a session keeps to ids', async () => {
    const c = await client();
    const meta = await c.request(METADATA, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 's' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    const id: string = meta.topics[0].topicId;
    expect(id).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
    const byId = (sessionId: number, epoch: number, topicId: string, wants: Want[], forget: number[] = []) => {
      const r = fetchRequest(sessionId, epoch, wants, forget);
      r.topics.forEach((t) => { t.topicId = topicId; t.topic = ''; });
      r.forgottenTopicsData.forEach((t) => { t.topicId = topicId; t.topic = ''; });
      return r;
    };
    for (const v of [13, 15, 17]) {
      const r = await c.request(FETCH, v, byId(0, -1, id, all));
      expect([r.responses[0].topicId, answered(r)]).toEqual([id, [[0, 0, true], [1, 0, true], [2, 0, true], [3, 0, true]]]);
    }
    const unknown = await c.request(FETCH, 13, byId(0, -1, 'AAAAAAAAAAAAAAAAAAAAAQ', [{ partition: 0, offset: 0 }]));
    expect(answered(unknown)).toEqual([[0, ErrorCode.UNKNOWN_TOPIC_ID, false]]);
    // A session opened by id serves incremental fetches by id, and refuses one by name.
    const full = await c.request(FETCH, 13, byId(0, 0, id, all.map((w) => ({ ...w, offset: 2 }))));
    expect(full.sessionId).toBeGreaterThan(0);
    await produce(3, 1);
    const incremental = await c.request(FETCH, 13, byId(full.sessionId, 1, id, []));
    expect(answered(incremental)).toEqual([[3, 0, true]]);
    const byName = await c.request(FETCH, 12, fetchRequest(full.sessionId, 2, []));
    expect(byName.errorCode).toBe(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    // The topic deleted and created again has another id: the session's partitions are unknown now.
    expect((await c.request(DELETE_TOPICS, 4, { topicNames: ['s'], topics: [], timeoutMs: 5000 })).responses[0].errorCode).toBe(0);
    await setUp();
    const after = await c.request(FETCH, 13, byId(full.sessionId, 2, id, []));
    expect(answered(after).every(([, error]: [number, number]) => error === ErrorCode.UNKNOWN_TOPIC_ID)).toBe(true);
    expect(answered(after).length).toBe(4);
  });
});
