// src/client/connection.ts against a scripted broker (a net server answering with the
// generated codecs): version negotiation, pipelining, timeouts, and the one-line error for
// an unreachable address.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { Reader, Writer } from '../../../src/protocol/codec.js';
import { readRequestHeader } from '../../../src/protocol/generated/request-header.js';
import { ApiVersionsApi } from '../../../src/protocol/generated/api-versions.js';
import { MetadataApi } from '../../../src/protocol/generated/metadata.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/headers.js';
import { Connection, parseAddress } from '../../../src/client/connection.js';
import { BrokerUnreachableError, RequestTimeoutError } from '../../../src/client/errors.js';
import { sleep } from '../../helpers/wait.js';

interface Seen { apiKey: number; version: number; correlationId: number }

/** A fake broker: ApiVersions says Metadata 0-`metadataMax`; Metadata answers, unless `silent`. */
async function fakeBroker(options: { metadataMax: number; silent?: boolean; apiVersionsV3Unsupported?: boolean }): Promise<{ server: Server; port: number; seen: Seen[]; sockets: Socket[] }> {
  const seen: Seen[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket: Socket) => {
    sockets.push(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const r = new Reader(frame);
        const apiKey = frame.readInt16BE(0);
        const version = frame.readInt16BE(2);
        const header = readRequestHeader(r, requestHeaderVersion(apiKey, version));
        seen.push({ apiKey, version, correlationId: header.correlationId });
        const w = new Writer();
        w.int32(0);
        w.int32(header.correlationId);
        if (apiKey === ApiVersionsApi.key) {
          const unsupported = options.apiVersionsV3Unsupported && version === 3;
          // KIP-511: an unsupported ApiVersions version is answered in v0's layout.
          ApiVersionsApi.writeResponse(w, unsupported ? 0 : version, {
            errorCode: unsupported ? 35 : 0,
            apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: options.apiVersionsV3Unsupported ? 2 : 3 }, { apiKey: 3, minVersion: 0, maxVersion: options.metadataMax }],
            throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
          });
        } else if (apiKey === MetadataApi.key) {
          if (options.silent) continue;
          if (responseHeaderVersion(apiKey, version) >= 1) w.uvarint(0);
          MetadataApi.writeResponse(w, version, { throttleTimeMs: 0, brokers: [{ nodeId: 7, host: 'h', port: 1, rack: null }], clusterId: 'c', controllerId: 7, topics: [], clusterAuthorizedOperations: -2147483648 });
        }
        const out = w.toBuffer();
        out.writeInt32BE(out.length - 4, 0);
        socket.write(out);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, seen, sockets };
}

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

describe('Connection', () => {
  it('negotiates: each API at min(our max, the broker max)', async () => {
    const b = await fakeBroker({ metadataMax: 5 });
    servers.push(b.server);
    const c = await Connection.open('127.0.0.1', b.port);
    expect(c.version(MetadataApi, 1, 12)).toBe(5);
    expect(() => c.version({ key: 19, name: 'CreateTopics' }, 0, 7)).toThrow('does not serve CreateTopics');
    expect(() => c.version(MetadataApi, 6, 12)).toThrow('serves Metadata v0-5; this client speaks v6-12');
    c.close();
  });

  it('asks ApiVersions again at v0 when the broker does not know v3', async () => {
    const b = await fakeBroker({ metadataMax: 12, apiVersionsV3Unsupported: true });
    servers.push(b.server);
    const c = await Connection.open('127.0.0.1', b.port);
    expect(b.seen.map((s) => s.version)).toEqual([3, 0]);
    expect(c.version(MetadataApi, 1, 12)).toBe(12);
    c.close();
  });

  it('pipelines requests and matches responses by correlation id', async () => {
    const b = await fakeBroker({ metadataMax: 12 });
    servers.push(b.server);
    const c = await Connection.open('127.0.0.1', b.port);
    const body = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const all = await Promise.all([9, 12, 4, 5].map((v) => c.send(MetadataApi, v, body)));
    expect(all.map((r) => r.controllerId)).toEqual([7, 7, 7, 7]);
    expect(new Set(b.seen.map((s) => s.correlationId)).size).toBe(b.seen.length);
    c.close();
  });

  it('times a silent request out, naming the API and the address', async () => {
    const b = await fakeBroker({ metadataMax: 12, silent: true });
    servers.push(b.server);
    const c = await Connection.open('127.0.0.1', b.port, { requestTimeoutMs: 200 });
    const body = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const err = await c.send(MetadataApi, 12, body).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toBe(`Metadata request to 127.0.0.1:${b.port} got no response within 200 ms`);
    c.close();
  });

  it('names the address and the reason when nothing listens', async () => {
    const b = await fakeBroker({ metadataMax: 12 });
    const port = b.port;
    await new Promise((r) => b.server.close(r));
    const err = await Connection.open('127.0.0.1', port).catch((e) => e);
    expect(err).toBeInstanceOf(BrokerUnreachableError);
    expect(err.message).toBe(`cannot reach the broker at 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
  });

  it('fails pending requests when the broker closes the connection, naming the address', async () => {
    const b = await fakeBroker({ metadataMax: 12, silent: true });
    servers.push(b.server);
    const c = await Connection.open('127.0.0.1', b.port);
    const body = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const pending = c.send(MetadataApi, 12, body).catch((e) => e);
    await sleep(50);
    for (const s of b.sockets) s.destroy();
    const err = await pending;
    expect(err).toBeInstanceOf(BrokerUnreachableError);
    expect(err.message).toContain(`127.0.0.1:${b.port}`);
    expect(c.closed).toBe(true);
    c.close();
  });
});

describe('parseAddress', () => {
  it('reads host:port, [v6]:port, and defaults the port to 9092', () => {
    expect(parseAddress('localhost:19092')).toEqual({ host: 'localhost', port: 19092 });
    expect(parseAddress('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
    expect(parseAddress('broker')).toEqual({ host: 'broker', port: 9092 });
    expect(() => parseAddress('h:0')).toThrow('bad port');
  });
});
