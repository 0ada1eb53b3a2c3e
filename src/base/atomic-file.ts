// A small state file replaced whole (ACLs, client quotas): written to a temporary file,
// synced, renamed over the old one and the directory synced, so a crash leaves the old file
// or the new one, never a torn one. StateFile keeps one such file's writes in order and reads
// it back as JSON.
import { existsSync, readFileSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode });
  const file = await open(tmp, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** A JSON state file in a log directory (ACLs, client quotas), replaced whole at every change. */
export class StateFile<T> {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Its content; null when it does not exist yet. Throws, naming the file, when it cannot be parsed. */
  read(): T | null {
    if (!existsSync(this.path)) return null;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${this.path} cannot be read: ${(e as Error).message}`);
    }
  }

  /**
   * Replaces it with `content` (owner-only: it may hold who may do what), after the write
   * before, whether that one failed (its caller heard) or not: a change's file is never
   * overtaken by an older one's.
   */
  write(content: T): Promise<void> {
    const text = `${JSON.stringify(content, null, 2)}\n`;
    const write = () => writeFileAtomic(this.path, text, 0o600);
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
