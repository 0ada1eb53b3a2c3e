// OTLP MetricsData payloads for tests, encoded with the schema the broker decodes with
// (protobufjs, src/telemetry/generated/otlp-metrics.ts), and the payloads captured from
// librdkafka 2.12 (tools/capture-telemetry.mjs).
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs/light.js';
import { OTLP_METRICS } from '../../src/telemetry/generated/otlp-metrics.js';

const MetricsData = protobuf.Root.fromJSON(OTLP_METRICS).lookupType('opentelemetry.proto.metrics.v1.MetricsData');

/** A MetricsData message from its JSON-like form (camelCase fields, as protobufjs' fromObject takes them). */
export function encodeMetricsData(data: Record<string, unknown>): Buffer {
  return Buffer.from(MetricsData.encode(MetricsData.fromObject(data)).finish());
}

/** One gauge point per [name, value], attributes as given: the smallest useful push. */
export function gauges(points: [name: string, value: number, attributes?: Record<string, string>][]): Buffer {
  return encodeMetricsData({
    resourceMetrics: [{
      scopeMetrics: [{
        metrics: points.map(([name, value, attributes = {}]) => ({
          name,
          gauge: { dataPoints: [{ asDouble: value, timeUnixNano: Date.now() * 1e6, attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })) }] },
        })),
      }],
    }],
  });
}

const FIXTURES = new URL('../unit/telemetry/fixtures/', import.meta.url);

export interface TelemetryFixture {
  file: string;
  client: string;
  role: 'producer' | 'consumer';
  compressionType: number;
  bytes: Buffer;
}

export const telemetryFixtures: TelemetryFixture[] = (JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')).fixtures as Omit<TelemetryFixture, 'bytes'>[])
  .map((f) => ({ ...f, bytes: readFileSync(new URL(f.file, FIXTURES)) }));
