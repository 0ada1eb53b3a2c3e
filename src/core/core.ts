// Core: one instance of the WASM core in this thread, over a CoreMemory that other threads
// may share. The pointer-level methods are the hot path (bytes already in core memory, one
// call per batch, no allocation); records.ts and legacy.ts build the byte-array level on top.
import { CoreMemory, type MemoryOptions } from './memory.js';
import { coreModule, instantiateCore, type CoreExports } from './module.js';
import { ABI, at, type Ptr, type ResultOffset } from './abi.js';

/** The names of the core's result codes (OK and ERR_*). */
const ERROR_NAMES = new Map<number, string>(Object.entries(ABI).filter(([name]) => name === 'OK' || name.startsWith('ERR_')).map(([name, code]) => [code, name]));

export interface CoreOptions extends MemoryOptions {
  /** Initial size of the call arena that byte-array methods copy their inputs into. */
  arenaBytes?: number;
  /** A compiled module (e.g. posted from another thread); compiled here if absent. */
  module?: WebAssembly.Module;
}

/** Header fields of a record batch, as read by the core. */
export interface BatchHeader {
  baseOffset: number;
  lastOffset: number;
  lastOffsetDelta: number;
  /** Whole batch size: batchLength + 12. */
  batchSize: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  /** Codec id from the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
  /** 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** One entry of batchScan: a whole batch found at `position`. */
export interface ScannedBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** Batch attributes (codec in bits 0-2, control, transactional). */
  attributes: number;
}

export interface ScanResult {
  batches: ScannedBatch[];
  /** Length of the whole batches accepted. */
  bytes: number;
  /** 0 ended exactly; 1 stopped at an incomplete batch; 2 maxEntries reached; < 0 error of the batch at `bytes`. */
  status: number;
}

/** A rejection from the core: `code` is one of the core's ERR_* values. */
export class CoreError extends Error {
  constructor(readonly code: number, readonly codeName: string, message?: string) {
    super(message ?? `${codeName} (${code})`);
    this.name = 'CoreError';
  }
}

export class Core {
  readonly exports: CoreExports;
  readonly mem: CoreMemory;
  /** Base of this instance's private scratch; its result area comes first. */
  private readonly result: number;
  private arenaPtr: Ptr;
  private arenaSize: number;
  private arenaUsed = 0;
  /** Reused by scanAt for its entries (they are copied out before it returns). */
  private scanEntries = { ptr: 0, capacity: 0 };

  /** A core over a new memory. */
  static create(options: CoreOptions = {}): Core {
    return new Core(CoreMemory.allocate(options), options);
  }

  /** A core over `memory` that another thread created (pass it and the module in workerData). */
  static attach(memory: WebAssembly.Memory, options: CoreOptions = {}): Core {
    return new Core(memory, options);
  }

  private constructor(memory: WebAssembly.Memory, options: CoreOptions) {
    this.exports = instantiateCore(memory, options.module ?? coreModule());
    this.mem = new CoreMemory(memory, this.exports.heapBase(), this.exports.memmove);
    this.result = this.mem.reserve(ABI.SCRATCH_BYTES, 64);
    this.exports.init(this.result);
    this.arenaSize = options.arenaBytes ?? 1 << 20;
    this.arenaPtr = this.mem.reserve(this.arenaSize, 64);
  }

  get memory(): WebAssembly.Memory {
    return this.mem.memory;
  }

  // --- call arena: inputs copied in by the byte-array methods; reset at each call -------

  /** Starts a call: the arena's earlier contents may be overwritten from here on. */
  resetArena(): void {
    this.arenaUsed = 0;
  }

  /**
   * Allocates `bytes` in the arena, valid until the next resetArena(). When the arena is
   * too small a larger one is reserved; earlier allocations stay valid (the old region is
   * simply not reused), so growth is geometric and bounded by twice the largest call.
   */
  alloc(bytes: number): Ptr {
    const size = Math.ceil(bytes / 16) * 16;
    if (this.arenaUsed + size > this.arenaSize) {
      this.arenaSize = Math.max(this.arenaSize * 2, size * 2);
      this.arenaPtr = this.mem.reserve(this.arenaSize, 64);
      this.arenaUsed = 0;
    }
    const ptr = at(this.arenaPtr, this.arenaUsed);
    this.arenaUsed += size;
    return ptr;
  }

  /** Copies bytes into the arena; returns their address. */
  copyIn(bytes: Uint8Array): Ptr {
    const ptr = this.alloc(bytes.length);
    this.mem.write(ptr, bytes);
    return ptr;
  }

  /** The address of `bytes` when they are a view of core memory, else -1. */
  addressOf(bytes: Uint8Array): Ptr | -1 {
    return this.mem.holds(bytes) ? bytes.byteOffset as Ptr : -1;
  }

  /** The name of a core result code (ERR_*). */
  codeName(code: number): string {
    return ERROR_NAMES.get(code) ?? `code ${code}`;
  }

  error(code: number, message?: string): CoreError {
    return new CoreError(code, this.codeName(code), message);
  }

  // --- checksums ---------------------------------------------------------------------------

  /** CRC-32C of bytes in core memory, continuing from crc. */
  crc32cAt(ptr: Ptr, length: number, crc = 0): number {
    return this.exports.crc32c(crc, ptr, length) >>> 0;
  }

  /** CRC-32C of a byte array (copied into the arena). */
  crc32c(bytes: Uint8Array, crc = 0): number {
    this.resetArena();
    return this.crc32cAt(this.copyIn(bytes), bytes.length, crc);
  }

  /** CRC-32 (IEEE) of bytes in core memory. */
  crc32At(ptr: Ptr, length: number, crc = 0): number {
    return this.exports.crc32(crc, ptr, length) >>> 0;
  }

  crc32(bytes: Uint8Array, crc = 0): number {
    this.resetArena();
    return this.crc32At(this.copyIn(bytes), bytes.length, crc);
  }

  // --- record batches in core memory (the append path) -----------------------------------

  /** Validates the batch at ptr (length bytes available). Returns its size, or an ERR_* code. */
  validateBatchAt(ptr: Ptr, length: number, flags = 0): number {
    return this.exports.batchValidate(ptr, length, flags);
  }

  /**
   * Validates the batch at ptr and assigns baseOffset and the leader epoch in place;
   * logAppendTime >= 0 stamps LogAppendTime. Returns the batch size or an ERR_* code; the
   * header (with the assigned offsets) is then readable with header().
   */
  validateAssignAt(ptr: Ptr, length: number, flags: number, baseOffset: number, leaderEpoch: number, logAppendTime = -1): number {
    return this.exports.batchValidateAssign(ptr, length, flags, baseOffset, leaderEpoch, logAppendTime);
  }

  /** Assigns offsets/epoch/timestamp type in place. Returns whether the CRC was recomputed. */
  assignAt(ptr: Ptr, baseOffset: number, leaderEpoch: number, timestampType: number, maxTimestamp: number): boolean {
    return this.exports.batchAssign(ptr, baseOffset, leaderEpoch, timestampType, maxTimestamp) === 1;
  }

  /** Reads the batch header at ptr (61 bytes needed) without checking the CRC. Returns its size or an ERR_* code. */
  readHeaderAt(ptr: Ptr, length: number): number {
    return this.exports.batchHeader(ptr, length);
  }

  /** The header left in the result area by the last batch call. */
  header(into: Partial<BatchHeader> = {}): BatchHeader {
    const dv = this.mem.dv();
    const r = this.result;
    const attributes = dv.getInt32(r + ABI.R_ATTRIBUTES, true);
    into.baseOffset = dv.getFloat64(r + ABI.R_BASE_OFFSET, true);
    into.lastOffset = dv.getFloat64(r + ABI.R_LAST_OFFSET, true);
    into.lastOffsetDelta = dv.getInt32(r + ABI.R_LAST_OFFSET_DELTA, true);
    into.batchSize = dv.getInt32(r + ABI.R_BATCH_SIZE, true);
    into.partitionLeaderEpoch = dv.getInt32(r + ABI.R_LEADER_EPOCH, true);
    into.magic = dv.getInt32(r + ABI.R_MAGIC, true);
    into.crc = dv.getUint32(r + ABI.R_CRC, true);
    into.attributes = attributes;
    into.compression = attributes & ABI.COMPRESSION_MASK;
    into.timestampType = attributes & ABI.TIMESTAMP_TYPE_BIT ? 1 : 0;
    into.isTransactional = (attributes & ABI.TRANSACTIONAL_BIT) !== 0;
    into.isControl = (attributes & ABI.CONTROL_BIT) !== 0;
    into.baseTimestamp = dv.getFloat64(r + ABI.R_BASE_TIMESTAMP, true);
    into.maxTimestamp = dv.getFloat64(r + ABI.R_MAX_TIMESTAMP, true);
    into.producerId = dv.getFloat64(r + ABI.R_PRODUCER_ID, true);
    into.producerEpoch = dv.getInt32(r + ABI.R_PRODUCER_EPOCH, true);
    into.baseSequence = dv.getInt32(r + ABI.R_BASE_SEQUENCE, true);
    into.recordsCount = dv.getInt32(r + ABI.R_RECORDS_COUNT, true);
    return into as BatchHeader;
  }

  /** Min/max record timestamps (and the offset delta of the max) found by the last validation. */
  recordTimestamps(): { min: number; max: number; maxOffsetDelta: number } {
    const dv = this.mem.dv();
    return {
      min: dv.getFloat64(this.result + ABI.R_RECORDS_MIN_TIMESTAMP, true),
      max: dv.getFloat64(this.result + ABI.R_RECORDS_MAX_TIMESTAMP, true),
      maxOffsetDelta: dv.getInt32(this.result + ABI.R_MAX_TIMESTAMP_DELTA, true),
    };
  }

  /** An i32 the last call left in the result area (ABI.R_BYTES, ABI.R_STATUS, ...). */
  resultInt(offset: ResultOffset): number {
    return this.mem.dv().getInt32(this.result + offset, true);
  }

  /**
   * Walks consecutive batches at ptr. flags: F_VERIFY_CRC, F_RECORDS (recovery uses both).
   * At most maxEntries batches are listed (status 2 when more remain).
   */
  scanAt(ptr: Ptr, length: number, flags: number, maxEntries: number): ScanResult {
    const entrySize = ABI.SCAN_ENTRY_SIZE;
    if (this.scanEntries.capacity < maxEntries) {
      // Grows geometrically: the regions it leaves behind add up to less than the last one.
      const capacity = Math.max(maxEntries, this.scanEntries.capacity * 2, 1024);
      this.scanEntries = { ptr: this.mem.reserve(capacity * entrySize, 64), capacity };
    }
    const region = this.scanEntries.ptr;
    const n = this.exports.batchScan(ptr, length, flags, region, maxEntries);
    const dv = this.mem.dv();
    const batches: ScannedBatch[] = [];
    for (let i = 0; i < n; i++) {
      const e = region + i * entrySize;
      batches.push({
        position: dv.getInt32(e, true),
        size: dv.getInt32(e + 4, true),
        baseOffset: dv.getFloat64(e + 8, true),
        lastOffset: dv.getFloat64(e + 16, true),
        maxTimestamp: dv.getFloat64(e + 24, true),
        attributes: dv.getInt32(e + 32, true),
      });
    }
    return { batches, bytes: this.resultInt(ABI.R_BYTES), status: this.resultInt(ABI.R_STATUS) };
  }

  // --- transaction markers (control batches) ----------------------------------------------

  /**
   * Writes a COMMIT or ABORT marker batch at ptr (ABI.MARKER_BATCH_SIZE bytes of core memory):
   * offsets and leader epoch left for the append to assign. Returns its size.
   */
  writeMarkerAt(ptr: Ptr, commit: boolean, coordinatorEpoch: number, producerId: number, producerEpoch: number, timestamp: number): number {
    return this.exports.batchWriteMarker(ptr, commit ? 1 : 0, coordinatorEpoch, producerId, producerEpoch, timestamp);
  }

  /**
   * The control type of the control batch at ptr (size bytes): ABI.CONTROL_ABORT,
   * ABI.CONTROL_COMMIT (then coordinatorEpoch() holds the marker's epoch), another type
   * (KRaft's control records), ABI.CONTROL_EMPTY or ABI.CONTROL_INVALID.
   */
  controlTypeAt(ptr: Ptr, size: number): number {
    return this.exports.batchControlType(ptr, size);
  }

  /** The coordinator epoch of the marker the last controlTypeAt() read (-1 if none). */
  coordinatorEpoch(): number {
    return this.resultInt(ABI.R_COORDINATOR_EPOCH);
  }

  /** controlTypeAt for a batch held in a byte array. */
  controlType(batch: Uint8Array): { type: number; coordinatorEpoch: number } {
    this.resetArena();
    const type = this.controlTypeAt(this.copyIn(batch), batch.length);
    return { type, coordinatorEpoch: this.coordinatorEpoch() };
  }

  // --- record batches as byte arrays -------------------------------------------------------

  /** Validates a batch held in a byte array; throws CoreError when it is rejected. */
  validateBatch(batch: Uint8Array, flags = 0): BatchHeader {
    this.resetArena();
    const size = this.validateBatchAt(this.copyIn(batch), batch.length, flags);
    if (size < 0) throw this.error(size);
    if (size !== batch.length) throw this.error(ABI.ERR_RECORD_COUNT, `${batch.length - size} bytes after the batch`);
    return this.header();
  }

  /** Reads a batch header from a byte array (at least the 61 header bytes; CRC not checked). */
  readBatchHeader(bytes: Uint8Array): BatchHeader {
    this.resetArena();
    const head = bytes.subarray(0, Math.min(bytes.length, ABI.BATCH_HEADER_SIZE));
    const size = this.exports.batchHeader(this.copyIn(head), head.length);
    if (size < 0) throw this.error(size);
    return this.header();
  }

  /** Walks the batches in a byte array (e.g. a segment or a fetch response's records). */
  scan(bytes: Uint8Array, flags = 0, maxEntries = 4096): ScanResult {
    this.resetArena();
    return this.scanAt(this.copyIn(bytes), bytes.length, flags, maxEntries);
  }

  // --- segment indexes ---------------------------------------------------------------------

  /** Largest offset index entry with relative offset <= target: its slot, or -1. */
  offsetIndexFloor(ptr: Ptr, entries: number, target: number): number {
    return this.exports.offsetIndexFloor(ptr, entries, target);
  }

  /** Smallest offset index entry with relative offset >= target: its slot, or -1. */
  offsetIndexCeiling(ptr: Ptr, entries: number, target: number): number {
    return this.exports.offsetIndexCeiling(ptr, entries, target);
  }

  /** Largest time index entry with timestamp <= target: its slot, or -1. */
  timeIndexFloor(ptr: Ptr, entries: number, target: number): number {
    return this.exports.timeIndexFloor(ptr, entries, target);
  }

  /** Smallest time index entry with timestamp >= target: its slot, or -1. */
  timeIndexCeiling(ptr: Ptr, entries: number, target: number): number {
    return this.exports.timeIndexCeiling(ptr, entries, target);
  }

  /** Key of the entry the last lookup found: relative offset (offset index) or timestamp (time index). */
  indexKey(): number {
    return this.mem.dv().getFloat64(this.result + ABI.R_INDEX_KEY, true);
  }

  /** Value of the entry the last lookup found: position (offset index) or relative offset (time index). */
  indexValue(): number {
    return this.mem.dv().getInt32(this.result + ABI.R_INDEX_VALUE, true);
  }

  /** Kafka's index sanity check: the first slot out of order (or, offset index, past positionLimit), or -1. */
  indexCheck(ptr: Ptr, entries: number, time: boolean, positionLimit = 0x7fffffff): number {
    return this.exports.indexCheck(ptr, entries, time, positionLimit);
  }

  /** Reads entry `slot` (then indexKey() / indexValue()). */
  indexEntry(ptr: Ptr, slot: number, time: boolean): void {
    this.exports.indexEntry(ptr, slot, time);
  }

  offsetIndexPut(ptr: Ptr, slot: number, relativeOffset: number, position: number): void {
    this.exports.offsetIndexPut(ptr, slot, relativeOffset, position);
  }

  timeIndexPut(ptr: Ptr, slot: number, timestamp: number, relativeOffset: number): void {
    this.exports.timeIndexPut(ptr, slot, timestamp, relativeOffset);
  }
}
