// Client quotas of a cluster, in etcd (quotas/<entity key>, its value the entity's quota
// values): AlterClientQuotas on any broker writes there, every broker reads them from its
// metadata image and hears of changes through its watch; a write resolves once this broker's
// image has it.
import type { Namespace } from 'etcd3';
import { applyChange, type QuotaChange, type QuotaStore, type QuotaValues } from '../quota/quota-store.js';
import type { MetadataImage } from './image.js';
import { KEYS } from './model.js';

/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128;

export class EtcdQuotaStore implements QuotaStore {
  constructor(private readonly ns: Namespace, private readonly image: MetadataImage) {}

  entries(): ReadonlyMap<string, QuotaValues> {
    const out = new Map<string, QuotaValues>();
    for (const [key, value] of this.image.quotas) out.set(decodeURIComponent(key), JSON.parse(value) as QuotaValues);
    return out;
  }

  async alter(changes: QuotaChange[]): Promise<void> {
    const current = this.entries();
    const ops = changes.map((change) => {
      const next = applyChange(current.get(change.entityKey), change);
      const key = KEYS.quota(encodeURIComponent(change.entityKey));
      return next ? this.ns.put(key).value(JSON.stringify(next)) : this.ns.delete().key(key);
    });
    let revision = this.image.revision;
    // An always-true guard makes writes one transaction; etcd takes so many in one (--max-txn-ops).
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
      const result = await this.ns.if(KEYS.clusterId, 'Version', '>', 0).then(...ops.slice(i, i + MAX_TXN_OPS)).commit();
      revision = result.header.revision;
    }
    await this.image.caughtUp(revision);
  }

  onChange(listener: () => void): void {
    this.image.onChange((change) => {
      if (change.kind === 'quota') listener();
    });
  }
}
