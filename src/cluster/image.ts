// The cluster's metadata as this broker knows it: everything under the prefix, read once at
// one etcd revision and then kept current by one watch from the next revision (so no change
// is missed between the read and the watch). Every broker has one; the controller decides
// from it, the others act on it (which partitions to host, lead or follow) and answer
// Metadata from it. Changes are reported to listeners in etcd's order.
import type { Namespace, Watcher } from 'etcd3';
import {
  KEYS, parseKey, type BrokerRegistration, type ControllerRecord, type PartitionState, type TopicRecord,
} from './model.js';

export type ImageChange =
  | { kind: 'broker'; id: number; registration: BrokerRegistration | null }
  | { kind: 'controller'; record: ControllerRecord | null }
  | { kind: 'topic'; name: string; record: TopicRecord | null; previous: TopicRecord | null }
  | { kind: 'partition'; topicId: string; partition: number; state: PartitionState | null }
  | { kind: 'brokerConfig'; id: number | 'default'; configs: Record<string, string> | null }
  | { kind: 'acl' }
  | { kind: 'quota' }
  | { kind: 'scramCredential'; user: string; mechanism: string; value: string | null };

/** A partition state with the etcd revision it was written at (what a guarded write compares). */
export interface VersionedState extends PartitionState {
  modRevision: string;
}

interface KeyValue {
  key: Buffer;
  value: Buffer;
  mod_revision: string;
}

export class MetadataImage {
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topics = new Map<string, TopicRecord>();
  /** Topic id -> name. */
  readonly topicNames = new Map<string, string>();
  readonly partitions = new Map<string, VersionedState>();
  readonly brokerConfigs = new Map<number | 'default', Record<string, string>>();
  /** ACL bindings by their key's hash (cluster/acls.ts), as stored (JSON). */
  readonly acls = new Map<string, string>();
  /** Client quota entities (cluster/quotas.ts), as stored (JSON). */
  readonly quotas = new Map<string, string>();
  /** SCRAM credentials (cluster/scram-credentials.ts) by key, as stored (JSON). */
  readonly scramCredentials = new Map<string, { user: string; mechanism: string; value: string }>();
  controller: ControllerRecord | null = null;
  /** The controller key's revision (a controller's writes compare it). */
  controllerRevision = '0';
  clusterId: string | null = null;
  /** The etcd revision the image reflects. */
  revision = '0';
  private readonly listeners = new Set<(change: ImageChange) => void>();
  /** Waiting for the image to reach a revision (a write of this broker's, seen through the watch). */
  private readonly revisionWaiters: { revision: bigint; resolve: () => void }[] = [];
  private watcher: Watcher | null = null;

  private constructor() {}

  /** Reads everything under the prefix, then follows every change from that revision on. */
  static async load(ns: Namespace): Promise<MetadataImage> {
    const image = new MetadataImage();
    const all = await ns.getAll().prefix('').exec();
    for (const kv of all.kvs as unknown as KeyValue[]) image.apply(kv.key.toString(), kv.value.toString(), kv.mod_revision, false);
    image.revision = all.header.revision;
    const watcher = await ns.watch().prefix('').startRevision(String(BigInt(image.revision) + 1n)).create();
    watcher.on('put', (kv) => {
      image.apply(kv.key.toString(), kv.value.toString(), kv.mod_revision, true);
      image.release();
    });
    watcher.on('delete', (kv) => {
      image.apply(kv.key.toString(), null, kv.mod_revision, true);
      image.release();
    });
    image.watcher = watcher;
    return image;
  }

  onChange(listener: (change: ImageChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.watcher?.cancel();
    this.watcher = null;
  }

  /** Resolves once the image reflects etcd revision `revision` (a write's header revision). */
  caughtUp(revision: string): Promise<void> {
    const wanted = BigInt(revision);
    if (BigInt(this.revision) >= wanted) return Promise.resolve();
    return new Promise((resolve) => this.revisionWaiters.push({ revision: wanted, resolve }));
  }

  static partitionKey(topicId: string, partition: number): string {
    return `${topicId}/${partition}`;
  }

  partition(topicId: string, partition: number): VersionedState | undefined {
    return this.partitions.get(MetadataImage.partitionKey(topicId, partition));
  }

  /** The topic's record by name and its partitions' states. */
  topicByName(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  private apply(key: string, value: string | null, modRevision: string, notify: boolean): void {
    if (BigInt(modRevision) > BigInt(this.revision)) this.revision = modRevision;
    if (key === KEYS.clusterId) {
      this.clusterId = value;
      return;
    }
    const name = parseKey(key);
    let change: ImageChange | null = null;
    switch (name.kind) {
      case 'broker': {
        const registration = value === null ? null : JSON.parse(value) as BrokerRegistration;
        if (registration) this.brokers.set(name.id, registration);
        else this.brokers.delete(name.id);
        change = { kind: 'broker', id: name.id, registration };
        break;
      }
      case 'controller': {
        this.controller = value === null ? null : JSON.parse(value) as ControllerRecord;
        this.controllerRevision = value === null ? '0' : modRevision;
        change = { kind: 'controller', record: this.controller };
        break;
      }
      case 'topic': {
        const previous = this.topics.get(name.name) ?? null;
        const record = value === null ? null : JSON.parse(value) as TopicRecord;
        if (previous) this.topicNames.delete(previous.id);
        if (record) {
          this.topics.set(name.name, record);
          this.topicNames.set(record.id, name.name);
        } else this.topics.delete(name.name);
        change = { kind: 'topic', name: name.name, record, previous };
        break;
      }
      case 'partition': {
        const key = MetadataImage.partitionKey(name.topicId, name.partition);
        const state = value === null ? null : { ...JSON.parse(value) as PartitionState, modRevision };
        if (state) this.partitions.set(key, state);
        else this.partitions.delete(key);
        change = { kind: 'partition', topicId: name.topicId, partition: name.partition, state };
        break;
      }
      case 'brokerConfig': {
        const configs = value === null ? null : JSON.parse(value) as Record<string, string>;
        if (configs) this.brokerConfigs.set(name.id, configs);
        else this.brokerConfigs.delete(name.id);
        change = { kind: 'brokerConfig', id: name.id, configs };
        break;
      }
      case 'acl':
        if (value === null) this.acls.delete(name.hash);
        else this.acls.set(name.hash, value);
        change = { kind: 'acl' };
        break;
      case 'quota':
        if (value === null) this.quotas.delete(name.entity);
        else this.quotas.set(name.entity, value);
        change = { kind: 'quota' };
        break;
      case 'scramCredential':
        if (value === null) this.scramCredentials.delete(key);
        else this.scramCredentials.set(key, { user: name.user, mechanism: name.mechanism, value });
        change = { kind: 'scramCredential', user: name.user, mechanism: name.mechanism, value };
        break;
      default:
        return;
    }
    if (notify && change) for (const listener of this.listeners) listener(change);
  }

  /** Resolves the waiters of the revisions reached (after each event of the watch). */
  private release(): void {
    if (this.revisionWaiters.length > 0) {
      const now = BigInt(this.revision);
      for (let i = this.revisionWaiters.length - 1; i >= 0; i--) {
        const w = this.revisionWaiters[i];
        if (w.revision <= now) {
          this.revisionWaiters.splice(i, 1);
          w.resolve();
        }
      }
    }
  }
}
