// kafka-python 2.0.2 (Debian python3-kafka) against the broker, as a child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, python, run, type RunningBroker } from '../helpers/broker.js';
import { KAFKA_PYTHON, requireExternal } from '../helpers/external.js';

requireExternal(KAFKA_PYTHON, 'kcat');

let broker: RunningBroker;
beforeAll(async () => { broker = await startBroker({ overrides: { 'num.partitions': '3' } }); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function py(script: string, ...args: string[]): Promise<unknown> {
  const result = await python(`import sys, json\nfrom kafka import KafkaProducer, KafkaConsumer, TopicPartition\nB = sys.argv[1]\n${script}`, [broker.bootstrap, ...args], 120_000);
  if (result.code !== 0) throw new Error(`python failed (${result.code}):\n${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop()!;
  return JSON.parse(last);
}

describe('kafka-python', () => {
  it('keyed and explicit-partition sends, with callbacks and future.get', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
acked = []
futures = [p.send('kp-keys', key=b'same', value=b'v%d' % i).add_callback(lambda md: acked.append(md.offset)) for i in range(5)]
md = p.send('kp-keys', value=b'to-2', partition=2).get(timeout=10)
keyed = [f.get(timeout=10) for f in futures]
p.flush(); p.close()
print(json.dumps({'partitions': sorted({m.partition for m in keyed}), 'offsets': [m.offset for m in keyed], 'acked': sorted(acked), 'explicit': [md.partition, md.offset]}))`);
    expect(out).toMatchObject({ offsets: [0, 1, 2, 3, 4], acked: [0, 1, 2, 3, 4] });
    expect((out as { partitions: number[] }).partitions).toHaveLength(1); // one key, one partition
    expect((out as { explicit: number[] }).explicit[0]).toBe(2);
  });

  it('earliest and latest, seek, position, beginning and end offsets, two topics at once', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(10): p.send('kp-a', value=b'a%d' % i, partition=0)
for i in range(4): p.send('kp-b', value=b'b%d' % i, partition=1)
p.flush(); p.close()
tp = TopicPartition('kp-a', 0)
c = KafkaConsumer(bootstrap_servers=B, consumer_timeout_ms=2000, auto_offset_reset='earliest')
c.assign([tp, TopicPartition('kp-b', 1)])
res = {'begin': c.beginning_offsets([tp])[tp], 'end': c.end_offsets([tp])[tp]}
c.seek_to_end(tp); res['after_seek_to_end'] = c.position(tp)
c.seek_to_beginning(tp); res['after_seek_to_beginning'] = c.position(tp)
c.seek(tp, 7)
got = {}
for m in c: got.setdefault(m.topic, []).append(m.offset)
res['got'] = got
latest = KafkaConsumer('kp-a', bootstrap_servers=B, auto_offset_reset='latest', consumer_timeout_ms=1500)
res['latest'] = [m.offset for m in latest]
print(json.dumps(res))`);
    expect(out).toEqual({ begin: 0, end: 10, after_seek_to_end: 10, after_seek_to_beginning: 0, got: { 'kp-a': [7, 8, 9], 'kp-b': [0, 1, 2, 3] }, latest: [] });
  });

  it('offsets_for_times finds the first record at or after a timestamp', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(6): p.send('kp-times', value=b'x', partition=0, timestamp_ms=1700000000000 + i * 1000)
p.flush(); p.close()
c = KafkaConsumer(bootstrap_servers=B)
tp = TopicPartition('kp-times', 0)
r = c.offsets_for_times({tp: 1700000002500})[tp]
late = c.offsets_for_times({tp: 1800000000000})[tp]
print(json.dumps([r.offset, r.timestamp, late]))`);
    expect(out).toEqual([3, 1700000003000, null]);
  });

  it('pause and resume hold back one partition', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B)
for i in range(3):
    p.send('kp-pause', value=b'p0', partition=0); p.send('kp-pause', value=b'p1', partition=1)
p.flush(); p.close()
c = KafkaConsumer('kp-pause', bootstrap_servers=B, auto_offset_reset='earliest')
c.partitions_for_topic('kp-pause')
c.pause(TopicPartition('kp-pause', 0))
seen = []
for _ in range(10):
    for tp, ms in c.poll(timeout_ms=200).items(): seen.extend(tp.partition for m in ms)
paused = sorted(set(seen))
c.resume(TopicPartition('kp-pause', 0))
for _ in range(10):
    for tp, ms in c.poll(timeout_ms=200).items(): seen.extend(tp.partition for m in ms)
print(json.dumps({'while_paused': paused, 'total': len(seen)}))`);
    expect(out).toEqual({ while_paused: [1], total: 6 });
  });

  it.each([['0'], ['1'], ['all']])('acks=%s', async (acks) => {
    const out = await py(`
acks = sys.argv[2] if sys.argv[2] == 'all' else int(sys.argv[2])
p = KafkaProducer(bootstrap_servers=B, acks=acks)
for i in range(50): p.send('kp-acks-' + sys.argv[2], value=b'%d' % i, partition=0)
p.flush(); p.close()
c = KafkaConsumer('kp-acks-' + sys.argv[2], bootstrap_servers=B, auto_offset_reset='earliest', consumer_timeout_ms=2000)
print(json.dumps([int(m.value) for m in c]))`, acks);
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it.each([['gzip'], ['snappy'], ['lz4']])('compression %s round trip', async (codec) => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B, compression_type=sys.argv[2], linger_ms=20)
for i in range(200): p.send('kp-codec-' + sys.argv[2], key=b'k%d' % i, value=(b'value %d ' % i) * 20, partition=0)
p.flush(); p.close()
c = KafkaConsumer('kp-codec-' + sys.argv[2], bootstrap_servers=B, auto_offset_reset='earliest', consumer_timeout_ms=2000)
ms = list(c)
print(json.dumps({'n': len(ms), 'ok': all(m.value == (b'value %d ' % i) * 20 and m.key == b'k%d' % i for i, m in enumerate(ms)), 'offsets': [m.offset for m in ms][-1]}))`, codec);
    expect(out).toEqual({ n: 200, ok: true, offsets: 199 });
  });

  it('zstd: produced by kcat and by kafka-python, read back by both (kafka-python fetches with v4: the broker recompresses for it)', async () => {
    const input = Array.from({ length: 100 }, (_, i) => `k${i}:zstd value ${i}`).join('\n') + '\n';
    const produced = await run('kcat', ['-b', broker.bootstrap, '-t', 'kp-zstd', '-P', '-p', '0', '-K:', '-z', 'zstd'], 30_000, input);
    expect(produced.code, produced.stderr).toBe(0);
    await py(`
p = KafkaProducer(bootstrap_servers=B, compression_type='zstd', linger_ms=20)
for i in range(100, 200): p.send('kp-zstd', key=b'k%d' % i, value=b'zstd value %d' % i, partition=0)
p.flush(); p.close()
print('[]')`);
    const want = Array.from({ length: 200 }, (_, i) => `k${i}=zstd value ${i}`);
    const kcat = await run('kcat', ['-b', broker.bootstrap, '-t', 'kp-zstd', '-C', '-e', '-q', '-f', '%k=%s\\n'], 30_000);
    expect(kcat.stdout.trim().split('\n')).toEqual(want);
    const old = await py(`
c = KafkaConsumer('kp-zstd', bootstrap_servers=B, auto_offset_reset='earliest', consumer_timeout_ms=3000)
print(json.dumps(['%s=%s' % (m.key.decode(), m.value.decode()) for m in c]))`);
    expect(old).toEqual(want);
  });

  it('10,000 messages with batch_size=1048576, linger_ms=100 arrive complete and in order', async () => {
    const out = await py(`
p = KafkaProducer(bootstrap_servers=B, batch_size=1048576, linger_ms=100, value_serializer=lambda v: json.dumps(v).encode())
for i in range(10000): p.send('kp-many', value={'n': i, 'pad': 'x' * 50}, partition=0)
p.flush(); p.close()
c = KafkaConsumer('kp-many', bootstrap_servers=B, auto_offset_reset='earliest', consumer_timeout_ms=3000, value_deserializer=lambda v: json.loads(v.decode()))
ns = [m.value['n'] for m in c]
print(json.dumps({'count': len(ns), 'in_order': ns == list(range(10000))}))`);
    expect(out).toEqual({ count: 10000, in_order: true });
  });

  it.each([['(0, 10, 1)', 1], ['(0, 9)', 0]])('api_version=%s: legacy message sets both ways', async (version) => {
    const out = await py(`
v = eval(sys.argv[2])
topic = 'kp-legacy-%d' % len(v)
for codec in [None, 'gzip', 'snappy', 'lz4']:
    p = KafkaProducer(bootstrap_servers=B, api_version=v, compression_type=codec)
    for i in range(5): p.send(topic, key=b'k', value=b'%s-%d' % (str(codec).encode(), i), partition=0)
    p.flush(); p.close()
c = KafkaConsumer(topic, bootstrap_servers=B, api_version=v, auto_offset_reset='earliest', consumer_timeout_ms=2000)
ms = list(c)
print(json.dumps({'values': [m.value.decode() for m in ms], 'offsets': [m.offset for m in ms], 'ts': [m.timestamp for m in ms][:1]}))`, version);
    const values = (out as { values: string[] }).values;
    expect(values).toEqual(['None', 'gzip', 'snappy', 'lz4'].flatMap((c) => Array.from({ length: 5 }, (_, i) => `${c}-${i}`)));
    expect((out as { offsets: number[] }).offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
