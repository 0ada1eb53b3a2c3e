// The fuzz harness's own guarantees: a case is a function of (seed, index), so a failure's
// reproduction command replays it; the traced layout of a captured frame finds its length
// prefixes and counts where the codecs read them.
import { describe, expect, it } from 'vitest';
import { ABI, Core } from '../../src/core/index.js';
import { loadCorpus } from './corpus.js';
import { makeCase, type MutateContext } from './mutate.js';
import { Random } from './random.js';
import { MAX_REQUEST_BYTES } from './fuzzer.js';

const seeds = loadCorpus();
const ctx: MutateContext = { seeds, core: Core.create(), maxRequestBytes: MAX_REQUEST_BYTES };

describe('the fuzz corpus', () => {
  it('holds the requests of every client and API the fuzzer is meant to cover', () => {
    const has = (client: string, api: string) => seeds.some((s) => s.client === client && s.name.includes(` ${api} v`));
    for (const client of ['kafka-python', 'librdkafka', 'kafkajs']) {
      for (const api of ['ApiVersions', 'Metadata', 'Produce', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'OffsetCommit', 'LeaveGroup', 'CreateTopics', 'DeleteTopics', 'DescribeConfigs', 'AlterConfigs', 'CreatePartitions']) {
        expect(has(client, api), `${client} ${api}`).toBe(true);
      }
    }
    expect(has('kafkajs', 'DeleteRecords') && has('kafkajs', 'InitProducerId') && has('librdkafka', 'InitProducerId')).toBe(true);
    expect(new Set(seeds.filter((s) => s.apiKey === 0).map((s) => s.apiVersion))).toEqual(new Set([1, 2, 7]));
  });

  it('traces length prefixes and counts at the offsets the codecs read them', () => {
    const metadata = seeds.find((s) => s.client === 'kafkajs' && s.name.includes(' Metadata v6'))!;
    // Metadata v6: header v1 = api key, version, correlation id, client id (int16 length + bytes).
    expect(metadata.layout.fields.slice(0, 4).map((f) => [f.at, f.width, f.kind])).toEqual([[4, 2, 'int'], [6, 2, 'int'], [8, 4, 'int'], [12, 2, 'length']]);
    const topics = metadata.layout.fields.find((f) => f.at === metadata.layout.bodyAt)!;
    expect(topics).toMatchObject({ width: 4, kind: 'count', varint: false });
    const flexible = seeds.find((s) => s.client === 'librdkafka' && s.name.includes(' ApiVersions v3'))!;
    expect(flexible.layout.fields.some((f) => f.varint && f.kind === 'length')).toBe(true);
    const produce = seeds.find((s) => s.client === 'kafkajs' && s.apiKey === 0)!;
    expect(produce.layout.blobs.length).toBeGreaterThan(0);
    for (const blob of produce.layout.blobs) expect(produce.frame[blob.at + 16]).toBe(2); // a record batch's magic
  });
});

describe('fuzz cases', () => {
  it('are the same for the same (seed, index), and differ across indexes', () => {
    const a = makeCase(new Random(7, 12345), 12345, ctx);
    const b = makeCase(new Random(7, 12345), 12345, ctx);
    expect(b).toEqual(a);
    const others = Array.from({ length: 50 }, (_, i) => makeCase(new Random(7, i), i, ctx).bytes.toString('hex'));
    expect(new Set(others).size).toBeGreaterThan(40);
  });

  it('keep a record batch CRC-valid after the batch mutator changed it', () => {
    let checked = 0;
    for (let i = 0; checked < 20 && i < 20_000; i++) {
      const c = makeCase(new Random(3, i), i, ctx);
      if (c.mutations.length !== 1 || c.mutations[0] !== 'batch' || c.seeds.length !== 1) continue;
      const seed = seeds.find((s) => s.name === c.seeds[0])!;
      if (seed.apiKey !== 0 || seed.apiVersion < 3 || c.bytes.length !== seed.frame.length) continue;
      const blob = seed.layout.blobs[0];
      const batch = c.bytes.subarray(blob.at, blob.at + blob.length);
      if (!batch.equals(seed.frame.subarray(blob.at, blob.at + blob.length)) && batch.readUInt32BE(ABI.BATCH_CRC) === ctx.core.crc32c(batch.subarray(ABI.BATCH_ATTRIBUTES))) checked++;
    }
    expect(checked).toBe(20);
  });
});
