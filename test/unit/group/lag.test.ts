// groupLag, the one function the tools, the HTTP gateway and metrics use: committed offsets
// against log end offsets, with the owning member, on a real broker (in process) driven by
// kafkajs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Broker } from '../../../src/broker/broker.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { groupLag } from '../../../src/group/lag.js';
import { sleep } from '../../helpers/wait.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
let broker: Broker;
let dir: string;
let kafka: Kafka;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strom-lag-'));
  broker = await Broker.start(new BrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1',
    'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2',
  }), quiet);
  kafka = new Kafka({ brokers: [`127.0.0.1:${broker.listeners[0].port}`], clientId: 'lag-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'lag', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'lag', messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `a${i}` })) });
  await producer.send({ topic: 'lag', messages: Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: `b${i}` })) });
  await producer.disconnect();
});

afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('groupLag', () => {
  it('is null for a group the coordinator does not know', () => {
    expect(groupLag(broker.groups, broker.logs, broker.context.cluster, 'nobody')).toBeNull();
  });

  it('reports committed offset, log end offset and lag per partition of a standalone group', async () => {
    const codes = await broker.groups.commitOffsets({
      groupId: 'standalone', generationId: -1, memberId: '', groupInstanceId: null,
      offsets: [{ topic: 'lag', partition: 0, offset: 3, leaderEpoch: -1, metadata: null }, { topic: 'lag', partition: 1, offset: 4, leaderEpoch: -1, metadata: null }],
    }, () => true);
    expect(codes).toEqual([0, 0]);
    expect(groupLag(broker.groups, broker.logs, broker.context.cluster, 'standalone')).toEqual({
      groupId: 'standalone', state: 'Empty', totalLag: 7,
      partitions: [
        { topic: 'lag', partition: 0, committedOffset: 3, logEndOffset: 10, lag: 7, memberId: null, clientId: null, host: null },
        { topic: 'lag', partition: 1, committedOffset: 4, logEndOffset: 4, lag: 0, memberId: null, clientId: null, host: null },
      ],
    });
  });

  it('names the member owning each partition of a live consumer group, and lag grows with the log', async () => {
    const consumer = kafka.consumer({ groupId: 'live', heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'lag', fromBeginning: true });
    let consumed = 0;
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => { consumed++; } });
    const deadline = Date.now() + 20_000;
    let lag = groupLag(broker.groups, broker.logs, broker.context.cluster, 'live');
    while ((consumed < 14 || lag?.totalLag !== 0 || lag.partitions.length !== 2) && Date.now() < deadline) {
      await sleep(200);
      lag = groupLag(broker.groups, broker.logs, broker.context.cluster, 'live');
    }
    expect(lag!.state).toBe('Stable');
    expect(lag!.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag])).toEqual([[0, 10, 10, 0], [1, 4, 4, 0]]);
    const member = [...broker.groups.group('live')!.members.keys()][0];
    for (const p of lag!.partitions) expect(p).toMatchObject({ memberId: member, clientId: 'lag-test', host: '/127.0.0.1' });

    consumer.pause([{ topic: 'lag' }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'lag', messages: [{ partition: 0, value: 'late1' }, { partition: 0, value: 'late2' }] });
    await producer.disconnect();
    expect(groupLag(broker.groups, broker.logs, broker.context.cluster, 'live')!.totalLag).toBe(2);
    await consumer.disconnect();
  });
});
