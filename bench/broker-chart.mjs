// An SVG of bench/results/broker.json: records/s over time per scenario (Strom solid, the
// TCP sink dashed), and latency percentiles over time (p50, p99, p99.9) of Strom's runs.
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function panel(x0, y0, w, h, title, series, yLabel) {
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]));
  const maxY = Math.max(1, ...all.map((p) => p[1])) * 1.1;
  const sx = (x) => x0 + 50 + (x / maxX) * (w - 60);
  const sy = (y) => y0 + h - 25 - (y / maxY) * (h - 50);
  let svg = `<text x="${x0 + 50}" y="${y0 + 15}" font-size="13" font-weight="bold">${title}</text>`;
  svg += `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(maxX)}" y2="${sy(0)}" stroke="#999"/><line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(0)}" y2="${sy(maxY / 1.1)}" stroke="#999"/>`;
  for (let i = 0; i <= 4; i++) {
    const v = (maxY / 1.1) * (i / 4);
    svg += `<text x="${x0 + 45}" y="${sy(v) + 4}" font-size="10" text-anchor="end">${v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(0) + 'k' : v.toFixed(1)}</text>`;
  }
  svg += `<text x="${sx(maxX)}" y="${sy(0) + 18}" font-size="10" text-anchor="end">seconds</text><text x="${x0 + 50}" y="${y0 + 28}" font-size="10">${yLabel}</text>`;
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const pts = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    svg += `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" ${s.dash ? 'stroke-dasharray="5,3"' : ''} points="${pts}"/>`;
    svg += `<text x="${x0 + w - 5}" y="${y0 + 30 + i * 12}" font-size="10" text-anchor="end" fill="${s.color}">${s.label}</text>`;
  });
  return svg;
}

/** Intervals with latencies in them (an e2e warm-up's intervals have none: not zeros). */
const measured = (samples) => samples.filter((s) => s.latency_ms.max > 0);

export function renderChart(results) {
  const names = Object.keys(results.scenarios);
  const tput = [];
  const lat = [];
  names.forEach((name, i) => {
    const row = results.scenarios[name];
    const color = COLORS[i % COLORS.length];
    for (const target of ['strom', 'sink']) {
      const r = row[target];
      if (!r?.samples) continue;
      tput.push({ label: `${name} ${target}`, color, dash: target === 'sink', points: r.samples.map((s) => [s.t_sec, s.records_per_sec]) });
    }
    if (row.strom?.samples) {
      lat.push({ label: `${name} p99`, color, points: measured(row.strom.samples).map((s) => [s.t_sec, s.latency_ms.p99]) });
    }
  });
  const e2e = Object.values(results.scenarios).find((r) => r.strom?.latency_is?.startsWith('end to end'));
  const e2eSeries = e2e ? [['p50', '#2ca02c'], ['p99', '#ff7f0e'], ['p999', '#d62728']].map(([k, color]) => ({ label: `e2e ${k}`, color, points: measured(e2e.strom.samples).map((s) => [s.t_sec, s.latency_ms[k]]) })) : [];
  const W = 900;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="760" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14">Strom load harness, ${results.date.slice(0, 10)}, ${results.machine.cpus} cores, Node ${results.machine.node} (solid: Strom, dashed: TCP sink)</text>
<g>${panel(0, 25, W, 260, 'records/s over time, per scenario', tput, 'records/s')}</g>
<g>${panel(0, 285, W, 240, 'Strom: p99 latency per report interval (produce: send to ack; consume: per fetch)', lat, 'ms')}</g>
<g>${panel(0, 525, W, 230, 'Strom: end-to-end latency percentiles per interval (50,000 msg/s of 1 KiB)', e2eSeries, 'ms')}</g>
</svg>
`;
}
