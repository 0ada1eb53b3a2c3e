// A child process of `npm run bench:scale`: consumer groups against one broker, each member a
// client of its own (its own connection, the classic protocol: JoinGroup with KIP-394's
// member id round trip, SyncGroup with the leader's range assignment, heartbeats):
//   node run-groups.mjs <host:port> <groups> <members> <commitSeconds> <inFlight> <timeoutSeconds>
// All members join at once; the first line says when every one of them had its assignment.
// Then every member commits the offset of its partition over and over (OffsetCommit, up to
// inFlight requests pipelined on a connection of its own) for commitSeconds; the last line
// counts them.
import { Cluster } from '../../dist/client/cluster.js';
import { WireGroupTransport } from '../../dist/client/wire-group-transport.js';
import { GroupMember } from '../../dist/consumer/group-member.js';
import { OffsetCommitApi } from '../../dist/protocol/generated/offset-commit.js';
import { Reader, Writer } from '../../dist/protocol/codec.js';
import { writeRequestHeader } from '../../dist/protocol/generated/request-header.js';
import { readResponseHeader } from '../../dist/protocol/generated/response-header.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../dist/protocol/headers.js';
import { connect } from 'node:net';

const [bootstrap, groupsArg, membersArg, commitSecondsArg, inFlightArg, timeoutArg] = process.argv.slice(2);
const groups = Number(groupsArg);
const perGroup = Number(membersArg);
const commitSeconds = Number(commitSecondsArg);
const inFlight = Number(inFlightArg);
const timeoutMs = Number(timeoutArg) * 1000;
const TOPIC = 'grouped';
const COMMIT_VERSION = 8;
const [host, portText] = bootstrap.split(':');
const port = Number(portText);
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
/** Each commit's time from send to answer (ms). */
const latencies = [];
// The commits go out as one client's requests would, but encoded once per member and sent
// again as they are (only the broker's work is measured, not a JavaScript client's): each
// member pipelines `inFlight` OffsetCommits on a connection of its own and sends the next as
// each answer comes.
const ct0 = performance.now();
const cpu0 = process.cpuUsage();
const commitDeadline = ct0 + commitSeconds * 1000;
await Promise.all(members.filter((m) => m.joinedMs !== null).map((m) => new Promise((resolve) => {
  const partition = m.member.assignment[0]?.partitions[0] ?? 0;
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, requestHeaderVersion(OffsetCommitApi.key, COMMIT_VERSION), { requestApiKey: OffsetCommitApi.key, requestApiVersion: COMMIT_VERSION, correlationId: 1, clientId: 'bench-commit' });
  OffsetCommitApi.writeRequest(w, COMMIT_VERSION, {
    groupId: m.member.groupId, generationIdOrMemberEpoch: m.member.generationId, memberId: m.member.memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: 42, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] }],
  });
  const frame = Buffer.concat(w.finish());
  frame.writeInt32BE(frame.length - 4, 0);
  const socket = connect(port, host);
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  let outstanding = 0;
  const sentAt = [];
  const send = () => { outstanding++; sentAt.push(performance.now()); socket.write(frame); };
  socket.once('connect', () => { for (let i = 0; i < inFlight; i++) send(); });
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 4) {
      const size = pending.readInt32BE(at);
      if (pending.length - at - 4 < size) break;
      const r = new Reader(pending.subarray(at + 4, at + 4 + size));
      readResponseHeader(r, responseHeaderVersion(OffsetCommitApi.key, COMMIT_VERSION));
      const res = OffsetCommitApi.readResponse(r, COMMIT_VERSION);
      if (res.topics[0]?.partitions[0]?.errorCode === 0) commits++;
      else commitErrors++;
      outstanding--;
      latencies.push(performance.now() - sentAt.shift());
      at += 4 + size;
      if (performance.now() < commitDeadline) send();
    }
    pending = pending.subarray(at);
    if (outstanding === 0) { socket.end(); resolve(); }
  });
  socket.once('error', () => { commitErrors++; resolve(); });
  socket.once('close', resolve);
})));
const commitSec = (performance.now() - ct0) / 1000;
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const q = (p) => +(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
out({
  done: true, commits, commit_errors: commitErrors, commit_sec: +commitSec.toFixed(2), commits_per_sec: Math.round(commits / commitSec),
  commit_latency_ms: { p50: q(0.5), p99: q(0.99), max: q(1) }, client_cpu_cores: +((cpu.user + cpu.system) / 1e6 / commitSec).toFixed(2),
});
clearTimeout(hardStop);
await Promise.all(members.map((m) => m.member.leave?.().catch(() => {})));
for (const m of members) m.cluster.close();
setTimeout(() => process.exit(0), 200);
