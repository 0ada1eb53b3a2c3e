// TLS listeners with real clients over real TLS: kcat and confluent-kafka over SSL, mTLS
// (ssl.client.auth=required: the certificate's subject is the principal, mapped by
// ssl.principal.mapping.rules; requested: a client may come without one), a plaintext client
// on a TLS port and a TLS client on a plaintext port each failing cleanly while a TLS client
// beside them goes on, a connection that never starts its handshake closed as idle, kafkajs and the strom tools over SSL. Certificates are made by the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { connect } from 'node:net';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startBroker, cleanupDirs, run, python, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';
import { makeCertificates, type TestCertificates } from '../helpers/certs.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('kcat', 'python3-confluent-kafka');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[], input?: string) => run(process.execPath, [STROM, ...args], 60_000, input);

let certs: TestCertificates;
let broker: RunningBroker;
beforeAll(async () => {
  certs = await makeCertificates();
  certs.client('alice');
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,REQUESTED://127.0.0.1:0,STRICT://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,REQUESTED:SSL,STRICT:SSL',
      'ssl.keystore.location': certs.serverKeystore,
      'ssl.truststore.location': certs.caFile,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),OU=eng,.*$/$1/,DEFAULT',
      'listener.name.requested.ssl.client.auth': 'requested',
      // Only TLS 1.3, one suite: a client that offers nothing of it fails the handshake.
      'listener.name.strict.ssl.enabled.protocols': 'TLSv1.3',
      'listener.name.strict.ssl.cipher.suites': 'TLS_CHACHA20_POLY1305_SHA256',
    },
    env: { STROM_LOG_LEVEL: 'debug' },
  });
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const at = (listener: string) => `127.0.0.1:${broker.ports[listener]}`;
const kcat = (listener: string, settings: Record<string, string>, args: string[], input?: string) =>
  run('kcat', ['-b', at(listener), ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]), ...args], 60_000, input);
const SSL = () => ({ 'security.protocol': 'SSL', 'ssl.ca.location': certs.caFile });
const withCert = (name: string) => ({ ...SSL(), 'ssl.certificate.location': certs.client(name).certFile, 'ssl.key.location': certs.client(name).keyFile });
const FAIL_FAST = { 'socket.timeout.ms': '3000', 'metadata.request.timeout.ms': '3000' };

async function metric(labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${broker.http}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('strom_kafka_authentications_total{') && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.split(' ').pop());
  }
  return total;
}

describe('SSL', () => {
  it('kcat produces and consumes, checking the broker\'s certificate and name', async () => {
    const produced = await kcat('SSL', SSL(), ['-P', '-t', 'tls'], 'x\ny\n');
    expect(produced.stderr).toBe('');
    const consumed = await kcat('SSL', SSL(), ['-C', '-t', 'tls', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('x\ny\n');
    const meta = await kcat('SSL', SSL(), ['-L']);
    expect(meta.stdout).toContain(`broker 1 at ${at('SSL')}`);
  });

  it('confluent-kafka produces and consumes', async () => {
    const r = await python(`
import sys
from confluent_kafka import Producer, Consumer
conf = {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SSL', 'ssl.ca.location': sys.argv[2]}
p = Producer(conf)
for i in range(100): p.produce('tls-ck', b'v%d' % i)
assert p.flush(20) == 0
c = Consumer(dict(conf, **{'group.id': 'tls-ck', 'auto.offset.reset': 'earliest'}))
c.subscribe(['tls-ck'])
got = []
for _ in range(200):
    m = c.poll(0.2)
    if m is not None and not m.error(): got.append(m.value())
    if len(got) == 100: break
c.close()
print(len(got), got[-1].decode())
`, [at('SSL'), certs.caFile]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('100 v99');
  });

  it('a client that does not trust the broker\'s CA gives up', async () => {
    const r = await kcat('SSL', { 'security.protocol': 'SSL', 'ssl.ca.location': certs.untrustedClient.certFile, ...FAIL_FAST }, ['-L', '-m', '3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate verify failed/);
  });

  it('a listener\'s own protocols and cipher suites (listener.name.<l>.ssl.*) are held to', async () => {
    const ok = await kcat('STRICT', SSL(), ['-L']);
    expect(ok.code).toBe(0);
    const ca = readFileSync(certs.caFile);
    const handshake = (options: ConnectionOptions) => new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: broker.ports.STRICT, ca, ...options }, () => {
        resolve(`${socket.getProtocol()} ${socket.getCipher().name}`);
        socket.destroy();
      });
      socket.on('error', (e) => resolve(`error: ${e.message}`));
    });
    expect(await handshake({})).toBe('TLSv1.3 TLS_CHACHA20_POLY1305_SHA256');
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toMatch(/^error: .*(version|protocol)/i);
    expect(await handshake({ ciphers: 'TLS_AES_128_GCM_SHA256' })).toMatch(/^error: /);
    await waitFor('the failures in the log', () => (broker.output.join('\n').match(/on listener STRICT \(SSL\): TLS: /g) ?? []).length >= 2);
  });
});

describe('mTLS (ssl.client.auth)', () => {
  it('required: a client certificate the truststore verifies is the principal, by the mapping rules', async () => {
    const r = await kcat('MTLS', withCert('alice'), ['-P', '-t', 'mtls'], 'hi\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await waitFor('the authentication in the log', () => /authenticated 127\.0\.0\.1:\d+ on listener MTLS as User:alice \(SSL\)/.test(broker.output.join('\n')));
  });

  it('required: confluent-kafka with a client certificate produces and consumes in a group as the mapped principal', async () => {
    const alice = certs.client('alice');
    const asAlice = () => broker.output.join('\n').match(/authenticated 127\.0\.0\.1:\d+ on listener MTLS as User:alice \(SSL\)/g)?.length ?? 0;
    const before = asAlice();
    const r = await python(`
import sys
from confluent_kafka import Producer, Consumer
conf = {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SSL', 'ssl.ca.location': sys.argv[2],
        'ssl.certificate.location': sys.argv[3], 'ssl.key.location': sys.argv[4]}
p = Producer(conf)
for i in range(20): p.produce('mtls-ck', b'm%d' % i)
assert p.flush(20) == 0
c = Consumer(dict(conf, **{'group.id': 'mtls-ck', 'auto.offset.reset': 'earliest'}))
c.subscribe(['mtls-ck'])
got = []
for _ in range(200):
    m = c.poll(0.2)
    if m is not None and not m.error(): got.append(m.value())
    if len(got) == 20: break
c.close()
print(len(got), got[-1].decode())
`, [at('MTLS'), certs.caFile, alice.certFile, alice.keyFile]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('20 m19');
    // Its connections (bootstrap, the broker, the group coordinator) each authenticated as alice.
    await waitFor('alice\'s connections in the log', () => asAlice() >= before + 2);
  });

  it('required: without a certificate, or with one of another CA, the handshake fails', async () => {
    const before = await metric({ listener: 'MTLS', mechanism: 'SSL', result: 'failure' });
    const none = await kcat('MTLS', { ...SSL(), ...FAIL_FAST }, ['-L', '-m', '3']);
    expect(none.code).not.toBe(0);
    const rogue = await kcat('MTLS', { ...SSL(), 'ssl.certificate.location': certs.untrustedClient.certFile, 'ssl.key.location': certs.untrustedClient.keyFile, ...FAIL_FAST }, ['-L', '-m', '3']);
    expect(rogue.code).not.toBe(0);
    expect(await metric({ listener: 'MTLS', mechanism: 'SSL', result: 'failure' })).toBeGreaterThan(before);
  });

  it('requested: a client may come without a certificate (User:ANONYMOUS), not with a bad one', async () => {
    const anonymous = await kcat('REQUESTED', SSL(), ['-L']);
    expect(anonymous.code).toBe(0);
    await waitFor('the anonymous principal', () => /on listener REQUESTED as User:ANONYMOUS \(SSL\)/.test(broker.output.join('\n')));
    const withAlice = await kcat('REQUESTED', withCert('alice'), ['-L']);
    expect(withAlice.code).toBe(0);
    // No mapping rules here: the whole subject, as RFC 2253 writes it.
    await waitFor('alice\'s subject', () => /on listener REQUESTED as User:CN=alice,OU=eng,O=Strom Test,C=US \(SSL\)/.test(broker.output.join('\n')));
    const rogue = await kcat('REQUESTED', { ...SSL(), 'ssl.certificate.location': certs.untrustedClient.certFile, 'ssl.key.location': certs.untrustedClient.keyFile, ...FAIL_FAST }, ['-L', '-m', '3']);
    expect(rogue.code).not.toBe(0);
    expect(broker.output.join('\n')).toMatch(/on listener REQUESTED \(SSL\): TLS: its certificate \(O=Elsewhere,CN=alice\) does not verify/);
  });
});

describe('the wrong protocol on a port fails cleanly, others undisturbed', () => {
  let tlsProducer: Producer;
  beforeAll(async () => {
    tlsProducer = new Kafka({ brokers: [at('SSL')], ssl: { ca: [readFileSync(certs.caFile)] }, logLevel: logLevel.NOTHING }).producer();
    await tlsProducer.connect();
  });
  afterAll(async () => { await tlsProducer.disconnect(); });

  it('a plaintext client on a TLS port: disconnected, logged as a failed TLS handshake', async () => {
    await tlsProducer.send({ topic: 'undisturbed', messages: [{ value: 'before' }] });
    const r = await kcat('SSL', FAIL_FAST, ['-L', '-m', '3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Disconnected while requesting ApiVersion|incorrect security.protocol/);
    expect(broker.output.join('\n')).toMatch(/failed authentication of 127\.0\.0\.1:\d+ on listener SSL \(SSL\): TLS: .*wrong version number/);
    await tlsProducer.send({ topic: 'undisturbed', messages: [{ value: 'after' }] });
  });

  it('a connection that never starts its handshake is idle: closed after connections.max.idle.ms, not a failed authentication', async () => {
    const idle = await startBroker({
      overrides: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore, 'connections.max.idle.ms': '500' },
    });
    try {
      // What a broker's peer watch keeps open: plain TCP, nothing sent.
      const socket = connect({ host: '127.0.0.1', port: idle.port });
      socket.on('error', () => {}); // 'close' follows
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await waitFor('the idle connection closed by the broker', () => socket.closed, { timeoutMs: 10_000 });
      await closed;
      expect(idle.output.filter((l) => /failed authentication|closing connection/.test(l))).toEqual([]);
      expect(await fetch(`${idle.http}/metrics`).then((r) => r.text())).not.toMatch(/strom_kafka_authentications_total\{[^}]*result="failure"[^}]*\} [1-9]/);
    } finally {
      expect(await idle.stop()).toBe(0);
    }
  });

  it('a TLS client on a plaintext port: its handshake is no frame, the connection is closed', async () => {
    const r = await kcat('PLAINTEXT', { ...SSL(), ...FAIL_FAST }, ['-L', '-m', '3']);
    expect(r.code).not.toBe(0);
    expect(broker.output.join('\n')).toMatch(/closing connection from 127\.0\.0\.1:\d+: request of \d+ bytes \(socket.request.max.bytes is/);
    await tlsProducer.send({ topic: 'undisturbed', messages: [{ value: 'still' }] });
    const consumed = await kcat('SSL', SSL(), ['-C', '-t', 'undisturbed', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('before\nafter\nstill\n');
  });
});

describe('the strom tools over SSL', () => {
  it('with --command-config (a client certificate too)', async () => {
    const alice = certs.client('alice');
    const file = join(certs.dir, 'mtls.properties');
    writeFileSync(file, `security.protocol=SSL\nssl.truststore.location=${certs.caFile}\nssl.keystore.location=${alice.keystore}\n`);
    const produced = await strom(['console-producer', '--bootstrap-server', at('MTLS'), '--producer.config', file, '--topic', 'tools-tls'], 'p\nq\n');
    expect(produced.stderr).toBe('');
    const consumed = await strom(['console-consumer', '--bootstrap-server', at('MTLS'), '--consumer.config', file, '--topic', 'tools-tls', '--from-beginning', '--max-messages', '2']);
    expect(consumed.stdout).toBe('p\nq\n');
    const untrusting = join(certs.dir, 'untrusting.properties');
    writeFileSync(untrusting, `security.protocol=SSL\nssl.truststore.location=${certs.untrustedClient.certFile}\n`);
    const refused = await strom(['topics', '--bootstrap-server', at('SSL'), '--command-config', untrusting, '--list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^strom: cannot reach the broker at 127\.0\.0\.1:\d+: TLS handshake failed: .*certificate/);
  });
});
