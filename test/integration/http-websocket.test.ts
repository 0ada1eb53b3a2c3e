// The live tail over WebSocket (src/http/tail.ts) with the `ws` client: records pushed as
// JSON, produce over the socket, bad requests refused, and backpressure: a client that does
// not read holds the broker's buffer for it near http.ws.max.buffered.bytes while others
// are still served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { sleep } from '../helpers/wait.js';

const BUFFER_BOUND = 256 * 1024;
const ROUNDS = 32;
const PER_ROUND = 96;
let broker: RunningBroker;
let ws: string;
let clusterId: string;

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(broker.http + path, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });

function collect(socket: WebSocket, count: number, timeoutMs = 10_000): Promise<any[]> {
  const got: any[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages`)), timeoutMs);
    socket.on('message', (data) => {
      got.push(JSON.parse(data.toString()));
      if (got.length === count) { clearTimeout(timer); resolve(got); }
    });
  });
}

const opened = (socket: WebSocket) => new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'http.ws.max.buffered.bytes': String(BUFFER_BOUND) } });
  ws = `ws://127.0.0.1:${broker.httpPort}`;
  clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'events', partitions_count: 2 });
  await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'firehose', partitions_count: 1 });
}, 30_000);

afterAll(async () => {
  await broker?.stop();
  cleanupDirs();
});

describe('live tail', () => {
  it('pushes existing and new records as JSON, text as UTF-8 and other bytes as base64', async () => {
    await post('/topics/events/partitions/0', { records: [{ key: Buffer.from('k').toString('base64'), value: Buffer.from('héllo').toString('base64') }] }, 'application/vnd.kafka.binary.v2+json');
    const socket = new WebSocket(`${ws}/ws/topics/events?from=earliest&partition=0`);
    const messages = collect(socket, 2);
    await opened(socket);
    await post('/topics/events/partitions/0', { records: [{ value: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }] }, 'application/vnd.kafka.binary.v2+json');
    const [first, second] = await messages;
    expect(first).toMatchObject({ type: 'record', topic: 'events', partition: 0, offset: 0, key: 'k', key_encoding: 'utf8', value: 'héllo', value_encoding: 'utf8' });
    expect(typeof first.timestamp).toBe('number');
    expect(second).toMatchObject({ offset: 1, key: null, value: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), value_encoding: 'base64' });
    socket.close();
  });

  it('produces over the same socket and acknowledges with the offset', async () => {
    const socket = new WebSocket(`${ws}/ws/topics/events?from=latest&partition=1`);
    await opened(socket);
    const messages = collect(socket, 3);
    socket.send(JSON.stringify({ key: 'user-1', value: 'clicked', partition: 1 }));
    socket.send('{not json');
    const got = await messages;
    const ack = got.find((m) => m.type === 'ack');
    expect(ack).toEqual({ type: 'ack', partition: 1, offset: 0 });
    expect(got.find((m) => m.type === 'error').message).toMatch(/Malformed JSON/);
    expect(got.find((m) => m.type === 'record')).toMatchObject({ partition: 1, offset: 0, key: 'user-1', value: 'clicked' });
    socket.close();
  });

  it('refuses an unknown topic or a bad from with a JSON error before upgrading', async () => {
    const status = (url: string) => new Promise<number>((resolve) => {
      const socket = new WebSocket(url);
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => { socket.close(); resolve(101); });
      socket.on('error', () => {});
    });
    expect(await status(`${ws}/ws/topics/missing`)).toBe(404);
    expect(await status(`${ws}/ws/topics/events?from=yesterday`)).toBe(422);
    expect(await status(`${ws}/ws/topics/events?partition=7`)).toBe(404);
  });

  it('pauses a tail whose client does not read: the buffer stays bounded and others are served', async () => {
    const slow = new WebSocket(`${ws}/ws/topics/firehose?from=earliest`);
    await opened(slow);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading from the TCP socket
    // ~24 MiB of records: far more than the kernel's socket buffers and the bound.
    const value = Buffer.alloc(8 * 1024, 'v').toString('base64');
    for (let round = 0; round < ROUNDS; round++) {
      // 96 records of 8 KiB: one batch under max.message.bytes.
      const res = await post('/topics/firehose', { records: Array.from({ length: PER_ROUND }, () => ({ value })) }, 'application/vnd.kafka.binary.v2+json');
      expect((await res.json()).offsets[0].error_code).toBeNull();
    }
    const deadline = Date.now() + 10_000;
    let tail: { paused: boolean; buffered_bytes: number; peak_buffered_bytes: number; records_sent: number } | undefined;
    while (Date.now() < deadline) {
      const state = await (await fetch(`${broker.http}/api/websockets`)).json();
      tail = state.tails.find((t: { topic: string }) => t.topic === 'firehose');
      if (tail?.paused) break;
      await sleep(100);
    }
    expect(tail, JSON.stringify(tail)).toBeDefined();
    expect(tail?.paused, JSON.stringify(tail)).toBe(true);
    // At most the bound plus one record's JSON (~11 KiB here) is held for it.
    expect(tail!.peak_buffered_bytes).toBeLessThanOrEqual(BUFFER_BOUND + 16 * 1024);
    expect(tail!.records_sent).toBeLessThan(ROUNDS * PER_ROUND);
    const metrics = await (await fetch(`${broker.http}/metrics`)).text();
    expect(metrics).toMatch(/strom_websocket_tails_paused 1/);
    // Another client is served meanwhile, over HTTP and over a WebSocket.
    expect((await fetch(`${broker.http}/health`)).status).toBe(200);
    const other = new WebSocket(`${ws}/ws/topics/events?from=earliest&partition=1`);
    const got = collect(other, 1);
    await opened(other);
    expect((await got)[0]).toMatchObject({ topic: 'events', partition: 1, offset: 0 });
    other.close();
    // Once the slow client reads again, the tail resumes and delivers the rest.
    let received = 0;
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`resumed tail delivered ${received} of ${ROUNDS * PER_ROUND}`)), 20_000);
      slow.on('message', () => { if (++received === ROUNDS * PER_ROUND) { clearTimeout(timer); resolve(); } });
    });
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await all;
    slow.close();
  }, 60_000);
});

describe('connection cap', () => {
  it('answers 503 past http.max.connections (WebSockets plus requests in flight) and recovers', async () => {
    const capped = await startBroker({ overrides: { 'http.max.connections': '1' } });
    try {
      await fetch(`${capped.http}/v3/clusters`);
      const clusters = await (await fetch(`${capped.http}/v3/clusters`)).json();
      await fetch(`${capped.http}/v3/clusters/${clusters.data[0].cluster_id}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: 'cap' }) });
      const socket = new WebSocket(`ws://127.0.0.1:${capped.httpPort}/ws/topics/cap`);
      await opened(socket);
      const refused = await fetch(`${capped.http}/health`);
      expect(refused.status).toBe(503);
      expect((await refused.json()).message).toMatch(/http\.max\.connections/);
      socket.close();
      const deadline = Date.now() + 5000;
      let status = 503;
      while (status === 503 && Date.now() < deadline) {
        await sleep(50);
        status = (await fetch(`${capped.http}/health`)).status;
      }
      expect(status).toBe(200);
    } finally {
      await capped.stop();
    }
  }, 30_000);
});
