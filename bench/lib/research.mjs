// Statistics and exports (performance.md §3.4 stats-live, stats-rollup, export-build, export-file). The app's research
// API is not wired to HTTP yet, so these run against L1's bench-research routes over the same SQL, compared with pgbench
// and psql; `detectResearchApi` looks for /api/v1/research in the app's OpenAPI document so that L3 can be added once it
// exists (see bench/scenarios/research-l3.mjs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, percentile, round, rssBytes, rssSampler } from './metrics.mjs';
import { expandScript, pgbench } from './pgbench.mjs';
import { runCommand } from './procs.mjs';
import { sqlFile } from './sql.mjs';

export async function detectResearchApi(baseUrl) {
  try {
    const doc = await (await fetch(`${baseUrl}/docs/openapi.json`)).json();
    const paths = Object.keys(doc.paths ?? {}).filter((p) => p.startsWith('/api/v1/research'));
    return { available: paths.length > 0, paths };
  } catch (e) {
    return { available: false, paths: [], error: String(e) };
  }
}

function psqlArgs(url) {
  const u = new URL(url);
  return ['-X', '-q', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), '-d', u.pathname.slice(1)];
}

/** Seconds psql needs to `\copy (query) TO '/dev/null'`, less its start-up and connection (a `\copy` of one row). */
export async function psqlCopySeconds(url, query) {
  const once = async (q) => {
    const t = process.hrtime.bigint();
    const r = await runCommand('psql', [...psqlArgs(url), '-c', `\\copy (${q}) TO '/dev/null'`], { core: 1 });
    if (r.code !== 0) throw new Error(`psql \\copy failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const base = Math.min(await once('SELECT 1'), await once('SELECT 1'));
  return Math.max(0.001, (await once(query)) - base);
}

export async function runResearch(ctx, { server, researcherToken, releases, windows, smoke }) {
  const out = { level: 'L1 (bench-research routes of the L1 server over the same SQL)' };
  const headers = { authorization: `Bearer ${researcherToken}`, 'user-agent': 'doorstep-bench' };
  const mainRelease = releases.main;

  // --- stats-live: 20 sequential requests vs pgbench -c 1 -t 20 --log of the same SQL ---
  const liveFile = join(ctx.runDir, 'inputs', 'stats-live.json');
  writeFileSync(liveFile, JSON.stringify([{ method: 'POST', path: '/api/v1/bench-research/stats/live', headers, body: JSON.stringify({ releaseId: mainRelease }), expect: 1 }]));
  const n = smoke ? 3 : 20;
  await ctx.worker.run({ cmd: 'sequential', url: server.url, file: liveFile, count: 1, tag: `${ctx.tagBase}.stats.w` });
  const seq = await ctx.worker.run({ cmd: 'sequential', url: server.url, file: liveFile, count: n, tag: `${ctx.tagBase}.stats` });
  const apiMs = seq.results.map((x) => x.ms).sort((a, b) => a - b);
  const counting = await phasesFromLog(ctx, server, `${ctx.tagBase}.stats.`);
  const script = expandScript('stats-live', join(ctx.runDir, 'pgbench'));
  const pb = await pgbench({ url: ctx.benchUrl, script: script.file, transactions: n, clients: 1, threads: 1, defines: { release_id: mainRelease }, logDir: join(ctx.runDir, 'pgbench-log') });
  const pbMs = (pb.perTransactionMs ?? []).sort((a, b) => a - b);
  out.statsLive = {
    requests: n, statusCodes: countBy(seq.results.map((x) => x.status)), apiP50Ms: round(percentile(apiMs, 50)), apiP95Ms: round(percentile(apiMs, 95)),
    countingP50Ms: round(median(counting)), phases: { countingMsP50: round(median(counting)) }, pgbenchP50Ms: round(percentile(pbMs, 50)), pgbenchOk: pb.ok,
    ratioCountingToPgbench: round(median(counting) / percentile(pbMs, 50), 3), release: mainRelease, persons: releases.persons[mainRelease],
  };

  // --- stats-rollup: 200 requests, 4 connections over the catalogue tables (counted from the rollup on first use, then stored answers) ---
  const tables = ['T01', 'T02', 'T03', 'T04', 'T05', 'T06'];
  const rollupFile = join(ctx.runDir, 'inputs', 'stats-rollup.json');
  writeFileSync(rollupFile, JSON.stringify(tables.map((t) => ({ method: 'GET', path: `/api/v1/bench-research/stats/rollup?releaseId=${mainRelease}&table=${encodeURIComponent(t)}`, headers, expect: 1 }))));
  const roll = await ctx.worker.run({ cmd: 'concurrent', url: server.url, file: rollupFile, count: smoke ? 20 : 200, connections: 4, tag: `${ctx.tagBase}.rollup` });
  out.statsRollup = { requests: roll.requests, connections: 4, latencyMs: Object.fromEntries(Object.entries(roll.latencyMs).map(([k, v]) => [k, round(v)])), statusCodes: roll.statusCodes };

  // --- exports: build (COPY read vs psql \copy), downloads (3× full speed, 2 MB/s, abort, during list at 200 req/s) ---
  out.exports = [];
  for (const rid of releases.exportReleases) {
    const e = { release: rid, persons: releases.persons[rid] };
    await sleep(500);
    e.idleRssMb = round(rssBytes(server.pid) / 1048576, 1);
    const buildSampler = rssSampler(server.pid);
    const t = Date.now();
    const res = await fetch(`${server.url}/api/v1/bench-research/exports`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ releaseId: rid }) });
    const build = await res.json();
    const buildRss = buildSampler.stop();
    e.build = { status: res.status, ...build, durationMs: round(build.durationMs ?? Date.now() - t), copyRowsPerSec: round(build.copyRowsPerSec, 0), peakRssMb: round(buildRss.peak / 1048576, 1) };
    if (res.status !== 201) {
      out.exports.push(e);
      continue;
    }
    const releaseQuery = sqlFile('export-release').replace(/^--.*$/gm, '').trim().replace(/^COPY \(/, '').replace(/\) TO STDOUT \(FORMAT csv\);$/, '').replace('{release_id}', String(rid));
    const psqlBuild = await psqlCopySeconds(ctx.benchUrl, releaseQuery);
    e.build.psqlRowsPerSec = round(build.rows / psqlBuild, 0);
    e.build.vsPsql = round(build.rows / (build.durationMs / 1000) / (build.rows / psqlBuild), 3);
    const filePath = `/api/v1/bench-research/exports/${build.exportId}/file`;
    const dl = [];
    const dlSampler = rssSampler(server.pid);
    for (let i = 0; i < 3; i++) dl.push(await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers }));
    const dlRss = dlSampler.stop();
    const chunkQuery = `SELECT data FROM bench.export_files WHERE export_id = '${build.exportId}' ORDER BY chunk_no`;
    const psqlDl = await psqlCopySeconds(ctx.benchUrl, chunkQuery);
    const dbSha = (await ctx.admin.query(`SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY chunk_no)), 'hex') AS sha FROM bench.export_files WHERE export_id = $1`, [build.exportId])).rows[0].sha;
    const rowsPerSec = dl.map((d) => d.rows / (d.totalMs / 1000));
    e.download = {
      runs: dl.map((d) => ({ status: d.status, rows: d.rows, bytes: d.bytes, ttfbMs: round(d.ttfbMs), totalMs: round(d.totalMs), rowsPerSec: round(d.rows / (d.totalMs / 1000), 0), mbPerSec: round(d.bytes / 1048576 / (d.totalMs / 1000)) })),
      // from request to last byte (the gate); and after the first byte (the EXPORT events are written before it)
      rowsPerSec: round(median(rowsPerSec), 0), streamRowsPerSec: round(median(dl.map((d) => d.rows / ((d.totalMs - d.ttfbMs) / 1000))), 0), ttfbMsP50: round(median(dl.map((d) => d.ttfbMs))),
      psqlRowsPerSec: round(build.rows / psqlDl, 0), vsPsql: round(median(rowsPerSec) / (build.rows / psqlDl), 3), peakRssMb: round(dlRss.peak / 1048576, 1),
      shaMatches: dl.every((d) => d.sha256 === build.sha256) && dbSha === build.sha256, rowsMatch: dl.every((d) => d.rows === build.rows) && build.rows === releases.persons[rid],
    };
    if (!smoke) {
      const slowSampler = rssSampler(server.pid);
      const slow = await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers, rateBytesPerSec: 2 * 1048576, duration: 600 });
      e.download.slowClient = { mbPerSec: round(slow.bytes / 1048576 / (slow.totalMs / 1000)), totalMs: round(slow.totalMs), peakRssMb: round(slowSampler.stop().peak / 1048576, 1), sha: slow.sha256 === build.sha256 };
    }
    const abortAt = Math.min(10 * 1048576, Math.floor(build.bytes / 2));
    const ab = await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers, abortAfterBytes: abortAt });
    let goneMs = null;
    if (ab.backendPid) {
      const t0 = Date.now();
      for (let i = 0; i < 40; i++) {
        const r = await ctx.admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [ab.backendPid]);
        if (r.rowCount === 0) {
          goneMs = Date.now() - t0;
          break;
        }
        await sleep(50);
      }
    }
    // below a few MB the whole file sits in socket buffers before the client aborts: nothing to cut short
    const applicable = build.bytes >= 4 * 1048576;
    e.download.abort = { afterBytes: abortAt, backendPid: ab.backendPid, backendGoneMs: goneMs, applicable, ok: !applicable || (goneMs !== null && goneMs <= 1000) };
    e.rssDeltaMb = round(Math.max(e.build.peakRssMb, e.download.peakRssMb, e.download.slowClient?.peakRssMb ?? 0) - e.idleRssMb, 1);
    e.peakRssMb = round(Math.max(e.build.peakRssMb, e.download.peakRssMb, e.download.slowClient?.peakRssMb ?? 0), 1);
    if (rid === releases.downloadDuringList && ctx.listInputFile && !smoke) e.download.duringList = await downloadDuringList(ctx, server, filePath, headers, windows);
    out.exports.push(e);
  }
  return out;
}

/** list at a fixed 200 req/s with and without a concurrent full-speed download: p99 ratio. */
export async function downloadDuringList(ctx, server, filePath, headers, windows) {
  const seconds = Math.max(3, Math.min(windows.fixed > 8 ? 10 : 5, windows.fixed));
  // 200 req/s on the reference machine; never above half of this machine's L1 list capacity
  const rate = Math.max(5, Math.min(200, Math.round(0.5 * (ctx.listCapacityL1 ?? 400))));
  const alone = await ctx.worker.run({ cmd: 'fixed', driver: 'paced', url: server.url, file: ctx.listInputFile, start: 0, duration: seconds, rate, tag: `${ctx.tagBase}.dl.alone` });
  let stop = false;
  const { startWorker } = await import('./procs.mjs');
  const second = startWorker();
  const loop = (async () => {
    let n = 0;
    while (!stop) {
      await second.run({ cmd: 'download', url: server.url, path: filePath, headers });
      n++;
    }
    return n;
  })();
  const during = await ctx.worker.run({ cmd: 'fixed', driver: 'paced', url: server.url, file: ctx.listInputFile, start: 0, duration: seconds, rate, tag: `${ctx.tagBase}.dl.during` });
  stop = true;
  const downloads = await loop;
  second.stop();
  return {
    rate, seconds, p99AloneMs: round(alone.latency.p99), p99DuringMs: round(during.latency.p99), ratio: round(during.latency.p99 / alone.latency.p99, 3), downloads,
    errorsAlone: alone.errors, errorsDuring: during.errors,
  };
}

function countBy(xs) {
  const o = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}

/** Phase durations from the server's request log lines of the given request-id prefix. */
async function phasesFromLog(ctx, server, prefix) {
  const { readFileSync } = await import('node:fs');
  const out = [];
  for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
    if (!line.includes(prefix)) continue;
    try {
      const j = JSON.parse(line);
      if (j.phases?.countingMs !== undefined && String(j.req?.id).startsWith(prefix)) out.push(j.phases.countingMs);
    } catch {
      // not JSON
    }
  }
  return out;
}
