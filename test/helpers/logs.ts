// Helpers for tests of src/log over real files: log managers in temp directories, and
// reading a partition back as records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegionPool, decodeBatches, type Core } from '../../src/core/index.js';
import { AppendPool } from '../../src/storage/append-pool.js';
import { BrokerConfig } from '../../src/config/config.js';
import { LogManager } from '../../src/log/log-manager.js';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { codecs } from '../../src/compression/codecs.js';
import { sleep } from './wait.js';

export interface Opened {
  manager: LogManager;
  pool: AppendPool;
  logged: string[];
}

export class LogDirs {
  private readonly roots: string[] = [];
  private readonly pools: AppendPool[] = [];

  constructor(private readonly core: Core) {}

  newRoot(): string {
    const dir = mkdtempSync(join(tmpdir(), 'strom-log-'));
    this.roots.push(dir);
    return dir;
  }

  async open(dir: string, overrides: Record<string, string> = {}): Promise<Opened> {
    const pool = new AppendPool(this.core, 2);
    this.pools.push(pool);
    const logged: string[] = [];
    const logger = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`WARN ${m}`) };
    const manager = new LogManager(new BrokerConfig({ 'log.dir': dir, ...overrides }), this.core, new RegionPool(this.core.mem), pool, logger);
    await manager.start();
    return { manager, pool, logged };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.stop()));
    for (const r of this.roots) rmSync(r, { recursive: true, force: true });
  }
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

/** Every record from the log start, in offset order, as a consumer would fetch them. */
export async function readRecords(core: Core, log: PartitionLog, maxBytes = 4096): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let from = log.logStartOffset;
  for (let guard = 0; from < log.logEndOffset && guard < 100_000; guard++) {
    const r = await log.read(from, maxBytes, true);
    try {
      if (r.records.length === 0) break;
      for (const batch of decodeBatches(core, r.records, codecs)) {
        for (const rec of batch.records) {
          if (rec.offset < from) continue;
          out.push({ offset: rec.offset, key: rec.key && Buffer.from(rec.key).toString(), value: rec.value && Buffer.from(rec.value).toString() });
        }
        // Resume after the batch, not after its last record kept: compaction leaves gaps.
        from = Math.max(from, batch.header.lastOffset + 1);
      }
    } finally {
      r.release();
    }
  }
  return out;
}

/** Waits (bounded) until every rolled segment is synced: the cleaner goes no further. */
export async function settled(log: PartitionLog, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (log.recoveryPoint < log.activeSegment.baseOffset && Date.now() < deadline) await sleep(5);
  if (log.recoveryPoint < log.activeSegment.baseOffset) throw new Error(`${log.key}: recovery point ${log.recoveryPoint} never reached ${log.activeSegment.baseOffset}`);
}

/** The latest value per key in records read in offset order (what compaction must keep). */
export function latestByKey(records: ReadRecord[]): Map<string, ReadRecord> {
  const latest = new Map<string, ReadRecord>();
  for (const r of records) if (r.key !== null) latest.set(r.key, r);
  return latest;
}
