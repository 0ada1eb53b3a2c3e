// Groups: 1,000 consumer groups of 3 members each (a child process, run-groups.mjs, every
// member with its own connection) join at once; the time until every member has its
// assignment, and the broker's CPU meanwhile (the coordinator runs on its main thread).
// Then every member commits its partition's offset over and over: offset commits per second
// sustained, each written to __consumer_offsets.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBroker, stopBroker, sample, strom } from './proc.mjs';

const RUNNER = fileURLToPath(new URL('./run-groups.mjs', import.meta.url));
const MEMBERS = 3;
/** OffsetCommits pipelined per member connection. */
const IN_FLIGHT = 4;

export async function runGroups({ scale, step }) {
  const groups = Math.max(10, Math.round(1_000 * scale));
  const commitSeconds = Math.max(5, Math.round(20 * Math.min(1, scale * 4)));
  const dir = mkdtempSync(join(tmpdir(), 'strom-scale-g-'));
  const broker = await startBroker(dir);
  try {
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'grouped', '--partitions', String(MEMBERS)]);
    step(`${groups} groups × ${MEMBERS} members: joining`);
    const pid = broker.child.pid;
    const before = sample(pid);
    const child = spawn(process.execPath, [RUNNER, broker.bootstrap, String(groups), String(MEMBERS), String(commitSeconds), String(IN_FLIGHT), '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    const result = { groups, members_per_group: MEMBERS, in_flight_per_member: IN_FLIGHT };
    let joinedAt = null;
    let afterJoin = null;
    for await (const line of lines) {
      const m = JSON.parse(line);
      if (m.error) throw new Error(`groups: ${m.error}`);
      if (m.joined !== undefined) {
        afterJoin = sample(pid);
        joinedAt = performance.now();
        Object.assign(result, m);
        result.broker_cpu_sec_join = +(afterJoin.cpuSec - before.cpuSec).toFixed(2);
        result.broker_main_cpu_sec_join = +(afterJoin.mainCpuSec - before.mainCpuSec).toFixed(2);
        result.rss_mb_joined = afterJoin.rssMb;
        step(`${groups} groups: committing for ${commitSeconds} s`);
      } else if (m.done) {
        const after = sample(pid);
        const sec = (performance.now() - joinedAt) / 1000;
        Object.assign(result, m);
        result.broker_cpu_cores_commit = +((after.cpuSec - afterJoin.cpuSec) / sec).toFixed(2);
        result.broker_main_cpu_cores_commit = +((after.mainCpuSec - afterJoin.mainCpuSec) / sec).toFixed(2);
        result.rss_mb_after_commits = after.rssMb;
      }
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    return result;
  } finally {
    await stopBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  }
}
