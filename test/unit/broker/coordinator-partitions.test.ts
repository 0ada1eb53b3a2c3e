// src/broker/coordinator-partitions.ts: a coordinator's partitions follow their leadership:
// loaded when led here (COORDINATOR_LOAD_IN_PROGRESS meanwhile), dropped when led elsewhere,
// one move after another in the order they came; a failed load is logged and leaves no
// partition loading for good.
import { describe, expect, it } from 'vitest';
import { CoordinatorPartitions } from '../../../src/broker/coordinator-partitions.js';
import type { ClusterView } from '../../../src/broker/cluster-view.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { waitFor } from '../../helpers/wait.js';

/** Leadership of one topic's partitions, changed by the test as the cluster would change it. */
function leadership() {
  const led = new Set<number>();
  let listener: (topic: string, partition: number, leading: boolean) => void = () => {};
  const view = {
    leads: (topic: string, partition: number) => topic === 't' && led.has(partition),
    onLeaderChange: (l: typeof listener) => { listener = l; },
  } as unknown as ClusterView;
  const move = (partition: number, leading: boolean) => {
    if (leading) led.add(partition);
    else led.delete(partition);
    listener('t', partition, leading);
  };
  return { view, move };
}

describe('CoordinatorPartitions', () => {
  it('loads a partition led here, answers LOAD_IN_PROGRESS until it is loaded, and drops it when it moves away, in order', async () => {
    const { view, move } = leadership();
    const events: string[] = [];
    let finishLoad = () => {};
    const errors: string[] = [];
    const partitions = new CoordinatorPartitions(view, 't', {
      unload: (p) => events.push(`unload ${p}`),
      load: (p) => new Promise<void>((resolve) => {
        events.push(`load ${p}`);
        finishLoad = resolve;
      }),
    }, { info() {}, warn() {}, debug() {}, error: (m: string) => errors.push(m) } as any);
    let startDone = () => {};
    partitions.follow(new Promise<void>((r) => { startDone = r; }));
    expect(partitions.error(0)).toBe(ErrorCode.NOT_COORDINATOR);

    move(0, true);
    expect(partitions.error(0)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    move(0, false);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([]); // after the start's own load
    startDone();
    // Led, then no longer: by the time its turn comes it is led elsewhere, so nothing is loaded.
    await waitFor('both moves done', () => events.length === 2);
    expect(events).toEqual(['unload 0', 'unload 0']);
    expect(partitions.error(0)).toBe(ErrorCode.NOT_COORDINATOR);

    move(1, true);
    await waitFor('partition 1 loading', () => events.includes('load 1'));
    expect(partitions.error(1)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    move(1, false); // waits for the load in progress
    finishLoad();
    await waitFor('partition 1 dropped again', () => events.length === 5);
    expect(events.slice(2)).toEqual(['unload 1', 'load 1', 'unload 1']);
    expect(partitions.error(1)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(errors).toEqual([]);
  });

  it('logs a failed load and does not leave its partition loading', async () => {
    const { view, move } = leadership();
    const errors: string[] = [];
    const partitions = new CoordinatorPartitions(view, 't', {
      unload: () => {},
      load: async () => { throw new Error('disk on fire'); },
    }, { info() {}, warn() {}, debug() {}, error: (m: string) => errors.push(m) } as any);
    partitions.follow(Promise.resolve());
    move(2, true);
    await waitFor('the failure logged', () => errors.length === 1);
    expect(errors[0]).toBe('loading t-2 failed: disk on fire');
    await waitFor('not loading', () => partitions.error(2) === ErrorCode.NONE);
  });
});
