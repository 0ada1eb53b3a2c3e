// The typed JS face of the WASM core. Nothing outside src/core touches WASM memory.
export { Core, CoreError, type CoreOptions, type BatchHeader, type ScanResult, type ScannedBatch } from './core.js';
export { CoreMemory, RegionPool, DEFAULT_MAXIMUM_BYTES, LARGEST_MAXIMUM_BYTES, type MemoryOptions, type Region } from './memory.js';
export { coreModule } from './module.js';
export {
  buildBatch, decodeBatches, decodeBatchAt, type Bytes, type Codecs, type RecordInput, type RecordHeader, type DecodedRecord,
  type DecodedBatch, type BatchOptions,
} from './records.js';
export { legacyToBatch, batchesToLegacy, type UpConverted } from './legacy.js';
export {
  visitRecords, visitRecordsAt, filterBatch, filterBatchAt, recodeBatches, type RecordVisitor, type RecordPredicate, type FilterResult,
} from './filter.js';
export { MemoryBudget } from './memory-budget.js';
export { ABI, at, type Ptr, type ResultOffset } from './abi.js';
