// src/log/read-files.ts: the bound on segment files open for reading (strom.max.open.read.files):
// past it the least recently used idle files close; a file being read, or the one just used,
// stays; and reads through real logs go on, reopening what was closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, decodeBatches } from '../../../src/core/index.js';
import { codecs, initCompression } from '../../../src/compression/codecs.js';
import { ReadFiles, readFiles, type ReadFile } from '../../../src/log/read-files.js';
import type { LogManager } from '../../../src/log/log-manager.js';
import { core } from '../../helpers/core.js';
import { LogDirs } from '../../helpers/logs.js';

class Fake implements ReadFile {
  closed = false;
  busy = false;
  closeIfIdle(): boolean {
    if (this.busy) return false;
    this.closed = true;
    return true;
  }
}

describe('ReadFiles', () => {
  it('closes the least recently used idle files past its bound, never one in use or the one just used', () => {
    const files = new ReadFiles(2);
    const [a, b, c, d] = [new Fake(), new Fake(), new Fake(), new Fake()];
    files.used(a);
    files.used(b);
    files.used(a); // a is now the most recent
    files.used(c);
    expect([a.closed, b.closed, c.closed, files.size]).toEqual([false, true, false, 2]);
    a.busy = true;
    files.used(d); // a is the oldest, but being read: c goes
    expect([a.closed, c.closed, d.closed, files.size]).toEqual([false, true, false, 2]);
    files.closed(a);
    expect(files.size).toBe(1);
  });
});

describe('reads under the bound', () => {
  const dirs = new LogDirs(core);
  let manager: LogManager;
  const saved = readFiles.max;
  beforeAll(async () => {
    await initCompression();
    ({ manager } = await dirs.open(dirs.newRoot(), { 'strom.max.open.read.files': '1' }));
  });
  afterAll(async () => {
    readFiles.max = saved;
    await dirs.cleanup();
  });

  it('partitions read in turn each get their own records, one file open at a time', async () => {
    await manager.createTopic('rf', 3);
    const logs = [0, 1, 2].map((p) => manager.partition('rf', p)!);
    for (const [p, log] of logs.entries()) await log.append(buildBatch(core, [{ value: `partition ${p}` }], { codecs }));
    for (let round = 0; round < 2; round++) {
      for (const [p, log] of logs.entries()) {
        const r = await log.read(0, 1 << 20, true);
        expect(decodeBatches(core, r.records, codecs)[0].records.map((x) => Buffer.from(x.value!).toString())).toEqual([`partition ${p}`]);
        r.release();
        expect(readFiles.size).toBeLessThanOrEqual(1);
      }
    }
  });
});
