// Users' SCRAM credentials (KIP-554): per user and mechanism the salt, StoredKey, ServerKey
// and iteration count, as Kafka keeps them in its metadata log; never a password. Changed by
// AlterUserScramCredentials with Kafka's rules (ScramControlManager): a user may be named
// once per request, iterations between the mechanism's minimum and 16384. Where they live: a
// broker alone keeps them in strom-scram-credentials.json in its log directory (written to a
// temporary file, synced and renamed over the old one, so a crash leaves the old or the new);
// a cluster keeps them in etcd (cluster/scram-credentials.ts), where every broker sees them.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { SCRAM_MAX_ITERATIONS, scramCredential, scramMechanism, scramMechanismOfType, type ScramCredential, type ScramMechanism } from './scram.js';

export const SCRAM_CREDENTIALS_FILE = 'strom-scram-credentials.json';

/** A credential as stored (the file's entries, etcd's values): base64 bytes. */
interface StoredCredential {
  salt: string;
  stored_key: string;
  server_key: string;
  iterations: number;
}

export const encodeCredential = (c: ScramCredential): StoredCredential => ({
  salt: c.salt.toString('base64'), stored_key: c.storedKey.toString('base64'), server_key: c.serverKey.toString('base64'), iterations: c.iterations,
});

export const decodeCredential = (c: StoredCredential): ScramCredential => ({
  salt: Buffer.from(c.salt, 'base64'), storedKey: Buffer.from(c.stored_key, 'base64'), serverKey: Buffer.from(c.server_key, 'base64'), iterations: c.iterations,
});

interface CredentialsFile {
  version: 1;
  /** user -> mechanism name -> credential */
  users: Record<string, Record<string, StoredCredential>>;
}

interface CredentialDeletion {
  name: string;
  mechanism: number;
}

interface CredentialUpsertion extends CredentialDeletion {
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

/** An alteration that passed Kafka's checks: the credential to store, or null to delete it. */
interface CheckedAlteration {
  user: string;
  mechanism: ScramMechanism;
  credential: ScramCredential | null;
}

interface AlterResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

interface DescribeResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentialInfos: { mechanism: number; iterations: number }[];
}

/**
 * The credentials as this broker knows them, and Kafka's rules for changing them; where a
 * change is kept (alter) is the subclass's.
 */
export abstract class ScramCredentialStore {
  protected readonly users = new Map<string, Map<string, ScramCredential>>();
  private readonly changeListeners: (() => void)[] = [];

  /**
   * AlterUserScramCredentials: checks every alteration first, applies those that pass at once;
   * one result per user named, once the change is durable (and, in a cluster, seen here).
   */
  abstract alter(deletions: CredentialDeletion[], upsertions: CredentialUpsertion[]): Promise<AlterResult[]>;

  /** A user's credential for a mechanism, or null. */
  get(user: string, mechanism: ScramMechanism): ScramCredential | null {
    return this.users.get(user)?.get(mechanism.name) ?? null;
  }

  /** Users with at least one credential. */
  userNames(): string[] {
    return [...this.users.keys()].sort();
  }

  /** Called after every change (cached verifications are forgotten), from any broker in a cluster. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** DescribeUserScramCredentials: every user for null or [], else the ones named. */
  describe(names: string[] | null): DescribeResult[] {
    if (names === null || names.length === 0) return this.userNames().map((user) => this.describeOne(user));
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    return [...counts].map(([user, count]) => count > 1
      ? { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] }
      : this.describeOne(user));
  }

  private describeOne(user: string): DescribeResult {
    const map = this.users.get(user);
    if (!map) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
    const credentialInfos = [...map].map(([name, c]) => ({ mechanism: scramMechanism(name)!.type, iterations: c.iterations })).sort((a, b) => a.mechanism - b.mechanism);
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
  }

  /**
   * Kafka's checks of a request's alterations against the credentials known here: those to
   * apply, and one result per user named (success for the accepted ones).
   */
  protected check(deletions: CredentialDeletion[], upsertions: CredentialUpsertion[]): { accepted: CheckedAlteration[]; results: AlterResult[] } {
    const errors = new Map<string, AlterResult>();
    const accepted = new Map<string, CredentialDeletion | CredentialUpsertion>();
    const fail = (user: string, errorCode: number, errorMessage: string) => errors.set(user, { user, errorCode, errorMessage });
    for (const alteration of [...deletions, ...upsertions]) {
      const user = alteration.name;
      if (errors.has(user)) continue;
      if (accepted.delete(user)) {
        fail(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
        continue;
      }
      const why = this.refusal(alteration);
      if (why) fail(user, why.errorCode, why.errorMessage);
      else accepted.set(user, alteration);
    }
    return {
      accepted: [...accepted.values()].map((a) => {
        const mechanism = scramMechanismOfType(a.mechanism)!;
        const credential = 'saltedPassword' in a ? scramCredential(mechanism, a.salt, a.saltedPassword, a.iterations) : null;
        return { user: a.name, mechanism, credential };
      }),
      results: [
        ...[...accepted.keys()].map((user) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null })),
        ...errors.values(),
      ],
    };
  }

  /** Sets (or, null, removes) one credential as known here; listeners hear of it by changed(). */
  protected set(user: string, mechanism: string, credential: ScramCredential | null): void {
    let map = this.users.get(user);
    if (credential) {
      if (!map) this.users.set(user, (map = new Map()));
      map.set(mechanism, credential);
    } else {
      map?.delete(mechanism);
      if (map?.size === 0) this.users.delete(user);
    }
  }

  protected changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  private refusal(alteration: CredentialDeletion | CredentialUpsertion): { errorCode: number; errorMessage: string } | null {
    if (alteration.name === '') return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
    const mechanism = scramMechanismOfType(alteration.mechanism);
    if (!mechanism) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' };
    if ('saltedPassword' in alteration) {
      if (alteration.iterations < mechanism.minIterations) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' };
      if (alteration.iterations > SCRAM_MAX_ITERATIONS) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' };
      // Kafka checks no more; an empty salt or a salted password of the wrong size would make a
      // credential no client can ever match.
      if (alteration.salt.length === 0) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Salt must not be empty' };
      if (alteration.saltedPassword.length !== mechanism.keyBytes) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: `The salted password of ${mechanism.name} is ${mechanism.keyBytes} bytes` };
      return null;
    }
    if (!this.users.get(alteration.name)?.has(mechanism.name)) return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' };
    return null;
  }
}

/** A broker alone: the credentials of its log directory. */
export class FileScramCredentialStore extends ScramCredentialStore {
  private constructor(private readonly path: string) {
    super();
  }

  /** Loads the credentials of a log directory (none when the file does not exist yet). */
  static open(dir: string): FileScramCredentialStore {
    const store = new FileScramCredentialStore(join(dir, SCRAM_CREDENTIALS_FILE));
    if (!existsSync(store.path)) return store;
    const file = JSON.parse(readFileSync(store.path, 'utf8')) as CredentialsFile;
    for (const [user, mechanisms] of Object.entries(file.users ?? {})) {
      for (const [mechanism, c] of Object.entries(mechanisms)) store.set(user, mechanism, decodeCredential(c));
    }
    return store;
  }

  /** The users the file holds (a broker that joins a cluster tells of those it no longer uses). */
  static usersIn(dir: string): string[] {
    try {
      return existsSync(join(dir, SCRAM_CREDENTIALS_FILE)) ? FileScramCredentialStore.open(dir).userNames() : [];
    } catch {
      // A file the broker does not use must not stop its start.
      return [];
    }
  }

  alter(deletions: CredentialDeletion[], upsertions: CredentialUpsertion[]): Promise<AlterResult[]> {
    const { accepted, results } = this.check(deletions, upsertions);
    if (accepted.length > 0) {
      for (const a of accepted) this.set(a.user, a.mechanism.name, a.credential);
      this.write();
      this.changed();
    }
    return Promise.resolve(results);
  }

  private write(): void {
    const file: CredentialsFile = { version: 1, users: {} };
    for (const [user, map] of this.users) {
      file.users[user] = {};
      for (const [mechanism, c] of map) file.users[user][mechanism] = encodeCredential(c);
    }
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
