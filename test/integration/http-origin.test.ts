// Who may use the gateway from a web browser (src/http/origin-policy.ts), with real HTTP and
// WebSocket clients sending the headers a browser sends: any page the user visits can aim
// requests and WebSocket upgrades at localhost, so a foreign Origin is refused before any
// handler runs (cross-site WebSocket hijacking, forged produce), allowed origins get CORS
// answers, and a loopback listener serves only Host names that are its own (DNS rebinding).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { httpRequest, upgrade } from '../helpers/http.js';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
const APP = 'http://app.example:3000';
const EVIL = 'http://evil.example';
let broker: RunningBroker;
let port: number;
let own: string;
let clusterId: string;

const endOffset = async (topic: string) => ((await (await fetch(`${broker.http}/topics/${topic}/partitions/0/offsets`)).json()) as { end_offset: number }).end_offset;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'http.allowed.origins': APP } });
  port = broker.httpPort!;
  own = `http://127.0.0.1:${port}`;
  clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  const created = await fetch(`${broker.http}/v3/clusters/${clusterId}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: 'private', partitions_count: 1 }) });
  expect(created.status).toBe(201);
  const produced = await fetch(`${broker.http}/topics/private/partitions/0`, { method: 'POST', headers: { 'content-type': JSON_V2 }, body: JSON.stringify({ records: [{ value: 'secret' }] }) });
  expect(produced.status).toBe(200);
}, 30_000);

afterAll(async () => {
  await broker?.stop();
  cleanupDirs();
});

describe('WebSocket upgrades', () => {
  it('refuses an upgrade from another origin (cross-site WebSocket hijacking)', async () => {
    const r = await upgrade(`ws://127.0.0.1:${port}/ws/topics/private?from=earliest`, EVIL);
    if (r.opened) r.socket.terminate();
    expect(r.opened ? 101 : r.status).toBe(403);
    if (!r.opened) expect(JSON.parse(r.body)).toEqual({ error_code: 40301, message: expect.stringContaining(`Origin ${EVIL} is not allowed`) });
  });

  it('serves its own origin, allowed origins and clients that send no Origin', async () => {
    for (const origin of [own, APP, undefined]) {
      const r = await upgrade(`ws://127.0.0.1:${port}/ws/topics/private?from=earliest`, origin);
      expect(r.opened, `Origin ${origin}`).toBe(true);
      if (!r.opened) continue;
      expect(await r.first()).toMatchObject({ type: 'record', topic: 'private', offset: 0, value: '"secret"' });
      r.socket.close();
    }
  });

  it('refuses an upgrade whose Host is not a name of the gateway (DNS rebinding)', async () => {
    const r = await upgrade(`ws://127.0.0.1:${port}/ws/topics/private?from=earliest`, `http://rebind.example:${port}`, { Host: `rebind.example:${port}` });
    if (r.opened) r.socket.terminate();
    expect(r.opened ? 101 : r.status).toBe(421);
  });
});

describe('HTTP requests from web pages', () => {
  it('refuses state-changing requests from another origin without acting on them', async () => {
    const before = await endOffset('private');
    // A no-cors POST with no content type is a "simple" request: browsers send it without a preflight.
    const produce = await httpRequest(port, 'POST', '/topics/private/partitions/0', { Origin: EVIL }, JSON.stringify({ records: [{ value: 'forged' }] }));
    expect(produce.status).toBe(403);
    expect(JSON.parse(produce.body).error_code).toBe(40301);
    expect(produce.headers['access-control-allow-origin']).toBeUndefined();
    const create = await httpRequest(port, 'POST', `/v3/clusters/${clusterId}/topics`, { Origin: EVIL, 'content-type': 'text/plain' }, JSON.stringify({ topic_name: 'forged' }));
    expect(create.status).toBe(403);
    expect(await endOffset('private')).toBe(before);
    expect((await fetch(`${broker.http}/topics/forged`)).status).toBe(404);
  });

  it('refuses reads from another origin, and no-cors reads a foreign page makes without an Origin', async () => {
    const read = await httpRequest(port, 'GET', '/api/topics/private/partitions/0/records', { Origin: EVIL });
    expect(read.status).toBe(403);
    expect(read.body).not.toContain('secret');
    // <img src> or <script src> on a foreign page: no Origin, but the browser says where it comes from.
    const embedded = await httpRequest(port, 'GET', '/topics', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' });
    expect(embedded.status).toBe(403);
    // Following a link to the console from another site is a navigation: served.
    const link = await httpRequest(port, 'GET', '/', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' });
    expect(link.status).toBe(200);
  });

  it('answers CORS preflights for allowed origins and refuses other origins', async () => {
    const preflight = { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' };
    const ok = await httpRequest(port, 'OPTIONS', '/topics/private/partitions/0', { Origin: APP, ...preflight });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(String(ok.headers['access-control-allow-methods'])).toMatch(/\bPOST\b/);
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/content-type/i);
    expect(String(ok.headers.vary)).toMatch(/Origin/);
    const refused = await httpRequest(port, 'OPTIONS', '/topics/private/partitions/0', { Origin: EVIL, ...preflight });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves allowed cross-origin requests with Access-Control-Allow-Origin, and its own origin', async () => {
    const read = await httpRequest(port, 'GET', '/api/topics/private/partitions/0/records', { Origin: APP });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(APP);
    expect(read.body).toContain('secret');
    const before = await endOffset('private');
    const produce = await httpRequest(port, 'POST', '/topics/private/partitions/0', { Origin: APP, 'content-type': JSON_V2 }, JSON.stringify({ records: [{ value: 'allowed' }] }));
    expect(produce.status).toBe(200);
    expect(produce.headers['access-control-allow-origin']).toBe(APP);
    const mine = await httpRequest(port, 'POST', '/topics/private/partitions/0', { Origin: own, 'content-type': JSON_V2 }, JSON.stringify({ records: [{ value: 'console' }] }));
    expect(mine.status).toBe(200);
    expect(await endOffset('private')).toBe(before + 2);
  });

  it('serves only Host names of its own on a loopback listener (DNS rebinding)', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, '127.0.0.1', `[::1]:${port}`, 'LOCALHOST', 'app.example:3000']) {
      const r = await httpRequest(port, 'GET', '/v3/clusters', { Host: host });
      expect(r.status, `Host ${host}`).toBe(200);
    }
    // What a page on a name rebound to 127.0.0.1 sends: its own origin and name, so Origin alone cannot tell.
    for (const host of [`rebind.example:${port}`, 'rebind.example', `127.0.0.1.rebind.example:${port}`]) {
      const r = await httpRequest(port, 'GET', '/api/topics/private/partitions/0/records', { Host: host, Origin: `http://${host}` });
      expect(r.status, `Host ${host}`).toBe(421);
      expect(JSON.parse(r.body)).toEqual({ error_code: 42101, message: expect.stringContaining(`Host ${host} is not a name of this gateway`) });
    }
  });
});

describe('a gateway bound beyond loopback', () => {
  let wide: RunningBroker;

  beforeAll(async () => {
    wide = await startBroker({ overrides: { 'http.listeners': 'http://0.0.0.0:0' } });
  }, 30_000);

  afterAll(async () => {
    await wide?.stop();
  });

  it('warns at start that it has no authentication, and only then', () => {
    // Log lines are pino JSON here (level 40: warn).
    expect(wide.output.join('\n')).toMatch(/"level":40,[^\n]*HTTP gateway listens on http:\/\/0\.0\.0\.0:\d+, beyond this machine[^\n]*as http\.authentication\.method is NONE[^\n]*http\.authentication\.method=BASIC/);
    expect(broker.output.join('\n')).not.toMatch(/beyond this machine/);
  });

  it('takes any Host name, and still checks Origin against that Host', async () => {
    const wport = wide.httpPort!;
    const named = await httpRequest(wport, 'GET', '/v3/clusters', { Host: `broker.internal:${wport}` });
    expect(named.status).toBe(200);
    const same = await httpRequest(wport, 'POST', '/consumers/g', { Host: `broker.internal:${wport}`, Origin: `http://broker.internal:${wport}`, 'content-type': 'application/vnd.kafka.v2+json' }, JSON.stringify({ name: 'c1' }));
    expect(same.status).toBe(200);
    const foreign = await httpRequest(wport, 'POST', '/consumers/g', { Host: `broker.internal:${wport}`, Origin: EVIL, 'content-type': 'application/vnd.kafka.v2+json' }, JSON.stringify({ name: 'c2' }));
    expect(foreign.status).toBe(403);
    const r = await upgrade(`ws://127.0.0.1:${wport}/ws/topics/anything`, EVIL);
    if (r.opened) r.socket.terminate();
    expect(r.opened ? 101 : r.status).toBe(403);
  });
});
