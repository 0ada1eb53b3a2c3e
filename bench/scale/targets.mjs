// The summary of a bench:scale run: each scenario's headline figures beside the issue's
// targets, and whether they are met (the table printed at the end, and BENCHMARKS.md's).
const ms = (v) => (v === undefined || v === null ? '-' : `${v} ms`);
const n = (v) => (v === undefined || v === null ? '-' : Math.round(v).toLocaleString('en-US'));

export function targets(scenarios, chosen) {
  const rows = [];
  const add = (scenario, measure, result, target, met) => rows.push({ scenario, measure, result, target, met });
  const p = chosen.includes('partitions') && scenarios.partitions;
  if (p?.error) add('partitions', 'failed', p.error.split('\n')[0]);
  else if (p) {
    for (const pt of p.points) {
      if (pt.error) { add('partitions', `${n(pt.partitions)} partitions`, `failed: ${pt.error.split('\n')[0]}`); continue; }
      add('partitions', `${n(pt.partitions)}: start empty / with data`, `${ms(pt.start_empty_ms)} / ${ms(pt.start_data_ms)}`,
        pt.partitions === 10_000 ? '≤ 2,000 ms' : undefined, pt.partitions === 10_000 ? Math.max(pt.start_empty_ms, pt.start_data_ms) <= 2000 : undefined);
      add('partitions', `${n(pt.partitions)}: idle RSS; produce / consume rec/s`, `${pt.idle_rss_mb} MB; ${n(pt.produce?.records_per_sec)} / ${n(pt.consume?.records_per_sec)}`,
        pt.partitions === 10_000 ? '≤ 500 MB' : undefined, pt.partitions === 10_000 ? Math.max(pt.idle_rss_mb, pt.start_data_rss_mb) <= 500 : undefined);
    }
    const base = p.points.find((pt) => pt.partitions === 8 && !pt.error);
    const k = p.points.find((pt) => pt.partitions === 1_000 && !pt.error);
    if (base && k) {
      const ratio = k.produce.records_per_sec / base.produce.records_per_sec;
      add('partitions', 'produce over 1,000 / over 8 partitions', ratio.toFixed(2), '≥ 0.5', ratio >= 0.5);
    }
  }
  const c = chosen.includes('connections') && scenarios.connections;
  if (c?.error) add('connections', 'failed', c.error.split('\n')[0]);
  else if (c) {
    for (const pt of c.points) {
      const idle = pt.producing === 0;
      const cost = ((pt.rss_per_connection_kb * pt.connections) / 1024).toFixed(0);
      add('connections', `${n(pt.connections)}${idle ? ' idle' : `, ${n(pt.producing)} producing`}: RSS added; files each; probe p99`,
        `${cost} MB (${pt.rss_per_connection_kb} KB each); ${pt.fds_per_connection}; ${ms(pt.probe.p99_ms)}`,
        idle && pt.connections === 10_000 ? '≤ 200 MB' : undefined, idle && pt.connections === 10_000 ? Number(cost) <= 200 : undefined);
    }
  }
  const g = chosen.includes('groups') && scenarios.groups;
  if (g?.error) add('groups', 'failed', g.error.split('\n')[0]);
  else if (g) {
    add('groups', `${n(g.groups)} groups × ${g.members_per_group}: all members assigned`, `${ms(g.all_stable_ms)} (${g.joined} joined, ${g.failed} failed); CPU ${g.broker_cpu_sec_join} s`);
    add('groups', 'offset commits per second', n(g.commits_per_sec), '≥ 50,000/s', g.commits_per_sec >= 50_000);
  }
  const l = chosen.includes('latency') && scenarios.latency;
  if (l?.error) add('latency', 'failed', l.error.split('\n')[0]);
  else if (l) {
    add('latency', 'max produce, 16 partitions, 1 KiB', `${n(l.max_rate)} msg/s`);
    for (const pt of l.points) {
      const { p50, p99, p999 } = pt.latency_ms;
      add('latency', `e2e at ${n(pt.rate)} msg/s${pt.target ? '' : ` (${pt.fraction * 100} %)`}: p50 / p99 / p99.9`, `${p50} / ${p99} / ${p999} ms`,
        pt.target ? 'p99 ≤ 5, p99.9 ≤ 10 ms' : undefined, pt.target ? p99 <= 5 && p999 <= 10 : undefined);
    }
  }
  const s = chosen.includes('soak') && scenarios.soak;
  if (s?.error) add('soak', 'failed', s.error.split('\n')[0]);
  else if (s) {
    add('soak', `${s.minutes} min at ${n(s.rate)} msg/s: RSS, p99 spread after warm-up`, `${s.rss_spread_pct} %, ${s.p99_spread_pct} %`, '±10 %', Math.abs(s.rss_spread_pct) <= 10 && Math.abs(s.p99_spread_pct) <= 10);
    add('soak', 'open files, core memory: first → last', `${s.fds_first} → ${s.fds_last}; ${s.core_memory_first_mb} → ${s.core_memory_last_mb} MB`, 'no growth', s.fds_last <= s.fds_first + 5 && s.core_memory_last_mb <= s.core_memory_first_mb * 1.1 + 1);
  }
  const pe = chosen.includes('peers') && scenarios.peers;
  if (pe?.error) add('peers', 'failed', pe.error.split('\n')[0]);
  else if (pe) {
    for (const row of pe.rows) add('peers', row.what, row.records_per_sec ? `${n(row.records_per_sec)} rec/s` : row.note ?? '-');
    if (pe.strom_to_redis_1 !== undefined) add('peers', 'Strom / Redis everysec, one producer', `${pe.strom_to_redis_1} ×`, '≥ 10 ×', pe.strom_to_redis_1 >= 10);
  }
  return rows;
}
