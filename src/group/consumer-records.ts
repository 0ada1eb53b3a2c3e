// The __consumer_offsets records of KIP-848 consumer groups, in Kafka's layouts (key
// versions 3-8, value version 0; tools/kafka-protocol/records/), and how each one changes a
// group when applied. The coordinator writes records first and applies them once appended;
// a restart applies the same records in log order, so both paths share `applyConsumerRecord`.
import { Reader, Writer } from '../protocol/codec.js';
import { readConsumerGroupMetadataKey, writeConsumerGroupMetadataKey } from '../protocol/generated/consumer-group-metadata-key.js';
import { readConsumerGroupMetadataValue, writeConsumerGroupMetadataValue } from '../protocol/generated/consumer-group-metadata-value.js';
import { readConsumerGroupPartitionMetadataKey, writeConsumerGroupPartitionMetadataKey } from '../protocol/generated/consumer-group-partition-metadata-key.js';
import { readConsumerGroupPartitionMetadataValue, writeConsumerGroupPartitionMetadataValue } from '../protocol/generated/consumer-group-partition-metadata-value.js';
import { readConsumerGroupMemberMetadataKey, writeConsumerGroupMemberMetadataKey } from '../protocol/generated/consumer-group-member-metadata-key.js';
import { readConsumerGroupMemberMetadataValue, writeConsumerGroupMemberMetadataValue } from '../protocol/generated/consumer-group-member-metadata-value.js';
import { readConsumerGroupTargetAssignmentMetadataKey, writeConsumerGroupTargetAssignmentMetadataKey } from '../protocol/generated/consumer-group-target-assignment-metadata-key.js';
import { readConsumerGroupTargetAssignmentMetadataValue, writeConsumerGroupTargetAssignmentMetadataValue } from '../protocol/generated/consumer-group-target-assignment-metadata-value.js';
import { readConsumerGroupTargetAssignmentMemberKey, writeConsumerGroupTargetAssignmentMemberKey } from '../protocol/generated/consumer-group-target-assignment-member-key.js';
import { readConsumerGroupTargetAssignmentMemberValue, writeConsumerGroupTargetAssignmentMemberValue } from '../protocol/generated/consumer-group-target-assignment-member-value.js';
import { readConsumerGroupCurrentMemberAssignmentKey, writeConsumerGroupCurrentMemberAssignmentKey } from '../protocol/generated/consumer-group-current-member-assignment-key.js';
import { readConsumerGroupCurrentMemberAssignmentValue, writeConsumerGroupCurrentMemberAssignmentValue } from '../protocol/generated/consumer-group-current-member-assignment-value.js';
import { fromTopicPartitions, toTopicPartitions, type Assignment } from './assignment.js';
import { ConsumerGroup, ConsumerMember, MemberState, type MemberStateCode, type SubscribedTopic } from './consumer-group.js';
import type { OffsetsRecord } from './offsets-topic.js';

/** Key versions (the int16 each key starts with). */
const KEY = { groupEpoch: 3, partitionMetadata: 4, member: 5, targetEpoch: 6, targetMember: 7, current: 8 } as const;
const VALUE_VERSION = 0;

type ConsumerKind = keyof typeof KEY;
export interface ConsumerKey { kind: ConsumerKind; group: string; memberId: string | null }

function versioned(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.int16(version);
  write(w);
  return w.toBuffer();
}

const value = (write: (w: Writer) => void) => versioned(VALUE_VERSION, write);

function key(kind: ConsumerKind, groupId: string, memberId: string | null = null): Buffer {
  const v = KEY[kind];
  return versioned(v, (w) => {
    switch (kind) {
      case 'groupEpoch': return writeConsumerGroupMetadataKey(w, v, { groupId });
      case 'partitionMetadata': return writeConsumerGroupPartitionMetadataKey(w, v, { groupId });
      case 'member': return writeConsumerGroupMemberMetadataKey(w, v, { groupId, memberId: memberId! });
      case 'targetEpoch': return writeConsumerGroupTargetAssignmentMetadataKey(w, v, { groupId });
      case 'targetMember': return writeConsumerGroupTargetAssignmentMemberKey(w, v, { groupId, memberId: memberId! });
      case 'current': return writeConsumerGroupCurrentMemberAssignmentKey(w, v, { groupId, memberId: memberId! });
    }
  });
}

/** A consumer group key of this version, or null when the version is not one of them. */
export function readConsumerKey(version: number, r: Reader): ConsumerKey | null {
  switch (version) {
    case KEY.groupEpoch: return { kind: 'groupEpoch', group: readConsumerGroupMetadataKey(r, version).groupId, memberId: null };
    case KEY.partitionMetadata: return { kind: 'partitionMetadata', group: readConsumerGroupPartitionMetadataKey(r, version).groupId, memberId: null };
    case KEY.member: { const k = readConsumerGroupMemberMetadataKey(r, version); return { kind: 'member', group: k.groupId, memberId: k.memberId }; }
    case KEY.targetEpoch: return { kind: 'targetEpoch', group: readConsumerGroupTargetAssignmentMetadataKey(r, version).groupId, memberId: null };
    case KEY.targetMember: { const k = readConsumerGroupTargetAssignmentMemberKey(r, version); return { kind: 'targetMember', group: k.groupId, memberId: k.memberId }; }
    case KEY.current: { const k = readConsumerGroupCurrentMemberAssignmentKey(r, version); return { kind: 'current', group: k.groupId, memberId: k.memberId }; }
    default: return null;
  }
}

// ---- records ------------------------------------------------------------------------------

export const ConsumerRecords = {
  groupEpoch: (groupId: string, epoch: number): OffsetsRecord => ({
    key: key('groupEpoch', groupId), value: value((w) => writeConsumerGroupMetadataValue(w, VALUE_VERSION, { epoch })),
  }),
  partitionMetadata: (groupId: string, topics: Map<string, SubscribedTopic>): OffsetsRecord => ({
    key: key('partitionMetadata', groupId),
    value: value((w) => writeConsumerGroupPartitionMetadataValue(w, VALUE_VERSION, {
      topics: [...topics].map(([topicName, t]) => ({ topicId: t.topicId, topicName, numPartitions: t.numPartitions, partitionMetadata: [] })),
    })),
  }),
  member: (groupId: string, m: ConsumerMember): OffsetsRecord => ({
    key: key('member', groupId, m.memberId),
    value: value((w) => writeConsumerGroupMemberMetadataValue(w, VALUE_VERSION, {
      instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames, subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor,
      classicMemberMetadata: m.classic === null ? null : {
        sessionTimeoutMs: m.classic.sessionTimeoutMs,
        supportedProtocols: m.classic.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      },
    })),
  }),
  targetEpoch: (groupId: string, assignmentEpoch: number): OffsetsRecord => ({
    key: key('targetEpoch', groupId), value: value((w) => writeConsumerGroupTargetAssignmentMetadataValue(w, VALUE_VERSION, { assignmentEpoch })),
  }),
  targetMember: (groupId: string, memberId: string, a: Assignment): OffsetsRecord => ({
    key: key('targetMember', groupId, memberId),
    value: value((w) => writeConsumerGroupTargetAssignmentMemberValue(w, VALUE_VERSION, { topicPartitions: toTopicPartitions(a) })),
  }),
  current: (groupId: string, m: ConsumerMember): OffsetsRecord => ({
    key: key('current', groupId, m.memberId),
    value: value((w) => writeConsumerGroupCurrentMemberAssignmentValue(w, VALUE_VERSION, {
      memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state,
      assignedPartitions: toTopicPartitions(m.assigned), partitionsPendingRevocation: toTopicPartitions(m.pendingRevocation),
    })),
  }),
  tombstone: (kind: ConsumerKind, groupId: string, memberId: string | null = null): OffsetsRecord => ({ key: key(kind, groupId, memberId), value: null }),
};

/** The records removing a member: its current assignment, target and subscription, as Kafka orders them. */
export function memberTombstones(groupId: string, memberId: string): OffsetsRecord[] {
  return [ConsumerRecords.tombstone('current', groupId, memberId), ConsumerRecords.tombstone('targetMember', groupId, memberId), ConsumerRecords.tombstone('member', groupId, memberId)];
}

/** The records removing a whole consumer group (its offsets are separate). */
export function groupTombstones(groupId: string, group: ConsumerGroup): OffsetsRecord[] {
  return [
    ...[...group.members.keys()].flatMap((memberId) => memberTombstones(groupId, memberId)),
    ConsumerRecords.tombstone('targetEpoch', groupId), ConsumerRecords.tombstone('partitionMetadata', groupId), ConsumerRecords.tombstone('groupEpoch', groupId),
  ];
}

// ---- applying -----------------------------------------------------------------------------

function readValue<T>(bytes: Uint8Array, read: (r: Reader, v: number) => T): T {
  const r = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  r.int16(); // version 0 is the only one; a newer one only adds tagged fields
  return read(r, VALUE_VERSION);
}

/**
 * Applies one record to the group's consumer state. `group` is null for a tombstone of a
 * group that does not exist; the returned group is the one to keep (null: the group's
 * consumer state is gone, its epoch record tombstoned).
 */
export function applyConsumerRecord(group: ConsumerGroup | null, k: ConsumerKey, bytes: Uint8Array | null): ConsumerGroup | null {
  if (bytes === null && group === null) return null;
  const g = group ?? new ConsumerGroup();
  switch (k.kind) {
    case 'groupEpoch':
      if (bytes === null) {
        g.stopTimers();
        return null;
      }
      g.groupEpoch = readValue(bytes, readConsumerGroupMetadataValue).epoch;
      break;
    case 'partitionMetadata':
      g.subscriptionMetadata = bytes === null ? new Map() : new Map(readValue(bytes, readConsumerGroupPartitionMetadataValue).topics
        .map((t) => [t.topicName, { topicId: t.topicId, numPartitions: t.numPartitions }]));
      break;
    case 'member': {
      if (bytes === null) {
        g.removeMember(k.memberId!);
        break;
      }
      const v = readValue(bytes, readConsumerGroupMemberMetadataValue);
      const m = g.members.get(k.memberId!)?.clone() ?? new ConsumerMember(k.memberId!);
      Object.assign(m, {
        instanceId: v.instanceId, rackId: v.rackId, clientId: v.clientId, clientHost: v.clientHost,
        subscribedTopicNames: v.subscribedTopicNames, subscribedTopicRegex: v.subscribedTopicRegex,
        rebalanceTimeoutMs: v.rebalanceTimeoutMs, serverAssignor: v.serverAssignor,
        classic: v.classicMemberMetadata === null ? null : {
          sessionTimeoutMs: v.classicMemberMetadata.sessionTimeoutMs,
          protocols: v.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
        },
      });
      g.putMember(m);
      break;
    }
    case 'targetEpoch':
      g.assignmentEpoch = bytes === null ? 0 : readValue(bytes, readConsumerGroupTargetAssignmentMetadataValue).assignmentEpoch;
      break;
    case 'targetMember':
      if (bytes === null) g.target.delete(k.memberId!);
      else g.target.set(k.memberId!, fromTopicPartitions(readValue(bytes, readConsumerGroupTargetAssignmentMemberValue).topicPartitions));
      break;
    case 'current': {
      if (bytes === null) {
        g.setCurrentAssignment(k.memberId!, { memberEpoch: 0, previousMemberEpoch: 0, state: MemberState.STABLE, assigned: new Map(), pendingRevocation: new Map() });
        break;
      }
      const v = readValue(bytes, readConsumerGroupCurrentMemberAssignmentValue);
      const known: number[] = Object.values(MemberState);
      g.setCurrentAssignment(k.memberId!, {
        memberEpoch: v.memberEpoch, previousMemberEpoch: v.previousMemberEpoch,
        state: (known.includes(v.state) ? v.state : MemberState.UNKNOWN) as MemberStateCode,
        assigned: fromTopicPartitions(v.assignedPartitions), pendingRevocation: fromTopicPartitions(v.partitionsPendingRevocation),
      });
      break;
    }
  }
  return g;
}
