// The charts of bench/results/scale.json, one SVG per scenario (written beside it).
import { figure } from './chart.mjs';

const ok = (points) => points.filter((p) => !p.error);

export function partitionsChart(r, title) {
  const pts = ok(r.points);
  const by = (f) => pts.map((p) => [p.partitions, f(p)]);
  return figure(`${title}: one broker, one topic of N partitions`, [
    { title: 'start until answering (ms)', xLabel: 'partitions', yLabel: 'ms', logX: true, target: { value: 2000, label: 'target at 10,000: 2 s' },
      series: [{ label: 'empty partitions', points: by((p) => p.start_empty_ms) }, { label: 'with ~1 GiB over them', points: by((p) => p.start_data_ms) }] },
    { title: 'broker RSS (MB)', xLabel: 'partitions', yLabel: 'MB', logX: true, target: { value: 500, label: 'target at 10,000: 500 MB' },
      series: [{ label: 'idle after creation', points: by((p) => p.idle_rss_mb) }, { label: 'idle after restart with data', points: by((p) => p.start_data_rss_mb) }] },
    { title: 'produce and consume, 100 B records (records/s)', xLabel: 'partitions', yLabel: 'records/s', logX: true,
      series: [{ label: 'produce (16 KiB batches, 2 producers)', points: by((p) => p.produce?.records_per_sec) }, { label: 'consume (1 consumer)', points: by((p) => p.consume?.records_per_sec) }] },
    { title: 'Metadata for all topics, and topic creation (ms)', xLabel: 'partitions', yLabel: 'ms', logX: true,
      series: [{ label: 'Metadata (median of 5)', points: by((p) => p.metadata_ms) }, { label: 'CreateTopics / 10', points: by((p) => p.create_ms / 10) }] },
  ]);
}

export function connectionsChart(r, title) {
  const line = (producing, f) => r.points.filter((p) => (p.producing > 0) === producing).map((p) => [p.connections, f(p)]);
  return figure(`${title}: client connections to one broker`, [
    { title: 'broker RSS (MB)', xLabel: 'connections', yLabel: 'MB', logX: true,
      series: [{ label: 'all idle', points: line(false, (p) => p.rss_mb) }, { label: 'up to 1,000 producing 1 rec/s each', points: line(true, (p) => p.rss_mb) }] },
    { title: 'p99 of a separate e2e probe, 2,000 msg/s (ms)', xLabel: 'connections', yLabel: 'ms', logX: true,
      series: [{ label: 'all idle', points: line(false, (p) => p.probe.p99_ms) }, { label: 'up to 1,000 producing', points: line(true, (p) => p.probe.p99_ms) },
        { label: 'no other connections', dash: true, points: r.points.map((p) => [p.connections, r.baseline.probe.p99_ms]) }] },
  ]);
}

export function latencyChart(r, title) {
  const pts = [...r.points].sort((a, b) => a.rate - b.rate);
  const line = (k) => pts.map((p) => [p.rate, p.latency_ms[k]]);
  return figure(`${title}: end-to-end latency against the rate, ${r.partitions} partitions, 1 KiB (max produce ${r.max_rate} msg/s)`, [
    { title: 'e2e latency (ms) by rate (msg/s)', xLabel: 'msg/s', yLabel: 'ms', target: { value: 5, label: 'p99 target at 50,000 msg/s: 5 ms' },
      series: [{ label: 'p50', points: line('p50') }, { label: 'p99', points: line('p99') }, { label: 'p99.9', points: line('p999') }] },
    { title: 'produce acks (ms) by rate (msg/s)', xLabel: 'msg/s', yLabel: 'ms',
      series: [{ label: 'p50', points: pts.map((p) => [p.rate, p.produce_latency_ms.p50]) }, { label: 'p99', points: pts.map((p) => [p.rate, p.produce_latency_ms.p99]) }] },
  ], { columns: 2, w: 520 });
}

export function soakChart(r, title) {
  const t = (f) => r.samples.map((s) => [s.t_min, f(s)]);
  return figure(`${title}: ${r.minutes} minutes at ${r.rate} msg/s with a consumer group and retention`, [
    { title: 'broker RSS (MB)', xLabel: 'minutes', yLabel: 'MB', series: [{ label: 'RSS', points: t((s) => s.rss_mb) }] },
    { title: 'event loop delay p99 (ms)', xLabel: 'minutes', yLabel: 'ms', series: [{ label: 'p99', points: t((s) => s.event_loop_p99_ms) }] },
    { title: 'produce p99 per interval (ms)', xLabel: 'minutes', yLabel: 'ms', series: [{ label: 'p99', points: r.latency.map((s) => [s.t_min, s.p99_ms]) }] },
    { title: 'open files, and core memory in use (MB)', xLabel: 'minutes', yLabel: '', series: [{ label: 'open files', points: t((s) => s.fds) }, { label: 'core memory MB', points: t((s) => s.core_memory_mb) }] },
  ]);
}
