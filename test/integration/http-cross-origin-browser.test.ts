// A web page from another origin, in a real headless Chromium (Debian's chromium, driven by
// playwright-core), tries what any site the user visits could try against the gateway on
// localhost: open the live tail WebSocket, send a record over it, read records with fetch and
// produce with a no-cors POST (a "simple" request, sent without a preflight). None of it may
// read or change anything. A page served under a name rebound to 127.0.0.1 (DNS rebinding,
// simulated with Chromium's host resolver rules) is refused too, while the console on the
// gateway's own origin still tails the same topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';

const JSON_V2 = 'application/vnd.kafka.json.v2+json';
let broker: RunningBroker;
let browser: Browser;
let attacker: Server;
let attackerOrigin: string;

/** What the foreign page's script found out; it sets data-done on <body> when finished. */
interface Outcome {
  wsOpened: boolean;
  wsMessages: string[];
  fetchRead: string;
  forgedPost: string;
}

// The attacker's page: everything happens in its own script, as it would on a real site.
const attackPage = (gateway: string, ws: string) => `<!doctype html><html><body><script>
const outcome = { wsOpened: false, wsMessages: [], fetchRead: '', forgedPost: '' };
function tail() {
  return new Promise((done) => {
    const socket = new WebSocket(${JSON.stringify(ws)} + '/ws/topics/private?from=earliest');
    socket.onopen = () => { outcome.wsOpened = true; socket.send(JSON.stringify({ value: 'forged over ws' })); };
    socket.onmessage = (m) => { outcome.wsMessages.push(String(m.data)); if (outcome.wsMessages.length >= 2) socket.close(); };
    socket.onclose = () => done();
    setTimeout(() => { socket.close(); done(); }, 3000);
  });
}
async function run() {
  await tail();
  try {
    const res = await fetch(${JSON.stringify(gateway)} + '/api/topics/private/partitions/0/records?offset=0');
    outcome.fetchRead = 'read: ' + (await res.text());
  } catch (e) { outcome.fetchRead = 'blocked: ' + e.name; }
  try {
    await fetch(${JSON.stringify(gateway)} + '/topics/private/partitions/0', { method: 'POST', mode: 'no-cors', body: new Blob([JSON.stringify({ records: [{ value: 'forged over http' }] })]) });
    outcome.forgedPost = 'sent';
  } catch (e) { outcome.forgedPost = 'blocked: ' + e.name; }
  window.outcome = outcome;
  document.body.dataset.done = 'true';
}
run();
</script></body></html>`;

const endOffset = async () => ((await (await fetch(`${broker.http}/topics/private/partitions/0/offsets`)).json()) as { end_offset: number }).end_offset;

beforeAll(async () => {
  broker = await startBroker();
  const clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  expect((await fetch(`${broker.http}/v3/clusters/${clusterId}/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: 'private', partitions_count: 1 }) })).status).toBe(201);
  expect((await fetch(`${broker.http}/topics/private/partitions/0`, { method: 'POST', headers: { 'content-type': JSON_V2 }, body: JSON.stringify({ records: [{ value: 'secret' }] }) })).status).toBe(200);
  const page = attackPage(broker.http, `ws://127.0.0.1:${broker.httpPort}`);
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
  attackerOrigin = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP rebind.example 127.0.0.1'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (attacker ? attacker.close(r) : r(undefined)));
  await broker?.stop();
  cleanupDirs();
});

describe('a page from another origin', () => {
  it('cannot read the live tail, produce over it, read records or forge a produce', async () => {
    const before = await endOffset();
    const page = await browser.newPage();
    await page.goto(attackerOrigin + '/');
    await page.waitForSelector('body[data-done="true"]', { state: 'attached', timeout: 20_000 });
    const outcome = (await page.evaluate(() => (window as unknown as { outcome: unknown }).outcome)) as Outcome;
    await page.close();
    expect(outcome.wsMessages).toEqual([]);
    expect(outcome.wsOpened).toBe(false);
    expect(outcome.fetchRead).toBe('blocked: TypeError');
    expect(await endOffset()).toBe(before);
  }, 30_000);

  it('cannot use the gateway under a name rebound to 127.0.0.1', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`http://rebind.example:${broker.httpPort}/api/topics/private/partitions/0/records?offset=0`);
    expect(res?.status()).toBe(421);
    expect(await page.content()).not.toContain('secret');
    await page.close();
  }, 30_000);
});

describe('the console on the gateway\'s own origin', () => {
  it('still reads records and tails the topic over its WebSocket', async () => {
    const page = await browser.newPage();
    await page.goto(broker.http + '/');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    const got = await page.evaluate(async () => {
      const records = await (await fetch('/api/topics/private/partitions/0/records?offset=0')).json() as { records: { value: unknown }[] };
      const first = await new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`ws://${location.host}/ws/topics/private?from=earliest`);
        socket.onmessage = (m) => { socket.close(); resolve(String(m.data)); };
        socket.onerror = () => reject(new Error('the tail WebSocket failed'));
      });
      return { read: records.records.map((r) => r.value), tailed: JSON.parse(first) as { value: unknown } };
    });
    await page.close();
    // The value as produced in the json embedded format: JSON text.
    expect(got.read[0]).toBe('"secret"');
    expect(got.tailed.value).toBe('"secret"');
  }, 30_000);
});
