// Checks a user name and password against the broker's users, for the HTTP gateway's Basic
// authentication: a PLAIN user (strom.sasl.plain.users and every listener's PLAIN JAAS users)
// by comparing the password, a SCRAM user by salting the password as its stored credential
// was salted (PBKDF2, off the event loop) and comparing StoredKeys. Verified pairs are
// remembered by a hash of the pair (http.authentication.cache.max.entries, least recently used
// first out) until a credential changes, so a REST client does not cost a PBKDF2 per request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_MECHANISMS, matchesCredential, saltedPasswordAsync } from './scram.js';
import type { ScramCredentialStore } from './credentials.js';

export class PasswordVerifier {
  /** hash(user, password) -> user, in use order (a Map keeps insertion order). */
  private readonly cache = new Map<string, string>();
  /** Keys the cache's hashes, so they say nothing outside this process. */
  private readonly cacheKey = randomBytes(32);
  /** Bumped by every credential change: a check that began before one is not remembered. */
  private generation = 0;

  constructor(
    private readonly plainUsers: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly credentials: ScramCredentialStore,
    private readonly cacheMaxEntries: number,
  ) {
    credentials.onChange(() => {
      this.generation++;
      this.cache.clear();
    });
  }

  /** Whether `password` is `username`'s (a PLAIN password or the one behind a SCRAM credential). */
  async verify(username: string, password: string): Promise<boolean> {
    const key = createHash('sha256').update(this.cacheKey).update(username).update('\u0000').update(password).digest('base64');
    if (this.cache.get(key) === username) {
      this.cache.delete(key);
      this.cache.set(key, username);
      return true;
    }
    const generation = this.generation;
    if (!(await this.check(username, password))) return false;
    if (this.cacheMaxEntries > 0 && generation === this.generation) {
      this.cache.set(key, username);
      while (this.cache.size > this.cacheMaxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return true;
  }

  private async check(username: string, password: string): Promise<boolean> {
    const given = createHash('sha256').update(password, 'utf8').digest();
    for (const expected of this.plainUsers.get(username) ?? []) {
      if (timingSafeEqual(given, createHash('sha256').update(expected, 'utf8').digest())) return true;
    }
    // The strongest mechanism the user has a credential for.
    for (const mechanism of [...SCRAM_MECHANISMS].reverse()) {
      const credential = this.credentials.get(username, mechanism);
      if (!credential) continue;
      const salted = await saltedPasswordAsync(mechanism, password, credential.salt, credential.iterations);
      return matchesCredential(mechanism, credential, salted);
    }
    return false;
  }
}
