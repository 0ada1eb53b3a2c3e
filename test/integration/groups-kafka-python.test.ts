// Consumer groups with kafka-python 2.0.2 (Debian python3-kafka), as a child process: members
// sharing a topic's partitions, a member leaving, manual and automatic commits, resuming
// after the committed offset, and committed offsets surviving a broker restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, python, type RunningBroker } from '../helpers/broker.js';
import { KAFKA_PYTHON, requireExternal } from '../helpers/external.js';

requireExternal(KAFKA_PYTHON);

let broker: RunningBroker;
const overrides = { 'num.partitions': '3', 'group.initial.rebalance.delay.ms': '300', 'offsets.topic.num.partitions': '5' };
beforeAll(async () => { broker = await startBroker({ overrides }); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function py(script: string): Promise<any> {
  const result = await python(`import sys, json, time, threading\nfrom kafka import KafkaProducer, KafkaConsumer, TopicPartition\nB = sys.argv[1]\n${script}`, [broker.bootstrap], 120_000);
  if (result.code !== 0) throw new Error(`python failed (${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

/** Python: members consuming in threads until told to stop, recording what they saw and owned. */
const MEMBERS = `
seen, owned, lock = {}, {}, threading.Lock()
def member(name, group, topic, stop, **config):
    c = KafkaConsumer(topic, bootstrap_servers=B, group_id=group, auto_offset_reset='earliest', heartbeat_interval_ms=500, **config)
    while not stop.is_set():
        for tp, msgs in c.poll(timeout_ms=200).items():
            with lock: seen.setdefault(name, []).extend([m.partition, m.offset] for m in msgs)
        owned[name] = sorted(tp.partition for tp in c.assignment())
    c.close()
def start(name, group, topic, **config):
    stop = threading.Event()
    t = threading.Thread(target=member, args=(name, group, topic, stop), kwargs=config)
    t.start()
    return stop, t
def total():
    with lock: return sum(len(v) for v in seen.values())
def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while not cond() and time.time() < deadline: time.sleep(0.1)
def produce(topic, n, start=0):
    p = KafkaProducer(bootstrap_servers=B)
    for i in range(start, start + n): p.send(topic, key=b'k%d' % i, value=b'v%d' % i)
    p.flush(); p.close()
`;

describe('kafka-python consumer groups', () => {
  it('three members share a 3-partition topic: each message consumed exactly once, partitions split', async () => {
    const out = await py(`${MEMBERS}
produce('kp-g3', 90)
members = [start('m%d' % i, 'g3', 'kp-g3') for i in range(3)]
wait_for(lambda: total() >= 90 and len(owned) == 3 and all(len(v) == 1 for v in owned.values()), 60)
for stop, t in members: stop.set()
for stop, t in members: t.join()
print(json.dumps({'seen': seen, 'owned': owned}))`);
    const all = Object.values(out.seen as Record<string, [number, number][]>).flat();
    expect(all).toHaveLength(90);
    expect(new Set(all.map(([p, o]) => `${p}:${o}`)).size).toBe(90);
    const owned = Object.values(out.owned as Record<string, number[]>);
    expect(owned).toHaveLength(3);
    expect(owned.flat().sort()).toEqual([0, 1, 2]);
    // Each member read only the partitions it owned.
    for (const [name, records] of Object.entries(out.seen as Record<string, [number, number][]>)) {
      for (const [partition] of records) expect(out.owned[name]).toContain(partition);
    }
  });

  it('when a member closes, the other takes over its partitions and goes on without loss', async () => {
    const out = await py(`${MEMBERS}
a = start('a', 'leave', 'kp-leave')
b = start('b', 'leave', 'kp-leave')
produce('kp-leave', 30)
wait_for(lambda: total() >= 30 and len(owned) == 2 and all(owned.values()), 60)
before = dict(owned)
a[0].set(); a[1].join()
produce('kp-leave', 30, 30)
wait_for(lambda: total() >= 60 and owned.get('b') == [0, 1, 2], 60)
after = owned['b']
b[0].set(); b[1].join()
print(json.dumps({'seen': seen, 'before': before, 'after': after}))`);
    const all = Object.values(out.seen as Record<string, [number, number][]>).flat();
    expect(new Set(all.map(([p, o]) => `${p}:${o}`)).size).toBe(60); // no loss
    expect(all).toHaveLength(60); // and no record twice: the leaver committed on close
    expect([...out.before.a, ...out.before.b].sort()).toEqual([0, 1, 2]);
    expect(out.after).toEqual([0, 1, 2]);
  });

  it('enable_auto_commit=False with commit(): committed() reports it and a new member resumes after it', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(20): p.send('kp-manual', value=b'm%d' % i, partition=0)
p.flush(); p.close()
tp = TopicPartition('kp-manual', 0)
c = KafkaConsumer('kp-manual', bootstrap_servers=B, group_id='manual', enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=10000)
first = []
for m in c:
    if m.partition == 0: first.append(m.offset)
    if len(first) == 12: break
c.commit()
committed = c.committed(tp)
c.close(autocommit=False)
c2 = KafkaConsumer('kp-manual', bootstrap_servers=B, group_id='manual', enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=3000)
resumed = [m.offset for m in c2 if m.partition == 0]
c2.close(autocommit=False)
print(json.dumps({'first': first, 'committed': committed, 'resumed': resumed}))`);
    expect(out.first).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(out.committed).toBe(12);
    expect(out.resumed).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('auto-commit every auto_commit_interval_ms while the consumer runs', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(7): p.send('kp-auto', value=b'a%d' % i, partition=1)
p.flush(); p.close()
tp = TopicPartition('kp-auto', 1)
c = KafkaConsumer('kp-auto', bootstrap_servers=B, group_id='auto', auto_commit_interval_ms=300, auto_offset_reset='earliest')
got, deadline = 0, time.time() + 30
while got < 7 and time.time() < deadline:
    got += sum(len(v) for v in c.poll(timeout_ms=200).values())
# Keep polling (auto-commits happen in poll) and watch from another client.
watcher = KafkaConsumer(bootstrap_servers=B, group_id='auto', enable_auto_commit=False)
seen, deadline = None, time.time() + 10
while seen != 7 and time.time() < deadline:
    c.poll(timeout_ms=100)
    seen = watcher.committed(tp)
c.close()
print(json.dumps({'got': got, 'committed_while_running': seen}))`);
    expect(out).toEqual({ got: 7, committed_while_running: 7 });
  });

  it('committed offsets and the group survive a broker restart', async () => {
    await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(5): p.send('kp-restart', value=b'r%d' % i, partition=0)
p.flush(); p.close()
c = KafkaConsumer('kp-restart', bootstrap_servers=B, group_id='restart', enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=3000)
n = sum(1 for m in c)
c.commit(); c.close(autocommit=False)
print(json.dumps(n))`);
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dir: broker.dir, overrides });
    const out = await py(`
from kafka.admin import KafkaAdminClient
p = KafkaProducer(bootstrap_servers=B)
for i in range(5, 8): p.send('kp-restart', value=b'r%d' % i, partition=0)
p.flush(); p.close()
a = KafkaAdminClient(bootstrap_servers=B)
listed = sorted(g for g, t in a.list_consumer_groups())
offsets = {tp.partition: om.offset for tp, om in a.list_consumer_group_offsets('restart').items()}
c = KafkaConsumer('kp-restart', bootstrap_servers=B, group_id='restart', enable_auto_commit=False, auto_offset_reset='earliest', consumer_timeout_ms=3000)
resumed = [m.offset for m in c if m.partition == 0]
print(json.dumps({'listed': listed, 'offsets': offsets, 'resumed': resumed}))`);
    expect(out.listed).toContain('restart');
    expect(out.offsets['0']).toBe(5);
    expect(out.resumed).toEqual([5, 6, 7]);
  });
});
