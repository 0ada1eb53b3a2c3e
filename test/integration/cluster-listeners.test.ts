// Named and advertised listeners in a cluster on etcd: each broker registers every listener
// with its security protocol, and a client is told the other brokers' endpoints on the
// listener it came in on: an INTERNAL (PLAINTEXT) client their internal addresses, an
// EXTERNAL (SASL_SSL) client their advertised external ones, over which kcat produces to
// and consumes from partitions led by both brokers. The brokers replicate over EXTERNAL too
// (inter.broker.listener.name), checking each other's certificates and logging in with PLAIN
// as the JAAS config's broker user. A broker without the listener is left out of that
// listener's Metadata rather than shown at a port of another protocol. PLAIN users from the
// JAAS config here (SCRAM users, kept in etcd: cluster-scram.test.ts). A transaction over
// partitions led by both brokers commits: the coordinator's WriteTxnMarkers to the other
// broker goes over EXTERNAL too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { Kafka, logLevel } from 'kafkajs';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { freePort, startEtcd, stopEtcds, type RunningEtcd } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { makeCertificates, type TestCertificates } from '../helpers/certs.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('etcd-server', 'kcat');
const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));

let etcd: RunningEtcd;
let certs: TestCertificates;
const brokers: RunningBroker[] = [];
const internal: number[] = [];
const external: number[] = [];

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret" user_alice="alice-secret";';

/**
 * Broker `id` with an INTERNAL listener and, unless told otherwise, an EXTERNAL SASL_SSL one
 * advertised as localhost, which brokers replicate over (a broker without it: over INTERNAL).
 */
async function launch(id: number, withExternal = true): Promise<RunningBroker> {
  internal[id] = await freePort();
  external[id] = await freePort();
  const listeners = [`INTERNAL://127.0.0.1:${internal[id]}`, ...(withExternal ? [`EXTERNAL://127.0.0.1:${external[id]}`] : [])];
  const advertised = [`INTERNAL://127.0.0.1:${internal[id]}`, ...(withExternal ? [`EXTERNAL://localhost:${external[id]}`] : [])];
  return startBroker({
    dir: tempDir('strom-cluster-'),
    overrides: {
      'node.id': String(id), 'http.listeners': '', 'etcd.connect': etcd.endpoint, 'broker.session.timeout.ms': '3000',
      listeners: listeners.join(','), 'advertised.listeners': advertised.join(','),
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL',
      'inter.broker.listener.name': withExternal ? 'EXTERNAL' : 'INTERNAL', 'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'ssl.keystore.location': certs.serverKeystore, 'ssl.truststore.location': certs.caFile,
      ...(withExternal ? { 'listener.name.external.plain.sasl.jaas.config': JAAS } : {}),
    },
  });
}

beforeAll(async () => {
  certs = await makeCertificates();
  etcd = await startEtcd();
  brokers.push(...await Promise.all([launch(1), launch(2)]));
}, 60_000);
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  await stopEtcds();
  cleanupDirs();
});

const EXTERNAL = () => ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret', '-X', `ssl.ca.location=${certs.caFile}`];
async function metadataBrokers(bootstrap: string, settings: string[]): Promise<string[]> {
  const r = await run('kcat', ['-b', bootstrap, ...settings, '-L', '-J'], 20_000);
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { brokers: { id: number; name: string }[] }).brokers.map((b) => `${b.id} ${b.name}`).sort();
}

describe('listeners of a cluster', () => {
  it('registers each listener in etcd with its security protocol', async () => {
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      const registration = JSON.parse((await client.get('/strom/brokers/1').string())!) as { endpoints: unknown[] };
      expect(registration.endpoints).toEqual([
        { name: 'INTERNAL', host: '127.0.0.1', port: internal[1], securityProtocol: 'PLAINTEXT' },
        { name: 'EXTERNAL', host: 'localhost', port: external[1], securityProtocol: 'SASL_SSL' },
      ]);
    } finally {
      client.close();
    }
  });

  it('tells each client the brokers\' endpoints on the listener it came in on', async () => {
    expect(await metadataBrokers(`127.0.0.1:${internal[1]}`, [])).toEqual([`1 127.0.0.1:${internal[1]}`, `2 127.0.0.1:${internal[2]}`]);
    expect(await metadataBrokers(`localhost:${external[2]}`, EXTERNAL())).toEqual([`1 localhost:${external[1]}`, `2 localhost:${external[2]}`]);
  });

  it('kcat produces (acks=all) to and consumes from partitions led by both brokers over SASL_SSL, replicated over SASL_SSL', async () => {
    const input = Array.from({ length: 40 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    // Two partitions, two replicas each: the brokers lead one each and follow the other's.
    const admin = await run(process.execPath, [STROM, 'topics', '--bootstrap-server', `127.0.0.1:${internal[1]}`, '--create', '--topic', 'two', '--partitions', '2', '--replication-factor', '2'], 20_000);
    expect(admin.stderr).toBe('');
    await waitFor('leaders on both brokers', async () => {
      const r = await run('kcat', ['-b', `localhost:${external[1]}`, ...EXTERNAL(), '-L', '-J', '-t', 'two'], 20_000);
      const leaders = (JSON.parse(r.stdout) as { topics: { partitions: { leader: number }[] }[] }).topics[0].partitions.map((p) => p.leader);
      return leaders.sort().join() === '1,2';
    });
    // acks=all: each record is acknowledged once the follower has fetched it over EXTERNAL.
    const produced = await run('kcat', ['-b', `localhost:${external[1]}`, ...EXTERNAL(), '-X', 'acks=all', '-X', 'message.timeout.ms=20000', '-P', '-t', 'two', '-K:'], 30_000, input);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await run('kcat', ['-b', `localhost:${external[2]}`, ...EXTERNAL(), '-C', '-t', 'two', '-o', 'beginning', '-e', '-q', '-f', '%p %k\\n'], 30_000);
    const lines = consumed.stdout.trim().split('\n');
    expect(lines).toHaveLength(40);
    expect(new Set(lines.map((l) => l.split(' ')[0]))).toEqual(new Set(['0', '1']));
    const isrs = await run('kcat', ['-b', `localhost:${external[2]}`, ...EXTERNAL(), '-L', '-J', '-t', 'two'], 20_000);
    const partitions = (JSON.parse(isrs.stdout) as { topics: { partitions: { isrs: { id: number }[] }[] }[] }).topics[0].partitions;
    expect(partitions.map((p) => p.isrs.map((r) => r.id).sort().join())).toEqual(['1,2', '1,2']);
  });

  it('commits a transaction over partitions led by both brokers: markers go to the other broker over SASL_SSL', async () => {
    const kafka = new Kafka({ brokers: [`127.0.0.1:${internal[1]}`], logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 100, maxRetryTime: 1000 } });
    const producer = kafka.producer({ transactionalId: 'two-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'two', messages: Array.from({ length: 10 }, (_, i) => ({ key: `t${i}`, value: `t${i}` })) });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    // read_committed reads to the last stable offset: without both COMMIT markers some records stay hidden.
    const consumed = await run('kcat', ['-b', `localhost:${external[2]}`, ...EXTERNAL(), '-X', 'isolation.level=read_committed', '-C', '-t', 'two', '-o', 'beginning', '-e', '-q', '-f', '%p %k\\n'], 30_000);
    const committed = consumed.stdout.trim().split('\n').filter((l) => / t\d+$/.test(l));
    expect(committed).toHaveLength(10);
    expect(new Set(committed.map((l) => l.split(' ')[0]))).toEqual(new Set(['0', '1']));
  });

  it('leaves a broker without the listener out of that listener\'s Metadata', async () => {
    brokers.push(await launch(3, false));
    await waitFor('broker 3 registered', async () => (await metadataBrokers(`127.0.0.1:${internal[1]}`, [])).length === 3);
    expect(await metadataBrokers(`localhost:${external[1]}`, EXTERNAL())).toEqual([`1 localhost:${external[1]}`, `2 localhost:${external[2]}`]);
  });
});
