// KIP-714 client telemetry end to end. A librdkafka 2.12 producer and group consumer
// (node-rdkafka, test/clients) with debug=telemetry subscribe and push on their own, and their
// metrics show on /metrics under their client ids until they close. Then both APIs over raw
// sockets with every error Kafka defines for them, a subscription changed at runtime, and a
// broker with telemetry off, which advertises neither API.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { RdkafkaConsumer } from '../helpers/rdkafka.js';
import { RdkafkaProducer } from '../helpers/rdkafka-producer.js';
import { gauges } from '../helpers/otlp.js';
import { waitFor } from '../helpers/wait.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/codec.js';

const CREATE_TOPICS = 19;
const API_VERSIONS = 18;
const INCREMENTAL_ALTER_CONFIGS = 44;
const GET_TELEMETRY_SUBSCRIPTIONS = 71;
const PUSH_TELEMETRY = 72;

let clients: RunningBroker; // real clients push every second
let raw: RunningBroker; // raw requests: a long push interval, so "too soon" is certain
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [clients, raw] = await Promise.all([
    // A short expiry: a client that closes while a push is in flight sends no terminating push (librdkafka skips it then).
    startBroker({ overrides: { 'strom.telemetry.push.interval.ms': '1000', 'strom.telemetry.client.expiry.ms': '4000', 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1' } }),
    startBroker({ overrides: { 'strom.telemetry.push.interval.ms': '600000', 'telemetry.max.bytes': '2048' } }),
  ]);
  const c = await RawClient.connect(clients.port);
  const created = await c.request(CREATE_TOPICS, 4, { topics: [{ name: 'tm-orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  c.close();
  expect(created.topics[0].errorCode).toBe(0);
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  expect(await clients.stop()).toBe(0);
  expect(await raw.stop()).toBe(0);
  cleanupDirs();
});

const scrape = async (broker: RunningBroker) => (await fetch(`${broker.http}/metrics`)).text();

/** The value of the sample of `family` whose labels include every one of `labels`, or null. */
function sample(text: string, family: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${family}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

describe('librdkafka 2.12 pushing its metrics', () => {
  it('a producer and a consumer subscribe, push, and show on /metrics under their client ids; a closed one leaves', async () => {
    const producer = new RdkafkaProducer('tm-producer', { 'bootstrap.servers': clients.bootstrap, 'client.id': 'tm-producer', debug: 'telemetry' });
    closers.push(() => producer.close());
    const consumer = new RdkafkaConsumer('tm-consumer', { 'bootstrap.servers': clients.bootstrap, 'client.id': 'tm-consumer', 'group.id': 'tm-group', debug: 'telemetry' }, ['tm-orders']);
    closers.push(() => consumer.close());
    await producer.waitFor('ready', () => producer.events.some((e) => e.event === 'ready'));
    // Records to send and fetch, so the latencies are measured: one every 100 ms, 30 s at most.
    let sent = 0;
    const feeder = setInterval(() => { if (sent++ < 300) producer.produce('tm-orders', [{ key: `k${sent}`, value: `v${sent}` }]); }, 100);
    try {
      const who = (clientId: string) => ({ client_id: clientId, client_software_name: 'librdkafka', client_software_version: '2.12.0' });
      let text = '';
      await waitFor(() => `producer and consumer metrics on /metrics:\n${text.split('\n').filter((l) => l.startsWith('strom_client')).join('\n')}`, async () => {
        text = await scrape(clients);
        return (sample(text, 'strom_client_metric', { ...who('tm-producer'), metric: 'org.apache.kafka.producer.node.request.latency.avg', node_id: '1' }) ?? 0) > 0
          && sample(text, 'strom_client_metric', { ...who('tm-consumer'), metric: 'org.apache.kafka.consumer.coordinator.assigned.partitions' }) === 1
          && sample(text, 'strom_client_metric', { ...who('tm-consumer'), metric: 'org.apache.kafka.consumer.fetch.manager.fetch.latency.avg' }) !== null;
      }, { timeoutMs: 30_000, intervalMs: 250 });
      expect(sample(text, 'strom_client_metric_total', { ...who('tm-producer'), metric: 'org.apache.kafka.producer.connection.creation.total' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'strom_client_info', { ...who('tm-consumer'), group_id: 'tm-group' })).toBe(1);
      expect(sample(text, 'strom_client_telemetry_pushes_total', { result: 'ok' })).toBeGreaterThanOrEqual(2);
      // What the clients say they did (debug=telemetry; their logs may trail /metrics a little).
      for (const log of [() => producer.log, () => consumer.stderr.join('')]) {
        await waitFor(() => `a successful push in the client's log:\n${log().slice(-3000)}`, () => /PushTelemetryRequest succeeded/.test(log()), { timeoutMs: 10_000 });
        expect(log()).toMatch(/Parsing: requested metrics count 2/);
        expect(log()).not.toMatch(/PushTelemetryRequest failed/);
      }
    } finally {
      clearInterval(feeder);
    }
    // Closing, the producer sends its terminating push (unless a push was in flight): its series
    // leave /metrics at once, else when it expires.
    await producer.close();
    let after = '';
    const terminated = /Sending PushTelemetryRequest with terminating = true/.test(producer.log);
    if (terminated) after = await scrape(clients);
    else await waitFor('the closed producer to expire', async () => !(after = await scrape(clients)).includes('client_id="tm-producer"'), { timeoutMs: 15_000, intervalMs: 250 });
    expect(after).not.toContain('client_id="tm-producer"');
    expect(after).toContain('client_id="tm-consumer"');
  });
});

describe('GetTelemetrySubscriptions and PushTelemetry over a raw socket', () => {
  let c: RawClient;
  beforeAll(async () => { c = await RawClient.connect(raw.port); });
  afterAll(() => c.close());

  const subscribe = (clientInstanceId = ZERO_UUID) => c.request(GET_TELEMETRY_SUBSCRIPTIONS, 0, { clientInstanceId });
  const push = (id: string, subscriptionId: number, metrics: Buffer, extra: { terminating?: boolean; compressionType?: number } = {}) =>
    c.request(PUSH_TELEMETRY, 0, { clientInstanceId: id, subscriptionId, terminating: extra.terminating ?? false, compressionType: extra.compressionType ?? 0, metrics }).then((r) => r.errorCode);
  const LATENCY = 'org.apache.kafka.producer.request.latency.avg';

  it('are advertised at version 0', async () => {
    const versions = await c.request(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.apiKeys.filter((k: { apiKey: number }) => k.apiKey === 71 || k.apiKey === 72)).toEqual([{ apiKey: 71, minVersion: 0, maxVersion: 0 }, { apiKey: 72, minVersion: 0, maxVersion: 0 }]);
  });

  it('a subscription, a gzip push shown on /metrics under the client software ApiVersions named, then every error', async () => {
    const s = await subscribe();
    expect(s).toMatchObject({ errorCode: 0, pushIntervalMs: 600000, telemetryMaxBytes: 2048, acceptedCompressionTypes: [4, 3, 1, 2], deltaTemporality: false });
    expect(await push(s.clientInstanceId, s.subscriptionId, gzipSync(gauges([[LATENCY, 12.5]])), { compressionType: 1 })).toBe(ErrorCode.NONE);
    expect(sample(await scrape(raw), 'strom_client_metric', { client_instance_id: s.clientInstanceId, client_id: 'raw-client', client_software_name: 'raw', metric: LATENCY })).toBe(12.5);
    // Again before the push interval: throttled; so is asking for the subscription again.
    expect(await push(s.clientInstanceId, s.subscriptionId, gauges([[LATENCY, 1]]))).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    expect((await subscribe(s.clientInstanceId)).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);

    const fresh = async () => {
      const f = await subscribe();
      return [f.clientInstanceId, f.subscriptionId] as const;
    };
    let [id, sub] = await fresh();
    expect(await push(id, sub + 1, gauges([]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    [id, sub] = await fresh();
    expect(await push(id, sub, gauges([]), { compressionType: 9 })).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    [id, sub] = await fresh();
    expect(await push(id, sub, Buffer.alloc(4096, 1))).toBe(ErrorCode.TELEMETRY_TOO_LARGE); // telemetry.max.bytes=2048
    [id, sub] = await fresh();
    expect(await push(id, sub, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toBe(ErrorCode.INVALID_RECORD);
    expect(await push(ZERO_UUID, sub, gauges([]))).toBe(ErrorCode.INVALID_REQUEST);
    [id, sub] = await fresh();
    expect(await push(id, sub, gauges([[LATENCY, 1]]), { terminating: true })).toBe(ErrorCode.NONE);
    expect(await push(id, sub, gauges([[LATENCY, 1]]), { terminating: true })).toBe(ErrorCode.INVALID_REQUEST);
    const text = await scrape(raw);
    for (const result of ['ok', 'throttling_quota_exceeded', 'unknown_subscription_id', 'unsupported_compression_type', 'telemetry_too_large', 'invalid_record', 'invalid_request']) {
      expect([result, sample(text, 'strom_client_telemetry_pushes_total', { result })]).toEqual([result, expect.any(Number)]);
    }
  });

  it('a subscription changed at runtime (IncrementalAlterConfigs on the broker): UNKNOWN_SUBSCRIPTION_ID, then the new one at once', async () => {
    const s = await subscribe();
    const altered = await c.request(INCREMENTAL_ALTER_CONFIGS, 1, {
      resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'strom.telemetry.metrics', configOperation: 0, value: 'org.apache.kafka.producer.request.' }] }], validateOnly: false,
    });
    expect(altered.responses[0].errorCode).toBe(0);
    expect(await push(s.clientInstanceId, s.subscriptionId, gauges([[LATENCY, 1]]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    const again = await subscribe(s.clientInstanceId);
    expect([again.errorCode, again.requestedMetrics]).toEqual([0, ['org.apache.kafka.producer.request.']]);
    expect(await push(s.clientInstanceId, again.subscriptionId, gauges([[LATENCY, 2], ['org.apache.kafka.producer.record.queue.time.avg', 3]]))).toBe(ErrorCode.NONE);
    const text = await scrape(raw);
    expect(sample(text, 'strom_client_metric', { client_instance_id: s.clientInstanceId, metric: LATENCY })).toBe(2);
    expect(sample(text, 'strom_client_metric', { client_instance_id: s.clientInstanceId, metric: 'org.apache.kafka.producer.record.queue.time.avg' })).toBeNull(); // not asked for now
  });
});

describe('strom.telemetry.enable=false', () => {
  it('advertises neither API, and a request for one closes the connection, as on Kafka without a metrics plugin', async () => {
    const off = await startBroker({ overrides: { 'strom.telemetry.enable': 'false', 'http.listeners': '' } });
    try {
      const c = await RawClient.connect(off.port);
      const versions = await c.request(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      expect(versions.apiKeys.map((k: { apiKey: number }) => k.apiKey)).not.toContain(GET_TELEMETRY_SUBSCRIPTIONS);
      expect(versions.apiKeys.map((k: { apiKey: number }) => k.apiKey)).not.toContain(PUSH_TELEMETRY);
      c.write(c.encode(GET_TELEMETRY_SUBSCRIPTIONS, 0, { clientInstanceId: ZERO_UUID }));
      expect(await c.nextFrame()).toBeNull();
      await c.closed;
    } finally {
      expect(await off.stop()).toBe(0);
    }
  });
});
