// Where client quotas live: strom-client-quotas.json in the log directory on a broker alone
// (replaced atomically at every change), or etcd in a cluster (cluster/quotas.ts). Values are
// kept per entity (entities.ts' entityKey) as Kafka keeps them: doubles by quota key.
import { join } from 'node:path';
import { StateFile } from '../base/atomic-file.js';

const QUOTAS_FILE = 'strom-client-quotas.json';

/** Quota key -> value. */
export type QuotaValues = Record<string, number>;

/** One entity's change: keys set, keys removed. */
export interface QuotaChange {
  entityKey: string;
  set: QuotaValues;
  remove: string[];
}

export interface QuotaStore {
  /** Every entity with at least one value, by entity key. */
  entries(): ReadonlyMap<string, QuotaValues>;
  /** Applies the changes; resolves once they are durable. */
  alter(changes: QuotaChange[]): Promise<void>;
  /** Called after every change, from any broker in a cluster. */
  onChange(listener: () => void): void;
}

/** The entity's values after a change (null: none left). */
export function applyChange(current: QuotaValues | undefined, change: QuotaChange): QuotaValues | null {
  const next: QuotaValues = { ...current, ...change.set };
  for (const key of change.remove) delete next[key];
  return Object.keys(next).length > 0 ? next : null;
}

interface QuotasFile {
  version: 1;
  /** entity key -> values */
  entities: Record<string, QuotaValues>;
}

export class FileQuotaStore implements QuotaStore {
  private readonly values = new Map<string, QuotaValues>();
  private readonly listeners: (() => void)[] = [];

  private constructor(private readonly file: StateFile<QuotasFile>) {}

  static open(dir: string): FileQuotaStore {
    const store = new FileQuotaStore(new StateFile<QuotasFile>(join(dir, QUOTAS_FILE)));
    const file = store.file.read();
    if (!file) return store;
    if (file.version !== 1 || typeof file.entities !== 'object') throw new Error(`${store.file.path}: unknown format (version ${file.version})`);
    for (const [key, values] of Object.entries(file.entities)) store.values.set(key, values);
    return store;
  }

  entries(): ReadonlyMap<string, QuotaValues> {
    return this.values;
  }

  /** A write that fails (a full or broken disk) takes the change back, so that what is enforced is what a restart would load, and throws. */
  async alter(changes: QuotaChange[]): Promise<void> {
    const before: [string, QuotaValues | undefined, QuotaValues | null][] = [];
    for (const change of changes) {
      const previous = this.values.get(change.entityKey);
      const next = applyChange(previous, change);
      if (next) this.values.set(change.entityKey, next);
      else this.values.delete(change.entityKey);
      before.push([change.entityKey, previous, next]);
    }
    for (const listener of this.listeners) listener();
    const writing = this.file.write({ version: 1, entities: Object.fromEntries(this.values) });
    try {
      await writing;
    } catch (e) {
      // Back to the values before, where no later change has replaced this one's.
      for (const [key, previous, next] of before.reverse()) {
        if ((this.values.get(key) ?? null) !== next) continue;
        if (previous) this.values.set(key, previous);
        else this.values.delete(key);
      }
      for (const listener of this.listeners) listener();
      throw e;
    }
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}
