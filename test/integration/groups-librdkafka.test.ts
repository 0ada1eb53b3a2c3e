// librdkafka 2.0.2 consumer groups against the broker: confluent-kafka-python 1.7.0
// (Debian's python3-confluent-kafka) subscribing, committing and resuming, a static member
// restarting, its admin client's list_groups (1.7.0 has no list_consumer_groups), and
// kcat's balanced consumer (-G) with two members splitting a topic. Also lz4 from
// librdkafka, which it only enables when FindCoordinator v0 is advertised: its batches must now be stored lz4-compressed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.js';
import { startBroker, cleanupDirs, python, run, type RunningBroker } from '../helpers/broker.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('python3-confluent-kafka', 'kcat');

const CREATE_TOPICS = 19;
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '300', 'offsets.topic.num.partitions': '3' } });
  const c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 4, {
    topics: [['cf-commit', 1], ['cf-static', 1], ['kc-split', 4], ['cf-lz4', 1]].map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000, validateOnly: false,
  });
  c.close();
  expect(created.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([0, 0, 0, 0]);
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const kcat = (args: string[], input?: string) => run('kcat', ['-b', broker.bootstrap, ...args], 30_000, input);

/** Runs a Python script that prints one JSON line last; fails with its stderr otherwise. */
async function pythonJson(script: string, args: string[]): Promise<any> {
  const r = await python(script, [broker.bootstrap, ...args], 45_000);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('{')) throw new Error(`python exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(last);
}

// Consumes `count` messages in a group, commits synchronously, reads the commit back, and
// lists the group with the admin client while the member is live and after it left.
const CONSUME_AND_COMMIT = `
import json, sys, time
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
config = {'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
          'enable.auto.commit': False, 'heartbeat.interval.ms': 200, 'session.timeout.ms': 6000}
if len(sys.argv) > 5:
    config['group.instance.id'] = sys.argv[5]
c = Consumer(config)
c.subscribe([topic])
got = []
deadline = time.time() + 25
while len(got) < count and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    got.append([m.partition(), m.offset(), m.value().decode()])
committed_now = [[tp.partition, tp.offset] for tp in c.commit(asynchronous=False)]
committed = [[tp.partition, tp.offset] for tp in c.committed([TopicPartition(topic, 0)], timeout=10)]
admin = AdminClient({'bootstrap.servers': bootstrap})
def describe(g):
    return {'id': g.id, 'state': g.state, 'protocol_type': g.protocol_type, 'protocol': g.protocol,
            'members': [{'id': m.id, 'client_id': m.client_id, 'client_host': m.client_host, 'assignment': len(m.assignment) > 0} for m in g.members]}
live = [describe(g) for g in admin.list_groups(group, timeout=10)]
c.close()
after = [describe(g) for g in admin.list_groups(group, timeout=10)]
every = sorted(g.id for g in admin.list_groups(timeout=10))
print(json.dumps({'got': got, 'committed_now': committed_now, 'committed': committed, 'live': live, 'after': after, 'all': every}))
`;

describe('confluent-kafka-python (librdkafka) consumer group', () => {
  it('subscribes, consumes, commits synchronously and reads the commit back; a second member resumes after it', async () => {
    const produced = await kcat(['-P', '-t', 'cf-commit', '-p', '0'], Array.from({ length: 10 }, (_, i) => `v${i}`).join('\n') + '\n');
    expect(produced.code).toBe(0);

    const first = await pythonJson(CONSUME_AND_COMMIT, ['cf-commit', 'cf-group', '4']);
    expect(first.got).toEqual([[0, 0, 'v0'], [0, 1, 'v1'], [0, 2, 'v2'], [0, 3, 'v3']]);
    expect(first.committed_now).toEqual([[0, 4]]);
    expect(first.committed).toEqual([[0, 4]]);
    expect(first.live).toEqual([{
      id: 'cf-group', state: 'Stable', protocol_type: 'consumer', protocol: 'range',
      members: [{ id: expect.stringMatching(/^rdkafka-/), client_id: 'rdkafka', client_host: '/127.0.0.1', assignment: true }],
    }]);
    expect(first.after).toEqual([{ id: 'cf-group', state: 'Empty', protocol_type: 'consumer', protocol: '', members: [] }]);
    expect(first.all).toContain('cf-group');

    const second = await pythonJson(CONSUME_AND_COMMIT, ['cf-commit', 'cf-group', '6']);
    expect(second.got.map((m: [number, number, string]) => m[1])).toEqual([4, 5, 6, 7, 8, 9]);
    expect(second.committed).toEqual([[0, 10]]);
  });

  it('a static member (group.instance.id) restarted takes over its membership and resumes after its commit', async () => {
    const produced = await kcat(['-P', '-t', 'cf-static', '-p', '0'], Array.from({ length: 6 }, (_, i) => `s${i}`).join('\n') + '\n');
    expect(produced.code).toBe(0);
    const first = await pythonJson(CONSUME_AND_COMMIT, ['cf-static', 'cf-static-group', '3', 'instance-1']);
    expect(first.got.map((m: [number, number, string]) => m[1])).toEqual([0, 1, 2]);
    // A static member does not leave on close: the group stays Stable with it.
    expect(first.after[0]).toMatchObject({ state: 'Stable', members: [{ id: first.live[0].members[0].id, assignment: true }] });
    const second = await pythonJson(CONSUME_AND_COMMIT, ['cf-static', 'cf-static-group', '3', 'instance-1']);
    expect(second.got.map((m: [number, number, string]) => m[1])).toEqual([3, 4, 5]);
    expect(second.committed).toEqual([[0, 6]]);
    expect(second.live[0]).toMatchObject({ state: 'Stable', members: [{ assignment: true }] });
    expect(second.live[0].members).toHaveLength(1);
    expect(second.live[0].members[0].id).not.toBe(first.live[0].members[0].id);
  });
});

/** A kcat balanced-consumer member (-G): its messages and its current assignment, parsed as they come. */
class KcatMember {
  readonly messages: { partition: number; offset: number; value: string }[] = [];
  assigned: number[] = [];
  private stdout = '';
  private stderr = '';
  private readonly exited: Promise<number | null>;
  private readonly child;

  constructor(group: string, topic: string) {
    this.child = spawn('kcat', ['-b', broker.bootstrap, '-G', group, '-o', 'beginning', '-u', '-f', '%p %o %s\\n', '-X', 'heartbeat.interval.ms=200', topic], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 40_000); // never outlives the test
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { clearTimeout(killer); resolve(code); }));
    this.child.stdout.on('data', (d) => {
      this.stdout += d;
      const lines = this.stdout.split('\n');
      this.stdout = lines.pop()!;
      for (const line of lines) {
        const [partition, offset, value] = line.split(' ');
        this.messages.push({ partition: Number(partition), offset: Number(offset), value });
      }
    });
    // "% Group g rebalanced (memberid m): assigned: t [0], t [1]" and "... revoked: ..."
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
      const lines = this.stderr.split('\n');
      this.stderr = lines.pop()!;
      for (const line of lines) {
        const m = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
        if (m) this.assigned = m[1] === 'revoked' ? [] : [...m[2].matchAll(/\[(\d+)\]/g)].map((p) => Number(p[1])).sort();
      }
    });
  }

  /** SIGINT: kcat leaves the group and exits. */
  stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

describe('kcat balanced consumer (-G)', () => {
  it('two members split a 4-partition topic and consume every message once', async () => {
    const members = [new KcatMember('kc-group', 'kc-split'), new KcatMember('kc-group', 'kc-split')];
    try {
      await waitFor('both members to share the partitions', () => members.every((m) => m.assigned.length === 2)
        && [...members[0].assigned, ...members[1].assigned].sort().join() === '0,1,2,3', { timeoutMs: 25_000 });
      const input = Array.from({ length: 200 }, (_, i) => `key${i}:v${i}`).join('\n') + '\n';
      expect((await kcat(['-P', '-t', 'kc-split', '-K', ':'], input)).code).toBe(0);
      await waitFor('200 messages', () => members[0].messages.length + members[1].messages.length >= 200, { timeoutMs: 25_000 });
      await sleep(300);
      const all = [...members[0].messages, ...members[1].messages];
      expect(all).toHaveLength(200);
      expect(new Set(all.map((m) => m.value)).size).toBe(200);
      for (const member of members) {
        expect(member.messages.length).toBeGreaterThan(0);
        for (const m of member.messages) expect(member.assigned).toContain(m.partition);
      }
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });
});

describe('librdkafka lz4', () => {
  it('stores librdkafka lz4 batches compressed (FindCoordinator v0 is advertised)', async () => {
    const input = Array.from({ length: 500 }, (_, i) => `key${i}:${'compressible-'.repeat(20)}${i}`).join('\n') + '\n';
    expect((await kcat(['-P', '-t', 'cf-lz4', '-p', '0', '-K', ':', '-z', 'lz4', '-X', 'linger.ms=50'], input)).code).toBe(0);
    const log = readFileSync(join(broker.dir, 'cf-lz4-0', '00000000000000000000.log'));
    // Record batch v2: attributes (int16) at byte 21, the codec in its low 3 bits.
    expect(log.readInt16BE(21) & 7).toBe(3);
    const scan = Core.create().scan(log);
    expect(scan.batches.length).toBeGreaterThan(0);
    expect(scan.batches.every((b) => (b.attributes & 7) === 3)).toBe(true);
    expect(log.length).toBeLessThan(500 * 240 / 4); // compressed well below the raw values
    const consumed = await kcat(['-C', '-t', 'cf-lz4', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k %o\\n']);
    const rows = consumed.stdout.trim().split('\n');
    expect(rows).toHaveLength(500);
    expect(rows[499]).toBe('key499 499');
  });
});
