// The records of __consumer_offsets, in Kafka's layouts (so Kafka's tools can read the
// topic): every key and value starts with an int16 version. Key versions 0 and 1 are offset
// commits (group, topic, partition), key version 2 is a group's metadata, versions 3-8 are
// KIP-848 consumer groups' records (consumer-records.ts). A null value is a
// tombstone: the offset or group was deleted. The field layouts are generated from
// tools/kafka-protocol/records/; this file only adds the version prefix.
import { Reader, Writer } from '../protocol/codec.js';
import { readOffsetCommitKey, writeOffsetCommitKey } from '../protocol/generated/offset-commit-key.js';
import { readOffsetCommitValue, writeOffsetCommitValue, type OffsetCommitValue } from '../protocol/generated/offset-commit-value.js';
import { readGroupMetadataKey, writeGroupMetadataKey } from '../protocol/generated/group-metadata-key.js';
import { readGroupMetadataValue, writeGroupMetadataValue, type GroupMetadataValue } from '../protocol/generated/group-metadata-value.js';

import { readConsumerKey, type ConsumerKey } from './consumer-records.js';
import { coordinatorPartition } from '../base/coordinator-partition.js';

export type { OffsetCommitValue, GroupMetadataValue };

/** The versions Kafka 3.x writes. */
const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const GROUP_KEY_VERSION = 2;
const GROUP_VALUE_VERSION = 3;

type OffsetsKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'group'; group: string }
  | { kind: 'consumer'; group: string; consumer: ConsumerKey };

function versioned(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.int16(version);
  write(w);
  return w.toBuffer();
}

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  return versioned(OFFSET_KEY_VERSION, (w) => writeOffsetCommitKey(w, OFFSET_KEY_VERSION, { group, topic, partition }));
}

export function groupKey(group: string): Buffer {
  return versioned(GROUP_KEY_VERSION, (w) => writeGroupMetadataKey(w, GROUP_KEY_VERSION, { group }));
}

export function offsetValue(value: OffsetCommitValue): Buffer {
  return versioned(OFFSET_VALUE_VERSION, (w) => writeOffsetCommitValue(w, OFFSET_VALUE_VERSION, value));
}

export function groupValue(value: GroupMetadataValue): Buffer {
  return versioned(GROUP_VALUE_VERSION, (w) => writeGroupMetadataValue(w, GROUP_VALUE_VERSION, value));
}

/** A key of __consumer_offsets, or null for a kind Strom does not know (skipped on load). */
export function readKey(bytes: Uint8Array): OffsetsKey | null {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', ...readOffsetCommitKey(r, version) };
  if (version === 2) return { kind: 'group', ...readGroupMetadataKey(r, version) };
  const consumer = readConsumerKey(version, r);
  return consumer ? { kind: 'consumer', group: consumer.group, consumer } : null;
}

export function readOffsetValue(bytes: Uint8Array): OffsetCommitValue {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const version = r.int16();
  return readOffsetCommitValue(r, Math.min(version, OFFSET_VALUE_VERSION));
}

export function readGroupValue(bytes: Uint8Array): GroupMetadataValue {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const version = r.int16();
  return readGroupMetadataValue(r, Math.min(version, GROUP_VALUE_VERSION));
}

/** The __consumer_offsets partition of a group (Kafka's rule: base/coordinator-partition.ts). */
export function partitionFor(group: string, partitions: number): number {
  return coordinatorPartition(group, partitions);
}
