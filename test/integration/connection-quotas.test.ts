// Connection limits (issue 16): max.connections, max.connections.per.ip (and its overrides),
// max.connection.creation.rate, and the per-IP connection_creation_rate client quota
// (KIP-612), with raw protocol clients on loopback: the connection past a limit is closed
// without an answer, the ones within it are served, and a closed one frees its place.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const API_VERSIONS = 18;
const brokers: RunningBroker[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const b of brokers.splice(0)) expect(await b.stop()).toBe(0);
  cleanupDirs();
});

async function broker(overrides: Record<string, string>): Promise<RunningBroker> {
  const b = await startBroker({ overrides });
  brokers.push(b);
  return b;
}

async function connect(b: RunningBroker): Promise<RawClient> {
  const c = await RawClient.connect(b.port);
  clients.push(c);
  return c;
}

/** Whether the broker answers on this connection (else it closed it). */
async function served(c: RawClient): Promise<boolean> {
  try {
    const r = await c.request(API_VERSIONS, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    return r.errorCode === 0;
  } catch (e) {
    if ((e as Error).message === 'connection closed') return false;
    throw e;
  }
}

describe('connection limits', () => {
  it('max.connections.per.ip: the connection past the limit is closed; one closed frees its place', async () => {
    const b = await broker({ 'max.connections.per.ip': '3' });
    const first = [await connect(b), await connect(b), await connect(b)];
    for (const c of first) expect(await served(c)).toBe(true);
    const fourth = await connect(b);
    expect(await served(fourth)).toBe(false);
    expect(b.output.some((l) => l.includes('127.0.0.1 already has the configured maximum of 3 connections (max.connections.per.ip)'))).toBe(true);
    first[0].close();
    await first[0].closed;
    // The broker hears of the close in its own time.
    await waitFor('a new connection served after one closed', async () => served(await connect(b)), { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('max.connections.per.ip.overrides gives an address its own limit', async () => {
    const b = await broker({ 'max.connections.per.ip': '1', 'max.connections.per.ip.overrides': '127.0.0.1:2,localhost:2' });
    const [one, two, three] = [await connect(b), await connect(b), await connect(b)];
    expect(await served(one)).toBe(true);
    expect(await served(two)).toBe(true);
    expect(await served(three)).toBe(false);
  });

  it('max.connections counts every connection of the broker', async () => {
    const b = await broker({ 'max.connections': '2' });
    const [one, two, three] = [await connect(b), await connect(b), await connect(b)];
    expect(await served(one)).toBe(true);
    expect(await served(two)).toBe(true);
    expect(await served(three)).toBe(false);
    expect(b.output.some((l) => l.includes('the broker has its maximum of 2 connections (max.connections)'))).toBe(true);
  });

  it('max.connection.creation.rate: connections past the rate wait, then are served', async () => {
    const b = await broker({ 'max.connection.creation.rate': '2', 'quota.window.num': '2', 'quota.window.size.seconds': '1' });
    const all = await Promise.all(Array.from({ length: 6 }, () => connect(b)));
    expect(await Promise.all(all.map(served))).toEqual(all.map(() => true));
    expect(b.output.some((l) => /waits \d+ ms: over the connection creation rate/.test(l))).toBe(true);
  });

  it("an IP's connection_creation_rate quota (AlterClientQuotas): connections past it are closed", async () => {
    const b = await broker({ 'quota.window.num': '2', 'quota.window.size.seconds': '1' });
    const set = await run(process.execPath, [STROM, 'configs', '--bootstrap-server', b.bootstrap, '--alter', '--entity-type', 'ips', '--entity-name', '127.0.0.1', '--add-config', 'connection_creation_rate=3'], 30_000);
    expect(set.stderr).toBe('');
    const all = await Promise.all(Array.from({ length: 12 }, () => connect(b)));
    const answers = await Promise.all(all.map(served));
    expect(answers.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => !a).length).toBeGreaterThanOrEqual(1);
    expect(b.output.some((l) => l.includes("127.0.0.1 is over its connection_creation_rate quota of 3/s"))).toBe(true);
  });
});
