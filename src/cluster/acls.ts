// ACLs of a cluster, in etcd (acls/<hash>, one key per distinct binding, its value the
// binding): any broker's CreateAcls and DeleteAcls write there in one transaction, every
// broker's authorizer reads them from its metadata image and hears of changes through its
// watch. A write resolves once this broker's image has it, so the broker that answered
// CreateAcls enforces the new ACLs from its next request on; other brokers follow within
// their watch's delay.
import { createHash } from 'node:crypto';
import type { Namespace } from 'etcd3';
import { bindingKey, type AclBinding } from '../security/acl.js';
import type { AclStore } from '../security/acl-store.js';
import type { MetadataImage } from './image.js';
import { KEYS } from './model.js';

/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128;

export class EtcdAclStore implements AclStore {
  constructor(private readonly ns: Namespace, private readonly image: MetadataImage) {}

  *bindings(): Iterable<AclBinding> {
    for (const value of this.image.acls.values()) yield JSON.parse(value) as AclBinding;
  }

  async add(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    const ops = bindings.map((b) => this.ns.put(KEYS.acl(hash(b))).value(JSON.stringify({ pattern: b.pattern, entry: b.entry })));
    await this.commit(ops);
  }

  async remove(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    await this.commit(bindings.map((b) => this.ns.delete().key(KEYS.acl(hash(b)))));
  }

  onChange(listener: () => void): void {
    this.image.onChange((change) => {
      if (change.kind === 'acl') listener();
    });
  }

  private async commit(ops: Parameters<ReturnType<Namespace['if']>['then']>): Promise<void> {
    let revision = this.image.revision;
    // An always-true guard makes writes one transaction; etcd takes so many in one (--max-txn-ops).
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
      const result = await this.ns.if(KEYS.clusterId, 'Version', '>', 0).then(...ops.slice(i, i + MAX_TXN_OPS)).commit();
      revision = result.header.revision;
    }
    await this.image.caughtUp(revision);
  }
}

function hash(b: AclBinding): string {
  return createHash('sha256').update(bindingKey(b)).digest('hex').slice(0, 32);
}
