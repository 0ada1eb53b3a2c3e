// Response frames (a 4-byte length, then the response) read by the socket straight into
// buffers of ours (Node's `onread` option on a client socket): a frame that fits goes into the
// current 64 KiB area, a longer one into a buffer of exactly its size that the socket fills
// directly, so a large Fetch response is never joined from 64 KiB chunks (that copy was a
// third of `strom perf consume`'s time). Frames handed out are views that stay valid: an
// area is never written again below what it has handed out, and a full one is replaced.
// The broker's side of the same idea, in core memory, is src/server/frame-reader.ts.

const AREA_BYTES = 64 << 10;

export class ResponseReader {
  private area = Buffer.allocUnsafeSlow(AREA_BYTES);
  private fill = 0;
  private parsed = 0;
  private own: Buffer | null = null;
  private ownFilled = 0;
  private stopped = false;
  onFrame: (frame: Buffer) => void = () => {};
  /** A length prefix below 4 or above `maxFrameBytes`: nothing more is read. */
  onInvalid: (size: number) => void = () => {};

  constructor(readonly maxFrameBytes: number) {}

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

  /** Bytes that arrived in a buffer of the socket's own (TLS): copied in, as reads would land. */
  write(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length && !this.stopped;) {
      const into = this.nextBuffer();
      const n = Math.min(into.length, chunk.length - at);
      into.set(chunk.subarray(at, at + n));
      at += n;
      this.filled(n);
    }
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
    while (!this.stopped && this.fill - this.parsed >= 4) {
      const size = this.area.readInt32BE(this.parsed);
      if (size < 4 || size > this.maxFrameBytes) {
        this.stopped = true;
        this.onInvalid(size);
        return;
      }
      const available = this.fill - this.parsed - 4;
      if (available >= size) {
        const frame = this.area.subarray(this.parsed + 4, this.parsed + 4 + size);
        this.parsed += 4 + size;
        this.onFrame(frame);
        continue;
      }
      if (this.parsed + 4 + size <= this.area.length) return; // the rest lands in this area
      this.own = Buffer.allocUnsafe(size);
      this.area.copy(this.own, 0, this.parsed + 4, this.fill);
      this.ownFilled = available;
      this.parsed = this.fill;
      return;
    }
  }
}
