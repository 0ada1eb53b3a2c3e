// Waiting in tests: always bounded, always for the state the test then asserts.
import { expect } from 'vitest';
import { isDeepStrictEqual } from 'node:util';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Between checks (default 50 ms). */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns true; throws "timed out waiting for <what>" after timeoutMs.
 * `what` may be a function, called only on failure (e.g. to add the broker's last log lines).
 */
export async function waitFor(what: string | (() => string), check: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 20_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(intervalMs);
  }
}

/**
 * Reads `read()` until it deep-equals `expected`, then returns; after timeoutMs fails with
 * the last value read against the expected one (a diff, not a bare timeout). For state that
 * arrives asynchronously, such as a page redrawn after a fetch.
 */
export async function eventually<T>(read: () => T | Promise<T>, expected: T, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDeepStrictEqual(value, expected)) return;
    if (Date.now() >= deadline) {
      expect(value, `still not as expected after ${timeoutMs} ms`).toEqual(expected);
      return;
    }
    await sleep(intervalMs);
  }
}
