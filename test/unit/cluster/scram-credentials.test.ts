// src/cluster/scram-credentials.ts: a cluster's SCRAM credentials in a real etcd. What one
// broker's store alters, another broker's store (its own image and watch) has within moments
// and tells its listeners of; the keys hold salts and keys, never the password, one key per
// user and mechanism; a store made later (a broker started again) finds them; Kafka's checks
// are the same as alone; what a broker did not write is left out rather than fatal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Etcd3, type Namespace } from 'etcd3';
import { MetadataImage } from '../../../src/cluster/image.js';
import { KEYS } from '../../../src/cluster/model.js';
import { EtcdScramCredentialStore } from '../../../src/cluster/scram-credentials.js';
import { saltedPassword, scramMechanism } from '../../../src/security/scram.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startEtcd, stopEtcds } from '../../helpers/etcd.js';
import { requireExternal } from '../../helpers/external.js';
import { waitFor } from '../../helpers/wait.js';

requireExternal('etcd-server');
const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const SHA512 = scramMechanism('SCRAM-SHA-512')!;
let etcd: Awaited<ReturnType<typeof startEtcd>>;
let client: Etcd3;
let ns: Namespace;
const images: MetadataImage[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  ns = client.namespace('/strom-test/');
  // The brokers' writes are guarded by the cluster id (written by the first broker).
  await ns.put(KEYS.clusterId).value('test-cluster');
});
afterAll(async () => {
  for (const image of images) await image.close();
  client?.close();
  await stopEtcds();
});

/** A broker's view: its own image (one watch) and store. */
async function broker(): Promise<EtcdScramCredentialStore> {
  const image = await MetadataImage.load(ns);
  images.push(image);
  return new EtcdScramCredentialStore(ns, image);
}

function upsert(name: string, mechanism = 1, password = `${name}-secret`, iterations = 4096) {
  const m = mechanism === 2 ? SHA512 : SHA256;
  const salt = randomBytes(16);
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(m, password, salt, iterations) };
}

describe('SCRAM credentials in etcd', () => {
  it('what one broker alters, another has within moments and tells its listeners of', async () => {
    const [one, two] = [await broker(), await broker()];
    let heard = 0;
    two.onChange(() => heard++);
    expect(await one.alter([], [upsert('alice', 1, 'pw', 8192)])).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    // The broker that answered has it when alter resolves.
    expect(one.get('alice', SHA256)?.iterations).toBe(8192);
    await waitFor('broker two to have alice', () => two.get('alice', SHA256) !== null);
    expect(two.get('alice', SHA256)).toEqual(one.get('alice', SHA256));
    expect(heard).toBe(1);
    await two.alter([], [upsert('alice', 2)]);
    await waitFor('broker one to have alice\'s SHA-512', () => one.get('alice', SHA512) !== null);
    expect(one.describe(['alice'])).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }, { mechanism: 2, iterations: 4096 }] }]);
    await two.alter([{ name: 'alice', mechanism: 1 }], []);
    await waitFor('broker one to lose alice\'s SHA-256', () => one.get('alice', SHA256) === null);
    expect(one.get('alice', SHA512)).not.toBeNull();
    await one.alter([{ name: 'alice', mechanism: 2 }], []);
    await waitFor('broker two to lose alice', () => !two.userNames().includes('alice'));
    expect(heard).toBe(4);
  });

  it('keeps salts and keys under one key per user and mechanism, never the password', async () => {
    const one = await broker();
    await one.alter([], [upsert('bob/ops%1', 1, 'correct horse battery staple')]);
    const values = await ns.getAll().prefix(KEYS.scramCredentials).strings();
    expect(Object.keys(values)).toContain('scram_credentials/bob%2Fops%251/SCRAM-SHA-256');
    const stored = JSON.parse(values['scram_credentials/bob%2Fops%251/SCRAM-SHA-256']) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['iterations', 'salt', 'server_key', 'stored_key']);
    const text = JSON.stringify(values);
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain(Buffer.from('correct horse battery staple').toString('base64'));
    // A broker started later reads them from etcd.
    const later = await broker();
    expect(later.get('bob/ops%1', SHA256)).toEqual(one.get('bob/ops%1', SHA256));
  });

  it('refuses as a broker alone does, writing nothing for a refused alteration', async () => {
    const one = await broker();
    const results = await one.alter([{ name: 'nobody', mechanism: 1 }], [upsert('few', 1, 'x', 4095), upsert('dup', 1), upsert('dup', 2), upsert('fine', 2)]);
    expect(Object.fromEntries(results.map((r) => [r.user, r.errorCode]))).toEqual({
      fine: 0, nobody: ErrorCode.RESOURCE_NOT_FOUND, few: ErrorCode.UNACCEPTABLE_CREDENTIAL, dup: ErrorCode.DUPLICATE_RESOURCE,
    });
    const keys = Object.keys(await ns.getAll().prefix(KEYS.scramCredentials).strings());
    expect(keys.filter((k) => /few|dup|nobody/.test(k))).toEqual([]);
    expect(keys).toContain('scram_credentials/fine/SCRAM-SHA-512');
  });

  it('leaves out what no broker wrote: a value not JSON, an unknown mechanism, a malformed name', async () => {
    const one = await broker();
    await ns.put(KEYS.scramCredential('mallory', 'SCRAM-SHA-256')).value('not json');
    await ns.put(KEYS.scramCredential('mallory', 'SCRAM-MD5')).value('{}');
    await ns.put(`${KEYS.scramCredentials}%E0%A4%A/SCRAM-SHA-256`).value('{}');
    await one.alter([], [upsert('after')]);
    // alter resolved: this broker's image has seen everything written before.
    expect(one.get('mallory', SHA256)).toBeNull();
    expect(one.userNames()).not.toContain('mallory');
    expect((await broker()).userNames()).not.toContain('mallory');
  });

  // Last: stops etcd.
  it('answers each user with an error, not a dropped connection, while etcd cannot be reached', async () => {
    const one = await broker();
    await etcd.stop();
    const results = await one.alter([], [upsert('late')]);
    expect(results).toHaveLength(1);
    expect(results[0].errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(results[0].errorMessage).toMatch(/^The SCRAM credential could not be stored in the cluster's metadata \(etcd\): /);
    expect(one.get('late', SHA256)).toBeNull();
  }, 60_000);
});
