// src/telemetry/client-telemetry.ts: KIP-714's rules as Kafka's ClientMetricsManager applies
// them (ids, subscription ids, throttling, terminating pushes, errors), the default
// subscription, and every limit: strom.telemetry.max.clients, .client.max.series,
// .client.expiry.ms, telemetry.max.bytes, .max.uncompressed.bytes. A fake clock.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientTelemetry, telemetrySettings, type ClientIdentity, type TelemetrySettings } from '../../../src/telemetry/client-telemetry.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { initCompression, GZIP, ZSTD } from '../../../src/compression/codecs.js';
import { encodeMetricsData, gauges, telemetryFixtures } from '../../helpers/otlp.js';

beforeAll(() => initCompression());

const WHO: ClientIdentity = { clientId: 'app-1', softwareName: 'librdkafka', softwareVersion: '2.12.0', address: '127.0.0.1:40000' };
const BASE: TelemetrySettings = {
  metrics: ['org.apache.kafka.producer.', 'org.apache.kafka.consumer.'], pushIntervalMs: 1000, maxBytes: 1 << 20, maxUncompressedBytes: 4 << 20,
  maxClients: 10, maxSeriesPerClient: 100, expiryMs: 60_000,
};

function setup(overrides: Partial<TelemetrySettings> = {}) {
  const settings = { ...BASE, ...overrides };
  const clock = { now: 1_000_000 };
  const telemetry = new ClientTelemetry(() => settings, () => clock.now);
  const subscribe = (id = ZERO_UUID, who = WHO) => telemetry.subscribe(id, who);
  const push = (id: string, subscriptionId: number, metrics: Uint8Array, extra: { terminating?: boolean; compressionType?: number } = {}) =>
    telemetry.push({ clientInstanceId: id, subscriptionId, terminating: extra.terminating ?? false, compressionType: extra.compressionType ?? 0, metrics }, WHO);
  /** A new client: its id and subscription id. */
  const client = () => {
    const s = subscribe();
    return { id: s.clientInstanceId, sub: s.subscriptionId };
  };
  const values = (id: string) => Object.fromEntries([...(telemetry.clients().find((c) => c.id === id)?.series.values() ?? [])].map((s) => [s.name, s.value]));
  return { settings, clock, telemetry, subscribe, push, client, values };
}

const LATENCY = 'org.apache.kafka.producer.request.latency.avg';

describe('GetTelemetrySubscriptions', () => {
  it('names a client that comes with the zero id, and gives it the default subscription', () => {
    const { subscribe } = setup();
    const s = subscribe();
    expect(s).toMatchObject({
      errorCode: ErrorCode.NONE, pushIntervalMs: 1000, telemetryMaxBytes: 1 << 20, acceptedCompressionTypes: [ZSTD, 3, GZIP, 2],
      requestedMetrics: ['org.apache.kafka.producer.', 'org.apache.kafka.consumer.'],
      // Prometheus wants cumulative counters: Strom asks for them (Kafka asks for deltas).
      deltaTemporality: false,
    });
    expect(s.clientInstanceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(s.clientInstanceId).not.toBe(ZERO_UUID);
    expect(subscribe().clientInstanceId).not.toBe(s.clientInstanceId);
  });

  it('subscription ids differ per client and per subscription, and stay the same for the same ones (as across a restart)', () => {
    const a = setup();
    const b = setup();
    const id = a.subscribe().clientInstanceId;
    a.clock.now += 1000;
    const first = a.subscribe(id).subscriptionId;
    expect(b.subscribe(id).subscriptionId).toBe(first); // another broker (or this one restarted), same subscription
    expect(a.subscribe().subscriptionId).not.toBe(first);
    const c = setup({ pushIntervalMs: 2000 });
    expect(c.subscribe(id).subscriptionId).not.toBe(first);
  });

  it('asks for everything with *, as Kafka sends it, and for nothing when the list is empty', () => {
    expect(setup({ metrics: ['org.apache.kafka.producer.', '*'] }).subscribe().requestedMetrics).toEqual(['*']);
    expect(setup({ metrics: [] }).subscribe().requestedMetrics).toEqual([]);
  });

  it('throttles a client that asks again within the push interval, but not after a failed push', async () => {
    const { subscribe, push, clock, client } = setup();
    const { id, sub } = client();
    clock.now += 899;
    expect(subscribe(id)).toMatchObject({ errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, clientInstanceId: id });
    clock.now += 1; // a tenth of the interval early is on time
    expect(subscribe(id).errorCode).toBe(ErrorCode.NONE);
    clock.now += 1000;
    expect(await push(id, sub + 1, gauges([]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    // librdkafka asks again at once after UNKNOWN_SUBSCRIPTION_ID: it must get its subscription.
    expect(subscribe(id).errorCode).toBe(ErrorCode.NONE);
  });
});

describe('PushTelemetry', () => {
  it('keeps the latest value of each subscribed series, per client', async () => {
    const { push, clock, client, values, telemetry } = setup();
    const { id, sub } = client();
    expect(await push(id, sub, gauges([[LATENCY, 3], ['org.apache.kafka.consumer.x', 1], ['other.metric', 5]]))).toBe(ErrorCode.NONE);
    expect(values(id)).toEqual({ [LATENCY]: 3, 'org.apache.kafka.consumer.x': 1 }); // other.metric was not asked for
    clock.now += 1000;
    expect(await push(id, sub, gauges([[LATENCY, 4]]))).toBe(ErrorCode.NONE);
    expect(values(id)).toMatchObject({ [LATENCY]: 4 });
    expect(telemetry.clients()[0].identity).toEqual(WHO);
    expect(telemetry.stats.pushes.get('ok')).toBe(2);
  });

  it('the first push after a subscription may come early (clients jitter it); later ones not before nine tenths of the interval', async () => {
    const { push, clock, client } = setup();
    const { id, sub } = client();
    clock.now += 10;
    expect(await push(id, sub, gauges([[LATENCY, 1]]))).toBe(ErrorCode.NONE);
    clock.now += 899;
    expect(await push(id, sub, gauges([[LATENCY, 2]]))).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    clock.now += 1; // a tenth of the interval early is on time: a busy broker stamps arrivals late
    expect(await push(id, sub, gauges([[LATENCY, 2]]))).toBe(ErrorCode.NONE);
  });

  it('a push from a client the broker has not seen (after a restart) is taken', async () => {
    const { push, values } = setup();
    const other = setup();
    const { id, sub } = other.client(); // subscribed on another broker, or before a restart
    expect(await push(id, sub, gauges([[LATENCY, 7]]))).toBe(ErrorCode.NONE);
    expect(values(id)).toEqual({ [LATENCY]: 7 });
  });

  it('UNKNOWN_SUBSCRIPTION_ID once the subscription changed (strom.telemetry.metrics or the interval, at runtime)', async () => {
    const { push, clock, client, settings, subscribe } = setup();
    const { id, sub } = client();
    settings.metrics = ['org.apache.kafka.'];
    expect(await push(id, sub, gauges([[LATENCY, 1]]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    const again = subscribe(id);
    expect([again.errorCode, again.requestedMetrics]).toEqual([ErrorCode.NONE, ['org.apache.kafka.']]);
    expect(await push(id, again.subscriptionId, gauges([[LATENCY, 1]]))).toBe(ErrorCode.NONE);
    settings.pushIntervalMs = 5000;
    clock.now += 5000;
    expect(await push(id, again.subscriptionId, gauges([[LATENCY, 1]]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
  });

  it('a terminating push is taken at any time, leaves /metrics at once, and nothing is taken after it', async () => {
    const { push, client, telemetry, clock } = setup();
    const { id, sub } = client();
    expect(await push(id, sub, gauges([[LATENCY, 1]]))).toBe(ErrorCode.NONE);
    expect(telemetry.clients().map((c) => c.id)).toEqual([id]);
    clock.now += 1; // well within the interval
    expect(await push(id, sub, gauges([[LATENCY, 2]]), { terminating: true })).toBe(ErrorCode.NONE);
    expect(telemetry.clients()).toEqual([]);
    clock.now += 5000;
    expect(await push(id, sub, gauges([[LATENCY, 3]]))).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('INVALID_REQUEST for the zero and the reserved ids', async () => {
    const { push } = setup();
    expect(await push(ZERO_UUID, 1, gauges([]))).toBe(ErrorCode.INVALID_REQUEST);
    expect(await push('AAAAAAAAAAAAAAAAAAAAAQ', 1, gauges([]))).toBe(ErrorCode.INVALID_REQUEST); // Uuid.METADATA_TOPIC_ID
  });

  it('UNSUPPORTED_COMPRESSION_TYPE for a codec the subscription did not offer', async () => {
    const { push, client } = setup();
    const { id, sub } = client();
    expect(await push(id, sub, gauges([]), { compressionType: 5 })).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('INVALID_RECORD for metrics that do not decode or decompress', async () => {
    const { push, client, telemetry } = setup();
    let c = client();
    expect(await push(c.id, c.sub, Buffer.from('garbage that is not protobuf \xff\xff'))).toBe(ErrorCode.INVALID_RECORD);
    c = client();
    expect(await push(c.id, c.sub, Buffer.from('not gzip'), { compressionType: GZIP })).toBe(ErrorCode.INVALID_RECORD);
    expect(telemetry.stats.pushes.get('invalid_record')).toBe(2);
  });

  it('decodes what librdkafka 2.12 pushed (zstd) into its series', async () => {
    const { push, client, values } = setup();
    for (const f of telemetryFixtures) {
      const { id, sub } = client();
      expect(await push(id, sub, f.bytes, { compressionType: f.compressionType })).toBe(ErrorCode.NONE);
      expect(Object.keys(values(id)).length).toBe(f.role === 'producer' ? 10 : 13); // the consumer's latencies come per broker: 15 samples, 13 names
    }
  });

  it('adds up sums a client sent as deltas', async () => {
    const { push, client, clock, values } = setup();
    const { id, sub } = client();
    const delta = (v: number) => encodeMetricsData({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'org.apache.kafka.producer.total', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [{ asInt: v }] } }] }] }] });
    await push(id, sub, delta(3));
    clock.now += 1000;
    await push(id, sub, delta(4));
    expect(values(id)).toEqual({ 'org.apache.kafka.producer.total': 7 });
  });
});

describe('limits', () => {
  it('telemetry.max.bytes: a larger push gets TELEMETRY_TOO_LARGE', async () => {
    const { push, client } = setup({ maxBytes: 100 });
    const { id, sub } = client();
    const big = gauges(Array.from({ length: 10 }, (_, i): [string, number] => [`${LATENCY}.${i}`, i]));
    expect(big.length).toBeGreaterThan(100);
    expect(await push(id, sub, big)).toBe(ErrorCode.TELEMETRY_TOO_LARGE);
    expect(await push(id, sub, gauges([[LATENCY, 1]]), { terminating: true })).toBe(ErrorCode.NONE);
  });

  it('strom.telemetry.max.uncompressed.bytes: a push that inflates past it is refused undecoded', async () => {
    const { push, client } = setup({ maxUncompressedBytes: 1024 });
    const { id, sub } = client();
    const payload = gauges(Array.from({ length: 40 }, (_, i): [string, number] => [`${LATENCY}.${i}`, i]));
    expect(payload.length).toBeGreaterThan(1024);
    expect(await push(id, sub, gzipSync(payload), { compressionType: GZIP })).toBe(ErrorCode.INVALID_RECORD);
  });

  it('strom.telemetry.max.clients: a new client beyond them gets an empty subscription; its pushes are refused', async () => {
    const { subscribe, push, client, telemetry } = setup({ maxClients: 2 });
    client();
    client();
    const third = subscribe();
    expect([third.errorCode, third.requestedMetrics]).toEqual([ErrorCode.NONE, []]);
    expect(await push(third.clientInstanceId, third.subscriptionId, gauges([[LATENCY, 1]]))).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    expect([telemetry.size, telemetry.stats.clientsRefused]).toEqual([2, 2]);
  });

  it('strom.telemetry.client.max.series: series beyond it are dropped and counted; known ones still update', async () => {
    const { push, client, values, telemetry, clock } = setup({ maxSeriesPerClient: 3 });
    const { id, sub } = client();
    await push(id, sub, gauges(Array.from({ length: 5 }, (_, i): [string, number] => [`${LATENCY}.${i}`, i])));
    expect(Object.keys(values(id))).toHaveLength(3);
    expect(telemetry.stats.seriesDropped).toBe(2);
    clock.now += 1000;
    await push(id, sub, gauges([[`${LATENCY}.0`, 99]]));
    expect(values(id)[`${LATENCY}.0`]).toBe(99);
  });

  it('strom.telemetry.client.expiry.ms: a client silent that long is forgotten, with its series', async () => {
    const { push, client, clock, telemetry } = setup({ expiryMs: 10_000 });
    const a = client();
    await push(a.id, a.sub, gauges([[LATENCY, 1]]));
    clock.now += 6000;
    const b = client();
    await push(b.id, b.sub, gauges([[LATENCY, 2]]));
    clock.now += 4000; // a: 10 s silent; b: 4 s
    expect(telemetry.clients().map((c) => c.id)).toEqual([b.id]);
    expect([telemetry.size, telemetry.stats.clientsExpired]).toEqual([1, 1]);
  });
});

describe('settings from the broker configuration', () => {
  it('reads every key; the expiry defaults to three push intervals, at least a minute', () => {
    expect(telemetrySettings(new BrokerConfig())).toEqual({
      metrics: ['org.apache.kafka.producer.', 'org.apache.kafka.consumer.'], pushIntervalMs: 30_000, maxBytes: 1_048_576,
      maxUncompressedBytes: 4_194_304, maxClients: 1000, maxSeriesPerClient: 200, expiryMs: 90_000,
    });
    expect(telemetrySettings(new BrokerConfig({ 'strom.telemetry.push.interval.ms': '1000' })).expiryMs).toBe(60_000);
    expect(telemetrySettings(new BrokerConfig({
      'strom.telemetry.metrics': '*', 'telemetry.max.bytes': '2048', 'strom.telemetry.max.uncompressed.bytes': '4096', 'strom.telemetry.max.clients': '5',
      'strom.telemetry.client.max.series': '7', 'strom.telemetry.client.expiry.ms': '1234',
    }))).toMatchObject({ metrics: ['*'], maxBytes: 2048, maxUncompressedBytes: 4096, maxClients: 5, maxSeriesPerClient: 7, expiryMs: 1234 });
  });
});
