// The seed tutorials' consumer-group snippets (the tutorials' 000 #3, 001's consumer with
// group1, 004's Consumer class), run with kafka-python as written: bootstrap changed, loops
// bounded. Members that start at the latest offset must be in the group before anything is
// produced, so the test watches the group's state with kafkajs' admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startBroker, cleanupDirs, run, python, type RunningBroker } from '../helpers/broker.js';
import { KAFKA_PYTHON, PYTHON, requireExternal } from '../helpers/external.js';
import { sleep } from '../helpers/wait.js';

requireExternal(KAFKA_PYTHON);

const seed = (name: string) => fileURLToPath(new URL(`./seeds/${name}`, import.meta.url));
const py = (name: string, ...args: string[]) => run(PYTHON, [seed(name), broker.bootstrap, ...args], 60_000);
const lines = (out: string) => out.trim().split('\n').filter(Boolean);

let broker: RunningBroker;
let admin: Admin;
beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '300', 'offsets.topic.num.partitions': '5' } });
  admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

/** A seed script running in the background, its output collected. */
function background(name: string, ...args: string[]) {
  const child = spawn(PYTHON, [seed(name), broker.bootstrap, ...args]);
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', () => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { get lines() { return lines(stdout); }, exited };
}

async function waitForStable(groupId: string, members: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { groups: [g] } = await admin.describeGroups([groupId]);
    if (g.state === 'Stable' && g.members.length === members) return;
    await sleep(200);
  }
  throw new Error(`group ${groupId} did not become Stable with ${members} member(s)`);
}

describe('seed 000 #3: consumers in group my-group', () => {
  it('of two members only one gets the messages of the one-partition topic; a later member resumes after the commit', async () => {
    expect((await py('s000_1_producer.py')).code).toBe(0); // creates 'test' (one partition)
    const members = [background('s000_3_group.py', '5000'), background('s000_3_group.py', '5000')];
    await waitForStable('my-group', 2);
    // Both start at the latest offset once assigned; produce until one of them reports.
    for (let round = 0; round < 10 && members.every((m) => m.lines.length === 0); round++) {
      expect((await py('s000_1_producer.py')).code).toBe(0);
      await sleep(1000);
    }
    await Promise.all(members.map((m) => m.exited));
    const active = members.filter((m) => m.lines.length > 0);
    expect(active).toHaveLength(1);
    const got = active[0].lines;
    expect(got.length % 3).toBe(0);
    expect(got.slice(0, 3).map((l) => l.replace(/:\d+: /, ':N: '))).toEqual([0, 1, 2].map((i) => `test:0:N: key=None value=b'msg${i}'`));
    const last = Number(got[got.length - 1].split(':')[2]);

    // Closing committed the positions: messages produced while nobody runs are read by the next member.
    expect((await py('s000_1_producer.py')).code).toBe(0);
    const later = await py('s000_3_group.py', '4000');
    expect(lines(later.stdout).map((l) => Number(l.split(':')[2]))).toEqual([last + 1, last + 2, last + 3]);
  });
});

describe("seed 001: KafkaConsumer(topic, group_id='group1')", () => {
  it('a consumer started later in group1 reads what was produced since the last one left', async () => {
    expect((await py('s001_group_consumer.py', '3000')).code).toBe(0); // joins, commits its position on close
    expect((await py('s000_1_producer.py')).code).toBe(0);
    const out = lines((await py('s001_group_consumer.py', '3000')).stdout);
    expect(out).toHaveLength(3);
    out.forEach((line, i) => {
      expect(line).toMatch(/^consumer get message: {2}ConsumerRecord\(topic='test', partition=0, offset=\d+/);
      expect(line).toContain(`value=b'msg${i}'`);
    });
  });
});

describe("seed 004: the Consumer class (TestGroup, enable_auto_commit False, commit after each poll)", () => {
  // The seed's producer sends null keys, which this consumer's json key deserializer cannot
  // take (with Kafka too), so the records here carry JSON keys.
  const produce = (n: number) => python(`import sys, json
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], key_serializer=lambda m: json.dumps(m).encode(), value_serializer=lambda m: json.dumps(m).encode())
for i in range(${n}): p.send('TESTTOPIC', key='k%d' % i, value={'Publisher': 'Procucer01', '股票代码': 60000 + i})
p.flush(); p.close()`, [broker.bootstrap]);

  it('poll variant: prints records, commits, and the iterating variant resumes after the commit', async () => {
    expect((await produce(1)).code).toBe(0); // the topic exists before the consumer subscribes
    const consumer = background('s004_consumer.py', 'TESTTOPIC', '6', 'poll');
    await waitForStable('TestGroup', 1);
    // The member starts at the latest offset once assigned; produce until it reports.
    for (let round = 0; round < 10 && consumer.lines.length === 0; round++) {
      expect((await produce(5)).code).toBe(0);
      await sleep(1000);
    }
    await consumer.exited;
    expect(consumer.lines.length).toBeGreaterThan(0);
    expect(consumer.lines[0]).toMatch(/^{'Topic': 'TESTTOPIC', 'Partition': 0, 'Offset': \d+, 'Key': 'k\d', 'Value': {'Publisher': 'Procucer01', '股票代码': 6000\d}}$/);
    const [{ partitions: [committed] }] = await admin.fetchOffsets({ groupId: 'TestGroup', topics: ['TESTTOPIC'] });
    const [end] = await admin.fetchTopicOffsets('TESTTOPIC');
    expect(committed.offset).toBe(end.offset); // commit() after the poll committed everything consumed

    expect((await produce(2)).code).toBe(0);
    const out = lines((await py('s004_consumer.py', 'TESTTOPIC', '4', 'iter')).stdout);
    expect(out.map((l) => Number(/'Offset': (\d+)/.exec(l)![1]))).toEqual([Number(end.offset), Number(end.offset) + 1]);
  });
});
