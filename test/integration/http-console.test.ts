// The web console in a real headless Chromium (Debian's chromium, driven by playwright-core):
// one interaction per view, a screenshot of each under test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Kafka, logLevel } from 'kafkajs';
import { cleanupDirs, startBroker, type RunningBroker } from '../helpers/broker.js';
import { CHROMIUM, requireExternal } from '../helpers/external.js';

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

describe('web console', () => {
  it('lists topics, creates one and produces a test message with the forms', async () => {
    await page.waitForSelector('#topics-table tr[data-topic="payments"]');
    expect(await page.textContent('#topics-table tr[data-topic="payments"]')).toContain('2');
    await page.fill('#create-topic input[name=name]', 'console-made');
    await page.fill('#create-topic input[name=partitions]', '3');
    await page.click('#create-topic button[type=submit]');
    await page.waitForSelector('#topics-table tr[data-topic="console-made"]');
    expect(await page.textContent('#create-status')).toContain('Created console-made with 3 partition(s)');
    await page.selectOption('#produce select[name=topic]', 'payments');
    await page.fill('#produce input[name=key]', 'p-3');
    await page.fill('#produce textarea[name=value]', '{"amount": 99, "currency": "CHF"}');
    await page.click('#produce button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#produce-status')!.textContent!.startsWith('Sent to partition'));
    await page.screenshot({ path: `${ARTIFACTS}console-topics.png`, fullPage: true });
  }, 20_000);

  it('browses messages by partition and offset, as JSON and hex', async () => {
    await page.click('#topics-table tr[data-topic="payments"]');
    await page.waitForSelector('#view-browse.active');
    await page.fill('#browse-form input[name=offset]', '0');
    await page.selectOption('#browse-form select[name=format]', 'json');
    await page.click('#browse-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#browse-table tbody tr').length >= 2);
    const first = await page.textContent('#browse-table tbody tr:first-child');
    expect(first).toContain('"amount": 12.5');
    await page.selectOption('#browse-form select[name=format]', 'hex');
    await page.click('#browse-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#browse-table tbody tr td:nth-child(3)')?.textContent === '22 70 2d 31 22');
    await page.selectOption('#browse-form select[name=format]', 'json');
    await page.click('#browse-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#browse-table tbody tr td:nth-child(4)')?.textContent?.includes('"amount"'));
    await page.screenshot({ path: `${ARTIFACTS}console-messages.png`, fullPage: true });
  }, 20_000);

  it('tails a topic live over the WebSocket', async () => {
    await page.click('nav button[data-view=tail]');
    await page.selectOption('#tail-form select[name=topic]', 'payments');
    await page.click('#tail-start');
    await page.waitForFunction(() => document.querySelector('#tail-status')!.textContent!.startsWith('tailing'));
    await post('/topics/payments/partitions/1', { records: [{ key: 'live', value: 'arrived while watching' }] }, 'application/vnd.kafka.json.v2+json');
    await page.waitForFunction(() => document.querySelector('#tail-table tbody')!.textContent!.includes('arrived while watching'), undefined, { timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}console-tail.png`, fullPage: true });
    await page.click('#tail-stop');
    await page.waitForFunction(() => document.querySelector('#tail-status')!.textContent === 'stopped');
  }, 20_000);

  it('shows consumer groups and their lag per partition', async () => {
    await page.click('nav button[data-view=groups]');
    await page.waitForSelector('#groups-table tr[data-group="billing"]');
    await page.click('#groups-table tr[data-group="billing"]');
    await page.waitForFunction(() => document.querySelectorAll('#lag-table tbody tr').length > 0);
    const cells = await page.$$eval('#lag-table tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    expect(cells.slice(0, 5)).toEqual(['payments', '0', '1', '2', '1']);
    await page.screenshot({ path: `${ARTIFACTS}console-groups.png`, fullPage: true });
  }, 20_000);

  it('draws live throughput', async () => {
    await page.click('nav button[data-view=throughput]');
    const value = Buffer.from('tick').toString('base64');
    for (let i = 0; i < 6; i++) {
      await post('/topics/payments', { records: Array.from({ length: 50 }, () => ({ value })) }, 'application/vnd.kafka.binary.v2+json');
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.waitForFunction(() => !/records\/s: 0 /.test(document.querySelector('#rate')!.textContent!) || false, undefined, { timeout: 5000 }).catch(() => {});
    const rateSeen = await page.evaluate(() => document.querySelector('#rate')!.textContent);
    expect(rateSeen).toMatch(/records\/s: \d+/);
    await page.screenshot({ path: `${ARTIFACTS}console-throughput.png`, fullPage: true });
  }, 20_000);
});
