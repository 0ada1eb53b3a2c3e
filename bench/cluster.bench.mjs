#!/usr/bin/env node
// `npm run bench:cluster`: a Strom cluster on one machine (a real etcd and three broker
// processes on loopback, temporary data directories), measured two ways:
//   - produce: `strom perf produce` to a topic of replication factor 1 (acks=1) and to one of
//     replication factor 3 with min.insync.replicas=2 (acks=all), the same records, rounds
//     alternating so that drift on a shared machine falls on both alike (after a warm-up of
//     each): records/s, latency p50/p99, the brokers' CPU per million records and per MB of
//     record values (every thread, and their main threads alone), and the load generator's
//     CPU per MB (it shares the cores); the figure is the ratio of the medians, RF 3 to RF 1.
//   - failover: a librdkafka producer (Debian's python3-confluent-kafka: idempotent,
//     acks=all, client defaults otherwise) writes a record every 10 ms to one partition of a
//     topic of replication factor 3; KILLS times the bench finds the partition's leader,
//     kill -9s it, and measures the time from the kill to the first acknowledgement of a
//     record the producer handed over after the kill (so no acknowledgement from the dead
//     leader counts), and to the first Metadata (asked of the survivors every 20 ms) that
//     names another leader; then it starts the killed broker again and waits for the ISR to
//     be full. A fresh cluster per variant (FAILOVER_VARIANTS, default all): `defaults` (the
//     brokers' and the client's), `client-backoff` (the client's reconnect.backoff.max.ms at
//     1000, the Java client's default; librdkafka's is 10000), `lease-only` (the peer watch
//     off: a kill is noticed when the broker's lease expires, broker.session.timeout.ms),
//     `lease-only-2s` (the same with the shortest lease, 2 s). Before each kill the cluster
//     runs steadily for the client's reconnect.backoff.max.ms and a second more: librdkafka
//     doubles its reconnect backoff to a broker at every connection attempt, successful or
//     not, and starts again from reconnect.backoff.ms only after that long without one, so
//     kills seconds apart would measure that backoff's growth rather than a failover.
// BENCH_SCALE (default 1) shrinks or grows the records per round and the kills. Every wait is
// bounded. Writes bench/results/cluster.json unless --no-save. The other knobs (ONLY,
// PRODUCE_MODES, ROUNDS, RECORDS, ...) are read below; CPU_PROF_DIR and BROKER_NODE_ARGS run
// the brokers under a profiler, BENCH_RDKAFKA_DEBUG shows the client's own log.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from '../dist/client/cluster.js';
import { createTopics, listOffsets, LATEST } from '../dist/client/admin.js';
import { BROKER_CONFIGS } from '../dist/config/definitions.js';

const env = process.env;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The strom to run: this checkout's build, or (STROM_BIN) another's, to compare two builds. */
const STROM = env.STROM_BIN ?? join(ROOT, 'dist/bundle/strom.cjs');
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-confluent-kafka lives
const SCALE = Number(env.BENCH_SCALE ?? 1);
/** 'produce' or 'failover': that part alone. */
const ONLY = env.ONLY;
/** Measured rounds of each produce mode (after a warm-up round). */
const ROUNDS = Number(env.ROUNDS ?? 5);
const RECORDS = Math.max(10_000, Math.round(Number(env.RECORDS ?? 2_000_000) * SCALE));
const RECORD_SIZE = Number(env.RECORD_SIZE ?? 100);
const PARTITIONS = Number(env.PARTITIONS ?? 6);
/** `strom perf produce --producers`. */
const PRODUCERS = Number(env.PRODUCERS ?? 1);
/** More `strom perf produce` options, the same for every mode (e.g. `--max-in-flight 10`). */
const PERF_ARGS = (env.PERF_ARGS ?? '').split(' ').filter(Boolean);
/** The produce modes measured (rf1, rf3): one alone to profile it. */
const PRODUCE_MODES = (env.PRODUCE_MODES ?? 'rf1,rf3').split(',');
const KILLS = Math.max(2, Math.round(Number(env.KILLS ?? 20) * SCALE));
const DEFAULT_SESSION_TIMEOUT_MS = Number(BROKER_CONFIGS.find((d) => d.name === 'broker.session.timeout.ms').default);
/** The failover variants: the brokers' overrides and the producer's config, each on a fresh cluster. */
const FAILOVER_VARIANTS = {
  defaults: { brokers: {}, client: {} },
  'client-backoff': { brokers: {}, client: { 'reconnect.backoff.max.ms': 1000 } },
  'lease-only': { brokers: { 'broker.failure.probe.enable': 'false' }, client: {} },
  'lease-only-2s': { brokers: { 'broker.failure.probe.enable': 'false', 'broker.session.timeout.ms': '2000' }, client: {} },
};
const FAILOVER_RUNS = (env.FAILOVER_VARIANTS ?? Object.keys(FAILOVER_VARIANTS).join(',')).split(',').filter(Boolean);
for (const name of FAILOVER_RUNS) if (!FAILOVER_VARIANTS[name]) throw new Error(`FAILOVER_VARIANTS: no variant ${name} (${Object.keys(FAILOVER_VARIANTS).join(', ')})`);
/** librdkafka's reconnect.backoff.max.ms: its backoff to a broker resets only after this long without a connection attempt to it. */
const RDKAFKA_RECONNECT_BACKOFF_MAX_MS = 10_000;
const PRODUCE_INTERVAL_MS = 10;
/** Longest any one step may take: a failover, a restart, an ISR refill. */
const STEP_TIMEOUT_MS = 60_000;
/** Set: the brokers run with --cpu-prof, the profiles written here at their clean stop. */
const CPU_PROF_DIR = env.CPU_PROF_DIR;
/** More node flags for the brokers (e.g. --perf-basic-prof for Linux perf). */
const BROKER_NODE_ARGS = (env.BROKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** librdkafka's debug contexts (e.g. broker,topic,metadata), its log on this process's stderr: where a failover's time goes. */
const RDKAFKA_DEBUG = env.BENCH_RDKAFKA_DEBUG;
const save = !process.argv.includes('--no-save');

// ---- pure helpers ---------------------------------------------------------------------------

/** The nearest-rank percentile (p in 0..100) of xs. */
function percentile(xs, p) {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const median = (xs) => percentile(xs, 50);
const round3 = (x) => (x === null ? null : Number(x.toFixed(3)));
const round1 = (x) => (x === null ? null : Number(x.toFixed(1)));

// ---- processes --------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A child whose output is kept (the last lines) and always drained, so that a full pipe never stalls it. */
function spawnKept(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  child.lines = [];
  const keep = (d) => {
    for (const line of d.toString().split('\n')) if (line) child.lines.push(line);
    if (child.lines.length > 400) child.lines.splice(0, child.lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return child;
}

async function startEtcd(dir) {
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const etcd = spawnKept('etcd', [
    '--name', 'bench', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--log-level', 'error',
  ]);
  for (const deadline = Date.now() + 20_000; ;) {
    if (etcd.exitCode !== null) throw new Error(`etcd exited:\n${etcd.lines.join('\n')}`);
    try {
      const res = await fetch(`${endpoint}/health`);
      if (res.ok && (await res.json()).health === 'true') break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      etcd.kill('SIGKILL');
      throw new Error(`etcd did not start:\n${etcd.lines.join('\n')}`);
    }
    await sleep(50);
  }
  return { endpoint, process: etcd };
}

/** A broker process as users run it (`strom start`), on a fixed port and log dir so that it comes back where it was. */
async function startBroker(id, port, dir, etcdEndpoint, overrides) {
  const settings = {
    'node.id': String(id), listeners: `PLAINTEXT://127.0.0.1:${port}`, 'http.listeners': '', 'log.dirs': dir,
    'etcd.connect': etcdEndpoint, ...overrides,
  };
  const nodeArgs = [...(CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : []), ...BROKER_NODE_ARGS];
  const args = [...nodeArgs, STROM, 'start', ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawnKept(process.execPath, args, { env: { ...process.env, STROM_LOG_LEVEL: 'info' } });
  for (const deadline = Date.now() + STEP_TIMEOUT_MS; ;) {
    if (child.lines.some((l) => l.includes('listening on PLAINTEXT://'))) return child;
    if (child.exitCode !== null) throw new Error(`broker ${id} exited:\n${child.lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`broker ${id} did not start:\n${child.lines.join('\n')}`);
    await sleep(20);
  }
}

/** etcd and three brokers; `overrides` go to every broker. */
async function startCluster(overrides = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-cluster-bench-'));
  let etcd = null;
  const ports = [await freePort(), await freePort(), await freePort()];
  const launch = (id) => startBroker(id, ports[id - 1], join(dir, `broker-${id}`), etcd.endpoint, overrides);
  let brokers;
  try {
    etcd = await startEtcd(dir);
    const started = await Promise.allSettled([1, 2, 3].map(launch));
    brokers = started.map((s) => (s.status === 'fulfilled' ? s.value : null));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      // Nothing started is left behind.
      for (const b of brokers) b?.kill('SIGKILL');
      throw failed.reason;
    }
  } catch (e) {
    etcd?.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const cluster = {
    dir, etcd, brokers, ports,
    bootstrap: ports.map((p) => `127.0.0.1:${p}`).join(','),
    address: (id) => `127.0.0.1:${ports[id - 1]}`,
    kill(id) {
      const child = brokers[id - 1];
      brokers[id - 1] = null;
      child.kill('SIGKILL');
      return child.exited;
    },
    async restart(id) {
      brokers[id - 1] = await launch(id);
    },
    async stop() {
      await Promise.all(brokers.map(async (b) => {
        if (!b) return;
        b.kill('SIGTERM');
        const code = await Promise.race([b.exited, sleep(20_000).then(() => 'timeout')]);
        if (code === 'timeout') b.kill('SIGKILL');
      }));
      etcd.process.kill('SIGKILL');
      await etcd.process.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** utime + stime of a /proc/.../stat line, in seconds; cutime + cstime (waited-for children) with `children`. */
function statSeconds(path, children = false) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = children ? Number(fields[13]) + Number(fields[14]) : Number(fields[11]) + Number(fields[12]); // fields 14-17 of stat(5)
  return ticks / 100; // USER_HZ
}

/**
 * CPU seconds (user + system) the brokers have used so far, from /proc: every thread
 * (`total`), and their main threads alone (`main`: the event loop; the rest is the append
 * workers, the libuv pool, V8's GC and compiler threads).
 */
function cpuSeconds(children) {
  let total = 0;
  let main = 0;
  for (const c of children) {
    if (!c || c.exitCode !== null) continue;
    total += statSeconds(`/proc/${c.pid}/stat`);
    main += statSeconds(`/proc/${c.pid}/task/${c.pid}/stat`);
  }
  return { total, main };
}

/** CPU seconds of this process's children that have ended (the load generator's, once it exits). */
const reapedCpuSeconds = () => statSeconds('/proc/self/stat', true);

// ---- metadata -------------------------------------------------------------------------------

/** The partition's metadata as one of `addresses` answers it, or null (no answer, no topic). */
async function partitionMeta(addresses, topic, partition) {
  const client = new Cluster(addresses, { clientId: 'cluster-bench', requestTimeoutMs: 2000 });
  try {
    const md = await client.metadata([topic]);
    const p = md.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partition === partition);
    return p ? { ...p, controllerId: md.controllerId } : null;
  } catch {
    return null;
  } finally {
    client.close();
  }
}

async function waitFor(what, check, timeoutMs = STEP_TIMEOUT_MS, everyMs = 50) {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function waitFullIsr(cluster, topic, partitions) {
  await waitFor(`${topic}: every partition led with an ISR of 3`, async () => {
    for (let p = 0; p < partitions; p++) {
      const m = await partitionMeta(cluster.bootstrap, topic, p);
      if (!m || m.leader < 0 || m.isr.length !== 3) return false;
    }
    return true;
  }, STEP_TIMEOUT_MS, 100);
}

/**
 * Creates a topic and waits until every partition's leader serves it: Metadata names a
 * leader (from etcd) before that broker has taken the role, and a produce sent then gets
 * NOT_LEADER_OR_FOLLOWER; ListOffsets, served by leaders only, says when it has.
 */
async function createTopic(cluster, name, partitions, replicationFactor, configs = {}) {
  const client = new Cluster(cluster.bootstrap, { clientId: 'cluster-bench' });
  try {
    await createTopics(client, [{ name, partitions, replicationFactor, configs }]);
  } finally {
    client.close();
  }
  await waitFor(`${name}: every partition's leader serving it`, async () => {
    const c = new Cluster(cluster.bootstrap, { clientId: 'cluster-bench', requestTimeoutMs: 2000 });
    try {
      return (await listOffsets(c, name, LATEST)).length === partitions;
    } catch {
      return false;
    } finally {
      c.close();
    }
  }, STEP_TIMEOUT_MS, 50);
}

// ---- (a) produce throughput, RF 1 against RF 3 ------------------------------------------------

function perfProduce(cluster, topic, acks, records) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STROM, 'perf', 'produce', '--bootstrap-server', cluster.bootstrap, '--topic', topic,
      '--num-records', String(records), '--record-size', String(RECORD_SIZE), '--partitions', String(PARTITIONS), '--acks', acks,
      '--producers', String(PRODUCERS), '--json', '--quiet', '--max-duration-ms', '120000', ...PERF_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`perf produce exited with ${code}: ${stderr.slice(-2000)}`));
      }
    });
  });
}

const MODES = {
  rf1: { replicationFactor: 1, acks: '1', configs: {} },
  rf3: { replicationFactor: 3, acks: 'all', configs: { 'min.insync.replicas': '2' } },
};

async function produceRounds() {
  const cluster = await startCluster();
  const runs = { rf1: [], rf3: [] };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const order = round % 2 === 0 ? ['rf1', 'rf3'] : ['rf3', 'rf1'];
      for (const mode of order.filter((m) => PRODUCE_MODES.includes(m))) {
        const { replicationFactor, acks, configs } = MODES[mode];
        const topic = `produce-${mode}-${round}`;
        await createTopic(cluster, topic, PARTITIONS, replicationFactor, configs);
        if (replicationFactor === 3) await waitFullIsr(cluster, topic, PARTITIONS);
        const cpuBefore = cpuSeconds(cluster.brokers);
        const generatorBefore = reapedCpuSeconds();
        const r = await perfProduce(cluster, topic, acks, RECORDS);
        const cpuAfter = cpuSeconds(cluster.brokers);
        const generatorS = reapedCpuSeconds() - generatorBefore;
        const cpuS = cpuAfter.total - cpuBefore.total;
        const mb = (r.records * RECORD_SIZE) / 1e6;
        if (Object.keys(r.errors ?? {}).length > 0 || r.failures) throw new Error(`${mode}: ${JSON.stringify({ errors: r.errors, failures: r.failures })}`);
        const run = {
          records: r.records, records_per_sec: r.records_per_sec, mb_per_sec: r.mb_per_sec,
          latency_p50_ms: r.latency_ms.p50, latency_p99_ms: r.latency_ms.p99,
          brokers_cpu_s_per_million: round3(cpuS / (r.records / 1e6)),
          brokers_cpu_ms_per_mb: round1((1000 * cpuS) / mb), brokers_main_thread_cpu_ms_per_mb: round1((1000 * (cpuAfter.main - cpuBefore.main)) / mb),
          generator_cpu_ms_per_mb: round1((1000 * generatorS) / mb), load_average_1m: round3(loadavg()[0]),
        };
        console.error(`round ${round} ${mode}: ${JSON.stringify(run)}`);
        if (round > 0) runs[mode].push(run); // round 0 warms up (the JIT, the brokers' memory)
      }
    }
  } finally {
    await cluster.stop();
  }
  const med = (mode, key) => median(runs[mode].map((r) => r[key]));
  const summary = (mode) => ({
    records_per_sec: med(mode, 'records_per_sec'), latency_p50_ms: med(mode, 'latency_p50_ms'),
    latency_p99_ms: med(mode, 'latency_p99_ms'), brokers_cpu_s_per_million: med(mode, 'brokers_cpu_s_per_million'),
    brokers_cpu_ms_per_mb: med(mode, 'brokers_cpu_ms_per_mb'), brokers_main_thread_cpu_ms_per_mb: med(mode, 'brokers_main_thread_cpu_ms_per_mb'),
    generator_cpu_ms_per_mb: med(mode, 'generator_cpu_ms_per_mb'),
  });
  return {
    records: RECORDS, record_size: RECORD_SIZE, partitions: PARTITIONS, producers: PRODUCERS, rounds: ROUNDS,
    rf1: { replication_factor: 1, acks: 1, ...summary('rf1') },
    rf3: { replication_factor: 3, acks: 'all', min_insync_replicas: 2, ...summary('rf3') },
    ratio_rf3_to_rf1_records_per_sec: round3(med('rf3', 'records_per_sec') / med('rf1', 'records_per_sec')),
    ratio_rf3_to_rf1_brokers_cpu_per_mb: round3(med('rf3', 'brokers_cpu_ms_per_mb') / med('rf1', 'brokers_cpu_ms_per_mb')),
    runs,
  };
}

// ---- (b) failover ---------------------------------------------------------------------------

// A librdkafka producer: one record every interval to one partition; it prints
// "A <handed-over ms> <acknowledged ms> <offset>" per acknowledgement and "E <ms> <error>"
// per failed delivery (wall clock, the bench's clock too). Its config: argv[6], JSON, over
// the defaults. Ends when stdin closes or at the time limit.
const PRODUCER = `
import sys, time, threading, json
from confluent_kafka import Producer
bootstrap, topic, partition, interval_ms, limit_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
config = {'bootstrap.servers': bootstrap, 'acks': 'all', 'enable.idempotence': True}
config.update(json.loads(sys.argv[6]))
p = Producer(config)
out = []
def on_delivery(err, msg):
    now = time.time() * 1000
    if err: out.append('E %.1f %s' % (now, err.name()))
    else: out.append('A %s %.1f %d' % (msg.value().decode(), now, msg.offset()))
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
end = time.time() + limit_s
next_at = time.time()
while not stop.is_set() and time.time() < end:
    now = time.time()
    if now >= next_at:
        p.produce(topic, value=('%.1f' % (now * 1000)).encode(), partition=partition, on_delivery=on_delivery)
        next_at = max(next_at + interval_ms / 1000, now)
    p.poll(max(0, min(0.005, next_at - time.time())))
    if out:
        sys.stdout.write('\\n'.join(out) + '\\n')
        sys.stdout.flush()
        out.clear()
p.flush(30)
if out: sys.stdout.write('\\n'.join(out) + '\\n')
sys.stdout.write('END\\n')
`;

function startProducer(bootstrap, topic, partition, limitS, clientConfig) {
  const config = { ...clientConfig, ...(RDKAFKA_DEBUG ? { debug: RDKAFKA_DEBUG } : {}) };
  const child = spawn(PYTHON, ['-c', PRODUCER, bootstrap, topic, String(partition), String(PRODUCE_INTERVAL_MS), String(limitS), JSON.stringify(config)],
    { stdio: ['pipe', 'pipe', RDKAFKA_DEBUG ? 'inherit' : 'pipe'] });
  const producer = { child, acks: [], errors: [], stderr: '' };
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const [kind, a, b, c] = buffered.slice(0, nl).split(' ');
      buffered = buffered.slice(nl + 1);
      if (kind === 'A') producer.acks.push({ producedMs: Number(a), ackedMs: Number(b), offset: Number(c) });
      else if (kind === 'E') producer.errors.push({ atMs: Number(a), error: b });
    }
    // Only acknowledgements after the latest kill matter: keep the list short.
    if (producer.acks.length > 20_000) producer.acks.splice(0, 10_000);
  });
  child.stderr?.on('data', (d) => { producer.stderr = (producer.stderr + d).slice(-4000); });
  producer.exited = new Promise((resolve) => child.on('exit', resolve));
  return producer;
}

/** KILLS leader kills on a fresh cluster of the variant `name` (FAILOVER_VARIANTS). */
async function failoverRun(name) {
  const { brokers: brokerOverrides, client: clientConfig } = FAILOVER_VARIANTS[name];
  const sessionTimeoutMs = Number(brokerOverrides['broker.session.timeout.ms'] ?? DEFAULT_SESSION_TIMEOUT_MS);
  const label = `${name} (brokers ${JSON.stringify(brokerOverrides)}, client ${JSON.stringify(clientConfig)})`;
  const cluster = await startCluster(brokerOverrides);
  const topic = 'failover';
  const kills = [];
  let producer = null;
  let error = null;
  try {
    await createTopic(cluster, topic, 1, 3, { 'min.insync.replicas': '2' });
    await waitFullIsr(cluster, topic, 1);
    producer = startProducer(cluster.bootstrap, topic, 0, (KILLS * 3 * STEP_TIMEOUT_MS) / 1000, clientConfig);
    await waitFor('the first acknowledgement', () => producer.acks.length > 0 || producer.child.exitCode !== null);
    if (producer.acks.length === 0) throw new Error(`the producer ended: ${producer.stderr}`);
    let previous = null;
    for (let k = 0; k < KILLS; k++) {
      // Steady state first: the ISR full, records acknowledged.
      await waitFullIsr(cluster, topic, 1);
      await sleep((clientConfig['reconnect.backoff.max.ms'] ?? RDKAFKA_RECONNECT_BACKOFF_MAX_MS) + 1000);
      const before = await partitionMeta(cluster.bootstrap, topic, 0);
      const last = producer.acks.at(-1);
      if (!last || Date.now() - last.ackedMs > 1000) throw new Error(`no acknowledgement for ${Date.now() - (last?.ackedMs ?? 0)} ms before kill ${k + 1}`);
      const leader = before.leader;
      const survivors = [1, 2, 3].filter((id) => id !== leader).map((id) => cluster.address(id));
      const killMs = Date.now();
      await cluster.kill(leader);
      const meta = await waitFor('a new leader in metadata', async () => {
        const m = await partitionMeta(survivors, topic, 0);
        return m && m.leader > 0 && m.leader !== leader ? { ...m, atMs: Date.now() } : null;
      }, STEP_TIMEOUT_MS, 20);
      const ack = await waitFor('an acknowledgement of a record produced after the kill',
        () => producer.acks.find((a) => a.producedMs >= killMs) ?? (producer.child.exitCode !== null ? 'ended' : null));
      if (ack === 'ended') throw new Error(`the producer ended: ${producer.stderr}`);
      const restartMs = Date.now();
      await cluster.restart(leader);
      await waitFullIsr(cluster, topic, 1);
      const kill = {
        killed: leader, was_controller: before.controllerId === leader, new_leader: meta.leader,
        // The client's connection to a broker it saw die in the previous kill may still be in reconnect backoff.
        new_leader_killed_last: meta.leader === previous,
        to_new_leader_in_metadata_ms: meta.atMs - killMs, to_first_ack_ms: Math.round(ack.ackedMs - killMs),
        restart_to_full_isr_ms: Date.now() - restartMs,
      };
      previous = leader;
      kills.push(kill);
      console.error(`${label}, kill ${k + 1}/${KILLS}: ${JSON.stringify(kill)}`);
    }
  } catch (e) {
    error = e.message;
    console.error(`${label}: ${e.message}`);
  } finally {
    if (producer) {
      producer.child.stdin.end();
      await Promise.race([producer.exited, sleep(40_000)]);
      if (producer.child.exitCode === null) producer.child.kill('SIGKILL');
    }
    await cluster.stop();
  }
  const summary = (xs) => (xs.length ? { p50: percentile(xs, 50), max: Math.max(...xs), min: Math.min(...xs) } : null);
  const ttlS = Math.max(1, Math.ceil(sessionTimeoutMs / 1000));
  return {
    variant: name, broker_overrides: brokerOverrides,
    broker_session_timeout_ms: sessionTimeoutMs, peer_watch: brokerOverrides['broker.failure.probe.enable'] !== 'false',
    etcd_lease_ttl_s: ttlS, lease_keepalive_every_ms: Math.round((ttlS * 1000) / 3),
    client_config: clientConfig,
    kills: kills.length,
    to_first_ack_ms: summary(kills.map((k) => k.to_first_ack_ms)),
    to_new_leader_in_metadata_ms: summary(kills.map((k) => k.to_new_leader_in_metadata_ms)),
    first_ack_after_metadata_ms: summary(kills.map((k) => k.to_first_ack_ms - k.to_new_leader_in_metadata_ms)),
    controller_kills: kills.filter((k) => k.was_controller).length,
    delivery_errors: producer ? producer.errors.length : 0,
    ...(error ? { error } : {}),
    runs: kills,
  };
}

// ---- main -----------------------------------------------------------------------------------

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, load_average_1m_at_start: round3(loadavg()[0]) },
  scale: SCALE,
};
if (ONLY !== 'failover') result.produce = await produceRounds();
if (ONLY !== 'produce') {
  result.failover = {
    producer: 'librdkafka 2.0.2 (python3-confluent-kafka): acks=all, enable.idempotence=true, defaults otherwise unless client_config says',
    produce_interval_ms: PRODUCE_INTERVAL_MS,
    runs: [],
  };
  for (const name of FAILOVER_RUNS) result.failover.runs.push(await failoverRun(name));
}
console.log(JSON.stringify(result, null, 2));
if (save) {
  const file = join(ROOT, 'bench/results/cluster.json');
  mkdirSync(dirname(file), { recursive: true });
  // One part run alone (ONLY) keeps the other part of the file's earlier run, with its date.
  let earlier = {};
  try { earlier = JSON.parse(readFileSync(file, 'utf8')); } catch { /* none yet */ }
  if (ONLY === 'produce' && earlier.failover) Object.assign(result, { failover: earlier.failover, failover_date: earlier.failover_date ?? earlier.date });
  if (ONLY === 'failover' && earlier.produce) Object.assign(result, { produce: earlier.produce, produce_date: earlier.produce_date ?? earlier.date });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
}
