// A child process of `npm run bench:scale` that holds client connections to a broker, so that
// what they cost shows in the broker's process and not in the benchmark's:
//   node hold-connections.mjs <host:port> <idle> <producing> <intervalMs> <maxSeconds>
// Opens `idle` connections that each send one ApiVersions (as a client does on connect) and
// then stay silent, and `producing` connections that each send a Produce of one 100-byte
// record every intervalMs (acks=1) to partition (i mod 16) of topic "slow". Prints
// {"ready":true,...} once all are open, then, at SIGTERM or stdin's end (or maxSeconds), a
// last line with the produce latencies (ms) and errors, and exits.
import { connect } from 'node:net';
import { Connection } from '../../dist/client/connection.js';
import { ProduceApi } from '../../dist/protocol/generated/produce.js';
import { Core, buildBatch } from '../../dist/core/index.js';

const [address, idleArg, producingArg, intervalArg, maxSecondsArg] = process.argv.slice(2);
const [host, portText] = address.split(':');
const port = Number(portText);
const idle = Number(idleArg);
const producing = Number(producingArg);
const intervalMs = Number(intervalArg);
const maxSeconds = Number(maxSecondsArg);
/** Connections opened at once (a burst of thousands of SYNs overflows the listen backlog). */
const OPEN_CONCURRENCY = 200;

const API_VERSIONS_V0 = (() => {
  const b = Buffer.alloc(14);
  b.writeInt32BE(10, 0);
  b.writeInt16BE(18, 4);
  b.writeInt16BE(0, 6);
  b.writeInt32BE(1, 8);
  b.writeInt16BE(-1, 12);
  return b;
})();

const sockets = [];
let openErrors = 0;
/** One idle client: connect, ApiVersions, wait for the answer, then nothing. */
function openIdle() {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write(API_VERSIONS_V0));
    socket.once('data', () => { sockets.push(socket); resolve(); });
    socket.on('data', () => {});
    socket.once('error', () => { openErrors++; socket.destroy(); resolve(); });
  });
}

async function inBatches(count, open) {
  for (let i = 0; i < count; i += OPEN_CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count - i) }, (_, j) => open(i + j)));
  }
}

const t0 = performance.now();
await inBatches(idle, openIdle);
const producers = [];
await inBatches(producing, async () => {
  try {
    producers.push(await Connection.open(host, port, { clientId: 'bench-slow', requestTimeoutMs: 30_000 }));
  } catch {
    openErrors++;
  }
});
process.stdout.write(JSON.stringify({ ready: true, idle: sockets.length, producing: producers.length, open_errors: openErrors, open_ms: Math.round(performance.now() - t0) }) + '\n');

const core = Core.create({ arenaBytes: 1 << 20 });
const batch = Buffer.from(buildBatch(core, [{ value: Buffer.alloc(100, 7) }]));
const latencies = [];
const errors = {};
let stopping = false;
const timers = producers.map((c, i) => {
  const send = () => {
    if (stopping || c.closed) return;
    const t = performance.now();
    c.send(ProduceApi, c.version(ProduceApi, 3, 9), {
      transactionalId: null, acks: 1, timeoutMs: 30_000,
      topicData: [{ name: 'slow', partitionData: [{ index: i % 16, records: batch }] }],
    }).then((res) => {
      const code = res.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
      if (code !== 0) errors[code] = (errors[code] ?? 0) + 1;
      else latencies.push(performance.now() - t);
    }, (e) => { errors[e.name] = (errors[e.name] ?? 0) + 1; });
  };
  // Spread over the interval, so the requests do not come in one burst.
  return setTimeout(() => { send(); timers[i] = setInterval(send, intervalMs); }, (intervalMs * i) / Math.max(1, producers.length));
});

function finish() {
  if (stopping) return;
  stopping = true;
  for (const t of timers) { clearTimeout(t); clearInterval(t); }
  latencies.sort((a, b) => a - b);
  const q = (p) => (latencies.length ? +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2) : null);
  process.stdout.write(JSON.stringify({ done: true, produced: latencies.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1), errors }) + '\n');
  for (const s of sockets) s.destroy();
  for (const c of producers) c.close();
  setTimeout(() => process.exit(0), 100);
}
process.on('SIGTERM', finish);
process.stdin.on('end', finish);
process.stdin.resume();
setTimeout(finish, maxSeconds * 1000).unref();
