// Topic ids (KIP-516) over real sockets: @platformatic/kafka (a client that reads them from
// Metadata and CreateTopics), raw Metadata v12-13, CreateTopics v7, DeleteTopics v6, Fetch
// v13 and DescribeTopicPartitions requests, `strom topics --describe`, and a broker restarted on its
// directory, one of whose partition directories holds another incarnation of its topic.
// (kafkajs 2.2.4, kafka-python 2.0.2 and librdkafka 2.0.2 ask for Metadata versions older
// than topic ids: they never see one.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/codec.js';
import { defaultMetadataRequest, type MetadataResponse } from '../../src/protocol/generated/metadata.js';
import { defaultCreateTopicsRequest, defaultCreateTopicsRequestCreatableTopic, type CreateTopicsResponse } from '../../src/protocol/generated/create-topics.js';
import { defaultDeleteTopicsRequest, type DeleteTopicsResponse } from '../../src/protocol/generated/delete-topics.js';
import { defaultFetchRequest, defaultFetchRequestFetchTopic, defaultFetchRequestFetchPartition, type FetchResponse } from '../../src/protocol/generated/fetch.js';
import { defaultDescribeTopicPartitionsRequest, type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse } from '../../src/protocol/generated/describe-topic-partitions.js';

requireExternal('kcat');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, ...args], 30_000);
const ID = /^[A-Za-z0-9_-]{22}$/;
/** A topic id as @platformatic/kafka shows it: the 16 bytes as a hyphenated hex UUID. */
const asUuid = (id: string) => Buffer.from(id, 'base64url').toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const fromUuid = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');

const dir = tempDir();
// The broker describes at most 3 partitions per DescribeTopicPartitions response: the tool pages.
const overrides = { 'max.request.partition.size.limit': '3', 'offsets.topic.num.partitions': '2' };
let broker: RunningBroker;
let raw: RawClient;
beforeAll(async () => {
  broker = await startBroker({ dir, overrides });
  raw = await RawClient.connect(broker.port);
});
afterAll(async () => {
  raw.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const admin = () => new Admin({ clientId: 'topic-ids-it', bootstrapBrokers: [broker.bootstrap] });
const metadataByName = (v: number, names: string[]) =>
  raw.request<MetadataResponse>(3, v, { ...defaultMetadataRequest(), topics: names.map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation: false });
const metadataById = (v: number, ids: string[]) =>
  raw.request<MetadataResponse>(3, v, { ...defaultMetadataRequest(), topics: ids.map((topicId) => ({ name: null, topicId })), allowAutoTopicCreation: false });
const idOf = async (name: string) => (await metadataByName(12, [name])).topics[0].topicId;

describe('topic ids', () => {
  it('@platformatic/kafka: CreateTopics and Metadata give the topic one non-zero id, the one in its partition.metadata', async () => {
    const client = admin();
    try {
      const [created] = await client.createTopics({ topics: ['ti-plat'], partitions: 2, replicas: 1 });
      const id = fromUuid(created.id);
      expect(id).toMatch(ID);
      expect(id).not.toBe(ZERO_UUID);
      expect(created.id).toBe(asUuid(id));
      const md = await client.metadata({ topics: ['ti-plat'] });
      expect(md.topics.get('ti-plat')!.id).toBe(created.id);
      expect(await idOf('ti-plat')).toBe(id);
      for (const p of [0, 1]) expect(readFileSync(join(dir, `ti-plat-${p}`, 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${id}\n`);
    } finally {
      await client.close();
    }
  });

  it('CreateTopics v7 answers the id; Metadata v12-13 answer by it; DeleteTopics v6 deletes by it; the name created again gets a new id', async () => {
    const created = await raw.request<CreateTopicsResponse>(19, 7, {
      ...defaultCreateTopicsRequest(), timeoutMs: 5000,
      topics: [{ ...defaultCreateTopicsRequestCreatableTopic(), name: 'ti-raw', numPartitions: 2, replicationFactor: 1 }],
    });
    const id = created.topics[0].topicId;
    expect([created.topics[0].errorCode, id]).toEqual([ErrorCode.NONE, expect.stringMatching(ID)]);
    const stranger = 'AQIDBAUGBwgJCgsMDQ4PEA';
    for (const v of [12, 13]) {
      const md = await metadataById(v, [id, stranger]);
      expect(md.topics.map((t) => [t.name, t.topicId, t.errorCode, t.partitions.length])).toEqual([
        [null, stranger, ErrorCode.UNKNOWN_TOPIC_ID, 0], ['ti-raw', id, ErrorCode.NONE, 2],
      ]);
      if (v === 13) expect(md.errorCode).toBe(ErrorCode.NONE);
    }
    const deleted = await raw.request<DeleteTopicsResponse>(20, 6, { ...defaultDeleteTopicsRequest(), timeoutMs: 5000, topics: [{ name: null, topicId: id }] });
    expect(deleted.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([['ti-raw', id, ErrorCode.NONE]]);
    expect((await metadataById(12, [id])).topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_ID]);
    const again = await raw.request<DeleteTopicsResponse>(20, 6, { ...defaultDeleteTopicsRequest(), timeoutMs: 5000, topics: [{ name: null, topicId: id }] });
    expect(again.responses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const client = admin();
    try {
      const [recreated] = await client.createTopics({ topics: ['ti-raw'], partitions: 1, replicas: 1 });
      expect(fromUuid(recreated.id)).toBe(await idOf('ti-raw'));
      expect(fromUuid(recreated.id)).not.toBe(id);
    } finally {
      await client.close();
    }
    // Fetch v13+ names topics by id: the deleted topic's id is unknown, the new one's served.
    const fetchById = (topicId: string) => raw.request<FetchResponse>(1, 13, {
      ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
      topics: [{ ...defaultFetchRequestFetchTopic(), topicId, partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const errors = (r: FetchResponse) => r.responses.flatMap((t) => t.partitions.map((p) => p.errorCode));
    expect(errors(await fetchById(id))).toEqual([ErrorCode.UNKNOWN_TOPIC_ID]);
    expect(errors(await fetchById(await idOf('ti-raw')))).toEqual([ErrorCode.NONE]);
  });

  it('DescribeTopicPartitions pages along its cursor within the broker\'s max.request.partition.size.limit', async () => {
    for (const [name, partitions] of [['ti-page-a', 4], ['ti-page-b', 2]] as const) {
      expect((await strom(['topics', '--create', '--bootstrap-server', broker.bootstrap, '--topic', name, '--partitions', String(partitions)])).code).toBe(0);
    }
    const pages: string[][] = [];
    let cursor: DescribeTopicPartitionsRequest.Cursor | null = null;
    for (let i = 0; i < 10; i++) {
      const r: DescribeTopicPartitionsResponse = await raw.request(75, 0, { ...defaultDescribeTopicPartitionsRequest(), topics: [{ name: 'ti-page-b' }, { name: 'ti-page-a' }], cursor });
      pages.push(r.topics.flatMap((t) => t.partitions.map((p) => `${t.name}:${p.partitionIndex}`)));
      for (const t of r.topics) expect(t.topicId).toBe(await idOf(t.name!));
      cursor = r.nextCursor;
      if (cursor === null) break;
    }
    expect(pages).toEqual([['ti-page-a:0', 'ti-page-a:1', 'ti-page-a:2'], ['ti-page-a:3', 'ti-page-b:0', 'ti-page-b:1']]);
  });

  it('strom topics --describe prints each topic\'s id, all its partitions across pages', async () => {
    const r = await strom(['topics', '--describe', '--bootstrap-server', broker.bootstrap, '--topic', 'ti-page-.*']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe(`Topic: ti-page-a\tTopicId: ${await idOf('ti-page-a')}\tPartitionCount: 4\tReplicationFactor: 1\tConfigs: `);
    expect(lines.filter((l) => l.startsWith('\tTopic: ti-page-a\t')).map((l) => l.split('\t')[2])).toEqual(['Partition: 0', 'Partition: 1', 'Partition: 2', 'Partition: 3']);
    expect(lines).toContain(`Topic: ti-page-b\tTopicId: ${await idOf('ti-page-b')}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: `);
    const json = JSON.parse((await strom(['topics', '--describe', '--bootstrap-server', broker.bootstrap, '--topic', 'ti-page-b', '--json'])).stdout);
    expect(json[0].topicId).toBe(await idOf('ti-page-b'));
  });

  it('the internal __consumer_offsets has an id too', async () => {
    await raw.request(10, 0, { key: 'ti-group', keyType: 0, coordinatorKeys: [] }); // FindCoordinator creates it
    const all = await raw.request<MetadataResponse>(3, 12, { ...defaultMetadataRequest(), topics: null });
    const offsets = all.topics.find((t) => t.name === '__consumer_offsets')!;
    expect([offsets.isInternal, offsets.topicId]).toEqual([true, expect.stringMatching(ID)]);
    expect(offsets.topicId).not.toBe(ZERO_UUID);
    expect(readFileSync(join(dir, '__consumer_offsets-1', 'partition.metadata'), 'utf8')).toContain(offsets.topicId);
  });

  it('ids survive a restart; a partition directory of another incarnation of its topic is moved aside, logged, and the partition starts empty', async () => {
    const kcat = (args: string[], input?: string) => run('kcat', ['-b', broker.bootstrap, ...args], 60_000, input);
    expect((await strom(['topics', '--create', '--bootstrap-server', broker.bootstrap, '--topic', 'ti-stray', '--partitions', '2'])).code).toBe(0);
    for (const p of [0, 1]) expect((await kcat(['-P', '-t', 'ti-stray', '-p', String(p)], `p${p}-a\np${p}-b\n`)).code).toBe(0);
    const before = new Map((await raw.request<MetadataResponse>(3, 12, { ...defaultMetadataRequest(), topics: null })).topics.map((t) => [t.name, t.topicId]));
    raw.close();
    expect(await broker.stop()).toBe(0);
    const other = 'k2lZBkR6T9S2eT8N3fJ5bg';
    writeFileSync(join(dir, 'ti-stray-1', 'partition.metadata'), `version: 0\ntopic_id: ${other}`);
    broker = await startBroker({ dir, overrides });
    raw = await RawClient.connect(broker.port);

    const after = new Map((await raw.request<MetadataResponse>(3, 12, { ...defaultMetadataRequest(), topics: null })).topics.map((t) => [t.name, t.topicId]));
    expect(after).toEqual(before);
    const client = admin();
    try {
      expect((await client.metadata({ topics: ['ti-plat'] })).topics.get('ti-plat')!.id).toBe(asUuid(before.get('ti-plat')!));
    } finally {
      await client.close();
    }
    const described = await strom(['topics', '--describe', '--bootstrap-server', broker.bootstrap, '--topic', 'ti-stray']);
    expect(described.stdout.split('\n')[0]).toContain(`TopicId: ${before.get('ti-stray')}\t`);

    const stray = readdirSync(dir).filter((f) => /^ti-stray-1\.[0-9a-f]{32}-stray$/.test(f));
    expect(stray).toHaveLength(1);
    expect(broker.output.some((l) => l.includes(`ti-stray-1: partition.metadata names topic id ${other}, but topic ti-stray has id ${before.get('ti-stray')}`) && l.includes(stray[0]))).toBe(true);
    const read = async (p: number) => (await kcat(['-C', '-t', 'ti-stray', '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%s\\n'])).stdout.split('\n').filter(Boolean);
    expect(await read(0)).toEqual(['p0-a', 'p0-b']);
    expect(await read(1)).toEqual([]);
    expect(readFileSync(join(dir, 'ti-stray-1', 'partition.metadata'), 'utf8')).toContain(before.get('ti-stray')!);
    expect(existsSync(join(dir, stray[0], '00000000000000000000.log'))).toBe(true);
  });
});
