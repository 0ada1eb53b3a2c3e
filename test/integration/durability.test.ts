// Durability: a restart keeps everything; kill -9 during a produce load loses no
// acknowledged record; a segment cut mid-batch recovers to its last whole batch.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, cleanupDirs, tempDir, run, python } from '../helpers/broker.js';
import { core } from '../helpers/core.js';
import { KAFKA_PYTHON, PYTHON, requireExternal } from '../helpers/external.js';
import { sleep } from '../helpers/wait.js';

requireExternal(KAFKA_PYTHON, 'kcat');

afterAll(() => cleanupDirs());

const kcatConsume = (bootstrap: string, topic: string) =>
  run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], 60_000);

describe('durability', () => {
  it('keeps every record across a clean restart (produce N, stop, start, read N)', async () => {
    const dir = tempDir();
    const first = await startBroker({ dir, overrides: { 'num.partitions': '3', 'log.segment.bytes': '50000' } });
    const produced = await python(`
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], linger_ms=5)
for i in range(3000): p.send('durable', key=b'k%d' % (i % 7), value=b'record %d' % i)
p.flush(); p.close()`, [first.bootstrap]);
    expect(produced.code).toBe(0);
    expect(await first.stop()).toBe(0);
    const second = await startBroker({ dir, overrides: { 'num.partitions': '3', 'log.segment.bytes': '50000' } });
    expect(second.output.join('\n')).not.toContain('recovered after an unclean stop');
    const consumed = await kcatConsume(second.bootstrap, 'durable');
    const values = consumed.stdout.trim().split('\n').map((l) => l.split(' ').slice(2).join(' '));
    expect(values.length).toBe(3000);
    expect(new Set(values).size).toBe(3000);
    expect(await second.stop()).toBe(0);
  });

  it('loses no acknowledged record to kill -9 during a produce load', async () => {
    const dir = tempDir();
    const broker = await startBroker({ dir });
    await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'crash', '-p', '0'], 30_000, 'warm-up\n');
    // A producer that prints every value the broker acknowledged (acks=all).
    const producer = spawn(PYTHON, ['-u', '-c', `
import sys, time
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], acks='all', linger_ms=2, retries=0, max_block_ms=2000, request_timeout_ms=2000)
def acked(value):
    return lambda md: print('ACK', value, md.offset, flush=True)
i = 0
deadline = time.time() + 20
while time.time() < deadline:
    try:
        p.send('crash', value=b'v%d' % i, partition=0).add_callback(acked(i))
    except Exception:
        break
    i += 1
    if i % 200 == 0: time.sleep(0.01)
`, broker.bootstrap], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    producer.stdout.on('data', (d) => { out += d; });
    const acks = () => out.split('\n').filter((l) => l.startsWith('ACK ')).length;
    const deadline = Date.now() + 15_000;
    while (acks() < 5000 && Date.now() < deadline) await sleep(50);
    await broker.kill();
    await sleep(300);
    producer.kill('SIGKILL');
    const acked = out.split('\n').filter((l) => l.startsWith('ACK ')).map((l) => l.split(' '));
    expect(acked.length).toBeGreaterThan(1000);
    const restarted = await startBroker({ dir });
    expect(restarted.output.join('\n')).toContain('recovered after an unclean stop');
    const consumed = await kcatConsume(restarted.bootstrap, 'crash');
    const stored = new Map(consumed.stdout.trim().split('\n').map((l) => l.split(' ')).map(([, offset, value]) => [value, Number(offset)]));
    const missing = acked.filter(([, value, offset]) => stored.get(`v${value}`) !== Number(offset));
    expect(missing).toEqual([]);
    // Offsets stay dense: no gaps, no duplicates.
    const offsets = [...stored.values()].sort((a, b) => a - b);
    expect(offsets).toEqual(offsets.map((_, i) => i));
    expect(await restarted.stop()).toBe(0);
  });

  it.each([['after kill -9', false], ['after a clean stop', true]])('cuts a torn tail to the last whole batch (%s)', async (_name, clean) => {
    const dir = tempDir();
    const broker = await startBroker({ dir });
    for (let i = 0; i < 10; i++) {
      await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'torn', '-p', '0'], 30_000, Array.from({ length: 5 }, (_, j) => `b${i}-r${j}`).join('\n') + '\n');
    }
    if (clean) expect(await broker.stop()).toBe(0);
    else await broker.kill();
    const segment = join(dir, 'torn-0', readdirSync(join(dir, 'torn-0')).find((f) => f.endsWith('.log'))!);
    // librdkafka usually sends each run's five lines as one batch, but a loaded machine can
    // split them: the records that survive are those before the last batch, wherever it starts.
    const batches = core.scan(readFileSync(segment)).batches;
    expect(batches[batches.length - 1].lastOffset).toBe(49);
    const kept = batches[batches.length - 1].baseOffset;
    truncateSync(segment, statSync(segment).size - 10); // the last batch loses its end
    const restarted = await startBroker({ dir });
    const consumed = await kcatConsume(restarted.bootstrap, 'torn');
    const rows = consumed.stdout.trim().split('\n');
    expect(rows).toHaveLength(kept);
    expect(rows[kept - 1]).toBe(`0 ${kept - 1} b${Math.floor((kept - 1) / 5)}-r${(kept - 1) % 5}`);
    await run('kcat', ['-b', restarted.bootstrap, '-P', '-t', 'torn', '-p', '0'], 30_000, 'after\n');
    const again = await kcatConsume(restarted.bootstrap, 'torn');
    expect(again.stdout.trim().split('\n').pop()).toBe(`0 ${kept} after`);
    expect(await restarted.stop()).toBe(0);
  });
});
