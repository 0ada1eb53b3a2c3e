// The broker's protocol handling at the byte level: version negotiation, ordering, acks=0,
// Kafka's error codes, and malformed input that must close only the offending connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, buildBatch } from '../../src/core/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep } from '../helpers/wait.js';

const API_VERSIONS = 18, METADATA = 3, PRODUCE = 0, FETCH = 1, CREATE_TOPICS = 19, CREATE_PARTITIONS = 37;
const core = Core.create();
let broker: RunningBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'socket.request.max.bytes': String(2 << 20), 'connections.max.idle.ms': '1500', 'message.max.bytes': '100000' } });
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

const batch = (n: number, size = 10) => buildBatch(core, Array.from({ length: n }, (_, i) => ({ value: 'v'.repeat(size) + i, timestamp: 1_700_000_000_000 + i })));

function produce(topic: string, records: Uint8Array | null, acks = 1, partition = 0) {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records: records && Buffer.from(records) }] }] };
}

function fetchRequest(topic: string, offset: number, maxWaitMs = 0) {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  };
}

const createTopic = (name: string, numPartitions = 1, configs: { name: string; value: string }[] = []) => ({
  topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }], timeoutMs: 1000, validateOnly: false,
});

async function isAlive(): Promise<void> {
  const c = await client();
  const r = await c.request(API_VERSIONS, 0, {});
  expect(r.errorCode).toBe(0);
}

describe('version negotiation', () => {
  it('lists exactly the served APIs at every ApiVersions version', async () => {
    const c = await client();
    for (let v = 0; v <= 4; v++) {
      const r = await c.request(API_VERSIONS, v, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      const produceRange = r.apiKeys.find((k: { apiKey: number }) => k.apiKey === PRODUCE);
      expect(produceRange).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 11 });
      expect(r.apiKeys.find((k: { apiKey: number }) => k.apiKey === FETCH)).toEqual({ apiKey: 1, minVersion: 0, maxVersion: 17 });
      expect(r.apiKeys.find((k: { apiKey: number }) => k.apiKey === 3)).toEqual({ apiKey: 3, minVersion: 0, maxVersion: 13 });
      expect(r.apiKeys.map((k: { apiKey: number }) => k.apiKey)).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 36, 37, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 61, 65, 66, 68, 69, 71, 72, 75]);
    }
  });

  it('answers an unsupported ApiVersions version with UNSUPPORTED_VERSION in the v0 layout', async () => {
    const c = await client();
    const frame = c.encode(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    frame.writeInt16BE(9, 6); // claim version 9
    c.write(frame);
    const r = await c.read(API_VERSIONS, 0);
    expect(r.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(r.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    expect((await c.request(API_VERSIONS, 0, {})).errorCode).toBe(0); // the connection stays usable
  });

  it('closes the connection for another API at an unsupported version', async () => {
    const c = await client();
    const frame = c.encode(METADATA, 1, { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    frame.writeInt16BE(13, 6);
    c.write(frame);
    expect(await c.nextFrame()).toBeNull();
  });
});

describe('pipelining', () => {
  it('answers in request order: a long-polling Fetch, then Metadata', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('pipe'));
    const start = Date.now();
    c.write(c.encode(FETCH, 11, fetchRequest('pipe', 0, 400), 100));
    c.write(c.encode(METADATA, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 101));
    const first = await c.read(FETCH, 11, 100);
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);
    expect(first.responses[0].partitions[0].records.length).toBe(0);
    const second = await c.read(METADATA, 9, 101);
    expect(second.topics.map((t: { name: string }) => t.name)).toContain('pipe');
  });

  it('a long poll returns as soon as records arrive', async () => {
    const reader = await client();
    const writer = await client();
    await writer.request(CREATE_TOPICS, 5, createTopic('wake'));
    const start = Date.now();
    reader.write(reader.encode(FETCH, 11, fetchRequest('wake', 0, 5000), 7));
    await sleep(200);
    await writer.request(PRODUCE, 9, produce('wake', batch(3)));
    const fetched = await reader.read(FETCH, 11, 7);
    expect(Date.now() - start).toBeLessThan(3000);
    expect(core.scan(fetched.responses[0].partitions[0].records).batches[0].lastOffset).toBe(2);
  });

  it('sends no response to acks=0', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('quiet'));
    c.write(c.encode(PRODUCE, 9, produce('quiet', batch(2), 0), 50));
    const r = await c.request(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'quiet' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(r.topics[0].name).toBe('quiet'); // the next frame is Metadata's: nothing came for Produce
    const fetched = await c.request(FETCH, 11, fetchRequest('quiet', 0));
    expect(fetched.responses[0].partitions[0].highWatermark).toBe(2);
  });

  it('keeps answering through many pipelined requests (backpressure, not drops)', async () => {
    const c = await client();
    const frames = Array.from({ length: 600 }, (_, i) => c.encode(API_VERSIONS, 2, {}, 1000 + i));
    c.write(Buffer.concat(frames));
    for (let i = 0; i < 600; i++) expect((await c.read(API_VERSIONS, 2, 1000 + i)).errorCode).toBe(0);
  });
});

describe("Kafka's error codes", () => {
  it('UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS', async () => {
    const c = await client();
    const missing = await c.request(PRODUCE, 9, produce('no-such-topic', batch(1)));
    expect(missing.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const noAuto = await c.request(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'not-created' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(noAuto.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const invalid = await c.request(METADATA, 9, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad/name' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(invalid.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect((await c.request(CREATE_TOPICS, 5, createTopic('x'.repeat(250)))).topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    await c.request(CREATE_TOPICS, 5, createTopic('errs', 2));
    expect((await c.request(CREATE_TOPICS, 5, createTopic('errs'))).topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect((await c.request(CREATE_TOPICS, 5, createTopic('zero', 0))).topics[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const shrink = await c.request(CREATE_PARTITIONS, 1, { topics: [{ name: 'errs', count: 1, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(shrink.results[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const badPartition = await c.request(PRODUCE, 9, produce('errs', batch(1), 1, 7));
    expect(badPartition.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, CORRUPT_MESSAGE, INVALID_RECORD, INVALID_REQUIRED_ACKS', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('limits', 1, [{ name: 'segment.bytes', value: '20000' }, { name: 'max.message.bytes', value: '50000' }]));
    const code = async (records: Uint8Array, version = 9, acks = 1) => (await c.request(PRODUCE, version, produce('limits', records, acks))).responses[0].partitionResponses[0];
    expect((await code(batch(1, 30_000))).errorCode).toBe(ErrorCode.RECORD_LIST_TOO_LARGE); // > segment.bytes
    await c.request(CREATE_TOPICS, 5, createTopic('limits2', 1, [{ name: 'max.message.bytes', value: '5000' }]));
    const tooLarge = (await c.request(PRODUCE, 9, produce('limits2', batch(1, 10_000)))).responses[0].partitionResponses[0];
    expect(tooLarge.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const corrupt = Buffer.from(batch(3));
    corrupt[70] ^= 0xff;
    expect((await code(corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const two = Buffer.concat([batch(1), batch(1)]);
    expect((await code(two, 9)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await code(two, 7)).errorCode).toBe(ErrorCode.INVALID_RECORD); // in every version, as Kafka 3.9 (not retriable)
    const control = buildBatch(core, [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array(6) }], { control: true, transactional: true, producerId: 1, producerEpoch: 0 });
    expect((await code(control, 9)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await code(batch(1), 9, 2)).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect((await code(batch(2))).errorCode).toBe(ErrorCode.NONE); // nothing above used an offset
    expect((await code(batch(1))).baseOffset).toBe(2);
  });

  it('OFFSET_OUT_OF_RANGE', async () => {
    const c = await client();
    await c.request(CREATE_TOPICS, 5, createTopic('range'));
    const r = await c.request(FETCH, 11, fetchRequest('range', 1000));
    expect(r.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 0, logStartOffset: 0 });
  });
});

describe('auto-creation races', () => {
  it('a topic being auto-created is LEADER_NOT_AVAILABLE to concurrent Metadata requests, never listed without its partitions', async () => {
    const clients = await Promise.all([client(), client(), client(), client()]);
    const metadata = (c: RawClient, name: string) => c.request(METADATA, 9, {
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    for (let round = 0; round < 5; round++) {
      const name = `auto-race-${round}`;
      const answers = (await Promise.all(clients.map((c) => metadata(c, name)))).map((r) => r.topics[0]);
      for (const t of answers) {
        if (t.errorCode === ErrorCode.NONE) expect(t.partitions, name).toHaveLength(1);
        else expect(t.errorCode, name).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
      }
      expect(answers.some((t: { errorCode: number }) => t.errorCode === ErrorCode.NONE)).toBe(true);
      expect((await metadata(clients[0], name)).topics[0].partitions).toHaveLength(1);
    }
  });
});

describe('advertised.listeners', () => {
  it('is what Metadata and DescribeCluster tell clients', async () => {
    const advertised = await startBroker({ overrides: { 'advertised.listeners': 'PLAINTEXT://broker.example:19092' } });
    try {
      const c = await RawClient.connect(advertised.port);
      const meta = await c.request(METADATA, 1, { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      expect(meta.brokers).toEqual([{ nodeId: 1, host: 'broker.example', port: 19092, rack: null }]);
      expect(meta.controllerId).toBe(1);
      const cluster = await c.request(60, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      expect(cluster.brokers).toEqual([{ brokerId: 1, host: 'broker.example', port: 19092, rack: null }]);
      c.close();
    } finally {
      expect(await advertised.stop()).toBe(0);
    }
  });
});

describe('malformed input closes only the offending connection', () => {
  it('an oversized frame (socket.request.max.bytes)', async () => {
    const c = await client();
    const header = Buffer.alloc(4);
    header.writeInt32BE(3 << 20);
    c.write(header);
    expect(await c.nextFrame()).toBeNull();
    await isAlive();
  });

  it('a negative frame size', async () => {
    const c = await client();
    c.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
    expect(await c.nextFrame()).toBeNull();
    await isAlive();
  });

  it('a truncated body', async () => {
    const c = await client();
    const frame = c.encode(PRODUCE, 9, produce('pipe', batch(3)));
    const cut = frame.subarray(0, frame.length - 40);
    cut.writeInt32BE(cut.length - 4, 0);
    c.write(cut);
    expect(await c.nextFrame()).toBeNull();
    await isAlive();
  });

  it('garbage bytes and an unknown API key', async () => {
    const garbage = await client();
    const junk = Buffer.alloc(64, 0x5a);
    junk.writeInt32BE(60, 0);
    garbage.write(junk);
    expect(await garbage.nextFrame()).toBeNull();
    const unknown = await client();
    const frame = unknown.encode(API_VERSIONS, 0, {});
    frame.writeInt16BE(999, 4);
    unknown.write(frame);
    expect(await unknown.nextFrame()).toBeNull();
    await isAlive();
    expect(broker.output.some((l) => l.includes('unknown or unsupported API key 999'))).toBe(true);
  });

  it('an idle connection is closed after connections.max.idle.ms', async () => {
    const c = await client();
    await c.request(API_VERSIONS, 0, {});
    const start = Date.now();
    await c.closed;
    expect(Date.now() - start).toBeGreaterThanOrEqual(1000);
  });
});
