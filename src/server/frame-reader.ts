// Request frames (a 4-byte length, then the request: src/protocol/framing.ts, which also says
// which lengths are valid) read into core memory with no copy in
// user space: the socket's reads land in a receive area of core memory (Node's onread user
// buffer, see user-buffer.ts), and a frame that arrives whole inside the area is handled
// where it lies. A frame longer than what is left of its area gets a region of its own: the
// bytes already read move there once and the socket reads the rest straight into it. An
// area goes back to the pool when every frame in it is done.
//
// Areas start small, so an idle or lightly used connection pins little core memory, and
// double up to Node's own read size while single reads fill half of one. When core memory
// is exhausted the reader stops and says so; the connection closes, the broker goes on.
import { at, type CoreMemory, type MemoryBudget, type Ptr, type Region, type RegionPool } from '../core/index.js';
import { LENGTH_PREFIX_BYTES, validFrameSize } from '../protocol/framing.js';

/** Bytes of the first receive area of a connection. */
const MIN_AREA_BYTES = 4 << 10;
/** The largest receive area: Node's own read size. */
export const AREA_BYTES = 64 << 10;
/** Where reads land once the reader has stopped (nothing is kept). */
const DISCARD = new Uint8Array(4096);

interface Area {
  region: Region;
  /** Bytes the socket has written into it. */
  fill: number;
  /** Bytes handed out as frames (or moved to a frame of their own). */
  parsed: number;
  /** The reader's own reference plus one per frame in it not yet released. */
  refs: number;
}

interface OwnFrame {
  region: Region;
  size: number;
  filled: number;
}

interface FrameSink {
  /** A whole frame at [ptr, ptr + size); `release` when done with it, `heldBytes` what it pins. */
  frame(ptr: Ptr, size: number, release: () => void, heldBytes: number): void;
  /** A length prefix that is no request's (validFrameSize): the stream cannot be read further. */
  invalid(size: number): void;
  /** Core memory could not hold what arrives: the stream cannot be read further. */
  exhausted(error: Error): void;
}

export class FrameReader {
  private area: Area | null = null;
  private own: OwnFrame | null = null;
  private stopped = false;
  private areaBytes = MIN_AREA_BYTES;

  /** `budget`, when given, counts every region the reader holds (the broker's request memory). */
  constructor(
    private readonly mem: CoreMemory,
    private readonly regions: RegionPool,
    /** Larger frames are invalid; a SASL connection lowers it until authenticated (sasl.server.max.receive.size). */
    public maxFrameBytes: number,
    private readonly sink: FrameSink,
    private readonly budget: MemoryBudget | null = null,
  ) {}

  /** Where the socket's next read should land (valid until filled() is called). */
  nextBuffer(): Uint8Array {
    if (this.stopped) return DISCARD;
    const own = this.own;
    if (own) return this.mem.view(at(own.region.ptr, own.filled), own.size - own.filled);
    let area = this.area;
    if (!area || area.fill === area.region.capacity) {
      try {
        area = this.newArea();
      } catch (e) {
        this.exhausted(e as Error);
        return DISCARD;
      }
    }
    return this.mem.view(at(area.region.ptr, area.fill), area.region.capacity - area.fill);
  }

  /** The socket wrote n bytes into the buffer nextBuffer() returned. */
  filled(n: number): void {
    if (this.stopped) return;
    const own = this.own;
    if (own) {
      own.filled += n;
      if (own.filled === own.size) {
        this.own = null;
        this.sink.frame(own.region.ptr, own.size, () => this.free(own.region), own.region.capacity);
      }
      return;
    }
    const area = this.area!;
    area.fill += n;
    // A read that filled half an area found the socket with more queued: read in larger areas.
    if (n * 2 >= area.region.capacity && this.areaBytes < AREA_BYTES) this.areaBytes *= 2;
    this.parse(area);
  }

  /** Copies bytes that arrived some other way (a socket without user buffers) as reads would land. */
  write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length && !this.stopped;) {
      const into = this.nextBuffer();
      const n = Math.min(into.length, bytes.length - done);
      if (into !== DISCARD) this.mem.write(into.byteOffset as Ptr, bytes.subarray(done, done + n));
      done += n;
      this.filled(n);
    }
  }

  /** Drops what the reader holds (frames handed out are released by their holders). */
  close(): void {
    this.stopped = true;
    if (this.own) this.free(this.own.region);
    this.own = null;
    if (this.area) this.unref(this.area);
    this.area = null;
  }

  private parse(area: Area): void {
    const dv = this.mem.dv();
    const capacity = area.region.capacity;
    while (!this.stopped) {
      const available = area.fill - area.parsed;
      if (available < LENGTH_PREFIX_BYTES) return;
      const start = at(area.region.ptr, area.parsed);
      const size = dv.getInt32(start, false);
      if (!validFrameSize('request', size, this.maxFrameBytes)) {
        this.stopped = true;
        this.sink.invalid(size);
        return;
      }
      const framed = LENGTH_PREFIX_BYTES + size;
      if (available >= framed) {
        area.refs++;
        area.parsed += framed;
        this.sink.frame(at(start, LENGTH_PREFIX_BYTES), size, () => this.unref(area), framed);
        continue;
      }
      if (area.parsed + framed <= capacity) return; // the rest lands in this area
      const got = available - LENGTH_PREFIX_BYTES;
      let region: Region;
      try {
        region = this.alloc(size);
      } catch (e) {
        this.exhausted(e as Error);
        return;
      }
      this.mem.move(region.ptr, at(start, LENGTH_PREFIX_BYTES), got);
      area.parsed = area.fill;
      this.own = { region, size, filled: got };
      return;
    }
  }

  /** A fresh area; the < 4 bytes of a length prefix left at the end of the full one move there. */
  private newArea(): Area {
    const old = this.area;
    const area: Area = { region: this.alloc(this.areaBytes), fill: 0, parsed: 0, refs: 1 };
    if (old) {
      const left = old.fill - old.parsed;
      if (left > 0) this.mem.move(area.region.ptr, at(old.region.ptr, old.parsed), left);
      area.fill = left;
      this.unref(old);
    }
    this.area = area;
    return area;
  }

  private exhausted(error: Error): void {
    this.stopped = true;
    this.sink.exhausted(error);
  }

  private unref(area: Area): void {
    if (--area.refs === 0) this.free(area.region);
  }

  private alloc(bytes: number): Region {
    const region = this.regions.alloc(bytes);
    this.budget?.take(region.capacity);
    return region;
  }

  private free(region: Region): void {
    this.regions.release(region);
    this.budget?.give(region.capacity);
  }
}
