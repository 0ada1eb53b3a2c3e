// kcat 1.7.1 (librdkafka 2.0.2) against the broker, as a child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('kcat');

let broker: RunningBroker;
beforeAll(async () => { broker = await startBroker(); });
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const kcat = (args: string[], input?: string) => run('kcat', ['-b', broker.bootstrap, ...args], 60_000, input);

describe('kcat / librdkafka', () => {
  it.each([['none'], ['gzip'], ['snappy'], ['lz4'], ['zstd']])('produces with %s and reads back', async (codec) => {
    const topic = `kc-${codec}`;
    const input = Array.from({ length: 500 }, (_, i) => `key${i}:${'value-'.repeat(10)}${i}`).join('\n') + '\n';
    const produced = await kcat(['-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec, '-X', 'linger.ms=50'], input);
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k %s %o\\n']);
    const rows = consumed.stdout.trim().split('\n');
    expect(rows).toHaveLength(500);
    expect(rows[499]).toBe(`key499 ${'value-'.repeat(10)}499 499`);
  });

  // librdkafka 2.0.2 drops gzip/snappy/lz4 unless Produce is advertised from v0 (KAFKA-18659),
  // and enables lz4 only when FindCoordinator v0 is advertised (its feature checks).
  it('stores the codec librdkafka chose: compression is not dropped', async () => {
    // kcat shows nothing of codecs: read the batch attributes in the segment files.
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { Core } = await import('../../src/core/index.js');
    const core = Core.create();
    for (const [codec, id] of [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]] as const) {
      const log = readFileSync(join(broker.dir, `kc-${codec}-0`, '00000000000000000000.log'));
      const scan = core.scan(log);
      expect(scan.batches.length).toBeGreaterThan(0);
      expect(scan.batches.every((b) => (b.attributes & 7) === id), codec).toBe(true);
    }
  });

  it('consumes from an offset, and lists topic metadata', async () => {
    await kcat(['-P', '-t', 'kc-meta', '-p', '0'], 'a\nb\nc\nd\n');
    const tail = await kcat(['-C', '-t', 'kc-meta', '-p', '0', '-o', '2', '-e', '-q', '-f', '%s@%o\\n']);
    expect(tail.stdout.trim().split('\n')).toEqual(['c@2', 'd@3']);
    const last = await kcat(['-C', '-t', 'kc-meta', '-p', '0', '-o', '-1', '-e', '-q', '-f', '%s@%o\\n']);
    expect(last.stdout.trim()).toBe('d@3');
    const meta = await kcat(['-L', '-t', 'kc-meta']);
    expect(meta.stdout).toMatch(/1 brokers:\s+broker 1 at 127\.0\.0\.1:\d+ \(controller\)/);
    expect(meta.stdout).toMatch(/partition 0, leader 1, replicas: 1, isrs: 1/);
  });

  it('queries offsets by timestamp (-Q) and carries headers and timestamps', async () => {
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 4; i++) {
      await kcat(['-P', '-t', 'kc-time', '-p', '0', '-H', `trace=${i}`, '-X', `api.version.request=true`], `event ${i}\n`);
    }
    const withHeaders = await kcat(['-C', '-t', 'kc-time', '-p', '0', '-e', '-q', '-f', '%s %h\\n']);
    expect(withHeaders.stdout.trim().split('\n')).toEqual(['event 0 trace=0', 'event 1 trace=1', 'event 2 trace=2', 'event 3 trace=3']);
    const query = await kcat(['-Q', '-t', `kc-time:0:${t0}`]);
    expect(query.stdout).toMatch(/kc-time \[0\]\s+offset 0/);
    const future = await kcat(['-Q', '-t', `kc-time:0:${Date.now() + 3_600_000}`]);
    expect(future.stdout).toMatch(/kc-time \[0\]\s+offset -1/);
  });
});
