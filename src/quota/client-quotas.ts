// Client quotas (KIP-13, KIP-55, KIP-124, KIP-546), as Kafka's ClientQuotaManager and its
// default quota callback apply them. Three kinds: produce (request bytes, producer_byte_rate),
// fetch (response bytes, consumer_byte_rate) and request time (request_percentage: percent of
// one thread's time). For a request from user U with client id C, a kind's quota is the first
// entity of the following that has one of that kind, and clients that share the entity share
// the quota (one rate per entity):
//   1. user=U, client-id=C      2. user=U, client-id=<default>    3. user=U
//   4. user=<default>, client-id=C    5. user=<default>, client-id=<default>    6. user=<default>
//   7. client-id=C              8. client-id=<default>
// Without any quota of a kind nothing is measured for it. Usage is recorded as it happens;
// a client over its bound is throttled for the time that brings its rate back to the bound
// (rate.ts), the request-time quota for at most one window (Kafka's ClientRequestQuotaManager).
// IP entities carry connection_creation_rate (KIP-612), applied where connections are accepted.
import {
  CLIENT_ID, CONNECTION_CREATION_RATE, CONSUMER_BYTE_RATE, IP, PRODUCER_BYTE_RATE, REQUEST_PERCENTAGE, USER, entityKey,
} from './entities.js';
import type { QuotaStore } from './quota-store.js';
import { SampledRate } from './rate.js';

type QuotaKind = 'produce' | 'fetch' | 'request';

const KEY_OF: Record<QuotaKind, string> = { produce: PRODUCER_BYTE_RATE, fetch: CONSUMER_BYTE_RATE, request: REQUEST_PERCENTAGE };

export interface QuotaWindow {
  /** quota.window.num */
  samples: number;
  /** quota.window.size.seconds, in ms */
  windowMs: number;
}

/** Whose usage a rate measures (Kafka's quota metric tags: "" where the entity has no such part). */
interface Resolved {
  sensorKey: string;
  /** The quota, or null: none applies. */
  bound: number | null;
}

/** Idle rates are dropped this often (an idle rate measures 0, as a new one does). */
const SWEEP_INTERVAL_MS = 60_000;

export class ClientQuotas {
  /** Per kind: entity key -> bound, for entities that have a quota of that kind. */
  private bounds: Record<QuotaKind, Map<string, number>> = { produce: new Map(), fetch: new Map(), request: new Map() };
  /** IP -> connection_creation_rate (null key: the default IP entity). */
  private ipRates = new Map<string | null, number>();
  private readonly rates = new Map<string, SampledRate>();
  /** (kind, user, client id) -> resolution, until the quotas change. */
  private readonly resolved = new Map<string, Resolved>();
  private nextSweepMs = 0;
  private readonly enabledKinds = new Set<QuotaKind>();
  private readonly changeListeners: (() => void)[] = [];

  constructor(readonly store: QuotaStore, readonly window: QuotaWindow) {
    this.reload();
    store.onChange(() => this.reload());
  }

  /** Whether any quota of the kind is set (else nothing is measured). */
  enabled(kind: QuotaKind): boolean {
    return this.enabledKinds.has(kind);
  }

  /** Records usage and returns how long the client is to be throttled for it (0: not). */
  recordAndThrottle(kind: QuotaKind, user: string, clientId: string, value: number, nowMs: number): number {
    const { sensorKey, bound } = this.resolve(kind, user, clientId);
    if (bound === null) return 0;
    const rate = this.rate(sensorKey, nowMs);
    rate.record(value, nowMs);
    const throttleMs = rate.throttleMs(bound, nowMs);
    return kind === 'request' ? Math.min(throttleMs, this.window.windowMs) : throttleMs;
  }

  /** Records usage without throttling for it (what a response took after it was throttled). */
  record(kind: QuotaKind, user: string, clientId: string, value: number, nowMs: number): void {
    const { sensorKey, bound } = this.resolve(kind, user, clientId);
    if (bound !== null) this.rate(sensorKey, nowMs).record(value, nowMs);
  }

  /** The most the client may take in one quota window (Kafka caps a fetch's size with it); Infinity without a quota. */
  maxValueInWindow(kind: QuotaKind, user: string, clientId: string): number {
    const { bound } = this.resolve(kind, user, clientId);
    return bound === null ? Infinity : bound * (this.window.samples - 1) * (this.window.windowMs / 1000);
  }

  /** The connection_creation_rate of an IP address (its own entity, else the default IP entity), or null. */
  connectionRate(ip: string): number | null {
    return this.ipRates.get(ip) ?? this.ipRates.get(null) ?? null;
  }

  /** Called after the quotas changed (connection limits re-read their IP rates). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private rate(sensorKey: string, nowMs: number): SampledRate {
    if (nowMs >= this.nextSweepMs) {
      this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
      for (const [key, rate] of this.rates) if (rate.idle(nowMs)) this.rates.delete(key);
    }
    let rate = this.rates.get(sensorKey);
    if (!rate) this.rates.set(sensorKey, (rate = new SampledRate(this.window.samples, this.window.windowMs)));
    return rate;
  }

  /** Kafka's DefaultQuotaCallback: the entity whose quota applies (its metric tags) and the quota. */
  private resolve(kind: QuotaKind, user: string, clientId: string): Resolved {
    const cacheKey = `${kind}\u0000${user}\u0000${clientId}`;
    const cached = this.resolved.get(cacheKey);
    if (cached) return cached;
    const bounds = this.bounds[kind];
    const bound = (entity: Record<string, string | null>) => bounds.get(entityKey(entity));
    const levels: [Record<string, string | null>, string, string][] = [
      [{ [USER]: user, [CLIENT_ID]: clientId }, user, clientId],
      [{ [USER]: user, [CLIENT_ID]: null }, user, clientId],
      [{ [USER]: user }, user, ''],
      [{ [USER]: null, [CLIENT_ID]: clientId }, user, clientId],
      [{ [USER]: null, [CLIENT_ID]: null }, user, clientId],
      [{ [USER]: null }, user, ''],
      [{ [CLIENT_ID]: clientId }, '', clientId],
      [{ [CLIENT_ID]: null }, '', clientId],
    ];
    let resolved: Resolved = { sensorKey: '', bound: null };
    for (const [entity, taggedUser, taggedClient] of levels) {
      const b = bound(entity);
      if (b !== undefined) {
        resolved = { sensorKey: `${kind}\u0000${taggedUser}\u0000${taggedClient}`, bound: b };
        break;
      }
    }
    // Bounded: cleared at every change of the quotas and when it grows past the rates kept.
    if (this.resolved.size > 2 * this.rates.size + 1024) this.resolved.clear();
    this.resolved.set(cacheKey, resolved);
    return resolved;
  }

  private reload(): void {
    const bounds: Record<QuotaKind, Map<string, number>> = { produce: new Map(), fetch: new Map(), request: new Map() };
    const ipRates = new Map<string | null, number>();
    for (const [key, values] of this.store.entries()) {
      const entity = Object.fromEntries(JSON.parse(key) as [string, string | null][]);
      if (IP in entity) {
        if (values[CONNECTION_CREATION_RATE] !== undefined) ipRates.set(entity[IP], values[CONNECTION_CREATION_RATE]);
        continue;
      }
      for (const kind of Object.keys(KEY_OF) as QuotaKind[]) {
        const value = values[KEY_OF[kind]];
        if (value !== undefined) bounds[kind].set(key, value);
      }
    }
    this.bounds = bounds;
    this.ipRates = ipRates;
    this.resolved.clear();
    this.enabledKinds.clear();
    for (const kind of Object.keys(KEY_OF) as QuotaKind[]) if (bounds[kind].size > 0) this.enabledKinds.add(kind);
    for (const listener of this.changeListeners) listener();
  }
}
