// src/quota/client-quotas.ts: which entity's quota applies to a user and client id (KIP-55's
// eight levels), shared rates for clients of one entity, throttling, and the fetch cap.
import { describe, expect, it } from 'vitest';
import { ClientQuotas } from '../../../src/quota/client-quotas.js';
import { entityKey } from '../../../src/quota/entities.js';
import { applyChange, type QuotaChange, type QuotaStore, type QuotaValues } from '../../../src/quota/quota-store.js';

class MemoryStore implements QuotaStore {
  private readonly values = new Map<string, QuotaValues>();
  private readonly listeners: (() => void)[] = [];
  entries() { return this.values; }
  async alter(changes: QuotaChange[]) {
    for (const c of changes) {
      const next = applyChange(this.values.get(c.entityKey), c);
      if (next) this.values.set(c.entityKey, next);
      else this.values.delete(c.entityKey);
    }
    for (const l of this.listeners) l();
  }
  onChange(l: () => void) { this.listeners.push(l); }
}

async function quotas(entries: [Record<string, string | null>, QuotaValues][]): Promise<ClientQuotas> {
  const store = new MemoryStore();
  await store.alter(entries.map(([entity, set]) => ({ entityKey: entityKey(entity), set, remove: [] })));
  return new ClientQuotas(store, { samples: 11, windowMs: 1000 });
}

/** The bound that applies: what a client may take in one window, over (samples - 1) windows. */
const bound = (q: ClientQuotas, user: string, client: string) => q.maxValueInWindow('produce', user, client) / 10;

describe('ClientQuotas precedence (KIP-55)', () => {
  it('takes the most specific entity that has a quota of the kind', async () => {
    const q = await quotas([
      [{ user: 'alice', 'client-id': 'app' }, { producer_byte_rate: 1 }],
      [{ user: 'alice', 'client-id': null }, { producer_byte_rate: 2 }],
      [{ user: 'alice' }, { producer_byte_rate: 3 }],
      [{ user: null, 'client-id': 'app' }, { producer_byte_rate: 4 }],
      [{ user: null, 'client-id': null }, { producer_byte_rate: 5 }],
      [{ user: null }, { producer_byte_rate: 6 }],
      [{ 'client-id': 'app' }, { producer_byte_rate: 7 }],
      [{ 'client-id': null }, { producer_byte_rate: 8 }],
    ]);
    expect(bound(q, 'alice', 'app')).toBe(1);
    expect(bound(q, 'alice', 'other')).toBe(2);
    expect(bound(q, 'bob', 'app')).toBe(4);
    expect(bound(q, 'bob', 'other')).toBe(5);
  });

  it('falls through levels that have no quota of the kind', async () => {
    const q = await quotas([
      [{ user: 'alice' }, { consumer_byte_rate: 100 }],
      [{ 'client-id': 'app' }, { producer_byte_rate: 7 }],
      [{ 'client-id': null }, { producer_byte_rate: 8 }],
    ]);
    expect(bound(q, 'alice', 'app')).toBe(7);
    expect(bound(q, 'alice', 'x')).toBe(8);
    expect(q.maxValueInWindow('fetch', 'alice', 'app')).toBe(1000);
    expect(q.maxValueInWindow('fetch', 'bob', 'app')).toBe(Infinity);
    expect(q.enabled('request')).toBe(false);
  });
});

describe('ClientQuotas throttling', () => {
  it('clients of a user-level quota share one rate; a client-level quota is per client id', async () => {
    const q = await quotas([[{ user: 'alice' }, { producer_byte_rate: 1000 }], [{ 'client-id': null }, { producer_byte_rate: 1000 }]]);
    expect(q.recordAndThrottle('produce', 'alice', 'a', 10_000, 0)).toBe(0);
    // alice's second client shares the first one's 10 s of quota.
    expect(q.recordAndThrottle('produce', 'alice', 'b', 10_000, 0)).toBe(10_000);
    expect(q.recordAndThrottle('produce', 'bob', 'a', 10_000, 0)).toBe(0);
    expect(q.recordAndThrottle('produce', 'carol', 'b', 10_000, 0)).toBe(0);
  });

  it('request time is throttled for one window at most', async () => {
    const q = await quotas([[{ user: null }, { request_percentage: 10 }]]);
    expect(q.recordAndThrottle('request', 'alice', 'a', 10_000, 0)).toBe(1000);
  });

  it('new quotas apply at once, and a removed one stops applying', async () => {
    const store = new MemoryStore();
    const q = new ClientQuotas(store, { samples: 11, windowMs: 1000 });
    expect(q.enabled('produce')).toBe(false);
    await store.alter([{ entityKey: entityKey({ 'client-id': 'app' }), set: { producer_byte_rate: 10 }, remove: [] }]);
    expect(q.enabled('produce')).toBe(true);
    expect(q.recordAndThrottle('produce', 'u', 'app', 1000, 0)).toBeGreaterThan(0);
    await store.alter([{ entityKey: entityKey({ 'client-id': 'app' }), set: {}, remove: ['producer_byte_rate'] }]);
    expect(q.enabled('produce')).toBe(false);
    expect(store.entries().size).toBe(0);
  });

  it('IP connection rates: the address\'s own, else the default IP entity\'s', async () => {
    const q = await quotas([[{ ip: '10.0.0.1' }, { connection_creation_rate: 5 }], [{ ip: null }, { connection_creation_rate: 50 }]]);
    expect(q.connectionRate('10.0.0.1')).toBe(5);
    expect(q.connectionRate('10.0.0.2')).toBe(50);
  });
});
