// AlterUserScramCredentials (key 51), version 0 (KIP-554): upserts and deletes users' SCRAM
// credentials. The client salts the password (Kafka's admin client and kafka-configs.sh do,
// as `strom configs` does); the broker keeps the salt, the iterations and the keys derived
// from the salted password, durably (strom-scram-credentials.json on a broker alone, etcd in a
// cluster, where every broker sees them), and new authentications use them at once. Kafka's
// rules: each user at most once per request (DUPLICATE_RESOURCE), a known mechanism
// (UNSUPPORTED_SASL_MECHANISM), iterations from the mechanism's minimum (4096) to 16384
// (UNACCEPTABLE_CREDENTIAL), deleting a credential that exists (RESOURCE_NOT_FOUND).
// Needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED for every user named).
import { AlterUserScramCredentialsApi, type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials.js';
import { ErrorCode } from '../protocol/errors.js';
import { scramMechanismOfType } from '../security/scram.js';
import { defineHandler } from './handler.js';
import { AclOperation, clusterAuthorized } from './authorize.js';

export const alterUserScramCredentials = defineHandler(AlterUserScramCredentialsApi, { min: 0, max: 0 }, async (request: AlterUserScramCredentialsRequest, ctx): Promise<AlterUserScramCredentialsResponse> => {
  if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
    const users = [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
    return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' })) };
  }
  // The request's bytes are views of its frame, which is reused once answered: copied.
  const upsertions = request.upsertions.map((u) => ({ ...u, salt: Buffer.from(u.salt), saltedPassword: Buffer.from(u.saltedPassword) }));
  const results = await ctx.broker.credentials.alter(request.deletions, upsertions);
  const done = new Set(results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.user));
  const changes = [
    ...request.deletions.filter((d) => done.has(d.name)).map((d) => `${d.name}: ${scramMechanismOfType(d.mechanism)?.name} deleted`),
    ...request.upsertions.filter((u) => done.has(u.name)).map((u) => `${u.name}: ${scramMechanismOfType(u.mechanism)?.name} set (${u.iterations} iterations)`),
  ];
  if (changes.length > 0) ctx.broker.logger.info(`SCRAM credentials changed by ${ctx.principal} from ${ctx.clientAddress}: ${changes.join('; ')}`);
  return { throttleTimeMs: 0, results };
});
