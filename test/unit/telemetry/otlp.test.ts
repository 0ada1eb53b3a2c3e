// src/telemetry/otlp.ts: KIP-714 pushes decoded, first as librdkafka 2.12 sent them (captured
// by tools/capture-telemetry.mjs), then every OTLP metric type and value kind, every codec,
// and the payloads the broker refuses.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeMetricsData, decompressMetrics, OtlpError, TELEMETRY_CODECS } from '../../../src/telemetry/otlp.js';
import { codecs, initCompression, GZIP, LZ4, NONE, SNAPPY, ZSTD } from '../../../src/compression/codecs.js';
import { encodeMetricsData, telemetryFixtures } from '../../helpers/otlp.js';

beforeAll(() => initCompression());

const fixture = (role: string) => telemetryFixtures.find((f) => f.role === role)!;
const decodeFixture = async (role: string) => decodeMetricsData(await decompressMetrics(fixture(role).compressionType, fixture(role).bytes, 1 << 20));
const refusal = async (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: Error) => (e instanceof OtlpError ? e.message : `threw ${e}`));

describe('decoding what librdkafka 2.12 pushes', () => {
  it('a producer: its ten metrics, per-broker latencies with node.id, the connection total as a counter', async () => {
    expect(fixture('producer').compressionType).toBe(ZSTD); // the first codec offered (Kafka's order)
    const { resource, samples } = await decodeFixture('producer');
    expect(resource).toEqual({});
    expect(samples.map((s) => s.name)).toEqual([
      'connection.creation.rate', 'connection.creation.total', 'node.request.latency.avg', 'node.request.latency.max', 'produce.throttle.time.avg',
      'produce.throttle.time.max', 'record.queue.time.avg', 'record.queue.time.max', 'request.latency.avg', 'request.latency.max',
    ].map((n) => `org.apache.kafka.producer.${n}`));
    const byName = new Map(samples.map((s) => [s.name, s]));
    expect(byName.get('org.apache.kafka.producer.connection.creation.total')).toMatchObject({ kind: 'counter', value: 1, delta: false, attributes: [] });
    const latency = byName.get('org.apache.kafka.producer.node.request.latency.avg')!;
    expect(latency).toMatchObject({ kind: 'gauge', attributes: [['node.id', '1']] });
    expect(latency.value).toBeGreaterThan(0);
    for (const s of samples) expect(Number.isFinite(s.value)).toBe(true);
  });

  it('a consumer: its group as a resource attribute, a latency per broker (the bootstrap one as -1)', async () => {
    const { resource, samples } = await decodeFixture('consumer');
    expect(resource).toEqual({ group_id: 'capture' });
    expect(samples).toHaveLength(15);
    expect(samples.filter((s) => s.name === 'org.apache.kafka.consumer.node.request.latency.avg').map((s) => s.attributes)).toEqual([[['node.id', '1']], [['node.id', '-1']]]);
    expect(samples.find((s) => s.name === 'org.apache.kafka.consumer.coordinator.rebalance.latency.total')).toMatchObject({ kind: 'counter' });
    expect(samples.find((s) => s.name === 'org.apache.kafka.consumer.poll.idle.ratio.avg')).toMatchObject({ kind: 'gauge' });
  });
});

describe('decompressing pushes', () => {
  it('takes every codec the broker offers, and none', async () => {
    expect(TELEMETRY_CODECS).toEqual([ZSTD, LZ4, GZIP, SNAPPY]);
    const plain = await decompressMetrics(ZSTD, fixture('producer').bytes, 1 << 20);
    const expected = decodeMetricsData(plain);
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      const bytes = await decompressMetrics(codec, codecs.compress(codec, plain, 2), 1 << 20);
      expect([codec, decodeMetricsData(bytes)]).toEqual([codec, expected]);
    }
    expect(decodeMetricsData(await decompressMetrics(NONE, plain, 1 << 20))).toEqual(expected);
  });

  it('stops at strom.telemetry.max.uncompressed.bytes: a small gzip push cannot grow past it', async () => {
    const bomb = gzipSync(Buffer.alloc(8 << 20));
    expect(bomb.length).toBeLessThan(16_384);
    expect(await refusal(decompressMetrics(GZIP, bomb, 1 << 20))).toMatch(/more than 1048576 bytes \(strom.telemetry.max.uncompressed.bytes\)/);
    expect(await refusal(decompressMetrics(ZSTD, codecs.compress(ZSTD, Buffer.alloc(2 << 20), 2), 1 << 20))).toMatch(/2097152 bytes, more than 1048576/);
    expect(await refusal(decompressMetrics(GZIP, bomb, 16 << 20))).toBe('accepted');
  });

  it('refuses bytes the codec cannot read', async () => {
    expect(await refusal(decompressMetrics(GZIP, Buffer.from('not gzip'), 1 << 20))).toMatch(/cannot decompress metrics/);
    expect(await refusal(decompressMetrics(LZ4, Buffer.from('not lz4 at all'), 1 << 20))).toMatch(/cannot decompress metrics/);
  });
});

describe('OTLP metric types', () => {
  const point = (extra: Record<string, unknown>) => ({ timeUnixNano: 1, ...extra });
  const decoded = decodeMetricsData(encodeMetricsData({
    resourceMetrics: [{
      resource: { attributes: [{ key: 'client_rack', value: { stringValue: 'r1' } }] },
      scopeMetrics: [{
        metrics: [
          { name: 'g.int', gauge: { dataPoints: [point({ asInt: 42 })] } },
          { name: 'g.skipped', gauge: { dataPoints: [point({ asDouble: 1, flags: 1 })] } }, // NO_RECORDED_VALUE
          { name: 'sum.cumulative', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [point({ asInt: 7 })] } },
          { name: 'sum.delta', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [point({ asDouble: 0.5 })] } },
          { name: 'updown', sum: { isMonotonic: false, aggregationTemporality: 2, dataPoints: [point({ asDouble: -3 })] } },
          { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [point({ count: 10, sum: 2.5, bucketCounts: [4, 6], explicitBounds: [1] })] } },
          { name: 's', summary: { dataPoints: [point({ count: 3, sum: 9 })] } },
          {
            name: 'attrs',
            gauge: {
              dataPoints: [point({
                asDouble: 1,
                attributes: [
                  { key: 'z', value: { boolValue: true } }, { key: 'a', value: { intValue: 5 } }, { key: 'd', value: { doubleValue: 1.5 } },
                  { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } } },
                  { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                ],
              })],
            },
          },
          { name: '', gauge: { dataPoints: [point({ asDouble: 1 })] } }, // nameless: dropped
        ],
      }],
    }],
  }));

  it('gauges and sums carry their value; monotonic sums are counters; deltas are marked', () => {
    const by = (name: string) => decoded.samples.filter((s) => s.name === name);
    expect(by('g.int')).toEqual([{ name: 'g.int', kind: 'gauge', attributes: [], value: 42, delta: false }]);
    expect(by('g.skipped')).toEqual([]);
    expect(by('sum.cumulative')).toEqual([{ name: 'sum.cumulative', kind: 'counter', attributes: [], value: 7, delta: false }]);
    expect(by('sum.delta')).toEqual([{ name: 'sum.delta', kind: 'counter', attributes: [], value: 0.5, delta: true }]);
    expect(by('updown')).toEqual([{ name: 'updown', kind: 'gauge', attributes: [], value: -3, delta: false }]);
  });

  it('histograms and summaries become .count and .sum counters', () => {
    expect(decoded.samples.filter((s) => s.name.startsWith('h.') || s.name.startsWith('s.')).map((s) => [s.name, s.kind, s.value])).toEqual([
      ['h.count', 'counter', 10], ['h.sum', 'counter', 2.5], ['s.count', 'counter', 3], ['s.sum', 'counter', 9],
    ]);
  });

  it('attributes of every value type become text, sorted by key; resource attributes are kept', () => {
    expect(decoded.resource).toEqual({ client_rack: 'r1' });
    expect(decoded.samples.find((s) => s.name === 'attrs')!.attributes).toEqual([
      ['a', '5'], ['arr', '["x","2"]'], ['d', '1.5'], ['kv', '{"k":"v"}'], ['z', 'true'],
    ]);
    expect(decoded.samples.some((s) => s.name === '')).toBe(false);
  });

  it('refuses what is not a MetricsData message', () => {
    const bad = (bytes: Uint8Array) => {
      try {
        decodeMetricsData(bytes);
        return 'accepted';
      } catch (e) {
        return e instanceof OtlpError ? e.message : `threw ${e}`;
      }
    };
    expect(bad(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toMatch(/not an OTLP MetricsData message/); // a length past the end
    expect(bad(fixture('producer').bytes)).toMatch(/not an OTLP MetricsData message/); // still zstd-compressed
    expect(bad(new Uint8Array(0))).toBe('accepted'); // an empty message is a valid one, with nothing in it
  });
});
