// Running many independent asynchronous tasks (opening thousands of partitions) with a
// bounded number in flight: enough to overlap their waits (a worker's round trip, an fsync),
// few enough not to hold thousands of open files or promises at once.

/**
 * Runs `task` on every item, at most `limit` at a time, and resolves with the results in the
 * items' order. After a failure no task is started; the running ones are let finish, then
 * the first error is thrown.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | null = null;
  const run = async () => {
    while (failed === null && next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i], i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
  if (failed !== null) throw (failed as { error: unknown }).error;
  return results;
}
