#!/usr/bin/python3
"""Captures record batches and legacy message sets exactly as real clients send them.

Runs a throw-away single-node "broker" on 127.0.0.1 that answers ApiVersions, Metadata and
Produce with kafka-python's own protocol structs (kafka.protocol.*), and writes the
`records` field of every Produce request to test/unit/core/fixtures/<topic>.bin. Each client
run produces to a topic named after the scenario, with the records listed in
fixtures/manifest.json.

    /usr/bin/python3 tools/capture-fixtures.py

Needs Debian's python3-kafka, python3-snappy, python3-lz4, python3-zstandard, python3-xxhash, and for the
kafkajs runs node with kafkajs (a dev dependency) and kafkajs-snappy (installed on the fly
with `npm install --no-save kafkajs-snappy`).
"""
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading

from kafka.protocol.admin import ApiVersionResponse
from kafka.protocol.metadata import MetadataRequest, MetadataResponse
from kafka.protocol.produce import ProduceRequest, ProduceResponse
from kafka.protocol.types import Array, Schema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'unit', 'core', 'fixtures')
# Ranges that make kafka-python infer a >= 2.1 broker (Fetch v11) and everyone use Produce v7.
ADVERTISED = [(0, 0, 7), (1, 0, 11), (2, 0, 5), (3, 0, 5), (18, 0, 2)]
captured = {}


def fill(schema, values):
    """A tuple for `schema` from a dict keyed by field name (arrays: lists of dicts)."""
    out = []
    for name, field in zip(schema.names, schema.fields):
        value = values.get(name)
        if isinstance(field, Array) and isinstance(field.array_of, Schema):
            out.append([fill(field.array_of, v) for v in (value or [])])
        elif isinstance(field, Array):
            out.append(value or [])
        else:
            out.append(value)
    return tuple(out)


def encoded(response):
    # kafka-python binds encode() through a weak reference: keep the struct alive meanwhile.
    return response.encode()


def respond(api_key, version, body, port):
    if api_key == 18:
        if version > 2:  # answer in the v0 layout so the client retries lower
            return encoded(ApiVersionResponse[0](35, [(18, 0, 2)]))
        return encoded(ApiVersionResponse[version](*fill(ApiVersionResponse[version].SCHEMA, {
            'error_code': 0, 'throttle_time_ms': 0,
            'api_versions': [{'api_key': k, 'min_version': lo, 'max_version': hi} for k, lo, hi in ADVERTISED]})))
    if api_key == 3:
        request = MetadataRequest[version].decode(io.BytesIO(body))
        topics = request.topics or ['fixtures']
        schema = MetadataResponse[version].SCHEMA
        return encoded(MetadataResponse[version](*fill(schema, {
            'throttle_time_ms': 0, 'cluster_id': 'capture', 'controller_id': 0,
            'brokers': [{'node_id': 0, 'host': '127.0.0.1', 'port': port, 'rack': None}],
            'topics': [{'error_code': 0, 'topic': t, 'is_internal': False, 'partitions': [
                {'error_code': 0, 'partition': 0, 'leader': 0, 'replicas': [0], 'isr': [0], 'offline_replicas': []}]}
                for t in topics]})))
    if api_key == 0:
        request = ProduceRequest[version].decode(io.BytesIO(body))
        for topic, partitions in request.topics:
            for partition, records in partitions:
                captured.setdefault(topic, []).append(records)
        if request.required_acks == 0:
            return None
        return encoded(ProduceResponse[version](*fill(ProduceResponse[version].SCHEMA, {
            'throttle_time_ms': 0,
            'topics': [{'topic': t, 'partitions': [{'partition': p, 'error_code': 0, 'offset': 0, 'timestamp': -1,
                                                    'log_start_offset': 0} for p, _ in parts]}
                       for t, parts in request.topics]})))
    raise RuntimeError('unexpected api key %d' % api_key)


def serve_connection(conn, port):
    with conn:
        while True:
            head = conn.recv(4, socket.MSG_WAITALL)
            if len(head) < 4:
                return
            size, = struct.unpack('>i', head)
            frame = conn.recv(size, socket.MSG_WAITALL)
            api_key, version, correlation_id, client_len = struct.unpack('>hhih', frame[:10])
            body = frame[10 + max(client_len, 0):]
            answer = respond(api_key, version, body, port)
            if answer is not None:
                payload = struct.pack('>i', correlation_id) + answer
                conn.sendall(struct.pack('>i', len(payload)) + payload)


def serve(listener, port):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(conn, port), daemon=True).start()


PY_CLIENT = r'''
import sys, json
from kafka import KafkaProducer
port, topic, codec, api = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
records = json.loads(sys.argv[5])
kw = {} if api is None else {'api_version': tuple(api)}
p = KafkaProducer(bootstrap_servers='127.0.0.1:' + port, compression_type=None if codec == 'none' else codec,
                  linger_ms=50, batch_size=1 << 20, acks=1, **kw)
for r in records:
    headers = [(h['key'], h['value'].encode()) for h in r.get('headers', [])] if api is None else None
    p.send(topic, key=None if r['key'] is None else r['key'].encode(), value=None if r['value'] is None else r['value'].encode(),
           partition=0, timestamp_ms=r['timestamp'], **({'headers': headers} if headers else {}))
p.flush(); p.close()
'''

JS_CLIENT = r'''
const [port, topic, codec, recordsJson] = process.argv.slice(1);
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs');
if (codec === 'snappy') CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy');
const kafka = new Kafka({ brokers: ['127.0.0.1:' + port], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const compression = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy }[codec];
(async () => {
  await producer.connect();
  const messages = JSON.parse(recordsJson).map((r) => ({ key: r.key, value: r.value, partition: 0,
    timestamp: String(r.timestamp), headers: Object.fromEntries((r.headers || []).map((h) => [h.key, h.value])) }));
  await producer.send({ topic, acks: 1, compression, messages });
  await producer.disconnect();
})().catch((e) => { console.error(e); process.exit(1); });
'''

RECORDS = [
    {'key': 'key-0', 'value': 'value-0 ' + 'x' * 40, 'timestamp': 1700000000000, 'headers': [{'key': 'trace', 'value': 'abc'}]},
    {'key': None, 'value': 'value-1 ' + 'y' * 40, 'timestamp': 1700000000005, 'headers': []},
    {'key': 'key-2', 'value': '\u4f60\u597d value-2 ' + 'z' * 40, 'timestamp': 1700000000003, 'headers': [{'key': 'a', 'value': '1'}, {'key': 'b', 'value': '2'}]},
]
SCENARIOS = [
    # (name, client, codec, kafka-python api_version or None, magic)
    ('kafka-python-none', 'py', 'none', None, 2),
    ('kafka-python-gzip', 'py', 'gzip', None, 2),
    ('kafka-python-snappy', 'py', 'snappy', None, 2),
    ('kafka-python-lz4', 'py', 'lz4', None, 2),
    ('kafka-python-zstd', 'py', 'zstd', None, 2),
    ('kafka-python-v1-none', 'py', 'none', [0, 10, 1], 1),
    ('kafka-python-v1-gzip', 'py', 'gzip', [0, 10, 1], 1),
    ('kafka-python-v1-snappy', 'py', 'snappy', [0, 10, 1], 1),
    ('kafka-python-v1-lz4', 'py', 'lz4', [0, 10, 1], 1),
    ('kafka-python-v0-none', 'py', 'none', [0, 9], 0),
    ('kafka-python-v0-gzip', 'py', 'gzip', [0, 9], 0),
    ('kafka-python-v0-snappy', 'py', 'snappy', [0, 9], 0),
    ('kafka-python-v0-lz4', 'py', 'lz4', [0, 9], 0),
    ('kafkajs-none', 'js', 'none', None, 2),
    ('kafkajs-gzip', 'js', 'gzip', None, 2),
    ('kafkajs-snappy', 'js', 'snappy', None, 2),
]


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen()
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, port), daemon=True).start()
    manifest = {'records': RECORDS, 'fixtures': []}
    for name, client, codec, api, magic in SCENARIOS:
        if client == 'py':
            cmd = ['/usr/bin/python3', '-c', PY_CLIENT, str(port), name, codec, json.dumps(api), json.dumps(RECORDS)]
        else:
            cmd = ['node', '-e', JS_CLIENT, str(port), name, codec, json.dumps(RECORDS)]
        subprocess.run(cmd, check=True, cwd=ROOT, timeout=60)
        sets = captured.pop(name)
        assert len(sets) == 1, (name, len(sets))
        with open(os.path.join(OUT, name + '.bin'), 'wb') as f:
            f.write(sets[0])
        manifest['fixtures'].append({'file': name + '.bin', 'client': 'kafka-python 2.0.2' if client == 'py' else 'kafkajs 2.2.4',
                                     'codec': codec, 'magic': magic, 'headers': magic == 2})
        print('captured', name, len(sets[0]), 'bytes')
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write('\n')


if __name__ == '__main__':
    sys.exit(main())
