// src/security/credentials.ts: SCRAM credentials kept by the broker, changed with Kafka's
// rules (ScramControlManager) and messages, described without secrets, and kept on disk
// without any password, across a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileScramCredentialStore, SCRAM_CREDENTIALS_FILE } from '../../../src/security/credentials.js';
import { saltedPassword, scramMechanism } from '../../../src/security/scram.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function store(): [FileScramCredentialStore, string] {
  const dir = mkdtempSync(join(tmpdir(), 'strom-creds-'));
  dirs.push(dir);
  return [FileScramCredentialStore.open(dir), dir];
}
const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const SHA512 = scramMechanism('SCRAM-SHA-512')!;
function upsert(name: string, mechanism = 1, iterations = 4096, password = `${name}-secret`) {
  const m = mechanism === 2 ? SHA512 : SHA256;
  const salt = randomBytes(16);
  return { name, mechanism, iterations, salt, saltedPassword: m ? saltedPassword(m, password, salt, Math.max(1, iterations)) : Buffer.alloc(32) };
}

describe('AlterUserScramCredentials', async () => {
  it('upserts and deletes, one result per user, and describes mechanisms and iterations only', async () => {
    const [s] = store();
    expect(await s.alter([], [upsert('alice', 1, 8192)])).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    expect(await s.alter([], [upsert('alice', 2)])).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    await s.alter([], [upsert('bob')]);
    expect(s.describe(null)).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }, { mechanism: 2, iterations: 4096 }] },
      { user: 'bob', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
    ]);
    expect(await s.alter([{ name: 'alice', mechanism: 1 }], [])).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    expect(s.get('alice', SHA256)).toBeNull();
    expect(s.get('alice', SHA512)).not.toBeNull();
    await s.alter([{ name: 'bob', mechanism: 1 }], []);
    expect(s.userNames()).toEqual(['alice']);
  });

  it('refuses with Kafka\'s codes and messages, applying the rest', async () => {
    const [s] = store();
    await s.alter([], [upsert('carol')]);
    const results = await s.alter(
      [{ name: 'nobody', mechanism: 1 }, { name: 'carol', mechanism: 9 }],
      [upsert('dup', 1), upsert('dup', 2), upsert('few', 1, 4095), upsert('many', 1, 16385), upsert('', 1), upsert('ok', 2), { ...upsert('nosalt'), salt: Buffer.alloc(0) }, { ...upsert('short'), saltedPassword: Buffer.alloc(5) }],
    );
    const by = Object.fromEntries(results.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
    expect(by).toEqual({
      ok: [0, null],
      nobody: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
      dup: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
      carol: [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
      few: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
      many: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
      '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      nosalt: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt must not be empty'],
      short: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'The salted password of SCRAM-SHA-256 is 32 bytes'],
    });
    expect(s.userNames()).toEqual(['carol', 'ok']);
  });

  it('tells listeners of every change (cached verifications are dropped)', async () => {
    const [s] = store();
    let changes = 0;
    s.onChange(() => changes++);
    await s.alter([], [upsert('a')]);
    await s.alter([{ name: 'zz', mechanism: 1 }], []);
    expect(changes).toBe(1);
  });
});

describe('DescribeUserScramCredentials', async () => {
  it('names a user without credentials and a user asked twice, as Kafka does', async () => {
    const [s] = store();
    await s.alter([], [upsert('alice')]);
    expect(s.describe(['alice', 'ghost', 'alice2', 'alice2'])).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
      { user: 'ghost', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: ghost', credentialInfos: [] },
      { user: 'alice2', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: alice2', credentialInfos: [] },
    ]);
    expect(s.describe([])).toHaveLength(1);
  });
});

describe('the credentials file', async () => {
  it('survives a reopen, holds salts and keys but never the password', async () => {
    const [s, dir] = store();
    await s.alter([], [upsert('alice', 2, 4096, 'correct horse battery staple')]);
    const again = FileScramCredentialStore.open(dir);
    expect(again.get('alice', SHA512)).toEqual(s.get('alice', SHA512));
    const text = readFileSync(join(dir, SCRAM_CREDENTIALS_FILE), 'utf8');
    expect(text).toContain('"stored_key"');
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain(Buffer.from('correct horse battery staple').toString('base64'));
  });
});
