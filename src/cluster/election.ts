// One controller, elected through etcd: a broker wins by creating the controller key under
// its registration lease, in a transaction that also bumps controller_epoch, so every win has
// a new epoch (Kafka's controller epoch). When the controller's lease ends (a crash, a lost
// session) the key goes and the others campaign again. Everything the controller writes is
// guarded by its own key's revision (fencedTxn): a deposed controller, whose key is gone or
// belongs to another, cannot write.
import type { Lease, Namespace } from 'etcd3';
import { KEYS, type ControllerRecord } from './model.js';

export class ControllerElection {
  /** Set while this broker is the controller. */
  record: ControllerRecord | null = null;
  /** Its key's creation revision, what its writes compare. */
  revision = '0';
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly ns: Namespace,
    private readonly lease: Lease,
    readonly brokerId: number,
    private readonly onElected: (record: ControllerRecord) => void,
    private readonly onDeposed: () => void,
    /** A campaign failed (etcd unreachable, the lease gone): it is tried again a second later. */
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Campaigns until stopped: wins when the controller key is free, waits while it is not. */
  async run(): Promise<void> {
    const watcher = await this.ns.watch().key(KEYS.controller).create();
    watcher.on('delete', () => {
      if (this.record) this.depose();
      this.wake?.();
    });
    watcher.on('put', (kv) => {
      // Another broker's record where ours was: we were deposed.
      if (this.record && kv.create_revision !== this.revision) this.depose();
    });
    try {
      while (!this.stopped) {
        if (!this.record) await this.campaign().catch((e) => this.onError(e as Error));
        if (this.stopped) break; // stop() came while the campaign was in flight
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (!this.record) setTimeout(resolve, 1000); // re-check now and then whatever the watch says
        });
        this.wake = null;
      }
    } finally {
      await watcher.cancel();
    }
  }

  private async campaign(): Promise<void> {
    const held = (await this.ns.get(KEYS.controller).exec()).kvs[0];
    if (held) {
      // Under this broker's own lease: a campaign of ours won, but its answer was lost (etcd
      // failed after the commit). Nobody else can win while the lease lives: take it up.
      if (held.lease === (await this.lease.grant())) await this.elected(JSON.parse(held.value.toString()) as ControllerRecord, held.create_revision);
      return;
    }
    const current = await this.ns.get(KEYS.controllerEpoch).exec();
    const kv = current.kvs[0];
    const epoch = kv ? Number(kv.value.toString()) + 1 : 1;
    const record: ControllerRecord = { id: this.brokerId, epoch };
    const epochUnchanged = kv ? this.ns.if(KEYS.controllerEpoch, 'Mod', '==', kv.mod_revision) : this.ns.if(KEYS.controllerEpoch, 'Version', '==', 0);
    const result = await epochUnchanged.and(KEYS.controller, 'Version', '==', 0)
      .then(this.lease.put(KEYS.controller).value(JSON.stringify(record)), this.ns.put(KEYS.controllerEpoch).value(String(epoch)))
      .commit();
    // The key was created by this transaction: its create revision is the transaction's.
    if (result.succeeded) await this.elected(record, result.header.revision);
  }

  private async elected(record: ControllerRecord, revision: string): Promise<void> {
    if (this.stopped) {
      // Won while stopping (a broker shutting down): give the key back instead of controlling.
      await this.ns.if(KEYS.controller, 'Create', '==', revision).then(this.ns.delete().key(KEYS.controller)).commit();
      return;
    }
    this.revision = revision;
    this.record = record;
    this.onElected(record);
  }

  private depose(): void {
    this.record = null;
    this.revision = '0';
    this.onDeposed();
  }

  /** Stops campaigning; a controller gives its key up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.record) await this.ns.if(KEYS.controller, 'Create', '==', this.revision).then(this.ns.delete().key(KEYS.controller)).commit().catch(() => {});
    this.record = null;
    this.wake?.();
  }

  /**
   * A transaction that succeeds only while this broker is still the controller it was
   * elected as, with `compares` added (the revisions of what it read).
   */
  fenced() {
    return this.ns.if(KEYS.controller, 'Create', '==', this.revision);
  }
}
