// A librdkafka consumer (node-rdkafka) for the integration tests, run as a child process:
//   node rdkafka-consumer.cjs '<json: { config, topics }>'
// It prints one JSON object per line: {"event":"ready"}, {"event":"assigned"|"revoked",
// "partitions":[...], "assignment":[...]} after each change, {"event":"message", ...} per
// record, {"event":"committed"}, {"event":"error"}. Commands on stdin, one per line: "commit"
// (commit what was consumed, synchronously), "close" (leave the group and exit).
'use strict';
const Kafka = require('node-rdkafka');

const { config, topics } = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const names = (list) => list.map((p) => `${p.topic}:${p.partition}`).sort();
let assignment = [];

const consumer = new Kafka.KafkaConsumer({
  ...config,
  'enable.auto.commit': false,
  rebalance_cb(err, partitions) {
    const cooperative = this.rebalanceProtocol() === 'COOPERATIVE';
    if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      if (cooperative) this.incrementalAssign(partitions); else this.assign(partitions);
      assignment = cooperative ? [...assignment, ...names(partitions)].sort() : names(partitions);
      out({ event: 'assigned', partitions: names(partitions), assignment, protocol: this.rebalanceProtocol() });
    } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
      if (cooperative) this.incrementalUnassign(partitions); else this.unassign();
      const gone = new Set(names(partitions));
      assignment = cooperative ? assignment.filter((p) => !gone.has(p)) : [];
      out({ event: 'revoked', partitions: names(partitions), assignment, protocol: this.rebalanceProtocol() });
    } else out({ event: 'error', where: 'rebalance', message: String(err) });
  },
}, { 'auto.offset.reset': 'earliest' });

consumer.on('event.log', (l) => process.stderr.write(`${l.fac} ${l.message}\n`));
consumer.on('event.error', (e) => out({ event: 'error', message: String(e) }));
consumer.on('ready', () => {
  consumer.subscribe(topics);
  consumer.consume();
  out({ event: 'ready' });
});
consumer.on('data', (m) => out({ event: 'message', topic: m.topic, partition: m.partition, offset: m.offset, value: m.value ? m.value.toString() : null }));
consumer.connect();

let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const command = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (command === 'commit') {
      try {
        consumer.commitSync();
        out({ event: 'committed' });
      } catch (e) {
        out({ event: 'error', where: 'commit', message: String(e) });
      }
    } else if (command === 'close') {
      consumer.disconnect(() => { out({ event: 'closed' }); process.exit(0); });
    }
  }
});
process.stdin.on('end', () => consumer.disconnect(() => process.exit(0)));
