// Statistics and exports at L3: the app's own research routes (research-data.md §3.3, §4.1, §5.1), next to L1's
// bench-research routes over the same release rows. run.mjs calls this at L3 when /docs/openapi.json lists
// /api/v1/research paths. The arrangement is the bench's, not the API's (the four-eyes project approval and a release
// built from the cases would take minutes and measure something else): an approved project with the bench researchers
// as members and a salt in the app's salt directory, and a published release whose rows are bench.release_persons of
// release 1 (same columns as research_release_persons) with the registry the app builds for that geography and months.
// Then: stats on the fly (the first request of a table) and stored answers, the export job (POST → verified), and the
// downloads measured as at L1 (3 × full speed, a slow client, an abort, list p99 during downloads).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_DIR } from '../lib/paths.mjs';
import { median, percentile, round, rssBytes, rssSampler } from '../lib/metrics.mjs';
import { downloadDuringList, psqlCopySeconds } from '../lib/research.mjs';

const BENCH_RELEASE = 1;
const TABLE = { measure: 'persons', dimensions: [{ name: 'age', level: 2 }, { name: 'sex', level: 0 }] };
const EXPORT = { columns: ['age', 'sex', 'geo', 'period', 'referral_source', 'outcome', 'rereferral'], linkageScope: 'project' };

/** The project, members and published release of the app's research module, from the bench's release rows. */
async function arrange(ctx, { researcherIds, saltDir }) {
  const dist = (p) => import(join(REPO_DIR, 'dist', 'src', 'research', p));
  const { researchRegistryDefinition } = await dist('registry/research-registry.js');
  const { registrySha256 } = await dist('registry/dimension-registry.js');
  const { RESEARCH_REGISTRY_VERSION } = await dist('releases/research-releases.service.js');
  const { EXPORTABLE_COLUMNS } = await dist('exports/export-request.js');
  const a = ctx.admin;
  const areas = (await a.query(`SELECT a.level, a.code, a.name, p.code AS "parentCode" FROM areas a LEFT JOIN areas p ON p.id = a.parent_id WHERE a.active ORDER BY a.level, a.code`)).rows;
  const children = (level, parent) => areas.filter((r) => r.level === level && r.parentCode === parent).map((r) => r.code);
  const geography = {
    regions: areas.filter((r) => r.level === 'REGION').map((r) => ({ code: r.code, label: r.name, districts: children('DISTRICT', r.code) })),
    districts: areas.filter((r) => r.level === 'DISTRICT').map((r) => ({ code: r.code, label: r.name, municipalities: children('MUNICIPALITY', r.code) })),
    municipalities: areas.filter((r) => r.level === 'MUNICIPALITY').map((r) => ({ code: r.code, label: r.name })),
  };
  const months = (await a.query(`SELECT DISTINCT period FROM bench.release_persons WHERE release_id = $1 ORDER BY 1`, [BENCH_RELEASE])).rows.map((r) => r.period);
  const definition = researchRegistryDefinition({ registryVersion: RESEARCH_REGISTRY_VERSION, geography, months });
  const staff = (await a.query(`SELECT b.id, b.role FROM bench.users b WHERE b.role IN ('privacy_officer', 'coordinator') ORDER BY b.k`)).rows;
  const privacy = staff.find((u) => u.role === 'privacy_officer').id;
  const coordinator = staff.find((u) => u.role === 'coordinator').id;
  const releaseId = randomUUID();
  const cutoff = (await a.query(`SELECT (date_trunc('quarter', now()) - interval '1 day')::date::text AS d`)).rows[0].d;
  const code = `${cutoff.slice(0, 4)}-Q${Math.ceil(Number(cutoff.slice(5, 7)) / 3)}`;
  await a.query(
    `INSERT INTO research_releases (id, code, cutoff, series_id, status, from_month, months, registry, registry_version, registry_sha256, geography_sha256,
       source_sha256, software_version, git_commit, counts, built_by, built_at, published_by, published_at)
     VALUES ($1, $2, $3, $1, 'PUBLISHED', $4, $5, $6, $7, $8, $9, $10, 'bench', 'bench', $11, $12, now(), $13, now())`,
    [releaseId, code, cutoff, months[0], months, JSON.stringify(definition), RESEARCH_REGISTRY_VERSION, registrySha256(definition), 'b'.repeat(64), 'c'.repeat(64),
      JSON.stringify({ included: 0, pendingWindow: 0, lateRegistrations: 0 }), coordinator, privacy],
  );
  const persons = (await a.query(
    `INSERT INTO research_release_persons (release_id, person_key, age, sex, geo, period, referral_source, attempts, first_attempt_delay, outcome, rereferral,
       rereferral_6m, care_started, followup_reached, parent_present, prior_referrals)
     SELECT $1, person_key, age, sex, geo, period, referral_source, attempts, first_attempt_delay, outcome, rereferral, rereferral_6m, care_started,
            followup_reached, parent_present, prior_referrals
       FROM bench.release_persons WHERE release_id = $2`,
    [releaseId, BENCH_RELEASE],
  )).rowCount;
  // the project salt, written as the app's key store writes it (a 32-byte file named by its key id)
  mkdirSync(saltDir, { recursive: true, mode: 0o700 });
  const keyId = randomBytes(16).toString('hex');
  writeFileSync(join(saltDir, `${keyId}.salt`), randomBytes(32), { mode: 0o600 });
  const projectId = (await a.query(
    `INSERT INTO research_projects (title, dac_reference, purpose, legal_route, status, modes, finest_levels, export_columns, starts_at, expires_at, key_id,
       approved_by, approved_at, created_by)
     VALUES ('Bench project', 'DAC-BENCH', 'Benchmark', 'ART_89_SAFEGUARDS', 'APPROVED', '{export,sdc}', '{}', $1, now() - interval '30 days', now() + interval '180 days', $2, $3, now(), $4)
     RETURNING id`,
    [[...EXPORTABLE_COLUMNS], keyId, privacy, coordinator],
  )).rows[0].id;
  for (const id of researcherIds) await a.query(`INSERT INTO research_project_members (project_id, user_id, confidentiality_signed_on) VALUES ($1, $2, current_date)`, [projectId, id]);
  await a.query('ANALYZE research_release_persons');
  return { projectId, releaseId, persons };
}

export async function runResearchL3(ctx, { server, researcherToken, researcherIds, saltDir, only, smoke, windows }) {
  const headers = { authorization: `Bearer ${researcherToken}`, 'user-agent': 'doorstep-bench' };
  const json = { ...headers, 'content-type': 'application/json' };
  const t0 = performance.now();
  const { projectId, releaseId, persons } = await arrange(ctx, { researcherIds, saltDir });
  const out = { level: 'L3', project: projectId, release: releaseId, persons, arrangeMs: round(performance.now() - t0) };

  if (only.has('stats-live') || only.has('stats-rollup')) {
    // the first request counts and audits the table on the fly; the same request again is the stored answer
    const ms = [];
    const statuses = [];
    for (let i = 0; i < (smoke ? 3 : 20); i++) {
      const t = performance.now();
      const r = await fetch(`${server.url}/api/v1/research/projects/${projectId}/releases/${releaseId}/tables`, { method: 'POST', headers: json, body: JSON.stringify(TABLE) });
      await r.arrayBuffer();
      ms.push(performance.now() - t);
      statuses.push(r.status);
    }
    const stored = ms.slice(1).sort((x, y) => x - y);
    out.stats = { table: TABLE, statuses: [...new Set(statuses)], onTheFlyMs: round(ms[0]), storedP50Ms: round(percentile(stored, 50)), storedP95Ms: round(percentile(stored, 95)) };
  }
  if (!only.has('export')) return out;

  const e = { release: releaseId, persons };
  await sleep(500);
  const idleBeforeBuildMb = round(rssBytes(server.pid) / 1048576, 1);
  const buildSampler = rssSampler(server.pid);
  const tb = performance.now();
  const res = await fetch(`${server.url}/api/v1/research/projects/${projectId}/releases/${releaseId}/exports`, { method: 'POST', headers: json, body: JSON.stringify(EXPORT) });
  const accepted = await res.json().catch(() => null);
  let status = null;
  for (let i = 0; res.status === 202 && i < 1200; i++) {
    status = await (await fetch(`${server.url}/api/v1/research/exports/${accepted.exportId}`, { headers })).json();
    if (status.status !== 'queued' && status.status !== 'running') break;
    await sleep(250);
  }
  const buildMs = performance.now() - tb;
  const buildRss = buildSampler.stop();
  const rows = status?.manifest?.population?.exported ?? null;
  const sha = status?.manifest?.files?.['data.csv']?.sha256 ?? null;
  e.build = { status: res.status, exportStatus: status?.status ?? null, refusal: status?.refusal ?? null, exportId: accepted?.exportId ?? null, rows, durationMs: round(buildMs),
    rowsPerSec: rows ? round(rows / (buildMs / 1000), 0) : null, idleRssMb: idleBeforeBuildMb, peakRssMb: round(buildRss.peak / 1048576, 1),
    rssDeltaMb: round(buildRss.peak / 1048576 - idleBeforeBuildMb, 1) };
  if (status?.status !== 'verified') {
    out.exports = [e];
    return out;
  }
  const releaseQuery = `SELECT person_key, age, sex, geo, period, referral_source, outcome, rereferral FROM research_release_persons WHERE release_id = '${releaseId}' ORDER BY person_key`;
  const psqlBuild = await psqlCopySeconds(ctx.benchUrl, releaseQuery);
  e.build.psqlRowsPerSec = round(rows / psqlBuild, 0);
  e.build.vsPsql = round(rows / (buildMs / 1000) / (rows / psqlBuild), 3);

  // the idle RSS of the downloads is taken after the build: the export job keeps its release rows cached (ReleaseData)
  await sleep(500);
  e.idleRssMb = round(rssBytes(server.pid) / 1048576, 1);
  const filePath = `/api/v1/research/exports/${accepted.exportId}/file`;
  const dl = [];
  const dlSampler = rssSampler(server.pid);
  for (let i = 0; i < 3; i++) dl.push(await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers }));
  const dlRss = dlSampler.stop();
  const fileQuery = `SELECT bytes FROM research_export_files WHERE export_id = '${accepted.exportId}' AND name = 'data.csv'`;
  const psqlDl = await psqlCopySeconds(ctx.benchUrl, fileQuery);
  const dbSha = (await ctx.admin.query(`SELECT encode(sha256(bytes), 'hex') AS sha FROM research_export_files WHERE export_id = $1 AND name = 'data.csv'`, [accepted.exportId])).rows[0].sha;
  const rowsPerSec = dl.map((d) => d.rows / (d.totalMs / 1000));
  e.download = {
    runs: dl.map((d) => ({ status: d.status, rows: d.rows, bytes: d.bytes, ttfbMs: round(d.ttfbMs), totalMs: round(d.totalMs), rowsPerSec: round(d.rows / (d.totalMs / 1000), 0) })),
    rowsPerSec: round(median(rowsPerSec), 0), streamRowsPerSec: round(median(dl.map((d) => d.rows / ((d.totalMs - d.ttfbMs) / 1000))), 0), ttfbMsP50: round(median(dl.map((d) => d.ttfbMs))),
    psqlRowsPerSec: round(rows / psqlDl, 0), vsPsql: round(median(rowsPerSec) / (rows / psqlDl), 3), peakRssMb: round(dlRss.peak / 1048576, 1),
    shaMatches: dl.every((d) => d.sha256 === sha) && dbSha === sha, rowsMatch: dl.every((d) => d.rows === rows),
  };
  if (!smoke) {
    const slowSampler = rssSampler(server.pid);
    const slow = await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers, rateBytesPerSec: 2 * 1048576, duration: 600 });
    e.download.slowClient = { mbPerSec: round(slow.bytes / 1048576 / (slow.totalMs / 1000)), totalMs: round(slow.totalMs), peakRssMb: round(slowSampler.stop().peak / 1048576, 1), sha: slow.sha256 === sha };
  }
  // an abort: the app holds no connection between slices, so what is checked is that nothing keeps reading the file
  const bytes = dl[0]?.bytes ?? 0;
  const ab = await ctx.worker.run({ cmd: 'download', url: server.url, path: filePath, headers, abortAfterBytes: Math.min(10 * 1048576, Math.floor(bytes / 2)) });
  await sleep(200);
  const reading = (await ctx.admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%FROM research_export_files%' AND pid <> pg_backend_pid()`)).rows[0].n;
  e.download.abort = { aborted: ab.aborted, readingAfter200Ms: reading, applicable: bytes >= 4 * 1048576, ok: reading === 0 };
  e.peakRssMb = round(Math.max(e.download.peakRssMb, e.download.slowClient?.peakRssMb ?? 0), 1);
  e.rssDeltaMb = round(e.peakRssMb - e.idleRssMb, 1);
  if (ctx.listInputFile && !smoke) e.download.duringList = await downloadDuringList(ctx, server, filePath, headers, windows);
  out.exports = [e];
  return out;
}
