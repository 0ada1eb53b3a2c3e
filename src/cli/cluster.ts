// `strom cluster`: a development cluster on one machine, the three-broker walk-through of
// Kafka's tutorials without the ZooKeeper: `up` starts an etcd (Debian's `etcd`) and N brokers
// on loopback ports (9092, 9093, ...), each with its own log directory and log file under
// --dir, waits until every broker is registered, prints how to connect, and stays in the
// foreground until Ctrl-C (or `strom cluster down`), which stops the brokers and then etcd;
// `--detach` returns at once instead. `status` lists the processes, `stop <id>` and
// `start <id>` take one broker down (gracefully, or with --kill as kill -9 does) and back.
// The data stays in --dir: `up` again brings back the same cluster, topics and records.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { Cluster } from '../client/cluster.js';
import {
  alive, ensureDir, launch, portFree, readState, removeState, tail, terminate, waitForEtcd, writeState,
  type BrokerRecord, type ClusterState, type ProcessRecord,
} from './dev-cluster.js';
import { action, collect, examples, intOption, out, table, UsageError } from './common.js';

interface UpFlags {
  brokers: string;
  dir: string;
  port: string;
  httpPort: string;
  http: boolean;
  etcdPort: string;
  etcdPeerPort: string;
  etcd?: string;
  override: string[];
  detach?: boolean;
  timeoutMs: string;
}

const DEFAULT_DIR = 'strom-cluster';

/** A path as the user would type it: relative when under the working directory. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? path : r;
}
/** The supervisor's own command line names this word (what `alive` checks for it). */
const SUPERVISOR_MARKER = 'cluster';

export function clusterCommand(): Command {
  const cmd = new Command('cluster').description('a development cluster on this machine: etcd and N brokers on loopback ports');
  cmd.command('up')
    .description('start etcd and the brokers, wait until they are one cluster, and stay in the foreground (Ctrl-C stops them all)')
    .option('--brokers <n>', 'how many brokers (node ids 1..n)', '3')
    .option('--dir <path>', 'where etcd\'s data, each broker\'s log directory and the log files go', DEFAULT_DIR)
    .option('--port <port>', 'broker 1\'s Kafka port; broker n listens on port + n - 1', '9092')
    .option('--http-port <port>', 'broker 1\'s HTTP gateway port; broker n\'s is http-port + n - 1', '8082')
    .option('--no-http', 'no HTTP gateway on the brokers')
    .option('--etcd-port <port>', 'the etcd client port', '2379')
    .option('--etcd-peer-port <port>', 'the etcd peer port', '2380')
    .option('--etcd <url>', 'use this etcd (e.g. http://127.0.0.1:2379) instead of starting one')
    .option('--override <key=value>', 'a broker config for every broker, as strom start takes it (repeatable)', collect, [] as string[])
    .option('-d, --detach', 'return once the cluster is up, leaving it running (stop it with strom cluster down)')
    .option('--timeout-ms <ms>', 'how long the cluster has to come up', '60000')
    .addHelpText('after', examples([
      'strom cluster up                                  # etcd on 2379, brokers on 127.0.0.1:9092, 9093, 9094',
      'strom cluster up --brokers 5 --dir /tmp/five --override min.insync.replicas=2',
      'strom cluster up --detach && strom cluster status && strom cluster down',
    ]))
    .action(action(up));
  cmd.command('down')
    .description('stop the cluster started from --dir: the brokers (cleanly), then etcd')
    .option('--dir <path>', 'the cluster\'s directory', DEFAULT_DIR)
    .action(action(async (flags: { dir: string }) => down(resolve(flags.dir))));
  cmd.command('status')
    .description('the cluster\'s processes: what runs, its pid, address and log')
    .option('--dir <path>', 'the cluster\'s directory', DEFAULT_DIR)
    .action(action(async (flags: { dir: string }) => status(resolve(flags.dir))));
  cmd.command('stop')
    .description('stop one broker (its partitions get other leaders)')
    .argument('<id>', 'the broker\'s node id')
    .option('--dir <path>', 'the cluster\'s directory', DEFAULT_DIR)
    .option('--kill', 'SIGKILL, as kill -9: no clean shutdown, the cluster notices when its session times out')
    .action(action(async (id: string, flags: { dir: string; kill?: boolean }) => stopBroker(resolve(flags.dir), intOption(id, 'the broker id', 1), !!flags.kill)));
  cmd.command('start')
    .description('start one broker of the cluster again (after stop, or a kill)')
    .argument('<id>', 'the broker\'s node id')
    .option('--dir <path>', 'the cluster\'s directory', DEFAULT_DIR)
    .action(action(async (id: string, flags: { dir: string }) => startBroker(resolve(flags.dir), intOption(id, 'the broker id', 1))));
  return cmd;
}

/** The state of a cluster that runs from `dir`; a usage error when none does. */
function running(dir: string): ClusterState {
  const state = readState(dir);
  if (!state) throw new UsageError(`no cluster runs from ${dir} (start one with strom cluster up --dir ${shown(dir)})`);
  return state;
}

function brokerCommand(dir: string, b: { id: number; port: number; httpPort: number | null }, etcdEndpoint: string, overrides: string[]): string[] {
  const settings = [
    `node.id=${b.id}`, `listeners=PLAINTEXT://127.0.0.1:${b.port}`, `log.dirs=${join(dir, `broker-${b.id}`)}`,
    `etcd.connect=${etcdEndpoint}`, `http.listeners=${b.httpPort === null ? '' : `http://127.0.0.1:${b.httpPort}`}`, ...overrides,
  ];
  // The strom this command runs as (the bundle's launcher, or the sources under tsx).
  return [process.execPath, ...process.execArgv, process.argv[1], 'start', ...settings.flatMap((s) => ['--override', s])];
}

async function up(flags: UpFlags): Promise<void> {
  const dir = resolve(flags.dir);
  const count = intOption(flags.brokers, '--brokers', 1);
  const port = intOption(flags.port, '--port', 1);
  const httpPort = intOption(flags.httpPort, '--http-port', 1);
  const etcdPort = intOption(flags.etcdPort, '--etcd-port', 1);
  const etcdPeerPort = intOption(flags.etcdPeerPort, '--etcd-peer-port', 1);
  const timeoutMs = intOption(flags.timeoutMs, '--timeout-ms', 1);
  for (const o of flags.override) if (!/^[\w.-]+=/.test(o)) throw new UsageError(`--override takes key=value, not ${JSON.stringify(o)}`);
  const previous = readState(dir);
  if (previous && (alive(previous.supervisor, SUPERVISOR_MARKER) || previous.brokers.some((b) => alive(b.pid, dir)) || alive(previous.etcd?.pid, dir))) {
    throw new UsageError(`a cluster already runs from ${dir}: see strom cluster status --dir ${shown(dir)}, or stop it with strom cluster down --dir ${shown(dir)}`);
  }
  const brokers = Array.from({ length: count }, (_, i) => ({ id: i + 1, port: port + i, httpPort: flags.http ? httpPort + i : null }));
  const ports: [number, string][] = [
    ...brokers.map((b): [number, string] => [b.port, `broker ${b.id}'s Kafka port (--port)`]),
    ...brokers.filter((b) => b.httpPort !== null).map((b): [number, string] => [b.httpPort!, `broker ${b.id}'s HTTP port (--http-port, or --no-http)`]),
    ...(flags.etcd ? [] : [[etcdPort, 'etcd\'s client port (--etcd-port)'], [etcdPeerPort, 'etcd\'s peer port (--etcd-peer-port)']] as [number, string][]),
  ];
  for (const [p, what] of ports) if (!(await portFree(p))) throw new UsageError(`port ${p}, ${what}, is in use`);
  ensureDir(join(dir, 'logs'));

  const state: ClusterState = { supervisor: flags.detach ? null : process.pid, etcdEndpoint: flags.etcd ?? `http://127.0.0.1:${etcdPort}`, etcd: null, brokers: [] };
  const stopAll = () => stopCluster(dir, state);
  try {
    if (!flags.etcd) {
      const endpoint = state.etcdEndpoint;
      const peer = `http://127.0.0.1:${etcdPeerPort}`;
      state.etcd = launch(['etcd', '--name', 'strom', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `strom=${peer}`], join(dir, 'logs', 'etcd.log'));
      writeState(dir, state);
      if (!state.etcd.pid) throw new UsageError('etcd could not be started: is it installed? (Debian: apt-get install etcd-server), or give --etcd http://host:port');
    }
    await waitForEtcd(state.etcdEndpoint, state.etcd?.pid ?? 0, dir, Math.min(timeoutMs, 20_000)).catch((e) => {
      throw new UsageError(`${(e as Error).message}${state.etcd ? `; its log (${state.etcd.log}):\n${tail(state.etcd.log)}` : ''}`);
    });
    for (const b of brokers) {
      const log = join(dir, 'logs', `broker-${b.id}.log`);
      state.brokers.push({ ...b, ...launch(brokerCommand(dir, b, state.etcdEndpoint, flags.override), log, { ...process.env, STROM_LOG_LEVEL: process.env.STROM_LOG_LEVEL ?? 'info' }) });
    }
    writeState(dir, state);
    await waitForBrokers(dir, state, timeoutMs);
  } catch (e) {
    await stopAll();
    throw e;
  }
  printUp(dir, state, !!flags.detach);
  if (flags.detach) return;
  await supervise(dir, state, stopAll);
}

/** Until every broker is registered (Metadata from broker 1 lists them all); a broker that exits fails the start with its log. */
async function waitForBrokers(dir: string, state: ClusterState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = new Cluster(state.brokers.map((b) => `127.0.0.1:${b.port}`), { connectTimeoutMs: 1000, requestTimeoutMs: 2000 });
  try {
    for (;;) {
      for (const b of state.brokers) {
        if (!alive(b.pid, dir)) throw new UsageError(`broker ${b.id} exited while starting; its log (${b.log}):\n${tail(b.log)}`);
      }
      try {
        if ((await client.metadata([])).brokers.length === state.brokers.length) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new UsageError(`the brokers did not all join within ${timeoutMs} ms; see their logs in ${join(dir, 'logs')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

function printUp(dir: string, state: ClusterState, detached: boolean): void {
  const rel = shown;
  const bootstrap = state.brokers.map((b) => `127.0.0.1:${b.port}`).join(',');
  out(`Strom cluster up: ${state.brokers.length} broker${state.brokers.length === 1 ? '' : 's'}, etcd at ${state.etcdEndpoint}, data in ${rel(dir)}`);
  out(table(['PROCESS', 'PID', 'ADDRESS', 'HTTP', 'LOG'], [
    ...state.brokers.map((b) => [`broker ${b.id}`, b.pid, `127.0.0.1:${b.port}`, b.httpPort === null ? null : `http://127.0.0.1:${b.httpPort}`, rel(b.log)]),
    ...(state.etcd ? [['etcd', state.etcd.pid, state.etcdEndpoint, null, rel(state.etcd.log)]] : []),
  ]).trimEnd());
  out(`Connect with --bootstrap-server ${bootstrap}, e.g.`);
  out(`  strom topics --bootstrap-server ${bootstrap} --create --topic test --partitions 3 --replication-factor ${Math.min(3, state.brokers.length)}`);
  const dirFlag = rel(dir) === DEFAULT_DIR ? '' : ` --dir ${rel(dir)}`;
  out(`Stop one broker with strom cluster stop <id>${dirFlag} (--kill for kill -9), start it again with strom cluster start <id>${dirFlag}.`);
  out(detached ? `Stop the cluster with strom cluster down${dirFlag}.` : `Stop the cluster with Ctrl-C, or strom cluster down${dirFlag}.`);
}

/** In the foreground: reports brokers that exit or come back, and stops everything on SIGINT/SIGTERM. */
async function supervise(dir: string, state: ClusterState, stopAll: () => Promise<void>): Promise<void> {
  let stopping = false;
  await new Promise<void>((done) => {
    const seen = new Map(state.brokers.map((b) => [b.id, b.pid]));
    const timer = setInterval(() => {
      const now = readState(dir);
      if (!now || stopping) return;
      for (const b of now.brokers) {
        const up = alive(b.pid, dir);
        if (!up && seen.get(b.id) !== 0) out(`broker ${b.id} (pid ${b.pid}) is not running; start it again with strom cluster start ${b.id}`);
        if (up && seen.get(b.id) !== b.pid) out(`broker ${b.id} runs again (pid ${b.pid})`);
        seen.set(b.id, up ? b.pid : 0);
      }
    }, 1000);
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      out(`${signal}: stopping the brokers, then etcd`);
      stopAll().then(done, (e) => {
        process.stderr.write(`strom: stopping the cluster failed: ${(e as Error).message}\n`);
        done();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  out('Strom cluster stopped.');
}

/** Stops the brokers (all at once, each cleanly), then etcd, and forgets the cluster's processes. */
async function stopCluster(dir: string, fallback: ClusterState): Promise<void> {
  const state = readState(dir) ?? fallback;
  await Promise.all(state.brokers.map((b) => terminate(b.pid, dir)));
  if (state.etcd) await terminate(state.etcd.pid, dir);
  removeState(dir);
}

async function down(dir: string): Promise<void> {
  const state = running(dir);
  if (alive(state.supervisor, SUPERVISOR_MARKER)) {
    // The foreground `up` stops everything itself; wait for it to finish.
    await terminate(state.supervisor!, SUPERVISOR_MARKER, 120_000);
  }
  await stopCluster(dir, state);
  out('Strom cluster stopped.');
}

function status(dir: string): void {
  const state = running(dir);
  const rel = shown;
  const rows: (string | number | null)[][] = state.brokers.map((b) => [`broker ${b.id}`, alive(b.pid, dir) ? 'running' : 'stopped', b.pid, `127.0.0.1:${b.port}`, rel(b.log)]);
  if (state.etcd) rows.push(['etcd', alive(state.etcd.pid, dir) ? 'running' : 'stopped', state.etcd.pid, state.etcdEndpoint, rel(state.etcd.log)]);
  else rows.push(['etcd', 'external', null, state.etcdEndpoint, null]);
  out(table(['PROCESS', 'STATE', 'PID', 'ADDRESS', 'LOG'], rows).trimEnd());
}

function brokerOf(state: ClusterState, id: number): BrokerRecord {
  const b = state.brokers.find((x) => x.id === id);
  if (!b) throw new UsageError(`the cluster has no broker ${id} (its brokers: ${state.brokers.map((x) => x.id).join(', ')})`);
  return b;
}

async function stopBroker(dir: string, id: number, kill: boolean): Promise<void> {
  const b = brokerOf(running(dir), id);
  if (!alive(b.pid, dir)) return out(`broker ${id} is not running`);
  await terminate(b.pid, dir, kill ? 0 : undefined, kill ? 'SIGKILL' : 'SIGTERM');
  out(`broker ${id} (pid ${b.pid}) ${kill ? 'killed' : 'stopped'}`);
}

async function startBroker(dir: string, id: number): Promise<void> {
  const state = running(dir);
  const b = brokerOf(state, id);
  if (alive(b.pid, dir)) return out(`broker ${id} already runs (pid ${b.pid})`);
  if (!(await portFree(b.port))) throw new UsageError(`port ${b.port} of broker ${id} is in use`);
  const started: ProcessRecord = launch(b.command, b.log);
  const fresh = readState(dir) ?? state;
  writeState(dir, { ...fresh, brokers: fresh.brokers.map((x) => (x.id === id ? { ...x, pid: started.pid } : x)) });
  const client = new Cluster(`127.0.0.1:${b.port}`, { connectTimeoutMs: 1000, requestTimeoutMs: 2000 });
  try {
    for (const deadline = Date.now() + 60_000; ;) {
      if (!alive(started.pid, dir)) throw new UsageError(`broker ${id} exited while starting; its log (${b.log}):\n${tail(b.log)}`);
      try {
        if ((await client.metadata([])).brokers.some((x) => x.nodeId === id)) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new UsageError(`broker ${id} did not join within 60 s; see ${b.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
  out(`broker ${id} started (pid ${started.pid})`);
}
