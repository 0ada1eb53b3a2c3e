// Topic ids (KIP-516) and the file that keeps one in each partition directory, as Kafka's
// PartitionMetadataFile does: `partition.metadata`, two lines, `version: 0` and
// `topic_id: <id>`. An id is Kafka's Uuid as the protocol carries it and Kafka prints it:
// 16 bytes in unpadded base64url (22 characters). The file tells which incarnation of a
// topic a directory belongs to, so a directory left by a deleted topic of the same name is
// never mistaken for the current one.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ZERO_UUID } from '../protocol/codec.js';
import { PARTITION_METADATA_FILE, STRAY_DIR_SUFFIX } from '../storage/layout.js';

/** Kafka's Uuid.RESERVED: the zero UUID ("no id") and ONE_UUID (the KRaft metadata topic's). */
export const RESERVED_TOPIC_IDS: readonly string[] = [ZERO_UUID, 'AAAAAAAAAAAAAAAAAAAAAQ'];

/** The file version Strom writes; Kafka reads any version from 0 (newer ones add lines). */
const CURRENT_VERSION = 0;

/** A valid topic id: 22 base64url characters of exactly 16 bytes, not a reserved id. */
export function isTopicId(id: unknown): id is string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(id)) return false;
  // The 22nd character holds 2 bits of padding: only its canonical spelling round-trips.
  return Buffer.from(id, 'base64url').toString('base64url') === id && !RESERVED_TOPIC_IDS.includes(id);
}

/**
 * A new random topic id: a version-4 UUID, as Kafka's Uuid.randomUuid, which also skips
 * reserved ids and ids starting with '-' (command-line tools would take them for a flag).
 */
export function newTopicId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (isTopicId(id) && !id.startsWith('-')) return id;
  }
}

/** A bad partition.metadata: its path and what is wrong, for the operator. */
export class PartitionMetadataError extends Error {}

export function formatPartitionMetadata(topicId: string): string {
  if (!isTopicId(topicId)) throw new RangeError(`not a topic id: ${topicId}`);
  return `version: ${CURRENT_VERSION}\ntopic_id: ${topicId}\n`;
}

/** The topic id in a partition.metadata file's text; `path` names it in errors. */
export function parsePartitionMetadata(text: string, path: string): string {
  const bad = (why: string) => new PartitionMetadataError(`${path}: ${why}; expected "version: 0" and "topic_id: <id>" lines`);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // Kafka writes no final newline, Strom does
  if (lines.length !== 2) throw bad(`malformed partition metadata file (${lines.length} line(s))`);
  const field = (line: string, key: string) => {
    const parts = line.split(/:\s+/);
    if (parts.length !== 2 || parts[0] !== key) throw bad(`malformed line '${line}'`);
    return parts[1].trim();
  };
  const version = field(lines[0], 'version');
  if (!/^\d+$/.test(version)) throw bad(`unrecognized version '${version}'`);
  const topicId = field(lines[1], 'topic_id');
  if (!isTopicId(topicId)) throw bad(`invalid topic id '${topicId}'`);
  return topicId;
}

/** The topic id in `dir`'s partition.metadata, or null if it has none. */
export function readPartitionMetadata(dir: string): string | null {
  const path = join(dir, PARTITION_METADATA_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null; // no file, or no directory
    throw e;
  }
  return parsePartitionMetadata(text, path);
}

/** Writes `dir`'s partition.metadata durably: a temporary file, synced, renamed over it, the directory synced. */
export async function writePartitionMetadata(dir: string, topicId: string): Promise<void> {
  const path = join(dir, PARTITION_METADATA_FILE);
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(formatPartitionMetadata(topicId));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const parent = await open(dir, 'r');
  try {
    await parent.sync();
  } finally {
    await parent.close();
  }
}

/**
 * Where a partition directory of another topic incarnation goes: Kafka's stray log name,
 * `<topic>-<partition>.<random hex>-stray`, which no longer parses as a partition directory.
 */
export function strayDirPath(dir: string): string {
  return `${dir}.${randomUUID().replace(/-/g, '')}${STRAY_DIR_SUFFIX}`;
}
