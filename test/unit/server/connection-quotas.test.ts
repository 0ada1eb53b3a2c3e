// src/server/connection-quotas.ts: the decisions on new connections, with a clock of our own.
import { describe, expect, it } from 'vitest';
import { ConnectionQuotas, parsePerIpOverrides } from '../../../src/server/connection-quotas.js';

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const UNLIMITED = 2147483647;

function quotas(over: Partial<ConstructorParameters<typeof ConnectionQuotas>[0]> = {}): ConnectionQuotas {
  return new ConnectionQuotas({
    maxConnections: UNLIMITED, listenerMaxConnections: new Map(), maxConnectionsPerIp: UNLIMITED, perIpOverrides: new Map(),
    maxCreationRate: UNLIMITED, listenerCreationRate: new Map(), window: { samples: 2, windowMs: 1000 }, ipCreationRate: () => null, ...over,
  }, silent);
}

describe('ConnectionQuotas', () => {
  it('counts per broker, listener and address, and frees a place on release', () => {
    const q = quotas({ maxConnections: 3, listenerMaxConnections: new Map([['EXTERNAL', 1]]), maxConnectionsPerIp: 2 });
    expect(q.admit('10.0.0.1', 'PLAINTEXT', 0).kind).toBe('accept');
    expect(q.admit('10.0.0.1', 'PLAINTEXT', 0).kind).toBe('accept');
    expect(q.admit('10.0.0.1', 'PLAINTEXT', 0)).toMatchObject({ kind: 'refuse', reason: '10.0.0.1 already has the configured maximum of 2 connections (max.connections.per.ip)' });
    expect(q.admit('10.0.0.2', 'EXTERNAL', 0).kind).toBe('accept');
    expect(q.admit('10.0.0.3', 'EXTERNAL', 0).kind).toBe('refuse');
    expect(q.admit('10.0.0.3', 'PLAINTEXT', 0)).toMatchObject({ kind: 'refuse', reason: 'the broker has its maximum of 3 connections (max.connections)' });
    q.release('10.0.0.1', 'PLAINTEXT');
    expect(q.connections).toBe(2);
    expect(q.admit('10.0.0.3', 'PLAINTEXT', 0).kind).toBe('accept');
  });

  it('over the creation rate, new connections wait; a rate of 0 admits none', () => {
    const q = quotas({ maxCreationRate: 2 });
    const delays = Array.from({ length: 6 }, () => q.admit('10.0.0.1', 'PLAINTEXT', 0)).map((a) => (a.kind === 'accept' ? a.delayMs : -1));
    expect(delays.slice(0, 2)).toEqual([0, 0]);
    expect(delays[5]).toBeGreaterThan(0);
    expect(quotas({ maxCreationRate: 0 }).admit('10.0.0.1', 'PLAINTEXT', 0).kind).toBe('refuse');
  });

  it("an address over its connection_creation_rate quota is throttled, then closed; another is not", () => {
    const q = quotas({ ipCreationRate: (ip) => (ip === '10.0.0.1' ? 1 : null) });
    const kinds = Array.from({ length: 4 }, () => q.admit('10.0.0.1', 'PLAINTEXT', 0).kind);
    expect(kinds).toContain('throttle');
    expect(q.admit('10.0.0.2', 'PLAINTEXT', 0).kind).toBe('accept');
  });

  it('parses max.connections.per.ip.overrides', () => {
    expect(parsePerIpOverrides('127.0.0.1:200, build-host:50,[::1]:3')).toEqual([{ host: '127.0.0.1', count: 200 }, { host: 'build-host', count: 50 }, { host: '::1', count: 3 }]);
    expect(() => parsePerIpOverrides('127.0.0.1')).toThrow(/host:count/);
  });
});
