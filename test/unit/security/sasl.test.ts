// src/security/sasl.ts: one connection's SASL state as Kafka's SaslServerAuthenticator keeps
// it: which requests may come when, PLAIN's and SCRAM's outcomes and messages, the failed
// authentication's delay and close, raw tokens after a v0 handshake, and KIP-368 sessions
// (lifetime, expiry, re-authentication with the same mechanism and principal).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SaslAuthenticator, type AuthenticationEvent, type SaslSettings } from '../../../src/security/sasl.js';
import { FileScramCredentialStore } from '../../../src/security/credentials.js';
import { ScramClient, saltedPassword, scramMechanism } from '../../../src/security/scram.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'strom-sasl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = FileScramCredentialStore.open(dir);
const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const salt = randomBytes(16);
await credentials.alter([], [{ name: 'bob', mechanism: 1, iterations: 4096, salt, saltedPassword: saltedPassword(SHA256, 'bob-secret', salt, 4096) }]);

const PRODUCE = 0;
const METADATA = 3;
const HANDSHAKE = 17;
const API_VERSIONS = 18;
const AUTHENTICATE = 36;

class Fixture {
  now = 1_000_000;
  readonly succeeded: AuthenticationEvent[] = [];
  readonly failed: AuthenticationEvent[] = [];
  readonly sasl: SaslAuthenticator;

  constructor(settings: Partial<SaslSettings> = {}) {
    this.sasl = new SaslAuthenticator(
      { listener: 'SASL_SSL', mechanisms: ['PLAIN', 'SCRAM-SHA-256'], plainUsers: new Map([['alice', 'alice-secret']]), reauthMs: 0, ...settings },
      {
        credentials, failureDelayMs: 100, fakeSaltKey: Buffer.alloc(32),
        succeeded: (e) => this.succeeded.push(e), failed: (e) => this.failed.push(e), now: () => this.now,
      },
      '10.0.0.1:5000',
    );
  }

  plain(user: string, password: string, version = 1) {
    expect(this.sasl.handshake('PLAIN', version).errorCode).toBe(ErrorCode.NONE);
    return this.sasl.authenticate(Buffer.from(`\u0000${user}\u0000${password}`));
  }

  scram(user: string, password: string) {
    const client = new ScramClient(SHA256, user, password);
    expect(this.sasl.handshake('SCRAM-SHA-256', 1).errorCode).toBe(ErrorCode.NONE);
    const first = this.sasl.authenticate(client.first());
    if (first.errorCode !== 0) return first;
    const final = this.sasl.authenticate(client.final(first.authBytes));
    if (final.errorCode === 0) client.verify(final.authBytes);
    return final;
  }
}

describe('before authentication', () => {
  it('admits only ApiVersions and SaslHandshake, then only SaslAuthenticate, as Kafka', () => {
    const f = new Fixture();
    expect(f.sasl.refusal(API_VERSIONS, 'ApiVersions')).toBeNull();
    expect(f.sasl.refusal(HANDSHAKE, 'SaslHandshake')).toBeNull();
    expect(f.sasl.refusal(METADATA, 'Metadata')).toBe('Unexpected Kafka request of type Metadata during SASL handshake');
    expect(f.sasl.refusal(AUTHENTICATE, 'SaslAuthenticate')).toMatch(/during SASL handshake/);
    f.sasl.handshake('PLAIN', 1);
    expect(f.sasl.refusal(AUTHENTICATE, 'SaslAuthenticate')).toBeNull();
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toBe('Unexpected Kafka request of type Produce during SASL authentication');
    expect(f.sasl.authenticated).toBe(false);
    expect(String(f.sasl.principal)).toBe('User:ANONYMOUS');
  });

  it('answers a mechanism that is not enabled with UNSUPPORTED_SASL_MECHANISM and the enabled ones, delayed, then closes', () => {
    const f = new Fixture();
    const r = f.sasl.handshake('SCRAM-SHA-512', 1);
    expect(r).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256'], delayMs: 100 });
    expect(r.close).toMatch(/unsupported SASL mechanism "SCRAM-SHA-512"/);
    expect(f.failed).toHaveLength(1);
    expect(f.failed[0].reason).toMatch(/not enabled/);
    expect(f.sasl.refusal(API_VERSIONS, 'ApiVersions')).toBe('SASL authentication failed');
  });
});

describe('PLAIN', () => {
  it('authenticates a configured user: principal User:<name>, counted', () => {
    const f = new Fixture();
    const r = f.plain('alice', 'alice-secret');
    expect(r).toMatchObject({ errorCode: 0, errorMessage: null, close: null, sessionLifetimeMs: 0 });
    expect(r.authBytes.length).toBe(0);
    expect(f.sasl.authenticated).toBe(true);
    expect(String(f.sasl.principal)).toBe('User:alice');
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toBeNull();
    expect(f.succeeded.map((e) => [e.mechanism, String(e.principal)])).toEqual([['PLAIN', 'User:alice']]);
  });

  it.each([
    ['alice', 'wrong', 'Authentication failed: Invalid username or password', /wrong password for user "alice"/],
    ['mallory', 'alice-secret', 'Authentication failed: Invalid username or password', /unknown user "mallory"/],
    ['', 'x', 'Authentication failed: username not specified', /username not specified/],
    ['alice', '', 'Authentication failed: password not specified', /no password/],
  ])('refuses %j / %j with Kafka\'s message, delayed, and closes', (user, password, message, reason) => {
    const f = new Fixture();
    const r = f.plain(user, password);
    expect(r).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, close: message, delayMs: 100 });
    expect(f.failed[0].reason).toMatch(reason);
    expect(f.sasl.authenticated).toBe(false);
    expect(f.sasl.refusal(API_VERSIONS, 'ApiVersions')).toBe('SASL authentication failed');
  });

  it('refuses a malformed message with the generic message and another authorization id with Kafka\'s', () => {
    const f = new Fixture();
    f.sasl.handshake('PLAIN', 1);
    expect(f.sasl.authenticate(Buffer.from('alice:alice-secret')).errorMessage).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN');
    const g = new Fixture();
    g.sasl.handshake('PLAIN', 1);
    expect(g.sasl.authenticate(Buffer.from('bob\u0000alice\u0000alice-secret')).errorMessage).toBe('Authentication failed: Client requested an authorization id that is different from username');
  });

  it('after a v0 handshake expects raw tokens, and none once authenticated', () => {
    const f = new Fixture();
    f.sasl.handshake('PLAIN', 0);
    expect(f.sasl.expectsRawToken).toBe(true);
    expect(f.sasl.authenticate(Buffer.from('\u0000alice\u0000alice-secret')).errorCode).toBe(0);
    expect(f.sasl.expectsRawToken).toBe(false);
  });
});

describe('SCRAM', () => {
  it('authenticates a user with credentials kept by the broker', () => {
    const f = new Fixture();
    expect(f.scram('bob', 'bob-secret').errorCode).toBe(0);
    expect(String(f.sasl.principal)).toBe('User:bob');
  });

  it('refuses a wrong password and an unknown user with one generic message', () => {
    for (const [user, password] of [['bob', 'nope'], ['alice', 'alice-secret']]) {
      const f = new Fixture();
      expect(f.scram(user, password)).toMatchObject({
        errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, delayMs: 100,
        errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      });
    }
  });
});

describe('sessions (KIP-368)', () => {
  it('last connections.max.reauth.ms: told to the client; a request after expiry is refused, but a re-authentication', () => {
    const f = new Fixture({ reauthMs: 60_000 });
    expect(f.plain('alice', 'alice-secret').sessionLifetimeMs).toBe(60_000);
    f.now += 59_000;
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toBeNull();
    f.now += 2_000;
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toMatch(/SASL session expired \(connections.max.reauth.ms 60000\)/);
    expect(f.sasl.refusal(HANDSHAKE, 'SaslHandshake')).toBeNull();
    // Re-authenticating extends the session.
    expect(f.plain('alice', 'alice-secret').sessionLifetimeMs).toBe(60_000);
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toBeNull();
    expect(f.succeeded.map((e) => e.reauthentication)).toEqual([false, true]);
  });

  it('without connections.max.reauth.ms never expire', () => {
    const f = new Fixture();
    f.plain('alice', 'alice-secret');
    f.now += 1e12;
    expect(f.sasl.refusal(PRODUCE, 'Produce')).toBeNull();
  });

  it('refuse re-authentication as another principal or with another mechanism', () => {
    const f = new Fixture({ plainUsers: new Map([['alice', 'a'], ['carol', 'c']]) });
    f.plain('alice', 'a');
    const other = f.plain('carol', 'c');
    expect(other).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication from User.alice: User.carol' });
    expect(f.failed[0].reauthentication).toBe(true);
    const g = new Fixture();
    g.plain('alice', 'alice-secret');
    expect(g.sasl.handshake('SCRAM-SHA-256', 1).errorCode).toBe(0);
    expect(g.sasl.authenticate(Buffer.from('n,,n=alice,r=x')).errorMessage).toBe("SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'");
  });

  it('a v0 handshake or a SaslAuthenticate on an authenticated connection is ILLEGAL_SASL_STATE, the connection kept', () => {
    const f = new Fixture();
    f.plain('alice', 'alice-secret');
    expect(f.sasl.handshake('PLAIN', 0)).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, close: null });
    expect(f.sasl.authenticate(Buffer.from('x'))).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, close: null });
    expect(f.sasl.authenticated).toBe(true);
  });
});
