// The result: headline `summary` under stable keys, gates (performance.md §4) with verdicts, checks, and the Markdown
// summary (printed and written beside the JSON).
import { median, round } from './metrics.mjs';

const SCENARIOS = ['list', 'get', 'create', 'attempt', 'mixed'];
const LEVELS = ['L0', 'L1', 'L1-noaudit', 'L2', 'L3'];

/** Median over rounds of a metric of (level, scenario). */
export function pick(records, level, scenario, get) {
  const xs = records.filter((r) => r.level === level && r.scenario === scenario).map(get).filter((x) => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? median(xs) : null;
}
const cap = (records, level, scenario) => pick(records, level, scenario, (r) => r.capacity?.rps);
const p99 = (records, level, scenario) => pick(records, level, scenario, (r) => (r.fixedRate?.valid !== undefined ? r.fixedRate.latencyMs?.p99 : null));
const cvOf = (records, level, scenario) => pick(records, level, scenario, (r) => r.capacity?.cv) ?? 0;
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, 3) : null);
const tax = (withAudit, without) => (typeof withAudit === 'number' && typeof without === 'number' && without > 0 ? round(1 - withAudit / without, 3) : null);
const meanOf = (xs) => {
  const v = xs.filter((x) => typeof x === 'number');
  return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, 3) : null;
};

/** The exports the gates read: the app's own (L3) when they ran and downloaded, else L1's bench-research ones. */
export function gateExports(research) {
  const l3 = research?.l3?.exports ?? [];
  return l3.some((e) => e.download) ? { level: 'L3', exports: l3 } : { level: 'L1', exports: research?.exports ?? [] };
}

export function summarise({ records, research, dataset, machine, levelsNote }) {
  const r = records;
  const { level: exportLevel, exports } = gateExports(research);
  const biggest = [...exports].sort((a, b) => (b.persons ?? 0) - (a.persons ?? 0))[0];
  const lastValid = (xs) => xs.filter((x) => typeof x === 'number');
  const maxOf = (xs) => (lastValid(xs).length ? Math.max(...lastValid(xs)) : null);
  return {
    listVsL1: ratio(cap(r, 'L3', 'list'), cap(r, 'L1', 'list')),
    getVsL1: ratio(cap(r, 'L3', 'get'), cap(r, 'L1', 'get')),
    createReferralVsL1: ratio(cap(r, 'L3', 'create'), cap(r, 'L1', 'create')),
    recordAttemptVsL1: ratio(cap(r, 'L3', 'attempt'), cap(r, 'L1', 'attempt')),
    auditTaxRead: meanOf([tax(cap(r, 'L1', 'list'), cap(r, 'L1-noaudit', 'list')), tax(cap(r, 'L1', 'get'), cap(r, 'L1-noaudit', 'get'))]),
    auditTaxWrite: meanOf([tax(cap(r, 'L1', 'create'), cap(r, 'L1-noaudit', 'create')), tax(cap(r, 'L1', 'attempt'), cap(r, 'L1-noaudit', 'attempt'))]),
    statsP50Ms: research?.statsLive?.countingP50Ms ?? null,
    statsRollupP95Ms: research?.statsRollup?.latencyMs?.p95 ?? null,
    exportRowsPerSec: biggest?.download?.rowsPerSec ?? null,
    exportVsPsql: biggest?.download?.vsPsql ?? null,
    exportRssDeltaMb: maxOf(exports.map((e) => e.rssDeltaMb)),
    exportLevel: exports.length ? exportLevel : null,
    statsL3OnTheFlyMs: research?.l3?.stats?.onTheFlyMs ?? null,
    statsL3StoredP95Ms: research?.l3?.stats?.storedP95Ms ?? null,
    readP99Ms: maxOf([p99(r, 'L3', 'list'), p99(r, 'L3', 'get')]),
    writeP99Ms: maxOf([p99(r, 'L3', 'create'), p99(r, 'L3', 'attempt')]),
    dataset,
    machine,
    levels: levelsNote,
  };
}

/** WARN instead of FAIL when a quick run misses by less than its noise (2 × coefficient of variation). */
function verdict(ok, { value, limit, noise, quick, smoke, applicable = true }) {
  if (smoke) return 'N/A (smoke)';
  if (!applicable || value === null || value === undefined) return 'N/A';
  if (ok) return 'PASS';
  if (quick && typeof value === 'number' && typeof limit === 'number' && Math.abs(value - limit) <= 2 * noise * Math.abs(limit)) return 'WARN';
  return 'FAIL';
}

export function gates({ records, research, summary, profile }) {
  const { quick, smoke, full } = profile;
  const r = records;
  // the run's noise: the capacity windows' coefficient of variation, capped at 0.25 (a WARN band of at most ±50 %)
  const noise = (...pairs) => Math.min(0.25, Math.max(0, ...pairs.map(([l, s]) => cvOf(r, l, s))));
  const l3Errors = (s) => r.filter((x) => x.level === 'L3' && x.scenario === s).reduce((a, x) => a + (x.capacity?.errors ?? 0), 0);
  const g = [];
  const ratioGate = (id, name, key, scenario, must, stretch) => {
    const v = summary[key];
    // a level that answered with errors fails outright (its noise is no excuse)
    const n = l3Errors(scenario) > 0 ? 0 : noise(['L1', scenario], ['L3', scenario]);
    g.push({ id, target: name, gate: `L3/L1 ≥ ${must} (stretch ${stretch})`, value: v, must: verdict(v !== null && v >= must, { value: v, limit: must, noise: n, quick, smoke }), stretch: v !== null && v >= stretch, l3Errors: l3Errors(scenario) });
  };
  ratioGate('T1', 'List cases', 'listVsL1', 'list', 0.65, 0.75);
  ratioGate('T2', 'Get one case', 'getVsL1', 'get', 0.65, 0.75);
  ratioGate('T3', 'Create referral', 'createReferralVsL1', 'create', 0.75, 0.85);
  ratioGate('T4', 'Record attempt', 'recordAttemptVsL1', 'attempt', 0.75, 0.85);
  g.push({ id: 'T5', target: 'Audit tax, reads', gate: '1 − L1/L1-noaudit ≤ 0.20 (stretch 0.10)', value: summary.auditTaxRead,
    must: verdict(summary.auditTaxRead !== null && summary.auditTaxRead <= 0.2, { value: summary.auditTaxRead, limit: 0.2, noise: noise(['L1', 'list'], ['L1-noaudit', 'list']), quick, smoke }), stretch: summary.auditTaxRead !== null && summary.auditTaxRead <= 0.1 });
  g.push({ id: 'T6', target: 'Audit tax, writes', gate: '1 − L1/L1-noaudit ≤ 0.10', value: summary.auditTaxWrite,
    must: verdict(summary.auditTaxWrite !== null && summary.auditTaxWrite <= 0.1, { value: summary.auditTaxWrite, limit: 0.1, noise: noise(['L1', 'create'], ['L1-noaudit', 'create']), quick, smoke }) });
  const sl = research?.statsLive;
  const t7 = sl ? sl.ratioCountingToPgbench : null;
  g.push({ id: 'T7', target: 'Statistics on the fly', gate: 'counting p50 ≤ 1.10 × pgbench p50 (L1 counting step; the table route at L3 adds suppression and its LP audit, reported beside it); absolute ≤ 250 ms at 1 M', value: t7,
    detail: sl ? { countingP50Ms: sl.countingP50Ms, pgbenchP50Ms: sl.pgbenchP50Ms, persons: sl.persons, absoluteOk: sl.persons >= 1_000_000 ? sl.countingP50Ms <= 250 : null } : null,
    must: verdict(t7 !== null && t7 <= 1.1 && (!full || !sl || sl.persons < 1_000_000 || sl.countingP50Ms <= 250), { value: t7, limit: 1.1, noise: 0.1, quick, smoke }) });
  const t8 = sl && research?.statsRollup ? ratio(research.statsRollup.latencyMs.p95, sl.countingP50Ms) : null;
  g.push({ id: 'T8', target: 'Statistics from the rollup', gate: 'rollup p95 ≤ 0.12 × on-the-fly p50 (absolute ≤ 30 ms)', value: t8, detail: { rollupP95Ms: summary.statsRollupP95Ms },
    must: verdict(t8 !== null && t8 <= 0.12, { value: t8, limit: 0.12, noise: 0.1, quick, smoke }) });
  const { level: exLevel, exports: ex } = gateExports(research);
  g.push({ id: 'T9', target: `Export via COPY (${exLevel})`, gate: 'download rows/s ÷ psql rows/s ≥ 0.85 (absolute ≥ 250 k rows/s at 1 M)', value: summary.exportVsPsql, detail: { rowsPerSec: summary.exportRowsPerSec },
    must: verdict(summary.exportVsPsql !== null && summary.exportVsPsql >= 0.85, { value: summary.exportVsPsql, limit: 0.85, noise: 0.1, quick, smoke }) });
  const rssOk = ex.length > 0 && ex.every((e) => e.peakRssMb <= 150 && e.rssDeltaMb <= 40);
  const at = (n) => ex.find((e) => e.persons === n);
  const flat = at(1_000_000) && at(100_000) ? at(1_000_000).peakRssMb <= 1.1 * at(100_000).peakRssMb : null;
  g.push({ id: 'T10', target: 'Export memory', gate: 'peak RSS ≤ 150 MB and ≤ idle + 40 MB; RSS(1 M) ≤ 1.10 × RSS(100 k) (full run)', value: summary.exportRssDeltaMb,
    detail: { exports: ex.map((e) => ({ persons: e.persons, idleRssMb: e.idleRssMb, peakRssMb: e.peakRssMb, deltaMb: e.rssDeltaMb })), flat },
    must: smoke ? 'N/A (smoke)' : ex.length === 0 ? 'N/A' : rssOk && flat !== false ? 'PASS' : 'FAIL' });
  for (const [kind, scen, abs] of [['reads', ['list', 'get'], 25], ['writes', ['create', 'attempt'], 50]]) {
    const pairs = scen.map((s) => ({ s, l1: p99(r, 'L1', s), l3: p99(r, 'L3', s) }));
    const ok = pairs.every((p) => p.l1 !== null && p.l3 !== null && p.l3 <= 2 * p.l1);
    const worst = Math.max(...pairs.map((p) => (p.l1 && p.l3 ? p.l3 / p.l1 : Infinity)));
    g.push({ id: 'T11', target: `p99 at half of capacity, ${kind}`, gate: `L3 p99 ≤ 2 × L1 p99 (absolute ≤ ${abs} ms)`, value: Number.isFinite(worst) ? round(worst, 3) : null, detail: pairs,
      must: verdict(ok, { value: Number.isFinite(worst) ? worst : null, limit: 2, noise: 0.2, quick, smoke }), absoluteOk: pairs.every((p) => p.l3 !== null && p.l3 <= abs) });
  }
  // structural musts
  for (const s of ['list', 'get', 'create', 'attempt']) {
    const l3 = r.filter((x) => x.level === 'L3' && x.scenario === s);
    const l0 = r.find((x) => x.level === 'L0' && x.scenario === s);
    const canonical = l0 ? l0.capacity.statementsPerReq - 1 : null;
    const stm = median(l3.map((x) => x.capacity?.roundTripsPerReq).filter((x) => typeof x === 'number'));
    g.push({ id: 'S1', target: `L3 statements per request, ${s}`, gate: '≤ canonical + 1', value: stm, detail: { canonical },
      must: smoke || stm === null || canonical === null ? (smoke ? 'N/A (smoke)' : 'N/A') : stm <= canonical + 1 ? 'PASS' : 'FAIL' });
    const errs = l3.reduce((a, x) => a + (x.capacity?.errors ?? 0) + (x.fixedRate?.errors ?? 0), 0);
    g.push({ id: 'S2', target: `L3 errors, ${s}`, gate: 'zero non-2xx', value: errs, detail: l3.map((x) => x.capacity?.statusCodes), must: l3.length === 0 ? 'N/A' : errs === 0 ? 'PASS' : 'FAIL' });
  }
  const deep = r.filter((x) => x.deepPage && x.level === 'L3').map((x) => x.deepPage)[0];
  g.push({ id: 'S3', target: 'Deep page (20,000 rows) vs page 1, L3', gate: 'p50 within ±20 %', value: deep?.ratio ?? null, detail: deep ?? null,
    must: smoke ? 'N/A (smoke)' : !deep || deep.ratio === null ? 'N/A' : deep.ratio <= 1.2 && deep.ratio >= 0.8 ? 'PASS' : 'FAIL' });
  const during = ex.map((e) => e.download?.duringList).find(Boolean);
  g.push({ id: 'S4', target: `list p99 during a download (${exLevel})`, gate: '≤ 1.5 × without', value: during?.ratio ?? null, detail: during ?? null,
    must: smoke ? 'N/A (smoke)' : !during ? 'N/A' : during.ratio <= 1.5 ? 'PASS' : 'FAIL' });
  return g;
}

export function markdown({ summary, records, research, gatesList, checks, profile, run }) {
  const r = records;
  const f = (x, d = 0) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : String(x));
  const lines = [];
  lines.push(`# Doorstep benchmark — ${run.profile}, ${f(summary.dataset)} referrals, seed ${run.seed}, ${run.rounds} round(s)`);
  lines.push('');
  lines.push(`Machine: ${summary.machine.cores} cores, ${summary.machine.memoryGb} GB, Node ${summary.machine.node}, PostgreSQL ${summary.machine.postgres}; commit ${run.gitCommit ?? '?'}; ${run.durationSeconds} s.`);
  if (profile.smoke) lines.push('**Smoke run: 1 k rows, 1 s windows — checks only, no timing verdicts.**');
  lines.push('');
  lines.push('| scenario | L0 | L1 | L2 | L3 | L3/L1 | L2/L1 | L1/L0 | audit tax | p99 L1 / L3 | Node µs/req L1 / L3 | stmts/req L0 / L1 / L3 | verdict |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const gateFor = { list: 'T1', get: 'T2', create: 'T3', attempt: 'T4' };
  for (const s of SCENARIOS) {
    const c = Object.fromEntries(LEVELS.map((l) => [l, cap(r, l, s)]));
    if (Object.values(c).every((x) => x === null) && !r.some((x) => x.scenario === s)) continue;
    const node = (l) => pick(r, l, s, (x) => x.capacity?.nodeCpuUsPerReq);
    const st = (l) => pick(r, l, s, (x) => x.capacity?.roundTripsPerReq);
    const p = (l) => (s === 'mixed' ? pick(r, l, s, (x) => x.fixedRate?.latencyMs?.p99) : p99(r, l, s));
    const gate = gatesList.find((x) => x.id === gateFor[s]);
    lines.push(`| ${s} | ${f(c.L0)} | ${f(c.L1)} | ${f(c.L2)} | ${f(c.L3)} | ${f(ratio(c.L3, c.L1), 2)} | ${f(ratio(c.L2, c.L1), 2)} | ${f(ratio(c.L1, c.L0), 2)} | ${f(tax(c.L1, c['L1-noaudit']), 2)} | ${f(p('L1'), 1)} / ${f(p('L3'), 1)} | ${f(node('L1'))} / ${f(node('L3'))} | ${f(st('L0'), 1)} / ${f(st('L1'), 1)} / ${f(st('L3'), 1)} | ${gate?.must ?? '–'} |`);
  }
  lines.push('');
  lines.push('req/s: closed-loop capacity (mean of per-second samples; mixed: fixed rate only); p99 in ms at 50 % of each level\'s own capacity.');
  if (research) {
    lines.push('');
    lines.push(`## Statistics and exports (${research.level})`);
    lines.push('');
    const sl = research.statsLive;
    if (sl) lines.push(`- stats-live (${f(sl.persons)} persons): counting p50 ${f(sl.countingP50Ms, 1)} ms, API p50 ${f(sl.apiP50Ms, 1)} ms, pgbench p50 ${f(sl.pgbenchP50Ms, 1)} ms → ratio ${f(sl.ratioCountingToPgbench, 2)}`);
    if (research.statsRollup) lines.push(`- stats-rollup: ${research.statsRollup.requests} requests on 4 connections, p50 ${f(research.statsRollup.latencyMs.p50, 1)} ms, p95 ${f(research.statsRollup.latencyMs.p95, 1)} ms`);
    lines.push('');
    lines.push('| export | build s | build rows/s | build ÷ psql | download rows/s | ÷ psql | idle RSS MB | peak RSS MB | Δ MB | SHA-256 | abort |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const e of research.exports ?? []) {
      lines.push(`| L1: ${f(e.persons)} persons | ${f((e.build?.durationMs ?? 0) / 1000, 1)} | ${f(e.build?.rows / ((e.build?.durationMs ?? 1) / 1000))} | ${f(e.build?.vsPsql, 2)} | ${f(e.download?.rowsPerSec)} | ${f(e.download?.vsPsql, 2)} | ${f(e.idleRssMb, 1)} | ${f(e.peakRssMb, 1)} | ${f(e.rssDeltaMb, 1)} | ${e.download?.shaMatches ? 'ok' : 'MISMATCH'} | ${e.download?.abort?.ok ? `gone in ${e.download.abort.backendGoneMs} ms` : 'NOT GONE'} |`);
    }
  }
  if (research?.l3) {
    const l3 = research.l3;
    lines.push('');
    lines.push(`L3 (the app's routes; T9, T10 and S4 read these when they ran${l3.error ? `; FAILED: ${String(l3.error).split('\n')[0]}` : ''}):`);
    if (l3.stats) lines.push(`- table on the fly (${f(l3.persons)} persons, counts, suppression and the LP audit): ${f(l3.stats.onTheFlyMs, 1)} ms; stored answer p50 ${f(l3.stats.storedP50Ms, 1)} ms, p95 ${f(l3.stats.storedP95Ms, 1)} ms`);
    lines.push('');
    lines.push('| export | build s (job) | build rows/s | build ÷ psql | download rows/s | ÷ psql | TTFB ms | idle RSS MB | peak RSS MB | Δ MB | SHA-256 | abort | list p99 ratio |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const e of l3.exports ?? []) {
      lines.push(`| L3: ${f(e.persons)} persons | ${f((e.build?.durationMs ?? 0) / 1000, 1)} | ${f(e.build?.rowsPerSec)} | ${f(e.build?.vsPsql, 2)} | ${f(e.download?.rowsPerSec)} | ${f(e.download?.vsPsql, 2)} | ${f(e.download?.ttfbMsP50, 0)} | ${f(e.idleRssMb, 1)} | ${f(e.peakRssMb, 1)} | ${f(e.rssDeltaMb, 1)} | ${e.download ? (e.download.shaMatches ? 'ok' : 'MISMATCH') : e.build?.exportStatus ?? '–'} | ${e.download?.abort?.ok ? 'no read after abort' : '–'} | ${f(e.download?.duringList?.ratio, 2)} |`);
    }
  }
  lines.push('');
  lines.push('## Gates');
  lines.push('');
  lines.push('| # | target | gate | value | must |');
  lines.push('|---|---|---|---|---|');
  for (const g of gatesList) lines.push(`| ${g.id} | ${g.target} | ${g.gate} | ${f(g.value, 3)} | ${g.must}${g.stretch ? ' (stretch met)' : ''} |`);
  lines.push('');
  lines.push('## Checks');
  lines.push('');
  for (const c of checks) lines.push(`- ${c.ok ? 'ok' : '**FAILED**'} — ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  lines.push('');
  lines.push('## Summary');
  lines.push('');
  lines.push('```json');
  lines.push(JSON.stringify({ ...summary, machine: undefined }, null, 1));
  lines.push('```');
  return lines.join('\n');
}
