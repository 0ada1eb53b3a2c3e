// SCRAM credentials in a cluster (issue 16): kept in etcd under the cluster's prefix, as Kafka
// keeps them in its cluster metadata, so a user created by AlterUserScramCredentials sent to
// one broker (a raw client: `strom configs`, as kafka-configs.sh, sends it to the controller)
// logs in (kafkajs, SCRAM-SHA-256 on SASL_PLAINTEXT) on every broker, one deleted through
// another broker can no longer log in anywhere, the HTTP gateway's Basic
// authentication follows the changes (its cache of verified passwords too), and a broker
// started again still has them. Last, the brokers' own SCRAM user, created once through one
// broker while they replicate over PLAINTEXT, lets them replicate over SASL_PLAINTEXT with
// SCRAM after a rolling restart: the bootstrap order docs/SECURITY.md gives; a new cluster
// started with SCRAM between brokers replicates once that user is created. A user left in a
// broker's own credentials file is not used, and the broker says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { saltedPassword, scramMechanism } from '../../src/security/scram.js';
import { FileScramCredentialStore } from '../../src/security/credentials.js';
import { RawClient } from '../helpers/raw-client.js';
import { cleanupDirs, run } from '../helpers/broker.js';
import { startCluster, type RunningCluster } from '../helpers/cluster.js';
import { freePort, stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('kcat', 'etcd-server');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const BROKER_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";';
let cluster: RunningCluster;
/** Each broker's SASL_PLAINTEXT port, kept across restarts. */
const saslPorts = new Map<number, number>();
/** Set before the rolling restart: the brokers then replicate over SASL_PLAINTEXT with SCRAM. */
let replicateOverSasl = false;

beforeAll(async () => {
  for (const id of [1, 2, 3]) saslPorts.set(id, await freePort());
  cluster = await startCluster(3, {
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
    'connection.failed.authentication.delay.ms': '100',
  }, (id, port) => ({
    listeners: `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPorts.get(id)}`,
    // Broker 2's gateway asks for HTTP Basic credentials.
    ...(id === 2 ? { 'http.listeners': 'http://127.0.0.1:0', 'http.authentication.method': 'BASIC' } : {}),
    ...(replicateOverSasl ? {
      'inter.broker.listener.name': 'SASL_PLAINTEXT', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': BROKER_JAAS,
    } : {}),
  }));
}, 120_000);
afterAll(async () => {
  await cluster?.stopAll();
  await stopEtcds();
  cleanupDirs();
});

/** `strom configs` (kafka-configs.sh) through broker `id`'s PLAINTEXT listener. */
async function configs(id: number, args: string[]): Promise<string> {
  const r = await run(process.execPath, [STROM, 'configs', '--bootstrap-server', cluster.broker(id).bootstrap, ...args], 30_000);
  if (r.code !== 0) throw new Error(`strom configs ${args.join(' ')} via broker ${id}: ${r.stderr}`);
  return r.stdout;
}

const ALTER_USER_SCRAM_CREDENTIALS = 51;
const SHA256 = scramMechanism('SCRAM-SHA-256')!;

/** AlterUserScramCredentials v0 sent to broker `id` itself: its results' error codes. */
async function alterThrough(id: number, request: { deletions?: { name: string; mechanism: number }[]; upsertions?: { name: string; password: string }[] }): Promise<number[]> {
  const client = await RawClient.connect(cluster.broker(id).ports.PLAINTEXT);
  try {
    const upsertions = (request.upsertions ?? []).map(({ name, password }) => {
      const salt = randomBytes(32);
      return { name, mechanism: SHA256.type, iterations: 4096, salt, saltedPassword: saltedPassword(SHA256, password, salt, 4096) };
    });
    const response = await client.request<{ results: { errorCode: number }[] }>(ALTER_USER_SCRAM_CREDENTIALS, 0, { deletions: request.deletions ?? [], upsertions });
    return response.results.map((r) => r.errorCode);
  } finally {
    client.socket.destroy();
  }
}

/** Whether kafkajs logs in to broker `id`'s SASL_PLAINTEXT listener as `username` (and lists topics). */
async function logsIn(id: number, username: string, password: string): Promise<boolean> {
  const admin = new Kafka({
    brokers: [`127.0.0.1:${saslPorts.get(id)}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-256', username, password },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch (e) {
    if ((e as Error).name !== 'KafkaJSSASLAuthenticationError') throw e;
    return false;
  } finally {
    await admin.disconnect();
  }
}

/** Broker 2's gateway answers GET /topics to these HTTP Basic credentials with this status. */
async function gatewayStatus(username: string, password: string): Promise<number> {
  const res = await fetch(`${cluster.broker(2).http}/topics`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
  await res.arrayBuffer();
  return res.status;
}

const moments = { timeoutMs: 10_000, intervalMs: 200 };

describe('SCRAM credentials in etcd', () => {
  it('a user created through broker 1 logs in on brokers 2 and 3; deleted through broker 2, it logs in nowhere', async () => {
    expect(await alterThrough(1, { upsertions: [{ name: 'alice', password: 'alice-secret' }] })).toEqual([0]);
    // The broker that answered has it at once; the others within their watch's delay.
    expect(await logsIn(1, 'alice', 'alice-secret')).toBe(true);
    for (const id of [2, 3]) await waitFor(`alice to log in on broker ${id}`, () => logsIn(id, 'alice', 'alice-secret'), moments);
    expect(await logsIn(3, 'alice', 'wrong')).toBe(false);
    expect(await configs(3, ['--describe', '--entity-type', 'users'])).toContain("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096");
    // Not in the log directories: in etcd.
    for (const b of cluster.brokers) expect(existsSync(join(b!.dir, 'strom-scram-credentials.json'))).toBe(false);

    expect(await alterThrough(2, { deletions: [{ name: 'alice', mechanism: SHA256.type }] })).toEqual([0]);
    expect(await logsIn(2, 'alice', 'alice-secret')).toBe(false);
    await waitFor('alice to be refused on broker 1', async () => !(await logsIn(1, 'alice', 'alice-secret')), moments);
    await waitFor('alice to be refused on broker 3', async () => !(await logsIn(3, 'alice', 'alice-secret')), moments);
  });

  it('the HTTP gateway of broker 2 checks Basic credentials changed through the other brokers', async () => {
    expect(await alterThrough(1, { upsertions: [{ name: 'bob', password: 'bob-secret' }] })).toEqual([0]);
    await waitFor('bob to be let in by broker 2\'s gateway', async () => (await gatewayStatus('bob', 'bob-secret')) === 200, moments);
    // Remembered as verified now; a change through broker 3 makes broker 2 forget it.
    expect(await gatewayStatus('bob', 'bob-secret')).toBe(200);
    expect(await alterThrough(3, { upsertions: [{ name: 'bob', password: 'bob-new' }] })).toEqual([0]);
    await waitFor('bob\'s old password to be refused by broker 2\'s gateway', async () => (await gatewayStatus('bob', 'bob-secret')) === 401, moments);
    expect(await gatewayStatus('bob', 'bob-new')).toBe(200);
  });

  it('the brokers\' own SCRAM user, created once, lets them replicate over SASL after a rolling restart; restarted brokers still have every user', async () => {
    await configs(3, ['--alter', '--entity-type', 'users', '--entity-name', 'broker', '--add-config', 'SCRAM-SHA-256=[password=broker-secret]']);
    await configs(3, ['--alter', '--entity-type', 'users', '--entity-name', 'carol', '--add-config', 'SCRAM-SHA-256=[password=carol-secret]']);
    replicateOverSasl = true;
    const dir1 = cluster.broker(1).dir;
    for (const id of [1, 2, 3]) {
      await cluster.stop(id);
      // Broker 1 comes back with a user left in its log directory (from a run alone): not used.
      if (id === 1) await FileScramCredentialStore.open(dir1).alter([], [{ name: 'stale', mechanism: SHA256.type, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: saltedPassword(SHA256, 'stale-secret', Buffer.from('salt'), 4096) }]);
      await cluster.restart(id);
    }
    expect(cluster.broker(1).output.join('\n')).toContain("1 SCRAM user(s) in");
    expect(cluster.broker(1).output.join('\n')).toContain('(stale) are not used: in a cluster SCRAM credentials live in etcd');
    expect(await logsIn(1, 'stale', 'stale-secret')).toBe(false);
    // Read from etcd at start: no wait.
    for (const id of [1, 2, 3]) expect(await logsIn(id, 'carol', 'carol-secret')).toBe(true);
    expect(await gatewayStatus('bob', 'bob-new')).toBe(200);

    const topics = await run(process.execPath, [STROM, 'topics', '--bootstrap-server', cluster.broker(1).bootstrap, '--create', '--topic', 'replicated', '--partitions', '3', '--replication-factor', '3'], 30_000);
    expect(topics.stderr).toBe('');
    await waitFor('every broker to lead a partition of replicated', async () => {
      const r = await run('kcat', ['-b', cluster.bootstrap, '-L', '-J', '-t', 'replicated'], 20_000);
      const partitions = (JSON.parse(r.stdout) as { topics: { partitions: { leader: number }[] }[] }).topics[0]?.partitions ?? [];
      return partitions.length === 3 && partitions.every((p) => p.leader > 0);
    }, { timeoutMs: 30_000, intervalMs: 200 });
    // acks=all: acknowledged once the followers, logged in as broker with SCRAM, have fetched.
    const input = Array.from({ length: 30 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    const produced = await run('kcat', ['-b', cluster.bootstrap, '-X', 'acks=all', '-X', 'message.timeout.ms=20000', '-P', '-t', 'replicated', '-K:'], 30_000, input);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    expect(await isrs(cluster.bootstrap, 'replicated')).toEqual(['1,2,3', '1,2,3', '1,2,3']);
  });

  it('a new cluster started with SCRAM between brokers replicates once the brokers\' user is created', async () => {
    const ports = new Map<number, number>();
    for (const id of [1, 2]) ports.set(id, await freePort());
    const fresh = await startCluster(2, {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512', 'inter.broker.listener.name': 'SASL_PLAINTEXT', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': BROKER_JAAS,
    }, (id, port) => ({ listeners: `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${ports.get(id)}` }));
    try {
      const created = await run(process.execPath, [STROM, 'topics', '--bootstrap-server', fresh.broker(1).bootstrap, '--create', '--topic', 'early', '--partitions', '2', '--replication-factor', '2'], 30_000);
      expect(created.stderr).toBe('');
      // No user yet: the followers' logins fail, and are tried again.
      const refused = () => fresh.brokers.some((b) => b!.output.some((line) => /replica fetcher from broker \d: authentication \(SCRAM-SHA-512\) to the broker at .* failed/.test(line)));
      await waitFor('a follower\'s refused login', refused, { timeoutMs: 20_000, intervalMs: 200 });
      const r = await run(process.execPath, [STROM, 'configs', '--bootstrap-server', fresh.broker(2).bootstrap, '--alter', '--entity-type', 'users', '--entity-name', 'broker', '--add-config', 'SCRAM-SHA-512=[password=broker-secret]'], 30_000);
      expect(r.stderr).toBe('');
      const produced = await run('kcat', ['-b', fresh.bootstrap, '-X', 'acks=all', '-X', 'message.timeout.ms=20000', '-P', '-t', 'early', '-K:'], 30_000, 'a:1\nb:2\nc:3\nd:4\n');
      expect(produced.stderr).toBe('');
      expect(produced.code).toBe(0);
      expect(await isrs(fresh.bootstrap, 'early')).toEqual(['1,2', '1,2']);
    } finally {
      await fresh.stopAll();
    }
  });
});

/** Each partition's ISR, as kcat sees it (sorted ids, joined). */
async function isrs(bootstrap: string, topic: string): Promise<string[]> {
  const metadata = await run('kcat', ['-b', bootstrap, '-L', '-J', '-t', topic], 20_000);
  const partitions = (JSON.parse(metadata.stdout) as { topics: { partitions: { isrs: { id: number }[] }[] }[] }).topics[0].partitions;
  return partitions.map((p) => p.isrs.map((r) => r.id).sort().join());
}
