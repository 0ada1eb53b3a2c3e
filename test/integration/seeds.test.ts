// The seed tutorials' snippets that need no consumer group (the tutorials' 000 and 001,
// 004's producer), run with kafka-python as written: bootstrap changed, Python 2 prints
// and str values made Python 3, endless loops bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { KAFKA_PYTHON, PYTHON, requireExternal } from '../helpers/external.js';
import { sleep } from '../helpers/wait.js';

requireExternal(KAFKA_PYTHON);

const seed = (name: string) => fileURLToPath(new URL(`./seeds/${name}`, import.meta.url));
const py = (name: string, ...args: string[]) => run(PYTHON, [seed(name), broker.bootstrap, ...args], 60_000);

let broker: RunningBroker;
beforeAll(async () => { broker = await startBroker(); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const lines = (out: string) => out.trim().split('\n').filter(Boolean);

describe('seed 000 (kafka-python tutorial)', () => {
  it('1 producer, 4 earliest consumer: every message, in order', async () => {
    for (let i = 0; i < 3; i++) expect((await py('s000_1_producer.py')).code).toBe(0);
    const out = await py('s000_4_earliest.py');
    expect(out.code).toBe(0);
    expect(lines(out.stdout)).toEqual(Array.from({ length: 9 }, (_, i) => `test:0:${i}: key=None value=b'msg${i % 3}'`));
  });

  it('2 consumer at the latest offset sees what is produced after it starts', async () => {
    const consumer = spawn(PYTHON, [seed('s000_2_consumer.py'), broker.bootstrap, '6000']);
    let out = '';
    consumer.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((r) => consumer.on('exit', r));
    // Its first poll fixes its position at the end of the log; produce until it has one
    // whole round (a slow machine may take a while to get there).
    for (let round = 0; round < 10 && lines(out).length < 3; round++) {
      expect((await py('s000_1_producer.py')).code).toBe(0);
      await sleep(1500);
    }
    await exited;
    const seen = lines(out);
    expect(seen.length % 3).toBe(0);
    const first = Number(seen[0].split(':')[2]);
    expect(seen.slice(0, 3)).toEqual([0, 1, 2].map((i) => `test:0:${first + i}: key=None value=b'msg${i}'`));
    expect(first % 3).toBe(0);
  });

  it('5 partitions, topics, subscription, assignment, beginning offsets, seek', async () => {
    const out = lines((await py('s000_5_seek.py')).stdout);
    expect(out.slice(0, 5)).toEqual(['{0}', "{'test'}", "{'test'}", "{TopicPartition(topic='test', partition=0)}", "{TopicPartition(topic='test', partition=0): 0}"]);
    const offsets = out.slice(5).map((l) => Number(l.split(':')[2]));
    expect(offsets[0]).toBe(5);
    expect(offsets).toEqual(offsets.map((_, i) => 5 + i));
    expect(offsets.length).toBeGreaterThanOrEqual(7);
  });

  it('6 two topics: position is the end of the log', async () => {
    const end = lines((await py('s000_4_earliest.py')).stdout).length;
    const out = lines((await py('s000_6_subscribe.py')).stdout);
    expect(out[0]).toContain("'test'");
    expect(out[1]).toBe(String(end));
  });

  it('7 poll returns nothing new; 8 pause and resume', async () => {
    expect(lines((await py('s000_7_poll.py', '2')).stdout)).toEqual(['{}', '{}']);
    const out = lines((await py('s000_8_pause.py', '0.2')).stdout);
    expect(out[1]).toBe("{TopicPartition(topic='test', partition=0)}");
    expect(out).toContain('resume......');
    expect(out[out.length - 2]).toBe('set()');
  });
});

describe('seed 001 (producer.py / consumer.py, JSON strings)', () => {
  it('the consumer reads back what the producer sent', async () => {
    const produced = await py('s001_producer.py', '20');
    expect(lines(produced.stdout)).toHaveLength(20);
    const consumed = lines((await py('s001_consumer.py')).stdout);
    expect(consumed).toHaveLength(20);
    consumed.forEach((line, i) => {
      expect(line).toContain(`offset=${i},`);
      expect(line).toContain(`value=b'"content -- ${i}"'`);
    });
  });
});

describe('seed 004 (Producer class: acks=1, retries=3, batch 1 MiB, linger 100 ms, JSON serializers, callbacks)', () => {
  it('sends ten JSON messages and reports each in its callback', async () => {
    const out = await py('s004_producer.py');
    expect(out.code).toBe(0);
    // Callbacks print from kafka-python's sender thread while main prints: lines may interleave.
    const offsets = [...out.stdout.matchAll(/队列位置: (\d+)/g)].map((m) => Number(m[1]));
    expect(offsets.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.stdout.split('发送成功').length - 1).toBe(10);
  });
});
