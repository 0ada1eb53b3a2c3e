// Producer ids in a cluster: blocks of ids handed to each broker from one counter in etcd
// (Kafka's controller allocates blocks through AllocateProducerIds the same way), so no two
// brokers ever give out the same id. The next block is fetched while half of the current one
// is left, so InitProducerId never waits for etcd.
import type { Namespace } from 'etcd3';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { KEYS } from './model.js';

const BLOCK = 1000;
const MAX_ATTEMPTS = 10;

export class ClusterProducerIds {
  private next = 0;
  private end = 0;
  private spare: number | null = null;
  private fetching: Promise<void> | null = null;

  constructor(private readonly ns: Namespace, private readonly onError: (e: Error) => void) {}

  /** Takes the first block (before the broker serves InitProducerId). */
  async start(): Promise<void> {
    this.next = await this.claim();
    this.end = this.next + BLOCK;
  }

  allocate(): number {
    if (this.next >= this.end) {
      if (this.spare === null) {
        this.prefetch();
        throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'waiting for a block of producer ids from etcd');
      }
      this.next = this.spare;
      this.end = this.spare + BLOCK;
      this.spare = null;
    }
    if (this.end - this.next <= BLOCK / 2 && this.spare === null) this.prefetch();
    return this.next++;
  }

  private prefetch(): void {
    this.fetching ??= this.claim().then((start) => {
      this.spare = start;
    }, this.onError).finally(() => {
      this.fetching = null;
    });
  }

  /** Moves the counter one block on in a transaction guarded by its revision; returns the block's first id. */
  private async claim(): Promise<number> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.ns.get(KEYS.producerIds).exec();
      const kv = current.kvs[0];
      const start = kv ? Number(kv.value.toString()) : 0;
      const txn = kv
        ? this.ns.if(KEYS.producerIds, 'Mod', '==', kv.mod_revision)
        : this.ns.if(KEYS.producerIds, 'Version', '==', 0);
      const result = await txn.then(this.ns.put(KEYS.producerIds).value(String(start + BLOCK))).commit();
      if (result.succeeded) return start;
    }
    throw new Error(`could not claim a block of producer ids in ${MAX_ATTEMPTS} attempts`);
  }
}
