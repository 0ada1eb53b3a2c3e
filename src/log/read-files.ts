// The segment files the main thread keeps open for reading, bounded
// (strom.max.open.read.files). A segment opens its file at its first read and keeps it for
// the next; with thousands of partitions that is a file per partition besides the one its
// append worker writes, and 10,000 partitions ran out of the process's open files at start
// (bench:scale). Past the bound, the files used least recently and not being streamed are
// closed; a later read opens them again (an open takes microseconds).

/** A file that can be closed while nothing reads from it. */
export interface ReadFile {
  /** Closes the file if no read holds it; true when it is closed. */
  closeIfIdle(): boolean;
}

const DEFAULT_MAX_OPEN_READ_FILES = 4096;

export class ReadFiles {
  /** Open files, least recently used first (a Map keeps insertion order). */
  private readonly open = new Map<ReadFile, true>();

  constructor(public max = DEFAULT_MAX_OPEN_READ_FILES) {}

  get size(): number {
    return this.open.size;
  }

  /** `file` was opened, or read: it becomes the most recently used; the oldest idle ones close past the bound. */
  used(file: ReadFile): void {
    this.open.delete(file);
    this.open.set(file, true);
    if (this.open.size <= this.max) return;
    for (const oldest of this.open.keys()) {
      if (this.open.size <= this.max) break;
      if (oldest !== file && oldest.closeIfIdle()) this.open.delete(oldest);
    }
  }

  /** `file` was closed by its owner. */
  closed(file: ReadFile): void {
    this.open.delete(file);
  }
}

/** The broker's (one per process: the log manager sets its bound from the config). */
export const readFiles = new ReadFiles();
