// Peers, in the same run and on the same machine, 100-byte records: Redis Streams (Debian's
// redis-server, AOF with appendfsync everysec, `redis-benchmark` XADD pipelined 64 deep, 1 and
// 8 clients), NATS JetStream (Debian's nats-server, file storage, one publisher pipelining
// 1,000 publishes and waiting for every ack), librdkafka's mock cluster (bench/peers/
// mock-cluster.c over librdkafka-dev) and Strom, both driven by kcat (librdkafka) producing a
// file of lines, and by Strom's harness (`strom perf produce`, one producer; 256 KiB batches
// for the ratio to Redis, whose benchmark pipelines 64 commands a round trip, and 16 KiB).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { startBroker, stopBroker, perf, sleep, freePort } from './proc.mjs';

const MOCK_SOURCE = fileURLToPath(new URL('../peers/mock-cluster.c', import.meta.url));
const VALUE = 'x'.repeat(100);

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A server process on `port`; resolves once the port takes connections. */
async function serve(cmd, args, port) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'inherit'] });
  for (let i = 0; i < 600; i++) {
    const up = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
    });
    if (up) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${cmd} did not listen on ${port}`);
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

function redisBenchmark(port, records, clients) {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-n', String(records), '-c', String(clients), '-P', '64', '--csv', 'XADD', 'bench', '*', 'v', VALUE],
    { encoding: 'utf8', timeout: 300_000 });
  const line = r.stdout.trim().split('\n').pop();
  const rps = Number(line.split('","')[1]?.replace(/"/g, ''));
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark: ${r.stdout} ${r.stderr}`);
  return Math.round(rps);
}

/**
 * A JetStream publisher speaking NATS' text protocol: creates a file-stored stream, then
 * publishes `records` messages with a reply subject, keeping `window` unacknowledged; the
 * rate counts acknowledged messages.
 */
function natsPublish(port, records, window = 1000) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const payload = Buffer.from(VALUE);
    const pub = Buffer.concat([Buffer.from(`PUB bench _INBOX.acks ${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
    let buffered = Buffer.alloc(0);
    let created = false;
    let sent = 0;
    let acked = 0;
    let t0 = 0;
    const pump = () => {
      let chunk = [];
      while (sent < records && sent - acked < window) { chunk.push(pub); sent++; }
      if (chunk.length) socket.write(Buffer.concat(chunk));
    };
    socket.once('connect', () => {
      const config = JSON.stringify({ name: 'BENCH', subjects: ['bench'], storage: 'file' });
      socket.write(`CONNECT {"verbose":false,"pedantic":false,"headers":false}\r\nSUB _INBOX.acks 1\r\nSUB _INBOX.create 2\r\nPUB $JS.API.STREAM.CREATE.BENCH _INBOX.create ${Buffer.byteLength(config)}\r\n${config}\r\n`);
    });
    socket.on('data', (data) => {
      buffered = buffered.length ? Buffer.concat([buffered, data]) : data;
      for (;;) {
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) break;
        const line = buffered.toString('latin1', 0, eol);
        if (line.startsWith('MSG ')) {
          const parts = line.split(' ');
          const size = Number(parts[parts.length - 1]);
          if (buffered.length < eol + 2 + size + 2) break;
          const body = buffered.toString('utf8', eol + 2, eol + 2 + size);
          buffered = buffered.subarray(eol + 2 + size + 2);
          if (parts[1] === '_INBOX.create') {
            if (body.includes('"error"')) return reject(new Error(`JetStream stream create: ${body}`));
            created = true;
            t0 = performance.now();
            pump();
          } else if (body.includes('"error"')) {
            return reject(new Error(`JetStream publish: ${body}`));
          } else {
            acked++;
            if (acked === records) {
              const sec = (performance.now() - t0) / 1000;
              socket.destroy();
              return resolve(Math.round(records / sec));
            }
            if (created) pump();
          }
          continue;
        }
        buffered = buffered.subarray(eol + 2);
        if (line === 'PING') socket.write('PONG\r\n');
        else if (line.startsWith('-ERR')) return reject(new Error(`nats: ${line}`));
      }
    });
    socket.once('error', reject);
  });
}

/** kcat producing the lines of `file` (as bench:broker's independent check), timed from outside. */
function kcatProduce(bootstrap, file, records) {
  const t = performance.now();
  const r = spawnSync('kcat', ['-b', bootstrap, '-t', 'kcat-peer', '-P', '-l', '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000',
    '-X', 'queue.buffering.max.messages=1000000', file], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`kcat: ${r.stderr}`);
  return Math.round(records / ((performance.now() - t) / 1000));
}

function harness(bootstrap, records, batchBytes) {
  return perf(['produce', '--bootstrap-server', bootstrap, '--topic', `harness-peer-${Math.random().toString(36).slice(2, 8)}`, '--num-records', String(records),
    '--record-size', '100', '--partitions', '1', '--batch-bytes', String(batchBytes), '--acks', '1']).records_per_sec;
}

export async function runPeers({ scale, step }) {
  const records = Math.max(500_000, Math.round(2_000_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'strom-scale-peers-'));
  const rows = [];
  const add = (what, recordsPerSec, note) => rows.push({ what, records_per_sec: recordsPerSec ?? null, ...(note ? { note } : {}) });
  const file = join(dir, 'lines.txt');
  writeFileSync(file, `${'x'.repeat(99)}\n`.repeat(records));
  try {
    step('peers: Strom');
    const broker = await startBroker(join(dir, 'strom'));
    try {
      add('Strom, strom perf produce (1 producer, 256 KiB batches)', harness(broker.bootstrap, records, 256 << 10));
      add('Strom, strom perf produce (1 producer, 16 KiB batches)', harness(broker.bootstrap, records, 16 << 10));
      add('Strom, kcat -P (librdkafka, 1 partition)', kcatProduce(broker.bootstrap, file, records));
    } finally {
      await stopBroker(broker);
    }
    if (have('redis-server') && have('redis-benchmark')) {
      step('peers: Redis Streams');
      const port = await freePort();
      const redisDir = join(dir, 'redis');
      spawnSync('mkdir', ['-p', redisDir]);
      const redis = await serve('redis-server', ['--port', String(port), '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--bind', '127.0.0.1'], port);
      try {
        add('Redis Streams XADD, AOF everysec, 1 client, pipeline 64', redisBenchmark(port, records, 1));
        add('Redis Streams XADD, AOF everysec, 8 clients, pipeline 64', redisBenchmark(port, records, 8));
      } finally {
        await stopChild(redis);
      }
    } else add('Redis Streams', null, 'redis-server or redis-benchmark not installed');
    if (have('nats-server')) {
      step('peers: NATS JetStream');
      const port = await freePort();
      const nats = await serve('nats-server', ['-js', '-sd', join(dir, 'nats'), '-p', String(port), '-a', '127.0.0.1'], port);
      try {
        add('NATS JetStream, file storage, 1 publisher, 1,000 unacknowledged', await natsPublish(port, records));
      } finally {
        await stopChild(nats);
      }
    } else add('NATS JetStream', null, 'nats-server not installed');
    const mockBinary = join(dir, 'mock-cluster');
    if (have('cc') && spawnSync('cc', ['-O2', '-o', mockBinary, MOCK_SOURCE, '-lrdkafka']).status === 0) {
      step('peers: librdkafka mock cluster');
      const mock = spawn(mockBinary, [], { stdio: ['pipe', 'pipe', 'ignore'] });
      try {
        const bootstrap = await new Promise((resolve) => createInterface({ input: mock.stdout }).once('line', resolve));
        add('librdkafka mock cluster, kcat -P', kcatProduce(bootstrap, file, records));
        try {
          add('librdkafka mock cluster, strom perf produce', harness(bootstrap, records, 16 << 10));
        } catch (e) {
          // librdkafka 2.0's mock answers some requests in layouts Strom's client does not read.
          add('librdkafka mock cluster, strom perf produce', null, `failed: ${String(e.message).split('\n').find((l) => l.startsWith('strom:')) ?? e.message}`);
        }
      } finally {
        mock.stdin.end();
        await stopChild(mock);
      }
    } else add('librdkafka mock cluster', null, 'cc or librdkafka-dev not available');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = (prefix) => rows.find((r) => r.what.startsWith(prefix))?.records_per_sec;
  const ratio = (a, b) => (a && b ? +(a / b).toFixed(2) : undefined);
  const strom = rate('Strom, strom perf produce (1 producer, 256');
  return {
    records, record_bytes: 100, rows,
    strom_to_redis_1: ratio(strom, rate('Redis Streams XADD, AOF everysec, 1 client')),
    strom_to_redis_8: ratio(strom, rate('Redis Streams XADD, AOF everysec, 8 clients')),
    strom_to_nats: ratio(strom, rate('NATS JetStream')),
    strom_to_mock_harness: ratio(rate('Strom, strom perf produce (1 producer, 16'), rate('librdkafka mock cluster, strom perf')),
    strom_kcat_to_mock_kcat: ratio(rate('Strom, kcat'), rate('librdkafka mock cluster, kcat')),
  };
}
