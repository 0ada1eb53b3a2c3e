// Client metrics as KIP-714 clients push them: an OTLP MetricsData message (OpenTelemetry's
// metrics protobuf, decoded with protobufjs from the schema in generated/otlp-metrics.ts),
// possibly compressed with one of the codecs the broker offered. Each data point becomes one
// flat sample: metric name, its attributes, a number. Gauges and sums carry their value;
// histograms and summaries become <name>.count and <name>.sum, which Prometheus can rate.
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as Protobuf from 'protobufjs/light.js';
import { codecs, initCompression, GZIP, LZ4, NONE, SNAPPY, ZSTD } from '../compression/codecs.js';
import { OTLP_METRICS } from './generated/otlp-metrics.js';

/** A push the broker cannot read: answered with INVALID_RECORD, as Kafka answers a failed export. */
export class OtlpError extends Error {
  override name = 'OtlpError';
}

export interface MetricSample {
  /** The OTLP metric name, e.g. org.apache.kafka.producer.node.request.latency.avg. */
  name: string;
  /** counter: a monotonic sum (or a histogram's count and sum); gauge: anything else. */
  kind: 'counter' | 'gauge';
  /** Data point attributes (e.g. node.id), sorted by key. */
  attributes: [string, string][];
  value: number;
  /** A delta (the client ignored the cumulative temporality asked for): added to the last value. */
  delta: boolean;
}

interface DecodedMetrics {
  /** Resource attributes the client sent (e.g. client_rack). */
  resource: Record<string, string>;
  samples: MetricSample[];
}

/** The codecs a client may compress pushes with, in Kafka's order of preference (librdkafka takes the first). */
export const TELEMETRY_CODECS = [ZSTD, LZ4, GZIP, SNAPPY];

// OTLP's AggregationTemporality and DataPointFlags.
const DELTA = 1;
const NO_RECORDED_VALUE = 1;

// protobufjs loads on the first push (require(), as the codecs load: the bundle runs from V8's
// code cache, where Node 20 cannot resolve dynamic imports): a broker nobody pushes to never
// pays for it, and start-up is measured.
const require = createRequire(import.meta.url);
let metricsData: Protobuf.Type | undefined;
function metricsDataType(): Protobuf.Type {
  if (!metricsData) {
    const protobuf = require('protobufjs/light.js') as typeof Protobuf;
    metricsData = protobuf.Root.fromJSON(OTLP_METRICS).lookupType('opentelemetry.proto.metrics.v1.MetricsData');
  }
  return metricsData;
}

/**
 * The MetricsData bytes of a push, decompressed with the client's codec. `maxBytes` bounds
 * the result (strom.telemetry.max.uncompressed.bytes): gzip stops there; the other codecs
 * are bounded by their frames and checked after.
 */
export async function decompressMetrics(compressionType: number, metrics: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  if (compressionType === NONE) return metrics;
  let out: Uint8Array;
  try {
    if (compressionType === GZIP) out = gunzipSync(metrics, { maxOutputLength: maxBytes });
    else {
      if (compressionType === ZSTD) await initCompression();
      out = codecs.decompress(compressionType, metrics, 2);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new OtlpError(`metrics decompress to more than ${maxBytes} bytes (strom.telemetry.max.uncompressed.bytes)`);
    throw new OtlpError(`cannot decompress metrics: ${(e as Error).message}`);
  }
  if (out.length > maxBytes) throw new OtlpError(`metrics decompress to ${out.length} bytes, more than ${maxBytes} (strom.telemetry.max.uncompressed.bytes)`);
  return out;
}

type Obj = Record<string, any>;

/** An OTLP AnyValue as label text. */
function anyValueText(v: Obj | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue as Uint8Array).toString('base64');
  if (v.arrayValue !== undefined) return JSON.stringify(((v.arrayValue.values ?? []) as Obj[]).map(anyValueText));
  if (v.kvlistValue !== undefined) return JSON.stringify(Object.fromEntries(((v.kvlistValue.values ?? []) as Obj[]).map((kv) => [kv.key, anyValueText(kv.value)])));
  return '';
}

function attributesOf(list: Obj[] | undefined): [string, string][] {
  return (list ?? []).map((kv): [string, string] => [String(kv.key ?? ''), anyValueText(kv.value)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Decodes an (uncompressed) OTLP MetricsData message; throws OtlpError when it is not one. */
export function decodeMetricsData(bytes: Uint8Array): DecodedMetrics {
  let data: Obj;
  try {
    const type = metricsDataType();
    data = type.toObject(type.decode(bytes), { longs: Number, arrays: true, oneofs: true });
  } catch (e) {
    throw new OtlpError(`not an OTLP MetricsData message: ${(e as Error).message}`);
  }
  const resource: Record<string, string> = {};
  const samples: MetricSample[] = [];
  for (const rm of data.resourceMetrics as Obj[]) {
    for (const [key, value] of attributesOf(rm.resource?.attributes)) resource[key] = value;
    for (const sm of (rm.scopeMetrics ?? []) as Obj[]) {
      for (const metric of (sm.metrics ?? []) as Obj[]) samplesOf(metric, samples);
    }
  }
  return { resource, samples };
}

function samplesOf(metric: Obj, out: MetricSample[]): void {
  const name = String(metric.name ?? '');
  if (name === '') return;
  const points = (m: Obj | undefined) => ((m?.dataPoints ?? []) as Obj[]).filter((p) => ((p.flags ?? 0) & NO_RECORDED_VALUE) === 0);
  const number = (p: Obj) => Number(p.asDouble ?? p.asInt ?? 0);
  switch (metric.data) {
    case 'gauge':
      for (const p of points(metric.gauge)) out.push({ name, kind: 'gauge', attributes: attributesOf(p.attributes), value: number(p), delta: false });
      break;
    case 'sum': {
      const counter = metric.sum.isMonotonic === true;
      const delta = metric.sum.aggregationTemporality === DELTA;
      for (const p of points(metric.sum)) out.push({ name, kind: counter ? 'counter' : 'gauge', attributes: attributesOf(p.attributes), value: number(p), delta });
      break;
    }
    case 'histogram': case 'exponentialHistogram': case 'summary': {
      const delta = metric[metric.data].aggregationTemporality === DELTA;
      for (const p of points(metric[metric.data])) {
        const attributes = attributesOf(p.attributes);
        out.push({ name: `${name}.count`, kind: 'counter', attributes, value: Number(p.count ?? 0), delta });
        if (p.sum !== undefined) out.push({ name: `${name}.sum`, kind: 'counter', attributes, value: Number(p.sum), delta });
      }
      break;
    }
    default:
  }
}
