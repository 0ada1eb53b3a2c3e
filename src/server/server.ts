// The Kafka listeners: a TCP server per configured listener, connections tracked so the
// broker can stop cleanly (stop accepting, let requests in flight finish, close).
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Listener } from '../config/config.js';
import type { Handler } from '../api/handler.js';
import type { BrokerContext } from '../broker/context.js';
import { Connection, type ConnectionLimits, type PauseReason } from './connection.js';

/** How long a stopping broker lets the requests in flight finish before it closes their connections. */
const SHUTDOWN_DRAIN_MS = 5000;
/** How often a stopping broker looks whether they have. */
const DRAIN_POLL_MS = 10;

export class KafkaServer {
  private servers: Server[] = [];
  readonly connections = new Set<Connection>();
  /** Addresses actually bound (port 0 becomes the ephemeral port). */
  bound: Listener[] = [];

  constructor(
    private readonly handlers: ReadonlyMap<number, Handler>,
    private readonly broker: () => BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly maxConnections: number,
    /** socket.listen.backlog.size: connections the kernel queues before they are accepted. */
    private readonly listenBacklog = 511,
  ) {}

  async listen(listeners: Listener[]): Promise<Listener[]> {
    for (const listener of listeners) {
      const server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.accept(socket));
      server.maxConnections = this.maxConnections;
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
    const counts: Record<PauseReason, number> = { requests: 0, request_bytes: 0, unsent: 0, memory: 0 };
    for (const c of this.connections) if (c.pausedBy) counts[c.pausedBy]++;
    return counts;
  }

  private accept(socket: Socket): void {
    const connection = new Connection(socket, this.handlers, this.broker(), this.limits, (c) => this.connections.delete(c));
    this.connections.add(connection);
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
    await Promise.all(closed);
  }
}
