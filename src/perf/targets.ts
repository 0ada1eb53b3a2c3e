// Which partitions the harness targets and who leads them: the topic is created with
// --partitions if it does not exist (else auto-created by Metadata as producers do), and
// --partitions N then picks partitions 0..N-1 of it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, type ClusterMetadata } from '../client/cluster.js';
import { createTopics } from '../client/admin.js';
import { ErrorCode } from '../protocol/errors.js';
import type { LeaderTarget } from './produce-loop.js';

export async function resolveTargets(cluster: Cluster, topic: string, partitions: number | undefined): Promise<LeaderTarget[]> {
  let md: ClusterMetadata = await cluster.metadata([topic], false);
  let t = md.topics.find((x) => x.name === topic);
  if ((!t || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) && partitions) {
    try {
      await createTopics(cluster, [{ name: topic, partitions, replicationFactor: 1 }]);
    } catch { /* raced, or the broker does not create topics: Metadata below says */ }
  }
  for (let attempt = 0; ; attempt++) {
    md = await cluster.metadata([topic], true);
    t = md.topics.find((x) => x.name === topic);
    const ready = t && t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
    if (ready) break;
    if (attempt >= 20) throw new Error(`topic ${topic} is not available (error ${t?.errorCode ?? 'not in metadata'})`);
    await sleep(100 * Math.min(5, attempt + 1));
  }
  const chosen = [...t!.partitions].sort((a, b) => a.partition - b.partition).slice(0, partitions ?? t!.partitions.length);
  if (partitions && chosen.length < partitions) throw new Error(`topic ${topic} has ${chosen.length} partitions, fewer than --partitions ${partitions}`);
  const byLeader = new Map<number, LeaderTarget>();
  for (const p of chosen) {
    const b = md.brokers.find((x) => x.nodeId === p.leader);
    if (!b) throw new Error(`the leader ${p.leader} of ${topic}-${p.partition} is not in metadata`);
    let target = byLeader.get(p.leader);
    if (!target) byLeader.set(p.leader, (target = { host: b.host, port: b.port, partitions: [] }));
    target.partitions.push(p.partition);
  }
  return [...byLeader.values()];
}
