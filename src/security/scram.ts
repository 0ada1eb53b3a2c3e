// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka speaks them: no channel
// binding, user names escaped as saslname (=2C for ',', =3D for '='), the password's UTF-8
// bytes salted with PBKDF2. A credential as the broker keeps it holds no password: the salt,
// the iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
// ServerKey = HMAC(SaltedPassword, "Server Key"). Both ends are here: the broker's exchange
// (ScramServer) and the client's (ScramClient, for the strom tools).
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramMechanism {
  name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** Kafka's ScramMechanism type (DescribeUserScramCredentials, AlterUserScramCredentials). */
  type: number;
  hash: 'sha256' | 'sha512';
  keyBytes: number;
  /** Kafka's minimum (ScramMechanism.minIterations). */
  minIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', keyBytes: 32, minIterations: 4096 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', keyBytes: 64, minIterations: 4096 },
];

/** Kafka's largest iteration count (ScramControlManager.MAX_ITERATIONS). */
export const SCRAM_MAX_ITERATIONS = 16384;
/** What kafka-configs.sh uses when --add-config names no iterations. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;

export const scramMechanism = (name: string): ScramMechanism | undefined => SCRAM_MECHANISMS.find((m) => m.name === name);
export const scramMechanismOfType = (type: number): ScramMechanism | undefined => SCRAM_MECHANISMS.find((m) => m.type === type);

/** A credential as the broker keeps it (never the password). */
export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

/** A SCRAM exchange that cannot go on; `message` is safe to show the client. */
export class ScramError extends Error {
  override name = 'ScramError';
  /** What the log gets (may name the user; the client does not see it). */
  constructor(message: string, readonly detail = message) {
    super(message);
  }
}

const hmac = (m: ScramMechanism, key: Buffer, text: string | Buffer) => createHmac(m.hash, key).update(text).digest();
const hash = (m: ScramMechanism, data: Buffer) => createHash(m.hash).update(data).digest();

/** SaltedPassword = Hi(password, salt, i): PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyBytes, m.hash);
}

/** The same, off the event loop (the HTTP gateway checks Basic credentials with it). */
export function saltedPasswordAsync(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, m.keyBytes, m.hash, (e, key) => (e ? reject(e) : resolve(key))));
}

/** The credential the broker keeps for a salted password (what AlterUserScramCredentials carries). */
export function scramCredential(m: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  return { salt, iterations, storedKey: hash(m, hmac(m, salted, 'Client Key')), serverKey: hmac(m, salted, 'Server Key') };
}

/** Whether `salted` is the salted password of `credential` (in constant time). */
export function matchesCredential(m: ScramMechanism, credential: ScramCredential, salted: Buffer): boolean {
  const storedKey = hash(m, hmac(m, salted, 'Client Key'));
  return storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey);
}

/** A nonce: printable, no ','. */
const nonce = () => randomBytes(24).toString('base64');

const escapeName = (name: string) => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

function unescapeName(saslname: string): string {
  if (/=(?!2C|3D)/.test(saslname)) throw new ScramError('Authentication failed: invalid user name', `a malformed saslname ${JSON.stringify(saslname)}`);
  return saslname.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** The attributes of a SCRAM message (a=..., n=..., r=...), in order. */
function attributes(message: string): [string, string][] {
  return message.split(',').map((part) => {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new ScramError('Authentication failed: malformed SCRAM message', `malformed attribute ${JSON.stringify(part)}`);
    return [m[1], m[2]];
  });
}

/** Looks a user's credential up; null for an unknown user. */
type CredentialLookup = (user: string) => ScramCredential | null;

/**
 * The broker's side of one exchange: client-first → server-first, client-final →
 * server-final. An unknown user gets a made-up salt and fails at the proof, like a wrong
 * password, so the answer does not tell which users exist (RFC 5802 §9).
 */
export class ScramServer {
  private step: 'first' | 'final' | 'done' = 'first';
  private credential: ScramCredential | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';
  private combinedNonce = '';
  /** The authenticated user (after the exchange), or the claimed one (during it). */
  username = '';

  /** `makeNonce`: the server's part of the nonce (random; tests give RFC 7677's). */
  constructor(readonly mechanism: ScramMechanism, private readonly lookup: CredentialLookup, private readonly fakeSaltKey: Buffer, private readonly makeNonce = nonce) {}

  get complete(): boolean {
    return this.step === 'done';
  }

  /** The next server message for a client message; throws ScramError when authentication fails. */
  evaluate(token: Buffer): Buffer {
    const text = token.toString('utf8');
    if (this.step === 'first') return Buffer.from(this.first(text), 'utf8');
    if (this.step === 'final') return Buffer.from(this.final(text), 'utf8');
    throw new ScramError('Authentication failed: unexpected SCRAM message', 'a message after the exchange completed');
  }

  private first(text: string): string {
    const m = /^([ny]),(?:a=([^,]*))?,(.*)$/s.exec(text);
    if (!m) throw new ScramError('Authentication failed: invalid SCRAM client first message (channel binding is not supported)', `client-first ${JSON.stringify(text.slice(0, 64))}`);
    this.gs2Header = text.slice(0, text.length - m[3].length);
    this.clientFirstBare = m[3];
    // Extensions after r= (Kafka's tokenauth=true, for delegation tokens) are not served: ignored.
    const attrs = attributes(m[3].split(',').slice(0, 2).join(','));
    if (attrs[0]?.[0] === 'm') throw new ScramError('Authentication failed: SCRAM extensions in m= are not supported');
    if (attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r' || attrs[1][1] === '') throw new ScramError('Authentication failed: invalid SCRAM client first message', 'client-first without n= and r=');
    this.username = unescapeName(attrs[0][1]);
    if (m[2] !== undefined && m[2] !== '' && unescapeName(m[2]) !== this.username) {
      throw new ScramError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.credential = this.lookup(this.username);
    const salt = this.credential?.salt ?? hmac(this.mechanism, this.fakeSaltKey, `salt:${this.username}`);
    const iterations = this.credential?.iterations ?? SCRAM_DEFAULT_ITERATIONS;
    this.combinedNonce = attrs[1][1] + this.makeNonce();
    this.serverFirst = `r=${this.combinedNonce},s=${salt.toString('base64')},i=${iterations}`;
    this.step = 'final';
    return this.serverFirst;
  }

  private final(text: string): string {
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('Authentication failed: invalid SCRAM client final message', 'client-final without p=');
    const withoutProof = text.slice(0, proofAt);
    const attrs = new Map(attributes(withoutProof));
    if (attrs.get('c') !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) throw new ScramError('Authentication failed: invalid channel binding', 'c= does not match the client-first header');
    // Kafka checks only that the nonce ends with the server's (ScramSaslServer): librdkafka up
    // to 2.x sends its own nonce again in front of the combined one.
    if (!(attrs.get('r') ?? '').endsWith(this.combinedNonce)) throw new ScramError('Authentication failed: invalid nonce', 'r= is not the exchange\'s nonce');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const credential = this.credential;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const m = this.mechanism;
    if (credential === null) throw new ScramError('Authentication failed: Invalid user credentials', `unknown user ${JSON.stringify(this.username)} for ${m.name}`);
    const signature = hmac(m, credential.storedKey, authMessage);
    if (proof.length !== signature.length) throw new ScramError('Authentication failed: Invalid user credentials', 'a proof of the wrong length');
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = proof[i] ^ signature[i];
    if (!timingSafeEqual(hash(m, clientKey), credential.storedKey)) throw new ScramError('Authentication failed: Invalid user credentials', `a wrong password for user ${JSON.stringify(this.username)}`);
    this.step = 'done';
    return `v=${hmac(m, credential.serverKey, authMessage).toString('base64')}`;
  }
}

/** The client's side of one exchange (the strom tools' SASL). */
export class ScramClient {
  private clientFirstBare = '';
  private serverSignature: Buffer | null = null;

  /** `clientNonce`: random; tests give RFC 7677's. */
  constructor(readonly mechanism: ScramMechanism, private readonly username: string, private readonly password: string, private readonly clientNonce = nonce()) {}

  first(): Buffer {
    this.clientFirstBare = `n=${escapeName(this.username)},r=${this.clientNonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  /** client-final for the server-first message; throws when the server's message is not acceptable. */
  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8');
    const attrs = new Map(attributes(text));
    const combined = attrs.get('r') ?? '';
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    if (!combined.startsWith(this.clientNonce) || salt.length === 0 || !Number.isSafeInteger(iterations) || iterations < 1) {
      throw new ScramError(`the broker's SCRAM message is invalid: ${JSON.stringify(text.slice(0, 100))}`);
    }
    if (iterations < this.mechanism.minIterations) throw new ScramError(`the broker asks for ${iterations} SCRAM iterations, fewer than ${this.mechanism.minIterations}`);
    const m = this.mechanism;
    const salted = saltedPassword(m, this.password, salt, iterations);
    const clientKey = hmac(m, salted, 'Client Key');
    const withoutProof = `c=biws,r=${combined}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const signature = hmac(m, hash(m, clientKey), authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.serverSignature = hmac(m, hmac(m, salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks server-final: the broker proves it knows the credential. */
  verify(serverFinal: Buffer): void {
    const attrs = new Map(attributes(serverFinal.toString('utf8')));
    if (attrs.has('e')) throw new ScramError(`SCRAM authentication failed: ${attrs.get('e')}`);
    const v = Buffer.from(attrs.get('v') ?? '', 'base64');
    if (!this.serverSignature || v.length !== this.serverSignature.length || !timingSafeEqual(v, this.serverSignature)) {
      throw new ScramError('the broker\'s SCRAM signature is wrong: it does not hold this user\'s credential');
    }
  }
}
