// A child process of `npm run bench:scale`: consumer groups against one broker, each member a
// client of its own (its own connection, the classic protocol: JoinGroup with KIP-394's
// member id round trip, SyncGroup with the leader's range assignment, heartbeats):
//   node run-groups.mjs <host:port> <groups> <members> <commitSeconds> <inFlight> <timeoutSeconds>
// All members join at once; the first line says when every one of them had its assignment.
// Then every member commits the offset of its partition over and over (OffsetCommit, up to
// inFlight requests pipelined on its connection) for commitSeconds; the last line counts them.
import { Cluster } from '../../dist/client/cluster.js';
import { WireGroupTransport } from '../../dist/client/wire-group-transport.js';
import { GroupMember } from '../../dist/consumer/group-member.js';
import { OffsetCommitApi } from '../../dist/protocol/generated/offset-commit.js';

const [bootstrap, groupsArg, membersArg, commitSecondsArg, inFlightArg, timeoutArg] = process.argv.slice(2);
const groups = Number(groupsArg);
const perGroup = Number(membersArg);
const commitSeconds = Number(commitSecondsArg);
const inFlight = Number(inFlightArg);
const timeoutMs = Number(timeoutArg) * 1000;
const TOPIC = 'grouped';
const out = (m) => process.stdout.write(JSON.stringify(m) + '\n');

const members = [];
for (let g = 0; g < groups; g++) {
  for (let m = 0; m < perGroup; m++) {
    const cluster = new Cluster(bootstrap, { clientId: `bench-g${g}-m${m}`, requestTimeoutMs: 60_000 });
    const member = new GroupMember(new WireGroupTransport(cluster), { groupId: `bench-group-${g}`, topics: [TOPIC], sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 60_000 });
    members.push({ cluster, member, joinedMs: null });
  }
}
const hardStop = setTimeout(() => { out({ error: 'timed out' }); process.exit(2); }, timeoutMs);
const t0 = performance.now();
let failures = 0;
const firstError = [];
await Promise.all(members.map(async (m) => {
  try {
    await m.member.join();
    m.joinedMs = performance.now() - t0;
  } catch (e) {
    failures++;
    if (firstError.length < 3) firstError.push(String(e.message ?? e));
  }
}));
const joined = members.filter((m) => m.joinedMs !== null).map((m) => m.joinedMs).sort((a, b) => a - b);
// A member that joined may have been told to rejoin since (a later member's arrival): count those.
const stale = members.filter((m) => m.member.needsRejoin).length;
out({
  joined: joined.length, failed: failures, errors: firstError, rejoin_pending: stale,
  all_stable_ms: Math.round(performance.now() - t0), p50_join_ms: Math.round(joined[Math.floor(joined.length / 2)] ?? 0),
});

let commits = 0;
let commitErrors = 0;
const commitDeadline = performance.now() + commitSeconds * 1000;
const ct0 = performance.now();
await Promise.all(members.filter((m) => m.joinedMs !== null).map(async (m, i) => {
  const c = await m.cluster.coordinator(m.member.groupId);
  const v = c.version(OffsetCommitApi, 2, 8);
  const partition = m.member.assignment[0]?.partitions[0] ?? 0;
  let offset = 0;
  const one = async () => {
    while (performance.now() < commitDeadline && !c.closed) {
      const res = await c.send(OffsetCommitApi, v, {
        groupId: m.member.groupId, generationIdOrMemberEpoch: m.member.generationId, memberId: m.member.memberId,
        groupInstanceId: null, retentionTimeMs: -1,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset++, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
      }).catch(() => null);
      if (res && res.topics[0]?.partitions[0]?.errorCode === 0) commits++;
      else commitErrors++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, one));
  void i;
}));
const commitSec = (performance.now() - ct0) / 1000;
out({ done: true, commits, commit_errors: commitErrors, commit_sec: +commitSec.toFixed(2), commits_per_sec: Math.round(commits / commitSec) });
clearTimeout(hardStop);
await Promise.all(members.map((m) => m.member.leave?.().catch(() => {})));
for (const m of members) m.cluster.close();
setTimeout(() => process.exit(0), 200);
