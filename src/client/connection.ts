// One TCP connection to one broker: length-prefixed frames, correlation ids, pipelined
// requests (any number in flight, answered in order by the broker but matched here by id),
// and ApiVersions first so every request goes out at min(our max, the broker's max).
// Over TLS (security.protocol SSL, SASL_SSL) the decrypted bytes are copied into the reader;
// with SASL the connection authenticates (SaslHandshake v1, then SaslAuthenticate) before
// it is handed out.
import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, checkServerIdentity } from 'node:tls';
import { Reader, Writer } from '../protocol/codec.js';
import { writeRequestHeader } from '../protocol/generated/request-header.js';
import { ApiVersionsApi, type ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import { requestHeaderVersion, responseHeaderVersion } from '../protocol/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import { AuthenticationError, BrokerUnreachableError, RequestTimeoutError } from './errors.js';
import { BufferFrameReader, invalidFrameReason } from '../protocol/framing.js';
import type { ClientSecurity } from './security.js';
import { SaslHandshakeApi } from '../protocol/generated/sasl-handshake.js';
import { SaslAuthenticateApi } from '../protocol/generated/sasl-authenticate.js';
import { ScramClient, scramMechanism } from '../security/scram.js';

/** The parts of a generated API module the client uses. */
export interface Api<Req, Res> {
  key: number;
  name: string;
  writeRequest(w: Writer, v: number, m: Req): void;
  readResponse(r: Reader, v: number): Res;
}

export interface ConnectionOptions {
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Largest response frame accepted; a larger size prefix closes the connection. */
  maxResponseBytes?: number;
  /** TLS and SASL (client properties: security.protocol, sasl.*, ssl.*); plaintext without. */
  security?: ClientSecurity;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

interface Pending {
  apiKey: number;
  version: number;
  resolve(r: Reader): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Connection {
  readonly address: string;
  /** The broker's [min, max] version per API key, from ApiVersions. */
  readonly versions = new Map<number, [number, number]>();
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  /** Bytes of requests written, frames included (what the harness reports per request). */
  requestBytes = 0;
  private closedError: Error | null = null;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;

  private constructor(private readonly socket: Socket, reader: BufferFrameReader, readonly host: string, readonly port: number, options: ConnectionOptions) {
    this.address = `${host}:${port}`;
    this.clientId = options.clientId ?? 'strom-cli';
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxResponseBytes = reader.maxFrameBytes;
    socket.setNoDelay(true);
    reader.onFrame = (frame) => this.deliver(frame);
    reader.onInvalid = (size) => {
      this.fail(new BrokerUnreachableError(this.address, 'EPROTO', invalidFrameReason('response', size, this.maxResponseBytes, 'the response limit')));
      this.socket.destroy();
    };
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new BrokerUnreachableError(this.address, e.code ?? 'EPIPE', e.message)));
    socket.on('close', () => this.fail(new BrokerUnreachableError(this.address, 'EPIPE', 'connection closed by the broker')));
  }

  /** Connects and negotiates versions (ApiVersions). */
  static async open(host: string, port: number, options: ConnectionOptions = {}): Promise<Connection> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const address = `${host}:${port}`;
    const reader = new BufferFrameReader('response', options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    const tls = options.security?.tls;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls
        ? tlsConnect({
          host, port, servername: isIP(host) ? undefined : host, ca: tls.ca, key: tls.key, cert: tls.cert, pfx: tls.pfx, passphrase: tls.passphrase,
          rejectUnauthorized: tls.verify, checkServerIdentity: tls.verifyHostname ? checkServerIdentity : () => undefined,
        })
        : connect({ host, port, onread: { buffer: () => reader.nextBuffer(), callback: (n: number) => { reader.filled(n); return true; } } });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new BrokerUnreachableError(address, 'ETIMEDOUT', `no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const tlsProblem = tls && (e.code?.startsWith('ERR_TLS') || e.code?.startsWith('ERR_SSL') || /certificate|SSL|TLS/.test(e.message));
        reject(new BrokerUnreachableError(address, e.code ?? 'ECONNREFUSED', tlsProblem ? `TLS handshake failed: ${e.message}` : e.message));
      });
    });
    // TLS decrypts into buffers of its own: copied into the reader's.
    if (tls) socket.on('data', (chunk: Buffer) => reader.write(chunk));
    const connection = new Connection(socket, reader, host, port, options);
    try {
      await connection.negotiate();
      if (options.security?.sasl) await connection.authenticate(options.security.sasl);
    } catch (e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private async negotiate(): Promise<void> {
    // v3 is flexible; a broker that does not know it answers UNSUPPORTED_VERSION in v0's
    // layout with its own range (KIP-511), and we ask again at v0.
    // The error code leads both layouts: UNSUPPORTED_VERSION means the body is v0's.
    const api = {
      ...ApiVersionsApi,
      readResponse: (r: Reader, v: number) => ApiVersionsApi.readResponse(r, r.buf.readInt16BE(r.pos) === ErrorCode.UNSUPPORTED_VERSION ? 0 : v),
    };
    let response = await this.send(api, 3, { clientSoftwareName: 'strom-cli', clientSoftwareVersion: '0.1.0' }) as ApiVersionsResponse;
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      response = await this.send(ApiVersionsApi, 0, { clientSoftwareName: 'strom-cli', clientSoftwareVersion: '0.1.0' }) as ApiVersionsResponse;
    }
    if (response.errorCode !== 0) throw new BrokerUnreachableError(this.address, 'EPROTO', `ApiVersions failed with error ${response.errorCode}`);
    for (const k of response.apiKeys) this.versions.set(k.apiKey, [k.minVersion, k.maxVersion]);
  }

  /** SASL (KIP-152): SaslHandshake v1 names the mechanism, SaslAuthenticate carries its tokens. */
  private async authenticate(sasl: NonNullable<ClientSecurity['sasl']>): Promise<void> {
    const fail = (why: string) => new AuthenticationError(this.address, sasl.mechanism, why);
    if (!this.serves(SaslHandshakeApi.key) || !this.serves(SaslAuthenticateApi.key)) throw fail('the broker serves no SASL (SaslHandshake v1 and SaslAuthenticate)');
    const handshake = await this.send(SaslHandshakeApi, this.version(SaslHandshakeApi, 1, 1), { mechanism: sasl.mechanism });
    if (handshake.errorCode !== 0) throw fail(handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM ? `the listener does not enable it (enabled: ${handshake.mechanisms.join(', ') || 'none'})` : `SaslHandshake failed with error ${handshake.errorCode}`);
    const v = this.version(SaslAuthenticateApi, 0, 2);
    const exchange = async (token: Buffer): Promise<Buffer> => {
      const res = await this.send(SaslAuthenticateApi, v, { authBytes: token });
      if (res.errorCode !== 0) throw fail(res.errorMessage ?? `error ${res.errorCode}`);
      return res.authBytes;
    };
    const scram = scramMechanism(sasl.mechanism);
    if (!scram) {
      await exchange(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
      return;
    }
    const client = new ScramClient(scram, sasl.username, sasl.password);
    const serverFirst = await exchange(client.first());
    const serverFinal = await exchange(client.final(serverFirst));
    try {
      client.verify(serverFinal);
    } catch (e) {
      throw fail((e as Error).message);
    }
  }

  /** min(ourMax, the broker's max) for `api`, or an error naming both ranges. */
  version(api: { key: number; name: string }, ourMin: number, ourMax: number): number {
    const theirs = this.versions.get(api.key);
    if (!theirs) throw new Error(`the broker at ${this.address} does not serve ${api.name}`);
    const v = Math.min(ourMax, theirs[1]);
    if (v < Math.max(ourMin, theirs[0])) {
      throw new Error(`the broker at ${this.address} serves ${api.name} v${theirs[0]}-${theirs[1]}; this client speaks v${ourMin}-${ourMax}`);
    }
    return v;
  }

  /** Whether the broker serves `apiKey` at all. */
  serves(apiKey: number): boolean {
    return this.versions.has(apiKey);
  }

  /**
   * Sends a request at `version`; resolves with the decoded response. With `noResponse`
   * (Produce with acks=0) resolves once written: the broker sends nothing back.
   */
  send<Req, Res>(api: Api<Req, Res>, version: number, body: Req, options: { timeoutMs?: number; noResponse?: boolean } = {}): Promise<Res> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    w.int32(0);
    writeRequestHeader(w, requestHeaderVersion(api.key, version), { requestApiKey: api.key, requestApiVersion: version, correlationId, clientId: this.clientId });
    api.writeRequest(w, version, body);
    const chunks = w.finish();
    chunks[0].writeInt32BE(w.size - 4, 0);
    this.requestBytes += w.size;
    if (options.noResponse) {
      return new Promise((resolve, reject) => {
        this.socket.write(Buffer.concat(chunks), (e) => (e ? reject(new BrokerUnreachableError(this.address, 'EPIPE', e.message)) : resolve(undefined as Res)));
      });
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(this.address, api.name, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, {
        apiKey: api.key,
        version,
        timer,
        reject,
        resolve: (r) => {
          try {
            resolve(api.readResponse(r, version));
          } catch (e) {
            reject(e as Error);
          }
        },
      });
      for (const c of chunks) this.socket.write(c);
    });
  }

  private deliver(frame: Buffer): void {
    const r = new Reader(frame);
    const correlationId = r.int32();
    const p = this.pending.get(correlationId);
    if (!p) return; // timed out already
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      if (responseHeaderVersion(p.apiKey, p.version) >= 1) r.taggedFields();
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    p.resolve(r);
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  close(): void {
    this.fail(new Error(`connection to ${this.address} closed`));
    this.socket.destroy();
  }
}

/** Parses "host:port" (IPv6 as [::1]:9092); the port defaults to 9092. */
export function parseAddress(address: string): { host: string; port: number } {
  const trimmed = address.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed) ?? /^([^:]+)(?::(\d+))?$/.exec(trimmed);
  if (!m) throw new Error(`not a host:port address: ${address}`);
  const port = m[2] === undefined ? 9092 : Number(m[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad port in ${address}`);
  return { host: m[1], port };
}
