// One client connection: length-prefixed frames read by the socket straight into core memory
// (frame-reader.ts: the kernel's copy is the only one a produced batch gets before the page
// cache), requests decoded with the generated codecs and handled concurrently, responses
// written in request order. Record sets a response streams from the log (Fetch) are read
// piece by piece as the socket takes them (output.ts), so a response waiting for a client
// holds no fetched data.
//
// Limits (TIGER_STYLE: everything bounded), all enforced in updateFlow(): the connection stops
// reading past queued.max.requests requests or queued.max.request.bytes bytes of requests in
// flight, past strom.connection.max.unsent.bytes of responses its client has not taken (Kafka
// mutes a channel whose response is not yet sent), and while the broker's request memory
// (strom.request.memory.max.bytes) is spent; it reads again once below. A frame above
// socket.request.max.bytes closes it. Malformed frames, unknown API keys and unparsable
// bodies close this connection only, after one log line; an ApiVersions request at a version
// the broker does not serve is answered in the v0 layout with UNSUPPORTED_VERSION so the
// client retries lower. An exception out of this connection's own code closes it, logged
// with the client and the request and counted (onFailure): it never reaches the event loop.
//
// Security: a TLS connection (SSL, SASL_SSL listeners) gets its bytes decrypted as 'data'
// chunks, copied once into core memory (reader.write); a plaintext one keeps the zero-copy
// reads. On a SASL listener the connection's SaslAuthenticator decides which requests may
// come (only ApiVersions and SASL's own before authentication; none after an expired
// session), frames are limited to sasl.server.max.receive.size until authenticated, and
// raw SASL tokens after a SaslHandshake v0 are answered here, framed by a length alone.
// Every request carries the connection's principal (ctx.principal) for authorization.
//
// Quotas (KIP-13, KIP-124, KIP-219): with client quotas set, a Produce's request bytes and
// every request's handling time (the main thread's: the handler's synchronous work, then the
// response's encoding) are recorded against the principal's and client id's quotas; a Fetch
// records its own bytes (fetch.ts). A client over a quota gets throttle_time_ms in the
// response and its connection is not read for that long (PauseReason 'throttle'); a client
// of an API version from before KIP-219 also gets the response that much later (throttle.ts).
import type { Socket } from 'node:net';
import { Reader, Writer } from '../protocol/codec.js';
import { readRequestHeader } from '../protocol/generated/request-header.js';
import { requestHeaderVersion, responseHeaderVersion, API_VERSIONS_KEY } from '../protocol/headers.js';
import { ErrorCode } from '../protocol/errors.js';
import { invalidFrameReason } from '../protocol/framing.js';
import { MemoryBudget } from '../core/index.js';
import type { Handler, RequestContext } from '../api/handler.js';
import type { BrokerContext } from '../broker/context.js';
import { FrameReader } from './frame-reader.js';
import { withUserBuffers } from './user-buffer.js';
import { Output, type Response } from './output.js';
import type { SecurityProtocol } from '../config/listeners.js';
import { ANONYMOUS, type KafkaPrincipal } from '../security/principal.js';
import type { SaslAuthenticator } from '../security/sasl.js';
import { REQUEST_QUOTA_EXEMPT, clientThrottles, nanosToPercent } from './throttle.js';

const PRODUCE_KEY = 0;

export interface ConnectionLimits {
  maxRequestBytes: number;
  maxInflightRequests: number;
  maxInflightBytes: number;
  /** Bytes of responses not yet taken by the client before the connection stops reading. */
  maxUnsentBytes: number;
  idleMs: number;
  /** sasl.server.max.receive.size: the largest frame before a SASL connection is authenticated. */
  saslMaxReceiveBytes?: number;
  /** Called once per answered request with its API and handling time (the gateway's metrics). */
  onRequest?: (apiName: string, seconds: number) => void;
  /** Called when this connection's own code threw and the connection was closed for it. */
  onFailure?: () => void;
}

/** The listener a connection came in on and who its client is. */
interface ConnectionSecurity {
  listenerName: string;
  securityProtocol: SecurityProtocol;
  /** TLS: the socket's bytes arrive decrypted as 'data' chunks (no user-buffer reads). */
  encrypted: boolean;
  /** What TLS established (a client certificate's principal), else User:ANONYMOUS. */
  principal: KafkaPrincipal;
  /** SASL_PLAINTEXT and SASL_SSL listeners. */
  sasl: SaslAuthenticator | null;
}

/** What stops a connection from being read: each limit in updateFlow(). */
export type PauseReason = 'requests' | 'request_bytes' | 'unsent' | 'memory' | 'throttle';

/** The copying read path is logged once per process. */
let copiedReadsLogged = false;

/** Where a read lands when the reader cannot give a buffer (the connection is closing). */
const DISCARD = new Uint8Array(4096);

interface Pending extends Response {
  /** Gives the request's frame back; `heldBytes` is what it pins of core memory. */
  releaseFrame: () => void;
  heldBytes: number;
  ready: boolean;
  released: boolean;
  /** This request closes the connection, once the answers to those before it (and its own, if any) are written. */
  closes: string | null;
  /** Not written before this time (performance.now(); a failed authentication's delay). */
  notBeforeMs: number;
  /** The close is logged already (a failed authentication): no warning for it. */
  quiet: boolean;
  /** What quotas record of this request, when any quota is set. */
  quota: RequestUsage | null;
}

/** A request's usage as client quotas count it. */
interface RequestUsage {
  user: string;
  clientId: string;
  /** Main-thread nanoseconds spent on it so far; -1: the request-time quota does not count it. */
  nanos: number;
  /** Throttle time decided when it arrived (a Produce's bytes). */
  throttleMs: number;
}

/** A plaintext listener's connection (tests build connections without a listener). */
const PLAINTEXT: ConnectionSecurity = { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', encrypted: false, principal: ANONYMOUS, sasl: null };

/** How long a connection closing over a bad request may take to write the answers owed before it. */
const CLOSE_GRACE_MS = 5000;

export class Connection {
  private readonly socket: Socket;
  private readonly reader: FrameReader;
  private readonly output: Output;
  private readonly queue: Pending[] = [];
  /** What this connection's responses may hold in memory (handlers take it; ctx.memory). */
  private readonly memory: MemoryBudget;
  private inflightBytes = 0;
  /** Bytes of responses ready but queued behind one still being handled. */
  private waitingBytes = 0;
  /** Why the connection is not being read, or null while it is. */
  pausedBy: PauseReason | null = null;
  private closed = false;
  /** A request was refused: nothing more is read or handled; the connection closes once what is owed is written. */
  private closing = false;
  private clientId: string | null = null;
  private clientSoftwareName: string | null = null;
  private clientSoftwareVersion: string | null = null;
  /** The request being handled most recently, for failure logs. */
  private lastRequest = '';
  private cancelRelief: (() => void) | null = null;
  /** Not read before this time (performance.now()): a throttled client (KIP-219). */
  private mutedUntilMs = 0;
  private unmuteTimer: NodeJS.Timeout | null = null;
  /** Requests read before the connection was muted, waiting for the throttle to end (in order). */
  private readonly deferred: { pending: Pending; ptr: number; size: number }[] = [];
  readonly address: string;
  /** Requests are read straight into core memory (user-buffer reads: plaintext), not copied from 'data' chunks. */
  readonly userBufferReads: boolean;

  /** Frames are limited to sasl.server.max.receive.size until the SASL client is authenticated. */
  private saslFrameLimit = false;

  /**
   * `accepted` comes from a server created with pauseOnConnect (nothing read yet), or is a
   * TLS socket whose handshake is done (security.encrypted).
   */
  constructor(
    accepted: Socket,
    private readonly handlers: ReadonlyMap<number, Handler>,
    private readonly broker: BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly onClose: (connection: Connection) => void,
    readonly security: ConnectionSecurity = PLAINTEXT,
  ) {
    this.memory = new MemoryBudget(limits.maxUnsentBytes);
    this.saslFrameLimit = security.sasl !== null && limits.saslMaxReceiveBytes !== undefined && limits.saslMaxReceiveBytes < limits.maxRequestBytes;
    this.reader = new FrameReader(broker.core.mem, broker.regions, this.saslFrameLimit ? limits.saslMaxReceiveBytes! : limits.maxRequestBytes, {
      frame: (ptr, size, release, heldBytes) => this.dispatch(ptr, size, release, heldBytes),
      invalid: (size) => this.close(this.saslFrameLimit
        ? `${invalidFrameReason('request', size, limits.saslMaxReceiveBytes!, 'sasl.server.max.receive.size')} before SASL authentication`
        : invalidFrameReason('request', size, limits.maxRequestBytes, 'socket.request.max.bytes')),
      // Called from inside a socket read: the close waits for it to return.
      exhausted: (e) => queueMicrotask(() => this.close(`core memory is full (${e.message})`)),
    }, broker.memory);
    const socket = security.encrypted ? accepted : withUserBuffers(accepted, () => this.nextBuffer(), (n) => this.guard('reading', () => this.reader.filled(n))) ?? accepted;
    this.socket = socket;
    this.userBufferReads = socket !== accepted;
    if (socket === accepted) {
      // TLS decrypts into buffers of its own: its bytes are copied into core memory, as expected.
      if (!copiedReadsLogged && !security.encrypted) broker.logger.warn('socket reads are copied into core memory: this Node offers no user-buffer reads on accepted sockets');
      copiedReadsLogged ||= !security.encrypted;
      socket.on('data', (chunk: Buffer) => this.guard('reading', () => this.reader.write(chunk)));
      socket.resume();
    }
    this.address = `${socket.remoteAddress}:${socket.remotePort}`;
    this.output = new Output(socket, {
      written: (response) => this.release(response as Pending),
      moved: () => this.updateFlow(),
      fail: (what, e) => this.crashed(what, e),
    });
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
    socket.on('timeout', () => this.guard('timing out', () => {
      if (this.queue.length === 0 && this.output.idle) this.close(`idle for ${limits.idleMs} ms (connections.max.idle.ms)`, false);
    }));
    socket.on('drain', () => this.guard('writing', () => this.output.pump()));
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => this.guard('closing', () => this.teardown()));
    this.updateFlow(); // a connection opened while request memory is spent waits too
  }

  get inflightRequests(): number {
    return this.queue.length;
  }

  /** Where the socket's next read lands; a reader that fails gives a buffer that is dropped. */
  private nextBuffer(): Uint8Array {
    try {
      return this.reader.nextBuffer();
    } catch (e) {
      this.crashed('reading', e);
      return DISCARD;
    }
  }

  /** Runs `fn` for this connection; what it throws closes this connection, not the broker. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.crashed(what, e);
    }
  }

  private crashed(what: string, e: unknown): void {
    this.limits.onFailure?.();
    const request = this.lastRequest ? `, last request ${this.lastRequest}` : '';
    const client = this.clientId ? ` (client ${this.clientId})` : '';
    this.broker.logger.error(`connection from ${this.address}${client} failed ${what}${request}: ${(e as Error)?.stack ?? e}`);
    try {
      this.close('internal error', false);
    } catch { /* the socket is gone already */ }
  }

  private dispatch(ptr: number, size: number, releaseFrame: () => void, heldBytes: number): void {
    if (this.closed || this.closing) {
      releaseFrame();
      return;
    }
    const pending: Pending = { releaseFrame, heldBytes, ready: false, released: false, chunks: null, releases: [], closes: null, notBeforeMs: 0, quiet: false, quota: null };
    this.queue.push(pending);
    this.inflightBytes += heldBytes;
    this.updateFlow();
    // Read before the connection was muted: handled once the throttle is over, in order.
    if (this.deferred.length > 0 || this.mutedUntilMs > performance.now()) {
      this.deferred.push({ pending, ptr, size });
      return;
    }
    this.process(pending, ptr, size);
  }

  /** Handles the requests read while the connection was throttled, until it is throttled again. */
  private drainDeferred(): void {
    while (this.deferred.length > 0 && this.mutedUntilMs <= performance.now() && !this.closed && !this.closing) {
      const { pending, ptr, size } = this.deferred.shift()!;
      this.process(pending, ptr, size);
    }
  }

  private process(pending: Pending, ptr: number, size: number): void {
    const bytes = Buffer.from(this.broker.core.mem.u8().buffer, ptr, size);
    const sasl = this.security.sasl;
    if (sasl?.expectsRawToken) {
      this.rawToken(pending, sasl, bytes);
      return;
    }
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
    this.lastRequest = `${handler?.api.name ?? `API key ${apiKey}`} v${apiVersion} (correlation id ${correlationId})`;
    if (!handler || handler.enabled?.(this.broker) === false) {
      this.refuse(pending, `unknown or unsupported API key ${apiKey} (version ${apiVersion})`);
      return;
    }
    const notNow = sasl?.refusal(apiKey, handler.api.name);
    if (notNow) {
      this.refuse(pending, notNow);
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
    if (apiKey === API_VERSIONS_KEY && apiVersion >= 3) {
      // KIP-511: who the client is, for the rest of the connection (KIP-714 telemetry labels it so).
      const named = request as { clientSoftwareName: string; clientSoftwareVersion: string };
      this.clientSoftwareName = named.clientSoftwareName;
      this.clientSoftwareVersion = named.clientSoftwareVersion;
    }
    const ctx: RequestContext = {
      apiKey, apiVersion, correlationId, clientId: this.clientId, clientAddress: this.address, clientHost: this.socket.remoteAddress ?? '',
      clientSoftwareName: this.clientSoftwareName, clientSoftwareVersion: this.clientSoftwareVersion,
      broker: this.broker, memory: this.memory,
      listenerName: this.security.listenerName, securityProtocol: this.security.securityProtocol,
      principal: sasl?.principal ?? this.security.principal, sasl,
      onDone: (release) => pending.releases.push(release),
      closeConnection: (reason) => this.close(reason),
      closeAfterResponse: (reason, delayMs = 0) => this.closeAfter(pending, reason, delayMs),
    };
    const quotas = this.broker.quotas;
    if (quotas && (quotas.enabled('request') || (apiKey === PRODUCE_KEY && quotas.enabled('produce')))) {
      const timed = quotas.enabled('request') && !REQUEST_QUOTA_EXEMPT.has(apiKey);
      const usage: RequestUsage = { user: ctx.principal.name, clientId: this.clientId ?? '', nanos: timed ? 0 : -1, throttleMs: 0 };
      pending.quota = usage;
      if (apiKey === PRODUCE_KEY && quotas.enabled('produce')) {
        // Recorded as it arrives, so that the requests read with it wait out its throttle
        // (Kafka reads one request at a time per connection; Strom reads what the client sent).
        usage.throttleMs = quotas.recordAndThrottle('produce', usage.user, usage.clientId, size, performance.now());
        if (usage.throttleMs > 0) this.mute(usage.throttleMs);
      }
    }
    let result: unknown;
    const startedNs = this.limits.onRequest || pending.quota ? process.hrtime.bigint() : 0n;
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
    if (pending.quota && pending.quota.nanos >= 0) pending.quota.nanos += Number(process.hrtime.bigint() - startedNs);
    if (sasl) this.afterSasl(sasl);
    if (result instanceof Promise) {
      result.then(
        (response) => this.guard('answering', () => this.respond(pending, correlationId, apiKey, apiVersion, handler, response)),
        (e) => this.guard('answering', () => this.failed(pending, handler, apiVersion, e)),
      );
    } else this.respond(pending, correlationId, apiKey, apiVersion, handler, result);
  }

  /** Once the SASL client is authenticated, frames may be as large as any request. */
  private afterSasl(sasl: SaslAuthenticator): void {
    if (this.saslFrameLimit && sasl.authenticated) {
      this.saslFrameLimit = false;
      this.reader.maxFrameBytes = this.limits.maxRequestBytes;
    }
  }

  /**
   * A SASL token after a SaslHandshake v0: no Kafka header; answered with the server's token
   * framed by its length, or (failed) by closing the connection after the delay, unanswered.
   */
  private rawToken(pending: Pending, sasl: SaslAuthenticator, bytes: Buffer): void {
    this.lastRequest = 'a raw SASL token (SaslHandshake v0)';
    const result = sasl.authenticate(Buffer.from(bytes));
    if (result.close !== null) {
      this.closeAfter(pending, result.close, result.delayMs);
      pending.ready = true;
      this.flush();
      return;
    }
    this.afterSasl(sasl);
    const frame = Buffer.alloc(4 + result.authBytes.length);
    frame.writeInt32BE(result.authBytes.length, 0);
    result.authBytes.copy(frame, 4);
    pending.chunks = [frame];
    this.waitingBytes += frame.length;
    pending.ready = true;
    this.flush();
  }

  /**
   * This request's answer (if any) is the last: nothing after it is read or handled, it is
   * written no sooner than `delayMs` from now (after the answers before it), then the
   * connection closes. Bounded: a client that does not read it is closed all the same.
   */
  private closeAfter(pending: Pending, reason: string, delayMs: number): void {
    pending.closes = reason;
    pending.notBeforeMs = performance.now() + delayMs;
    pending.quiet = true;
    if (!this.closing) {
      this.closing = true;
      this.socket.pause();
      setTimeout(() => this.close(reason, false), delayMs + CLOSE_GRACE_MS).unref();
    }
  }

  private failed(pending: Pending, handler: Handler, version: number, e: unknown): void {
    this.limits.onFailure?.();
    this.broker.logger.error(`${handler.api.name} v${version} from ${this.address} failed: ${(e as Error)?.stack ?? e}`);
    this.refuse(pending, `${handler.api.name} failed`);
  }

  /**
   * Closes the connection over a request that gets no response, as Kafka does, but first
   * writes the answers to the requests before it (a client may have had a Produce appended
   * and must hear so). Nothing after it is read or handled.
   */
  private refuse(pending: Pending, reason: string): void {
    if (this.closed) {
      // Not ready: teardown (done or to come) leaves it to whoever finishes it, which is us.
      this.release(pending);
      return;
    }
    pending.ready = true;
    pending.chunks = null;
    pending.closes = reason;
    pending.notBeforeMs = 0;
    if (!this.closing) {
      this.closing = true;
      this.socket.pause();
      // Bounded: a client that does not read what it is owed is closed all the same.
      setTimeout(() => this.close(reason), CLOSE_GRACE_MS).unref();
    }
    this.flush();
  }

  private respond(pending: Pending, correlationId: number, apiKey: number, apiVersion: number, handler: Handler, response: unknown): void {
    if (this.closed) {
      this.release(pending);
      return;
    }
    const throttleMs = this.throttleFor(pending, apiKey, apiVersion, response);
    if (response !== null) {
      const encodingNs = pending.quota && pending.quota.nanos >= 0 ? process.hrtime.bigint() : 0n;
      const w = new Writer();
      w.int32(0); // size, patched below
      w.int32(correlationId);
      if (responseHeaderVersion(apiKey, apiVersion) >= 1) w.uvarint(0); // header tagged fields
      try {
        handler.api.writeResponse(w, apiVersion, response);
      } catch (e) {
        this.failed(pending, handler, apiVersion, e);
        return;
      }
      if (encodingNs !== 0n) {
        // Counted after the throttle was decided, as Kafka counts its network threads' time.
        const q = pending.quota!;
        this.broker.quotas.record('request', q.user, q.clientId, nanosToPercent(Number(process.hrtime.bigint() - encodingNs)), performance.now());
      }
      const chunks = w.chunks();
      (chunks[0] as Buffer).writeInt32BE(w.size - 4, 0);
      pending.chunks = chunks;
      this.waitingBytes += w.size;
    }
    pending.ready = true;
    if (throttleMs > 0) this.mute(throttleMs);
    this.flush();
  }

  /**
   * The throttle time of a request from the quotas (a Produce's bytes, its handling time) and
   * from its handler (a Fetch's bytes: the response's throttleTimeMs), written into the
   * response; a client from before KIP-219 also gets the response that much later.
   */
  private throttleFor(pending: Pending, apiKey: number, apiVersion: number, response: unknown): number {
    const answer = response as { throttleTimeMs?: number } | null;
    let throttleMs = answer && typeof answer.throttleTimeMs === 'number' ? answer.throttleTimeMs : 0;
    const q = pending.quota;
    if (q) {
      throttleMs = Math.max(throttleMs, q.throttleMs);
      if (q.nanos >= 0) throttleMs = Math.max(throttleMs, this.broker.quotas.recordAndThrottle('request', q.user, q.clientId, nanosToPercent(q.nanos), performance.now()));
    }
    if (throttleMs > 0) {
      if (answer && typeof answer.throttleTimeMs === 'number') answer.throttleTimeMs = throttleMs;
      if (!clientThrottles(apiKey, apiVersion)) pending.notBeforeMs = performance.now() + throttleMs;
    }
    return throttleMs;
  }

  /** Stops reading for `ms` (KIP-219: a throttled client's channel is muted); updateFlow() reads again after. */
  private mute(ms: number): void {
    this.mutedUntilMs = Math.max(this.mutedUntilMs, performance.now() + ms);
    this.updateFlow();
  }

  /** Hands the responses at the head of the queue that are ready to the output, in request order. */
  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].ready) {
      // A failed authentication's answer and a throttled one from before KIP-219 wait.
      const waitMs = !this.closed ? this.queue[0].notBeforeMs - performance.now() : 0;
      if (waitMs > 0) {
        // A timer may fire a little early by this clock: it waits again for the rest.
        setTimeout(() => this.guard('answering', () => this.flush()), Math.ceil(waitMs)).unref();
        break;
      }
      const pending = this.queue.shift()!;
      this.inflightBytes -= pending.heldBytes;
      if (pending.closes !== null) {
        if (pending.chunks && !this.closed) {
          this.waitingBytes -= pending.chunks.reduce((n, c) => n + c.length, 0);
          this.output.push(pending);
        } else this.release(pending);
        const reason = pending.closes;
        const warn = !pending.quiet;
        this.output.whenWritten(() => this.close(reason, warn));
        for (const later of this.queue.splice(0)) if (later.ready) this.release(later);
        break;
      }
      if (pending.chunks && !this.closed) {
        this.waitingBytes -= pending.chunks.reduce((n, c) => n + c.length, 0);
        this.output.push(pending);
      } else this.release(pending);
    }
    this.output.pump();
    this.updateFlow();
  }

  /** The response is written (or dropped): runs its releases and gives its frame back, once. */
  private release(pending: Pending): void {
    if (pending.released) return;
    pending.released = true;
    for (const release of pending.releases) release();
    pending.releases.length = 0;
    pending.releaseFrame();
  }

  /** Stops reading while too much is in flight, unsent, or the broker's request memory is spent; resumes after. */
  private updateFlow(): void {
    if (this.closed || this.closing) return;
    const memorySpent = this.broker.memory.exhausted;
    const mutedMs = this.mutedUntilMs - performance.now();
    const reason: PauseReason | null = this.queue.length >= this.limits.maxInflightRequests ? 'requests'
      : this.inflightBytes >= this.limits.maxInflightBytes ? 'request_bytes'
        : this.waitingBytes + this.output.unsentBytes >= this.limits.maxUnsentBytes ? 'unsent'
          : memorySpent ? 'memory'
            : mutedMs > 0 ? 'throttle' : null;
    if (mutedMs > 0 && !this.unmuteTimer) {
      // A timer may fire a little early by this clock: it is set again for the rest.
      this.unmuteTimer = setTimeout(() => {
        this.unmuteTimer = null;
        this.guard('resuming', () => {
          this.drainDeferred();
          this.updateFlow();
        });
      }, Math.ceil(mutedMs));
      this.unmuteTimer.unref();
    }
    if (memorySpent && !this.cancelRelief) {
      this.cancelRelief = this.broker.memory.onRelief(() => {
        this.cancelRelief = null;
        this.guard('resuming', () => this.updateFlow());
      });
    }
    if (reason && !this.pausedBy) this.socket.pause();
    else if (!reason && this.pausedBy) this.socket.resume();
    this.pausedBy = reason;
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
    if (this.unmuteTimer) clearTimeout(this.unmuteTimer);
    this.unmuteTimer = null;
    // Never handled: nothing else gives their frames back.
    for (const { pending } of this.deferred.splice(0)) this.release(pending);
    this.cancelRelief?.();
    this.cancelRelief = null;
    this.reader.close();
    this.output.close();
    // Requests still being handled release their frames when they finish (respond()).
    for (const pending of this.queue.splice(0)) if (pending.ready) this.release(pending);
    this.onClose(this);
  }
}
