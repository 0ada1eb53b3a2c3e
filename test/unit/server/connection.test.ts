// src/server/connection.ts over real loopback sockets (a KafkaServer with the real ApiVersions
// handler and test handlers whose answers the test releases): framing, concurrent handling
// with responses in request order, pipelining, its limits, and closing on bad input.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Core, MemoryBudget, RegionPool } from '../../../src/core/index.js';
import { KafkaServer } from '../../../src/server/server.js';
import { ConnectionQuotas } from '../../../src/server/connection-quotas.js';
import type { ConnectionLimits } from '../../../src/server/connection.js';
import { defineHandler, type Handler, type RequestContext } from '../../../src/api/handler.js';
import type { BrokerContext } from '../../../src/broker/context.js';
import { apiVersionsHandler } from '../../../src/api/api-versions.js';
import { HeartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../../../src/protocol/generated/heartbeat.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { Reader } from '../../../src/protocol/codec.js';
import { RawClient } from '../../helpers/raw-client.js';
import { sleep, waitFor } from '../../helpers/wait.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileScramCredentialStore } from '../../../src/security/credentials.js';
import { listenerSecurity, type ListenerSecurity } from '../../../src/security/listener-security.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { makeCertificates } from '../../helpers/certs.js';

const core = Core.create();
/** Kafka's unlimited, for the connection limits the tests here do not hit. */
const UNLIMITED = 2147483647;
const HEARTBEAT = 12;
const LIST_GROUPS = 16;
const API_VERSIONS = 18;

/** Heartbeat requests name what the test handler does in their group id. */
interface Held { groupId: string; ctx: RequestContext; answer(errorCode?: number): void; fail(e: Error): void }

class Fixture {
  readonly logged: string[] = [];
  readonly held: Held[] = [];
  readonly answered: string[] = [];
  readonly done: string[] = [];
  readonly clients: RawClient[] = [];
  server!: KafkaServer;

  /**
   * Heartbeat "now:X" answers at once (error code = X's length), "hold:X" waits for the test,
   * "none:X" answers nothing (as Produce with acks=0), "throw:X" throws, "close:X" closes the
   * connection. Each registers an onDone that records its group id.
   */
  readonly heartbeat: Handler<HeartbeatRequest, HeartbeatResponse> = defineHandler(HeartbeatApi, { min: 0, max: 4 }, (request, ctx) => {
    const [what] = request.groupId.split(':');
    ctx.onDone(() => this.done.push(request.groupId));
    if (what === 'now') return { throttleTimeMs: 0, errorCode: request.groupId.length };
    if (what === 'none') return null;
    if (what === 'throw') throw new Error('handler bug');
    if (what === 'reject') return Promise.reject(new Error('async handler bug'));
    if (what === 'close') {
      ctx.closeConnection('the handler said so');
      return { throttleTimeMs: 0, errorCode: 0 };
    }
    return new Promise((resolve, reject) => this.held.push({
      groupId: request.groupId, ctx, fail: reject,
      answer: (errorCode = 0) => resolve({ throttleTimeMs: 0, errorCode }),
    }));
  });

  /** Listens on a PLAINTEXT listener, and on `more` after it. */
  async start(limits: Partial<ConnectionLimits> = {}, more: ListenerSecurity[] = []): Promise<number> {
    const logger = {
      info: (m: string) => this.logged.push(`INFO ${m}`), warn: (m: string) => this.logged.push(`WARN ${m}`),
      error: (m: string) => this.logged.push(`ERROR ${m}`), debug: () => {},
    };
    const broker = { core, regions: new RegionPool(core.mem), memory: new MemoryBudget(256 << 20), logger } as unknown as BrokerContext;
    const handlers = new Map<number, Handler>([[HEARTBEAT, this.heartbeat]]);
    const versions = apiVersionsHandler(() => [...handlers.values()]);
    handlers.set(API_VERSIONS, versions);
    this.server = new KafkaServer(handlers, () => broker, {
      maxRequestBytes: 1 << 20, maxInflightRequests: 100, maxInflightBytes: 64 << 20, maxUnsentBytes: 16 << 20, idleMs: 60_000,
      onRequest: (api) => this.answered.push(api), ...limits,
    }, new ConnectionQuotas({
      maxConnections: 100, listenerMaxConnections: new Map(), maxConnectionsPerIp: UNLIMITED, perIpOverrides: new Map(),
      maxCreationRate: UNLIMITED, listenerCreationRate: new Map(), window: { samples: 11, windowMs: 1000 }, ipCreationRate: () => null,
    }, logger), {
      credentials: FileScramCredentialStore.open(mkdtempSync(join(tmpdir(), 'strom-conn-'))), failureDelayMs: 0, fakeSaltKey: Buffer.alloc(32),
      succeeded: () => {}, failed: () => {},
    });
    const [bound] = await this.server.listen([{ listener: { name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }, tls: null, principalMapper: null, sasl: null }, ...more]);
    return bound.port;
  }

  async client(): Promise<RawClient> {
    const c = await RawClient.connect(this.server.bound[0].port);
    this.clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    for (const h of this.held.splice(0)) h.answer();
    for (const c of this.clients) c.close();
    await this.server?.close(1000);
  }
}

let fx: Fixture;
afterEach(async () => { await fx?.stop(); });
afterAll(async () => { await fx?.stop(); });

const beat = (groupId: string) => ({ groupId, generationId: 1, memberId: 'm', groupInstanceId: null });
/** Writes Heartbeat requests with correlation ids 1, 2, ... in one write (pipelined). */
function pipeline(c: RawClient, groupIds: string[], version = 4): void {
  c.write(Buffer.concat(groupIds.map((g, i) => c.encode(HEARTBEAT, version, beat(g), i + 1))));
}
/** The correlation id and error code of the next response. */
async function next(c: RawClient, version = 4): Promise<[number, number]> {
  const frame = await c.nextFrame();
  if (!frame) throw new Error('connection closed');
  const reader = new Reader(frame, 4);
  if (version >= 4) reader.taggedFields(); // the flexible response header
  return [frame.readInt32BE(0), HeartbeatApi.readResponse(reader, version).errorCode];
}

describe('framing', () => {
  it('reads frames however the bytes are split: one byte at a time, or many frames in one write', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    const frame = c.encode(HEARTBEAT, 4, beat('now:a'), 7);
    for (const byte of frame) {
      c.write(Buffer.from([byte]));
      await sleep(1);
    }
    expect(await next(c)).toEqual([7, 'now:a'.length]);
    pipeline(c, ['now:b', 'now:cc', 'now:ddd']);
    expect([await next(c), await next(c), await next(c)]).toEqual([[1, 5], [2, 6], [3, 7]]);
  });

  it('answers an ApiVersions request (the real handler) with the table it serves', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    const r = await c.request(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(r.apiKeys).toEqual([{ apiKey: HEARTBEAT, minVersion: 0, maxVersion: 4 }, { apiKey: API_VERSIONS, minVersion: 0, maxVersion: 4 }]);
  });
});

describe('ordering and pipelining', () => {
  it('handles pipelined requests concurrently, but answers in request order', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    pipeline(c, ['hold:first', 'now:second', 'hold:third']);
    await waitFor('both held requests to be handled', () => fx.held.length === 2);
    // The second was answered by its handler already, but waits for the first on the wire.
    expect(fx.done).toEqual([]);
    await expect(c.nextFrame(150)).rejects.toThrow('no response');
    fx.held.find((h) => h.groupId === 'hold:third')!.answer(33);
    await sleep(50);
    fx.held.find((h) => h.groupId === 'hold:first')!.answer(11);
    expect([await next(c), await next(c), await next(c)]).toEqual([[1, 11], [2, 'now:second'.length], [3, 33]]);
    await waitFor('the releases', () => fx.done.length === 3);
    expect(fx.done).toEqual(['hold:first', 'now:second', 'hold:third']);
    expect(fx.answered).toEqual(['Heartbeat', 'Heartbeat', 'Heartbeat']);
  });

  it('sends nothing for a request without a response, and keeps the order for the others', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    pipeline(c, ['now:a', 'none:b', 'now:cc']);
    expect([await next(c), await next(c)]).toEqual([[1, 5], [3, 6]]);
    await waitFor('the releases', () => fx.done.length === 3);
  });

  it('answers a thousand pipelined requests, all of them, in order', async () => {
    fx = new Fixture();
    await fx.start({ maxInflightRequests: 16 });
    const c = await fx.client();
    const ids = Array.from({ length: 1000 }, (_, i) => `now:${'x'.repeat(i % 7)}`);
    pipeline(c, ids);
    for (let i = 0; i < ids.length; i++) expect(await next(c)).toEqual([i + 1, ids[i].length]);
  });
});

describe('limits', () => {
  // Frames already read are handled; what the limits stop is the next read from the socket.
  it('queued.max.requests: with that many in flight, the connection stops reading until one is answered', async () => {
    fx = new Fixture();
    await fx.start({ maxInflightRequests: 2 });
    const c = await fx.client();
    for (const [i, id] of ['hold:1', 'hold:2'].entries()) {
      c.write(c.encode(HEARTBEAT, 4, beat(id), i + 1));
      await waitFor(`request ${id}`, () => fx.held.length === i + 1);
    }
    c.write(Buffer.concat([c.encode(HEARTBEAT, 4, beat('hold:3'), 3), c.encode(HEARTBEAT, 4, beat('hold:4'), 4)]));
    await sleep(150);
    expect(fx.held.map((h) => h.groupId)).toEqual(['hold:1', 'hold:2']);
    fx.held[0].answer();
    await waitFor('the requests read after the answer', () => fx.held.length === 4);
    for (const h of fx.held.slice(1)) h.answer();
    expect((await Promise.all([next(c), next(c), next(c), next(c)])).map(([id]) => id)).toEqual([1, 2, 3, 4]);
  });

  it('queued.max.request.bytes: with that many bytes in flight, likewise', async () => {
    fx = new Fixture();
    await fx.start({ maxInflightBytes: 1 });
    const c = await fx.client();
    c.write(c.encode(HEARTBEAT, 4, beat('hold:a'), 1));
    await waitFor('the first request', () => fx.held.length === 1);
    c.write(c.encode(HEARTBEAT, 4, beat('hold:b'), 2));
    await sleep(150);
    expect(fx.held.length).toBe(1);
    fx.held[0].answer();
    await waitFor('the second request', () => fx.held.length === 2);
    fx.held[1].answer();
    expect((await Promise.all([next(c), next(c)])).map(([id]) => id)).toEqual([1, 2]);
  });

  it('socket.request.max.bytes: a larger frame closes the connection, saying why; others go on', async () => {
    fx = new Fixture();
    await fx.start({ maxRequestBytes: 1000 });
    const c = await fx.client();
    const other = await fx.client();
    const header = Buffer.alloc(4);
    header.writeInt32BE(1001);
    c.write(header);
    expect(await c.nextFrame()).toBeNull();
    expect(fx.logged.some((l) => l.startsWith('WARN') && l.includes('request of 1001 bytes (socket.request.max.bytes is 1000)'))).toBe(true);
    pipeline(other, ['now:ok']);
    expect(await next(other)).toEqual([1, 6]);
  });

  it('connections.max.idle.ms closes an idle connection, never one with a request in flight', async () => {
    fx = new Fixture();
    await fx.start({ idleMs: 200 });
    const busy = await fx.client();
    pipeline(busy, ['hold:slow']);
    const idle = await fx.client();
    await idle.closed;
    await sleep(300);
    fx.held[0].answer(5);
    expect(await next(busy)).toEqual([1, 5]);
    await busy.closed;
  });
});

describe('bad input closes only its connection', () => {
  async function closesWith(write: (c: RawClient) => void, logged: RegExp): Promise<void> {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    const other = await fx.client();
    write(c);
    expect(await c.nextFrame()).toBeNull();
    expect(fx.logged.some((l) => logged.test(l)), fx.logged.join('\n')).toBe(true);
    pipeline(other, ['now:alive']);
    expect(await next(other)).toEqual([1, 9]);
  }

  it('an unknown API key', () => closesWith((c) => c.write(c.encode(LIST_GROUPS, 0, { statesFilter: [], typesFilter: [] })), /unknown or unsupported API key 16 \(version 0\)/));

  it('a version the handler does not serve', () => closesWith((c) => {
    const frame = c.encode(HEARTBEAT, 4, beat('now:x'));
    frame.writeInt16BE(5, 6); // the request header's api version
    c.write(frame);
  }, /Heartbeat v5 is not supported \(0-4\)/));

  it('a body that does not parse', () => closesWith((c) => {
    const frame = c.encode(HEARTBEAT, 4, beat('now:x'));
    const cut = frame.subarray(0, frame.length - 6);
    cut.writeInt32BE(cut.length - 4, 0);
    c.write(cut);
  }, /cannot parse Heartbeat v4/));

  it('answers the requests before a bad one first (one held, one ready), then closes; handles none after it', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    const bad = c.encode(LIST_GROUPS, 0, { statesFilter: [], typesFilter: [] }, 3);
    c.write(Buffer.concat([c.encode(HEARTBEAT, 4, beat('hold:first'), 1), c.encode(HEARTBEAT, 4, beat('now:second'), 2), bad, c.encode(HEARTBEAT, 4, beat('now:after'), 4)]));
    await waitFor('the held request', () => fx.held.length === 1);
    await sleep(50);
    fx.held[0].answer(7);
    expect(await next(c)).toEqual([1, 7]);
    expect(await next(c)).toEqual([2, 'now:second'.length]);
    expect(await c.nextFrame()).toBeNull();
    expect(fx.done).not.toContain('now:after');
    expect(fx.logged.some((l) => /unknown or unsupported API key 16/.test(l))).toBe(true);
  });

  it('a frame too short for a request header: its length is refused (protocol/framing.ts)', () => closesWith((c) => c.write(Buffer.from([0, 0, 0, 2, 0, 12])), /request of 2 bytes \(a request header takes at least 8\)/));

  it('a header that does not parse', () => closesWith((c) => c.write(Buffer.from([0, 0, 0, 8, 0, 18, 0, 3, 0, 0, 0, 1])), /malformed request header/));

  it('a handler that throws, or rejects: logged as an error with its stack', async () => {
    await closesWith((c) => pipeline(c, ['throw:x']), /^ERROR Heartbeat v4 from .* failed: Error: handler bug\n\s+at /);
    await closesWith((c) => pipeline(c, ['reject:x']), /^ERROR Heartbeat v4 from .* failed: Error: async handler bug/);
  });

  it('a handler closing the connection (acks=0 failures)', () => closesWith((c) => pipeline(c, ['close:x']), /closing connection from .*\(client raw-client\): the handler said so/));

  it('an unsupported ApiVersions version is answered in the v0 layout, so the client retries lower (KIP-511)', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    const frame = c.encode(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' }, 42);
    frame.writeInt16BE(9, 6);
    c.write(frame);
    const r = await c.read(API_VERSIONS, 0, 42);
    expect([r.errorCode, r.apiKeys]).toEqual([ErrorCode.UNSUPPORTED_VERSION, [{ apiKey: API_VERSIONS, minVersion: 0, maxVersion: 4 }]]);
    expect(await c.request(API_VERSIONS, 2, {})).toMatchObject({ errorCode: 0 }); // still open
  });
});

describe('closing', () => {
  it('a response finished after the client left is dropped, and its resources are still released', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    pipeline(c, ['hold:orphan']);
    await waitFor('the request', () => fx.held.length === 1);
    c.close();
    await waitFor('the server to see the close', () => fx.server.connections.size === 0);
    fx.held[0].answer();
    await waitFor('the release', () => fx.done.includes('hold:orphan'), { timeoutMs: 5000 });
  });

  it('the server stops: requests in flight finish first, then the connections close', async () => {
    fx = new Fixture();
    await fx.start();
    const c = await fx.client();
    pipeline(c, ['hold:last']);
    await waitFor('the request', () => fx.held.length === 1);
    const closing = fx.server.close(5000);
    await sleep(50);
    fx.held[0].answer(3);
    expect(await next(c)).toEqual([1, 3]);
    await closing;
    await c.closed;
  });
});

describe('reads', () => {
  it('a plaintext listener reads requests straight into core memory (user buffers); a TLS listener copies what TLS decrypted', async () => {
    const certs = await makeCertificates();
    try {
      const config = new BrokerConfig({ listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore });
      fx = new Fixture();
      await fx.start({}, [listenerSecurity(config, config.listeners[0])]);
      const plain = await fx.client();
      const tls = await RawClient.connectTls(fx.server.bound[1].port, { ca: readFileSync(certs.caFile), servername: 'localhost' });
      fx.clients.push(tls);
      for (const c of [plain, tls]) {
        pipeline(c, ['now:ab', 'now:abc']);
        expect([await next(c), await next(c)]).toEqual([[1, 6], [2, 7]]);
      }
      const reads = Object.fromEntries([...fx.server.connections].map((c) => [c.security.listenerName, c.userBufferReads]));
      expect(reads).toEqual({ PLAINTEXT: true, SSL: false });
      expect(fx.logged.filter((l) => l.includes('copied into core memory'))).toEqual([]);
    } finally {
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});
