// Where a request's fields lie, learnt by decoding it with the generated codecs through a
// Reader that notes the offset and width of every primitive it reads. The mutators use it
// to put interesting integers exactly on length prefixes, array counts and other integers
// instead of at random offsets: the layout comes from Kafka's specs, never re-described here.
import { Reader } from '../../src/protocol/codec.js';
import { ALL_APIS } from '../../src/protocol/generated/index.js';
import { readRequestHeader } from '../../src/protocol/generated/request-header.js';
import { requestHeaderVersion } from '../../src/protocol/headers.js';

/** An integer field: fixed-width (int8..int64) or an unsigned varint (compact lengths, tags). */
export type FieldKind = 'int' | 'length' | 'count' | 'varint' | 'tag';

export interface Field {
  /** Offset in the frame, counting its 4-byte size prefix. */
  at: number;
  /** Bytes; for varints, the bytes the value took. */
  width: number;
  kind: FieldKind;
  /** An unsigned varint rather than a big-endian fixed-width integer. */
  varint: boolean;
}

/** A bytes field (record sets): its data, without the length prefix. */
export interface Blob {
  at: number;
  length: number;
}

export interface Layout {
  fields: Field[];
  blobs: Blob[];
  /** Where the body starts (after the request header). */
  bodyAt: number;
}

class TracingReader extends Reader {
  readonly fields: Field[] = [];
  readonly blobs: Blob[] = [];
  /** What the next integer read is, when a length-prefixed read is under way. */
  private next: FieldKind | null = null;
  private tagged = 0;

  constructor(buf: Buffer, private readonly base: number) {
    super(buf);
  }

  private note(start: number, varint: boolean): void {
    const kind = this.tagged > 0 ? 'tag' : this.next ?? (varint ? 'varint' : 'int');
    this.next = null;
    this.fields.push({ at: this.base + start, width: this.pos - start, kind, varint });
  }

  private fixed<T>(read: () => T): T {
    const start = this.pos;
    const value = read();
    this.note(start, false);
    return value;
  }

  override int8(): number { return this.fixed(() => super.int8()); }
  override int16(): number { return this.fixed(() => super.int16()); }
  override uint16(): number { return this.fixed(() => super.uint16()); }
  override int32(): number { return this.fixed(() => super.int32()); }
  override uint32(): number { return this.fixed(() => super.uint32()); }
  override int64(): number { return this.fixed(() => super.int64()); }

  override uvarint(): number {
    const start = this.pos;
    const value = super.uvarint();
    this.note(start, true);
    return value;
  }

  override string(compact: boolean): string {
    this.next = 'length';
    return super.string(compact);
  }
  override nullableString(compact: boolean): string | null {
    this.next = 'length';
    return super.nullableString(compact);
  }
  override bytes(compact: boolean): Buffer {
    this.next = 'length';
    const b = super.bytes(compact);
    this.blobs.push({ at: this.base + b.byteOffset - this.buf.byteOffset, length: b.length });
    return b;
  }
  override nullableBytes(compact: boolean): Buffer | null {
    this.next = 'length';
    const b = super.nullableBytes(compact);
    if (b) this.blobs.push({ at: this.base + b.byteOffset - this.buf.byteOffset, length: b.length });
    return b;
  }
  override arrayLength(compact: boolean, nullable: boolean): number {
    this.next = 'count';
    return super.arrayLength(compact, nullable);
  }
  override taggedFields(field?: (tag: number, reader: Reader) => boolean): void {
    this.tagged++;
    try {
      super.taggedFields(field);
    } finally {
      this.tagged--;
    }
  }
}

/** The layout of a whole frame ([int32 size][header][body]); throws when it does not decode. */
export function layoutOf(frame: Buffer): Layout {
  const r = new TracingReader(frame.subarray(4), 4);
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  const bodyAt = 4 + r.pos;
  const api = ALL_APIS.find((a) => a.key === apiKey);
  if (!api) throw new Error(`no codec for API key ${apiKey}`);
  api.readRequest(r, apiVersion);
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after ${api.name} v${apiVersion}`);
  return { fields: r.fields, blobs: r.blobs, bodyAt };
}
