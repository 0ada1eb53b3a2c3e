import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/protocol/codec.js';
import { ConsumerRecords, applyConsumerRecord, groupTombstones, readConsumerKey } from '../../../src/group/consumer-records.js';
import { ConsumerGroup, ConsumerMember, MemberState } from '../../../src/group/consumer-group.js';
import { fromTopicPartitions } from '../../../src/group/assignment.js';
import type { OffsetsRecord } from '../../../src/group/offsets-topic.js';

const TOPIC = 'AAECAwQFBgcICQoLDA0ODw'; // 00 01 .. 0f

function replay(records: OffsetsRecord[], group: ConsumerGroup | null = null): ConsumerGroup | null {
  for (const r of records) {
    const reader = new Reader(r.key);
    const key = readConsumerKey(reader.int16(), reader)!;
    group = applyConsumerRecord(group, key, r.value);
  }
  return group;
}

describe('__consumer_offsets records of consumer groups (Kafka\'s layouts)', () => {
  it('writes the group epoch record as Kafka does: key version 3, value version 0 (flexible)', () => {
    const r = ConsumerRecords.groupEpoch('g', 5);
    expect(r.key.toString('hex')).toBe('0003' + '0001' + '67');
    expect(r.value!.toString('hex')).toBe('0000' + '00000005' + '00');
  });

  it('replays a group from its records, and its tombstones remove it', () => {
    const m = new ConsumerMember('m1');
    Object.assign(m, {
      instanceId: 'i1', clientId: 'c', clientHost: '/127.0.0.1', subscribedTopicNames: ['t'], rebalanceTimeoutMs: 30000, serverAssignor: 'range',
      classic: { sessionTimeoutMs: 10000, protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }] },
      memberEpoch: 4, previousMemberEpoch: 3, state: MemberState.UNREVOKED_PARTITIONS,
      assigned: fromTopicPartitions([{ topicId: TOPIC, partitions: [0, 2] }]), pendingRevocation: fromTopicPartitions([{ topicId: TOPIC, partitions: [1] }]),
    });
    const g = replay([
      ConsumerRecords.member('g', m),
      ConsumerRecords.groupEpoch('g', 5),
      ConsumerRecords.partitionMetadata('g', new Map([['t', { topicId: TOPIC, numPartitions: 3 }]])),
      ConsumerRecords.targetMember('g', 'm1', fromTopicPartitions([{ topicId: TOPIC, partitions: [0, 2] }])),
      ConsumerRecords.targetEpoch('g', 5),
      ConsumerRecords.current('g', m),
    ])!;
    expect(g).toMatchObject({ groupEpoch: 5, assignmentEpoch: 5 });
    expect(g.subscriptionMetadata.get('t')).toEqual({ topicId: TOPIC, numPartitions: 3 });
    const back = g.members.get('m1')!;
    expect(back).toMatchObject({ instanceId: 'i1', serverAssignor: 'range', memberEpoch: 4, previousMemberEpoch: 3, state: MemberState.UNREVOKED_PARTITIONS, subscribedTopicNames: ['t'] });
    expect(back.classic).toEqual({ sessionTimeoutMs: 10000, protocols: [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }] });
    expect([...back.pendingRevocation.get(TOPIC)!]).toEqual([1]);
    // Owners cover assigned and pending partitions; the static member is indexed.
    expect([0, 1, 2].map((p) => g.ownerOf(TOPIC, p))).toEqual(['m1', 'm1', 'm1']);
    expect(g.staticMember('i1')?.memberId).toBe('m1');
    expect(g.state).toBe('Reconciling');
    expect(replay(groupTombstones('g', g), g)).toBeNull();
  });
});
