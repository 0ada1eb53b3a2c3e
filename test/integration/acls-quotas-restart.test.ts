// ACLs and client quotas survive a restart (issue 16): set with `strom acls` and `strom
// configs`, the broker stopped (SIGTERM) and, in the second test, killed (kill -9), started
// again on the same log directory: listed and described as before, and enforced (kcat over
// SASL/PLAIN as a user with, and one without, ACLs). A change that cannot be written (here the
// file's place taken by a directory, as a broken disk would refuse it) is answered with an
// error, is not enforced, and the broker serves on.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';

requireExternal('kcat');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const OVERRIDES = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'PLAIN',
  'strom.sasl.plain.users': 'admin:admin-secret,alice:alice-secret,bob:bob-secret',
  'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
  'super.users': 'User:admin',
};

const running: RunningBroker[] = [];
afterAll(async () => {
  for (const b of running.splice(0)) await b.stop();
  cleanupDirs();
});

async function start(dir: string): Promise<{ broker: RunningBroker; sasl: string }> {
  const broker = await startBroker({ dir, overrides: OVERRIDES });
  running.push(broker);
  const line = broker.output.find((l) => l.includes('SASL_PLAINTEXT://'))!;
  return { broker, sasl: `127.0.0.1:${/SASL_PLAINTEXT:\/\/[^:]+:(\d+)/.exec(line)![1]}` };
}

function tools(sasl: string, dir: string) {
  const adminConfig = join(tempDir(), 'admin.properties');
  writeFileSync(adminConfig, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=admin\nsasl.password=admin-secret\n');
  const strom = async (args: string[]) => {
    const r = await run(process.execPath, [STROM, ...args, '--bootstrap-server', sasl, '--command-config', adminConfig], 30_000);
    if (r.code !== 0) throw new Error(`strom ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const produce = (user: 'alice' | 'bob', topic: string) => run('kcat', ['-b', sasl, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-secret`, '-P', '-t', topic], 30_000, 'r\n');
  return { strom, produce };
}

async function setUp(sasl: string, dir: string): Promise<void> {
  const { strom } = tools(sasl, dir);
  await strom(['topics', '--create', '--topic', 'kept', '--partitions', '1']);
  await strom(['acls', '--add', '--allow-principal', 'User:alice', '--producer', '--topic', 'kept']);
  await strom(['acls', '--add', '--deny-principal', 'User:alice', '--operation', 'Read', '--topic', 'ke', '--resource-pattern-type', 'PREFIXED']);
  await strom(['configs', '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=4096000']);
}

async function check(sasl: string, dir: string): Promise<void> {
  const { strom, produce } = tools(sasl, dir);
  const listed = await strom(['acls', '--list']);
  expect(listed).toContain('ResourcePattern(resourceType=TOPIC, name=kept, patternType=LITERAL)');
  expect(listed).toContain('(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)');
  expect(listed).toContain('ResourcePattern(resourceType=TOPIC, name=ke, patternType=PREFIXED)');
  expect(listed).toContain('(principal=User:alice, host=*, operation=READ, permissionType=DENY)');
  expect(await strom(['configs', '--describe', '--entity-type', 'users', '--entity-name', 'alice'])).toBe("Quota configs for user-principal 'alice' are producer_byte_rate=4096000.0\n");
  const allowed = await produce('alice', 'kept');
  expect(allowed.stderr).toBe('');
  expect(allowed.code).toBe(0);
  const refused = await produce('bob', 'kept');
  expect(refused.stderr).toContain('Topic authorization failed');
}

describe('ACLs and quotas across restarts', () => {
  it('a clean stop and start', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await setUp(first.sasl, dir);
    await check(first.sasl, dir);
    expect(await first.broker.stop()).toBe(0);
    running.splice(running.indexOf(first.broker), 1);
    const second = await start(dir);
    await check(second.sasl, dir);
  });

  it('a change the broker cannot write is refused with a message, not enforced, and the broker serves on', async () => {
    const dir = tempDir();
    const { broker, sasl } = await start(dir);
    const { strom, produce } = tools(sasl, dir);
    await strom(['topics', '--create', '--topic', 'kept', '--partitions', '1']);
    // Each file is replaced by a rename: a directory in its place makes every write fail.
    for (const file of ['strom-acls.json', 'strom-client-quotas.json']) mkdirSync(join(broker.dir, file, 'in-the-way'), { recursive: true });
    await expect(strom(['acls', '--add', '--allow-principal', 'User:alice', '--producer', '--topic', 'kept'])).rejects.toThrow(/could not be stored/);
    await expect(strom(['configs', '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=4096000'])).rejects.toThrow(/could not be stored/);
    expect(await strom(['acls', '--list'])).not.toContain('User:alice');
    expect(await strom(['configs', '--describe', '--entity-type', 'users', '--entity-name', 'alice'])).not.toContain('producer_byte_rate');
    expect((await produce('alice', 'kept')).stderr).toContain('Topic authorization failed');
    // The disk back: the same changes are stored and enforced.
    for (const file of ['strom-acls.json', 'strom-client-quotas.json']) rmSync(join(broker.dir, file), { recursive: true });
    await strom(['acls', '--add', '--allow-principal', 'User:alice', '--producer', '--topic', 'kept']);
    const allowed = await produce('alice', 'kept');
    expect([allowed.code, allowed.stderr]).toEqual([0, '']);
  });

  it('kill -9 right after the changes were acknowledged', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await setUp(first.sasl, dir);
    await first.broker.kill();
    running.splice(running.indexOf(first.broker), 1);
    const second = await start(dir);
    await check(second.sasl, dir);
  });
});
