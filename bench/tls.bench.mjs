#!/usr/bin/env node
// `npm run bench:tls`: what TLS costs. One broker with a PLAINTEXT and an SSL listener side by
// side (a throw-away EC P-256 certificate made with openssl), and `strom perf produce` then
// `strom perf consume` of the same load through each, alternating which goes first, in one
// run. Both ends are Node (node:tls): the figures include the client's encryption as well as
// the broker's. Beside them, each round, the ceiling of Node's sockets here: 256 MiB from a
// net server and from a node:tls server (the same certificate) to a client in one child
// process, 512 KiB writes, each chunk read copied once, as the perf client copies TLS's
// chunks. Every scenario is bounded (records and --max-duration-ms). Writes
// bench/results/tls.json. BENCH_SCALE (default 1) scales the record counts, BENCH_ROUNDS
// (default 3) the pairs.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';

const STROM = 'dist/bundle/strom.cjs';
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RECORDS = Math.max(1000, Math.round(500_000 * SCALE));
const RECORD_BYTES = 1024;

const dir = mkdtempSync(join(tmpdir(), 'strom-bench-tls-'));
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

// A CA and a broker certificate for 127.0.0.1 signed by it: only for this run, deleted after.
openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'ca.key');
openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=bench CA', '-days', '1', '-out', 'ca.pem');
openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'server.key');
openssl('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr');
writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'server.pem', '-extfile', 'server.ext');
writeFileSync(join(dir, 'keystore.pem'), readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'));
const clientConfig = { PLAINTEXT: join(dir, 'plaintext.properties'), SSL: join(dir, 'ssl.properties') };
writeFileSync(clientConfig.PLAINTEXT, 'security.protocol=PLAINTEXT\n');
writeFileSync(clientConfig.SSL, `security.protocol=SSL\nssl.truststore.location=${join(dir, 'ca.pem')}\n`);

function startBroker() {
  mkdirSync(join(dir, 'data'));
  const args = [STROM, 'start',
    '--override', 'listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', '--override', `ssl.keystore.location=${join(dir, 'keystore.pem')}`,
    '--override', `log.dirs=${join(dir, 'data')}`, '--override', 'log.segment.delete.delay.ms=0', '--override', 'http.listeners='];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`broker did not start:\n${output}`)); }, 20_000);
    const on = (d) => {
      output += d;
      const m = /listening on PLAINTEXT:\/\/[^:]+:(\d+), SSL:\/\/[^:]+:(\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve({ child, ports: { PLAINTEXT: Number(m[1]), SSL: Number(m[2]) } }); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Runs `strom perf …` and returns its JSON line. */
function perf(args) {
  const r = spawnSync(process.execPath, [STROM, 'perf', ...args, '--json', '--quiet', '--max-duration-ms', '50000'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try { return JSON.parse(line); } catch { throw new Error(`strom perf ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`); }
}

// One connection, both ends in one child process: MB/s over net and over node:tls.
const CEILING_SCRIPT = `
import tls from 'node:tls'; import net from 'node:net'; import { readFileSync } from 'node:fs';
const [keystore, ca] = process.argv.slice(1); const pem = readFileSync(keystore, 'utf8');
const TOTAL = 256 << 20; const piece = Buffer.alloc(512 << 10, 7); const into = Buffer.allocUnsafe(64 << 20);
async function run(secure) {
  const serve = (s) => { let sent = 0; const pump = () => { while (sent < TOTAL) { sent += piece.length; if (!s.write(piece)) return s.once('drain', pump); } s.end(); }; pump(); };
  const server = secure ? tls.createServer({ key: pem, cert: pem }, serve) : net.createServer(serve);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const t = performance.now(); let got = 0; let at = 0;
  await new Promise((resolve) => {
    const c = secure ? tls.connect({ port: server.address().port, host: '127.0.0.1', ca: readFileSync(ca) }) : net.connect(server.address().port, '127.0.0.1');
    c.on('data', (d) => { got += d.length; if (at + d.length > into.length) at = 0; d.copy(into, at); at += d.length; });
    c.on('end', resolve);
  });
  server.close();
  return +(got / 2 ** 20 / ((performance.now() - t) / 1000)).toFixed(1);
}
console.log(JSON.stringify({ PLAINTEXT: await run(false), SSL: await run(true) }));
`;
function socketCeiling() {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CEILING_SCRIPT, join(dir, 'keystore.pem'), join(dir, 'ca.pem')], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`socket ceiling probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

const produceArgs = (topic) => ['produce', '--topic', topic, '--num-records', String(RECORDS), '--record-size', String(RECORD_BYTES), '--partitions', '6', '--acks', '1', '--batch-bytes', '262144', '--max-in-flight', '5'];
const consumeArgs = (topic) => ['consume', '--topic', topic, '--messages', String(RECORDS), '--from-beginning', '--fetch-size', String(8 << 20), '--timeout', '3000'];
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, openssl: process.versions.openssl },
  records: RECORDS, record_bytes: RECORD_BYTES,
  commands: {
    produce: `strom perf ${produceArgs('<topic>').join(' ')} --bootstrap-server <listener> --command-config <ssl.properties>`,
    consume: `strom perf ${consumeArgs('<topic>').join(' ')} --bootstrap-server <listener> --consumer.config <ssl.properties>`,
  },
  rounds: [],
};
const { child, ports } = await startBroker();
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which listener goes first, so neither always meets a warmer machine.
    const order = round % 2 === 0 ? ['PLAINTEXT', 'SSL'] : ['SSL', 'PLAINTEXT'];
    const ceiling = socketCeiling();
    results.rounds.push({ round, listener: 'node-sockets', ceiling_mb_per_sec: ceiling, loadavg: loadavg()[0] });
    process.stdout.write(`round ${round} Node sockets, one connection: net ${ceiling.PLAINTEXT} MB/s, node:tls ${ceiling.SSL} MB/s (load average ${loadavg()[0].toFixed(1)})\n`);
    for (const listener of order) {
      const topic = `tls-bench-${listener.toLowerCase()}-${round}`;
      const bootstrap = `127.0.0.1:${ports[listener]}`;
      const produced = perf([...produceArgs(topic), '--bootstrap-server', bootstrap, '--command-config', clientConfig[listener]]);
      const consumed = perf([...consumeArgs(topic), '--bootstrap-server', bootstrap, '--consumer.config', clientConfig[listener]]);
      results.rounds.push({ round, listener, produce: produced, consume: consumed });
      process.stdout.write(`round ${round} ${listener.padEnd(9)} produce ${String(produced.mb_per_sec).padStart(8)} MB/s (p99 ${produced.latency_ms.p99} ms)   consume ${String(consumed.mb_per_sec).padStart(8)} MB/s  ${Object.keys(produced.errors).length ? JSON.stringify(produced.errors) : ''}\n`);
      spawnSync(process.execPath, [STROM, 'topics', '--bootstrap-server', `127.0.0.1:${ports.PLAINTEXT}`, '--delete', '--topic', topic], { encoding: 'utf8', timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
} finally {
  await stop(child);
  rmSync(dir, { recursive: true, force: true });
}

const of = (listener, kind) => results.rounds.filter((r) => r.listener === listener).map((r) => r[kind].mb_per_sec);
results.median_mb_per_sec = {};
for (const listener of ['PLAINTEXT', 'SSL']) results.median_mb_per_sec[listener] = { produce: median(of(listener, 'produce')), consume: median(of(listener, 'consume')) };
const ceilings = results.rounds.filter((r) => r.listener === 'node-sockets').map((r) => r.ceiling_mb_per_sec);
results.median_socket_ceiling_mb_per_sec = { PLAINTEXT: median(ceilings.map((c) => c.PLAINTEXT)), SSL: median(ceilings.map((c) => c.SSL)) };
results.ssl_over_plaintext = {
  produce: +(results.median_mb_per_sec.SSL.produce / results.median_mb_per_sec.PLAINTEXT.produce).toFixed(3),
  consume: +(results.median_mb_per_sec.SSL.consume / results.median_mb_per_sec.PLAINTEXT.consume).toFixed(3),
  node_sockets: +(results.median_socket_ceiling_mb_per_sec.SSL / results.median_socket_ceiling_mb_per_sec.PLAINTEXT).toFixed(3),
};
process.stdout.write(`\nmedian of ${ROUNDS}: PLAINTEXT produce ${results.median_mb_per_sec.PLAINTEXT.produce} / consume ${results.median_mb_per_sec.PLAINTEXT.consume} MB/s; SSL produce ${results.median_mb_per_sec.SSL.produce} / consume ${results.median_mb_per_sec.SSL.consume} MB/s; SSL / PLAINTEXT produce ${results.ssl_over_plaintext.produce}, consume ${results.ssl_over_plaintext.consume}; Node sockets net ${results.median_socket_ceiling_mb_per_sec.PLAINTEXT} / node:tls ${results.median_socket_ceiling_mb_per_sec.SSL} MB/s (${results.ssl_over_plaintext.node_sockets})\n`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/tls.json', `${JSON.stringify(results, null, 2)}\n`);
