// One client connection: length-prefixed frames read by the socket straight into core memory
// (frame-reader.ts: the kernel's copy is the only one a produced batch gets before the page
// cache), requests decoded with the generated codecs and handled concurrently, responses
// written in request order.
//
// Limits (TIGER_STYLE: everything bounded): a frame above socket.request.max.bytes closes
// the connection; past queued.max.requests requests or queued.max.request.bytes bytes in
// flight, or a full socket write buffer, the connection stops reading until it drains.
// Malformed frames, unknown API keys and unparsable bodies close this connection only,
// after one log line; an ApiVersions request at a version the broker does not serve is
// answered in the v0 layout with UNSUPPORTED_VERSION so the client retries lower.
import type { Socket } from 'node:net';
import { Reader, Writer, ProtocolError } from '../protocol/codec.js';
import { readRequestHeader } from '../protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion, API_VERSIONS_KEY } from '../protocol/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import type { BrokerContext, Handler, RequestContext } from '../api/handler.js';
import { FrameReader } from './frame-reader.js';
import { withUserBuffers } from './user-buffer.js';

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

/** The copying read path is logged once per process. */
let copiedReadsLogged = false;

interface Pending {
  /** Gives the request's frame back; `heldBytes` is what it pins of core memory. */
  releaseFrame: () => void;
  heldBytes: number;
  ready: boolean;
  chunks: Buffer[] | null; // null: no response (acks=0)
  releases: (() => void)[];
}

export class Connection {
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly queue: Pending[] = [];
  private inflightBytes = 0;
  private paused = false;
  private closed = false;
  private clientId: string | null = null;
  readonly address: string;

  /** `accepted` comes from a server created with pauseOnConnect (nothing read yet). */
  constructor(
    accepted: Socket,
    private readonly handlers: ReadonlyMap<number, Handler>,
    private readonly broker: BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.reader = new FrameReader(broker.core.mem, broker.regions, limits.maxRequestBytes, {
      frame: (ptr, size, release, heldBytes) => this.dispatch(ptr, size, release, heldBytes),
      invalid: (size) => this.close(`request of ${size} bytes (socket.request.max.bytes is ${limits.maxRequestBytes})`),
      // Called from inside a socket read: the close waits for it to return.
      exhausted: (e) => queueMicrotask(() => this.close(`core memory is full (${e.message})`)),
    });
    const socket = withUserBuffers(accepted, () => this.reader.nextBuffer(), (n) => this.reader.filled(n)) ?? accepted;
    this.socket = socket;
    if (socket === accepted) {
      if (!copiedReadsLogged) broker.logger.warn('socket reads are copied into core memory: this Node offers no user-buffer reads on accepted sockets');
      copiedReadsLogged = true;
      socket.on('data', (chunk: Buffer) => this.reader.write(chunk));
      socket.resume();
    }
    this.address = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
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

  private dispatch(ptr: number, size: number, releaseFrame: () => void, heldBytes: number): void {
    if (this.closed) {
      releaseFrame();
      return;
    }
    const pending: Pending = { releaseFrame, heldBytes, ready: false, chunks: null, releases: [] };
    this.queue.push(pending);
    this.inflightBytes += heldBytes;
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
      this.refuse(pending, `malformed request header: ${(e as Error).message}`);
      return;
    }
    const handler = this.handlers.get(apiKey);
    if (!handler) {
      this.refuse(pending, `unknown or unsupported API key ${apiKey} (version ${apiVersion})`);
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
      this.refuse(pending, `${handler.api.name} v${apiVersion} is not supported (${handler.minVersion}-${handler.maxVersion})`);
      return;
    }
    let request: unknown;
    try {
      request = handler.api.readRequest(r, apiVersion);
    } catch (e) {
      this.refuse(pending, `cannot parse ${handler.api.name} v${apiVersion}: ${(e as Error).message}`);
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
      this.failed(pending, handler, apiVersion, e);
      return;
    }
    if (result instanceof Promise) {
      result.then((response) => this.respond(pending, correlationId, apiKey, apiVersion, handler, response),
        (e) => this.failed(pending, handler, apiVersion, e));
    } else this.respond(pending, correlationId, apiKey, apiVersion, handler, result);
  }

  private failed(pending: Pending, handler: Handler, version: number, e: unknown): void {
    this.broker.logger.error(`${handler.api.name} v${version} from ${this.address} failed: ${(e as Error).stack ?? e}`);
    this.refuse(pending, `${handler.api.name} failed`);
  }

  /** Closes the connection over a request that gets no response; its frame is released with the rest. */
  private refuse(pending: Pending, reason: string): void {
    if (this.closed) {
      // Not ready: teardown (done or to come) leaves it to whoever finishes it, which is us.
      this.release(pending);
      return;
    }
    pending.ready = true;
    pending.chunks = null;
    this.close(reason);
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
          this.failed(pending, handler, apiVersion, e);
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
      this.inflightBytes -= pending.heldBytes;
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
    pending.releaseFrame();
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
    this.reader.close();
    // Requests still being handled release their frames when they finish (respond()).
    for (const pending of this.queue.splice(0)) if (pending.ready) this.release(pending);
    this.onClose(this);
  }
}
