// Where the ACLs live: a file in the log directory on a broker alone (strom-acls.json,
// replaced atomically at every change), or etcd in a cluster (cluster/acls.ts). Both offer the
// same small interface; the authorizer reads every binding and is told of changes.
import { join } from 'node:path';
import { StateFile } from '../base/atomic-file.js';
import { bindingKey, type AclBinding } from './acl.js';

const ACLS_FILE = 'strom-acls.json';

export interface AclStore {
  /** Every binding stored. */
  bindings(): Iterable<AclBinding>;
  /** Stores bindings (one already stored is no change); resolves once they are durable. */
  add(bindings: AclBinding[]): Promise<void>;
  /** Removes bindings; resolves once that is durable. */
  remove(bindings: AclBinding[]): Promise<void>;
  /** Called after every change, from any broker in a cluster. */
  onChange(listener: () => void): void;
}

interface AclsFile {
  version: 1;
  acls: {
    resourceType: number; patternType: number; name: string;
    principal: string; host: string; operation: number; permission: number;
  }[];
}

export class FileAclStore implements AclStore {
  private readonly acls = new Map<string, AclBinding>();
  private readonly listeners: (() => void)[] = [];
  private constructor(private readonly file: StateFile<AclsFile>) {}

  /** Loads the ACLs of a log directory (none when the file does not exist yet). */
  static open(dir: string): FileAclStore {
    const store = new FileAclStore(new StateFile<AclsFile>(join(dir, ACLS_FILE)));
    const file = store.file.read();
    if (!file) return store;
    if (file.version !== 1 || !Array.isArray(file.acls)) throw new Error(`${store.file.path}: unknown format (version ${file.version})`);
    for (const a of file.acls) {
      const binding: AclBinding = {
        pattern: { resourceType: a.resourceType, name: a.name, patternType: a.patternType },
        entry: { principal: a.principal, host: a.host, operation: a.operation, permission: a.permission },
      };
      store.acls.set(bindingKey(binding), binding);
    }
    return store;
  }

  bindings(): Iterable<AclBinding> {
    return this.acls.values();
  }

  async add(bindings: AclBinding[]): Promise<void> {
    const added: [string, AclBinding][] = [];
    for (const b of bindings) {
      const key = bindingKey(b);
      if (!this.acls.has(key)) {
        this.acls.set(key, b);
        added.push([key, b]);
      }
    }
    if (added.length > 0) await this.changed(() => { for (const [key, b] of added) if (this.acls.get(key) === b) this.acls.delete(key); });
  }

  async remove(bindings: AclBinding[]): Promise<void> {
    const removed: [string, AclBinding][] = [];
    for (const b of bindings) {
      const key = bindingKey(b);
      const stored = this.acls.get(key);
      if (stored && this.acls.delete(key)) removed.push([key, stored]);
    }
    if (removed.length > 0) await this.changed(() => { for (const [key, b] of removed) if (!this.acls.has(key)) this.acls.set(key, b); });
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Tells the listeners and writes the file; a write that fails (a full or broken disk) takes
   * the change back (`undo`), so that what is enforced is what a restart would load, and throws.
   */
  private async changed(undo: () => void): Promise<void> {
    for (const listener of this.listeners) listener();
    const writing = this.file.write({
      version: 1,
      acls: [...this.acls.values()].map(({ pattern: p, entry: e }) => ({
        resourceType: p.resourceType, patternType: p.patternType, name: p.name,
        principal: e.principal, host: e.host, operation: e.operation, permission: e.permission,
      })),
    });
    try {
      await writing;
    } catch (e) {
      undo();
      for (const listener of this.listeners) listener();
      throw e;
    }
  }
}
