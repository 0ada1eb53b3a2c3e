// The HTTP gateway (src/http/) against the real bundled broker, with global fetch: the
// native uWebSockets.js backend, /health, /ready, /metrics, REST proxy v2 produce and topics,
// v3 read paths, limits and bad input, and consumer instances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { sleep } from '../helpers/wait.js';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';

let broker: RunningBroker;
let base: string;
let clusterId: string;

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'http.max.body.bytes': '65536', 'http.consumer.instance.timeout.ms': '1500' } });
  base = broker.http;
  clusterId = ((await (await fetch(`${base}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  const res = await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'orders', partitions_count: 3 });
  expect(res.status).toBe(201);
}, 30_000);

afterAll(async () => {
  await broker?.stop();
  cleanupDirs();
});

describe('gateway basics', () => {
  it('runs on the native uWebSockets.js backend on this platform (not the JavaScript fallback)', async () => {
    expect(broker.httpPort).toBeGreaterThan(0);
    expect(broker.output.join('\n')).toMatch(/HTTP gateway backend: native/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/strom_http_backend_info\{backend="native",version="20\.30\.0-unofficial\.0"\} 1/);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'UP', backend: 'native' });
  });

  it('answers /ready once the broker is up', async () => {
    const res = await fetch(`${base}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'READY' });
  });

  it('answers unknown paths, unknown topics, malformed JSON and bad media types with JSON errors', async () => {
    let res = await fetch(`${base}/no/such/path`);
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe(404);
    res = await fetch(`${base}/topics/missing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error_code: 40401, message: 'Topic not found.' });
    res = await post('/topics/orders', '{"records": [', JSON_V2);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/Malformed JSON/);
    res = await post('/topics/orders', { records: [{ value: 1 }] }, 'application/vnd.kafka.avro.v2+json');
    expect(res.status).toBe(415);
    res = await post('/topics/orders', { records: [] }, JSON_V2);
    expect(res.status).toBe(422);
    res = await post('/topics/orders/partitions/9', { records: [{ value: 1 }] }, JSON_V2);
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe(40402);
    res = await post('/topics/orders', { records: [{ value: 'not base64!' }] }, BINARY_V2);
    expect(res.status).toBe(422);
    // The broker is still there.
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('refuses a body larger than http.max.body.bytes with 413', async () => {
    const res = await post('/topics/orders', { records: [{ value: 'x'.repeat(70_000) }] }, JSON_V2);
    expect(res.status).toBe(413);
    expect((await res.json()).error_code).toBe(413);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe('REST proxy v2', () => {
  it('lists and describes topics', async () => {
    expect(await (await fetch(`${base}/topics`)).json()).toContain('orders');
    const topic = await (await fetch(`${base}/topics/orders`)).json();
    expect(topic.name).toBe('orders');
    expect(topic.partitions).toHaveLength(3);
    expect(topic.partitions[0]).toEqual({ partition: 0, leader: 1, replicas: [{ broker: 1, leader: true, in_sync: true }] });
    expect(await (await fetch(`${base}/topics/orders/partitions`)).json()).toHaveLength(3);
  });

  it('produces json and binary records, and a Kafka client reads them', async () => {
    let res = await post('/topics/orders/partitions/1', { records: [{ key: 'k1', value: { id: 1 } }, { value: [1, 2] }] }, JSON_V2);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.kafka.v2+json');
    expect(await res.json()).toEqual({
      offsets: [{ partition: 1, offset: 0, error_code: null, error: null }, { partition: 1, offset: 1, error_code: null, error: null }],
      key_schema_id: null, value_schema_id: null,
    });
    res = await post('/topics/orders/partitions/1', { records: [{ key: Buffer.from('bk').toString('base64'), value: Buffer.from('raw bytes').toString('base64') }] }, BINARY_V2);
    expect((await res.json()).offsets[0]).toEqual({ partition: 1, offset: 2, error_code: null, error: null });
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'http-test-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} records`)), 15_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(`${message.key?.toString()}=${message.value?.toString()}`);
          if (seen.length === 3) { clearTimeout(timer); resolve(); }
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual(['"k1"={"id":1}', 'undefined=[1,2]', 'bk=raw bytes']);
    const offsets = await (await fetch(`${base}/topics/orders/partitions/1/offsets`)).json();
    expect(offsets).toEqual({ beginning_offset: 0, end_offset: 3 });
  }, 30_000);

  it('puts keyed records on murmur2 partitions, as Kafka producers do', async () => {
    await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'keyed', partitions_count: 4 });
    const res = await post('/topics/keyed', { records: [{ key: 'same', value: 1 }, { key: 'same', value: 2 }] }, JSON_V2);
    const { offsets } = await res.json();
    expect(offsets[0].partition).toBe(offsets[1].partition);
    expect(offsets[1].offset).toBe(offsets[0].offset + 1);
  });

  it('refuses a record larger than max.message.bytes through the same append path as Kafka produce', async () => {
    await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'small', partitions_count: 1, configs: [{ name: 'max.message.bytes', value: '200' }] });
    const res = await post('/topics/small', { records: [{ value: 'y'.repeat(500) }] }, JSON_V2);
    expect(res.status).toBe(200);
    const { offsets } = await res.json();
    expect(offsets[0].error_code).toBe(40005);
    expect(offsets[0].error).toMatch(/max\.message\.bytes/);
  });
});

describe('REST proxy v3', () => {
  it('describes the cluster, topics and partitions', async () => {
    const clusters = await (await fetch(`${base}/v3/clusters`)).json();
    expect(clusters.kind).toBe('KafkaClusterList');
    const topic = await (await fetch(`${base}/v3/clusters/${clusterId}/topics/orders`)).json();
    expect(topic).toMatchObject({ kind: 'KafkaTopic', topic_name: 'orders', partitions_count: 3, replication_factor: 1 });
    const partitions = await (await fetch(`${base}/v3/clusters/${clusterId}/topics/orders/partitions`)).json();
    expect(partitions.data[1]).toMatchObject({ kind: 'KafkaPartition', partition_id: 1, log_end_offset: 3 });
    expect((await fetch(`${base}/v3/clusters/nope/topics`)).status).toBe(404);
    expect((await fetch(`${base}/v3/clusters/${clusterId}/topics/missing`)).status).toBe(404);
  });

  it('shows consumer groups and their lag (groupLag)', async () => {
    const groups = await (await fetch(`${base}/v3/clusters/${clusterId}/consumer-groups`)).json();
    expect(groups.data.map((g: { consumer_group_id: string }) => g.consumer_group_id)).toContain('http-test-reader');
    const lags = await (await fetch(`${base}/v3/clusters/${clusterId}/consumer-groups/http-test-reader/lags`)).json();
    const p1 = lags.data.find((l: { topic_name: string; partition_id: number }) => l.topic_name === 'orders' && l.partition_id === 1);
    expect(p1).toMatchObject({ current_offset: 3, log_end_offset: 3, lag: 0 });
    const summary = await (await fetch(`${base}/v3/clusters/${clusterId}/consumer-groups/http-test-reader/lag-summary`)).json();
    expect(summary.kind).toBe('KafkaConsumerGroupLagSummary');
    expect(typeof summary.total_lag).toBe('number');
    expect((await fetch(`${base}/v3/clusters/${clusterId}/consumer-groups/nope`)).status).toBe(404);
  });
});

describe('metrics', () => {
  it('serves Prometheus text with traffic, per-API requests, partitions, lag, connections and queue depth', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/strom_topic_records_in_total\{topic="orders"\} [1-9]/);
    expect(text).toMatch(/strom_topic_bytes_out_total\{topic="orders"\} [1-9]/);
    expect(text).toMatch(/strom_kafka_requests_total\{api="Fetch"\} [1-9]/);
    expect(text).toMatch(/strom_kafka_request_duration_seconds_bucket\{le="[^"]+",api="Metadata"\}/);
    expect(text).toMatch(/strom_partition_log_end_offset\{topic="orders",partition="1"\} 3/);
    expect(text).toMatch(/strom_partition_size_bytes\{topic="orders",partition="1"\} [1-9]/);
    expect(text).toMatch(/strom_consumer_group_lag\{group="http-test-reader",topic="orders",partition="1"\} 0/);
    expect(text).toMatch(/strom_open_connections\{listener="kafka"\} \d/);
    expect(text).toMatch(/strom_append_queue_depth \d/);
    expect(text).toMatch(/strom_core_memory_reserved_bytes [1-9]\d*/);
    expect(text).toMatch(/strom_process_resident_memory_bytes \d/);
  });
});

describe('consumer instances', () => {
  it('creates, subscribes, reads, commits and deletes; unknown instances get 40403', async () => {
    let res = await post('/consumers/rest-group', { name: 'c1', format: 'json', 'auto.offset.reset': 'earliest' }, 'application/vnd.kafka.v2+json');
    expect(res.status).toBe(200);
    const created = await res.json();
    expect(created.instance_id).toBe('c1');
    expect(created.base_uri).toMatch(/\/consumers\/rest-group\/instances\/c1$/);
    const inst = '/consumers/rest-group/instances/c1';
    res = await post(`${inst}/assignments`, { partitions: [{ topic: 'orders', partition: 1 }] });
    expect(res.status).toBe(204);
    res = await fetch(`${base}${inst}/records?timeout=2000`, { headers: { accept: JSON_V2 } });
    expect(res.status).toBe(200);
    const records = await res.json();
    expect(records.slice(0, 2)).toEqual([
      { topic: 'orders', key: 'k1', value: { id: 1 }, partition: 1, offset: 0 },
      { topic: 'orders', key: null, value: [1, 2], partition: 1, offset: 1 },
    ]);
    res = await post(`${inst}/offsets`, {});
    expect(res.status).toBe(204);
    const committed = await (await fetch(`${base}${inst}/offsets`)).json();
    expect(committed.offsets).toEqual([{ topic: 'orders', partition: 1, offset: 3, metadata: '' }]);
    res = await post(`${inst}/positions`, { offsets: [{ topic: 'orders', partition: 1, offset: 2 }] });
    expect(res.status).toBe(204);
    const again = await (await fetch(`${base}${inst}/records?timeout=1000`)).json();
    expect(again[0].offset).toBe(2);
    res = await post(`${inst}/subscription`, { topics: ['orders'] });
    expect(res.status).toBe(204);
    expect((await (await fetch(`${base}${inst}/subscription`)).json())).toEqual({ topics: ['orders'] });
    res = await post(`${inst}/subscription`, { topics: ['missing'] });
    expect(res.status).toBe(404);
    res = await fetch(`${base}${inst}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    res = await fetch(`${base}${inst}/records`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error_code: 40403, message: 'Consumer instance not found.' });
  }, 20_000);

  it('expires instances unused for http.consumer.instance.timeout.ms', async () => {
    await post('/consumers/rest-group', { name: 'short-lived' });
    expect((await fetch(`${base}/consumers/rest-group/instances/short-lived/subscription`)).status).toBe(200);
    const deadline = Date.now() + 6000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await sleep(2500);
      status = (await fetch(`${base}/consumers/rest-group/instances/short-lived/subscription`)).status;
    }
    expect(status).toBe(404);
  }, 10_000);
});
