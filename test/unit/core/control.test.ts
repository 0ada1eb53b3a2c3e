// assembly/control.ts through src/core: transaction markers (Kafka's EndTransactionMarker,
// ControlRecordType) built in core memory and read back.
import { describe, expect, it } from 'vitest';
import { buildBatch, decodeBatches, ABI } from '../../../src/core/index.js';
import { core } from '../../helpers/core.js';

/** A marker built by the core, copied out. */
function marker(commit: boolean, coordinatorEpoch: number, producerId: number, producerEpoch: number, timestamp: number): Uint8Array {
  core.resetArena();
  const ptr = core.alloc(ABI.MARKER_BATCH_SIZE);
  const size = core.writeMarkerAt(ptr, commit, coordinatorEpoch, producerId, producerEpoch, timestamp);
  return core.mem.read(ptr, size);
}

describe('transaction markers', () => {
  it('are the control batch Kafka writes: control and transactional, one record with key (0, type) and value (0, coordinator epoch)', () => {
    const built = marker(true, 0x01020304, 2 ** 40 + 1, 7, 1_700_000_000_000);
    expect(built.length).toBe(ABI.MARKER_BATCH_SIZE);
    // The same batch built record by record: byte for byte equal.
    const reference = buildBatch(core, [{ key: Uint8Array.from([0, 0, 0, 1]), value: Uint8Array.from([0, 0, 1, 2, 3, 4]), timestamp: 1_700_000_000_000 }], {
      control: true, transactional: true, producerId: 2 ** 40 + 1, producerEpoch: 7, baseSequence: -1,
    });
    expect(Buffer.from(built).equals(Buffer.from(reference))).toBe(true);
    const [batch] = decodeBatches(core, built);
    expect(batch.header).toMatchObject({ isControl: true, isTransactional: true, producerId: 2 ** 40 + 1, producerEpoch: 7, baseSequence: -1, recordsCount: 1 });
    expect(core.controlType(built)).toEqual({ type: ABI.CONTROL_COMMIT, coordinatorEpoch: 0x01020304 });
    expect(core.controlType(marker(false, 5, 1, 0, 1)).type).toBe(ABI.CONTROL_ABORT);
  });

  it('reading the control type: a data batch or a compressed one is CONTROL_INVALID, one without records CONTROL_EMPTY', () => {
    expect(core.controlType(buildBatch(core, [{ value: 'x' }])).type).toBe(ABI.CONTROL_INVALID);
    const empty = Buffer.from(marker(false, 5, 1, 0, 1)).subarray(0, ABI.BATCH_HEADER_SIZE);
    empty.writeInt32BE(0, 57);
    expect(core.controlType(empty).type).toBe(ABI.CONTROL_EMPTY);
    // A record too short for a key (version, type): invalid, never read out of bounds.
    const short = buildBatch(core, [{ key: Uint8Array.from([0, 0]), value: null }], { control: true, transactional: true });
    expect(core.controlType(short).type).toBe(ABI.CONTROL_INVALID);
    // KRaft's other control types come back as they are.
    const leaderChange = buildBatch(core, [{ key: Uint8Array.from([0, 0, 0, 2]), value: Uint8Array.from([0, 0]) }], { control: true });
    expect(core.controlType(leaderChange)).toEqual({ type: 2, coordinatorEpoch: -1 });
  });
});
