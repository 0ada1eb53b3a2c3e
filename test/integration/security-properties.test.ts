// docs/SECURITY.md's walk-through, as a user follows it: the broker starts from its
// server.properties block (only addresses and file paths replaced: ports, hosts, certificates
// made by the test), loads it without a warning, and the page's commands work: a SCRAM user
// made with `strom configs` as admin (PLAIN, from the listener's JAAS config) with
// admin.properties, the ACLs made with `strom acls`, the client properties used by the strom
// tools (alice may use what the ACLs give her, nothing else), and kcat with the page's flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { freePort } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { makeCertificates, type TestCertificates } from '../helpers/certs.js';

requireExternal('kcat');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const PAGE = readFileSync(fileURLToPath(new URL('../../docs/SECURITY.md', import.meta.url)), 'utf8');
const strom = (args: string[], input?: string) => run(process.execPath, [STROM, ...args], 60_000, input);

/** The page's block `pattern` captures: a fenced block's text, or a heredoc's. */
function block(pattern: RegExp): string {
  const m = pattern.exec(PAGE);
  if (!m) throw new Error(`docs/SECURITY.md has no block matching ${pattern}`);
  return m[1];
}
const SERVER_PROPERTIES = block(/<!-- server\.properties:[^>]*-->\n```properties\n([\s\S]*?)```/);
const ADMIN_PROPERTIES = block(/cat > admin\.properties <<'END'\n([\s\S]*?)\nEND\n/);
const CLIENT_PROPERTIES = block(/\*\*5\. Clients\*\* keep their own settings[\s\S]*?```properties\n([\s\S]*?)```/);
const KCAT_FLAGS = block(/```sh\n(kcat -b kafka\.example\.com:9093 [\s\S]*?)\n```/);
const ACL_COMMANDS = block(/\*\*4\. ACLs\*\*[\s\S]*?```sh\n([\s\S]*?)```/);

let certs: TestCertificates;
let broker: RunningBroker;
let internal: number;
let external: number;
/** The page's text with this machine's addresses and files in it. */
let localize: (text: string) => string;

beforeAll(async () => {
  certs = await makeCertificates();
  [internal, external] = [await freePort(), await freePort()];
  const dir = tempDir();
  localize = (text) => text
    .replaceAll('//:9092', `//127.0.0.1:${internal}`).replaceAll('//:9093', `//127.0.0.1:${external}`)
    .replaceAll('broker1.internal:9092', `127.0.0.1:${internal}`).replaceAll('kafka.example.com:9093', `localhost:${external}`)
    .replaceAll('/etc/strom/tls/broker.pem', certs.serverKeystore).replaceAll('/etc/strom/tls/ca.pem', certs.caFile)
    .replaceAll('/var/lib/strom', dir);
  const file = join(dir, 'server.properties');
  writeFileSync(file, localize(SERVER_PROPERTIES));
  broker = await startBroker({ configFile: file, dir });
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

describe('docs/SECURITY.md\'s walk-through', () => {
  it('its server.properties starts the broker on both listeners, without a warning', () => {
    expect(broker.ports).toEqual({ INTERNAL: internal, EXTERNAL: external });
    expect(broker.output.filter((l) => /"level":(40|50)/.test(l))).toEqual([]);
  });

  it('makes a SCRAM user as admin with admin.properties', async () => {
    const admin = join(certs.dir, 'admin.properties');
    writeFileSync(admin, localize(ADMIN_PROPERTIES));
    const B = ['--bootstrap-server', `localhost:${external}`, '--command-config', admin];
    const altered = await strom(['configs', ...B, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-512=[password=alice-secret]']);
    expect([altered.stderr, altered.stdout]).toEqual(['', 'Completed updating config for user alice.\n']);
    const described = await strom(['configs', ...B, '--describe', '--entity-type', 'users']);
    expect(described.stdout).toBe("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=4096\n");
  });

  it('the ACL commands run as admin', async () => {
    const admin = join(certs.dir, 'admin.properties');
    const commands = localize(ACL_COMMANDS).replace(/\\\n\s*/g, '').split('\n').filter((l) => l.trim() !== '');
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      const args = command.replace('admin.properties', admin).split(/\s+/).slice(2); // npx strom
      const added = await strom(args);
      expect(added.stderr).toBe('');
      expect(added.stdout).toContain('(principal=User:alice, host=*, operation=');
    }
  });

  it('the client properties let alice produce to and consume orders with the strom tools, in billing only', async () => {
    const client = join(certs.dir, 'client.properties');
    writeFileSync(client, localize(CLIENT_PROPERTIES));
    const B = ['--bootstrap-server', `localhost:${external}`];
    const produced = await strom(['console-producer', ...B, '--producer.config', client, '--topic', 'orders'], 'one\ntwo\n');
    expect(produced.stderr).toBe('');
    const consumed = await strom(['console-consumer', ...B, '--consumer.config', client, '--topic', 'orders', '--from-beginning', '--max-messages', '2']);
    expect(consumed.stdout).toBe('one\ntwo\n');
    const offsets = await strom(['get-offsets', ...B, '--command-config', client, '--topic', 'orders']);
    expect(offsets.stdout).toBe('orders:0:2\n');
    const grouped = await strom(['console-consumer', ...B, '--consumer.config', client, '--topic', 'orders', '--group', 'billing', '--from-beginning', '--max-messages', '2']);
    expect(grouped.stdout).toBe('one\ntwo\n');
    const groups = await strom(['consumer-groups', ...B, '--command-config', client, '--list']);
    expect(groups.stdout).toBe('billing\n');
    // Nothing the ACLs do not give her: another topic, another group.
    const elsewhere = await strom(['console-producer', ...B, '--producer.config', client, '--topic', 'payroll'], 'x\n');
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/topic payroll: TOPIC_AUTHORIZATION_FAILED/);
    const otherGroup = await strom(['console-consumer', ...B, '--consumer.config', client, '--topic', 'orders', '--group', 'audit', '--from-beginning', '--max-messages', '1', '--timeout-ms', '5000']);
    expect(otherGroup.code).not.toBe(0);
    expect(otherGroup.stderr).toMatch(/group authorization failed/i);
  });

  it('kcat with its flags sees the broker at its advertised EXTERNAL address; the INTERNAL listener at its own', async () => {
    const args = localize(KCAT_FLAGS).replace(/\\\n\s*/g, '').split(/\s+/).slice(1);
    const external = await run('kcat', args, 30_000);
    expect(external.stderr).toBe('');
    expect(external.stdout).toMatch(new RegExp(`broker 1 at localhost:${broker.ports.EXTERNAL} \\(controller\\)`));
    const plain = await run('kcat', ['-b', `127.0.0.1:${internal}`, '-L'], 30_000);
    expect(plain.stdout).toMatch(new RegExp(`broker 1 at 127\\.0\\.0\\.1:${internal} \\(controller\\)`));
  });
});
