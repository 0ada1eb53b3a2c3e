// Connection limits, as Kafka's ConnectionQuotas applies them when a connection is accepted:
//   - max.connections (all listeners) and listener.name.<l>.max.connections: one more is
//     closed at once (Kafka's acceptor waits for a slot instead; a refusal tells the client
//     at once rather than leaving it connected and unanswered);
//   - max.connection.creation.rate (all listeners) and listener.name.<l>.max.connection.creation.rate:
//     new connections past the rate wait the throttle time before they are read (Kafka's
//     acceptor waits that long before accepting);
//   - an IP address's connection_creation_rate client quota (KIP-612; its own, else the default
//     IP entity's): a connection past it is held for the throttle time, then closed;
//   - max.connections.per.ip and max.connections.per.ip.overrides: one more is closed at once.
// Rates are measured as client quotas are (rate.ts: quota.window.num samples of
// quota.window.size.seconds). Each refusal is logged, once a minute per address and reason.
import { SampledRate } from '../quota/rate.js';
import type { QuotaWindow } from '../quota/client-quotas.js';
import type { Logger } from '../base/logger.js';
import { ConfigError } from '../config/config.js';

interface ConnectionLimitsConfig {
  maxConnections: number;
  /** Listener name -> its own max.connections. */
  listenerMaxConnections: ReadonlyMap<string, number>;
  maxConnectionsPerIp: number;
  /** IP address -> its own limit. */
  perIpOverrides: ReadonlyMap<string, number>;
  /** New connections per second, all listeners. */
  maxCreationRate: number;
  /** Listener name -> its own creation rate. */
  listenerCreationRate: ReadonlyMap<string, number>;
  window: QuotaWindow;
  /** An IP address's connection_creation_rate quota, or null. */
  ipCreationRate: (ip: string) => number | null;
}

type Admission =
  /** Accept it after `delayMs` (0: now). */
  | { kind: 'accept'; delayMs: number }
  /** Close it at once. */
  | { kind: 'refuse'; reason: string }
  /** Hold it unread, then close it. */
  | { kind: 'throttle'; reason: string; closeAfterMs: number };

/** Kafka's unlimited. */
const UNLIMITED = 2147483647;
const LOG_INTERVAL_MS = 60_000;
const LOG_MAX_KEYS = 10_000;

export class ConnectionQuotas {
  private total = 0;
  private readonly perListener = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly brokerRate: SampledRate | null;
  private readonly listenerRates = new Map<string, SampledRate>();
  private readonly ipRates = new Map<string, SampledRate>();
  private readonly logged = new Map<string, number>();

  constructor(private readonly config: ConnectionLimitsConfig, private readonly logger: Logger) {
    this.brokerRate = config.maxCreationRate < UNLIMITED ? this.newRate() : null;
  }

  /** Decides on a new connection; an admitted one (accepted or throttled) is counted until release(). */
  admit(ip: string, listener: string, nowMs: number): Admission {
    const c = this.config;
    if (this.total >= c.maxConnections) return this.refused(ip, 'max.connections', `the broker has its maximum of ${c.maxConnections} connections (max.connections)`);
    const listenerMax = c.listenerMaxConnections.get(listener);
    if (listenerMax !== undefined && (this.perListener.get(listener) ?? 0) >= listenerMax) {
      return this.refused(ip, 'listener', `listener ${listener} has its maximum of ${listenerMax} connections (listener.name.${listener.toLowerCase()}.max.connections)`);
    }
    const ipMax = c.perIpOverrides.get(ip) ?? c.maxConnectionsPerIp;
    if ((this.perIp.get(ip) ?? 0) >= ipMax) return this.refused(ip, 'per-ip', `${ip} already has the configured maximum of ${ipMax} connections (max.connections.per.ip)`);
    // A rate of 0 admits nothing (a wait would never end).
    if (c.maxCreationRate === 0) return this.refused(ip, 'rate', 'max.connection.creation.rate is 0');
    const listenerRate = c.listenerCreationRate.get(listener);
    if (listenerRate === 0) return this.refused(ip, 'rate', `listener.name.${listener.toLowerCase()}.max.connection.creation.rate is 0`);
    let delayMs = 0;
    if (this.brokerRate) {
      this.brokerRate.record(1, nowMs);
      delayMs = this.brokerRate.throttleMs(c.maxCreationRate, nowMs);
    }
    if (listenerRate !== undefined && listenerRate < UNLIMITED) {
      let rate = this.listenerRates.get(listener);
      if (!rate) this.listenerRates.set(listener, (rate = this.newRate()));
      rate.record(1, nowMs);
      delayMs = Math.max(delayMs, rate.throttleMs(listenerRate, nowMs));
    }
    this.count(ip, listener, 1);
    const ipRate = c.ipCreationRate(ip);
    if (ipRate !== null) {
      let rate = this.ipRates.get(ip);
      if (!rate) {
        if (this.ipRates.size >= LOG_MAX_KEYS) this.sweep(nowMs);
        this.ipRates.set(ip, (rate = this.newRate()));
      }
      rate.record(1, nowMs);
      const throttleMs = rate.throttleMs(ipRate, nowMs);
      if (throttleMs > 0) {
        const reason = `${ip} is over its connection_creation_rate quota of ${ipRate}/s`;
        this.log(ip, 'ip-rate', `connection from ${ip} closed in ${throttleMs} ms: ${reason}`);
        return { kind: 'throttle', reason, closeAfterMs: throttleMs };
      }
    }
    if (delayMs > 0) this.log(ip, 'rate', `connection from ${ip} on listener ${listener} waits ${delayMs} ms: over the connection creation rate`);
    return { kind: 'accept', delayMs };
  }

  /** An admitted connection closed. */
  release(ip: string, listener: string): void {
    this.count(ip, listener, -1);
  }

  get connections(): number {
    return this.total;
  }

  private count(ip: string, listener: string, delta: number): void {
    this.total += delta;
    const l = (this.perListener.get(listener) ?? 0) + delta;
    if (l > 0) this.perListener.set(listener, l);
    else this.perListener.delete(listener);
    const i = (this.perIp.get(ip) ?? 0) + delta;
    if (i > 0) this.perIp.set(ip, i);
    else this.perIp.delete(ip);
  }

  private refused(ip: string, kind: string, reason: string): Admission {
    this.log(ip, kind, `connection from ${ip} refused: ${reason}`);
    return { kind: 'refuse', reason };
  }

  private newRate(): SampledRate {
    return new SampledRate(this.config.window.samples, this.config.window.windowMs);
  }

  private sweep(nowMs: number): void {
    for (const [ip, rate] of this.ipRates) if (rate.idle(nowMs)) this.ipRates.delete(ip);
  }

  private log(ip: string, kind: string, message: string): void {
    const key = `${kind} ${ip}`;
    const now = Date.now();
    if ((this.logged.get(key) ?? -Infinity) > now - LOG_INTERVAL_MS) return;
    if (this.logged.size >= LOG_MAX_KEYS) this.logged.clear();
    this.logged.set(key, now);
    this.logger.info(message);
  }
}

/**
 * max.connections.per.ip.overrides: host:count or ip:count pairs, comma-separated (an IPv6
 * address before its last colon). Returns the pairs; host names are resolved by the caller.
 */
export function parsePerIpOverrides(text: string): { host: string; count: number }[] {
  const out: { host: string; count: number }[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = item.lastIndexOf(':');
    const count = Number(item.slice(at + 1));
    const host = item.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    if (at <= 0 || !Number.isSafeInteger(count) || count < 0 || host === '') {
      throw new ConfigError(`Invalid value ${JSON.stringify(text)} for configuration max.connections.per.ip.overrides: expected host:count pairs, comma-separated (at ${JSON.stringify(item)})`);
    }
    out.push({ host, count });
  }
  return out;
}
