// What a connection may hold, and what happens at each limit: a client that does not take its
// responses stops being read (strom.connection.max.unsent.bytes); a spent request memory
// budget (strom.request.memory.max.bytes) makes connections wait, not fail; an exception in a
// connection's own code closes that connection only, logged and counted.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Core, buildBatch } from '../../src/core/index.js';
import { startBroker, cleanupDirs, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const FETCH = 1, PRODUCE = 0, CREATE_TOPICS = 19, API_VERSIONS = 18;
const core = Core.create();
const brokers: RunningBroker[] = [];
const clients: RawClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const b of brokers.splice(0)) await b.stop();
  cleanupDirs();
});

async function broker(overrides: Record<string, string> = {}): Promise<RunningBroker> {
  const b = await startBroker({ overrides });
  brokers.push(b);
  return b;
}

async function client(b: RunningBroker): Promise<RawClient> {
  const c = await RawClient.connect(b.port);
  clients.push(c);
  return c;
}

/** A topic with `batches` batches of 100 records of 1 KiB (about 100 KiB each). */
async function load(b: RunningBroker, topic: string, batches: number): Promise<void> {
  const c = await client(b);
  const created = await c.request(CREATE_TOPICS, 4, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  expect(created.topics[0].errorCode).toBe(0);
  for (let i = 0; i < batches; i++) {
    const batch = buildBatch(core, Array.from({ length: 100 }, (_, j) => ({ value: Buffer.alloc(1024, (i + j) & 0xff), timestamp: 1_700_000_000_000 + j })));
    const r = await c.request(PRODUCE, 8, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.from(batch) }] }] });
    expect(r.responses[0].partitionResponses[0].errorCode).toBe(0);
  }
}

function fetchRequest(topic: string, maxBytes: number) {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 1, maxBytes,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{ topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
  };
}

async function metric(b: RunningBroker, name: string): Promise<number> {
  const text = await (await fetch(`${b.http}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** A connection that writes `requests` Fetch requests and never reads a byte. */
async function pipelineWithoutReading(b: RunningBroker, requests: number): Promise<Socket> {
  const encoder = await client(b);
  const frame = encoder.encode(FETCH, 12, fetchRequest('t', 1 << 20));
  const socket = connect(b.port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.pause();
  socket.write(Buffer.concat(Array.from({ length: requests }, () => frame)));
  return socket;
}

/** Waits (bounded) until `metric` reads `value`. */
async function until(b: RunningBroker, name: string, value: number): Promise<void> {
  let last = NaN;
  for (let waited = 0; waited < 20_000; waited += 100) {
    last = await metric(b, name);
    if (last === value) return;
    await sleep(100);
  }
  throw new Error(`${name} stayed ${last}, not ${value}`);
}

describe('connection limits', () => {
  it('stops reading a client that does not take its responses, past strom.connection.max.unsent.bytes', async () => {
    const muted = await broker({ 'strom.connection.max.unsent.bytes': '65536' });
    await load(muted, 't', 20);
    const paused = 'strom_kafka_connections_paused\\{reason="unsent"\\}';
    // Each answer is ~1 MiB streamed from the log: past the first the broker reads no more of its requests...
    const socket = await pipelineWithoutReading(muted, 1000);
    await until(muted, paused, 1);
    // ...without holding the answers in memory, and reads again once the client is gone.
    expect(await metric(muted, 'strom_request_memory_bytes\\{stat="used"\\}')).toBeLessThan(1 << 20);
    socket.destroy();
    await until(muted, paused, 0);
    // The same client, with room for all its answers, is read to the end and never paused.
    const open = await broker({ 'strom.connection.max.unsent.bytes': String(1024 ** 4) });
    await load(open, 't', 20);
    const other = await pipelineWithoutReading(open, 100);
    await sleep(500);
    expect(await metric(open, paused)).toBe(0);
    other.destroy();
  });

  it('makes connections wait while the request memory budget is spent, and serves them once it is back', async () => {
    const b = await broker({ 'strom.request.memory.max.bytes': String(1 << 20), 'socket.request.max.bytes': String(8 << 20) });
    // Half of a 4 MiB request: its region (4 MiB) spends the budget until the request is whole.
    const hog = connect(b.port, '127.0.0.1');
    hog.on('error', () => {});
    await once(hog, 'connect');
    const big = (await client(b)).encode(API_VERSIONS, 0, {});
    const padded = Buffer.concat([big, Buffer.alloc((4 << 20) - big.length + 4)]);
    padded.writeInt32BE(padded.length - 4, 0);
    hog.write(padded.subarray(0, 2 << 20));
    await sleep(300);
    expect(await metric(b, 'strom_request_memory_bytes\\{stat="used"\\}')).toBeGreaterThanOrEqual(1 << 20);
    // Another client's request is not read while the budget is spent...
    const waiting = await RawClient.connect(b.port);
    clients.push(waiting);
    const answer = waiting.request(API_VERSIONS, 3, { clientSoftwareName: 'w', clientSoftwareVersion: '1' });
    let answered = false;
    void answer.then(() => { answered = true; }, () => {});
    await until(b, 'strom_kafka_connections_paused\\{reason="memory"\\}', 1);
    expect(answered).toBe(false);
    // ...and is answered once the hog's memory is given back.
    hog.destroy();
    expect((await answer).errorCode).toBe(0);
    expect(await metric(b, 'strom_request_memory_bytes\\{stat="used"\\}')).toBeLessThan(1 << 20);
  });

  it('closes only the connection whose response cannot be completed (its segment shrank), logs and counts it', async () => {
    const b = await broker();
    await load(b, 't', 160); // ~16 MiB in one segment: more than the socket buffers and the output take
    const reader = await client(b);
    const correlationId = 77;
    reader.socket.pause(); // take nothing until the file has shrunk
    reader.write(reader.encode(FETCH, 12, fetchRequest('t', 32 << 20), correlationId));
    await sleep(300);
    const dir = join(b.dir, 't-0');
    truncateSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.log'))!), 0);
    reader.socket.resume();
    await reader.closed;
    expect(await metric(b, 'strom_kafka_connection_failures_total')).toBe(1);
    const logged = b.output.find((l) => l.includes('failed writing'));
    expect(logged).toMatch(/connection from 127\.0\.0\.1:\d+ \(client raw-client\) failed writing, last request Fetch v12 \(correlation id 77\)/);
    expect(logged).toMatch(/shrank/);
    // Everyone else is served.
    const other = await client(b);
    expect((await other.request(API_VERSIONS, 3, { clientSoftwareName: 'o', clientSoftwareVersion: '1' })).errorCode).toBe(0);
  });
});

describe('socket.listen.backlog.size', () => {
  /** The backlog of the socket listening on `port`, as the kernel reports it (ss: Send-Q of a listener). */
  const backlogOf = (port: number) => Number(execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/)[2]);

  it('sets the Kafka listener\'s queue of connections not yet accepted (4096 by default, capped by net.core.somaxconn)', async () => {
    const somaxconn = Number(execFileSync('cat', ['/proc/sys/net/core/somaxconn'], { encoding: 'utf8' }));
    expect(backlogOf((await broker()).port)).toBe(Math.min(4096, somaxconn));
    expect(backlogOf((await broker({ 'socket.listen.backlog.size': '123' })).port)).toBe(123);
  });
});
