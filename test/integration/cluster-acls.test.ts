// ACLs and client quotas in a cluster (issue 16): kept in etcd under the cluster's prefix, so
// what one broker's CreateAcls or AlterClientQuotas stores, every broker enforces and
// describes, and a broker started again still has. Two brokers on a real etcd, PLAINTEXT
// (User:ANONYMOUS) with allow.everyone.if.no.acl.found, so that a DENY is what closes a topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupDirs, run } from '../helpers/broker.js';
import { startCluster, type RunningCluster } from '../helpers/cluster.js';
import { stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('kcat', 'etcd-server');

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
let cluster: RunningCluster;

beforeAll(async () => {
  cluster = await startCluster(2, {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'true',
  });
});
afterAll(async () => {
  await cluster?.stopAll();
  await stopEtcds();
  cleanupDirs();
});

async function strom(broker: number, args: string[]): Promise<string> {
  const r = await run(process.execPath, [STROM, ...args, '--bootstrap-server', cluster.broker(broker).bootstrap], 30_000);
  if (r.code !== 0) throw new Error(`strom ${args.join(' ')} via broker ${broker}: ${r.stderr}`);
  return r.stdout;
}

const produce = (broker: number, topic: string) => run('kcat', ['-b', cluster.broker(broker).bootstrap, '-X', 'acks=all', '-P', '-t', topic], 30_000, 'r\n');

describe('ACLs and quotas in etcd', () => {
  it('an ACL created through one broker is enforced and listed by the other, and kept across its restart', async () => {
    // Replicated: the followers fetch as replicas, under the authorizer too (CLUSTER_ACTION, open here).
    await strom(1, ['topics', '--create', '--topic', 'c-open', '--partitions', '2', '--replication-factor', '2']);
    await strom(1, ['topics', '--create', '--topic', 'c-closed', '--partitions', '2']);
    await strom(1, ['acls', '--add', '--deny-principal', 'User:ANONYMOUS', '--operation', 'Write', '--topic', 'c-closed']);
    // Broker 2 follows etcd through its watch: in force within moments.
    await waitFor('broker 2 to list the ACL', async () => (await strom(2, ['acls', '--list'])).includes('name=c-closed'), { timeoutMs: 10_000, intervalMs: 200 });
    expect((await produce(2, 'c-open')).code).toBe(0);
    const refused = await produce(2, 'c-closed');
    expect(refused.stderr).toContain('Topic authorization failed');
    // Not in the log directories: in etcd.
    for (const b of cluster.brokers) expect(existsSync(join(b!.dir, 'strom-acls.json'))).toBe(false);
    await cluster.stop(2);
    await cluster.restart(2);
    expect(await strom(2, ['acls', '--list', '--topic', 'c-closed'])).toContain('(principal=User:ANONYMOUS, host=*, operation=WRITE, permissionType=DENY)');
  });

  it('a quota set through one broker is described by the other', async () => {
    await strom(2, ['configs', '--alter', '--entity-type', 'clients', '--entity-name', 'c-app', '--add-config', 'producer_byte_rate=2048']);
    await waitFor('broker 1 to describe the quota', async () => (await strom(1, ['configs', '--describe', '--entity-type', 'clients'])).includes("client-id 'c-app' are producer_byte_rate=2048.0"), { timeoutMs: 10_000, intervalMs: 200 });
    for (const b of cluster.brokers) expect(existsSync(join(b!.dir, 'strom-client-quotas.json'))).toBe(false);
  });
});
