// Result codes of the core. Negative = rejected; the JS face maps them to Kafka errors.
export const OK: i32 = 0;
/** Fewer bytes than the header (or its length field) announces: an incomplete tail. */
export const ERR_TRUNCATED: i32 = -1;
/** Batch length field below the 61-byte record batch header. */
export const ERR_BATCH_TOO_SMALL: i32 = -2;
/** Magic byte not supported here. */
export const ERR_MAGIC: i32 = -3;
/** Stored checksum differs from the computed one. */
export const ERR_CRC: i32 = -4;
/** Compression codec bits 5..7 (no such codec). */
export const ERR_COMPRESSION: i32 = -5;
/** Records count disagrees with the records present, or is not positive for a producer batch. */
export const ERR_RECORD_COUNT: i32 = -6;
/** A record's varint or length runs out of bounds, or a record has bytes left over. */
export const ERR_RECORD_BOUNDS: i32 = -7;
/** Offset deltas are not 0..count-1 (lastOffsetDelta included) in a producer batch. */
export const ERR_OFFSET_DELTA: i32 = -8;
/** The output area is too small. */
export const ERR_CAPACITY: i32 = -9;
/** A legacy message's size field is below its format's minimum. */
export const ERR_MESSAGE_SIZE: i32 = -10;
