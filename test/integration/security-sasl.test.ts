// SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on SASL_PLAINTEXT and SASL_SSL listeners, driven by
// real clients: kcat and confluent-kafka (librdkafka 2.0.2), kafka-python (SaslHandshake v0
// and raw tokens), kafkajs and librdkafka 2.12 (re-authentication too), a raw client (the
// failed-authentication delay), and the strom tools with --command-config;
// SCRAM users made with `strom configs --entity-type users` as kafka-configs.sh makes them.
// Each failure (wrong password, unknown user, a mechanism the listener does not enable, a
// client without SASL) fails that client with the right error while another client goes on.
// Certificates are made by the test (test/helpers/certs.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startBroker, cleanupDirs, run, python, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';
import { makeCertificates, type TestCertificates } from '../helpers/certs.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { RawClient } from '../helpers/raw-client.js';
import { RdkafkaProducer } from '../helpers/rdkafka-producer.js';
import { ErrorCode } from '../../src/protocol/errors.js';

requireExternal('kcat', 'python3-confluent-kafka', 'python3-kafka');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[], input?: string) => run(process.execPath, [STROM, ...args], 60_000, input);

let certs: TestCertificates;
let broker: RunningBroker;
const REAUTH_MS = 3000;
const FAILURE_DELAY_MS = 1000;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

beforeAll(async () => {
  certs = await makeCertificates();
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,ONLY512://127.0.0.1:0,REAUTH://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,ONLY512:SASL_SSL,REAUTH:SASL_PLAINTEXT',
      'ssl.keystore.location': certs.serverKeystore,
      'strom.sasl.plain.users': 'alice:alice-secret',
      'listener.name.only512.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.reauth.connections.max.reauth.ms': String(REAUTH_MS),
      'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1',
      'connection.failed.authentication.delay.ms': String(FAILURE_DELAY_MS),
    },
  });
  // kafka-configs.sh --bootstrap-server ... --alter --entity-type users --entity-name bob --add-config 'SCRAM-SHA-256=[...]'
  const r = await strom(['configs', '--bootstrap-server', `127.0.0.1:${broker.ports.PLAINTEXT}`, '--alter', '--entity-type', 'users', '--entity-name', 'bob',
    '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=bob-secret],SCRAM-SHA-512=[password=bob-secret]']);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('Completed updating config for user bob.\n');
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const at = (listener: string) => `127.0.0.1:${broker.ports[listener]}`;
const COMBINATIONS = [
  ['SASL_PLAINTEXT', 'PLAIN', 'alice', 'alice-secret'],
  ['SASL_PLAINTEXT', 'SCRAM-SHA-256', 'bob', 'bob-secret'],
  ['SASL_PLAINTEXT', 'SCRAM-SHA-512', 'bob', 'bob-secret'],
  ['SASL_SSL', 'PLAIN', 'alice', 'alice-secret'],
  ['SASL_SSL', 'SCRAM-SHA-256', 'bob', 'bob-secret'],
  ['SASL_SSL', 'SCRAM-SHA-512', 'bob', 'bob-secret'],
] as const;

/** librdkafka's settings for a listener (-X key=value), its CA for SASL_SSL. */
function rdkafka(listener: string, mechanism: string, user: string, password: string): Record<string, string> {
  const protocol = listener === 'ONLY512' ? 'SASL_SSL' : listener === 'REAUTH' ? 'SASL_PLAINTEXT' : listener;
  return {
    'security.protocol': protocol, 'sasl.mechanisms': mechanism, 'sasl.username': user, 'sasl.password': password,
    ...(protocol.endsWith('SSL') ? { 'ssl.ca.location': certs.caFile } : {}),
  };
}
const kcat = (listener: string, settings: Record<string, string>, args: string[], input?: string) =>
  run('kcat', ['-b', at(listener), ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]), ...args], 60_000, input);

/** A kafkajs client of a SASL_SSL or SASL_PLAINTEXT listener. */
function kafkajs(listener: string, mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', username: string, password: string, extra: object = {}): Kafka {
  const ssl = listener === 'SASL_SSL' || listener === 'ONLY512' ? { ssl: { ca: [readFileSync(certs.caFile)] } } : {};
  return new Kafka({ clientId: `kafkajs-${listener}`, brokers: [at(listener)], logLevel: logLevel.NOTHING, sasl: { mechanism, username, password } as never, ...ssl, ...extra });
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${broker.http}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('SCRAM users (kafka-configs.sh --entity-type users)', () => {
  it('are described with their mechanisms and iterations', async () => {
    const r = await strom(['configs', '--bootstrap-server', at('PLAINTEXT'), '--describe', '--entity-type', 'users']);
    expect(r.stdout).toBe("SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n");
    const json = await strom(['configs', '--bootstrap-server', at('PLAINTEXT'), '--describe', '--user', 'bob', '--json']);
    // A user's configs are its quotas (none here) and its SCRAM credentials.
    expect(JSON.parse(json.stdout)).toEqual({ quotas: [], scramCredentials: [{ user: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] }] });
  });

  it('refuses what Kafka refuses, in one line', async () => {
    const few = await strom(['configs', '--bootstrap-server', at('PLAINTEXT'), '--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-256=[iterations=1000,password=p]']);
    expect([few.code, few.stderr.trim()]).toEqual([1, 'strom: altering the SCRAM credentials of user x: Too few iterations']);
    const gone = await strom(['configs', '--bootstrap-server', at('PLAINTEXT'), '--alter', '--user', 'nobody', '--delete-config', 'SCRAM-SHA-512']);
    expect([gone.code, gone.stderr.trim()]).toEqual([1, 'strom: altering the SCRAM credentials of user nobody: Attempt to delete a user credential that does not exist']);
    const unknown = await strom(['configs', '--bootstrap-server', at('PLAINTEXT'), '--alter', '--user', 'x', '--add-config', 'SCRAM-SHA-1=[password=p]']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'strom: SCRAM-SHA-1 is not a SCRAM mechanism served here: SCRAM-SHA-256 or SCRAM-SHA-512']);
  });
});

describe('kcat (librdkafka 2.0.2)', () => {
  it.each(COMBINATIONS)('over %s with %s produces and consumes', async (listener, mechanism, user, password) => {
    const topic = `kcat-${listener}-${mechanism}`.toLowerCase();
    const settings = rdkafka(listener, mechanism, user, password);
    const produced = await kcat(listener, settings, ['-P', '-t', topic], 'one\ntwo\n');
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await kcat(listener, settings, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('one\ntwo\n');
  });
});

describe('confluent-kafka (librdkafka 2.0.2)', () => {
  it('produces and consumes on every listener with every mechanism', async () => {
    const script = `
import json, sys
from confluent_kafka import Producer, Consumer
out = []
for listener, address, conf in json.loads(sys.argv[1]):
    topic = 'ck-' + listener.lower() + '-' + conf['sasl.mechanisms'].lower()
    p = Producer(dict(conf, **{'bootstrap.servers': address}))
    p.produce(topic, b'hello ' + conf['sasl.mechanisms'].encode())
    assert p.flush(20) == 0
    c = Consumer(dict(conf, **{'bootstrap.servers': address, 'group.id': topic, 'auto.offset.reset': 'earliest'}))
    c.subscribe([topic])
    m = None
    for _ in range(100):
        m = c.poll(0.5)
        if m is not None and not m.error(): break
    c.close()
    out.append(m.value().decode())
print(json.dumps(out))
`;
    const combos = COMBINATIONS.map(([listener, mechanism, user, password]) => [listener, at(listener), rdkafka(listener, mechanism, user, password)]);
    const r = await python(script, [JSON.stringify(combos)], 120_000);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(COMBINATIONS.map(([, mechanism]) => `hello ${mechanism}`));
  });
});

describe('kafka-python 2.0 (SaslHandshake v0, raw SASL tokens)', () => {
  it.each([['PLAIN', 'alice', 'alice-secret'], ['SCRAM-SHA-256', 'bob', 'bob-secret'], ['SCRAM-SHA-512', 'bob', 'bob-secret']])('produces and consumes in a group over SASL_PLAINTEXT with %s', async (mechanism, username, password) => {
    const r = await python(`
import sys
from kafka import KafkaProducer, KafkaConsumer
mechanism, username, password = sys.argv[2:5]
conf = dict(bootstrap_servers=sys.argv[1], security_protocol='SASL_PLAINTEXT', sasl_mechanism=mechanism, sasl_plain_username=username, sasl_plain_password=password)
topic = 'kp-plaintext-' + mechanism.lower()
p = KafkaProducer(**conf)
for i in range(3): p.send(topic, b'%s %d' % (mechanism.encode(), i)).get(timeout=20)
p.close()
c = KafkaConsumer(topic, group_id=topic, auto_offset_reset='earliest', consumer_timeout_ms=5000, **conf)
print([m.value.decode() for m in c])
c.close()
`, [at('SASL_PLAINTEXT'), mechanism, username, password]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`['${mechanism} 0', '${mechanism} 1', '${mechanism} 2']`);
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'])('produces and consumes over SASL_SSL with %s', async (mechanism) => {
    const r = await python(`
import sys
from kafka import KafkaProducer, KafkaConsumer
conf = dict(bootstrap_servers=sys.argv[1], security_protocol='SASL_SSL', ssl_cafile=sys.argv[2], sasl_mechanism=sys.argv[3], sasl_plain_username='bob', sasl_plain_password='bob-secret')
p = KafkaProducer(**conf)
p.send('kp-scram', sys.argv[3].encode()).get(timeout=20)
p.close()
c = KafkaConsumer('kp-scram', auto_offset_reset='earliest', consumer_timeout_ms=3000, **conf)
print(sorted(set(m.value.decode() for m in c)))
`, [at('SASL_SSL'), certs.caFile, mechanism]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`'${mechanism}'`);
  });
});

describe('kafkajs', () => {
  it.each(['scram-sha-256', 'scram-sha-512'] as const)('produces and consumes in a group over SASL_SSL with %s', async (mechanism) => {
    const kafka = kafkajs('SASL_SSL', mechanism, 'bob', 'bob-secret');
    const topic = `kjs-${mechanism}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: mechanism }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `g-${mechanism}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => { got.push(String(message.value)); } });
    try {
      await waitFor('the record', () => got.length === 1);
    } finally {
      await consumer.disconnect();
    }
    expect(got).toEqual([mechanism]);
  });

  it('re-authenticates before its session expires (connections.max.reauth.ms), the connection kept', async () => {
    const before = await metric('strom_kafka_authentications_total', { listener: 'REAUTH', kind: 'reauthentication', result: 'success' });
    const producer = kafkajs('REAUTH', 'scram-sha-256', 'bob', 'bob-secret', { reauthenticationThreshold: REAUTH_MS - 1000 }).producer();
    await producer.connect();
    // Sends for longer than two sessions; each send before expiry re-authenticates first.
    for (let i = 0; i < 14; i++) {
      await producer.send({ topic: 'reauth', messages: [{ value: `m${i}` }] });
      await sleep(500);
    }
    await producer.disconnect();
    expect(await metric('strom_kafka_authentications_total', { listener: 'REAUTH', kind: 'reauthentication', result: 'success' })).toBeGreaterThan(before);
    expect(broker.output.join('\n')).not.toMatch(/SASL session expired/);
  });
});

describe('librdkafka 2.12 (node-rdkafka): re-authentication (KIP-368)', () => {
  it('re-authenticates its connections before their sessions expire, every record delivered on them', async () => {
    const count = (kind: string) => metric('strom_kafka_authentications_total', { listener: 'REAUTH', kind, result: 'success' });
    const [authenticationsBefore, reauthenticationsBefore] = [await count('authentication'), await count('reauthentication')];
    const producer = new RdkafkaProducer('reauth', {
      'bootstrap.servers': at('REAUTH'), 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'bob', 'sasl.password': 'bob-secret', debug: 'security',
    });
    const records = 30;
    try {
      await producer.waitFor('ready', () => producer.events.some((e) => e.event === 'ready'));
      // A record every 250 ms for 7.5 s: sessions of REAUTH_MS (3 s) run out twice meanwhile.
      for (let i = 0; i < records; i++) {
        producer.produce('reauth-rdkafka', [{ key: null, value: `r${i}` }]);
        await sleep(250);
      }
      await producer.waitFor('every delivery', () => producer.deliveries().length === records);
    } finally {
      await producer.close();
    }
    expect(producer.deliveries().filter((d) => d.error !== null)).toEqual([]);
    // librdkafka's own account: on its connection to broker 1, a session lifetime from each (re-)authentication.
    expect(producer.log.match(/REAUTH \[thrd:sasl_plaintext:\/\/[\d.:]+\/1\]: Received session lifetime 3000 ms/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(await count('reauthentication')).toBeGreaterThanOrEqual(reauthenticationsBefore + 2);
    // The same connections all along: no new ones authenticating in place of expired ones.
    expect(await count('authentication') - authenticationsBefore).toBeLessThanOrEqual(2);
    expect(broker.output.join('\n')).not.toMatch(/SASL session expired/);
  });
});

describe('failures, each clean, others undisturbed', () => {
  let bystander: Producer;
  let sent = 0;
  beforeAll(async () => {
    bystander = kafkajs('SASL_SSL', 'scram-sha-512', 'bob', 'bob-secret').producer();
    await bystander.connect();
  });
  afterAll(async () => { await bystander.disconnect(); });
  /** The bystander sends on its connection, before and after each failure. */
  const bystanderSends = async () => {
    await bystander.send({ topic: 'bystander', messages: [{ value: String(sent++) }] });
  };

  it.each([
    ['a wrong password', 'SASL_SSL', 'SCRAM-SHA-256', 'bob', 'nope', /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/],
    ['an unknown user', 'SASL_SSL', 'SCRAM-SHA-512', 'mallory', 'bob-secret', /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/],
    ['a wrong PLAIN password', 'SASL_PLAINTEXT', 'PLAIN', 'alice', 'nope', /SASL authentication error: Authentication failed: Invalid username or password/],
    ['a mechanism the listener does not enable', 'ONLY512', 'PLAIN', 'alice', 'alice-secret', /PLAIN.*not supported by broker|Unsupported SASL mechanism/i],
  ])('%s: kcat fails with the broker\'s reason', async (_what, listener, mechanism, user, password, why) => {
    await bystanderSends();
    const failuresBefore = await metric('strom_kafka_authentications_total', { listener, result: 'failure' });
    const r = await kcat(listener, { ...rdkafka(listener, mechanism, user, password), 'metadata.request.timeout.ms': '3000', 'socket.timeout.ms': '3000' }, ['-L', '-m', '3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(why);
    expect(await metric('strom_kafka_authentications_total', { listener, result: 'failure' })).toBeGreaterThan(failuresBefore);
    await bystanderSends();
  });

  it('a client without SASL on a SASL listener is disconnected after ApiVersions', async () => {
    await bystanderSends();
    const r = await kcat('SASL_PLAINTEXT', { 'socket.timeout.ms': '3000' }, ['-L', '-m', '3']);
    expect(r.code).not.toBe(0);
    expect(broker.output.join('\n')).toMatch(/Unexpected Kafka request of type Metadata during SASL handshake/);
    await bystanderSends();
  });

  it('SaslAuthenticate with a wrong password: SASL_AUTHENTICATION_FAILED and a message, held back by the delay, then the close', async () => {
    const client = await RawClient.connect(broker.ports.SASL_PLAINTEXT);
    try {
      expect((await client.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
      const started = performance.now();
      const answer = await client.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from('\u0000alice\u0000guess') });
      const heldMs = performance.now() - started;
      expect([answer.errorCode, answer.errorMessage]).toEqual([ErrorCode.SASL_AUTHENTICATION_FAILED, 'Authentication failed: Invalid username or password']);
      expect(heldMs).toBeGreaterThanOrEqual(FAILURE_DELAY_MS - 5);
      await client.closed;
    } finally {
      client.close();
    }
    await bystanderSends();
  });

  it('kafkajs with a wrong password gets SASL_AUTHENTICATION_FAILED', async () => {
    const producer = kafkajs('SASL_SSL', 'scram-sha-256', 'bob', 'nope', { retry: { retries: 0 } }).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL SCRAM SHA256 authentication failed|invalid credentials/);
    await bystanderSends();
  });

  it('logs each failure with the client, the listener and why (the client is told less)', () => {
    const log = broker.output.join('\n');
    expect(log).toMatch(/failed authentication of 127\.0\.0\.1:\d+ on listener SASL_SSL \(SCRAM-SHA-256\): user \\"bob\\": a wrong password for user \\"bob\\"/);
    expect(log).toMatch(/failed authentication of 127\.0\.0\.1:\d+ on listener SASL_SSL \(SCRAM-SHA-512\): user \\"mallory\\": unknown user/);
    expect(log).toMatch(/on listener ONLY512 \(PLAIN\): mechanism PLAIN is not enabled/);
  });
});

describe('the strom tools with --command-config', () => {
  it('list, produce and consume over SASL_SSL with SCRAM', async () => {
    const file = join(certs.dir, 'bob.properties');
    writeFileSync(file, [
      'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";',
      `ssl.truststore.location=${certs.caFile}`,
    ].join('\n'));
    const B = ['--bootstrap-server', at('SASL_SSL')];
    const created = await strom(['topics', ...B, '--command-config', file, '--create', '--topic', 'tools', '--partitions', '1']);
    expect(created.stdout).toBe('Created topic tools.\n');
    const produced = await strom(['console-producer', ...B, '--producer.config', file, '--topic', 'tools'], 'a\nb\n');
    expect(produced.stderr).toBe('');
    const consumed = await strom(['console-consumer', ...B, '--consumer.config', file, '--topic', 'tools', '--from-beginning', '--max-messages', '2']);
    expect(consumed.stdout).toBe('a\nb\n');
    const perf = await strom(['perf', 'produce', ...B, '--command-config', file, '--topic', 'tools-perf', '--num-records', '2000', '--record-size', '100', '--json', '--quiet']);
    expect(JSON.parse(perf.stdout.trim().split('\n').pop()!).records).toBe(2000);
  });

  it('a wrong password is one line and exit code 1', async () => {
    const file = join(certs.dir, 'wrong.properties');
    writeFileSync(file, `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=alice\nsasl.password=nope\n`);
    const r = await strom(['topics', '--bootstrap-server', at('SASL_PLAINTEXT'), '--command-config', file, '--list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`strom: authentication (PLAIN) to the broker at ${at('SASL_PLAINTEXT')} failed: Authentication failed: Invalid username or password\n`);
  });
});

describe('credentials survive a restart', () => {
  it('SCRAM users authenticate after the broker restarts on the same directory', async () => {
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dir: broker.dir, overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0', 'ssl.keystore.location': certs.serverKeystore,
    } });
    const r = await kcat('SASL_SSL', rdkafka('SASL_SSL', 'SCRAM-SHA-512', 'bob', 'bob-secret'), ['-C', '-t', 'kcat-sasl_ssl-scram-sha-512', '-o', 'beginning', '-e', '-q']);
    expect(r.stdout).toBe('one\ntwo\n');
  });
});
