// The gateway on uWebSockets.js's JavaScript fallback (UWS_USE_FALLBACK=1 in the broker's
// environment; it runs when the native binary does not load): query parameters reach the
// handlers (the shim's getUrl() keeps the query string and its getQuery() throws), answers
// without a body (204) do not crash the broker, and a WebSocket upgrade, which the shim
// cannot serve, is refused at once instead of hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { httpRequest } from '../helpers/http.js';

const V2 = 'application/vnd.kafka.v2+json';
let broker: RunningBroker;

const post = (path: string, body: unknown, contentType = V2) =>
  fetch(broker.http + path, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });

beforeAll(async () => {
  broker = await startBroker({ env: { UWS_USE_FALLBACK: '1' } });
  const clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  expect((await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'fb', partitions_count: 1 }, 'application/json')).status).toBe(201);
  const res = await post('/topics/fb', { records: [{ value: 'one' }, { value: 'two' }, { value: 'three' }] }, 'application/vnd.kafka.json.v2+json');
  expect(res.status).toBe(200);
}, 30_000);

afterAll(async () => {
  expect(await broker?.stop()).toBe(0);
  cleanupDirs();
});

describe('the JavaScript fallback backend', () => {
  it('is the one running, and says so', async () => {
    expect(await (await fetch(`${broker.http}/health`)).json()).toEqual({ status: 'UP', backend: 'fallback' });
    expect(broker.output.join('\n')).toMatch(/HTTP gateway backend: fallback/);
    const metrics = await (await fetch(`${broker.http}/metrics`)).text();
    expect(metrics).toMatch(/strom_http_backend_info\{backend="fallback",[^}]*\} 1/);
    const page = await fetch(`${broker.http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('passes query parameters to the handlers: max_bytes, timeout, offset and limit', async () => {
    const inst = '/consumers/fb-group/instances/q';
    expect((await post('/consumers/fb-group', { name: 'q', format: 'json', 'auto.offset.reset': 'earliest' })).status).toBe(200);
    expect((await post(`${inst}/assignments`, { partitions: [{ topic: 'fb', partition: 0 }] })).status).toBe(204);
    // One batch of three records: max_bytes=1 lets through only the first (at least one is always given).
    const first = await (await fetch(`${broker.http}${inst}/records?timeout=1000&max_bytes=1`)).json();
    expect(first.map((r: { value: string }) => r.value)).toEqual(['one']);
    const bad = await fetch(`${broker.http}${inst}/records?timeout=soon`);
    expect(bad.status).toBe(422);
    expect((await bad.json()).message).toMatch(/timeout must be a non-negative integer/);
    const page = await (await fetch(`${broker.http}/api/topics/fb/partitions/0/records?offset=1&limit=1`)).json();
    expect(page.records.map((r: { offset: number }) => r.offset)).toEqual([1]);
  });

  it('sends 204 answers (no body) and stays up', async () => {
    expect((await post('/consumers/fb-group', { name: 'gone' })).status).toBe(200);
    const res = await fetch(`${broker.http}/consumers/fb-group/instances/gone`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await fetch(`${broker.http}/health`)).status).toBe(200);
  });

  it('refuses other origins and foreign Host names as the native backend does', async () => {
    const foreign = await httpRequest(broker.httpPort!, 'POST', '/topics/fb', { Origin: 'http://evil.example', 'content-type': 'application/vnd.kafka.json.v2+json' }, JSON.stringify({ records: [{ value: 'forged' }] }));
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error_code).toBe(40301);
    const rebound = await httpRequest(broker.httpPort!, 'GET', '/topics', { Host: 'rebind.example' });
    expect(rebound.status).toBe(421);
    const own = await httpRequest(broker.httpPort!, 'GET', '/topics', { Origin: broker.http, Host: `127.0.0.1:${broker.httpPort}` });
    expect(own.status).toBe(200);
  });

  it('refuses a WebSocket upgrade at once (the shim has no live tail)', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${broker.httpPort}/ws/topics/fb?from=earliest`);
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('no answer'), 5000);
      socket.once('open', () => { clearTimeout(timer); resolve('open'); });
      socket.once('error', (e) => { clearTimeout(timer); resolve(`error: ${e.message}`); });
    });
    socket.terminate();
    // The shim writes a bare "HTTP/1.1 400 ..." line (LF only), which clients report as a parse error.
    expect(outcome).toMatch(/^error: /);
    expect((await fetch(`${broker.http}/health`)).status).toBe(200);
  });
});
