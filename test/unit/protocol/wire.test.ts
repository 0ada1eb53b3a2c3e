// Our codecs against an independent implementation: kafka-python 2.0.2's protocol structs
// encode a message for every request/response class they define; we decode each, compare
// the values field by field in wire order, and re-encode it byte for byte.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Reader, Writer } from '../../../src/protocol/codec.js';
import { ALL_APIS } from '../../../src/protocol/generated/index.js';
import { specs, inRange, camel, fieldsOf, type Spec, type Field } from './spec.js';
import { PYTHON, requireExternal } from '../../helpers/external.js';

requireExternal('python3-kafka');

interface Encoded { name: string; key: number; version: number; kind: 'request' | 'response'; hex: string; values: unknown[] }

const script = fileURLToPath(new URL('./kafka-python-encode.py', import.meta.url));
const encoded: Encoded[] = JSON.parse(execFileSync(PYTHON, [script], { maxBuffer: 64 << 20 }).toString());

/** Our decoded message as nested lists in wire order, with kafka-python's value forms. */
function positional(fields: Field[], spec: Spec, message: Record<string, unknown>, v: number): unknown[] {
  const out: unknown[] = [];
  for (const f of fields) {
    if (!inRange(f.versions, v) || inRange(f.taggedVersions, v)) continue;
    const value = message[camel(f.name)];
    const inner = f.type.replace(/^\[\]/, '');
    const struct = !/^[a-z]/.test(inner);
    const one = (x: unknown): unknown => {
      if (x === null) return null;
      if (struct) return positional(fieldsOf(f, spec), spec, x as Record<string, unknown>, v);
      if (Buffer.isBuffer(x)) return { hex: x.toString('hex') };
      return x;
    };
    out.push(f.type.startsWith('[]') && value !== null ? (value as unknown[]).map(one) : one(value));
  }
  return out;
}

/**
 * The values in wire order, as a flat list of leaves: kafka-python groups some fields into
 * structs differently (Metadata's topics as plain strings, CreatePartitions' count and
 * assignment as a nested struct) and types a few int8 fields as booleans; the bytes are
 * the same, which the byte-for-byte re-encoding below checks.
 */
function leaves(x: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(x)) for (const item of x) leaves(item, out);
  else out.push(typeof x === 'boolean' ? Number(x) : x);
  return out;
}

/** kafka-python 2.0.2 classes that disagree with Kafka's own specs (checked by hand). */
const KAFKA_PYTHON_BUGS: Record<string, string> = {
  DescribeAclsRequest_v2: 'declared flexible but reuses the non-flexible v1 schema',
  DescribeAclsResponse_v2: 'declared flexible but reuses the non-flexible v1 schema',
  DescribeGroupsResponse_v3: 'AuthorizedOperations placed after the groups array instead of in each group',
  GroupCoordinatorResponse_v1: 'ThrottleTimeMs missing',
  OffsetRequest_v4: 'CurrentLeaderEpoch as int64 (the spec says int32)',
  OffsetRequest_v5: 'CurrentLeaderEpoch as int64 (the spec says int32)',
  ProduceResponse_v8: 'RecordErrors and ErrorMessage outside the partition struct',
};

describe('codecs agree with kafka-python on the wire', () => {
  it('covers the APIs kafka-python speaks', () => {
    expect(new Set(encoded.map((e) => e.key)).size).toBeGreaterThanOrEqual(25);
    expect(encoded.filter((e) => !KAFKA_PYTHON_BUGS[e.name]).length).toBeGreaterThanOrEqual(165);
  });

  it.each(encoded.filter((e) => !KAFKA_PYTHON_BUGS[e.name]).map((e) => [`${e.name} (key ${e.key} v${e.version})`, e] as const))('%s', (_label, e) => {
    const api = ALL_APIS.find((a) => a.key === e.key)!;
    const spec = specs.get(`${api.name}${e.kind === 'request' ? 'Request' : 'Response'}`)!;
    const bytes = Buffer.from(e.hex, 'hex');
    const r = new Reader(bytes);
    const message = (e.kind === 'request' ? api.readRequest : api.readResponse)(r, e.version) as Record<string, unknown>;
    expect(r.remaining).toBe(0);
    expect(leaves(positional(spec.fields, spec, message, e.version))).toEqual(leaves(e.values));
    const w = new Writer();
    (e.kind === 'request' ? api.writeRequest : api.writeResponse)(w, e.version, message as never);
    expect(w.toBuffer().toString('hex')).toBe(e.hex);
  });
});
