// Bugs the protocol fuzzer (test/fuzz/, `npm run fuzz`) found, each reduced to the raw
// requests that broke the real broker, named after what broke.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABI, Core, buildBatch } from '../../src/core/index.js';
import { codecs, GZIP } from '../../src/compression/codecs.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const PRODUCE = 0, FETCH = 1, LIST_OFFSETS = 2, METADATA = 3, API_VERSIONS = 18, CREATE_TOPICS = 19, DELETE_TOPICS = 20, CREATE_PARTITIONS = 37;
const core = Core.create();
let broker: RunningBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  for (const c of clients) c.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
}

const createTopic = (name: string, numPartitions = 2) => ({
  topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false,
});
const deleteTopic = (name: string) => ({ topicNames: [name], topics: [], timeoutMs: 1000 });
const produce = (topic: string, records: Uint8Array, partition = 0) => ({
  transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(records) }] }],
});
const errorLines = () => broker.output.filter((l) => /"level":5\d|failed:/.test(l));

describe('DeleteTopics and CreateTopics of one name, pipelined', () => {
  it('are all answered, and leave a topic that takes and returns records', async () => {
    const c = await client();
    const name = 'recreated';
    expect((await c.request(CREATE_TOPICS, 5, createTopic(name))).topics[0].errorCode).toBe(ErrorCode.NONE);
    // The deletion used to rename each partition's directory after awaiting its writer's close:
    // by then the CreateTopics behind it had made the same directories, which it moved away.
    for (let round = 0; round < 10; round++) {
      c.write(Buffer.concat([c.encode(DELETE_TOPICS, 4, deleteTopic(name), 100 + 2 * round), c.encode(CREATE_TOPICS, 5, createTopic(name), 101 + 2 * round)]));
      expect((await c.read(DELETE_TOPICS, 4, 100 + 2 * round)).responses[0].errorCode).toBe(ErrorCode.NONE);
      expect((await c.read(CREATE_TOPICS, 5, 101 + 2 * round)).topics[0].errorCode).toBe(ErrorCode.NONE);
      for (const partition of [0, 1]) expect(existsSync(join(broker.dir, `${name}-${partition}`, '00000000000000000000.log')), `round ${round}`).toBe(true);
    }
    const batch = buildBatch(core, [{ value: 'after', timestamp: 1_700_000_000_000 }]);
    for (const partition of [0, 1]) {
      const r = await c.request(PRODUCE, 9, produce(name, batch, partition));
      expect(r.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    }
    expect(errorLines()).toEqual([]);
  });
});

describe('ListOffsets by time over a stored batch whose compressed records do not decode', () => {
  it('answers CORRUPT_MESSAGE for that partition and keeps the connection', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('corrupt-gzip', 1));
    // A gzip batch with its compressed bytes damaged and its CRC made right again: produce
    // checks the CRC, not the payload, so it is stored.
    const good = buildBatch(core, [{ value: 'x'.repeat(200), timestamp: 1_700_000_000_000 }], { compression: GZIP, codecs });
    const bad = Buffer.from(good);
    bad[bad.length - 12] ^= 0xff; // inside the deflate stream, before its own checksum
    bad.writeUInt32BE(core.crc32c(bad.subarray(ABI.BATCH_ATTRIBUTES)), ABI.BATCH_CRC);
    const produced = await c.request(PRODUCE, 9, produce('corrupt-gzip', bad));
    const stored = produced.responses[0].partitionResponses[0].errorCode;
    if (stored !== ErrorCode.NONE) {
      expect(stored).toBe(ErrorCode.CORRUPT_MESSAGE); // refused at produce: nothing is stored to trip on
      return;
    }
    const listed = await c.request(LIST_OFFSETS, 7, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: 'corrupt-gzip', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: 1_600_000_000_000, maxNumOffsets: 1 }] }],
    });
    expect(listed.topics[0].partitions[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await c.request(API_VERSIONS, 0, {})).errorCode).toBe(0);
  });
});

describe('CreatePartitions twice at once', () => {
  it('adds each partition once, and the topic can still be deleted', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('grown', 1));
    // Both used to see one partition, both added partition 1: the topic listed it twice and
    // DeleteTopics failed renaming its directory the second time.
    const grow = { topics: [{ name: 'grown', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false };
    c.write(Buffer.concat([c.encode(CREATE_PARTITIONS, 1, grow, 300), c.encode(CREATE_PARTITIONS, 1, grow, 301)]));
    const codes = [(await c.read(CREATE_PARTITIONS, 1, 300)).results[0].errorCode, (await c.read(CREATE_PARTITIONS, 1, 301)).results[0].errorCode];
    expect(codes.sort()).toEqual([ErrorCode.NONE, ErrorCode.INVALID_PARTITIONS].sort());
    const meta = await c.request(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'grown' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(meta.topics[0].partitions.map((p: { partitionIndex: number }) => p.partitionIndex)).toEqual([0, 1]);
    expect((await c.request(DELETE_TOPICS, 4, deleteTopic('grown'))).responses[0].errorCode).toBe(ErrorCode.NONE);
    expect(errorLines()).toEqual([]);
  });
});

describe('Fetch of a topic being deleted', () => {
  it('is answered (records or UNKNOWN_TOPIC_OR_PARTITION), not failed', async () => {
    const c = await client();
    const admin = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('doomed', 1));
    await c.request(PRODUCE, 9, produce('doomed', buildBatch(core, [{ value: 'v', timestamp: 1_700_000_000_000 }])));
    // More bytes wanted than there are: the Fetch reads what there is and waits for the rest.
    const fetch = {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 5000, minBytes: 1 << 20, maxBytes: 1 << 20,
      isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
      topics: [{ topic: 'doomed', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    };
    c.write(c.encode(FETCH, 11, fetch, 400));
    await new Promise((r) => setTimeout(r, 200));
    // The deletion wakes the waiting Fetch, which read again: its segment file was opened by
    // a path the deletion had renamed, and ENOENT failed the request and closed the connection.
    expect((await admin.request(DELETE_TOPICS, 4, deleteTopic('doomed'))).responses[0].errorCode).toBe(ErrorCode.NONE);
    const r = await c.read(FETCH, 11, 400);
    expect([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]).toContain(r.responses[0].partitions[0].errorCode);
    expect(errorLines()).toEqual([]);
  });
});

describe('strom.max.partitions', () => {
  it('refuses CreateTopics, CreatePartitions and auto-creation past it with POLICY_VIOLATION; internal topics still come', async () => {
    // CreateTopics with 2^31 - 1 partitions used to open files until the process ran out
    // (EMFILE), failing every other connection's requests and accepts meanwhile.
    const limited = await startBroker({ overrides: { 'strom.max.partitions': '12', 'offsets.topic.num.partitions': '3' } });
    try {
      const c = await RawClient.connect(limited.port);
      const codeOf = async (name: string, n: number) => (await c.request(CREATE_TOPICS, 5, createTopic(name, n))).topics[0];
      const huge = await codeOf('huge', 0x7fffffff);
      expect(huge.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
      expect(huge.errorMessage).toContain('strom.max.partitions is 12');
      expect((await codeOf('ten', 10)).errorCode).toBe(ErrorCode.NONE);
      expect((await codeOf('three', 3)).errorCode).toBe(ErrorCode.POLICY_VIOLATION);
      const grow = (count: number) => c.request(CREATE_PARTITIONS, 1, { topics: [{ name: 'ten', count, assignments: null }], timeoutMs: 1000, validateOnly: false });
      expect((await grow(1 << 20)).results[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
      expect((await grow(12)).results[0].errorCode).toBe(ErrorCode.NONE);
      const auto = await c.request(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect(auto.topics[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
      // __consumer_offsets is created for the first group even so.
      const coordinator = await c.request(10, 3, { key: 'a-group', keyType: 0, coordinatorKeys: [] });
      expect(coordinator.errorCode).toBe(ErrorCode.NONE);
      c.close();
    } finally {
      expect(await limited.stop()).toBe(0);
    }
  });
});
