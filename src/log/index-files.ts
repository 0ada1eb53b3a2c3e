// Reading Kafka's index files (.index, .timeindex) into core memory. Any failure to read one
// as expected is a CorruptIndexError: the caller then rebuilds the index from the log.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

export class CorruptIndexError extends Error {
  override name = 'CorruptIndexError';
}

const unreadable = (e: unknown) => new CorruptIndexError(`cannot read index: ${(e as Error).message}`);

export function indexFileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw unreadable(e);
  }
}

export function readIndexFileSync(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw unreadable(e);
  }
}

/** Runs `read` over the open file (with its size); a file that cannot be opened is unreadable. */
function withFile<T>(path: string, read: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw unreadable(e);
  }
  try {
    return read(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** Reads the file's last bytes, as many as fit `into` (or the whole file when smaller), to the start of `into`; returns the file's size. */
export function readTail(path: string, into: Uint8Array): number {
  return withFile(path, (fd, size) => {
    const n = Math.min(size, into.length);
    if (readSync(fd, into, 0, n, size - n) < n) throw new CorruptIndexError(`${path} is shorter than its size`);
    return size;
  });
}

/** Reads a whole index file into `into`, which must be exactly its size. */
export function readWholeSync(path: string, into: Uint8Array): void {
  withFile(path, (fd, size) => {
    if (size !== into.length) throw new CorruptIndexError(`is ${size} bytes, ${into.length} expected`);
    for (let done = 0; done < size;) {
      const n = readSync(fd, into, done, size - done, done);
      if (n === 0) throw new CorruptIndexError(`ended at ${done} of ${size} bytes`);
      done += n;
    }
  });
}
