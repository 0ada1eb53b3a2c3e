// The consumer protocol's bytes, as the "consumer" protocol type carries them inside JoinGroup
// metadata and SyncGroup assignments: an int16 version, then ConsumerProtocolSubscription or
// ConsumerProtocolAssignment (generated). The broker treats them as opaque except to report
// lag owners and refuse OffsetDelete on subscribed topics; clients build and read them.
import { Reader, Writer } from './codec.js';
import { readConsumerProtocolSubscription, writeConsumerProtocolSubscription } from './generated/consumer-protocol-subscription.js';
import { readConsumerProtocolAssignment, writeConsumerProtocolAssignment } from './generated/consumer-protocol-assignment.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Newer versions only add fields: read them with the newest layout we know (Kafka's rule). */
const MAX_VERSION = 3;

/** Subscription bytes, version 0 (topics and user data: all a range assignor needs). */
export function encodeSubscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  writeConsumerProtocolSubscription(w, 0, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  return w.toBuffer();
}

/** Assignment bytes, version 0. */
export function encodeAssignment(assigned: TopicPartitions[]): Buffer {
  const w = new Writer(64);
  w.int16(0);
  writeConsumerProtocolAssignment(w, 0, { assignedPartitions: assigned, userData: null });
  return w.toBuffer();
}

/** The topics a subscription names (empty when the bytes are not the consumer protocol's). */
export function subscribedTopics(metadata: Buffer): string[] {
  if (metadata.length < 2) return [];
  try {
    const r = new Reader(metadata);
    return readConsumerProtocolSubscription(r, Math.min(Math.max(r.int16(), 0), MAX_VERSION)).topics;
  } catch {
    return [];
  }
}

/** The partitions an assignment holds (empty when the bytes are not the consumer protocol's). */
export function assignedPartitions(assignment: Buffer): TopicPartitions[] {
  if (assignment.length < 2) return [];
  try {
    const r = new Reader(assignment);
    return readConsumerProtocolAssignment(r, Math.min(Math.max(r.int16(), 0), MAX_VERSION)).assignedPartitions;
  } catch {
    return [];
  }
}
