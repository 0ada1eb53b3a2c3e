// __consumer_offsets records: Kafka's layouts, byte for byte, and Kafka's group → partition map.
import { describe, expect, it } from 'vitest';
import { offsetKey, offsetValue, groupKey, groupValue, readKey, readOffsetValue, readGroupValue, partitionFor } from '../../../src/group/records.js';

describe('__consumer_offsets records', () => {
  it('offset commit key v1: int16 version, group, topic, int32 partition', () => {
    const key = offsetKey('g', 'tp', 7);
    expect(key.toString('hex')).toBe('0001' + '0001' + '67' + '0002' + '7470' + '00000007');
    expect(readKey(key)).toEqual({ kind: 'offset', group: 'g', topic: 'tp', partition: 7 });
  });

  it('offset commit value v3: offset, leader epoch, metadata, commit timestamp', () => {
    const value = offsetValue({ offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1_700_000_000_000, expireTimestamp: -1 });
    expect(value.toString('hex')).toBe('0003' + '000000000000002a' + '00000003' + '0001' + '6d' + (1_700_000_000_000).toString(16).padStart(16, '0'));
    expect(readOffsetValue(value)).toMatchObject({ offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1_700_000_000_000 });
  });

  it('reads value v1 (with an expire timestamp) as older brokers wrote it', () => {
    const v1 = Buffer.from('0001' + '0000000000000005' + '0000' + '0000000000000064' + '00000000000000c8', 'hex');
    expect(readOffsetValue(v1)).toMatchObject({ offset: 5, metadata: '', commitTimestamp: 100, leaderEpoch: -1 });
  });

  it('group metadata key v2 and value v3 round-trip with members', () => {
    expect(groupKey('grp').toString('hex')).toBe('0002' + '0003' + Buffer.from('grp').toString('hex'));
    expect(readKey(groupKey('grp'))).toEqual({ kind: 'group', group: 'grp' });
    const value = {
      protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'm-1', currentStateTimestamp: 123,
      members: [{ memberId: 'm-1', groupInstanceId: 'i-1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeout: 300000, sessionTimeout: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    };
    expect(readGroupValue(groupValue(value))).toEqual(value);
  });

  it('an unknown key version is skipped, not misread', () => {
    expect(readKey(Buffer.from('0009', 'hex'))).toBeNull();
  });

  it("maps groups to partitions as Kafka does: abs(Java String.hashCode) % partitions", () => {
    expect(partitionFor('', 50)).toBe(0);
    expect(partitionFor('ab', 50)).toBe(3105 % 50); // 97 * 31 + 98
    expect(partitionFor('Aa', 50)).toBe(partitionFor('BB', 50)); // Java's classic hash collision (2112)
    expect(partitionFor('Aa', 50)).toBe(2112 % 50);
    // "polygenelubricants".hashCode() is Integer.MIN_VALUE, whose abs Kafka maps to 0.
    expect(partitionFor('polygenelubricants', 50)).toBe(0);
    // Negative hashes use their absolute value: "my-group".hashCode() computed in 32-bit arithmetic.
    let h = 0;
    for (const c of 'my-group') h = (h * 31 + c.charCodeAt(0)) | 0;
    expect(partitionFor('my-group', 50)).toBe(Math.abs(h) % 50);
  });
});
