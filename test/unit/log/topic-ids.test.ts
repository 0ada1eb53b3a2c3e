// src/log/topic-ids.ts with the log manager: topic ids at creation, across restarts, for
// log directories written before topic ids, and partition directories of another topic
// incarnation (stray) or with a bad partition.metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, unlinkSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { RegionPool, buildBatch } from '../../../src/core/index.js';
import { AppendPool } from '../../../src/storage/append-pool.js';
import { BrokerConfig, ConfigError } from '../../../src/config/config.js';
import { LogManager } from '../../../src/log/log-manager.js';
import { newTopicId, readPartitionMetadata } from '../../../src/log/partition-metadata.js';
import { initCompression } from '../../../src/compression/codecs.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { core } from '../../helpers/core.js';
import { LogDirs, readRecords } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
beforeAll(initCompression);
afterAll(() => dirs.cleanup());

const topicsFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'strom-topics.json'), 'utf8')) as { topics: Record<string, { topicId?: string }> };
const append = async (manager: LogManager, topic: string, partition: number, values: string[]) => {
  const result = await manager.partition(topic, partition)!.append(buildBatch(core, values.map((value) => ({ value }))));
  expect(result.status).toBe(0);
};

describe('topic ids in the log manager', () => {
  it('each topic gets its own id, kept in the topics file and every partition.metadata, the same after a restart', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    await first.manager.createTopic('ids-a', 2);
    await first.manager.createTopic('ids-b', 1);
    const a = first.manager.topic('ids-a')!.topicId;
    const b = first.manager.topic('ids-b')!.topicId;
    expect(a).not.toBe(b);
    expect(a).not.toBe(ZERO_UUID);
    expect(first.manager.topicById(a)!.name).toBe('ids-a');
    expect(topicsFile(dir).topics['ids-a'].topicId).toBe(a);
    expect([readPartitionMetadata(join(dir, 'ids-a-0')), readPartitionMetadata(join(dir, 'ids-a-1')), readPartitionMetadata(join(dir, 'ids-b-0'))]).toEqual([a, a, b]);
    await first.manager.createPartitions('ids-a', 3);
    expect(readPartitionMetadata(join(dir, 'ids-a-2'))).toBe(a);
    await first.manager.shutdown();
    const second = await dirs.open(dir);
    expect([second.manager.topic('ids-a')!.topicId, second.manager.topic('ids-b')!.topicId]).toEqual([a, b]);
    expect(second.manager.topicById(b)!.name).toBe('ids-b');
    await second.manager.shutdown();
  });

  it('a topic deleted and created again under its name has a new id; the old one names nothing', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    const old = (await manager.createTopic('ids-again', 1)).topicId;
    await manager.deleteTopic('ids-again');
    expect(manager.topicById(old)).toBeUndefined();
    const current = (await manager.createTopic('ids-again', 1)).topicId;
    expect(current).not.toBe(old);
    expect(manager.topicById(old)).toBeUndefined();
    expect(manager.topicById(current)!.name).toBe('ids-again');
    await manager.shutdown();
  });

  it('a log directory from Strom before topic ids gets an id at first start, written then, and kept after', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    await first.manager.createTopic('ids-legacy', 2);
    await append(first.manager, 'ids-legacy', 1, ['kept']);
    await first.manager.shutdown();
    // As an older Strom left it: no partition.metadata, no ids in the topics file.
    for (const p of [0, 1]) unlinkSync(join(dir, `ids-legacy-${p}`, 'partition.metadata'));
    const file = topicsFile(dir);
    delete file.topics['ids-legacy'].topicId;
    writeFileSync(join(dir, 'strom-topics.json'), JSON.stringify(file));
    const second = await dirs.open(dir);
    const id = second.manager.topic('ids-legacy')!.topicId;
    expect(id).not.toBe(ZERO_UUID);
    expect([readPartitionMetadata(join(dir, 'ids-legacy-0')), readPartitionMetadata(join(dir, 'ids-legacy-1')), topicsFile(dir).topics['ids-legacy'].topicId]).toEqual([id, id, id]);
    expect((await readRecords(core, second.manager.partition('ids-legacy', 1)!)).map((r) => r.value)).toEqual(['kept']);
    await second.manager.shutdown();
    const third = await dirs.open(dir);
    expect(third.manager.topic('ids-legacy')!.topicId).toBe(id);
    await third.manager.shutdown();
  });

  it('without ids in the topics file (lost, or older), a topic takes the id its partition.metadata names', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    const id = (await first.manager.createTopic('ids-from-dirs', 2)).topicId;
    await first.manager.shutdown();
    unlinkSync(join(dir, 'strom-topics.json'));
    const second = await dirs.open(dir);
    expect(second.manager.topic('ids-from-dirs')!.topicId).toBe(id);
    await second.manager.shutdown();
  });

  it('a partition directory of another incarnation of the topic is not loaded: moved aside as a stray, logged, the partition empty', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    const id = (await first.manager.createTopic('ids-stray', 2)).topicId;
    await append(first.manager, 'ids-stray', 0, ['mine']);
    await append(first.manager, 'ids-stray', 1, ['old-0', 'old-1']);
    await first.manager.shutdown();
    const other = newTopicId();
    writeFileSync(join(dir, 'ids-stray-1', 'partition.metadata'), `version: 0\ntopic_id: ${other}`);
    const second = await dirs.open(dir);
    const strays = readdirSync(dir).filter((f) => f.startsWith('ids-stray-1.') && f.endsWith('-stray'));
    expect(strays).toHaveLength(1);
    expect(readPartitionMetadata(join(dir, strays[0]))).toBe(other);
    expect(readdirSync(join(dir, strays[0]))).toContain('00000000000000000000.log'); // the data is kept for the operator
    expect(second.logged.filter((l) => l.includes('ids-stray-1'))).toEqual([
      `WARN ids-stray-1: partition.metadata names topic id ${other}, but topic ids-stray has id ${id}: the directory holds another incarnation of the topic and is not loaded; moved to ${strays[0]}, and the partition starts empty`,
    ]);
    expect(second.manager.topic('ids-stray')!.topicId).toBe(id);
    expect(second.manager.partition('ids-stray', 1)!.logEndOffset).toBe(0);
    expect(readPartitionMetadata(join(dir, 'ids-stray-1'))).toBe(id);
    expect((await readRecords(core, second.manager.partition('ids-stray', 0)!)).map((r) => r.value)).toEqual(['mine']);
    await second.manager.shutdown();
  });

  it('a malformed partition.metadata stops the start, naming the file, and leaves the directory as it was', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    await first.manager.createTopic('ids-bad', 1);
    await first.manager.shutdown();
    writeFileSync(join(dir, 'ids-bad-0', 'partition.metadata'), 'version: 0\ntopic_id: not-an-id\n');
    const checkpoint = readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8');
    const pool = new AppendPool(core, 1);
    const manager = new LogManager(new BrokerConfig({ 'log.dir': dir }), core, new RegionPool(core.mem), pool, { info() {}, warn() {}, error() {}, debug() {} });
    const started = manager.start();
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(`${join(dir, 'ids-bad-0', 'partition.metadata')}: invalid topic id 'not-an-id'`);
    await manager.shutdown(); // as the broker does after a failed start
    await pool.stop();
    expect(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe(checkpoint);
    expect(existsSync(join(dir, '.kafka_cleanshutdown'))).toBe(true);
  });

  it('two topics with one id (a partition directory copied under another name) stop the start', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    const id = (await first.manager.createTopic('ids-orig', 1)).topicId;
    await first.manager.shutdown();
    cpSync(join(dir, 'ids-orig-0'), join(dir, 'ids-copy-0'), { recursive: true });
    unlinkSync(join(dir, 'strom-topics.json'));
    await expect(dirs.open(dir)).rejects.toThrow(new RegExp(`gives topics ids-(copy|orig) and ids-(copy|orig) the same topic id ${id}`));
  });
});
