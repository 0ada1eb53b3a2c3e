// One client connection: length-prefixed frames read straight into core memory (the only
// user-space copy a produced batch gets before the page cache), requests decoded with the
// generated codecs and handled concurrently, responses written in request order.
//
// Limits (TIGER_STYLE: everything bounded): a frame above socket.request.max.bytes closes
// the connection; past queued.max.requests requests or queued.max.request.bytes bytes in
// flight, or a full socket write buffer, the connection stops reading until it drains.
// Malformed frames, unknown API keys and unparsable bodies close this connection only,
// after one log line; an ApiVersions request at a version the broker does not serve is
// answered in the v0 layout with UNSUPPORTED_VERSION so the client retries lower.
import type { Socket } from 'node:net';
import type { Region } from '../core/index.js';
import { Reader, Writer, ProtocolError } from '../protocol/codec.js';
import { readRequestHeader } from '../protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion, API_VERSIONS_KEY } from '../protocol/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerContext, Handler, RequestContext } from '../api/handler.js';

export interface ConnectionLimits {
  maxRequestBytes: number;
  maxInflightRequests: number;
  maxInflightBytes: number;
  idleMs: number;
  /** Called once per answered request with its API and handling time (the gateway's metrics). */
  onRequest?: (apiName: string, seconds: number) => void;
}

/** Bytes of responses queued in the socket before the connection stops reading. */
const MAX_WRITE_BUFFER = 64 << 20;

interface Pending {
  frame: Region;
  ready: boolean;
  chunks: Buffer[] | null; // null: no response (acks=0)
  releases: (() => void)[];
}

export class Connection {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFilled = 0;
  private frame: Region | null = null;
  /** Where the frame's bytes start in its region (see onData). */
  private framePtr = 0;
  private frameSize = 0;
  private frameFilled = 0;
  private readonly queue: Pending[] = [];
  private inflightBytes = 0;
  private paused = false;
  private closed = false;
  private clientId: string | null = null;
  readonly address: string;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: ReadonlyMap<number, Handler>,
    private readonly broker: BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.address = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      if (this.queue.length === 0) this.close(`idle for ${limits.idleMs} ms (connections.max.idle.ms)`, false);
    });
    socket.on('drain', () => this.updateFlow());
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => this.teardown());
  }

  get inflightRequests(): number {
    return this.queue.length;
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.closed) {
      if (!this.frame) {
        const n = Math.min(4 - this.sizeFilled, chunk.length - at);
        chunk.copy(this.sizeBytes, this.sizeFilled, at, at + n);
        this.sizeFilled += n;
        at += n;
        if (this.sizeFilled < 4) return;
        this.sizeFilled = 0;
        const size = this.sizeBytes.readInt32BE(0);
        if (size <= 0 || size > this.limits.maxRequestBytes) {
          this.close(`request of ${size} bytes (socket.request.max.bytes is ${this.limits.maxRequestBytes})`);
          return;
        }
        // The frame starts at an address that agrees mod 8 with where its bytes lie in the
        // chunk, so the copy in runs word by word (CoreMemory.write); the socket's later
        // chunks are whole reads and mostly keep that agreement.
        const skew = (chunk.byteOffset + at) & 7;
        this.frame = this.broker.regions.alloc(size + skew);
        this.framePtr = this.frame.ptr + skew;
        this.frameSize = size;
        this.frameFilled = 0;
      }
      const n = Math.min(this.frameSize - this.frameFilled, chunk.length - at);
      this.broker.core.mem.write(this.framePtr + this.frameFilled, chunk.subarray(at, at + n));
      this.frameFilled += n;
      at += n;
      if (this.frameFilled === this.frameSize) {
        const frame = this.frame;
        this.frame = null;
        this.dispatch(frame, this.framePtr, this.frameSize);
      }
    }
  }

  private dispatch(frame: Region, ptr: number, size: number): void {
    const pending: Pending = { frame, ready: false, chunks: null, releases: [] };
    this.queue.push(pending);
    this.inflightBytes += frame.capacity;
    this.updateFlow();
    const bytes = Buffer.from(this.broker.core.mem.u8().buffer, ptr, size);
    const r = new Reader(bytes);
    let apiKey = -1;
    let apiVersion = -1;
    let correlationId = -1;
    try {
      apiKey = r.int16();
      apiVersion = r.int16();
      r.pos = 0;
      const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
      correlationId = header.correlationId;
      this.clientId = header.clientId;
    } catch (e) {
      this.close(`malformed request header: ${(e as Error).message}`);
      return;
    }
    const handler = this.handlers.get(apiKey);
    if (!handler) {
      this.close(`unknown or unsupported API key ${apiKey} (version ${apiVersion})`);
      return;
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer in the v0 layout; the client retries with a version we list.
        this.respond(pending, correlationId, apiKey, 0, handler, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: [{ apiKey, minVersion: handler.minVersion, maxVersion: handler.maxVersion }],
          throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
        });
        return;
      }
      this.close(`${handler.api.name} v${apiVersion} is not supported (${handler.minVersion}-${handler.maxVersion})`);
      return;
    }
    let request: unknown;
    try {
      request = handler.api.readRequest(r, apiVersion);
    } catch (e) {
      this.close(`cannot parse ${handler.api.name} v${apiVersion}: ${(e as Error).message}`);
      return;
    }
    const ctx: RequestContext = {
      apiKey, apiVersion, correlationId, clientId: this.clientId, clientAddress: this.address, clientHost: this.socket.remoteAddress ?? '', broker: this.broker,
      onDone: (release) => pending.releases.push(release),
      closeConnection: (reason) => this.close(reason),
    };
    let result: unknown;
    const startedNs = this.limits.onRequest ? process.hrtime.bigint() : 0n;
    if (this.limits.onRequest) {
      const onRequest = this.limits.onRequest;
      pending.releases.push(() => onRequest(handler.api.name, Number(process.hrtime.bigint() - startedNs) / 1e9));
    }
    try {
      result = handler.handle(request, ctx);
    } catch (e) {
      this.failed(handler, apiVersion, e);
      return;
    }
    if (result instanceof Promise) {
      result.then((response) => this.respond(pending, correlationId, apiKey, apiVersion, handler, response),
        (e) => this.failed(handler, apiVersion, e));
    } else this.respond(pending, correlationId, apiKey, apiVersion, handler, result);
  }

  private failed(handler: Handler, version: number, e: unknown): void {
    this.broker.logger.error(`${handler.api.name} v${version} from ${this.address} failed: ${(e as Error).stack ?? e}`);
    this.close(`${handler.api.name} failed`);
  }

  private respond(pending: Pending, correlationId: number, apiKey: number, apiVersion: number, handler: Handler, response: unknown): void {
    if (this.closed) {
      this.release(pending);
      return;
    }
    if (response !== null) {
      const w = new Writer(256);
      w.int32(0); // size, patched below
      w.int32(correlationId);
      if (responseHeaderVersion(apiKey, apiVersion) >= 1) w.uvarint(0); // header tagged fields
      try {
        handler.api.writeResponse(w, apiVersion, response);
      } catch (e) {
        if (e instanceof ProtocolError) {
          this.failed(handler, apiVersion, e);
          return;
        }
        throw e;
      }
      const chunks = w.finish();
      chunks[0].writeInt32BE(w.size - 4, 0);
      pending.chunks = chunks;
    }
    pending.ready = true;
    this.flush();
  }

  /** Writes the responses at the head of the queue that are ready, in request order. */
  private flush(): void {
    this.socket.cork();
    while (this.queue.length > 0 && this.queue[0].ready) {
      const pending = this.queue.shift()!;
      this.inflightBytes -= pending.frame.capacity;
      if (pending.chunks && !this.closed) {
        const last = pending.chunks.length - 1;
        pending.chunks.forEach((chunk, i) => {
          if (i === last) this.socket.write(chunk, () => this.release(pending));
          else this.socket.write(chunk);
        });
      } else this.release(pending);
    }
    this.socket.uncork();
    this.updateFlow();
  }

  private release(pending: Pending): void {
    for (const release of pending.releases) release();
    pending.releases.length = 0;
    this.broker.regions.release(pending.frame);
  }

  /** Stops reading while too much is in flight or waiting to be written; resumes after. */
  private updateFlow(): void {
    if (this.closed) return;
    const over = this.queue.length >= this.limits.maxInflightRequests || this.inflightBytes >= this.limits.maxInflightBytes
      || this.socket.writableLength > MAX_WRITE_BUFFER;
    if (over && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!over && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Closes this connection (only), logging why. */
  close(reason: string, warn = true): void {
    if (this.closed) return;
    if (warn) this.broker.logger.warn(`closing connection from ${this.address}${this.clientId ? ` (client ${this.clientId})` : ''}: ${reason}`);
    this.closed = true;
    this.socket.destroy();
  }

  private teardown(): void {
    this.closed = true;
    if (this.frame) {
      this.broker.regions.release(this.frame);
      this.frame = null;
    }
    // Requests still being handled release their frames when they finish (respond()).
    for (const pending of this.queue.splice(0)) if (pending.ready) this.release(pending);
    this.onClose(this);
  }
}
