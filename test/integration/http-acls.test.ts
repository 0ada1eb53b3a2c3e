// The HTTP gateway under the ACLs (issue 16): HTTP Basic users (the broker's PLAIN users),
// the ACL authorizer, and REST v2/v3 requests, a REST consumer instance and a WebSocket tail
// checked as the Kafka requests behind them: 403 with error_code 40303 when refused, lists
// holding only what the user may describe. ACLs set with `strom acls` over SASL/PLAIN as admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const USERS: Record<string, string> = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };
const NOT_AUTHORIZED = 40303;

let broker: RunningBroker;
let adminArgs: string[];
beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'strom.sasl.plain.users': Object.entries(USERS).map(([u, p]) => `${u}:${p}`).join(','),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'http.authentication.method': 'BASIC',
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.num.partitions': '1',
    },
  });
  const line = broker.output.find((l) => l.includes('SASL_PLAINTEXT://'))!;
  const config = join(tempDir(), 'admin.properties');
  writeFileSync(config, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=admin\nsasl.password=admin-secret\n');
  adminArgs = ['--bootstrap-server', `127.0.0.1:${/SASL_PLAINTEXT:\/\/[^:]+:(\d+)/.exec(line)![1]}`, '--command-config', config];
  for (const topic of ['web-orders', 'web-hidden']) await strom(['topics', '--create', '--topic', topic, '--partitions', '1']);
  await strom(['acls', '--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'web-orders']);
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function strom(args: string[]): Promise<string> {
  const r = await run(process.execPath, [STROM, ...args, ...adminArgs], 30_000);
  if (r.code !== 0) throw new Error(`strom ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:${USERS[user]}`).toString('base64')}`;

async function call(user: string, method: string, path: string, body?: unknown, contentType = 'application/vnd.kafka.json.v2+json'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${broker.http}${path}`, {
    method, headers: { authorization: basic(user), ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

describe('REST under the ACLs', () => {
  it('produce needs WRITE; describing needs DESCRIBE (implied by WRITE); lists hold only describable topics', async () => {
    const produced = await call('alice', 'POST', '/topics/web-orders', { records: [{ value: { n: 1 } }] });
    expect(produced.status).toBe(200);
    expect(produced.body.offsets[0].offset).toBe(0);
    expect((await call('alice', 'GET', '/topics')).body).toEqual(['web-orders']);
    expect((await call('alice', 'GET', '/topics/web-orders')).status).toBe(200);
    const hidden = await call('alice', 'GET', '/topics/web-hidden');
    expect(hidden).toEqual({ status: 403, body: { error_code: NOT_AUTHORIZED, message: 'Not authorized to access topics: [web-hidden]' } });
    // A topic that does not exist is refused the same: its existence is not told.
    expect((await call('alice', 'GET', '/topics/web-nowhere')).status).toBe(403);
    const refused = await call('bob', 'POST', '/topics/web-orders', { records: [{ value: { n: 2 } }] });
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBe(NOT_AUTHORIZED);
    expect((await call('admin', 'GET', '/topics')).body).toEqual(['web-hidden', 'web-orders']);
  });

  it('v3: topics listed and created as the ACLs allow', async () => {
    const clusterId = (await call('admin', 'GET', '/v3/clusters')).body.data[0].cluster_id;
    const listed = await call('alice', 'GET', `/v3/clusters/${clusterId}/topics`);
    expect(listed.body.data.map((t: { topic_name: string }) => t.topic_name)).toEqual(['web-orders']);
    const created = await call('bob', 'POST', `/v3/clusters/${clusterId}/topics`, { topic_name: 'web-bob' }, 'application/json');
    expect(created.status).toBe(403);
    await strom(['acls', '--add', '--allow-principal', 'User:bob', '--operation', 'Create', '--operation', 'Describe', '--topic', 'web-bob']);
    expect((await call('bob', 'POST', `/v3/clusters/${clusterId}/topics`, { topic_name: 'web-bob' }, 'application/json')).status).toBe(201);
  });

  it('a consumer instance needs READ on its group and its topics', async () => {
    expect((await call('alice', 'POST', '/consumers/web-group', { name: 'c1', format: 'json', 'auto.offset.reset': 'earliest' })).status).toBe(403);
    await strom(['acls', '--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--group', 'web-group']);
    expect((await call('alice', 'POST', '/consumers/web-group', { name: 'c1', format: 'json', 'auto.offset.reset': 'earliest' })).status).toBe(200);
    const base = '/consumers/web-group/instances/c1';
    const subscribed = await call('alice', 'POST', `${base}/subscription`, { topics: ['web-orders'] });
    expect(subscribed).toEqual({ status: 403, body: { error_code: NOT_AUTHORIZED, message: 'Not authorized to access topics: [web-orders]' } });
    await strom(['acls', '--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--topic', 'web-orders']);
    expect((await call('alice', 'POST', `${base}/subscription`, { topics: ['web-orders'] })).status).toBe(204);
    let records: { value: unknown }[] = [];
    for (let i = 0; i < 20 && records.length === 0; i++) records = (await call('alice', 'GET', `${base}/records?timeout=500`)).body;
    expect(records.map((r) => r.value)).toEqual([{ n: 1 }]);
    // Another user may not use alice's instance without READ on the group.
    expect((await call('bob', 'GET', `${base}/records?timeout=100`)).status).toBe(403);
    expect((await call('alice', 'DELETE', base)).status).toBe(204);
  });
});

describe('WebSocket tail under the ACLs', () => {
  const open = (user: string, topic: string) => new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(`${broker.http.replace('http', 'ws')}/ws/topics/${topic}?from=earliest`, { headers: { authorization: basic(user) } });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', reject);
  });

  it('needs READ on the topic', async () => {
    expect(await open('bob', 'web-orders')).toBe(403);
    expect(await open('admin', 'web-orders')).toBe(101);
  });
});
