// Records between the log and JSON: reading a range of a partition as decoded records, and
// the two REST embedded formats (json: any JSON value; binary: base64) both ways. REST
// produce builds one batch per partition and appends it through Produce's own path.
import { buildBatch, decodeBatches, type DecodedRecord, type RecordInput } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { produce, producePartition } from '../api/produce.js';
import type { BrokerContext } from '../broker/context.js';
import type { PartitionLog } from '../log/partition-log.js';
import { ErrorCode } from '../protocol/errors.js';
import { partitionForKey } from '../protocol/partitioner.js';
import { HttpError } from './router.js';
import { RestErrorCode } from './error-codes.js';

export type EmbeddedFormat = 'json' | 'binary';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** REST produce is acknowledged as acks=all (on one broker, as acks=1), within 30 s. */
const REST_DELIVERY = { acks: -1, timeoutMs: 30_000 };

/** UTF-8 text when the bytes are valid UTF-8, else base64 (the live tail and the console). */
function textOrBase64(bytes: Uint8Array | null): { data: string | null; encoding: 'utf8' | 'base64' } {
  if (bytes === null) return { data: null, encoding: 'utf8' };
  try {
    return { data: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), encoding: 'base64' };
  }
}

/** The JSON shape of a record on the live tail and in the console's browser. */
export function recordJson(topic: string, partition: number, r: DecodedRecord): Record<string, unknown> {
  const key = textOrBase64(r.key);
  const value = textOrBase64(r.value);
  return {
    topic, partition, offset: r.offset, timestamp: r.timestamp,
    key: key.data, key_encoding: key.encoding, value: value.data, value_encoding: value.encoding,
    headers: r.headers.map((h) => { const v = textOrBase64(h.value); return { key: h.key, value: v.data, encoding: v.encoding }; }),
  };
}

/** A record's key or value in a REST embedded format (json values that do not parse are given as text). */
export function embed(bytes: Uint8Array | null, format: EmbeddedFormat): unknown {
  if (bytes === null) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'binary') return buf.toString('base64');
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Records of `log` from `offset` on, at most `maxBytes` of batches (at least one batch) and `maxRecords`. */
export async function readRecords(log: PartitionLog, core: BrokerContext['core'], offset: number, maxBytes: number, maxRecords: number): Promise<DecodedRecord[]> {
  if (offset >= log.logEndOffset) return [];
  const from = Math.max(offset, log.logStartOffset);
  const read = await log.read(from, maxBytes, true);
  try {
    if (read.records.length === 0) return [];
    if (read.codecs !== 0) await initCompression();
    const out: DecodedRecord[] = [];
    for (const batch of decodeBatches(core, read.records, codecs)) {
      if (batch.header.isControl) continue;
      for (const r of batch.records) {
        if (r.offset < from) continue;
        out.push(r);
        if (out.length >= maxRecords) return out;
      }
    }
    return out;
  } finally {
    read.release();
  }
}

function decodeEmbedded(value: unknown, format: EmbeddedFormat, what: string): Buffer | null {
  if (value === null || value === undefined) return null;
  if (format === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new HttpError(422, RestErrorCode.INVALID_EMBEDDED_DATA, `${what} must be a base64 string in the binary format`);
  return Buffer.from(value, 'base64');
}

export interface ProduceRecord {
  key?: unknown;
  value?: unknown;
  partition?: number;
  headers?: { name?: string; key?: string; value?: unknown }[];
}

interface ProduceOffset {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

/** Kafka error codes to Confluent's 5xx/4xx REST codes for a failed partition append. */
function restErrorCode(kafkaCode: number): RestErrorCode {
  if (kafkaCode === ErrorCode.MESSAGE_TOO_LARGE || kafkaCode === ErrorCode.RECORD_LIST_TOO_LARGE) return RestErrorCode.RECORDS_TOO_LARGE;
  if (kafkaCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return RestErrorCode.PARTITION_NOT_FOUND;
  return RestErrorCode.KAFKA_ERROR;
}

/**
 * Produces `records` to `topic` (partition: given, by murmur2 of the key as Kafka's producers,
 * else round robin). One batch per partition, appended by Produce's own path (max.message.bytes,
 * compression.type, compacted topics' keys, disk errors). Offsets are in request order.
 */
export async function produceRecords(broker: BrokerContext, topic: string, records: ProduceRecord[], format: EmbeddedFormat, fixedPartition: number | null): Promise<ProduceOffset[]> {
  const t = broker.cluster.topic(topic);
  if (!t) throw new HttpError(404, RestErrorCode.TOPIC_NOT_FOUND, 'Topic not found.');
  const count = t.partitionCount;
  const byPartition = new Map<number, { index: number; input: RecordInput }[]>();
  let roundRobin = Math.floor(Math.random() * count);
  records.forEach((r, index) => {
    if (r === null || typeof r !== 'object') throw new HttpError(422, RestErrorCode.INVALID_ENTITY, `records[${index}] must be an object`);
    const key = decodeEmbedded(r.key, format, `records[${index}].key`);
    const value = decodeEmbedded(r.value, format, `records[${index}].value`);
    let partition = fixedPartition ?? r.partition ?? null;
    if (partition === null) partition = key !== null ? partitionForKey(key, count) : roundRobin++ % count;
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) throw new HttpError(404, RestErrorCode.PARTITION_NOT_FOUND, `Partition ${partition} of topic ${topic} not found.`);
    const headers = (r.headers ?? []).map((h) => ({ key: String(h.name ?? h.key ?? ''), value: h.value === null || h.value === undefined ? null : typeof h.value === 'string' && format === 'binary' ? Buffer.from(h.value, 'base64') : Buffer.from(String(h.value)) }));
    let list = byPartition.get(partition);
    if (!list) byPartition.set(partition, (list = []));
    list.push({ index, input: { key, value, headers } });
  });
  const offsets: ProduceOffset[] = records.map(() => ({ partition: null, offset: null, error_code: null, error: null }));
  await Promise.all([...byPartition].map(async ([partition, list]) => {
    const batch = buildBatch(broker.core, list.map((l) => l.input));
    // Validated as the newest Produce version the broker serves (zstd allowed, INVALID_RECORD).
    const res = await producePartition(broker, produce.maxVersion, topic, partition, Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength), REST_DELIVERY);
    list.forEach((l, i) => {
      offsets[l.index] = res.errorCode === ErrorCode.NONE
        ? { partition, offset: res.baseOffset + i, error_code: null, error: null }
        : { partition, offset: null, error_code: restErrorCode(res.errorCode), error: res.errorMessage ?? `Kafka error ${res.errorCode}` };
    });
  }));
  return offsets;
}
