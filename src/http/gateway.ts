// The HTTP/WebSocket gateway on uWebSockets.js (http.listeners): REST proxy v2/v3, live
// tails, /metrics, /health, /ready and the web console, served from the broker process.
// Limits: http.max.body.bytes (413), http.max.connections (WebSockets plus requests in
// flight; 503). Web pages of other origins are refused before any handler runs
// (origin-policy.ts, http.allowed.origins). Each listener binds its port exclusively
// (listen.ts). Every failure is a Confluent-style JSON error; a handler that throws
// something unexpected answers 500 and is logged, never taking the broker down.
// https:// listeners serve TLS with the broker's ssl.keystore.* (PEM; listener.name.https.ssl.*
// over them); with http.authentication.method=BASIC every request and WebSocket upgrade needs a
// broker user's credentials (basic-auth.ts) before any handler runs, and carries its principal,
// which the ACLs are checked for (access.ts; a live tail needs READ on its topic).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUS_CODES } from 'node:http';
import type { HttpResponse, HttpRequest as UwsRequest, TemplatedApp, us_listen_socket, us_socket_context_t } from 'uWebSockets.js';
import type { BrokerContext } from '../broker/context.js';
import type { Listener } from '../config/config.js';
import { loadUws, type HttpBackend } from './backend.js';
import { HttpError, Router, errorReply, json, type HttpReply, type HttpRequest } from './router.js';
import { routesV2 } from './rest-v2.js';
import { routesV3 } from './rest-v3.js';
import { ConsumerInstances } from './consumers.js';
import { LiveTails, type TailData } from './tail.js';
import { BrokerMetrics } from './metrics.js';
import { partitionOrThrow } from './rest-v2.js';
import { readRecords, recordJson } from './records.js';
import { CONSOLE_ASSETS } from './console-assets.js';
import { OriginPolicy, type BrowserHeaders, type ListenerScope } from './origin-policy.js';
import { listenExclusive, resolveListener } from './listen.js';
import { BasicAuth, NO_AUTHENTICATION, type AuthOutcome, type BasicAuthOptions } from './basic-auth.js';
import { ConfigError } from '../config/config.js';
import type { ListenerTls } from '../security/tls-options.js';
import { ANONYMOUS } from '../security/principal.js';
import { normalizeHost } from '../security/authorizer.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import type { KafkaPrincipal } from '../security/principal.js';
import { requireAccess } from './access.js';

import { RestErrorCode } from './error-codes.js';

interface GatewayOptions {
  /** The TLS of https:// listeners (null when there is none). */
  tls: ListenerTls | null;
  /** http.authentication.method=BASIC, else null (no authentication). */
  authentication: BasicAuthOptions | null;
  /** http.allowed.origins, normalized (['*']: any). */
  allowedOrigins: string[];
  maxBodyBytes: number;
  maxConnections: number;
  maxBufferedBytes: number;
  consumerTimeoutMs: number;
  consumerMaxBytes: number;
  consumerSessionTimeoutMs: number;
  consumerHeartbeatIntervalMs: number;
  kafkaConnections: () => number;
  pausedConnections: () => Record<string, number>;
  appendQueueDepth: () => number;
  ready: () => boolean;
}

/** Records the console's browser shows at once when it does not say, and at most. */
const BROWSE_DEFAULT_RECORDS = 50;
const BROWSE_MAX_RECORDS = 1000;
/** Bytes of batches one browse reads at most (at least one batch). */
const BROWSE_MAX_BYTES = 4 << 20;
/**
 * What uWS may queue for a WebSocket before it drops sends: far above where the live tail
 * pauses (http.ws.max.buffered.bytes), so only a message larger than that could reach it.
 */
const wsMaxBackpressureBytes = (maxBufferedBytes: number) => maxBufferedBytes * 4 + (16 << 20);
/** A WebSocket silent this long is closed (uWS pings it before, so live clients stay). */
const WS_IDLE_TIMEOUT_SECONDS = 120;

/**
 * The path and query string of a request. Native uWS gives them apart; the JavaScript
 * fallback's getUrl() is Node's request.url, query string included, and its getQuery()
 * throws on that relative URL (new URL without a base): split the URL ourselves.
 */
function pathAndQuery(req: UwsRequest): { path: string; query: URLSearchParams } {
  const url = req.getUrl();
  const q = url.indexOf('?');
  if (q >= 0) return { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
  let query = '';
  try {
    query = req.getQuery() ?? '';
  } catch { /* the fallback, with no query string */ }
  return { path: url, query: new URLSearchParams(query) };
}

/** The headers the origin policy reads; uWS's request is only valid until the first await. */
function browserHeaders(req: UwsRequest): BrowserHeaders {
  return { origin: req.getHeader('origin'), host: req.getHeader('host'), fetchSite: req.getHeader('sec-fetch-site'), fetchMode: req.getHeader('sec-fetch-mode') };
}

export class HttpGateway {
  readonly backend: HttpBackend;
  readonly backendDetail: string;
  readonly metrics: BrokerMetrics;
  readonly tails: LiveTails;
  readonly consumers: ConsumerInstances;
  bound: Listener[] = [];
  private listenSockets: us_listen_socket[] = [];
  private readonly router = new Router();
  private readonly policy: OriginPolicy;
  private readonly auth: BasicAuth | null;
  private inflight = 0;
  private webSockets = 0;

  constructor(private readonly broker: () => BrokerContext, private readonly options: GatewayOptions) {
    const { backend, version, detail } = loadUws();
    this.backend = backend;
    this.backendDetail = `${backend} (uWebSockets.js ${version}: ${detail})`;
    this.policy = new OriginPolicy(options.allowedOrigins);
    this.auth = options.authentication ? new BasicAuth(options.authentication) : null;
    this.tails = new LiveTails(broker, options.maxBufferedBytes, (topic, bytes) => this.metrics.fetched(topic, bytes));
    this.metrics = new BrokerMetrics({
      broker, kafkaConnections: options.kafkaConnections, pausedConnections: options.pausedConnections, httpConnections: () => this.inflight, webSockets: () => this.webSockets,
      appendQueueDepth: options.appendQueueDepth, wsBuffered: () => this.tails.buffered(),
    }, { backend, version });
    this.consumers = new ConsumerInstances(broker, {
      timeoutMs: options.consumerTimeoutMs, defaultMaxBytes: options.consumerMaxBytes,
      sessionTimeoutMs: options.consumerSessionTimeoutMs, heartbeatIntervalMs: options.consumerHeartbeatIntervalMs,
    });
    this.routes();
  }

  private routes(): void {
    const r = this.router;
    r.on('GET', '/health', () => json({ status: 'UP', backend: this.backend }));
    r.on('GET', '/ready', () => (this.options.ready() ? json({ status: 'READY' }) : errorReply(503, RestErrorCode.NOT_READY, 'The broker is not ready.')));
    r.on('GET', '/metrics', async () => ({ status: 200, body: await this.metrics.registry.metrics(), contentType: this.metrics.registry.contentType }));
    routesV2(r, this.broker);
    routesV3(r, this.broker);
    this.consumers.routes(r);
    // The console's own reads (not part of Confluent's API).
    r.on('GET', '/api/stats', () => json({ time: Date.now(), ...this.metrics.totals }));
    r.on('GET', '/api/websockets', () => json({ max_buffered_bytes: this.options.maxBufferedBytes, peak_buffered_bytes: this.tails.peakBuffered, tails: this.tails.describe() }));
    r.on('GET', '/api/topics/:topic/partitions/:partition/records', async (req) => {
      const b = this.broker();
      const log = partitionOrThrow(b, req.params.topic, req.params.partition);
      const offsetParam = req.query.get('offset');
      const limit = Math.min(Math.max(1, Number(req.query.get('limit') ?? BROWSE_DEFAULT_RECORDS) || BROWSE_DEFAULT_RECORDS), BROWSE_MAX_RECORDS);
      const offset = offsetParam === null || offsetParam === '' ? Math.max(log.logStartOffset, log.logEndOffset - limit) : Number(offsetParam);
      if (!Number.isInteger(offset) || offset < 0) throw new HttpError(422, RestErrorCode.INVALID_ENTITY, 'offset must be a non-negative integer');
      const records = await readRecords(log, b.core, offset, BROWSE_MAX_BYTES, limit);
      return json({ topic: log.topic, partition: log.partition, log_start_offset: log.logStartOffset, log_end_offset: log.logEndOffset, records: records.map((x) => recordJson(log.topic, log.partition, x)) });
    });
    for (const [path, asset] of Object.entries(CONSOLE_ASSETS)) r.on('GET', path, () => ({ status: 200, body: asset.body, contentType: asset.type }));
  }

  /**
   * Binds each listener, exclusively, with an app of its own: a request's Host is checked
   * against the names of the listener it came in on. Throws (ListenError) when one cannot.
   */
  async listen(listeners: Listener[]): Promise<Listener[]> {
    const { uws } = loadUws();
    for (const listener of listeners) {
      let socket: us_listen_socket;
      let scope: ListenerScope;
      try {
        const address = await resolveListener(listener);
        scope = this.policy.scope(listener.host, address);
        const app = listener.name === 'HTTPS' ? this.sslApp() : uws.App();
        // The JavaScript fallback cannot run an upgrade handler (its res.upgrade is not
        // implemented, and it matches ws patterns as literal paths, leaving other upgrades hanging):
        // without a ws route it answers every upgrade 400 at once. No live tail there.
        if (this.backend === 'native') this.webSocketRoutes(app, scope);
        app.any('/*', (res, req) => this.handle(res, req, scope));
        socket = await listenExclusive(app, address, listener.port);
      } catch (e) {
        this.close();
        throw e;
      }
      this.listenSockets.push(socket);
      const bound = { ...listener, port: uws.us_socket_local_port(socket as never) };
      this.bound.push(bound);
      if (!scope.loopback && !this.auth) {
        const host = bound.host === '' ? '0.0.0.0' : bound.host.includes(':') ? `[${bound.host}]` : bound.host;
        const scheme = listener.name.toLowerCase();
        this.broker().logger.warn(`HTTP gateway listens on ${scheme}://${host}:${bound.port}, beyond this machine: anyone who reaches it can read and produce to every topic and create topics, as http.authentication.method is NONE. To keep it to this machine: http.listeners=${scheme}://localhost:${bound.port}; to ask for credentials: http.authentication.method=BASIC`);
      }
    }
    return this.bound;
  }

  /**
   * An HTTPS app: uWebSockets.js reads its key and certificate from files when the app is made,
   * so they are written to a private temporary directory for that moment only.
   */
  private sslApp(): TemplatedApp {
    const { uws } = loadUws();
    const tls = this.options.tls;
    if (this.backend !== 'native') throw new ConfigError('https:// in http.listeners needs the native uWebSockets.js, which did not load (the JavaScript fallback serves http:// only)');
    if (!tls?.keyPem || !tls.certPem) throw new ConfigError('https:// in http.listeners needs a PEM key and certificate (ssl.keystore.type=PEM: ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain)');
    const dir = mkdtempSync(join(tmpdir(), 'strom-https-'));
    try {
      writeFileSync(join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'cert.pem'), tls.certPem, { mode: 0o600 });
      return uws.SSLApp({ key_file_name: join(dir, 'key.pem'), cert_file_name: join(dir, 'cert.pem'), passphrase: tls.passphrase });
    } catch (e) {
      throw new ConfigError(`https:// in http.listeners: uWebSockets.js cannot use the key and certificate (${(e as Error).message}); check ssl.keystore.* and ssl.key.password`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Counts and logs an authentication outcome; a failure's 401 waits out its delay first. */
  private authenticated(outcome: AuthOutcome, what: string, address: string): Promise<void> | null {
    if (outcome.ok) {
      if (this.auth) this.metrics.httpAuthentications.inc({ result: 'success' });
      return null;
    }
    this.metrics.httpAuthentications.inc({ result: outcome.result });
    if (outcome.result === 'failure') this.broker().logger.info(`failed HTTP authentication of ${address} (${what}): ${outcome.reason}`);
    return outcome.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, outcome.delayMs)) : Promise.resolve();
  }

  /** The live tail: /ws/topics/{t}. */
  private webSocketRoutes(app: TemplatedApp, scope: ListenerScope): void {
    app.ws<TailData>('/ws/topics/:topic', {
      maxPayloadLength: this.options.maxBodyBytes,
      maxBackpressure: wsMaxBackpressureBytes(this.options.maxBufferedBytes),
      idleTimeout: WS_IDLE_TIMEOUT_SECONDS,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.upgrade(res, req, context, scope),
      open: (ws) => {
        this.webSockets++;
        this.tails.open(ws);
      },
      message: (ws, message) => {
        const text = Buffer.from(message).toString('utf8');
        this.tails.message(ws, text).catch((e) => this.broker().logger.error(`live tail produce failed: ${(e as Error).stack ?? e}`));
      },
      drain: (ws) => this.tails.drain(ws),
      close: (ws) => {
        this.webSockets--;
        this.tails.close(ws);
      },
    });
  }

  close(): void {
    const { uws } = loadUws();
    for (const s of this.listenSockets.splice(0)) uws.us_listen_socket_close(s);
    this.tails.closeAll();
    this.consumers.stop();
  }

  private upgrade(res: HttpResponse, req: UwsRequest, context: us_socket_context_t, scope: ListenerScope): void {
    const { path: url, query } = pathAndQuery(req);
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    // Browsers do not guard WebSockets with CORS: a page of any origin may open one.
    const refusal = this.policy.refusal(scope, browserHeaders(req));
    const outcome = refusal === null && this.auth?.guards(url) ? this.auth.check(req.getHeader('authorization')) : NO_AUTHENTICATION;
    const address = this.auth ? Buffer.from(res.getRemoteAddressAsText()).toString() : '';
    const clientHost = remoteHost(res);
    // Who asks comes first: an unauthenticated upgrade learns nothing (not even whether the topic exists).
    const proceed = (principal: KafkaPrincipal): void => {
      let data: TailData;
      try {
        if (refusal) throw refusal;
        if (this.webSockets + this.inflight >= this.options.maxConnections) throw new HttpError(503, RestErrorCode.TOO_MANY_CONNECTIONS, `Too many connections (http.max.connections ${this.options.maxConnections}).`);
        let topic: string;
        try {
          topic = decodeURIComponent(url.slice('/ws/topics/'.length));
        } catch {
          throw new HttpError(400, RestErrorCode.MALFORMED_REQUEST, 'Malformed topic name in the URL.');
        }
        // A live tail reads the topic: READ on it, as a consumer's Fetch (access.ts), asked before its existence is told.
        requireAccess(this.broker(), { principal, clientHost }, AclOperation.READ, ResourceType.TOPIC, topic);
        data = this.tails.prepare(topic, query);
      } catch (e) {
        this.send(res, e instanceof HttpError ? errorReply(e.status, e.errorCode, e.message) : errorReply(500, RestErrorCode.INTERNAL_ERROR, String(e)), 'GET');
        return;
      }
      res.upgrade(data, key, protocol, extensions, context);
    };
    if (!(outcome instanceof Promise) && outcome.ok) {
      proceed(outcome.principal);
      return;
    }
    // Credentials to verify (or a 401 to answer) before the upgrade: uWS needs onAborted to wait.
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    Promise.resolve(outcome).then(async (o) => {
      const waited = this.authenticated(o, `GET ${url}`, address);
      if (waited) await waited;
      if (aborted) return;
      if (o.ok) res.cork(() => proceed(o.principal));
      else this.send(res, o.reply, 'GET', true, [this.auth!.challenge]);
    }).catch((e) => this.broker().logger.error(`WebSocket upgrade of ${url} failed: ${(e as Error).stack ?? e}`));
  }

  private handle(res: HttpResponse, req: UwsRequest, scope: ListenerScope): void {
    const method = req.getMethod().toUpperCase();
    const { path, query } = pathAndQuery(req);
    const browser = browserHeaders(req);
    const request: HttpRequest = {
      method, path, params: {}, query, principal: ANONYMOUS, clientHost: remoteHost(res),
      contentType: req.getHeader('content-type'), accept: req.getHeader('accept'), host: browser.host, body: Buffer.alloc(0),
    };
    const contentLength = Number(req.getHeader('content-length') || 0);
    const chunked = req.getHeader('transfer-encoding') !== '';
    const refusal = this.policy.refusal(scope, browser);
    // Preflights carry no credentials (browsers never send them there): answered without.
    const guarded = this.auth !== null && this.auth.guards(path) && !(refusal === null && method === 'OPTIONS' && browser.origin !== '' && req.getHeader('access-control-request-method') !== '');
    const outcome = guarded ? this.auth!.check(req.getHeader('authorization')) : NO_AUTHENTICATION;
    const address = this.auth ? Buffer.from(res.getRemoteAddressAsText()).toString() : '';
    const preflight = refusal === null && method === 'OPTIONS' && browser.origin !== '' && req.getHeader('access-control-request-method') !== '';
    const headers = refusal ? []
      : preflight ? this.policy.preflightHeaders(browser.origin, req.getHeader('access-control-request-headers'), req.getHeader('access-control-request-private-network') === 'true')
        : this.policy.corsHeaders(browser.origin);
    let aborted = false;
    let counted = false;
    const release = () => {
      if (counted) this.inflight--;
      counted = false;
    };
    res.onAborted(() => {
      aborted = true;
      release();
    });
    const finish = (reply: HttpReply, close = false) => {
      if (aborted) return;
      aborted = true;
      this.metrics.httpRequests.inc({ method, status: String(reply.status) });
      this.send(res, reply, method, close, reply.status === 401 && this.auth ? [...headers, this.auth.challenge] : headers);
    };
    if (refusal) {
      // The body, if any, is left unread: close the connection rather than parse it as the next request.
      finish(errorReply(refusal.status, refusal.errorCode, refusal.message), contentLength > 0 || chunked);
      return;
    }
    if (preflight) {
      finish({ status: 204, body: '', contentType: 'text/plain' });
      return;
    }
    if (!(outcome instanceof Promise) && !outcome.ok) {
      // No credentials: nothing of the request is looked at, its body is left unread.
      this.authenticated(outcome, `${method} ${path}`, address);
      finish(outcome.reply, contentLength > 0 || chunked);
      return;
    }
    if (this.inflight + this.webSockets >= this.options.maxConnections) {
      finish(errorReply(503, RestErrorCode.TOO_MANY_CONNECTIONS, `Too many connections (http.max.connections ${this.options.maxConnections}).`), true);
      return;
    }
    if (contentLength > this.options.maxBodyBytes) {
      finish(errorReply(413, RestErrorCode.BODY_TOO_LARGE, `The request body of ${contentLength} bytes exceeds http.max.body.bytes ${this.options.maxBodyBytes}.`), true);
      return;
    }
    const match = this.router.match(method, path);
    if (match === null) {
      finish(errorReply(404, RestErrorCode.NOT_FOUND, `HTTP 404 Not Found: no route for ${method} ${path}`));
      return;
    }
    if (match === 'method') {
      finish(errorReply(405, RestErrorCode.METHOD_NOT_ALLOWED, `HTTP 405 Method Not Allowed: ${method} ${path}`));
      return;
    }
    request.params = match.params;
    this.inflight++;
    counted = true;
    const execute = (): Promise<void> => {
      let result: HttpReply | Promise<HttpReply>;
      try {
        result = match.handler(request);
      } catch (e) {
        result = Promise.reject(e);
      }
      return Promise.resolve(result).then((reply) => finish(reply));
    };
    // The credentials are verified (if any) while the body is read; the handler runs after both.
    const run = () => {
      Promise.resolve(outcome).then(async (o) => {
        const waited = this.authenticated(o, `${method} ${path}`, address);
        if (waited) {
          await waited;
          if (!o.ok) return finish(o.reply);
        }
        if (o.ok) request.principal = o.principal;
        await execute();
      }).catch((e) => {
        if (e instanceof HttpError) finish(errorReply(e.status, e.errorCode, e.message));
        else {
          this.broker().logger.error(`HTTP ${method} ${path} failed: ${(e as Error).stack ?? e}`);
          finish(errorReply(500, RestErrorCode.INTERNAL_ERROR, `Internal server error: ${(e as Error).message}`));
        }
      }).finally(release);
    };
    if (contentLength === 0 && !chunked) {
      run();
      return;
    }
    // Read the body (uWS hands chunks whose memory dies after the callback: copy them).
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > this.options.maxBodyBytes) {
        release();
        finish(errorReply(413, RestErrorCode.BODY_TOO_LARGE, `The request body exceeds http.max.body.bytes ${this.options.maxBodyBytes}.`), true);
        return;
      }
      chunks.push(Buffer.from(Buffer.from(chunk)));
      if (isLast) {
        request.body = Buffer.concat(chunks);
        run();
      }
    });
  }

  private send(res: HttpResponse, reply: HttpReply, method: string, close = false, headers: [string, string][] = []): void {
    const noBody = reply.status === 204 || method === 'HEAD';
    try {
      res.cork(() => {
        res.writeStatus(`${reply.status} ${STATUS_CODES[reply.status] ?? ''}`);
        res.writeHeader('content-type', reply.contentType);
        for (const [name, value] of headers) res.writeHeader(name, value);
        // The fallback has no endWithoutBody; Node's response sends no body for 204 or HEAD anyway.
        if (noBody && this.backend === 'native') res.endWithoutBody(undefined, close);
        else res.end(noBody ? '' : reply.body, close);
      });
    } catch (e) {
      // A backend that cannot send this answer must not take the broker down with it.
      this.broker().logger.error(`HTTP ${method}: cannot send the ${reply.status} response: ${(e as Error).stack ?? e}`);
      try { res.close(); } catch { /* already gone */ }
    }
  }
}

/**
 * The client's IP address, as ACLs name hosts (an IPv4 client of a dual-stack socket as
 * a.b.c.d); '' where the backend cannot tell (uWS's JavaScript fallback has no remote
 * address): then only ACLs of host * apply to the request.
 */
function remoteHost(res: HttpResponse): string {
  try {
    return normalizeHost(Buffer.from(res.getRemoteAddressAsText()).toString());
  } catch {
    return '';
  }
}
