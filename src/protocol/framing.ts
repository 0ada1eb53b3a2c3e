// Kafka's framing: on a connection every request and every response is a 4-byte big-endian
// length, then that many bytes. Whoever reads a stream checks the length before it reads or
// allocates anything for it, by one rule:
//   - negative: never a frame (Kafka's NetworkReceive refuses it);
//   - shorter than the fixed start of its header: nothing could be parsed from it. A request
//     starts with api key, api version and correlation id (8 bytes), a response with its
//     correlation id (4 bytes); so 0..7 is no request and 0..3 no response;
//   - longer than the reader's limit (the broker's socket.request.max.bytes, a client's
//     largest response).
// Such a length ends the stream: nothing after it can be found, so the reader stops and the
// connection is closed (Kafka closes it too).
//
// Two readers apply it: the broker's, which reads requests straight into core memory
// (src/server/frame-reader.ts), and BufferFrameReader below, for the client's responses and
// the perf sink's requests.

type FrameKind = 'request' | 'response';

/** Bytes of the length before each frame. */
export const LENGTH_PREFIX_BYTES = 4;

/** The smallest frame of each kind: the fixed start of its header. */
const MIN_FRAME_BYTES: Readonly<Record<FrameKind, number>> = { request: 8, response: 4 };

/** True when a length prefix can start a frame of `kind` no longer than `maxBytes`. */
export function validFrameSize(kind: FrameKind, size: number, maxBytes: number): boolean {
  return size >= MIN_FRAME_BYTES[kind] && size <= maxBytes;
}

/** Why a length prefix is not valid, for the line that says why the connection closed. */
export function invalidFrameReason(kind: FrameKind, size: number, maxBytes: number, limitName: string): string {
  if (size > maxBytes) return `${kind} of ${size} bytes (${limitName} is ${maxBytes})`;
  if (size < 0) return `${kind} length of ${size} bytes (negative)`;
  return `${kind} of ${size} bytes (a ${kind} header takes at least ${MIN_FRAME_BYTES[kind]})`;
}

/** Bytes of one area: Node's own read size. */
const AREA_BYTES = 64 << 10;

/**
 * Frames read by a socket straight into buffers of ours (Node's `onread` option): a frame
 * that fits goes into the current 64 KiB area, a longer one into a buffer of exactly its
 * size that the socket fills directly, so a large Fetch response is never joined from
 * 64 KiB chunks (that copy was a third of `strom perf consume`'s time). Frames handed out
 * are views that stay valid: an area is never written again below what it has handed out,
 * and a full one is replaced. The broker's side of the same idea, in core memory, is
 * src/server/frame-reader.ts.
 */
export class BufferFrameReader {
  private area = Buffer.allocUnsafeSlow(AREA_BYTES);
  private fill = 0;
  private parsed = 0;
  private own: Buffer | null = null;
  private ownFilled = 0;
  private stopped = false;
  onFrame: (frame: Buffer) => void = () => {};
  /** A length prefix that is not valid (validFrameSize): nothing more is read. */
  onInvalid: (size: number) => void = () => {};

  constructor(readonly kind: FrameKind, readonly maxFrameBytes: number) {}

  /** Where the socket's next read lands. */
  nextBuffer(): Buffer {
    if (this.own) return this.own.subarray(this.ownFilled);
    if (this.fill === this.area.length) {
      const left = this.area.subarray(this.parsed, this.fill); // < 4 bytes of a length prefix
      this.area = Buffer.allocUnsafeSlow(AREA_BYTES);
      left.copy(this.area);
      this.fill = left.length;
      this.parsed = 0;
    }
    return this.area.subarray(this.fill);
  }

  /** The socket wrote n bytes into the last nextBuffer(). */
  filled(n: number): void {
    if (this.stopped) return;
    if (this.own) {
      this.ownFilled += n;
      if (this.ownFilled === this.own.length) {
        const frame = this.own;
        this.own = null;
        this.onFrame(frame);
      }
      return;
    }
    this.fill += n;
    while (!this.stopped && this.fill - this.parsed >= LENGTH_PREFIX_BYTES) {
      const size = this.area.readInt32BE(this.parsed);
      if (!validFrameSize(this.kind, size, this.maxFrameBytes)) {
        this.stopped = true;
        this.onInvalid(size);
        return;
      }
      const start = this.parsed + LENGTH_PREFIX_BYTES;
      const available = this.fill - start;
      if (available >= size) {
        const frame = this.area.subarray(start, start + size);
        this.parsed = start + size;
        this.onFrame(frame);
        continue;
      }
      if (start + size <= this.area.length) return; // the rest lands in this area
      this.own = Buffer.allocUnsafe(size);
      this.area.copy(this.own, 0, start, this.fill);
      this.ownFilled = available;
      this.parsed = this.fill;
      return;
    }
  }

  /** Copies bytes that arrived some other way (a socket without `onread`) as reads would land. */
  write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length && !this.stopped;) {
      const into = this.nextBuffer();
      const n = Math.min(into.length, bytes.length - done);
      into.set(bytes.subarray(done, done + n));
      done += n;
      this.filled(n);
    }
  }
}
