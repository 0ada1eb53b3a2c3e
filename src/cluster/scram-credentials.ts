// SCRAM credentials of a cluster, in etcd (scram_credentials/<user>/<mechanism>, its value the
// salt, StoredKey, ServerKey and iterations: never a password), as Kafka keeps them in its
// cluster metadata: AlterUserScramCredentials on any broker writes there in one transaction,
// every broker reads them from its metadata image and hears of changes through its watch, so
// a user created through one broker logs in on all of them. A write resolves once this
// broker's image has it (the broker that answered authenticates with the change from its next
// login on); other brokers follow within their watch's delay. One key per user and mechanism,
// as Kafka's UserScramCredentialRecord: two brokers changing different mechanisms of a user
// never overwrite each other.
import type { Namespace } from 'etcd3';
import { ErrorCode } from '../protocol/errors.js';
import { ScramCredentialStore, decodeCredential, encodeCredential } from '../security/credentials.js';
import { scramMechanism } from '../security/scram.js';
import type { MetadataImage } from './image.js';
import { KEYS } from './model.js';

/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128;

export class EtcdScramCredentialStore extends ScramCredentialStore {
  constructor(private readonly ns: Namespace, private readonly image: MetadataImage) {
    super();
    for (const { user, mechanism, value } of image.scramCredentials.values()) this.take(user, mechanism, value);
    image.onChange((change) => {
      if (change.kind !== 'scramCredential') return;
      this.take(change.user, change.mechanism, change.value);
      this.changed();
    });
  }

  async alter(...[deletions, upsertions]: Parameters<ScramCredentialStore['alter']>): ReturnType<ScramCredentialStore['alter']> {
    const { accepted, results } = this.check(deletions, upsertions);
    const ops = accepted.map((a) => {
      const key = KEYS.scramCredential(a.user, a.mechanism.name);
      return a.credential ? this.ns.put(key).value(JSON.stringify(encodeCredential(a.credential))) : this.ns.delete().key(key);
    });
    let revision = this.image.revision;
    try {
      // An always-true guard makes writes one transaction; etcd takes so many in one (--max-txn-ops).
      for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
        const result = await this.ns.if(KEYS.clusterId, 'Version', '>', 0).then(...ops.slice(i, i + MAX_TXN_OPS)).commit();
        revision = result.header.revision;
      }
    } catch (e) {
      // etcd unreachable: each user's alteration is answered as failed, the connection stays.
      const failed = new Set(accepted.map((a) => a.user));
      const errorMessage = `The SCRAM credential could not be stored in the cluster's metadata (etcd): ${(e as Error).message}`;
      return results.map((r) => (failed.has(r.user) ? { ...r, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage } : r));
    }
    await this.image.caughtUp(revision);
    return results;
  }

  /** Applies a stored value (null: deleted); one this broker cannot read is left out, said once. */
  private take(user: string, mechanism: string, value: string | null): void {
    if (!scramMechanism(mechanism)) return;
    if (value === null) {
      this.set(user, mechanism, null);
      return;
    }
    try {
      this.set(user, mechanism, decodeCredential(JSON.parse(value) as Parameters<typeof decodeCredential>[0]));
    } catch {
      // Not written by a broker: a user that cannot log in beats a broker that cannot start.
      this.set(user, mechanism, null);
    }
  }
}

