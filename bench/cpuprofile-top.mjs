// Self time per function of a V8 .cpuprofile (node --cpu-prof), largest first.
export function topSelfTime(profile, limit = 20) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ticks = new Map();
  const dt = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) ticks.set(profile.samples[i], (ticks.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...ticks.values()].reduce((a, b) => a + b, 0) || 1;
  const byName = new Map();
  for (const [id, t] of ticks) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'}|${(f.url || '').split('/').pop()}:${f.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + t);
  }
  return [...byName].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, t]) => {
    const [name, where] = k.split('|');
    return { name, where, percent: (100 * t) / total };
  });
}
