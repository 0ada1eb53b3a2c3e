// The gateway's port is its own: uWebSockets.js listens with SO_REUSEPORT unless told
// otherwise, and a second broker on the same http.listeners port then started silently and
// took a share of the REST requests. Now it refuses to start, in the same one line as a
// taken Kafka port, on both the native backend and the JavaScript fallback; an address it
// cannot bind for another reason is named with that reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cleanupDirs, run, startBroker, tempDir, type RunningBroker } from '../helpers/broker.js';
import { httpRequest } from '../helpers/http.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
let first: RunningBroker;
let httpPort: number;
let clusterId: string;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a second broker on `httpPort` and tells how that went: it exited, or it came up (then it is stopped). */
function secondBroker(env: Record<string, string> = {}): Promise<{ code: number | null; started: boolean; stderr: string }> {
  const args = [STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', `http.listeners=http://127.0.0.1:${httpPort}`, '--override', `log.dirs=${tempDir()}`];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.stdout.on('data', async (d) => {
    stdout += d;
    if (!started && stdout.includes('listening on')) {
      started = true;
      // Up on a shared port: count how many of a few fresh connections it answers, then stop it.
      const ids = await clusterIds(8);
      stderr += `started; cluster ids answered: ${[...new Set(ids)].join(', ')}`;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, started, stderr });
  }));
}

/** The cluster id in each of n answers to /v3/clusters, each on a new connection. */
async function clusterIds(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await httpRequest(httpPort, 'GET', '/v3/clusters');
    ids.push((JSON.parse(res.body) as { data: { cluster_id: string }[] }).data[0].cluster_id);
  }
  return ids;
}

beforeAll(async () => {
  httpPort = await freePort();
  first = await startBroker({ overrides: { 'http.listeners': `http://127.0.0.1:${httpPort}` } });
  expect(first.httpPort).toBe(httpPort);
  clusterId = (await clusterIds(1))[0];
}, 30_000);

afterAll(async () => {
  await first?.stop();
  cleanupDirs();
});

describe('a second broker on a taken HTTP port', () => {
  it('refuses to start, naming the port and the key, as for a taken Kafka port', async () => {
    const second = await secondBroker();
    expect(second.stderr.trim()).toBe(`strom: cannot listen on port ${httpPort} (http.listeners): address already in use`);
    expect(second.started).toBe(false);
    expect(second.code).toBe(1);
    // Every request still reaches the first broker.
    expect(new Set(await clusterIds(8))).toEqual(new Set([clusterId]));
  });

  it('says why it cannot listen on an address of another machine', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: binding it fails, and no packet leaves.
    const r = await run(process.execPath, [STROM, 'start', '--override', 'listeners=PLAINTEXT://127.0.0.1:0', '--override', 'http.listeners=http://192.0.2.1:0', '--override', `log.dirs=${tempDir()}`], 20_000);
    expect(r.stderr.trim()).toBe('strom: cannot listen (http.listeners): listen EADDRNOTAVAIL: address not available 192.0.2.1');
    expect(r.code).toBe(1);
  });

  it('refuses to start on the JavaScript fallback too', async () => {
    const second = await secondBroker({ UWS_USE_FALLBACK: '1' });
    expect(second.stderr.trim()).toBe(`strom: cannot listen on port ${httpPort} (http.listeners): address already in use`);
    expect(second.code).toBe(1);
  });
});
