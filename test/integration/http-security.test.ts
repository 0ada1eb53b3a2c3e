// The HTTP gateway over HTTPS (https:// in http.listeners, the broker's PEM keystore) with
// HTTP Basic authentication (http.authentication.method=BASIC) against the broker's users:
// a PLAIN user and a SCRAM user made with `strom configs`; without credentials, or with wrong
// ones, every request and WebSocket upgrade gets 401 and no data; http.authentication.skip.paths
// are public. Certificates are made by the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { makeCertificates, type TestCertificates } from '../helpers/certs.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, ...args], 60_000);

let certs: TestCertificates;
let broker: RunningBroker;
let ca: Buffer;
beforeAll(async () => {
  certs = await makeCertificates();
  ca = readFileSync(certs.caFile);
  broker = await startBroker({
    overrides: {
      'http.listeners': 'https://127.0.0.1:0',
      'ssl.keystore.location': certs.serverKeystore,
      'http.authentication.method': 'BASIC',
      'http.authentication.skip.paths': '/health,/metrics',
      'strom.sasl.plain.users': 'alice:alice-secret',
      'connection.failed.authentication.delay.ms': '300',
    },
  });
  const r = await strom(['configs', '--bootstrap-server', broker.bootstrap, '--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-512=[password=bob-secret]']);
  expect(r.stderr).toBe('');
  expect((await strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'secret'])).stderr).toBe('');
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

function https(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port: broker.httpPort!, method, path, headers, ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An upgrade's refusal, or the open socket with its first message (awaited from the start: ws may emit it before a later listener is on). */
function upgrade(path: string, headers: Record<string, string> = {}): Promise<{ status: number } | { socket: WebSocket; first: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`wss://127.0.0.1:${broker.httpPort}${path}`, { ca, servername: 'localhost', headers, handshakeTimeout: 10_000 });
    const first = new Promise<string>((r) => socket.once('message', (d) => r(d.toString())));
    socket.once('open', () => resolve({ socket, first }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.once('error', reject);
  });
}

describe('HTTPS', () => {
  it('serves TLS with the broker\'s certificate, verified against the test CA', async () => {
    expect(broker.http).toMatch(/^https:\/\//);
    const r = await https('GET', '/health');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).status).toBe('UP');
  });

  it('a plain http request to the https port gets no answer', async () => {
    await expect(fetch(`http://127.0.0.1:${broker.httpPort}/health`)).rejects.toThrow();
  });
});

describe('HTTP Basic authentication', () => {
  it('without credentials: 401 with the challenge, no data', async () => {
    const produced = await https('POST', '/topics/secret', { ...basic('alice', 'alice-secret'), 'content-type': 'application/vnd.kafka.json.v2+json' }, JSON.stringify({ records: [{ value: 'hidden' }] }));
    expect(produced.status).toBe(200);
    for (const path of ['/topics', '/topics/secret/partitions/0/offsets', '/v3/clusters', '/api/stats', '/', '/ready']) {
      const r = await https('GET', path);
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="Strom", charset="UTF-8"');
      expect(JSON.parse(r.body), path).toEqual({ error_code: 40101, message: 'Authentication required: HTTP Basic credentials of a broker user.' });
    }
  });

  it('with a wrong password or an unknown user: 401 after the failed-authentication delay', async () => {
    for (const [user, password] of [['alice', 'nope'], ['bob', 'alice-secret'], ['nobody', 'x']]) {
      const started = performance.now();
      const r = await https('GET', '/topics', basic(user, password));
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).message).toBe('Authentication failed: invalid username or password.');
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    }
    expect(broker.output.join('\n')).toMatch(/failed HTTP authentication of 127\.0\.0\.1 \(GET \/topics\): invalid credentials for user \\"nobody\\"/);
  });

  it('a PLAIN user and a SCRAM user are served', async () => {
    const plain = await https('GET', '/topics', basic('alice', 'alice-secret'));
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toContain('secret');
    const scram = await https('GET', '/topics/secret/partitions/0/offsets', basic('bob', 'bob-secret'));
    expect(JSON.parse(scram.body)).toMatchObject({ end_offset: 1 });
  });

  it('a request with a body and no credentials produces nothing', async () => {
    const r = await https('POST', '/topics/secret', { 'content-type': 'application/vnd.kafka.json.v2+json' }, JSON.stringify({ records: [{ value: 'sneaky' }] }));
    expect(r.status).toBe(401);
    const offsets = await https('GET', '/topics/secret/partitions/0/offsets', basic('alice', 'alice-secret'));
    expect(JSON.parse(offsets.body)).toMatchObject({ end_offset: 1 });
  });

  it('a changed SCRAM password takes effect at once', async () => {
    expect((await https('GET', '/topics', basic('bob', 'bob-secret'))).status).toBe(200);
    await strom(['configs', '--bootstrap-server', broker.bootstrap, '--alter', '--user', 'bob', '--add-config', 'SCRAM-SHA-512=[password=bob-new]']);
    expect((await https('GET', '/topics', basic('bob', 'bob-secret'))).status).toBe(401);
    expect((await https('GET', '/topics', basic('bob', 'bob-new'))).status).toBe(200);
  });

  it('http.authentication.skip.paths are public', async () => {
    expect((await https('GET', '/metrics')).status).toBe(200);
    expect((await https('GET', '/health')).status).toBe(200);
  });

  it('a WebSocket upgrade needs credentials too', async () => {
    const refused = await upgrade('/ws/topics/secret?from=earliest');
    expect(refused).toEqual({ status: 401 });
    // Not even whether a topic exists.
    expect(await upgrade('/ws/topics/no-such-topic')).toEqual({ status: 401 });
    const wrong = await upgrade('/ws/topics/secret?from=earliest', basic('alice', 'bad'));
    expect(wrong).toEqual({ status: 401 });
    const opened = await upgrade('/ws/topics/secret?from=earliest', basic('alice', 'alice-secret'));
    expect('socket' in opened).toBe(true);
    if ('socket' in opened) {
      const record = JSON.parse(await opened.first) as Record<string, unknown>;
      expect(record).toMatchObject({ type: 'record', topic: 'secret', value: '"hidden"' });
      opened.socket.close();
    }
  });

  it('counts outcomes on /metrics', async () => {
    const text = (await https('GET', '/metrics')).body;
    const count = (result: string) => Number(new RegExp(`strom_http_authentications_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    // 6 GETs, a POST and 2 upgrades without credentials; 3 wrong GETs, 1 after a change, 1 upgrade.
    expect(count('missing')).toBe(9);
    expect(count('failure')).toBe(5);
    expect(count('success')).toBeGreaterThanOrEqual(7);
  });
});
