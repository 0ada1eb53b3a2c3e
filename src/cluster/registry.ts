// A broker's membership: its registration under brokers/<id>, held by an etcd lease it keeps
// alive (broker.heartbeat.interval.ms) and that expires broker.session.timeout.ms after the
// broker stops (a crash, a partition from etcd): then the key is gone and the cluster counts
// the broker dead, as Kafka's controller does when a broker misses its heartbeats.
//
// A second broker with the same id is refused (DUPLICATE_BROKER_REGISTRATION). A broker that
// restarts right after a crash finds its previous run's registration still there; it waits
// for that lease to end (at most one session timeout; usually the other brokers' peer watch,
// peer-watch.ts, has revoked it already, having found the port refusing while the broker was
// down) instead of failing.
import type { Lease, Namespace } from 'etcd3';
import { ConfigError } from '../config/config.js';
import { KEYS, type BrokerRegistration } from './model.js';

/** Another live broker has this node.id: the start fails with this message. */
export class DuplicateBrokerError extends ConfigError {
  override name = 'DuplicateBrokerError';
}

export class BrokerRegistry {
  private lost = false;

  private constructor(readonly lease: Lease, readonly registration: BrokerRegistration) {}

  /**
   * Registers `registration` under a lease of sessionTimeoutMs; `onLost` is called once if
   * the lease is lost (etcd unreachable past the timeout, or the key deleted).
   */
  static async register(ns: Namespace, registration: BrokerRegistration, sessionTimeoutMs: number, onLost: (reason: string) => void): Promise<BrokerRegistry> {
    const ttlSeconds = Math.max(1, Math.ceil(sessionTimeoutMs / 1000));
    const deadline = Date.now() + sessionTimeoutMs + 5000;
    const key = KEYS.broker(registration.id);
    for (;;) {
      const lease = ns.lease(ttlSeconds, { autoKeepAlive: true });
      const result = await ns.if(key, 'Version', '==', 0).then(lease.put(key).value(JSON.stringify(registration))).commit();
      if (result.succeeded) {
        const registry = new BrokerRegistry(lease, registration);
        lease.on('lost', (e) => registry.loseOnce(onLost, `its etcd lease was lost: ${(e as Error).message}`));
        return registry;
      }
      await lease.revoke().catch(() => {});
      const holder = await ns.get(key).json() as BrokerRegistration | null;
      if (holder && Date.now() > deadline) {
        throw new DuplicateBrokerError(`broker ${registration.id} is already registered (incarnation ${holder.incarnation}): another broker has node.id ${registration.id}`);
      }
      // A previous run of this broker (or another with its id): wait for its lease to expire.
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private loseOnce(onLost: (reason: string) => void, reason: string): void {
    if (this.lost) return;
    this.lost = true;
    onLost(reason);
  }

  /** Leaves the cluster: the registration goes now, not at the lease's expiry. */
  async deregister(): Promise<void> {
    this.lost = true;
    await this.lease.revoke().catch(() => {});
  }
}
