// README's Security section, as a user follows it: the broker starts from its server.properties
// block (only addresses and file paths replaced: ports, hosts, certificates made by the test),
// loads it without a warning, and the section's commands work: a SCRAM user made with
// `strom configs` as admin (PLAIN, from the listener's JAAS config) with admin.properties, the
// client properties used by the strom tools, and kcat with the section's flags.
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
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const strom = (args: string[], input?: string) => run(process.execPath, [STROM, ...args], 60_000, input);

/** The README block after `marker`: a fenced block's text, or a heredoc's. */
function block(pattern: RegExp): string {
  const m = pattern.exec(README);
  if (!m) throw new Error(`README.md has no block matching ${pattern}`);
  return m[1];
}
const SERVER_PROPERTIES = block(/<!-- server\.properties:[^>]*-->\n```properties\n([\s\S]*?)```/);
const ADMIN_PROPERTIES = block(/cat > admin\.properties <<'END'\n([\s\S]*?)\nEND\n/);
const CLIENT_PROPERTIES = block(/\*\*Clients\*\* keep their own settings[\s\S]*?```properties\n([\s\S]*?)```/);
const KCAT_FLAGS = block(/```sh\n(kcat -b kafka\.example\.com:9093 [\s\S]*?)\n```/);

let certs: TestCertificates;
let broker: RunningBroker;
let internal: number;
let external: number;
/** The README's text with this machine's addresses and files in it. */
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

describe('README\'s Security section', () => {
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

  it('the client properties let alice produce and consume with the strom tools', async () => {
    const client = join(certs.dir, 'client.properties');
    writeFileSync(client, localize(CLIENT_PROPERTIES));
    const B = ['--bootstrap-server', `localhost:${external}`];
    const produced = await strom(['console-producer', ...B, '--producer.config', client, '--topic', 'readme'], 'one\ntwo\n');
    expect(produced.stderr).toBe('');
    const consumed = await strom(['console-consumer', ...B, '--consumer.config', client, '--topic', 'readme', '--from-beginning', '--max-messages', '2']);
    expect(consumed.stdout).toBe('one\ntwo\n');
    const offsets = await strom(['get-offsets', ...B, '--command-config', client, '--topic', 'readme']);
    expect(offsets.stdout).toBe('readme:0:2\n');
    const grouped = await strom(['console-consumer', ...B, '--consumer.config', client, '--topic', 'readme', '--group', 'readers', '--from-beginning', '--max-messages', '2']);
    expect(grouped.stdout).toBe('one\ntwo\n');
    const groups = await strom(['consumer-groups', ...B, '--command-config', client, '--list']);
    expect(groups.stdout).toBe('readers\n');
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
