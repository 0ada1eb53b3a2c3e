// src/http/basic-auth.ts and src/security/passwords.ts: HTTP Basic credentials checked
// against PLAIN users and SCRAM credentials, verified pairs remembered until a credential
// changes, 401s with the challenge.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BasicAuth, parseBasic } from '../../../src/http/basic-auth.js';
import { PasswordVerifier } from '../../../src/security/passwords.js';
import { FileScramCredentialStore } from '../../../src/security/credentials.js';
import { saltedPassword, scramMechanism } from '../../../src/security/scram.js';

const dir = mkdtempSync(join(tmpdir(), 'strom-basic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = FileScramCredentialStore.open(dir);
async function setScram(user: string, password: string, mechanism: 1 | 2 = 2): Promise<void> {
  const m = scramMechanism(mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512')!;
  const salt = randomBytes(16);
  await credentials.alter([], [{ name: user, mechanism, iterations: 4096, salt, saltedPassword: saltedPassword(m, password, salt, 4096) }]);
}
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseBasic', () => {
  it('reads a user and a password (which may hold colons)', () => {
    expect(parseBasic(basic('alice', 'a:b'))).toEqual({ username: 'alice', password: 'a:b' });
    expect(parseBasic('basic   ' + Buffer.from('x:').toString('base64'))).toEqual({ username: 'x', password: '' });
  });

  it.each(['', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':pw').toString('base64')}`])('finds none in %j', (header) => {
    expect(parseBasic(header)).toBeNull();
  });
});

describe('PasswordVerifier', () => {
  it('accepts PLAIN users (any of a user\'s passwords) and SCRAM users (either mechanism)', async () => {
    await setScram('scram512', 'p512', 2);
    await setScram('scram256', 'p256', 1);
    const v = new PasswordVerifier(new Map([['alice', new Set(['one', 'two'])]]), credentials, 16);
    expect(await v.verify('alice', 'one')).toBe(true);
    expect(await v.verify('alice', 'two')).toBe(true);
    expect(await v.verify('alice', 'three')).toBe(false);
    expect(await v.verify('scram512', 'p512')).toBe(true);
    expect(await v.verify('scram256', 'p256')).toBe(true);
    expect(await v.verify('scram256', 'p512')).toBe(false);
    expect(await v.verify('nobody', 'x')).toBe(false);
  });

  it('forgets what it verified once a credential changes', async () => {
    await setScram('carol', 'old');
    const v = new PasswordVerifier(new Map(), credentials, 16);
    expect(await v.verify('carol', 'old')).toBe(true);
    await setScram('carol', 'new');
    expect(await v.verify('carol', 'old')).toBe(false);
    expect(await v.verify('carol', 'new')).toBe(true);
    await credentials.alter([{ name: 'carol', mechanism: 2 }], []);
    expect(await v.verify('carol', 'new')).toBe(false);
  });
});

describe('BasicAuth', () => {
  const auth = new BasicAuth({ realm: 'My "Realm"', skipPaths: new Set(['/metrics']), verifier: new PasswordVerifier(new Map([['alice', new Set(['pw'])]]), credentials, 0), failureDelayMs: 100 });

  it('answers missing credentials at once, wrong ones after the delay, with the challenge', async () => {
    expect(auth.challenge).toEqual(['www-authenticate', 'Basic realm="My Realm", charset="UTF-8"']);
    expect(auth.guards('/metrics')).toBe(false);
    expect(auth.guards('/topics')).toBe(true);
    expect(auth.check('')).toMatchObject({ ok: false, result: 'missing', delayMs: 0, reply: { status: 401 } });
    expect(await auth.check(basic('alice', 'bad'))).toMatchObject({ ok: false, result: 'failure', delayMs: 100, reply: { status: 401 } });
    const ok = await auth.check(basic('alice', 'pw'));
    expect(ok.ok && String(ok.principal)).toBe('User:alice');
  });
});
