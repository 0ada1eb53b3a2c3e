// The peer watch: a broker of the cluster that was killed (kill -9, a crash, the OOM killer)
// is counted dead at once, not when its registration's lease expires (broker.session.timeout.ms,
// 1-3 s after the kill and more with a longer timeout).
//
// Every broker keeps one idle plain TCP connection to every other registered broker's
// inter-broker listener (nothing is sent: no Kafka request, no TLS handshake). A killed
// process's sockets are closed by its kernel, so the connection ends; the watch connects again
// at once, and a listening port with no process behind it refuses the connection (the kernel
// answers RST). Refused twice, CONFIRM_DELAY_MS apart, the peer is dead: its registration is
// read from etcd and, while it is still the incarnation watched, its lease is revoked, which
// deletes it (and the controller key, if it was the controller) exactly as the lease's expiry
// would, and the controller's usual path elects new leaders.
//
// A stalled broker (a GC pause, SIGSTOP, a starved machine) keeps its listener, and its kernel
// keeps its connections and accepts new ones into the backlog: it is not taken for dead. A
// connect that fails otherwise (a timeout, an unreachable host, a network partition) decides
// nothing: the lease does. Only a peer this watch reached once in its current incarnation is
// declared dead by a refusal, so an endpoint that never answered (a firewall rejecting
// connections, an advertised address that leads nowhere) cannot take a live broker's
// registration away more than once.
import { connect, type Socket } from 'node:net';
import type { Namespace } from 'etcd3';
import type { Logger } from '../base/logger.js';
import type { MetadataImage } from './image.js';
import { KEYS, type BrokerRegistration } from './model.js';

/** A refused connect is tried once more after this long before the peer counts as dead. */
const CONFIRM_DELAY_MS = 100;
/** A connect neither accepted nor refused within this long is given up (and tried again after RETRY_BACKOFF_MS). */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * The pause before connecting again after a connect that failed otherwise than refused, a
 * declaration of death that did not remove the registration, or a connection that ended
 * sooner than this after it opened (a listener that closes connections at once: no tight loop).
 */
const RETRY_BACKOFF_MS = 1000;

interface Endpoint {
  host: string;
  port: number;
}

/** One watched peer: its registration's incarnation and endpoint, one socket, at most one timer. */
class Peer {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** A connection to this incarnation succeeded: only then does a refusal mean it died. */
  private reached = false;
  private refusals = 0;
  private stopped = false;
  /** A failed declaration of death was logged (once per peer, not at every retry). */
  failureLogged = false;

  constructor(
    readonly id: number,
    readonly incarnation: string,
    readonly endpoint: Endpoint,
    /** Called once a refusal is confirmed; the watch goes on when it settles (unless stopped). */
    private readonly onRefused: (peer: Peer) => Promise<void>,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delayMs);
    this.timer.unref();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = connect({ host: this.endpoint.host, port: this.endpoint.port });
    this.socket = socket;
    socket.unref();
    let openedAtMs = -1;
    let failure: NodeJS.ErrnoException | null = null;
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      openedAtMs = performance.now();
      socket.setTimeout(0); // idle from here on, for as long as both ends live
      this.reached = true;
      this.refusals = 0;
    });
    socket.on('timeout', () => socket.destroy());
    socket.on('data', () => {}); // nothing is asked, so nothing is expected: dropped
    socket.on('error', (e: NodeJS.ErrnoException) => { failure = e; });
    socket.on('close', () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (openedAtMs >= 0) {
        // The connection ended (the peer died, or closed it: connections.max.idle.ms, a TLS
        // listener's handshake timeout): connect again now, quietly.
        this.schedule(Math.max(0, RETRY_BACKOFF_MS - (performance.now() - openedAtMs)));
        return;
      }
      if (failure?.code !== 'ECONNREFUSED' || !this.reached) {
        this.refusals = 0;
        this.schedule(RETRY_BACKOFF_MS);
        return;
      }
      if (++this.refusals < 2) {
        this.schedule(CONFIRM_DELAY_MS);
        return;
      }
      this.refusals = 0;
      void this.onRefused(this).finally(() => this.schedule(RETRY_BACKOFF_MS));
    });
  }
}

export class PeerWatch {
  private readonly peers = new Map<number, Peer>();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly ns: Namespace,
    private readonly image: MetadataImage,
    private readonly me: number,
    /** A registered broker's endpoint on the inter-broker listener (null: none), the one watched. */
    private readonly endpointOf: (brokerId: number) => Endpoint | null,
    private readonly logger: Logger,
  ) {}

  /** Watches every other broker of the image, and follows the image's registrations from now on. */
  start(): void {
    this.unsubscribe = this.image.onChange((change) => {
      if (change.kind === 'broker') this.update();
    });
    this.update();
  }

  /** Closes every connection and cancels every retry. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const peer of this.peers.values()) peer.stop();
    this.peers.clear();
  }

  /** One peer per other registered broker with an inter-broker endpoint; a changed registration is watched anew. */
  private update(): void {
    if (this.stopped) return;
    for (const [id, peer] of this.peers) {
      const registration = this.image.brokers.get(id);
      const endpoint = registration && this.endpointOf(id);
      if (!registration || !endpoint || registration.incarnation !== peer.incarnation || endpoint.host !== peer.endpoint.host || endpoint.port !== peer.endpoint.port) {
        peer.stop();
        this.peers.delete(id);
      }
    }
    for (const [id, registration] of this.image.brokers) {
      if (id === this.me || this.peers.has(id)) continue;
      const endpoint = this.endpointOf(id);
      if (!endpoint) continue;
      const peer = new Peer(id, registration.incarnation, endpoint, (p) => this.declareDead(p));
      this.peers.set(id, peer);
      peer.start();
    }
  }

  /**
   * Revokes the lease of the peer's registration if it is still the incarnation watched (a
   * broker restarted meanwhile is another process, and is left alone). Another broker
   * revoking it first, or its expiry, is no error.
   */
  private async declareDead(peer: Peer): Promise<void> {
    try {
      const kv = (await this.ns.get(KEYS.broker(peer.id)).exec()).kvs[0];
      if (!kv || this.stopped) return;
      const registration = JSON.parse(kv.value.toString()) as BrokerRegistration;
      if (registration.incarnation !== peer.incarnation || kv.lease === '0') return;
      await this.ns.leaseClient.leaseRevoke({ ID: kv.lease });
      const { host, port } = peer.endpoint;
      this.logger.info(`broker ${peer.id} (incarnation ${peer.incarnation}) is dead: its inter-broker listener ${host}:${port} refused two connections ${CONFIRM_DELAY_MS} ms apart (no process listens there), so its registration's lease is revoked now instead of at its expiry (broker.failure.probe.enable)`);
    } catch (e) {
      const message = (e as Error).message;
      if (/requested lease not found/.test(message)) return; // revoked by another broker, or expired
      if (peer.failureLogged) return;
      peer.failureLogged = true;
      this.logger.warn(`broker ${peer.id} refuses connections, but revoking its registration's lease failed (its lease decides instead; tried again): ${message}`);
    }
  }
}
