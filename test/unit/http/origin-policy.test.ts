import { describe, expect, it } from 'vitest';
import { OriginPolicy, isLoopbackAddress, type BrowserHeaders } from '../../../src/http/origin-policy.js';

const headers = (h: Partial<BrowserHeaders>): BrowserHeaders => ({ origin: '', host: '127.0.0.1:8082', fetchSite: '', fetchMode: '', ...h });
const status = (policy: OriginPolicy, scope: ReturnType<OriginPolicy['scope']>, h: Partial<BrowserHeaders>) => policy.refusal(scope, headers(h))?.status ?? 200;

describe('the origin policy', () => {
  const policy = new OriginPolicy(['http://app.example:3000']);
  const loopback = policy.scope('localhost', '127.0.0.1');
  const wide = policy.scope('', '');

  it('tells loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopbackAddress(a), a).toBe(false);
    expect(loopback.loopback).toBe(true);
    expect(wide).toEqual({ loopback: false, hostNames: null });
    expect(policy.scope('0.0.0.0', '0.0.0.0').hostNames).toBeNull();
  });

  it('serves no Origin (curl, scripts), its own origin and allowed ones; refuses others', () => {
    expect(status(policy, loopback, {})).toBe(200);
    expect(status(policy, loopback, { origin: 'http://127.0.0.1:8082' })).toBe(200);
    expect(status(policy, loopback, { origin: 'http://localhost:8082', host: 'localhost:8082' })).toBe(200);
    expect(status(policy, loopback, { origin: 'http://app.example:3000' })).toBe(200);
    expect(status(policy, loopback, { origin: 'http://APP.example:3000' })).toBe(200);
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'http://app.example:3001', 'https://app.example:3000', 'null', 'garbage']) {
      expect(status(policy, loopback, { origin }), origin).toBe(403);
    }
    // Another port on the same host is another origin.
    expect(status(policy, loopback, { origin: 'http://localhost:8083', host: 'localhost:8082' })).toBe(403);
  });

  it('refuses requests another site embeds without an Origin, but for navigations', () => {
    expect(status(policy, loopback, { fetchSite: 'cross-site', fetchMode: 'no-cors' })).toBe(403);
    expect(status(policy, loopback, { fetchSite: 'same-site', fetchMode: 'no-cors' })).toBe(403);
    expect(status(policy, loopback, { fetchSite: 'cross-site', fetchMode: 'navigate' })).toBe(200);
    expect(status(policy, loopback, { fetchSite: 'same-origin', fetchMode: 'cors' })).toBe(200);
    expect(status(policy, loopback, { fetchSite: 'none', fetchMode: 'navigate' })).toBe(200);
  });

  it('serves on loopback only Host names of its own (DNS rebinding): 421 otherwise', () => {
    for (const host of ['localhost', 'localhost:8082', 'LocalHost:1', '127.0.0.1', '[::1]:8082', 'app.example', 'app.example:3000', '']) {
      expect(status(policy, loopback, { host }), host).toBe(200);
    }
    for (const host of ['rebind.example:8082', '127.0.0.1.nip.io', 'localhost.', 'evil@localhost', 'localhost/x', 'localhost#x', 'localhost?x', 'a b', ':8082']) {
      expect(status(policy, loopback, { host }), host).toBe(421);
    }
    // Beyond loopback any name is served; Origin is then checked against that name.
    expect(status(policy, wide, { host: 'broker.internal:8082' })).toBe(200);
    expect(status(policy, wide, { host: 'broker.internal:8082', origin: 'http://broker.internal:8082' })).toBe(200);
    expect(status(policy, wide, { host: 'broker.internal:8082', origin: 'http://evil.example' })).toBe(403);
  });

  it('answers the bound address and configured host names', () => {
    const scope = policy.scope('::1', '::1');
    expect(status(policy, scope, { host: '[::1]:8082' })).toBe(200);
    const named = new OriginPolicy([]).scope('127.0.0.2', '127.0.0.2');
    expect(status(policy, named, { host: '127.0.0.2:8082' })).toBe(200);
    expect(status(policy, named, { host: 'app.example:3000' })).toBe(421);
  });

  it('with *, serves every origin and every Host name', () => {
    const any = new OriginPolicy(['*']);
    const scope = any.scope('localhost', '127.0.0.1');
    expect(scope.hostNames).toBeNull();
    expect(status(any, scope, { origin: 'http://evil.example', host: 'rebind.example' })).toBe(200);
    expect(status(any, scope, { fetchSite: 'cross-site', fetchMode: 'no-cors' })).toBe(200);
  });

  it('gives CORS headers for requests with an Origin, and preflight answers', () => {
    expect(policy.corsHeaders('')).toEqual([]);
    expect(policy.corsHeaders('http://app.example:3000')).toEqual([['access-control-allow-origin', 'http://app.example:3000'], ['vary', 'Origin']]);
    const preflight = new Map(policy.preflightHeaders('http://app.example:3000', 'content-type, accept', true));
    expect(preflight.get('access-control-allow-origin')).toBe('http://app.example:3000');
    expect(preflight.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.get('access-control-allow-headers')).toBe('content-type, accept');
    expect(preflight.get('access-control-allow-private-network')).toBe('true');
    expect(new Map(policy.preflightHeaders('http://app.example:3000', 'x\r\ny: 1', false)).has('access-control-allow-headers')).toBe(false);
  });
});
