// Users' SCRAM credentials (KIP-554), as Kafka's admin client and kafka-configs.sh handle
// them: the password is salted here, on the client (a random salt, PBKDF2 with the
// mechanism's hash), and only the salt, the iteration count and the salted password go to
// the broker (AlterUserScramCredentials, sent to the controller); DescribeUserScramCredentials
// lists mechanisms and iterations.
import { randomBytes } from 'node:crypto';
import { AlterUserScramCredentialsApi } from '../protocol/generated/alter-user-scram-credentials.js';
import { DescribeUserScramCredentialsApi } from '../protocol/generated/describe-user-scram-credentials.js';
import { ErrorCode, check } from '../protocol/errors.js';
import { saltedPassword, scramMechanismOfType, type ScramMechanism } from '../security/scram.js';
import type { Cluster } from './cluster.js';

/** Bytes of salt a new credential gets. */
const SALT_BYTES = 32;

interface UserScramCredentials {
  user: string;
  credentials: { mechanism: string; iterations: number }[];
}

/** Sets `user`'s credential for a mechanism from a password (salted here). */
export async function upsertScramCredential(cluster: Cluster, user: string, mechanism: ScramMechanism, password: string, iterations: number): Promise<void> {
  const salt = randomBytes(SALT_BYTES);
  await alter(cluster, user, {
    deletions: [],
    upsertions: [{ name: user, mechanism: mechanism.type, iterations, salt, saltedPassword: saltedPassword(mechanism, password, salt, iterations) }],
  });
}

/** Deletes `user`'s credential for a mechanism. */
export async function deleteScramCredential(cluster: Cluster, user: string, mechanism: ScramMechanism): Promise<void> {
  await alter(cluster, user, { deletions: [{ name: user, mechanism: mechanism.type }], upsertions: [] });
}

async function alter(cluster: Cluster, user: string, request: Parameters<typeof AlterUserScramCredentialsApi.writeRequest>[2]): Promise<void> {
  const c = await cluster.controller();
  const res = await c.send(AlterUserScramCredentialsApi, c.version(AlterUserScramCredentialsApi, 0, 0), request);
  for (const r of res.results) check(r.errorCode, `altering the SCRAM credentials of user ${r.user}`, r.errorMessage);
}

/** Every user's credentials (users: null), or the named users' (a user without any is left out). */
export async function describeScramCredentials(cluster: Cluster, users: string[] | null): Promise<UserScramCredentials[]> {
  const c = await cluster.any();
  const res = await c.send(DescribeUserScramCredentialsApi, c.version(DescribeUserScramCredentialsApi, 0, 0), { users: users === null ? null : users.map((name) => ({ name })) });
  check(res.errorCode, 'describing SCRAM credentials', res.errorMessage);
  return res.results.filter((r) => r.errorCode !== ErrorCode.RESOURCE_NOT_FOUND).map((r) => {
    check(r.errorCode, `describing the SCRAM credentials of user ${r.user}`, r.errorMessage);
    return { user: r.user, credentials: r.credentialInfos.map((i) => ({ mechanism: scramMechanismOfType(i.mechanism)?.name ?? `UNKNOWN(${i.mechanism})`, iterations: i.iterations })) };
  });
}
