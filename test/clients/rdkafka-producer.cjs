// A librdkafka producer (node-rdkafka) for the integration tests, run as a child process:
//   node rdkafka-producer.cjs '<json: { config }>'
// It prints one JSON object per line: {"event":"ready"}, {"event":"delivery","index":n,
// "error":null|message,"offset":...} per record (node-rdkafka hands a failed delivery's message
// text to JS, lower-cased, not its code), {"event":"flushed"},
// {"event":"closed"}, {"event":"error"}. Commands on stdin, one JSON object per line:
// {"produce":{"topic":...,"records":[{"key":...|null,"value":...,"partition":n}]}} produces the
// records (index = position in the list, counted over all produce commands) and flushes;
// "close" disconnects (a KIP-714 client sends its terminating telemetry push then) and exits.
'use strict';
const Kafka = require('node-rdkafka');

const { config } = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
let sent = 0;

const producer = new Kafka.Producer({ ...config, dr_cb: true });
producer.on('event.log', (l) => process.stderr.write(`${l.fac} ${l.message}\n`));
producer.on('event.error', (e) => out({ event: 'error', message: String(e) }));
producer.on('delivery-report', (err, report) => out({
  event: 'delivery', index: report.opaque, error: err ? err.message : null, offset: report.offset,
}));
producer.on('ready', () => out({ event: 'ready' }));
producer.setPollInterval(50);
producer.connect();

function produce({ topic, records }) {
  for (const r of records) {
    producer.produce(topic, r.partition ?? -1, r.value === null ? null : Buffer.from(r.value), r.key ?? null, Date.now(), sent++);
  }
  producer.flush(30_000, (err) => out(err ? { event: 'error', where: 'flush', message: String(err) } : { event: 'flushed' }));
}

let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (line === 'close') producer.disconnect(() => { out({ event: 'closed' }); process.exit(0); });
    else if (line.startsWith('{')) {
      try {
        produce(JSON.parse(line).produce);
      } catch (e) {
        out({ event: 'error', where: 'produce', message: String(e) });
      }
    }
  }
});
process.stdin.on('end', () => producer.disconnect(() => process.exit(0)));
