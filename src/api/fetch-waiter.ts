// A parked Fetch (Kafka's delayed fetch): it watches the logs of its partitions for as long as
// it waits, and the appends hand it the bytes they made readable. It counts them towards
// minBytes, up to what each partition's answer could still grow by, and wakes the handler
// only when the count reaches what the Fetch still lacks, when a log changed in a way it
// cannot count (a transaction marker, a log closing), or at the deadline. The handler then
// slices again only the partitions that changed: an append to one partition of a thousand
// costs the other 999 nothing, and appends too small to answer the Fetch cost a sum.
import type { FetchTarget } from './fetch-session.js';

export class FetchWaiter {
  /** Per target: how many more bytes its answer can take from appends (0: appends do not change it). */
  private readonly room: number[];
  /** Targets told of a change since the last wait. */
  private changed = new Set<number>();
  private counted = 0;
  private needed = Infinity;
  private wakeUp: (() => void) | null = null;
  private readonly cancels: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private expired = false;

  /** `stable`: count bytes below the last stable offset (read_committed), else below the high watermark. */
  constructor(targets: readonly FetchTarget[], stable: boolean, readonly deadline: number) {
    this.room = new Array<number>(targets.length).fill(0);
    targets.forEach((t, i) => {
      if (t.log) this.cancels.push(t.log.watchAppends((bytes, stableBytes) => this.appended(i, stable ? stableBytes : bytes)));
    });
  }

  /** How many bytes target `i`'s answer can still grow by as appends come (set after each slicing). */
  setRoom(i: number, bytes: number): void {
    this.room[i] = Math.max(0, bytes);
  }

  /**
   * Resolves with the targets that changed once appends brought `neededBytes` that the
   * answer can take, a change that cannot be counted happened, or at the deadline (then
   * with the targets changed so far).
   */
  wait(neededBytes: number): Promise<Set<number>> {
    this.timer ??= setTimeout(() => {
      this.expired = true;
      this.wakeUp?.();
    }, Math.max(0, this.deadline - Date.now()));
    this.needed = neededBytes;
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        const changed = this.changed;
        this.changed = new Set();
        this.counted = 0;
        resolve(changed);
      };
      if (this.expired || this.counted >= this.needed) this.wakeUp();
    });
  }

  get timedOut(): boolean {
    return this.expired;
  }

  /** Stops watching (the Fetch answered). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const cancel of this.cancels) cancel();
    this.cancels.length = 0;
  }

  private appended(i: number, bytes: number): void {
    if (bytes === 0) return;
    if (bytes < 0) {
      this.changed.add(i);
      this.counted = Infinity;
    } else {
      const room = this.room[i];
      if (room === 0) return;
      const taken = Math.min(room, bytes);
      this.room[i] = room - taken;
      this.counted += taken;
      this.changed.add(i);
    }
    if (this.counted >= this.needed) this.wakeUp?.();
  }
}
