// The web console in a real headless Chromium (Debian's chromium, driven by playwright-core):
// one interaction per view, a screenshot of each under test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Kafka, logLevel } from 'kafkajs';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { CHROMIUM, requireExternal } from '../helpers/external.js';
import { eventually, sleep } from '../helpers/wait.js';

requireExternal('chromium');

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
let broker: RunningBroker;
let browser: Browser;
let page: Page;

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(broker.http + path, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  broker = await startBroker();
  const clusterId = ((await (await fetch(`${broker.http}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0].cluster_id;
  await post(`/v3/clusters/${clusterId}/topics`, { topic_name: 'payments', partitions_count: 2 });
  await post('/topics/payments/partitions/0', { records: [{ key: 'p-1', value: { amount: 12.5, currency: 'EUR' } }, { key: 'p-2', value: { amount: 7, currency: 'USD' } }] }, 'application/vnd.kafka.json.v2+json');
  // A consumer group that committed part of partition 0: lag 1 there.
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: 'billing', topic: 'payments', partitions: [{ partition: 0, offset: '1' }] });
  await admin.disconnect();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(broker.http + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
  cleanupDirs();
});

/** The text of each cell of each row matching `rows`, read in the page in one go. */
const table = (rows: string) => page.$$eval(rows, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
/** Columns `columns` of each row of the message browser (offset 0, time 1, key 2, value 3). */
const browsed = async (columns = [0, 2, 3]) => (await table('#browse-table tbody tr')).map((cells) => columns.map((c) => cells[c]));

const P1 = JSON.stringify({ amount: 12.5, currency: 'EUR' });
const P2 = JSON.stringify({ amount: 7, currency: 'USD' });
const hex = (text: string) => Buffer.from(text).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const pretty = (text: string) => JSON.stringify(JSON.parse(text), null, 2);

describe('web console', () => {
  it('lists topics, creates one and produces a test message with the forms', async () => {
    await page.waitForSelector('#topics-table tr[data-topic="payments"]');
    expect((await table('#topics-table tr[data-topic="payments"]'))[0].slice(0, 2)).toEqual(['payments', '2']);
    await page.fill('#create-topic input[name=name]', 'console-made');
    await page.fill('#create-topic input[name=partitions]', '3');
    await page.click('#create-topic button[type=submit]');
    // The status is written before the topic list is redrawn with the new row.
    await page.waitForSelector('#topics-table tr[data-topic="console-made"]');
    expect((await table('#topics-table tr[data-topic="console-made"]'))[0].slice(0, 2)).toEqual(['console-made', '3']);
    expect(await page.textContent('#create-status')).toBe('Created console-made with 3 partition(s).');
    await page.selectOption('#produce select[name=topic]', 'payments');
    await page.fill('#produce input[name=key]', 'p-3');
    await page.fill('#produce textarea[name=value]', '{"amount": 99, "currency": "CHF"}');
    await page.click('#produce button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#produce-status')!.textContent!.startsWith('Sent to partition'));
    const sent = /^Sent to partition (\d+) at offset (\d+)\.$/.exec((await page.textContent('#produce-status'))!);
    expect(sent).not.toBeNull();
    // The record is where the console says, with the key and value typed in.
    const read = await (await fetch(`${broker.http}/api/topics/payments/partitions/${sent![1]}/records?offset=${sent![2]}&limit=1`)).json();
    expect(read.records.map((r: { offset: number; key: string; value: string }) => [r.offset, r.key, r.value])).toEqual([[Number(sent![2]), 'p-3', '{"amount": 99, "currency": "CHF"}']]);
    await page.screenshot({ path: `${ARTIFACTS}console-topics.png`, fullPage: true });
  }, 20_000);

  it('browses messages by partition and offset, as JSON and hex', async () => {
    await page.click('#topics-table tr[data-topic="payments"]');
    await page.waitForSelector('#view-browse.active');
    // Clicking the topic loads its latest records: wait until they are drawn, so that no
    // response of that load can land after (and over) the one asked for below.
    await page.waitForFunction(() => / record\(s\) of payments-0 /.test(document.querySelector('#browse-status')!.textContent!));
    await page.fill('#browse-form input[name=offset]', '0');
    await page.selectOption('#browse-form select[name=format]', 'json');
    await page.click('#browse-form button[type=submit]');
    // Each view is waited for by its whole content (offsets, keys and values of the first two
    // rows), not by a row count the previous view already has.
    await eventually(async () => (await browsed()).slice(0, 2), [['0', '"p-1"', pretty(P1)], ['1', '"p-2"', pretty(P2)]]);
    await page.selectOption('#browse-form select[name=format]', 'hex');
    await page.click('#browse-form button[type=submit]');
    await eventually(async () => (await browsed()).slice(0, 2), [['0', hex('"p-1"'), hex(P1)], ['1', hex('"p-2"'), hex(P2)]]);
    await page.fill('#browse-form input[name=offset]', '1');
    await page.selectOption('#browse-form select[name=format]', 'json');
    await page.click('#browse-form button[type=submit]');
    await eventually(async () => (await browsed())[0], ['1', '"p-2"', pretty(P2)]);
    await page.screenshot({ path: `${ARTIFACTS}console-messages.png`, fullPage: true });
  }, 20_000);

  it('tails a topic live over the WebSocket', async () => {
    await page.click('nav button[data-view=tail]');
    await page.selectOption('#tail-form select[name=topic]', 'payments');
    await page.click('#tail-start');
    await page.waitForFunction(() => document.querySelector('#tail-status')!.textContent!.startsWith('tailing'));
    await post('/topics/payments/partitions/1', { records: [{ key: 'live', value: 'arrived while watching' }] }, 'application/vnd.kafka.json.v2+json');
    await page.waitForFunction(() => document.querySelector('#tail-table tbody')!.textContent!.includes('arrived while watching'), undefined, { timeout: 10_000 });
    expect((await table('#tail-table tbody tr'))[0]).toEqual(['1', expect.stringMatching(/^\d+$/), '"live"', '"arrived while watching"']);
    await page.screenshot({ path: `${ARTIFACTS}console-tail.png`, fullPage: true });
    await page.click('#tail-stop');
    await page.waitForFunction(() => document.querySelector('#tail-status')!.textContent === 'stopped');
  }, 20_000);

  it('shows consumer groups and their lag per partition', async () => {
    await page.click('nav button[data-view=groups]');
    await page.waitForSelector('#groups-table tr[data-group="billing"]');
    await page.click('#groups-table tr[data-group="billing"]');
    // billing committed offset 1 of partition 0, which holds 2 records: lag 1.
    await eventually(async () => (await table('#lag-table tbody tr')).map((cells) => cells.slice(0, 5)), [['payments', '0', '1', '2', '1']]);
    expect(await page.textContent('#lag-title')).toBe('Lag of billing');
    await page.screenshot({ path: `${ARTIFACTS}console-groups.png`, fullPage: true });
  }, 20_000);

  it('draws live throughput', async () => {
    await page.click('nav button[data-view=throughput]');
    // The console samples /api/stats every second: produce until a sample shows records
    // (bounded), then check what it shows and draws.
    const value = Buffer.from('tick').toString('base64');
    let rate = '';
    for (let i = 0; i < 40 && !/^records\/s: [1-9]/.test(rate); i++) {
      await post('/topics/payments', { records: Array.from({ length: 50 }, () => ({ value })) }, 'application/vnd.kafka.binary.v2+json');
      await sleep(250);
      rate = (await page.textContent('#rate'))!;
    }
    expect(rate).toMatch(/^records\/s: [1-9]\d* · bytes in\/s: [1-9][\d.]* (B|KiB|MiB) · bytes out\/s: /);
    // A sample above zero raises the line from the chart's floor (y = height - 20) to its top:
    // some of the line's blue (#4f8cff; the grid is grey) lies in the upper half. The chart is
    // drawn after the text it follows: look again for a while (bounded) before asserting.
    const isRaised = () => page.evaluate(() => {
      const c = document.querySelector('#chart') as HTMLCanvasElement;
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height / 2);
      for (let i = 0; i < data.length; i += 4) if (data[i + 2] > 200 && data[i + 2] - data[i] > 80) return true;
      return false;
    });
    let raised = await isRaised();
    for (let i = 0; i < 20 && !raised; i++) {
      await sleep(250);
      raised = await isRaised();
    }
    expect(raised).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}console-throughput.png`, fullPage: true });
  }, 30_000);
});
