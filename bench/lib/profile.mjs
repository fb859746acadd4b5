// Summaries of V8 CPU profiles (`node --cpu-prof`), for `--profile` runs: self time by function and by package.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function packageOf(url) {
  if (!url) return '(native/v8)';
  if (url.startsWith('node:')) return 'node core';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/dist/src/')) return `app: ${url.split('/dist/src/')[1].split('/')[0]}`;
  if (url.includes('/bench/')) return 'bench';
  return url.replace(/^file:\/\//, '');
}

/** Top frames by self time of every .cpuprofile in `dir`. */
export function summariseProfiles(dir, top = 30) {
  const out = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const counts = new Map();
    for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
    // shares of the busy time: (idle) samples are the process waiting (on PostgreSQL, here)
    let idle = 0;
    for (const [id, c] of counts) if (byId.get(id).callFrame.functionName === '(idle)') idle += c;
    const total = Math.max(1, p.samples.length - idle);
    for (const [id, c] of counts) {
      const n = byId.get(id);
      if (n.callFrame.functionName === '(idle)') continue;
      const key = `${n.callFrame.functionName || '(anonymous)'} ${packageOf(n.callFrame.url)}${n.callFrame.url && !n.callFrame.url.includes('node_modules') ? `:${n.callFrame.lineNumber + 1}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + c);
    }
    const byPackage = new Map();
    for (const [id, c] of counts) {
      if (byId.get(id).callFrame.functionName === '(idle)') continue;
      const pkg = packageOf(byId.get(id).callFrame.url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + c);
    }
    const pct = (c) => Math.round((c / total) * 1000) / 10;
    out.push({
      file: f,
      samples: p.samples.length,
      idlePct: Math.round((idle / p.samples.length) * 1000) / 10,
      durationMs: Math.round((p.endTime - p.startTime) / 1000),
      topFunctions: [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, c]) => ({ frame: k, selfPct: pct(c) })),
      byPackage: [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, c]) => ({ package: k, selfPct: pct(c) })),
    });
  }
  return out;
}
