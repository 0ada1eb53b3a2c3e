// ACLs with real clients over SASL/PLAIN (issue 16): a broker with the ACL authorizer
// (Kafka's StandardAuthorizer class name), super.users=User:admin, users alice, bob, carol, dave;
// ACLs set with `strom acls` as admin (--command-config). kcat and confluent-kafka (librdkafka)
// as child processes, kafkajs in process, raw protocol for the authorized-operations fields.
// Each test uses its own topics and principals' ACLs, so they do not lean on one another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, cleanupDirs, python, run, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('kcat', 'python3-confluent-kafka');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret', dave: 'dave-secret' };
type User = keyof typeof USERS;

const METADATA = 3;
const DESCRIBE_CLUSTER = 60;
const DESCRIBE_GROUPS = 15;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const TOPIC_AUTHORIZATION_FAILED = 29;
const GROUP_AUTHORIZATION_FAILED = 30;
const CLUSTER_AUTHORIZATION_FAILED = 31;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

let broker: RunningBroker;
let saslPort: number;
let adminConfig: string;
const raws: RawClient[] = [];

/** The authorizer's settings as a Kafka user writes them in server.properties. */
const AUTHORIZED_BROKER = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'sasl.enabled.mechanisms': 'PLAIN',
  'strom.sasl.plain.users': Object.entries(USERS).map(([u, p]) => `${u}:${p}`).join(','),
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin',
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '2',
};

beforeAll(async () => {
  broker = await startBroker({ overrides: AUTHORIZED_BROKER });
  saslPort = saslPortOf(broker);
  adminConfig = join(tempDir(), 'admin.properties');
  writeFileSync(adminConfig, 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";\n');
});
afterAll(async () => {
  for (const c of raws.splice(0)) c.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

function saslPortOf(b: RunningBroker): number {
  const line = b.output.find((l) => /listening on .*SASL_PLAINTEXT:\/\//.test(l))!;
  return Number(/SASL_PLAINTEXT:\/\/[^:]+:(\d+)/.exec(line)![1]);
}

/** `strom <args>` as admin. */
async function asAdmin(args: string[]): Promise<string> {
  const r = await run(process.execPath, [STROM, ...args, '--bootstrap-server', `127.0.0.1:${saslPort}`, '--command-config', adminConfig], 30_000);
  if (r.code !== 0) throw new Error(`strom ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const acls = (args: string[]) => asAdmin(['acls', ...args]);
const createTopic = (name: string) => asAdmin(['topics', '--create', '--topic', name, '--partitions', '1']);

function kcatArgs(user: User | null): string[] {
  return user === null ? ['-b', broker.bootstrap]
    : ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${USERS[user]}`];
}

const kcatProduce = (user: User | null, topic: string, lines: string[]) => run('kcat', [...kcatArgs(user), '-P', '-t', topic], 30_000, `${lines.join('\n')}\n`);
const kcatConsume = (user: User | null, topic: string) => run('kcat', [...kcatArgs(user), '-C', '-t', topic, '-o', 'beginning', '-e', '-q'], 30_000);
const kcatTopics = async (user: User | null) => {
  const r = await run('kcat', [...kcatArgs(user), '-L', '-J'], 30_000);
  return (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic).filter((t) => !t.startsWith('__')).sort();
};

/** A raw connection authenticated as `user` with SASL/PLAIN (SaslHandshake v1, SaslAuthenticate v2). */
async function rawAs(user: User): Promise<RawClient> {
  const c = await RawClient.connect(saslPort);
  raws.push(c);
  const handshake = await c.request(SASL_HANDSHAKE, 1, { mechanism: 'PLAIN' });
  expect(handshake.errorCode).toBe(0);
  const auth = await c.request(SASL_AUTHENTICATE, 2, { authBytes: Buffer.from(`\0${user}\0${USERS[user]}`) });
  expect(auth.errorCode).toBe(0);
  return c;
}

/** Operation names out of a KIP-430 bitfield. */
const OPS = ['', '', '', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'];
const operations = (bits: number) => OPS.filter((name, bit) => name !== '' && (bits >>> bit) & 1);

describe('topic ACLs (kcat)', () => {
  it('a principal allowed to write but not read a topic: its produce is stored, its consume gets TOPIC_AUTHORIZATION_FAILED', async () => {
    await createTopic('acl-orders');
    await acls(['--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'acl-orders']);
    const produced = await kcatProduce('alice', 'acl-orders', ['one', 'two']);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await kcatConsume('alice', 'acl-orders');
    expect(consumed.stderr).toContain('Topic authorization failed');
    expect(consumed.stdout).toBe('');
    // The records are there: a super user reads them.
    const admin = await run('kcat', ['-b', `127.0.0.1:${saslPort}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=admin', '-X', 'sasl.password=admin-secret', '-C', '-t', 'acl-orders', '-o', 'beginning', '-e', '-q'], 30_000);
    expect(admin.stdout).toBe('one\ntwo\n');
  });

  it('a user without ACLs, and an anonymous PLAINTEXT client, see no topics and may not produce', async () => {
    await createTopic('acl-closed');
    expect(await kcatTopics('bob')).not.toContain('acl-closed');
    expect(await kcatTopics(null)).toEqual([]);
    const produced = await kcatProduce('bob', 'acl-closed', ['x']);
    expect(produced.stderr).toContain('Topic authorization failed');
    const anonymous = await kcatProduce(null, 'acl-closed', ['x']);
    expect(anonymous.stderr).toContain('Topic authorization failed');
  });

  it('prefixed ACLs (--producer --resource-pattern-type PREFIXED): every topic with the prefix, auto-created by its CREATE, none without', async () => {
    await acls(['--add', '--allow-principal', 'User:bob', '--producer', '--topic', 'team-a.', '--resource-pattern-type', 'PREFIXED']);
    const listed = await acls(['--list', '--topic', 'team-a.', '--resource-pattern-type', 'PREFIXED']);
    expect(listed).toContain('ResourcePattern(resourceType=TOPIC, name=team-a., patternType=PREFIXED)');
    expect(listed).toMatch(/principal=User:bob, host=\*, operation=CREATE, permissionType=ALLOW/);
    const inside = await kcatProduce('bob', 'team-a.events', ['e1']);
    expect(inside.stderr).toBe('');
    expect(inside.code).toBe(0);
    expect(await kcatTopics('bob')).toEqual(['team-a.events']);
    const outside = await kcatProduce('bob', 'team-b.events', ['e1']);
    expect(outside.stderr).toContain('Topic authorization failed');
    expect(await kcatTopics('admin')).not.toContain('team-b.events');
  });

  it('a DENY overrides an ALLOW (here a wildcard one), for its operation only', async () => {
    await createTopic('acl-public');
    await createTopic('acl-secret');
    await kcatProduce('admin', 'acl-public', ['p']);
    await kcatProduce('admin', 'acl-secret', ['s']);
    await acls(['--add', '--allow-principal', 'User:carol', '--operation', 'Read', '--topic', '*']);
    await acls(['--add', '--deny-principal', 'User:carol', '--operation', 'Read', '--topic', 'acl-secret']);
    expect((await kcatConsume('carol', 'acl-public')).stdout).toBe('p\n');
    const secret = await kcatConsume('carol', 'acl-secret');
    expect(secret.stdout).toBe('');
    expect(secret.stderr).toContain('Topic authorization failed');
    // The DENY of READ leaves DESCRIBE (implied by the wildcard READ): carol still sees the topic.
    expect(await kcatTopics('carol')).toEqual(expect.arrayContaining(['acl-public', 'acl-secret']));
  });

  it('super users do everything without ACLs', async () => {
    const produced = await kcatProduce('admin', 'acl-admin-only', ['a']);
    expect(produced.code).toBe(0);
    expect((await kcatConsume('admin', 'acl-admin-only')).stdout).toBe('a\n');
  });
});

describe('group ACLs (confluent-kafka)', () => {
  it('a consumer allowed the topic but not the group gets GROUP_AUTHORIZATION_FAILED; with READ on the group it consumes', async () => {
    await createTopic('acl-grouped');
    await kcatProduce('admin', 'acl-grouped', ['g1', 'g2']);
    await acls(['--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--topic', 'acl-grouped']);
    const consume = () => python(`
import json, sys, time
from confluent_kafka import Consumer
c = Consumer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN',
              'sasl.username': 'alice', 'sasl.password': 'alice-secret', 'group.id': 'acl-billing', 'auto.offset.reset': 'earliest'})
c.subscribe(['acl-grouped'])
got, errors = [], []
deadline = time.time() + 20
while time.time() < deadline and len(got) < 2 and not errors:
    m = c.poll(0.5)
    if m is None: continue
    if m.error(): errors.append(m.error().name())
    else: got.append(m.value().decode())
c.close()
print(json.dumps({'got': got, 'errors': errors}))
`, [`127.0.0.1:${saslPort}`], 40_000);
    const refused = await consume();
    expect(JSON.parse(refused.stdout)).toEqual({ got: [], errors: ['GROUP_AUTHORIZATION_FAILED'] });
    await acls(['--add', '--allow-principal', 'User:alice', '--consumer', '--topic', 'acl-grouped', '--group', 'acl-billing']);
    const allowed = await consume();
    expect(JSON.parse(allowed.stdout)).toEqual({ got: ['g1', 'g2'], errors: [] });
  });
});

describe('transactional producers (confluent-kafka)', () => {
  it('without WRITE on its transactional id, init_transactions fails with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; with it, a transaction commits', async () => {
    await createTopic('acl-txn');
    await acls(['--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'acl-txn']);
    const transact = () => python(`
import json, sys
from confluent_kafka import Producer, KafkaException
p = Producer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN',
              'sasl.username': 'alice', 'sasl.password': 'alice-secret', 'transactional.id': 'alice-tx'})
try:
    p.init_transactions(15)
    p.begin_transaction()
    p.produce('acl-txn', b'in a transaction')
    p.commit_transaction(15)
    print(json.dumps({'ok': True}))
except KafkaException as e:
    print(json.dumps({'ok': False, 'error': e.args[0].name()}))
`, [`127.0.0.1:${saslPort}`], 40_000);
    expect(JSON.parse((await transact()).stdout)).toEqual({ ok: false, error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    await acls(['--add', '--allow-principal', 'User:alice', '--producer', '--transactional-id', 'alice-tx']);
    expect(JSON.parse((await transact()).stdout)).toEqual({ ok: true });
  });
});

describe('Metadata filtering and authorized operations', () => {
  it('kafkajs lists only the topics the principal may describe', async () => {
    await createTopic('acl-visible');
    await createTopic('acl-hidden');
    await acls(['--add', '--allow-principal', 'User:bob', '--operation', 'Describe', '--topic', 'acl-visible']);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${saslPort}`], sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
      expect(topics).toContain('acl-visible');
      expect(topics).not.toContain('acl-hidden');
      expect(topics).not.toContain('acl-orders');
      // Asked by name, a hidden topic is refused as one that may not exist: TOPIC_AUTHORIZATION_FAILED.
      await expect(admin.fetchTopicMetadata({ topics: ['acl-hidden'] })).rejects.toThrow(/authorization/i);
    } finally {
      await admin.disconnect();
    }
  });

  it("Metadata v10, DescribeCluster and DescribeGroups report the principal's operations", async () => {
    await createTopic('acl-ops');
    await acls(['--add', '--allow-principal', 'User:dave', '--operation', 'Write', '--operation', 'AlterConfigs', '--topic', 'acl-ops']);
    await acls(['--add', '--allow-principal', 'User:dave', '--operation', 'Alter', '--cluster']);
    await acls(['--add', '--allow-principal', 'User:dave', '--operation', 'Delete', '--group', 'acl-ops-group']);
    const c = await rawAs('dave');
    const md = await c.request(METADATA, 10, { topics: [{ name: 'acl-ops', topicId: ZERO_UUID }, { name: 'acl-orders', topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
    const byName = new Map(md.topics.map((t: { name: string }) => [t.name, t]));
    expect(operations((byName.get('acl-ops') as { topicAuthorizedOperations: number }).topicAuthorizedOperations)).toEqual(['WRITE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);
    expect((byName.get('acl-orders') as { errorCode: number }).errorCode).toBe(TOPIC_AUTHORIZATION_FAILED);
    expect(operations(md.clusterAuthorizedOperations)).toEqual(['ALTER', 'DESCRIBE']);
    const cluster = await c.request(DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    expect(operations(cluster.clusterAuthorizedOperations)).toEqual(['ALTER', 'DESCRIBE']);
    const groups = await c.request(DESCRIBE_GROUPS, 5, { groups: ['acl-ops-group', 'acl-other-group'], includeAuthorizedOperations: true });
    expect(operations(groups.groups[0].authorizedOperations)).toEqual(['DELETE', 'DESCRIBE']);
    expect(groups.groups[1].errorCode).toBe(GROUP_AUTHORIZATION_FAILED);
  });

  it('ACL administration needs ALTER (and DESCRIBE) on the cluster: CLUSTER_AUTHORIZATION_FAILED for others', async () => {
    const c = await rawAs('bob');
    const described = await c.request(29, 1, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(described.errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
    const created = await c.request(30, 1, { creations: [{ resourceType: 2, resourceName: 'x', resourcePatternType: 3, principal: 'User:bob', host: '*', operation: 2, permissionType: 3 }] });
    expect(created.results[0].errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
  });
});

describe('kafkajs', () => {
  it('a producer without WRITE gets TOPIC_AUTHORIZATION_FAILED; offsets of a group it may not describe are refused (GROUP_AUTHORIZATION_FAILED)', async () => {
    await createTopic('acl-js');
    await acls(['--add', '--allow-principal', 'User:bob', '--operation', 'Describe', '--topic', 'acl-js']);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${saslPort}`], sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    /** kafkajs's protocol error type, whether thrown as is or as the cause of a retry error. */
    const typeOf = (e: unknown) => (e as { type?: string; cause?: { type?: string } }).type ?? (e as { cause?: { type?: string } }).cause?.type;
    try {
      const sent = await producer.send({ topic: 'acl-js', messages: [{ value: 'x' }] }).then(() => null, (e: unknown) => e);
      expect(typeOf(sent)).toBe('TOPIC_AUTHORIZATION_FAILED');
      await admin.fetchTopicMetadata({ topics: ['acl-js'] }); // kafkajs finds a coordinator among the brokers it knows
      const offsets = await admin.fetchOffsets({ groupId: 'acl-js-group', topics: ['acl-js'] }).then(() => null, (e: unknown) => e);
      // kafkajs 2.2.4 turns FindCoordinator's GROUP_AUTHORIZATION_FAILED into "Failed to find
      // group coordinator" (it keeps no cause); the broker's log says what it answered.
      expect((offsets as Error).name).toBe('KafkaJSGroupCoordinatorNotFound');
      await waitFor('the broker to log the refusal', () => broker.output.some((l) => l.includes('Principal = User:bob is Denied operation = DESCRIBE from host = 127.0.0.1 on resource = GROUP:acl-js-group')), { timeoutMs: 5000 });
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

describe('strom acls --remove', () => {
  it('removes the ACLs of a principal, and every ACL of a resource', async () => {
    await acls(['--add', '--allow-principal', 'User:bob', '--allow-principal', 'User:carol', '--operation', 'Read', '--topic', 'acl-removed']);
    const removed = await acls(['--remove', '--allow-principal', 'User:bob', '--operation', 'Read', '--topic', 'acl-removed']);
    expect(removed).toContain('(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)');
    let listed = await acls(['--list', '--topic', 'acl-removed']);
    expect(listed).not.toContain('User:bob');
    expect(listed).toContain('User:carol');
    await acls(['--remove', '--topic', 'acl-removed', '--force']);
    listed = await acls(['--list', '--topic', 'acl-removed']);
    expect(listed).toBe('');
  });
});
