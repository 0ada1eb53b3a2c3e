// Wire primitives of the Kafka protocol: big-endian integers, int16-length strings, int32-
// length bytes and arrays, and the flexible versions' compact forms (unsigned varint N+1)
// and tagged-field sections. The generated codecs (generated/) call these; nothing else
// re-describes a field layout.
//
// int64 fields are JS numbers: exact below 2^53, which holds every offset, timestamp and
// id Kafka clients send; larger magnitudes (Long.MAX_VALUE sentinels) round and are
// written back clamped to the int64 range.

/** Malformed or truncated protocol data: the connection that sent it is closed. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const TWO_32 = 4294967296;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * A record set that is not in memory when its response is encoded: the bytes of a log
 * segment, read as the response goes out (Kafka sends Fetch data with sendfile for the same
 * reason: a client that does not read its responses must not make the broker hold them).
 */
export interface StreamedRecords {
  readonly length: number;
  /** Copies the record set's bytes [from, from + into.length) into `into`; fewer when its source shrank. */
  read(from: number, into: Uint8Array): number;
  /** The response is done with it (written, or dropped with its connection). */
  release(): void;
}

/** A record set of a response: bytes, or bytes streamed from their source as the response is written. */
export type Records = Buffer | StreamedRecords;

/** A piece of an encoded message: bytes, or a record set to stream. */
export type Chunk = Buffer | StreamedRecords;

export function isStreamed(chunk: Chunk): chunk is StreamedRecords {
  return !(chunk instanceof Uint8Array);
}

/** The bytes of a decoded record set (decoders always give bytes; only a broker's own responses stream). */
export function recordBytes(records: Records | null): Buffer | null {
  if (records !== null && isStreamed(records)) throw new TypeError('a streamed record set has no bytes in memory');
  return records;
}

export class Reader {
  pos: number;
  constructor(readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw new ProtocolError(`truncated: needed ${n} bytes at ${at}, ${this.end - at} left`);
    this.pos = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.need(1)];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new ProtocolError('varint longer than 5 bytes');
  }

  /** Length of a string/bytes/array: int16/int32 or compact (uvarint N+1); -1 = null. */
  private length(compact: boolean, wide: boolean): number {
    if (compact) return this.uvarint() - 1;
    return wide ? this.int32() : this.int16();
  }

  private text(n: number): string {
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }

  string(compact: boolean): string {
    const n = this.length(compact, false);
    if (n < 0) throw new ProtocolError('null for a non-nullable string');
    return this.text(n);
  }
  nullableString(compact: boolean): string | null {
    const n = this.length(compact, false);
    return n < 0 ? null : this.text(n);
  }

  /** Bytes as a view into the frame (no copy). */
  bytes(compact: boolean): Buffer {
    const n = this.length(compact, true);
    if (n < 0) throw new ProtocolError('null for non-nullable bytes');
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  nullableBytes(compact: boolean): Buffer | null {
    const n = this.length(compact, true);
    if (n < 0) return null;
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** Element count of an array; -1 = null. A count larger than the bytes left is malformed. */
  arrayLength(compact: boolean, nullable: boolean): number {
    const n = this.length(compact, true);
    if (n < 0) {
      if (nullable) return -1;
      throw new ProtocolError('null for a non-nullable array');
    }
    if (n > this.end - this.pos) throw new ProtocolError(`array of ${n} elements in ${this.end - this.pos} bytes`);
    return n;
  }

  /** Reads a tagged-field section, handing each field to `field`; unknown tags are skipped. */
  taggedFields(field?: (tag: number, reader: Reader) => boolean): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const at = this.need(size);
      if (field) {
        const sub = new Reader(this.buf, at, at + size);
        field(tag, sub);
      }
    }
  }
}

/** A Writer's first buffer: most responses (and every request header) fit. */
const WRITER_INITIAL_BYTES = 256;
/** Bytes a full buffer grows by at least, beside doubling: room for the next few fields. */
const WRITER_GROWTH_SLACK_BYTES = 256;
/**
 * Byte fields this long or longer (record sets) are kept by reference as chunks of their own:
 * copying them costs more than the extra chunk a socket write takes.
 */
const RAW_BY_REFERENCE_MIN_BYTES = 4096;

export class Writer {
  private buf: Buffer;
  pos = 0;
  /** Finished chunks, including large byte fields kept by reference. */
  private parts: Chunk[] = [];
  private chunkStart = 0;
  private flushed = 0;

  constructor(initialBytes = WRITER_INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far, chunks included. */
  get size(): number {
    return this.flushed + this.pos - this.chunkStart;
  }

  /** Reserves n bytes and returns where they start. Call before touching this.buf: it may replace it. */
  private room(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at - this.chunkStart + n + WRITER_GROWTH_SLACK_BYTES));
      this.buf.copy(grown, 0, this.chunkStart, at);
      this.pos = at - this.chunkStart;
      this.chunkStart = 0;
      this.buf = grown;
      return this.room(n);
    }
    this.pos = at + n;
    return at;
  }

  bool(v: boolean): void {
    const at = this.room(1);
    this.buf[at] = v ? 1 : 0;
  }
  int8(v: number): void {
    const at = this.room(1);
    this.buf.writeInt8(v, at);
  }
  int16(v: number): void {
    const at = this.room(2);
    this.buf.writeInt16BE(v, at);
  }
  uint16(v: number): void {
    const at = this.room(2);
    this.buf.writeUInt16BE(v, at);
  }
  int32(v: number): void {
    const at = this.room(4);
    this.buf.writeInt32BE(v, at);
  }
  uint32(v: number): void {
    const at = this.room(4);
    this.buf.writeUInt32BE(v, at);
  }
  int64(v: number): void {
    const at = this.room(8);
    if (Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32);
      this.buf.writeInt32BE(hi, at);
      this.buf.writeUInt32BE(v - hi * TWO_32, at + 4);
    } else {
      let big = BigInt(Math.trunc(Number.isFinite(v) ? v : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE));
      if (big > INT64_MAX) big = INT64_MAX;
      if (big < INT64_MIN) big = INT64_MIN;
      this.buf.writeBigInt64BE(big, at);
    }
  }
  float64(v: number): void {
    const at = this.room(8);
    this.buf.writeDoubleBE(v, at);
  }
  uuid(v: string): void {
    const bytes = Buffer.from(v, 'base64url');
    if (bytes.length !== 16) throw new RangeError(`not a UUID: ${v}`);
    const at = this.room(16);
    bytes.copy(this.buf, at);
  }

  uvarint(v: number): void {
    while (v >= 0x80) {
      const at = this.room(1);
      this.buf[at] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    const at = this.room(1);
    this.buf[at] = v;
  }

  private lengthPrefix(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  string(v: string, compact: boolean): void {
    const n = Buffer.byteLength(v);
    this.lengthPrefix(n, compact, false);
    const at = this.room(n);
    this.buf.write(v, at, n, 'utf8');
  }
  nullableString(v: string | null, compact: boolean): void {
    if (v === null) this.lengthPrefix(-1, compact, false);
    else this.string(v, compact);
  }

  bytes(v: Uint8Array, compact: boolean): void {
    this.lengthPrefix(v.length, compact, true);
    this.raw(v);
  }
  nullableBytes(v: Uint8Array | null, compact: boolean): void {
    if (v === null) this.lengthPrefix(-1, compact, true);
    else this.bytes(v, compact);
  }

  /** A record set: bytes, or a streamed one, kept as a chunk of its own and read when the message is written. */
  records(v: Records | null, compact: boolean): void {
    if (v === null || v instanceof Uint8Array) {
      this.nullableBytes(v, compact);
      return;
    }
    this.lengthPrefix(v.length, compact, true);
    this.cut();
    this.parts.push(v);
    this.flushed += v.length;
  }

  arrayLength(n: number, compact: boolean): void {
    this.lengthPrefix(n, compact, true);
  }

  /** Appends bytes; large ones (record sets) are kept by reference instead of copied. */
  raw(v: Uint8Array): void {
    if (v.length >= RAW_BY_REFERENCE_MIN_BYTES) {
      this.cut();
      this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.length));
      this.flushed += v.length;
      return;
    }
    const at = this.room(v.length);
    this.buf.set(v, at);
  }

  private cut(): void {
    if (this.pos > this.chunkStart) {
      this.parts.push(this.buf.subarray(this.chunkStart, this.pos));
      this.flushed += this.pos - this.chunkStart;
      this.chunkStart = this.pos;
    }
  }

  /** Writes a tagged-field section from [tag, encode] pairs whose values differ from their defaults. */
  taggedFields(fields: [number, (w: Writer) => void][]): void {
    this.uvarint(fields.length);
    for (const [tag, encode] of fields) {
      const value = new Writer(64);
      encode(value);
      const bytes = value.toBuffer();
      this.uvarint(tag);
      this.uvarint(bytes.length);
      this.raw(bytes);
    }
  }

  /** What was written, as chunks: bytes (large byte fields are not copied) and streamed record sets. */
  chunks(): Chunk[] {
    this.cut();
    return this.parts;
  }

  /** The bytes written, as chunks (large byte fields are not copied); a streamed record set is an error here. */
  finish(): Buffer[] {
    return this.chunks().map((c) => {
      if (isStreamed(c)) throw new TypeError('a message with a streamed record set has no bytes in memory');
      return c;
    });
  }

  /** The bytes written, as one buffer. */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }
}
