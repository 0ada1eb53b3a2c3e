#!/usr/bin/env node
// Captures KIP-714 PushTelemetry payloads exactly as a real client sends them, for the unit
// tests of the OTLP decoding (test/unit/telemetry/). Starts a broker in this process (dist/,
// so `npm run build` first) with every metric subscribed and a 1 s push interval, runs a
// librdkafka 2.12 producer and a group consumer (node-rdkafka, test/clients: install it with
// `sh test/clients/install.sh`), and writes the first metrics payload each pushes, as sent
// (compressed with the codec it chose), to test/unit/telemetry/fixtures/, listed in
// manifest.json with its client, codec and librdkafka version.
//   node tools/capture-telemetry.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../dist/broker/broker.js';
import { BrokerConfig } from '../dist/config/config.js';
import { CODEC_NAMES } from '../dist/compression/codecs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'test/unit/telemetry/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'strom-capture-'));
const quiet = { info() {}, warn: console.warn, error: console.error, debug() {} };
const broker = await Broker.start(new BrokerConfig({
  listeners: 'PLAINTEXT://127.0.0.1:0', 'http.listeners': '', 'log.dirs': dir, 'strom.append.workers': '1',
  'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1',
  'strom.telemetry.metrics': '*', 'strom.telemetry.push.interval.ms': '1000',
}), quiet);
const bootstrap = `127.0.0.1:${broker.listeners[0].port}`;

// The store's push, wrapped: the first non-empty payload of each client id is kept.
const captured = new Map();
const telemetry = broker.context.telemetry;
const push = telemetry.push.bind(telemetry);
telemetry.push = async (request, identity) => {
  const code = await push(request, identity);
  if (code === 0 && request.metrics.length > 0 && !request.terminating && !captured.has(identity.clientId)) {
    captured.set(identity.clientId, { request: { ...request, metrics: Buffer.from(request.metrics) }, identity });
  }
  return code;
};

const clients = [
  ['rdkafka-producer.cjs', { config: { 'bootstrap.servers': bootstrap, 'client.id': 'capture-producer' } }],
  ['rdkafka-consumer.cjs', { config: { 'bootstrap.servers': bootstrap, 'client.id': 'capture-consumer', 'group.id': 'capture' }, topics: ['capture'] }],
].map(([script, args]) => spawn(process.execPath, [join(root, 'test/clients', script), JSON.stringify(args)], { stdio: ['pipe', 'inherit', 'inherit'] }));
// Records for the consumer to fetch and the producer's latencies to measure.
const produce = setInterval(() => clients[0].stdin.write(`${JSON.stringify({ produce: { topic: 'capture', records: [{ key: 'k', value: 'v' }] } })}\n`), 200);

const deadline = Date.now() + 30_000;
while (captured.size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
clearInterval(produce);
const exited = clients.map((c) => new Promise((resolve) => c.on('exit', resolve)));
for (const c of clients) c.stdin.write('close\n');
await Promise.all(exited);
await broker.stop();
rmSync(dir, { recursive: true, force: true });
if (captured.size < 2) throw new Error(`captured pushes of ${[...captured.keys()].join(', ') || 'no client'} only`);

mkdirSync(out, { recursive: true });
const fixtures = [];
for (const [clientId, { request, identity }] of captured) {
  const role = clientId.replace('capture-', '');
  const file = `librdkafka-${identity.softwareVersion}-${role}.${CODEC_NAMES[request.compressionType]}.bin`;
  writeFileSync(join(out, file), request.metrics);
  fixtures.push({ file, client: `${identity.softwareName} ${identity.softwareVersion} (node-rdkafka)`, role, compressionType: request.compressionType });
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ capturedWith: 'tools/capture-telemetry.mjs', subscription: '*', fixtures }, null, 2)}\n`);
console.log(`wrote ${fixtures.map((f) => f.file).join(', ')}`);
