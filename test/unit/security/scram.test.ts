// src/security/scram.ts: SCRAM-SHA-256 against RFC 7677's example exchange, both mechanisms
// end to end, and every way an exchange fails (each with a message that does not tell
// whether the user exists).
import { describe, expect, it } from 'vitest';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  SCRAM_MECHANISMS, ScramClient, ScramError, ScramServer, saltedPassword, saltedPasswordAsync, scramCredential, matchesCredential, scramMechanism,
  type ScramCredential, type ScramMechanism,
} from '../../../src/security/scram.js';

const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const SHA512 = scramMechanism('SCRAM-SHA-512')!;
const FAKE_SALT_KEY = Buffer.alloc(32, 7);

function credentialFor(m: ScramMechanism, password: string, iterations = 4096, salt = randomBytes(16)): ScramCredential {
  return scramCredential(m, salt, saltedPassword(m, password, salt, iterations), iterations);
}

/** Runs a whole exchange; the server's final message, or the error that stopped it. */
function exchange(m: ScramMechanism, users: Record<string, ScramCredential>, username: string, password: string): { ok: true; server: ScramServer } | { ok: false; error: ScramError } {
  const server = new ScramServer(m, (u) => users[u] ?? null, FAKE_SALT_KEY);
  const client = new ScramClient(m, username, password);
  try {
    const serverFinal = server.evaluate(client.final(server.evaluate(client.first())));
    client.verify(serverFinal);
    return { ok: true, server };
  } catch (e) {
    if (!(e instanceof ScramError)) throw e;
    return { ok: false, error: e };
  }
}

describe('RFC 7677 (SCRAM-SHA-256)', () => {
  // The example exchange of RFC 7677 section 3: user "user", password "pencil".
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const credential = credentialFor(SHA256, 'pencil', 4096, salt);

  it('the server answers the RFC\'s client messages with the RFC\'s server messages', () => {
    const server = new ScramServer(SHA256, (u) => (u === 'user' ? credential : null), FAKE_SALT_KEY, () => serverNonce);
    expect(server.evaluate(Buffer.from(`n,,n=user,r=${clientNonce}`)).toString()).toBe(`r=${clientNonce}${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`);
    const final = server.evaluate(Buffer.from(`c=biws,r=${clientNonce}${serverNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`));
    expect(final.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(server.complete).toBe(true);
    expect(server.username).toBe('user');
  });

  it('the client sends the RFC\'s messages and checks the server\'s signature', () => {
    const client = new ScramClient(SHA256, 'user', 'pencil', clientNonce);
    expect(client.first().toString()).toBe(`n,,n=user,r=${clientNonce}`);
    const final = client.final(Buffer.from(`r=${clientNonce}${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`));
    expect(final.toString()).toBe(`c=biws,r=${clientNonce}${serverNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`);
    expect(() => client.verify(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
    expect(() => client.verify(Buffer.from('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).toThrow(/signature is wrong/);
    expect(() => client.verify(Buffer.from('e=invalid-proof'))).toThrow(/invalid-proof/);
  });
});

describe.each(SCRAM_MECHANISMS.map((m) => [m.name, m] as const))('%s', (_name, m) => {
  const users = { alice: credentialFor(m, 'alice-secret'), 'a,b=c': credentialFor(m, 'odd') };

  it('authenticates a user with the right password, its name escaped as saslname', () => {
    const ok = exchange(m, users, 'alice', 'alice-secret');
    expect(ok.ok && ok.server.username).toBe('alice');
    const odd = exchange(m, users, 'a,b=c', 'odd');
    expect(odd.ok && odd.server.username).toBe('a,b=c');
  });

  it('refuses a wrong password and an unknown user alike, at the proof', () => {
    const wrong = exchange(m, users, 'alice', 'nope');
    const unknown = exchange(m, users, 'mallory', 'alice-secret');
    expect(wrong.ok || wrong.error.message).toBe('Authentication failed: Invalid user credentials');
    expect(unknown.ok || unknown.error.message).toBe('Authentication failed: Invalid user credentials');
    expect(wrong.ok || wrong.error.detail).toMatch(/wrong password for user "alice"/);
    expect(unknown.ok || unknown.error.detail).toMatch(/unknown user "mallory"/);
  });

  it('gives an unknown user the same made-up salt every time, so asking twice tells nothing', () => {
    const first = (user: string) => new ScramServer(m, () => null, FAKE_SALT_KEY).evaluate(Buffer.from(`n,,n=${user},r=abc`)).toString().split(',')[1];
    expect(first('mallory')).toBe(first('mallory'));
    expect(first('mallory')).not.toBe(first('eve'));
  });
});

describe('malformed and hostile exchanges', () => {
  const users = { alice: credentialFor(SHA256, 'alice-secret') };
  const server = () => new ScramServer(SHA256, (u) => (u === 'alice' ? users.alice : null), FAKE_SALT_KEY);

  it('accepts a client-final nonce that repeats the client nonce in front (librdkafka 2.0), as Kafka does', () => {
    const s = server();
    const client = new ScramClient(SHA256, 'alice', 'alice-secret', 'cnonce');
    const serverFirst = s.evaluate(client.first());
    const final = client.final(serverFirst).toString().replace('r=cnonce', 'r=cnoncecnonce');
    // The proof covers the message as sent: recompute it for the doubled nonce.
    const salted = saltedPassword(SHA256, 'alice-secret', users.alice.salt, 4096);
    const withoutProof = final.slice(0, final.indexOf(',p='));
    const authMessage = `n=alice,r=cnonce,${serverFirst},${withoutProof}`;
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const signature = createHmac('sha256', createHash('sha256').update(clientKey).digest()).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
    expect(() => s.evaluate(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`))).not.toThrow();
    expect(s.complete).toBe(true);
  });

  it('refuses a nonce that is not the exchange\'s, channel binding, another authorization id and junk', () => {
    const s = server();
    const client = new ScramClient(SHA256, 'alice', 'alice-secret');
    client.final(s.evaluate(client.first()));
    expect(() => s.evaluate(Buffer.from('c=biws,r=somethingelse,p=AAAA'))).toThrow(/invalid nonce/);
    expect(() => server().evaluate(Buffer.from('p=tls-unique,,n=alice,r=abc'))).toThrow(/channel binding is not supported/);
    expect(() => server().evaluate(Buffer.from('n,a=bob,n=alice,r=abc'))).toThrow(/authorization id that is different/);
    expect(() => server().evaluate(Buffer.from('hello'))).toThrow(ScramError);
    expect(() => server().evaluate(Buffer.from('n,,r=abc,n=alice'))).toThrow(ScramError);
    const c = server();
    c.evaluate(Buffer.from('n,,n=alice,r=abc'));
    expect(() => c.evaluate(Buffer.from('c=eSws,r=abc,p=AAAA'))).toThrow(/channel binding/);
  });

  it('a client refuses a server that asks for fewer iterations than the mechanism\'s minimum', () => {
    const client = new ScramClient(SHA512, 'alice', 'x', 'cn');
    client.first();
    expect(() => client.final(Buffer.from('r=cnXYZ,s=c2FsdA==,i=1000'))).toThrow(/fewer than 4096/);
    expect(() => client.final(Buffer.from('r=other,s=c2FsdA==,i=4096'))).toThrow(/invalid/);
  });
});

describe('credentials', () => {
  it('match the password they were made from, and no other; the async salting agrees', async () => {
    const salt = randomBytes(16);
    const credential = credentialFor(SHA512, 'pw', 4096, salt);
    expect(matchesCredential(SHA512, credential, await saltedPasswordAsync(SHA512, 'pw', salt, 4096))).toBe(true);
    expect(matchesCredential(SHA512, credential, await saltedPasswordAsync(SHA512, 'pW', salt, 4096))).toBe(false);
    expect(credential.storedKey.length).toBe(64);
    expect(credential.serverKey.length).toBe(64);
  });
});
