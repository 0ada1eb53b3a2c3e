// SVG line charts for bench/results/scale.json: panels of series over a linear or a log x
// axis, written by hand (a few dozen lines; no chart library to load at bench time).
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const fmt = (v) => (v >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : v >= 1e4 ? `${Math.round(v / 1e3)}k` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : v >= 10 ? String(Math.round(v)) : String(+v.toFixed(2)));
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * One panel at (x0, y0) of w × h: `series` is [{ label, points: [[x, y], ...], dash? }];
 * `logX` spaces x by its logarithm (partition and connection counts); `target` draws a
 * horizontal line (an issue's target) labelled.
 */
export function panel({ x0, y0, w, h, title, series, xLabel, yLabel, logX = false, target = null }) {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  const xs = all.map((p) => p[0]);
  const minX = logX ? Math.log10(Math.max(1, Math.min(...xs, 1))) : 0;
  const maxX = logX ? Math.log10(Math.max(10, ...xs)) : Math.max(1, ...xs);
  const maxY = Math.max(1e-9, ...all.map((p) => p[1]), target?.value ?? 0) * 1.1;
  const left = x0 + 55;
  const right = x0 + w - 10;
  const sx = (x) => left + (((logX ? Math.log10(Math.max(1, x)) : x) - minX) / Math.max(1e-9, maxX - minX)) * (right - left);
  const sy = (y) => y0 + h - 28 - (y / maxY) * (h - 56);
  let svg = `<text x="${left}" y="${y0 + 15}" font-size="13" font-weight="bold">${esc(title)}</text>`;
  svg += `<line x1="${left}" y1="${sy(0)}" x2="${right}" y2="${sy(0)}" stroke="#999"/><line x1="${left}" y1="${sy(0)}" x2="${left}" y2="${sy(maxY / 1.1)}" stroke="#999"/>`;
  for (let i = 0; i <= 4; i++) {
    const v = (maxY / 1.1) * (i / 4);
    svg += `<text x="${left - 5}" y="${sy(v) + 4}" font-size="10" text-anchor="end">${fmt(v)}</text>`;
  }
  const ticks = logX ? [...new Set(xs)].sort((a, b) => a - b) : [0, maxX / 4, maxX / 2, (3 * maxX) / 4, maxX];
  for (const t of ticks) svg += `<text x="${sx(t)}" y="${sy(0) + 13}" font-size="10" text-anchor="middle">${fmt(t)}</text>`;
  svg += `<text x="${right}" y="${sy(0) + 25}" font-size="10" text-anchor="end">${esc(xLabel)}</text><text x="${left}" y="${y0 + 28}" font-size="10">${esc(yLabel)}</text>`;
  if (target) {
    svg += `<line x1="${left}" y1="${sy(target.value)}" x2="${right}" y2="${sy(target.value)}" stroke="#d62728" stroke-dasharray="2,3"/>`;
    svg += `<text x="${left + 4}" y="${sy(target.value) - 3}" font-size="10" fill="#d62728">${esc(target.label)}</text>`;
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) return;
    const color = s.color ?? COLORS[i % COLORS.length];
    svg += `<polyline fill="none" stroke="${color}" stroke-width="1.8" ${s.dash ? 'stroke-dasharray="5,3"' : ''} points="${pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>`;
    for (const p of pts) svg += `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${color}"/>`;
    svg += `<text x="${right}" y="${y0 + 30 + i * 12}" font-size="10" text-anchor="end" fill="${color}">${esc(s.label)}</text>`;
  });
  return svg;
}

/** Panels in a grid of `columns`, each w × h, under a title line. */
export function figure(title, panels, { columns = 2, w = 460, h = 250 } = {}) {
  const rows = Math.ceil(panels.length / columns);
  const body = panels.map((p, i) => panel({ ...p, x0: (i % columns) * w, y0: 24 + Math.floor(i / columns) * h, w, h })).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * w}" height="${24 + rows * h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="17" font-size="14">${esc(title)}</text>
${body}
</svg>
`;
}
