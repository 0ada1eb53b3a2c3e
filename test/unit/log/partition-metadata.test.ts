// src/log/partition-metadata.ts: topic ids and the partition.metadata file, in Kafka's format.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isTopicId, newTopicId, formatPartitionMetadata, parsePartitionMetadata, readPartitionMetadata, writePartitionMetadata,
  strayDirPath, PartitionMetadataError, RESERVED_TOPIC_IDS,
} from '../../../src/log/partition-metadata.js';
import { parsePartitionDirName } from '../../../src/storage/layout.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'strom-pm-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const ID = 'k2lZBkR6T9S2eT8N3fJ5bg';

describe('topic ids', () => {
  it('are random 16-byte UUIDs in unpadded base64url, never reserved, never starting with "-"', () => {
    const ids = Array.from({ length: 2000 }, newTopicId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isTopicId(id)).toBe(true);
      expect(id.startsWith('-')).toBe(false);
      const bytes = Buffer.from(id, 'base64url');
      expect(bytes.length).toBe(16);
      expect(bytes[6] >> 4).toBe(4); // version 4, as Java's UUID.randomUUID
    }
  });

  it('refuses the reserved ids, wrong lengths, other alphabets and non-canonical spellings', () => {
    expect(RESERVED_TOPIC_IDS).toContain(ZERO_UUID);
    for (const bad of [...RESERVED_TOPIC_IDS, '', 'abc', `${ID}A`, 'k2lZBkR6T9S2eT8N3fJ5b+', 'k2lZBkR6T9S2eT8N3fJ5bh', 42, null]) {
      expect([bad, isTopicId(bad)]).toEqual([bad, false]);
    }
    expect(isTopicId(ID)).toBe(true);
  });
});

describe('partition.metadata', () => {
  it('is written as Kafka writes it, durably, with no temporary file left, and read back', async () => {
    const dir = newDir();
    await writePartitionMetadata(dir, ID);
    expect(readFileSync(join(dir, 'partition.metadata'), 'utf8')).toBe(`version: 0\ntopic_id: ${ID}\n`);
    expect(readdirSync(dir)).toEqual(['partition.metadata']);
    expect(readPartitionMetadata(dir)).toBe(ID);
    const other = newTopicId();
    await writePartitionMetadata(dir, other);
    expect(readPartitionMetadata(dir)).toBe(other);
  });

  it('reads Kafka\'s own file (no final newline) and a newer version; a directory without one has none', () => {
    expect(parsePartitionMetadata(`version: 0\ntopic_id: ${ID}`, 'p')).toBe(ID);
    expect(parsePartitionMetadata(`version: 1\ntopic_id:   ${ID}\n`, 'p')).toBe(ID);
    expect(readPartitionMetadata(newDir())).toBeNull();
  });

  it('refuses bad content with the path and what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /malformed partition metadata file \(0 line/],
      [`version: 0\n`, /malformed partition metadata file \(1 line/],
      [`version: 0\ntopic_id: ${ID}\nextra: 1\n`, /\(3 line/],
      [`version 0\ntopic_id: ${ID}\n`, /malformed line 'version 0'/],
      [`topic_id: ${ID}\nversion: 0\n`, /malformed line 'topic_id/],
      [`version: -1\ntopic_id: ${ID}\n`, /unrecognized version '-1'/],
      [`version: zero\ntopic_id: ${ID}\n`, /unrecognized version 'zero'/],
      [`version: 0\ntopic_id: ${ZERO_UUID}\n`, /invalid topic id 'AAAAAAAAAAAAAAAAAAAAAA'/],
      [`version: 0\ntopic_id: 5f1e6c2a-93b4-4e1a\n`, /invalid topic id/],
    ];
    for (const [text, why] of cases) {
      expect(() => parsePartitionMetadata(text, '/logs/t-0/partition.metadata')).toThrow(PartitionMetadataError);
      expect(() => parsePartitionMetadata(text, '/logs/t-0/partition.metadata')).toThrow(why);
      expect(() => parsePartitionMetadata(text, '/logs/t-0/partition.metadata')).toThrow(/^\/logs\/t-0\/partition.metadata: /);
    }
    const dir = newDir();
    writeFileSync(join(dir, 'partition.metadata'), 'garbage');
    expect(() => readPartitionMetadata(dir)).toThrow(new RegExp(`${dir}/partition.metadata: malformed`));
  });

  it('is never written with an id that is not one', async () => {
    expect(() => formatPartitionMetadata(ZERO_UUID)).toThrow(RangeError);
    await expect(writePartitionMetadata(newDir(), 'nope')).rejects.toThrow(RangeError);
  });

  it('a stray directory\'s name no longer parses as a partition directory', () => {
    const stray = strayDirPath('/logs/orders-3');
    expect(stray).toMatch(/^\/logs\/orders-3\.[0-9a-f]{32}-stray$/);
    expect(parsePartitionDirName(stray.slice('/logs/'.length))).toBeNull();
  });
});
