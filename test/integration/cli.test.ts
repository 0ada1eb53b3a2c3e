// `strom start` as a user meets it: config sources, one-line refusals, clean stops.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { startBroker, cleanupDirs, tempDir, run } from '../helpers/broker.js';


const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (...args: string[]) => run(process.execPath, [STROM, ...args], 20_000);

afterAll(() => cleanupDirs());

describe('strom start', () => {
  it('refuses a bad value with one line and a non-zero exit', async () => {
    const r = await strom('start', '--override', 'num.partitions=many', '--override', `log.dirs=${tempDir()}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('strom: Invalid value "many" for configuration num.partitions: expected a whole number\n');
  });

  it('names the address when it cannot listen', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const r = await strom('start', '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${tempDir()}`);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`strom: cannot listen on port ${port}: address already in use`);
  });

  it('reads a server.properties file (positional, as kafka-server-start.sh) and warns about unknown keys', async () => {
    const dir = tempDir();
    const file = join(dir, 'server.properties');
    writeFileSync(file, `# as in Kafka's config/server.properties\nnode.id=5\nlog.dirs=${join(dir, 'data')}\nlisteners=PLAINTEXT://127.0.0.1:0\nhttp.listeners=http://127.0.0.1:0\nno.such.setting=1\n`);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [STROM, 'start', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => { out += d; if (out.includes('listening on')) resolve(); });
      void exited.then(() => resolve());
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('Unknown configuration no.such.setting (ignored)');
    expect(out).toContain('(node 5, cluster');
    // The data directory now belongs to node 5: another node id is refused, in one line.
    const again = await strom('start', '--config', file, '--override', 'node.id=6');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`strom: The log directory ${join(dir, 'data')} belongs to node 5, but node.id is 6`);
  });

  it('stops cleanly on SIGINT (Ctrl-C) and marks the shutdown clean', async () => {
    const broker = await startBroker();
    broker.process.kill('SIGINT');
    const code = await new Promise((r) => broker.process.on('exit', r));
    expect(code).toBe(0);
    expect(broker.output.some((l) => l.includes('stopped cleanly'))).toBe(true);
    expect(existsSync(join(broker.dir, '.kafka_cleanshutdown'))).toBe(true);
  });

  it('takes STROM_* environment variables', async () => {
    const dir = tempDir();
    const r = await run('/usr/bin/env', [`STROM_LOG_DIRS=${dir}`, 'STROM_NUM_PARTITIONS=zero', process.execPath, STROM, 'start'], 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('num.partitions');
  });

  it('has help with examples, and a version', async () => {
    const help = await strom('start', '--help');
    expect(help.stdout).toContain('--override <key=value>');
    expect(help.stdout).toContain('Examples:');
    expect((await strom('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
