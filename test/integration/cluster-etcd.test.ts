// The cluster's footing in a real etcd: brokers register under leases and the image sees them
// come and go; one controller is elected, with a new epoch at each election, and a deposed
// controller's writes are fenced; a second broker with the same id is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { MetadataImage, type ImageChange } from '../../src/cluster/image.js';
import { BrokerRegistry, DuplicateBrokerError } from '../../src/cluster/registry.js';
import { ControllerElection } from '../../src/cluster/election.js';
import { KEYS, type BrokerRegistration } from '../../src/cluster/model.js';
import { startEtcd, stopEtcds } from '../helpers/etcd.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';

requireExternal('etcd-server');
const clients: Etcd3[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await stopEtcds();
});

async function namespace(endpoint: string) {
  const client = new Etcd3({ hosts: endpoint });
  clients.push(client);
  return client.namespace('/strom-test/');
}

const registration = (id: number, incarnation = `run-${id}`): BrokerRegistration => ({
  id, rack: null, incarnation, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 'PLAINTEXT' }],
});

describe('cluster footing in etcd', () => {
  it('registrations live as long as their lease, and the image follows them', async () => {
    const etcd = await startEtcd();
    const ns = await namespace(etcd.endpoint);
    const image = await MetadataImage.load(ns);
    const changes: ImageChange[] = [];
    image.onChange((c) => changes.push(c));
    const lost: string[] = [];
    const one = await BrokerRegistry.register(ns, registration(1), 2000, (r) => lost.push(r));
    const two = await BrokerRegistry.register(ns, registration(2), 2000, (r) => lost.push(r));
    await waitFor('both brokers in the image', () => image.brokers.size === 2);
    expect(image.brokers.get(2)!.endpoints[0].port).toBe(9002);
    // A clean leave removes the registration at once.
    await two.deregister();
    await waitFor('broker 2 gone', () => !image.brokers.has(2));
    expect(changes.filter((c) => c.kind === 'broker').map((c) => [c.kind === 'broker' && c.id, c.kind === 'broker' && c.registration !== null])).toEqual([[1, true], [2, true], [2, false]]);
    // A second broker with id 1 is refused while the first lives (after waiting out one session).
    await expect(BrokerRegistry.register(ns, registration(1, 'other'), 1000, () => {})).rejects.toBeInstanceOf(DuplicateBrokerError);
    expect(lost).toEqual([]);
    await one.deregister();
    await image.close();
  }, 30_000);

  it('elects one controller with a new epoch each time; a deposed one cannot write', async () => {
    const etcd = await startEtcd();
    const ns = await namespace(etcd.endpoint);
    const image = await MetadataImage.load(ns);
    const elected: string[] = [];
    const registries = [await BrokerRegistry.register(ns, registration(1), 2000, () => {}), await BrokerRegistry.register(ns, registration(2), 2000, () => {})];
    const elections = registries.map((r, i) => new ControllerElection(ns, r.lease, i + 1, (rec) => elected.push(`${rec.id}@${rec.epoch}`), () => elected.push(`${i + 1} deposed`)));
    const runs = elections.map((e) => e.run());
    await waitFor('a controller', () => elected.length === 1);
    const first = elections.find((e) => e.record)!;
    const second = elections.find((e) => e !== first)!;
    expect(first.record!.epoch).toBe(1);
    await waitFor('the image sees it', () => image.controller?.id === first.brokerId);
    // A write guarded by the controller's fence works...
    expect((await first.fenced().then(ns.put('probe').value('a')).commit()).succeeded).toBe(true);
    // ...until its lease ends: the other takes over with epoch 2, and the old fence fails.
    const stale = first.fenced();
    await registries[first.brokerId - 1].lease.revoke();
    await waitFor('the other controller', () => second.record !== null, { timeoutMs: 10_000 });
    expect(second.record!.epoch).toBe(2);
    expect(elected).toContain(`${first.brokerId} deposed`);
    expect((await stale.then(ns.put('probe').value('b')).commit()).succeeded).toBe(false);
    expect(await ns.get(KEYS.controllerEpoch).string()).toBe('2');
    for (const e of elections) await e.stop();
    await Promise.all(runs);
    await image.close();
  }, 30_000);

  it('a campaign won while the broker stops gives the key back and ends (a stopping broker never hung as controller)', async () => {
    const etcd = await startEtcd();
    const ns = await namespace(etcd.endpoint);
    const registry = await BrokerRegistry.register(ns, registration(1), 2000, () => {});
    // Campaign writes reach etcd 300 ms late, so stop() comes while one is in flight.
    let inFlight = false;
    const slow = new Proxy(ns, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop !== 'if') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        return (...args: Parameters<typeof target.if>) => {
          const txn = target.if(...args);
          const commit = txn.commit.bind(txn);
          txn.commit = async () => {
            inFlight = true;
            await new Promise((r) => setTimeout(r, 300));
            return commit();
          };
          return txn;
        };
      },
    });
    const elected: number[] = [];
    const election = new ControllerElection(slow, registry.lease, 1, (rec) => elected.push(rec.epoch), () => {});
    const running = election.run();
    await waitFor('a campaign in flight', () => inFlight);
    await election.stop();
    let ended = false;
    await Promise.race([running.then(() => { ended = true; }), new Promise((r) => setTimeout(r, 5000))]);
    expect(ended).toBe(true);
    expect(elected).toEqual([]);
    expect(election.record).toBeNull();
    await waitFor('no controller key', async () => (await ns.get(KEYS.controller).string()) === null);
    await registry.deregister();
  }, 30_000);
});
