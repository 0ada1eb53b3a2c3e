// The Kafka listeners: a TCP server per configured listener (a TLS one for SSL and SASL_SSL),
// connections tracked so the broker can stop cleanly (stop accepting, let requests in flight
// finish, close). A plaintext connection is adopted before anything is read (pauseOnConnect),
// so its reads land in core memory (connection.ts); a TLS connection once its handshake is
// done, with its principal: the client certificate's subject on SSL listeners
// (ssl.principal.mapping.rules), else User:ANONYMOUS until SASL says otherwise. A failed TLS
// handshake (a plaintext client on a TLS port, a certificate the truststore does not verify)
// is logged and counted as a failed authentication, as Kafka counts it; one not even started
// within connections.max.idle.ms is an idle connection, closed quietly.
// Connection limits (connection-quotas.ts) are applied to every socket as it arrives, before
// TLS: one refused is closed at once; one over a creation rate is read (a TLS one adopted after
// its handshake) only after its wait.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaListener } from '../config/listeners.js';
import type { Handler } from '../api/handler.js';
import type { BrokerContext } from '../broker/context.js';
import type { ListenerSecurity } from '../security/listener-security.js';
import { ANONYMOUS, rfc2253, user, type KafkaPrincipal } from '../security/principal.js';
import { SaslAuthenticator, type AuthenticationEvent, type SaslServices } from '../security/sasl.js';
import { Connection, type ConnectionLimits, type PauseReason } from './connection.js';
import type { ConnectionQuotas } from './connection-quotas.js';
import { normalizeHost } from '../security/authorizer.js';

/** What authentication needs besides the listeners' settings (SaslServices without the clock). */
type SecurityServices = Omit<SaslServices, 'now'>;
/** How long a stopping broker lets the requests in flight finish before it closes their connections. */
const SHUTDOWN_DRAIN_MS = 5000;
/** How often a stopping broker looks whether they have. */
const DRAIN_POLL_MS = 10;

export class KafkaServer {
  private servers: Server[] = [];
  readonly connections = new Set<Connection>();
  /** TLS sockets before and during their handshake, and refused ones: closed with the broker. */
  private readonly tlsSockets = new Set<Socket>();
  /** Addresses actually bound (port 0 becomes the ephemeral port). */
  bound: KafkaListener[] = [];
  /** TLS sockets admitted to wait before they are adopted: remote address:port -> not before (performance.now()). */
  private readonly tlsNotBefore = new Map<string, number>();
  /** TLS sockets refused by a connection limit: their failed handshakes are not authentication failures. */
  private readonly tlsRefused = new Set<string>();

  constructor(
    private readonly handlers: ReadonlyMap<number, Handler>,
    private readonly broker: () => BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly connectionQuotas: ConnectionQuotas,
    private readonly security: SecurityServices,
    /** socket.listen.backlog.size: connections the kernel queues before they are accepted. */
    private readonly listenBacklog = 511,
  ) {}

  async listen(listeners: ListenerSecurity[]): Promise<KafkaListener[]> {
    for (const ls of listeners) {
      const { listener } = ls;
      let server: Server;
      if (ls.tls) {
        // An unfinished handshake is an idle connection (connections.max.idle.ms), as in Kafka.
        const tlsServer = createTlsServer({ ...ls.tls.options, handshakeTimeout: this.limits.idleMs }, (socket) => this.acceptTls(socket, ls));
        tlsServer.on('tlsClientError', (e: NodeJS.ErrnoException, socket: TLSSocket) => {
          if (e.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
            // Idle, not a failed authentication (a broker's peer watch keeps such a connection
            // open, and opens it again): closed quietly. Node leaves the socket open after this
            // error, where it destroys it after a failed handshake.
            socket.destroy();
            return;
          }
          if (!this.tlsRefused.delete(remoteKey(socket))) this.tlsFailed(ls, socket, e.message);
        });
        tlsServer.on('connection', (socket: Socket) => {
          this.tlsSockets.add(socket);
          socket.once('close', () => this.tlsSockets.delete(socket));
          const key = remoteKey(socket);
          const admitted = this.admit(socket, ls.listener.name);
          // TLS reads this socket as it is: its close is the connection's.
          if (admitted) socket.once('close', admitted.release);
          if (!admitted) this.tlsRefused.add(key);
          else if (admitted.delayMs > 0) this.tlsNotBefore.set(key, performance.now() + admitted.delayMs);
          // Once the TLS socket's own events (a refused handshake's error) are out.
          socket.once('close', () => setImmediate(() => {
            this.tlsRefused.delete(key);
            this.tlsNotBefore.delete(key);
          }));
        });
        server = tlsServer;
      } else {
        server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
          const admitted = this.admit(socket, ls.listener.name);
          if (!admitted) return;
          // Closed before it is adopted; once adopted, its Connection (over a socket made anew) says so.
          socket.once('close', admitted.release);
          const adopt = () => { if (!socket.destroyed) this.accept(socket, ls, ANONYMOUS, false, admitted.release); };
          if (admitted.delayMs === 0) adopt();
          else setTimeout(adopt, admitted.delayMs).unref();
        });
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: listener.port, host: listener.host === '' ? undefined : listener.host, backlog: this.listenBacklog }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : listener.port;
      this.servers.push(server);
      this.bound.push({ ...listener, port });
    }
    return this.bound;
  }

  /** Connections not being read now, by the limit that stops them. */
  pausedConnections(): Record<PauseReason, number> {
    const counts: Record<PauseReason, number> = { requests: 0, request_bytes: 0, unsent: 0, memory: 0, throttle: 0 };
    for (const c of this.connections) if (c.pausedBy) counts[c.pausedBy]++;
    return counts;
  }

  private accept(socket: Socket, ls: ListenerSecurity, principal: KafkaPrincipal, encrypted: boolean, released: () => void = () => {}): void {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    const sasl = ls.sasl ? new SaslAuthenticator(ls.sasl, { ...this.security, now: () => Date.now() }, address) : null;
    const connection = new Connection(socket, this.handlers, this.broker(), this.limits, (c) => {
      this.connections.delete(c);
      released();
    }, {
      listenerName: ls.listener.name, securityProtocol: ls.listener.securityProtocol, encrypted, principal, sasl,
    });
    this.connections.add(connection);
  }

  /**
   * Applies the connection limits to a socket that just arrived: null when it is refused (it is
   * closed, at once or after its throttle), else how long it waits before it is read and what
   * to call once it is closed (it counts until then; calling again does nothing).
   */
  private admit(socket: Socket, listener: string): { delayMs: number; release: () => void } | null {
    const ip = normalizeHost(socket.remoteAddress ?? '');
    const admission = this.connectionQuotas.admit(ip, listener, performance.now());
    if (admission.kind === 'refuse') {
      socket.destroy();
      return null;
    }
    let counted = true;
    const release = () => {
      if (counted) this.connectionQuotas.release(ip, listener);
      counted = false;
    };
    if (admission.kind === 'throttle') {
      socket.once('close', release);
      socket.pause();
      setTimeout(() => socket.destroy(), admission.closeAfterMs).unref();
      return null;
    }
    return { delayMs: admission.delayMs, release };
  }

  /** A TLS client whose handshake is done: adopted once its connection limit's wait is over. */
  private acceptTls(socket: TLSSocket, ls: ListenerSecurity): void {
    const key = remoteKey(socket);
    const waitMs = (this.tlsNotBefore.get(key) ?? 0) - performance.now();
    this.tlsNotBefore.delete(key);
    if (this.tlsRefused.delete(key)) return;
    if (waitMs > 0) {
      socket.pause();
      setTimeout(() => { if (!socket.destroyed) this.adoptTls(socket, ls); }, Math.ceil(waitMs)).unref();
      return;
    }
    this.adoptTls(socket, ls);
  }

  /** A TLS client whose handshake is done: its certificate checked and mapped to a principal. */
  private adoptTls(socket: TLSSocket, ls: ListenerSecurity): void {
    const certificate = socket.getPeerX509Certificate();
    // ssl.client.auth=requested lets a client go without a certificate, not with a bad one.
    if (certificate && !socket.authorized) {
      this.refuseTls(ls, socket, `its certificate (${certificate.subject.replace(/\n/g, ',')}) does not verify: ${socket.authorizationError}`);
      return;
    }
    let principal = ANONYMOUS;
    if (certificate && ls.principalMapper) {
      const subject = rfc2253(certificate.subject);
      const name = ls.principalMapper.map(subject);
      if (name === null) {
        this.refuseTls(ls, socket, `no rule of ssl.principal.mapping.rules (${ls.principalMapper.text}) applies to ${subject}`);
        return;
      }
      principal = user(name);
    }
    if (ls.principalMapper) this.security.succeeded(this.event(ls, socket, { principal }));
    this.accept(socket, ls, principal, true);
  }

  private refuseTls(ls: ListenerSecurity, socket: TLSSocket, reason: string): void {
    this.tlsFailed(ls, socket, reason);
    // Held for the failed-authentication delay, as Kafka delays the close.
    socket.on('error', () => {});
    socket.pause();
    setTimeout(() => socket.destroy(), this.security.failureDelayMs).unref();
  }

  private tlsFailed(ls: ListenerSecurity, socket: TLSSocket, reason: string): void {
    this.security.failed(this.event(ls, socket, { reason: `TLS: ${reason}` }));
  }

  private event(ls: ListenerSecurity, socket: TLSSocket, more: Partial<AuthenticationEvent>): AuthenticationEvent {
    return { listener: ls.listener.name, mechanism: 'SSL', address: `${socket.remoteAddress}:${socket.remotePort}`, reauthentication: false, ...more };
  }

  /** Stops accepting; waits up to timeoutMs for requests in flight, then closes every connection. */
  async close(timeoutMs = SHUTDOWN_DRAIN_MS): Promise<void> {
    // A server's close callback waits for its connections to end: close those first.
    const closed = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    const deadline = Date.now() + timeoutMs;
    while ([...this.connections].some((c) => c.inflightRequests > 0) && Date.now() < deadline) {
      await sleep(DRAIN_POLL_MS);
    }
    for (const connection of this.connections) connection.close('broker shutting down', false);
    for (const socket of this.tlsSockets) socket.destroy();
    await Promise.all(closed);
  }
}

/** A socket's remote address and port: the same for a TLS socket and the socket under it. */
function remoteKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
