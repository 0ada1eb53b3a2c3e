// Kafka's offset checkpoint files (OffsetCheckpointFile): a version line (0), a count line,
// then "topic partition offset" lines. Written to a temp file, synced and renamed, so a
// crash leaves either the old or the new file.
import { readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { writeFile, rename, open } from 'node:fs/promises';
import { TMP_SUFFIX } from '../storage/layout.js';

type Checkpoint = Map<string, number>; // "<topic>-<partition>" -> offset

export function readCheckpoint(path: string): Checkpoint {
  const out: Checkpoint = new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== '0') throw new Error(`${path}: unknown checkpoint version ${lines[0]}`);
  const count = Number(lines[1]);
  for (const line of lines.slice(2, 2 + count)) {
    const m = /^(\S+) (\d+) (-?\d+)$/.exec(line.trim());
    if (!m) throw new Error(`${path}: malformed line ${JSON.stringify(line)}`);
    out.set(`${m[1]}-${m[2]}`, Number(m[3]));
  }
  return out;
}

function format(entries: Iterable<[string, number, number]>): string {
  const lines = [...entries].map(([topic, partition, offset]) => `${topic} ${partition} ${offset}`);
  return `0\n${lines.length}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

export function writeCheckpointSync(path: string, entries: Iterable<[string, number, number]>): void {
  const tmp = path + TMP_SUFFIX;
  writeFileSync(tmp, format(entries));
  const fd = openSync(tmp, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

export async function writeCheckpoint(path: string, entries: Iterable<[string, number, number]>): Promise<void> {
  const tmp = path + TMP_SUFFIX;
  await writeFile(tmp, format(entries));
  const handle = await open(tmp, 'r+');
  await handle.sync();
  await handle.close();
  await rename(tmp, path);
}
