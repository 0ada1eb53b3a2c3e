// The broker-wide budget of core memory for requests and responses in flight
// (strom.request.memory.max.bytes): receive areas, request frames, and fetched data that a
// response holds in memory. It is soft, as Kafka's memory pool is: what is already arriving
// is taken, and once the budget is spent connections stop reading and fetches that need
// memory wait, until enough is given back. Nothing is refused with an exception at the
// limit; the hard ceiling is the core memory's own maximum.
export class MemoryBudget {
  /** Bytes taken and not yet given back. */
  used = 0;
  /** The most ever taken at once. */
  peak = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly limitBytes: number) {}

  get exhausted(): boolean {
    return this.used >= this.limitBytes;
  }

  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  give(bytes: number): void {
    const wasExhausted = this.exhausted;
    this.used -= bytes;
    if (wasExhausted && !this.exhausted && this.waiters.size > 0) {
      const waiters = [...this.waiters];
      this.waiters.clear();
      for (const w of waiters) w();
    }
  }

  /** Calls `listener` once, when the budget is no longer exhausted; returns a cancel function. */
  onRelief(listener: () => void): () => void {
    this.waiters.add(listener);
    return () => this.waiters.delete(listener);
  }

  /**
   * Takes `bytes` once the budget is not exhausted (at once if it is not now); false, taking
   * nothing, when that has not happened by deadlineMs.
   */
  async acquire(bytes: number, deadlineMs: number): Promise<boolean> {
    while (this.exhausted) {
      if (!(await this.whenAvailable(deadlineMs))) return false;
    }
    this.take(bytes);
    return true;
  }

  /** Resolves at once when there is room, else when there is, or at deadlineMs (then false). */
  whenAvailable(deadlineMs: number): Promise<boolean> {
    if (!this.exhausted) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cancel();
        resolve(false);
      }, Math.max(0, deadlineMs - Date.now()));
      const cancel = this.onRelief(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
