// Leader elections and reassignments on a broker alone, which answers as Kafka does for a
// cluster of one: every leader is already the preferred one (ELECTION_NOT_NEEDED), the only
// reassignment is onto this broker, nothing is ever in progress. Driven by the raw protocol
// (each version), kafkajs's admin client and the `strom` tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { cleanupDirs, run, startBroker, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, ...args], 30_000);

let broker: RunningBroker;
let raw: RawClient;
let admin: Admin;
let B: string[];
beforeAll(async () => {
  broker = await startBroker();
  B = ['--bootstrap-server', broker.bootstrap];
  raw = await RawClient.connect(broker.port);
  admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'one', numPartitions: 2 }] });
});
afterAll(async () => {
  raw?.close();
  await admin?.disconnect();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

describe('ElectLeaders on one broker', () => {
  it('answers ELECTION_NOT_NEEDED per partition named, UNKNOWN_TOPIC_OR_PARTITION for others, nothing for "all", at v0-2', async () => {
    for (const v of [0, 1, 2]) {
      const named = await raw.request(43, v, { electionType: v === 0 ? 0 : 1, timeoutMs: 1000, topicPartitions: [{ topic: 'one', partitions: [0, 1, 7] }, { topic: 'none', partitions: [0] }] });
      expect(named.errorCode).toBe(0);
      expect(named.replicaElectionResults).toEqual([
        { topic: 'one', partitionResult: [
          { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
          { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
          { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as one-7.' },
        ] },
        { topic: 'none', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as none-0.' }] },
      ]);
      const all = await raw.request(43, v, { electionType: 0, timeoutMs: 1000, topicPartitions: null });
      expect(all).toMatchObject({ errorCode: 0, replicaElectionResults: [] });
    }
  });

  it('refuses an unknown election type with INVALID_REQUEST', async () => {
    const r = await raw.request(43, 2, { electionType: 7, timeoutMs: 1000, topicPartitions: [{ topic: 'one', partitions: [0] }] });
    expect(r).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] });
  });

  it('strom leader-election prints Kafka\'s lines: already elected, and each failure with exit code 1', async () => {
    const ok = await strom(['leader-election', ...B, '--election-type', 'preferred', '--topic', 'one', '--partition', '1']);
    expect(ok).toMatchObject({ code: 0, stdout: 'Valid replica already elected for partitions one-1\n', stderr: '' });
    const all = await strom(['leader-election', ...B, '--election-type', 'PREFERRED', '--all-topic-partitions']);
    expect(all).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const file = join(tempDir(), 'partitions.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'one', partition: 0 }, { topic: 'one', partition: 5 }] }));
    const mixed = await strom(['leader-election', ...B, '--election-type', 'UNCLEAN', '--path-to-json-file', file]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe('Valid replica already elected for partitions one-0\n'
      + 'Error completing leader election (UNCLEAN) for partition: one-5: UNKNOWN_TOPIC_OR_PARTITION: No such partition as one-5.\n');
    expect(mixed.stderr).toContain('1 replica(s) could not be elected');
  });

  it('strom leader-election refuses incomplete or conflicting options, before connecting', async () => {
    const cases: [string[], string][] = [
      [['--topic', 'one', '--partition', '0'], 'Missing required option(s): --election-type'],
      [['--election-type', 'preferred'], 'One and only one of the following options is required: --topic, --all-topic-partitions, --path-to-json-file'],
      [['--election-type', 'preferred', '--topic', 'one', '--all-topic-partitions', '--partition', '0'], 'One and only one'],
      [['--election-type', 'preferred', '--topic', 'one'], 'Missing required option(s): --partition'],
      [['--election-type', 'preferred', '--all-topic-partitions', '--partition', '0'], 'Option --partition is only allowed if --topic is used'],
      [['--election-type', 'dirty', '--all-topic-partitions'], '--election-type must be PREFERRED or UNCLEAN'],
    ];
    for (const [args, message] of cases) {
      const r = await strom(['leader-election', '--bootstrap-server', '127.0.0.1:1', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
    const file = join(tempDir(), 'dup.json');
    writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'one', partition: 0 }, { topic: 'one', partition: 0 }] }));
    const dup = await strom(['leader-election', '--bootstrap-server', '127.0.0.1:1', '--election-type', 'preferred', '--path-to-json-file', file]);
    expect(dup.stderr).toContain('Replica election data contains duplicate partitions: one-0');
  });
});

describe('reassignments on one broker', () => {
  it('accepts only this broker as the target, refuses others and cancellations, lists none (kafkajs)', async () => {
    await admin.alterPartitionReassignments({ topics: [{ topic: 'one', partitionAssignment: [{ partition: 0, replicas: [1] }] }] });
    await expect(admin.alterPartitionReassignments({ topics: [{ topic: 'one', partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] }))
      .rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_REPLICA_ASSIGNMENT', topic: 'one', partition: 0 })] });
    expect(await admin.listPartitionReassignments({})).toEqual({ topics: [] });
  });

  it('answers each partition of AlterPartitionReassignments with its own error', async () => {
    const r = await raw.request(45, 0, { timeoutMs: 1000, topics: [{ name: 'one', partitions: [
      { partitionIndex: 0, replicas: null }, { partitionIndex: 1, replicas: [1, 1] }, { partitionIndex: 1, replicas: [] }, { partitionIndex: 3, replicas: [1] },
    ] }] });
    expect(r.errorCode).toBe(0);
    expect(r.responses[0].partitions.map((p: { errorCode: number }) => p.errorCode)).toEqual([
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
  });

  it('strom reassign-partitions: --list, --execute onto this broker, --verify, --cancel, --generate', async () => {
    expect(await strom(['reassign-partitions', ...B, '--list'])).toMatchObject({ code: 0, stdout: 'No partition reassignments found.\n' });
    const file = join(tempDir(), 'reassign.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'one', partition: 0, replicas: [1], log_dirs: ['any'] }] }));
    const executed = await strom(['reassign-partitions', ...B, '--execute', '--reassignment-json-file', file]);
    expect(executed).toMatchObject({ code: 0, stderr: '' });
    expect(executed.stdout).toBe('Current partition replica assignment\n\n'
      + '{"version":1,"partitions":[{"topic":"one","partition":0,"replicas":[1],"log_dirs":["any"]}]}\n\n'
      + 'Save this to use as the --reassignment-json-file option during rollback\n'
      + 'Successfully started partition reassignment for one-0\n');
    expect(await strom(['reassign-partitions', ...B, '--verify', '--reassignment-json-file', file]))
      .toMatchObject({ code: 0, stdout: 'Status of partition reassignment:\nReassignment of partition one-0 is completed.\n' });
    expect(await strom(['reassign-partitions', ...B, '--cancel', '--reassignment-json-file', file]))
      .toMatchObject({ code: 0, stdout: 'None of the specified partition reassignments are active.\n' });
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'one', partition: 0, replicas: [2] }] }));
    const unknown = await strom(['reassign-partitions', ...B, '--execute', '--reassignment-json-file', file]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('Unknown broker id 2');

    const topics = join(tempDir(), 'topics.json');
    writeFileSync(topics, JSON.stringify({ topics: [{ topic: 'one' }], version: 1 }));
    const generated = await strom(['reassign-partitions', ...B, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1']);
    expect(generated).toMatchObject({ code: 0, stderr: '' });
    const json = '{"version":1,"partitions":[{"topic":"one","partition":0,"replicas":[1],"log_dirs":["any"]},{"topic":"one","partition":1,"replicas":[1],"log_dirs":["any"]}]}';
    expect(generated.stdout).toBe(`Current partition replica assignment\n${json}\n\nProposed partition reassignment configuration\n${json}\n`);
  });

  it('strom reassign-partitions refuses bad files and action sets with Kafka\'s words', async () => {
    const file = (name: string, body: unknown) => {
      const path = join(tempDir(), name);
      writeFileSync(path, JSON.stringify(body));
      return path;
    };
    const cases: [string[], string][] = [
      [['--list', '--verify'], 'Command must include exactly one action: --generate, --execute, --verify, --cancel, or --list'],
      [[], 'Command must include exactly one action'],
      [['--execute'], 'Missing required argument "--reassignment-json-file"'],
      [['--execute', '--reassignment-json-file', file('empty.json', { version: 1, partitions: [] })], 'Partition reassignment list cannot be empty'],
      [['--execute', '--reassignment-json-file', file('dup.json', { partitions: [{ topic: 'a', partition: 0, replicas: [1] }, { topic: 'a', partition: 0, replicas: [2] }] })], 'Partition reassignment contains duplicate topic partitions: a-0'],
      [['--execute', '--reassignment-json-file', file('twice.json', { partitions: [{ topic: 'a', partition: 0, replicas: [1, 1] }] })], 'Partition replica lists may not contain duplicate entries: a-0 contains 1'],
      [['--execute', '--reassignment-json-file', file('dirs.json', { partitions: [{ topic: 'a', partition: 0, replicas: [1], log_dirs: ['/data'] }] })], 'log_dirs other than "any" are not supported'],
      [['--generate', '--topics-to-move-json-file', file('t.json', { topics: [{ topic: 'a' }] }), '--broker-list', '1,1'], 'Broker list contains duplicate entries: 1'],
      [['--generate', '--topics-to-move-json-file', file('t2.json', { topics: [{ topic: 'a' }] })], 'Missing required argument "--broker-list"'],
    ];
    for (const [args, message] of cases) {
      const r = await strom(['reassign-partitions', '--bootstrap-server', '127.0.0.1:1', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
  });
});
