// A bare Kafka protocol client over a raw socket, for tests that need exact control of the
// bytes sent (malformed frames, pipelining, specific versions). Requests and responses use
// Strom's generated codecs.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Reader, Writer } from '../../src/protocol/codec.js';
import { ALL_APIS } from '../../src/protocol/generated/index.js';
import { writeRequestHeader } from '../../src/protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiting: ((frame: Buffer | null) => void)[] = [];
  private frames: Buffer[] = [];
  private ended = false;
  private correlation = 1;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        this.deliver(this.buffer.subarray(4, 4 + size));
        this.buffer = this.buffer.subarray(4 + size);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(null);
      resolve();
    }));
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Over TLS (an SSL or SASL_SSL listener), once the handshake is done. */
  static connectTls(port: number, options: ConnectionOptions): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ...options }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private deliver(frame: Buffer): void {
    const w = this.waiting.shift();
    if (w) w(frame);
    else this.frames.push(frame);
  }

  /** The next response frame (without its size), or null when the connection closes. */
  nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const ready = this.frames.shift();
    if (ready) return Promise.resolve(ready);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const waiter = (frame: Buffer | null) => {
        clearTimeout(timer);
        resolve(frame);
      };
      // A waiter that timed out must not take the next frame from a later reader.
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error('no response'));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }

  /** Encodes a request frame (size, header, body). */
  encode(apiKey: number, version: number, body: unknown, correlationId = this.correlation++): Buffer {
    const api = ALL_APIS.find((a) => a.key === apiKey)!;
    const w = new Writer();
    w.int32(0);
    writeRequestHeader(w, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'raw-client' });
    (api.writeRequest as (w: Writer, v: number, m: unknown) => void)(w, version, body);
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    return frame;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends a request and reads its response (correlation id checked). */
  async request<T = any>(apiKey: number, version: number, body: unknown): Promise<T> {
    const correlationId = this.correlation++;
    this.write(this.encode(apiKey, version, body, correlationId));
    return this.read<T>(apiKey, version, correlationId);
  }

  async read<T = any>(apiKey: number, version: number, correlationId?: number): Promise<T> {
    const frame = await this.nextFrame();
    if (!frame) throw new Error('connection closed');
    const r = new Reader(frame);
    const got = r.int32();
    if (correlationId !== undefined && got !== correlationId) throw new Error(`correlation ${got}, expected ${correlationId}`);
    if (responseHeaderVersion(apiKey, version) >= 1) r.taggedFields();
    const api = ALL_APIS.find((a) => a.key === apiKey)!;
    return api.readResponse(r, version) as T;
  }

  close(): void {
    this.socket.destroy();
  }
}
