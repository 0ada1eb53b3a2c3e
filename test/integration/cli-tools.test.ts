// The `strom` client tools as users run them (node dist/bundle/strom.cjs <command>) against
// a real broker: the seed workflow as written (with `strom …` for the Kafka scripts and
// --bootstrap-server for --zookeeper), then each command's options, output and exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { requireExternal } from '../helpers/external.js';
import { sleep } from '../helpers/wait.js';

requireExternal('kcat');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[], input?: string) => run(process.execPath, [STROM, ...args], 30_000, input);

let broker: RunningBroker;
let B: string[];
beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '200', 'offsets.topic.num.partitions': '3' } });
  B = ['--bootstrap-server', broker.bootstrap];
});
afterAll(async () => {
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

const lines = (s: string) => s.split('\n').filter(Boolean);
/** Table rows split on runs of spaces (Kafka's column layout). */
const rows = (s: string) => lines(s).map((l) => l.trim().split(/\s+/));

describe('the seed workflow (seeds 001 and 003)', () => {
  it('kafka-topics.sh --create, as written with --bootstrap-server for --zookeeper', async () => {
    // 003: bin/kafka-topics.sh --create --zookeeper localhost:2181 --replication-factor 1 --partitions 1 --topic test
    const r = await strom(['topics', '--create', ...B, '--replication-factor', '1', '--partitions', '1', '--topic', 'test']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Created topic test.\n');
  });

  it('--zookeeper gets one line pointing at --bootstrap-server, and a non-zero exit', async () => {
    const r = await strom(['topics', '--describe', '--zookeeper', 'zookeeper:2181', '--topic', 'test']);
    expect(r.code).not.toBe(0);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('--bootstrap-server');
    expect(r.stdout).toBe('');
  });

  it('kafka-topics.sh --describe prints Kafka\'s layout', async () => {
    // 001: kafka-topics.sh --describe --zookeeper zookeeper:2181 --topic test
    const r = await strom(['topics', '--describe', ...B, '--topic', 'test']);
    expect(r.code).toBe(0);
    // The topic id is random per topic (KIP-516): 22 base64url characters, never the zero UUID.
    expect(r.stdout).toMatch(new RegExp(
      '^Topic: test\tTopicId: (?!A{22})[A-Za-z0-9_-]{22}\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n'
      + '\tTopic: test\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\n$'));
  });

  it('kafka-console-producer.sh sends stdin lines; kafka-console-consumer.sh --from-beginning prints them', async () => {
    // 003: bin/kafka-console-producer.sh --broker-list localhost:9092 --topic test
    const p = await strom(['console-producer', '--broker-list', broker.bootstrap, '--topic', 'test'], 'hello\nworld\nfrom strom\n');
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    // 003: bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic test --from-beginning
    const c = await strom(['console-consumer', ...B, '--topic', 'test', '--from-beginning', '--timeout-ms', '1500']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('hello\nworld\nfrom strom\n');
    expect(c.stderr).toBe('Processed a total of 3 messages\n');
  });

  it('GetOffsetShell counts the messages', async () => {
    // 001: kafka-run-class.sh kafka.tools.GetOffsetShell --broker-list 127.0.0.1:9092 --topic test
    const r = await strom(['kafka.tools.GetOffsetShell', '--broker-list', broker.bootstrap, '--topic', 'test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('test:0:3\n');
  });

  it('kafka-consumer-groups.sh --all-groups --list and --describe after a group consumed', async () => {
    const c = await strom(['console-consumer', ...B, '--topic', 'test', '--group', 'group1', '--from-beginning', '--max-messages', '2']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('hello\nworld\n');
    // 001: kafka-consumer-groups.sh --bootstrap-server localhost:9092 --all-groups --list
    const list = await strom(['consumer-groups', ...B, '--all-groups', '--list']);
    expect(list.code).toBe(0);
    expect(lines(list.stdout)).toContain('group1');
    const d = await strom(['consumer-groups', ...B, '--describe', '--group', 'group1']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain("Consumer group 'group1' has no active members.");
    const table = rows(d.stdout).slice(1);
    expect(table[0]).toEqual(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
    expect(table[1]).toEqual(['group1', 'test', '0', '2', '3', '1', '-', '-', '-']);
  });

  it('001\'s --replication-factor 3 on one broker: the broker\'s reason, exit 1', async () => {
    // 001: kafka-topics.sh --create --zookeeper localhost:2181 --replication-factor 3 --partitions 3 --topic test
    const r = await strom(['topics', '--create', ...B, '--replication-factor', '3', '--partitions', '3', '--topic', 'test3']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^strom: Error while executing topic command : .*replication factor/i);
  });
});

describe('strom topics', () => {
  it('creates with configs, lists (also as JSON), alters partitions and configs, deletes', async () => {
    expect((await strom(['topics', ...B, '--create', '--topic', 'orders', '--partitions', '2', '--config', 'retention.ms=86400000'])).code).toBe(0);
    const again = await strom(['topics', ...B, '--create', '--topic', 'orders']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^strom: Error while executing topic command : .*already exists/);
    expect(await strom(['topics', ...B, '--create', '--topic', 'orders', '--if-not-exists'])).toMatchObject({ code: 0, stdout: '' });

    const list = await strom(['topics', ...B, '--list', '--exclude-internal']);
    expect(lines(list.stdout)).toEqual(['orders', 'test']);
    expect(JSON.parse((await strom(['topics', ...B, '--list', '--json', '--topic', 'ord.*'])).stdout)).toEqual(['orders']);

    const alter = await strom(['topics', ...B, '--alter', '--topic', 'orders', '--partitions', '4', '--config', 'cleanup.policy=delete']);
    expect(alter.code).toBe(0);
    const d = await strom(['topics', ...B, '--describe', '--topic', 'orders']);
    expect(lines(d.stdout)[0]).toMatch(/^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 4\tReplicationFactor: 1\tConfigs: cleanup\.policy=delete,retention\.ms=86400000$/);
    expect(lines(d.stdout)).toHaveLength(5);
    const json = JSON.parse((await strom(['topics', ...B, '--describe', '--topic', 'orders', '--json'])).stdout);
    expect(json[0]).toMatchObject({ topic: 'orders', partitionCount: 4, replicationFactor: 1, configs: { 'retention.ms': '86400000' } });

    expect(await strom(['topics', ...B, '--delete', '--topic', 'orders'])).toMatchObject({ code: 0, stdout: 'Deleted topic orders.\n' });
    const missing = await strom(['topics', ...B, '--describe', '--topic', 'orders']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("strom: Error while executing topic command : Topic 'orders' does not exist as expected\n");
    expect((await strom(['topics', ...B, '--delete', '--topic', 'orders', '--if-exists'])).code).toBe(0);
  });

  it('needs exactly one action', async () => {
    const r = await strom(['topics', ...B, '--topic', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exactly one of --create');
  });
});

describe('strom console-producer and console-consumer', () => {
  it('keys with parse.key and key.separator; zstd; prints key, partition, offset, timestamp', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'keyed', '--partitions', '3']);
    const p = await strom(['console-producer', ...B, '--topic', 'keyed', '--property', 'parse.key=true', '--property', 'key.separator=:', '--compression-codec', 'zstd', '--producer-property', 'acks=1'],
      'user-1:a\nuser-2:b\nuser-1:c\n');
    expect(p).toMatchObject({ code: 0, stderr: '' });
    const c = await strom(['console-consumer', ...B, '--topic', 'keyed', '--from-beginning', '--max-messages', '3',
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'key.separator=|']);
    expect(c.code).toBe(0);
    const got = lines(c.stdout).map((l) => l.split('|'));
    // Same key, same partition, in order (murmur2, as the Java client partitions).
    const user1 = got.filter((g) => g[2] === 'user-1');
    expect(user1.map((g) => g[3])).toEqual(['a', 'c']);
    expect(user1[0][0]).toBe(user1[1][0]);
    const offsets = user1.map((g) => Number(g[1].replace('Offset:', '')));
    expect(offsets[0]).toBeLessThan(offsets[1]);
    const ts = await strom(['console-consumer', ...B, '--topic', 'keyed', '--from-beginning', '--max-messages', '1', '--property', 'print.timestamp=true']);
    expect(ts.stdout).toMatch(/^CreateTime:\d{13}\t[abc]\n$/);
  });

  it('a line without the key separator is refused with its line number', async () => {
    const p = await strom(['console-producer', ...B, '--topic', 'keyed', '--property', 'parse.key=true'], 'no-tab-here\n');
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('No key separator found on line number 1');
  });

  it('--sync and acks=0 deliver too; --partition with --offset reads from there', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'single', '--partitions', '1']);
    expect((await strom(['console-producer', ...B, '--topic', 'single', '--sync', '--compression-codec', 'gzip'], 'm0\nm1\nm2\n')).code).toBe(0);
    expect((await strom(['console-producer', ...B, '--topic', 'single', '--request-required-acks', '0', '--compression-codec', 'lz4'], 'm3\nm4\n')).code).toBe(0);
    const c = await strom(['console-consumer', ...B, '--topic', 'single', '--partition', '0', '--offset', '2', '--timeout-ms', '1500', '--isolation-level', 'read_committed']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('m2\nm3\nm4\n');
  });

  it('a big input: batched, all delivered', async () => {
    const input = Array.from({ length: 20_000 }, (_, i) => `line-${i}`).join('\n') + '\n';
    expect((await strom(['console-producer', ...B, '--topic', 'big', '--compression-codec', 'snappy'], input)).code).toBe(0);
    const offsets = await strom(['get-offsets', ...B, '--topic', 'big']);
    const total = lines(offsets.stdout).reduce((n, l) => n + Number(l.split(':')[2]), 0);
    expect(total).toBe(20_000);
  });

  it('a group member exits cleanly on Ctrl-C (SIGINT) and commits what it printed', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'live', '--partitions', '2']);
    await strom(['console-producer', ...B, '--topic', 'live'], 'a\nb\nc\nd\n');
    const child = spawn(process.execPath, [STROM, 'console-consumer', ...B, '--topic', 'live', '--group', 'live-group', '--from-beginning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && lines(out).length < 4; i++) await sleep(100);
    expect(lines(out).sort()).toEqual(['a', 'b', 'c', 'd']);
    // While it runs the group is Stable with one member that owns both partitions.
    const members = await strom(['consumer-groups', ...B, '--describe', '--group', 'live-group', '--members']);
    expect(rows(members.stdout)[0]).toEqual(['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
    expect(rows(members.stdout)[1]).toEqual(['live-group', expect.stringMatching(/^console-consumer-/), '/127.0.0.1', 'console-consumer', '2']);
    const state = await strom(['consumer-groups', ...B, '--describe', '--group', 'live-group', '--state']);
    expect(rows(state.stdout)[1]).toEqual(['live-group', broker.bootstrap, '(1)', 'range', 'Stable', '1']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toContain('Processed a total of 4 messages');
    const d = JSON.parse((await strom(['consumer-groups', ...B, '--describe', '--group', 'live-group', '--json'])).stdout);
    expect(d.map((r: { lag: number }) => r.lag)).toEqual([0, 0]);
  });
});

describe('with other Kafka clients (kcat, librdkafka)', () => {
  it('kcat reads what console-producer wrote (keys, lz4) and console-consumer reads what kcat wrote (snappy)', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'interop', '--partitions', '1']);
    expect((await strom(['console-producer', ...B, '--topic', 'interop', '--property', 'parse.key=true', '--property', 'key.separator=:', '--compression-codec', 'lz4'], 'k1:v1\nk2:v2\n')).code).toBe(0);
    expect((await run('kcat', ['-b', broker.bootstrap, '-t', 'interop', '-P', '-K:', '-z', 'snappy'], 30_000, 'k3:v3\n')).code).toBe(0);
    const k = await run('kcat', ['-b', broker.bootstrap, '-t', 'interop', '-C', '-o', 'beginning', '-e', '-f', '%k=%s@%o\n'], 30_000);
    expect(lines(k.stdout)).toEqual(['k1=v1@0', 'k2=v2@1', 'k3=v3@2']);
    const c = await strom(['console-consumer', ...B, '--topic', 'interop', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--property', 'key.separator=:']);
    expect(lines(c.stdout)).toEqual(['k1:v1', 'k2:v2', 'k3:v3']);
  });

  it('two console-consumers in one group split the partitions (range assignor) and rebalance when one leaves', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'shared', '--partitions', '2']);
    const member = () => {
      const child = spawn(process.execPath, [STROM, 'console-consumer', ...B, '--topic', 'shared', '--group', 'pair', '--consumer-property', 'heartbeat.interval.ms=200'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exited };
    };
    const membersNow = async () => rows((await strom(['consumer-groups', ...B, '--describe', '--group', 'pair', '--members'])).stdout).slice(1);
    const until = async (want: (m: string[][]) => boolean) => {
      for (let i = 0; i < 60; i++) {
        const m = await membersNow().catch(() => []);
        if (want(m)) return m;
        await sleep(250);
      }
      return membersNow();
    };
    const a = member();
    expect((await until((m) => m.length === 1 && m[0][4] === '2')).map((m) => m[4])).toEqual(['2']);
    const b = member();
    expect((await until((m) => m.length === 2 && m.every((x) => x[4] === '1'))).map((m) => m[4])).toEqual(['1', '1']);
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(0);
    expect((await until((m) => m.length === 1 && m[0][4] === '2')).map((m) => m[4])).toEqual(['2']);
    a.child.kill('SIGINT');
    expect(await a.exited).toBe(0);
  });
});

describe('strom consumer-groups', () => {
  it('--reset-offsets: dry run by default, then --execute; --shift-by and --to-datetime', async () => {
    const dry = await strom(['consumer-groups', ...B, '--reset-offsets', '--group', 'group1', '--topic', 'test', '--to-earliest']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('No action will be performed as the --execute option is missing');
    expect(rows(dry.stdout)).toEqual([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ['group1', 'test', '0', '0']]);
    let d = JSON.parse((await strom(['consumer-groups', ...B, '--describe', '--group', 'group1', '--json'])).stdout);
    expect(d[0].currentOffset).toBe(2);

    expect((await strom(['consumer-groups', ...B, '--reset-offsets', '--group', 'group1', '--topic', 'test', '--to-earliest', '--execute'])).code).toBe(0);
    d = JSON.parse((await strom(['consumer-groups', ...B, '--describe', '--group', 'group1', '--json'])).stdout);
    expect(d[0]).toMatchObject({ currentOffset: 0, logEndOffset: 3, lag: 3 });

    const shift = await strom(['consumer-groups', ...B, '--reset-offsets', '--group', 'group1', '--all-topics', '--shift-by', '10', '--execute']);
    expect(rows(shift.stdout)[1]).toEqual(['group1', 'test', '0', '3']); // clamped to the log end
    const future = await strom(['consumer-groups', ...B, '--reset-offsets', '--group', 'group1', '--topic', 'test:0', '--to-datetime', '2000-01-01T00:00:00.000', '--execute']);
    expect(rows(future.stdout)[1]).toEqual(['group1', 'test', '0', '0']);
    const off = await strom(['consumer-groups', ...B, '--reset-offsets', '--group', 'group1', '--topic', 'test', '--to-offset', '1', '--dry-run', '--json']);
    expect(JSON.parse(off.stdout)).toEqual([{ group: 'group1', topic: 'test', partition: 0, newOffset: 1 }]);
  });

  it('--list --state and --json', async () => {
    const r = await strom(['consumer-groups', ...B, '--list', '--state']);
    expect(rows(r.stdout)).toContainEqual(['group1', 'Empty']);
    const json = JSON.parse((await strom(['consumer-groups', ...B, '--list', '--json'])).stdout);
    expect(json).toContainEqual({ groupId: 'group1', protocolType: 'consumer', state: 'Empty', type: 'classic' });
    expect(rows((await strom(['consumer-groups', ...B, '--list', '--type', 'classic'])).stdout)).toContainEqual(['group1', 'Classic']);
  });

  it('--delete, and an unknown group', async () => {
    expect(await strom(['consumer-groups', ...B, '--delete', '--group', 'group1'])).toMatchObject({ code: 0, stdout: "Deletion of requested consumer groups ('group1') was successful.\n" });
    const list = await strom(['consumer-groups', ...B, '--list']);
    expect(lines(list.stdout)).not.toContain('group1');
    const d = await strom(['consumer-groups', ...B, '--describe', '--group', 'group1']);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe("strom: Error: Consumer group 'group1' does not exist.\n");
    const del = await strom(['consumer-groups', ...B, '--delete', '--group', 'group1']);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain("Group 'group1' could not be deleted");
  });
});

describe('strom get-offsets', () => {
  it('--time -2, -1, a timestamp, --partitions, --json', async () => {
    await strom(['topics', ...B, '--create', '--topic', 'timed', '--partitions', '2']);
    const before = Date.now();
    await strom(['console-producer', ...B, '--topic', 'timed'], 'x\ny\n');
    expect((await strom(['get-offsets', ...B, '--topic', 'timed', '--time', '-2'])).stdout).toBe('timed:0:0\ntimed:1:0\n');
    const latest = lines((await strom(['get-offsets', ...B, '--topic', 'timed', '--time', 'latest'])).stdout);
    expect(latest.reduce((n, l) => n + Number(l.split(':')[2]), 0)).toBe(2);
    const later = await strom(['get-offsets', ...B, '--topic', 'timed', '--time', String(Date.now() + 3_600_000), '--partitions', '0']);
    expect(later.stdout).toBe('timed:0:\n'); // no record that late: nothing after the colon, as GetOffsetShell
    const at = JSON.parse((await strom(['get-offsets', ...B, '--topic', 'timed', '--time', String(before - 1000), '--json'])).stdout);
    expect(at.map((r: { offset: number | null }) => r.offset ?? 0).reduce((a: number, b: number) => a + b, 0)).toBe(0);
  });
});

describe('strom configs', () => {
  it('alters and describes topic configs; --delete-config', async () => {
    const a = await strom(['configs', ...B, '--alter', '--entity-type', 'topics', '--entity-name', 'test', '--add-config', 'retention.ms=3600000,segment.bytes=1048576']);
    expect(a).toMatchObject({ code: 0, stdout: 'Completed updating config for topic test.\n' });
    const d = await strom(['configs', ...B, '--describe', '--topic', 'test']);
    expect(lines(d.stdout)[0]).toBe('Dynamic configs for topic test are:');
    expect(d.stdout).toContain('  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000');
    expect(d.stdout).toContain('  segment.bytes=1048576 ');
    expect((await strom(['configs', ...B, '--alter', '--topic', 'test', '--delete-config', 'segment.bytes'])).code).toBe(0);
    const json = JSON.parse((await strom(['configs', ...B, '--describe', '--topic', 'test', '--json'])).stdout);
    expect(json.map((e: { name: string }) => e.name)).toEqual(['retention.ms']);
    const all = await strom(['configs', ...B, '--describe', '--topic', 'test', '--all']);
    expect(lines(all.stdout)[0]).toBe('All configs for topic test are:');
    expect(all.stdout).toContain('  cleanup.policy=delete');
  });

  it('describes a broker; a bad key is refused with the broker\'s reason', async () => {
    const d = await strom(['configs', ...B, '--describe', '--broker', '1', '--all']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('All configs for broker 1 are:');
    expect(d.stdout).toContain('  num.partitions=1 ');
    const bad = await strom(['configs', ...B, '--alter', '--topic', 'test', '--add-config', 'retention.ms=soon']);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toHaveLength(1);
  });
});

describe('every tool', () => {
  const tools = ['topics', 'console-producer', 'console-consumer', 'consumer-groups', 'get-offsets', 'configs', 'leader-election', 'reassign-partitions'];

  it('answers an unreachable broker with one line naming the address and the reason', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const args: Record<string, string[]> = {
      topics: ['--list'], 'console-producer': ['--topic', 't'], 'console-consumer': ['--topic', 't'],
      'consumer-groups': ['--list'], 'get-offsets': ['--topic', 't'], configs: ['--describe', '--topic', 't'],
      'leader-election': ['--election-type', 'preferred', '--all-topic-partitions'], 'reassign-partitions': ['--list'],
    };
    const results = await Promise.all(tools.map((t) => strom([t, '--bootstrap-server', `127.0.0.1:${port}`, ...args[t]], 'x\n')));
    for (const r of results) {
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`strom: cannot reach the broker at 127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
    }
  });

  it('piped into a reader that stopped (| head), ends quietly with exit code 0', async () => {
    expect((await strom(['topics', ...B, '--create', '--topic', 'piped', '--if-not-exists'])).code).toBe(0);
    const r = await run('bash', ['-c', `set -o pipefail; "${process.execPath}" "${STROM}" topics --bootstrap-server ${broker.bootstrap} --describe --topic piped | head -c 0`], 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('has --help with examples', async () => {
    const results = await Promise.all(tools.map((t) => strom([t, '--help'])));
    results.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`strom ${tools[i]}`);
      expect(r.stdout).toContain('--bootstrap-server');
    });
  });
});
