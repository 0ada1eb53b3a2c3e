// A small state file replaced whole (ACLs, client quotas): written to a temporary file,
// synced, renamed over the old one and the directory synced, so a crash leaves the old file
// or the new one, never a torn one. Writers of one file are serialised by the caller.
import { open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
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
