// How the topics of a log directory get their topic ids (KIP-516) at start, and how a
// partition directory is checked against its topic's id. The topics file is the authority,
// as the metadata image is in Kafka; partition.metadata (partition-metadata.ts) tells which
// incarnation of a topic each directory holds.
import { mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { partitionDirName } from '../storage/layout.js';
import type { Logger } from '../base/logger.js';
import { isTopicId, newTopicId, readPartitionMetadata, writePartitionMetadata, strayDirPath } from './partition-metadata.js';

type Warn = Pick<Logger, 'warn'>;

/** A new topic id that `taken` does not hold (random UUIDs all but never clash, but it is cheap to rule out). */
export function unusedTopicId(taken: ReadonlyMap<string, unknown>): string {
  for (;;) {
    const id = newTopicId();
    if (!taken.has(id)) return id;
  }
}

/**
 * The id of each topic found at start (name -> partition count): the topics file's
 * (`saved`); else, for a topics file older than topic ids or lost, the first
 * partition.metadata in the topic's directories, so a log directory keeps its ids; else a
 * new one. Reads every partition.metadata it needs before anything is loaded: a malformed
 * one, or two topics with one id, stop the start with a ConfigError naming the problem.
 */
export function startTopicIds(dir: string, found: ReadonlyMap<string, number>, saved: (name: string) => unknown, logger: Warn): Map<string, string> {
  const ids = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const [name, count] of found) {
    const fromFile = saved(name);
    if (fromFile !== undefined && !isTopicId(fromFile)) logger.warn(`the topics file gives topic ${name} an invalid topic id '${String(fromFile)}'; ignored`);
    let id = isTopicId(fromFile) ? fromFile : null;
    for (let p = 0; p < count && id === null; p++) id = partitionMetadataIn(join(dir, partitionDirName(name, p)));
    id ??= unusedTopicId(owners);
    const other = owners.get(id);
    if (other !== undefined) {
      throw new ConfigError(`The log directory ${dir} gives topics ${other} and ${name} the same topic id ${id}; a topic id names one topic. Move the copied partition directories away`);
    }
    owners.set(id, name);
    ids.set(name, id);
  }
  return ids;
}

/** The topic id a partition directory names, or null; a malformed file is a ConfigError. */
function partitionMetadataIn(partitionDir: string): string | null {
  try {
    return readPartitionMetadata(partitionDir);
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}. Fix or remove the file (a partition directory without one takes its topic's id)`);
  }
}

/**
 * Makes `partitionDir` a directory of the topic with `topicId`. One whose partition.metadata
 * names another id holds another incarnation of the topic (deleted and created again, or
 * copied from elsewhere): as Kafka does with such stray logs, it is not loaded but moved
 * aside (<dir>.<random>-stray, kept for the operator), and the partition starts empty. A
 * directory without the file (written by Strom before topic ids) gets it now.
 */
export async function claimPartitionDir(partitionDir: string, topic: string, topicId: string, logger: Warn): Promise<void> {
  const named = partitionMetadataIn(partitionDir);
  if (named !== null && named !== topicId) {
    const stray = strayDirPath(partitionDir);
    renameSync(partitionDir, stray);
    logger.warn(`${basename(partitionDir)}: partition.metadata names topic id ${named}, but topic ${topic} has id ${topicId}: the directory holds another incarnation of the topic and is not loaded; moved to ${basename(stray)}, and the partition starts empty`);
  }
  if (named === topicId) return; // the directory is there, and the topic's
  mkdirSync(partitionDir, { recursive: true });
  await writePartitionMetadata(partitionDir, topicId);
}
