// Client quotas with real clients (issue 16): quotas set with `strom configs` (kafka-configs.sh),
// confluent-kafka (librdkafka) producers and consumers as child processes, each reporting
// the bytes it got through in 10 s and the throttle times librdkafka saw (its statistics'
// per-broker throttle window). Rates are asserted within ranges around the quota, never
// against wall-clock precision; each run is bounded in time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, python, run, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('kcat', 'python3-confluent-kafka');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
/** Bytes per second of the throttled clients' quotas. */
const QUOTA = 256 * 1024;
const SECONDS = 10;
const METADATA = 3;

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function strom(args: string[]): Promise<string> {
  const r = await run(process.execPath, [STROM, ...args, '--bootstrap-server', broker.bootstrap], 30_000);
  if (r.code !== 0) throw new Error(`strom ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

interface Measured { bytes: number; throttleMaxMs: number }

/** A librdkafka producer of 1 KB records as fast as it may for SECONDS: the bytes acknowledged in that time. */
function produce(clientId: string, topic: string): Promise<Measured> {
  return measure(`
from confluent_kafka import Producer
# Requests of at most 16 KB (the Java producer's batch.size): a throttled client is let
# through one request per throttle, so its requests' size is the rate's granularity.
p = Producer({'bootstrap.servers': bootstrap, 'client.id': client_id, 'linger.ms': 5, 'acks': 1, 'batch.size': 16384,
              'queue.buffering.max.kbytes': 2048, 'statistics.interval.ms': 500, 'stats_cb': on_stats})
payload = b'x' * 1000
def delivered(err, msg):
    if err is None and time.time() <= end: counted[0] += len(msg.value())
while time.time() < end:
    try:
        p.produce(topic, payload, on_delivery=delivered)
    except BufferError:
        p.poll(0.05)
        continue
    p.poll(0)
p.purge()
p.flush(2)
`, clientId, topic);
}

/** A librdkafka consumer reading `topic` from the start for SECONDS: the record bytes it got. */
function consume(clientId: string, topic: string): Promise<Measured> {
  return measure(`
from confluent_kafka import Consumer
# Fetches of at most 64 KB: a throttled fetch is answered whole or empty, so its size is the rate's granularity.
c = Consumer({'bootstrap.servers': bootstrap, 'client.id': client_id, 'group.id': client_id, 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'max.partition.fetch.bytes': 65536, 'fetch.max.bytes': 65536, 'message.max.bytes': 65536, 'statistics.interval.ms': 500, 'stats_cb': on_stats})
c.subscribe([topic])
while time.time() < end:
    m = c.poll(0.2)
    if m is not None and not m.error() and time.time() <= end: counted[0] += len(m.value())
c.close()
`, clientId, topic);
}

async function measure(body: string, clientId: string, topic: string): Promise<Measured> {
  const script = `
import json, sys, time
bootstrap, client_id, topic, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
counted = [0]
throttle = [0]
def on_stats(s):
    for b in json.loads(s)['brokers'].values():
        throttle[0] = max(throttle[0], b.get('throttle', {}).get('max', 0))
end = time.time() + seconds
${body}
print(json.dumps({'bytes': counted[0], 'throttleMaxMs': throttle[0]}))
`;
  const r = await python(script, [broker.bootstrap, clientId, topic, String(SECONDS)], (SECONDS + 30) * 1000);
  if (r.code !== 0) throw new Error(`${clientId} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

describe('produce and fetch byte-rate quotas (librdkafka)', () => {
  it("a producer over its client id's producer_byte_rate is held near it over 10 s, told throttle times; an unthrottled producer beside it is not slowed", async () => {
    await strom(['topics', '--create', '--topic', 'quota-produce', '--partitions', '1']);
    await strom(['configs', '--alter', '--entity-type', 'clients', '--entity-name', 'slow-producer', '--add-config', `producer_byte_rate=${QUOTA}`]);
    const [slow, fast] = await Promise.all([produce('slow-producer', 'quota-produce'), produce('fast-producer', 'quota-produce')]);
    const slowRate = slow.bytes / SECONDS;
    expect(slowRate).toBeGreaterThan(0.8 * QUOTA);
    expect(slowRate).toBeLessThan(1.2 * QUOTA);
    expect(slow.throttleMaxMs).toBeGreaterThan(0);
    expect(fast.bytes / SECONDS).toBeGreaterThan(4 * QUOTA);
    expect(fast.throttleMaxMs).toBe(0);
  });

  it("a consumer over the default user's consumer_byte_rate is held near it over 10 s, with fetches answered empty while throttled", async () => {
    await strom(['topics', '--create', '--topic', 'quota-fetch', '--partitions', '1']);
    // 6 MB to read: more than 10 s of the quota.
    const records = Array.from({ length: 6000 }, (_, i) => `${String(i).padStart(6, '0')}${'y'.repeat(994)}`).join('\n');
    // In batches of 16 KB at most: a fetch answers its first batch whole (KIP-74), whatever its size.
    const filled = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'quota-fetch', '-X', 'linger.ms=20', '-X', 'batch.size=16384'], 60_000, `${records}\n`);
    expect(filled.code).toBe(0);
    await strom(['configs', '--alter', '--user-defaults', '--add-config', `consumer_byte_rate=${QUOTA}`]);
    try {
      const slow = await consume('slow-consumer', 'quota-fetch');
      expect(slow.bytes / SECONDS).toBeGreaterThan(0.8 * QUOTA);
      expect(slow.bytes / SECONDS).toBeLessThan(1.2 * QUOTA);
      expect(slow.throttleMaxMs).toBeGreaterThan(0);
    } finally {
      await strom(['configs', '--alter', '--user-defaults', '--delete-config', 'consumer_byte_rate']);
    }
  });
});

describe('request-time quota (request_percentage)', () => {
  it('a client over its share of request time gets throttle_time_ms and its next requests wait', async () => {
    await strom(['configs', '--alter', '--entity-type', 'clients', '--entity-name', 'raw-client', '--add-config', 'request_percentage=0.01']);
    const c = await RawClient.connect(broker.port);
    try {
      let throttleMs = 0;
      for (let i = 0; i < 2000 && throttleMs === 0; i++) {
        const md = await c.request(METADATA, 9, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
        throttleMs = md.throttleTimeMs;
      }
      expect(throttleMs).toBeGreaterThan(0);
      // Bounded by one quota window (quota.window.size.seconds), as Kafka bounds it.
      expect(throttleMs).toBeLessThanOrEqual(1000);
    } finally {
      c.close();
      await strom(['configs', '--alter', '--entity-type', 'clients', '--entity-name', 'raw-client', '--delete-config', 'request_percentage']);
    }
  });
});

describe('strom configs for quotas', () => {
  it('describes what is set, by entity, as kafka-configs.sh prints it; refuses bad keys and values with the broker\'s message', async () => {
    await strom(['configs', '--alter', '--user', 'alice', '--client', 'app-1', '--add-config', 'producer_byte_rate=1024,request_percentage=12.5']);
    const described = await strom(['configs', '--describe', '--user', 'alice', '--client', 'app-1']);
    expect(described).toBe("Quota configs for user-principal 'alice', client-id 'app-1' are producer_byte_rate=1024.0, request_percentage=12.5\n");
    const bad = await run(process.execPath, [STROM, 'configs', '--bootstrap-server', broker.bootstrap, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=1.5'], 30_000);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Configuration producer_byte_rate must be a LONG value');
    const unknown = await run(process.execPath, [STROM, 'configs', '--bootstrap-server', broker.bootstrap, '--alter', '--entity-type', 'ips', '--entity-name', '10.0.0.1', '--add-config', 'producer_byte_rate=10'], 30_000);
    expect(unknown.stderr).toContain('Invalid configuration key producer_byte_rate');
  });
});
