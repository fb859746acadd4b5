#!/usr/bin/env node
// The Doorstep benchmark orchestrator (performance.md §3). `npm run bench` (100 k, one round), `npm run bench:full`
// (1 M, three rounds). Flags: --size=1k|100k|1m|5m --seed=N --rounds=N --only=<ids> --levels=<levels> --keep --smoke
// --latency-driver=paced|autocannon --prepare-only (build the dataset template and stop) --profile (node --cpu-prof in L1, L2 and L3; figures of such a run are for
// diagnosis only). Needs a built app (dist/) and BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres, a role that may create databases and roles).
// Exit 0: every must passes; 1: a must failed; 2: a check failed or the run was invalid.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCanonical } from './lib/canonical.mjs';
import { explainCanonical, explainCaptured, firstResponse } from './lib/checks.mjs';
import { SIZES, checksums, ensureTemplate } from './lib/dataset.mjs';
import { APP_LOGIN_ROLE, BENCH_ROLE, createDatabase, dropDatabase, dropStaleRuns, ensureRole, urlFor, withClient } from './lib/db.mjs';
import * as inputs from './lib/inputs.mjs';
import { median, postmasterPid, round } from './lib/metrics.mjs';
import { BENCH_DIR, REPO_DIR, RESULTS_DIR, TMP_DIR } from './lib/paths.mjs';
import { createInputTable, expandScript, pgbench } from './lib/pgbench.mjs';
import { HAS_TASKSET, startPlain, startServer, startWorker, waitHttp } from './lib/procs.mjs';
import { summariseProfiles } from './lib/profile.mjs';
import { gates, markdown, summarise } from './lib/report.mjs';
import { detectResearchApi, runResearch } from './lib/research.mjs';
import { runResearchL3 } from './scenarios/research-l3.mjs';
import { appEnvironment, sessionToken } from './lib/secrets.mjs';
import { appSettings, BenchError } from './lib/server-common.mjs';
import { httpWindows, pgbenchWindows } from './lib/windows.mjs';
import pg from 'pg';

// ------------------------------------------------------------------------------------------------ arguments
const argv = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1], m[2] ?? true];
  }),
);
const smoke = Boolean(argv.smoke);
const sizeLabel = smoke ? '1k' : String(argv.size ?? '100k').toLowerCase();
if (!SIZES[sizeLabel]) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
const seed = Number(argv.seed ?? 1);
const rounds = Number(argv.rounds ?? 1);
const full = !smoke && (sizeLabel === '1m' || sizeLabel === '5m' || rounds > 1);
const quick = !smoke && !full;
const windows = smoke ? { warm: 1, capacity: 1, fixed: 1 } : full ? { warm: 5, capacity: 20, fixed: 20 } : { warm: 2, capacity: 8, fixed: 8 };
const ALL = ['list', 'get', 'create', 'attempt', 'mixed', 'stats-live', 'stats-rollup', 'export', 'calibration'];
const only = new Set(argv.only ? String(argv.only).split(',') : ALL);
const levels = argv.levels ? String(argv.levels).split(',') : ['L0', 'L1', 'L1-noaudit', 'L2', 'L3'];
const latencyDriver = argv['latency-driver'] === 'autocannon' ? 'autocannon' : 'paced';
const profileName = smoke ? 'smoke' : full ? `full-${sizeLabel}` : `quick-${sizeLabel}`;
const profile = { smoke, quick, full, name: profileName };
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const runDir = join(TMP_DIR, `run-${runId}`);
for (const d of ['inputs', 'logs', 'pgbench', 'secrets']) mkdirSync(join(runDir, d), { recursive: true });
const started = Date.now();
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

const checks = [];
const check = (name, ok, detail) => {
  checks.push({ name, ok: Boolean(ok), detail: detail ?? null });
  if (!ok) log(`CHECK FAILED: ${name}${detail ? ` — ${detail}` : ''}`);
};

// ------------------------------------------------------------------------------------------------ preflight
if (!existsSync(join(REPO_DIR, 'dist', 'src', 'main.js'))) {
  process.stderr.write('dist/src/main.js is missing: run `npm run build` first (npm run bench does)\n');
  process.exit(2);
}
const machine = { cores: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30, 1), node: process.version, cpuModel: os.cpus()[0]?.model, kernel: os.release(), taskset: HAS_TASKSET, loadAverageAtStart: os.loadavg().map((x) => round(x, 2)) };
const pgSettings = await withClient(adminUrl, async (admin) => {
  const s = Object.fromEntries((await admin.query(`SELECT name, setting FROM pg_settings`)).rows.map((r) => [r.name, r.setting]));
  await ensureRole(admin);
  await dropStaleRuns(admin);
  return s;
});
machine.postgres = pgSettings.server_version;
machine.warnings = [];
if (pgSettings.fsync !== 'on' || pgSettings.synchronous_commit !== 'on') {
  process.stderr.write(`fsync (${pgSettings.fsync}) and synchronous_commit (${pgSettings.synchronous_commit}) must be on: the audit tax would mean nothing\n`);
  process.exit(2);
}
if (!/pg_stat_statements/.test(pgSettings.shared_preload_libraries ?? '')) {
  machine.warnings.push('pg_stat_statements is not loaded (shared_preload_libraries): statements per request are counted on the client side (pg Client.query in the preload probe; pgbench scripts for L0)');
}
if (pgSettings.max_parallel_workers_per_gather !== '1') machine.warnings.push(`server max_parallel_workers_per_gather = ${pgSettings.max_parallel_workers_per_gather}; the run database sets 1`);
if (machine.cores !== 2) machine.warnings.push(`${machine.cores} cores: the reference machine has 2 (server on core 0, load on core 1)`);
const postmaster = postmasterPid(pgSettings.data_directory);
if (!postmaster) machine.warnings.push('postmaster.pid not readable: DB CPU per request is not measured');

// ------------------------------------------------------------------------------------------------ dataset
const appEnvFor = (databaseUrl, port, logName, extra = {}) => ({
  ...appEnvironment({ seed, dir: join(runDir, 'secrets'), databaseUrl, port, logFile: join(runDir, 'logs', `${logName}.log`) }),
  AUDIT_SEALER_ENABLED: 'false',
  AUDIT_VERIFY_INTERVAL_MINUTES: '0',
  ...extra,
});
const template = await ensureTemplate({ adminUrl, sizeLabel, seed, full, log, appEnv: (url) => appEnvFor(url, 0, 'template-sealer', { AUDIT_SEALER_ENABLED: 'true' }) });
if (argv['prepare-only']) {
  log(`template ${template.name} ready; --prepare-only: done`);
  process.exit(0);
}
const runDb = `doorstep_bench_run_${process.pid}_${runId.toLowerCase()}`;
await withClient(adminUrl, async (admin) => {
  await createDatabase(admin, runDb, template.name);
  await admin.query(`ALTER DATABASE "${runDb}" SET max_parallel_workers_per_gather = 1`);
});
log(`run database ${runDb} cloned from ${template.name}`);
const benchUrl = urlFor(adminUrl, runDb, BENCH_ROLE);
const appUrl = urlFor(adminUrl, runDb, APP_LOGIN_ROLE);
const admin = new pg.Client({ connectionString: urlFor(adminUrl, runDb), application_name: 'doorstep-bench-orchestrator' });
await admin.connect();
const cloneSums = await checksums(admin);
const stable = (o) => JSON.stringify(o, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
const sumsOk = stable(cloneSums) === stable(template.meta.checksums);
check('dataset checksums of the run database match the template built from the seed', sumsOk);
const recorded = (() => {
  try {
    return JSON.parse(readFileSync(join(BENCH_DIR, 'data', 'checksums.json'), 'utf8'));
  } catch {
    return {};
  }
})();
const sumKey = `${sizeLabel}:${seed}:${template.key}`;
if (recorded[sumKey]) check('dataset checksums match bench/data/checksums.json for this size, seed and generator', stable(recorded[sumKey]) === stable(cloneSums));

const ctx = { admin, benchUrl, postmaster, runDb, runDir, latencyDriver, round: 1, tagBase: `b${runId}`, worker: null };
const { settings } = appSettings(appEnvFor(benchUrl, 0, 'settings'));
const canon = createCanonical({ makeError: (c, m, o) => new BenchError(c, m, o), settings, audit: true, appVersion: '0.1.0', intakeMatchKey: appSettings(appEnvFor(benchUrl, 0, 'settings')).config.intakeMatchKey });
const actors = await inputs.loadActors(admin, seed);
const refreshSessions = () =>
  admin.query(`UPDATE sessions SET last_seen_at = now(), expires_at = now() + interval '12 hours', mfa_verified_at = now(), revoked_at = NULL;
               UPDATE api_keys SET expires_at = now() + interval '300 days', last_used_at = NULL`);
await refreshSessions();

// read inputs, shared by every level
log('inputs…');
const listIn = await inputs.listInputs(admin, { seed, actors, canon, n: smoke ? 100 : 2000 });
const getIn = await inputs.getInputs(admin, { seed, actors, canon, n: smoke ? 100 : 3000, settings });
const writeFile = (name, list) => {
  const f = join(runDir, 'inputs', `${name}.json`);
  writeFileSync(f, JSON.stringify(inputs.httpForm(list)));
  return f;
};
const listFile = writeFile('list', listIn);
const getFile = writeFile('get', getIn);
ctx.listInputFile = listFile;
await createInputTable(admin, 'l0_list', listIn.map((x) => x.l0));
await createInputTable(admin, 'l0_get', getIn.map((x) => x.l0));
const subjectsCount = Number((await admin.query('SELECT count(*) AS n FROM subjects')).rows[0].n);
const candidates = await inputs.matchCandidates(admin, { seed, limit: Math.floor(subjectsCount * 0.9) });
const seriesCount = rounds * (levels.length + 2);
let seriesNo = 0;
let poolNext = 1;
const poolSql = readFileSync(join(BENCH_DIR, 'data', 'pool.sql'), 'utf8');

/** Write inputs for one series (level × round): create bodies and attempt pool slots sized from a capacity estimate. */
async function writeInputs(tag, { createCount, attemptCount }) {
  const block = seriesNo++;
  const blockSize = Math.max(1, Math.floor(candidates.length / Math.max(1, seriesCount)));
  const out = {};
  if (createCount) {
    const c = inputs.createInputs({ seed, actors, canon, tag, block, n: createCount, candidates, blockSize });
    out.create = c.inputs;
  }
  if (attemptCount) {
    const from = poolNext;
    poolNext += attemptCount;
    const t = Date.now();
    await admin.query(poolSql, [from, poolNext - 1, tag]);
    const slots = (await admin.query(`SELECT p.slot, p.visit_id, p.case_id, p.user_k, c.subject_id FROM bench.pool p JOIN cases c ON c.id = p.case_id WHERE p.tag = $1 ORDER BY p.slot`, [tag])).rows;
    out.attempt = inputs.attemptInputs({ seed, actors, canon, tag, slots, settings });
    log(`pool: ${attemptCount} planned visits for ${tag} in ${Date.now() - t} ms`);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ processes
const sealer = await startPlain({ args: [process.execPath, join(BENCH_DIR, 'probes', 'sealer.mjs')], env: appEnvFor(benchUrl, 0, 'sealer', { AUDIT_SEALER_ENABLED: 'true' }), outFile: join(runDir, 'logs', 'sealer.out') });
const worker = startWorker();
ctx.worker = worker;
const cleanup = async () => {
  worker.stop();
  await sealer.stop();
};
process.once('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

const records = [];
const calibration = {};
const identity = {};
const plans = {};
let research = null;
let researchL3 = null;
const capacities = {};
const profiles = {};
const PORTS = { L1: 3311, 'L1-noaudit': 3312, L2: 3313, L3: 3314 };
const ENTRY = { L1: join(BENCH_DIR, 'l1', 'server.mjs'), 'L1-noaudit': join(BENCH_DIR, 'l1', 'server.mjs'), L2: join(BENCH_DIR, 'l2', 'server.mjs'), L3: join(REPO_DIR, 'dist', 'src', 'main.js') };
const scriptFor = (s) => expandScript(s, join(runDir, 'pgbench'));
/** Capacity estimate for sizing write inputs: the highest capacity any level reached so far (L1 without audit can pass L0). */
const est = (scenario) => {
  const seen = Object.entries(capacities).filter(([k]) => k.endsWith(`:${scenario}`)).map(([, v]) => v);
  return seen.length ? Math.max(...seen) : scenario === 'create' ? 1500 : 2000;
};

// ------------------------------------------------------------------------------------------------ calibration
if (only.has('calibration') && !smoke) {
  const secs = full ? 10 : 5;
  log(`calibration: pgbench select-only and bare node:http, ${secs} s each`);
  const calDb = 'doorstep_bench_calib';
  await withClient(adminUrl, async (a) => {
    if ((await a.query('SELECT 1 FROM pg_database WHERE datname = $1', [calDb])).rowCount === 0) {
      await createDatabase(a, calDb);
      const u = new URL(urlFor(adminUrl, calDb));
      execSync(`pgbench -i -q -s 10 -h ${u.hostname} -p ${u.port || 5432} -U ${decodeURIComponent(u.username)} ${calDb}`, { stdio: 'ignore' });
    }
  });
  const sel = await pgbench({ url: urlFor(adminUrl, 'doorstep_bench_calib'), script: null, seconds: secs, extra: ['-b', 'select-only'] }).catch((e) => ({ error: String(e) }));
  calibration.pgbenchSelectOnlyTps = round(sel.tps, 0);
  const hello = await startPlain({ args: [process.execPath, join(BENCH_DIR, 'probes', 'http-hello.mjs')], env: { PORT: '3319' }, outFile: join(runDir, 'logs', 'hello.out'), core: 0 });
  await waitHttp('http://127.0.0.1:3319/');
  const helloFile = join(runDir, 'inputs', 'hello.json');
  writeFileSync(helloFile, JSON.stringify([{ method: 'GET', path: '/', headers: {} }]));
  const h = await worker.run({ cmd: 'capacity', url: 'http://127.0.0.1:3319', file: helloFile, duration: secs, tag: 'hello' });
  calibration.nodeHttpRps = round(h.rps, 0);
  await hello.stop();
}

// ------------------------------------------------------------------------------------------------ levels
const OLTP = ['list', 'get', 'create', 'attempt'].filter((s) => only.has(s));
const firstDeep = listIn.find((x) => x.kind === 'deep');
const firstPage = listIn.find((x) => x.kind === 'first');

async function runL0() {
  for (const scenario of OLTP) {
    const script = scriptFor(scenario);
    let defines = {};
    if (scenario === 'list') defines = { ninputs: listIn.length };
    if (scenario === 'get') defines = { ninputs: getIn.length };
    if (scenario === 'create' || scenario === 'attempt') {
      // sized from L0's read capacity (writes ran at 0.5-0.8 of it on the reference box): 1.5 × with a floor
      const reads = Math.max(capacities['L0:list'] ?? 0, capacities['L0:get'] ?? 0) || 2000;
      const n = Math.ceil(Math.max(800, reads * 1.5) * (windows.warm + windows.capacity)) + 200;
      const w = await writeInputs(`${ctx.tagBase}.r${ctx.round}.L0.${scenario}`, scenario === 'create' ? { createCount: smoke ? 2000 : n } : { attemptCount: smoke ? 2000 : n });
      await createInputTable(admin, `l0_${scenario}`, w[scenario].map((x) => x.l0), { sequence: true });
    }
    log(`L0 ${scenario}: pgbench ${windows.warm} + ${windows.capacity} s`);
    const rec = await pgbenchWindows(ctx, { scenario, script: script.file, defines, windows, perTransactionStatements: script.statementsPerTransaction });
    if (!rec.capacity.pgbenchOk) check(`L0 ${scenario}: pgbench ran without aborted clients`, false, (rec.capacity.aborted ?? []).join(' | ') || rec.capacity.stderrTail);
    // audit events: reads 1 per transaction; writes as their inputs say
    if (scenario === 'list' || scenario === 'get') {
      const ok = Math.abs(rec.capacity.auditEvents - rec.capacity.requests) <= 20;
      check(`L0 ${scenario}: audit events = transactions`, ok, `${rec.capacity.auditEvents} events, ${rec.capacity.requests} transactions`);
      rec.audit = { events: rec.capacity.auditEvents, expected: rec.capacity.requests, ok };
    }
    capacities[`L0:${scenario}`] = rec.capacity.rps;
    records.push(rec);
    log(`L0 ${scenario}: ${rec.capacity.rps} tps`);
  }
}

async function runHttpLevel(level) {
  const env = appEnvFor(level === 'L3' ? appUrl : benchUrl, PORTS[level], `${level}-r${ctx.round}`, level === 'L1-noaudit' ? { BENCH_L1_NOAUDIT: '1' } : {});
  await refreshSessions();
  const profDir = join(runDir, 'profiles', `${level}-r${ctx.round}`);
  const nodeArgs = [...(argv.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const server = await startServer({ entry: ENTRY[level], env, port: PORTS[level], outFile: join(runDir, 'logs', `${level}-r${ctx.round}.out`), label: level, nodeArgs });
  server.logFile = env.LOG_FILE;
  log(`${level} started (pid ${server.pid})`);
  const audit = level !== 'L1-noaudit';
  const fixedHere = full || smoke || level === 'L1' || level === 'L3';
  try {
    if (level === 'L3') {
      researchL3 = await detectResearchApi(server.url);
      if (researchL3.available && ctx.round === 1) {
        const researcher = actors.users.find((u) => u.role === 'researcher');
        if (['stats-live', 'stats-rollup', 'export'].some((x) => only.has(x))) {
          await refreshSessions();
          log('research at L3: the app\'s research routes (project and published release arranged from bench.release_persons)');
          researchL3.run = await runResearchL3(ctx, {
            server, researcherToken: sessionToken(seed, researcher.k), researcherIds: actors.researchers.map((u) => u.id), saltDir: join(runDir, 'secrets', 'research-salts'), only, smoke, windows,
          }).catch((e) => ({ error: String(e.stack ?? e) }));
          await refreshSessions();
        }
      }
    }
    if (ctx.round === 1 && level !== 'L1-noaudit') {
      identity[level] = {};
      for (const [name, input] of [['list page 1', firstPage], ['list deep page', firstDeep], ['get', getIn[0]]]) if (input) identity[level][name] = await firstResponse(server.url, input);
    }
    const caps = {};
    for (const scenario of OLTP) {
      const tag = `${ctx.tagBase}.r${ctx.round}.${level}.${scenario}`;
      let input;
      if (scenario === 'list') input = { file: listFile, next: 0 };
      else if (scenario === 'get') input = { file: getFile, next: 0 };
      else {
        const n = smoke ? 1500 : Math.ceil(Math.min(est(scenario), 3000) * (windows.warm + windows.capacity + (fixedHere ? windows.fixed / 2 : 0)) * 1.6) + 200;
        const w = await writeInputs(tag, scenario === 'create' ? { createCount: n } : { attemptCount: n });
        input = { file: writeFile(`${level}-r${ctx.round}-${scenario}`, w[scenario]), next: 0 };
      }
      log(`${level} ${scenario}: ${windows.warm} + ${windows.capacity}${fixedHere ? ` + ${windows.fixed}` : ''} s`);
      const capture = ctx.round === 1 && (level === 'L3' || level === 'L2');
      const rec = await httpWindows(ctx, { server, level, scenario, input, tag, windows, fixed: fixedHere, capture });
      if (rec.captured) {
        plans[`${level}:${scenario}`] = rec.captured;
        delete rec.captured;
      }
      if (!audit) rec.audit.ok = rec.audit.requestsWithEvents === 0;
      check(`${level} ${scenario}: audit events per request as the catalogue expects${audit ? '' : ' (none: noaudit)'}`, rec.audit.ok,
        `${rec.audit.requestsWithEvents} requests with events, ${rec.audit.successfulResponses} 2xx, ${rec.audit.mismatched} mismatched ${JSON.stringify(rec.audit.examples)}`);
      if (audit && rec.sealLag) check(`${level} ${scenario}: seal lag p99 < 5 s`, rec.sealLag.p99Seconds === null || rec.sealLag.p99Seconds < 5, JSON.stringify(rec.sealLag));
      if (rec.fixedRate && rec.fixedRate.valid === false) check(`${level} ${scenario}: fixed-rate window reached ≥ 98 % of its target`, false, `${rec.fixedRate.achievedRps} of ${rec.fixedRate.targetRps} req/s`);
      if ((scenario === 'create' || scenario === 'attempt') && (rec.capacity.inputsWrapped || rec.fixedRate?.inputsWrapped)) check(`${level} ${scenario}: write inputs were not reused`, false, 'inputs ran out');
      caps[scenario] = rec.capacity.rps;
      capacities[`${level}:${scenario}`] = Math.max(capacities[`${level}:${scenario}`] ?? 0, rec.capacity.rps);
      if (level === 'L1' && scenario === 'list') ctx.listCapacityL1 = rec.capacity.rps;
      records.push(rec);
      log(`${level} ${scenario}: ${rec.capacity.rps} req/s, errors ${rec.capacity.errors}${rec.fixedRate?.latencyMs ? `, p99 ${rec.fixedRate.latencyMs.p99} ms at ${rec.fixedRate.targetRps} req/s` : ''}`);
    }
    // the deep page against page 1, one connection, sequential
    if (ctx.round === 1 && (level === 'L1' || level === 'L3') && !smoke && only.has('list')) {
      const probe = await deepPageProbe(server, level);
      records.push({ level, scenario: 'list-deep-probe', round: ctx.round, deepPage: probe });
      log(`${level} deep page: p50 page 1 ${probe.firstP50Ms} ms, at depth ${probe.depth} ${probe.deepP50Ms} ms`);
    }
    // the mixed workload at 50 % of the mix capacity (1 / Σ wᵢ / capᵢ)
    if (only.has('mixed') && (level === 'L1' || level === 'L3') && ['list', 'get', 'create', 'attempt'].every((s) => caps[s] > 0)) {
      const w = { list: 0.55, get: 0.3, attempt: 0.1, create: 0.05 };
      const mixCap = 1 / Object.entries(w).reduce((a, [s, x]) => a + x / caps[s], 0);
      const rate = Math.max(1, Math.round(mixCap * 0.5));
      const n = Math.ceil(rate * (windows.warm + windows.fixed) * 1.3) + 100;
      const tag = `${ctx.tagBase}.r${ctx.round}.${level}.mixed`;
      const wi = await writeInputs(tag, { createCount: Math.ceil(n * 0.06) + 20, attemptCount: Math.ceil(n * 0.11) + 20 });
      const mixed = inputs.mixedInputs({ seed, list: listIn, get: getIn, attempt: wi.attempt, create: wi.create, n });
      const file = writeFile(`${level}-r${ctx.round}-mixed`, mixed);
      log(`${level} mixed: ${rate} req/s (50 % of the mix capacity ${round(mixCap, 0)})`);
      const warmRun = await worker.run({ cmd: 'fixed', driver: latencyDriver, url: server.url, file, start: 0, duration: windows.warm, rate, tag: `${tag}.w` });
      const { cpuMicros } = await import('./lib/metrics.mjs');
      const cpu0 = cpuMicros(server.pid);
      await server.probe('reset');
      const f = await worker.run({ cmd: 'fixed', driver: latencyDriver, url: server.url, file, start: warmRun.nextStart, duration: windows.fixed, rate, tag: `${tag}.f` });
      const probe = await server.probe('read');
      records.push({
        level, scenario: 'mixed', round: ctx.round, mixCapacity: round(mixCap, 1), weights: w,
        capacity: { rps: round(mixCap, 1), derived: true },
        fixedRate: { driver: f.driver, targetRps: rate, achievedRps: round(f.achieved, 1), valid: f.achieved >= 0.98 * rate, latencyMs: Object.fromEntries(Object.entries(f.latency).map(([k, v]) => [k, round(v, 3)])),
          statusCodes: f.statusCodes, errors: f.errors, nodeCpuUsPerReq: round((cpuMicros(server.pid) - cpu0) / Math.max(1, f.requests), 1), eventLoopDelayMs: probe.eld,
          roundTripsPerReq: round(probe.counters.calls / Math.max(1, f.requests), 2) },
      });
      if (f.achieved < 0.98 * rate) check(`${level} mixed: fixed-rate window reached ≥ 98 % of its target`, false, `${round(f.achieved, 1)} of ${rate}`);
      log(`${level} mixed: p99 ${round(f.latency.p99, 2)} ms, errors ${f.errors}`);
    }
    // statistics and exports at L1 (bench-research routes over the same SQL, with the comparisons of the design); at L3 the app's own routes run above
    if (level === 'L1' && ctx.round === 1 && ['stats-live', 'stats-rollup', 'export'].some((x) => only.has(x))) {
      await refreshSessions();
      const researcher = actors.users.find((u) => u.role === 'researcher');
      const persons = Object.fromEntries((await admin.query('SELECT release_id, persons FROM bench.releases')).rows.map((r) => [r.release_id, Number(r.persons)]));
      const exportReleases = !only.has('export') ? [] : sizeLabel === '1m' || sizeLabel === '5m' ? [2, 3, 1].filter((r) => persons[r]) : [1];
      log(`research at L1: stats-live, stats-rollup, exports of ${exportReleases.map((r) => persons[r]).join(', ')} persons`);
      research = await runResearch(ctx, { server, researcherToken: sessionToken(seed, researcher.k), releases: { main: 1, persons, exportReleases, downloadDuringList: exportReleases.includes(3) ? 3 : 1 }, windows, smoke });
    }
  } finally {
    await server.stop();
    log(`${level} stopped`);
    if (argv.profile) {
      await sleep(500);
      try {
        profiles[level] = summariseProfiles(profDir);
      } catch (e) {
        profiles[level] = { error: String(e) };
      }
    }
  }
}

async function deepPageProbe(server, level) {
  const c = [...actors.coordinators].sort((a, b) => b.districtIds.length - a.districtIds.length)[0];
  const total = Number((await admin.query(`SELECT count(*) AS n FROM cases WHERE district_id = ANY($1::uuid[]) AND state = 'CLOSED'`, [c.districtIds])).rows[0].n);
  const depth = Math.max(1, Math.min(20_000, total - 51));
  const row = (await admin.query(`SELECT created_at, id FROM cases WHERE district_id = ANY($1::uuid[]) AND state = 'CLOSED' ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, [c.districtIds, depth - 1])).rows[0];
  const cursor = Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
  const headers = { authorization: `Bearer ${c.token}`, 'user-agent': 'doorstep-bench' };
  const items = [];
  for (let i = 0; i < 60; i++) {
    items.push({ method: 'GET', path: '/api/v1/cases?state=CLOSED&limit=50', headers, expect: 1, kind: 'first' });
    items.push({ method: 'GET', path: `/api/v1/cases?state=CLOSED&limit=50&cursor=${cursor}`, headers, expect: 1, kind: 'deep' });
  }
  const file = join(runDir, 'inputs', `${level}-deep-probe.json`);
  writeFileSync(file, JSON.stringify(items));
  const r = await worker.run({ cmd: 'sequential', url: server.url, file, count: items.length, maxMs: 12_000, tag: `${ctx.tagBase}.${level}.deep` });
  const skip = Math.min(10, Math.floor(r.results.length / 4) * 2);
  const ms = (kind) => r.results.slice(skip).filter((x) => x.kind === kind && x.status === 200).map((x) => x.ms);
  const first = median(ms('first'));
  const deep = median(ms('deep'));
  return { depth, requests: r.results.length, firstP50Ms: round(first, 3), deepP50Ms: round(deep, 3), ratio: first && deep ? round(deep / first, 3) : null, statuses: [...new Set(r.results.map((x) => x.status))] };
}

let exitCode = 0;
try {
  for (let rnd = 1; rnd <= rounds; rnd++) {
    ctx.round = rnd;
    const order = levels.slice((rnd - 1) % levels.length).concat(levels.slice(0, (rnd - 1) % levels.length));
    log(`round ${rnd}: ${order.join(' → ')}`);
    for (const level of order) {
      if (level === 'L0') {
        if (OLTP.length) await runL0();
      } else await runHttpLevel(level);
    }
  }
} catch (e) {
  log(`run aborted: ${e.stack ?? e}`);
  check('the run completed', false, String(e.message ?? e));
}

// ------------------------------------------------------------------------------------------------ checks over the whole run
if (Object.keys(identity).length > 1) {
  const levelsSeen = Object.keys(identity);
  for (const name of ['list page 1', 'list deep page', 'get']) {
    const bodies = levelsSeen.map((l) => identity[l][name]).filter(Boolean);
    if (bodies.length < 2) continue;
    const ref = JSON.stringify(bodies[0]);
    const differs = levelsSeen.filter((l) => identity[l][name] && JSON.stringify(identity[l][name]) !== ref);
    check(`identical first responses across ${levelsSeen.join(', ')}: ${name}`, differs.length === 0,
      differs.length ? `differs at ${differs.join(', ')} (status ${levelsSeen.map((l) => `${l} ${identity[l][name]?.status}`).join(', ')})` : null);
  }
}
const l0Params = { list: listIn[0]?.l0, get: getIn[0]?.l0 };
try {
  const c = (await admin.query('SELECT * FROM bench.l0_create ORDER BY i DESC LIMIT 1')).rows[0];
  if (c) l0Params.create = c;
  const a = (await admin.query('SELECT * FROM bench.l0_attempt ORDER BY i DESC LIMIT 1')).rows[0];
  if (a) l0Params.attempt = a;
} catch {
  // L0 writes not run
}
const canonicalPlans = await explainCanonical(admin, l0Params);
for (const p of canonicalPlans) check(`canonical plan without Seq Scan on OLTP tables: ${p.scenario} ${p.statement}`, p.seqScans.length === 0 && !p.error, p.error ?? (p.seqScans.length ? p.seqScans.join(', ') : null));
const levelPlans = {};
for (const [key, captured] of Object.entries(plans)) {
  levelPlans[key] = await explainCaptured(admin, captured, null);
}
for (const e of researchL3?.run?.exports ?? []) {
  if (!e.download) {
    check(`L3 export of ${e.persons} persons built and verified`, false, JSON.stringify(e.build));
    continue;
  }
  check(`L3 export of ${e.persons} persons: rows and SHA-256 equal the manifest and the database read`, e.download.shaMatches && e.download.rowsMatch);
  check(`L3 export of ${e.persons} persons: nothing reads the file after an aborted download`, e.download.abort.ok, JSON.stringify(e.download.abort));
}
if (research) {
  for (const e of research.exports ?? []) {
    if (!e.download) {
      check(`export of ${e.persons} persons built`, false, JSON.stringify(e.build));
      continue;
    }
    check(`export of ${e.persons} persons: rows and SHA-256 equal the manifest and the database read`, e.download.shaMatches && e.download.rowsMatch);
    check(`export of ${e.persons} persons: an aborted download's backend is gone within 1 s`, e.download.abort.ok, JSON.stringify(e.download.abort));
  }
}

// ------------------------------------------------------------------------------------------------ report
await cleanup();
machine.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
machine.calibration = calibration;
machine.settings = Object.fromEntries(Object.entries(pgSettings).filter(([k]) => /^(fsync|synchronous_commit|shared_buffers|work_mem|max_connections|max_parallel|jit|wal_level|full_page_writes|checkpoint|max_wal_size|effective_cache_size|random_page_cost|shared_preload_libraries|server_version|wal_buffers|max_worker_processes)/.test(k)));
const gitCommit = (() => {
  try {
    return execSync('git rev-parse HEAD', { cwd: REPO_DIR }).toString().trim() + (execSync('git status --porcelain -- src migrations', { cwd: REPO_DIR }).toString().trim() ? ' (src/migrations modified)' : '');
  } catch {
    return null;
  }
})();
const run = { profile: profileName, size: SIZES[sizeLabel], sizeLabel, seed, rounds, gitCommit, startedAt: new Date(started).toISOString(), durationSeconds: Math.round((Date.now() - started) / 1000), windows, latencyDriver, levels, only: [...only], argv };
const referrals = cloneSums.referrals?.rows ?? null;
const levelsNote = {
  statisticsAndExports: researchL3?.run && !researchL3.run.error ? `L3 (app routes) and ${research?.level ?? 'no L1'}` : research?.level ?? 'not run',
  researchApiAtL3: researchL3 ?? 'L3 not run',
  rls: 'not run: the schema has no row-level security policies yet (access-and-audit.md §2.6 switches RLS on later)',
  sealer: 'one standalone sealer process (the app\'s AuditSealer, unpinned) for every level; L2 and L3 run with AUDIT_SEALER_ENABLED=false',
};
// the gates prefer the app's own research routes (L3) where they ran; L1's figures stay in the report beside them
const researchForReport = research || researchL3?.run ? { ...(research ?? { level: 'L3 only' }), l3: researchL3?.run ?? null } : null;
const summary = summarise({ records, research: researchForReport, dataset: referrals, machine: { cores: machine.cores, memoryGb: machine.memoryGb, node: machine.node, postgres: machine.postgres, cpuModel: machine.cpuModel }, levelsNote });
const gatesList = gates({ records, research: researchForReport, summary, profile });
const result = {
  run,
  machine,
  dataset: { template: template.name, cacheKey: template.key, built: template.built, buildSeconds: template.buildSeconds, anchor: template.meta.anchor, phases: template.meta.phases, checksums: cloneSums, checksumsMatchTemplate: sumsOk },
  records,
  research: research ? { ...research, l3: researchL3 } : null,
  identity,
  plans: { canonical: canonicalPlans.map(({ plan, ...p }) => ({ ...p, plan: p.seqScans.length ? plan : undefined })), levels: levelPlans },
  gates: gatesList,
  checks,
  profiles: argv.profile ? profiles : undefined,
  summary,
};
mkdirSync(RESULTS_DIR, { recursive: true });
const out = join(RESULTS_DIR, `${runId}-${profileName}.json`);
writeFileSync(out, JSON.stringify(result, null, 1));
const md = markdown({ summary, records, research: researchForReport, gatesList, checks, profile, run });
writeFileSync(out.replace(/\.json$/, '.md'), md);
if (!recorded[sumKey] && sumsOk) {
  recorded[sumKey] = cloneSums;
  writeFileSync(join(runDir, 'checksums.json'), JSON.stringify(recorded, null, 1));
}
process.stdout.write(`\n${md}\n\nResult: ${out}\n`);

await admin.end();
if (!argv.keep) await withClient(adminUrl, (a) => dropDatabase(a, runDb));
else log(`kept ${runDb}`);
const failedChecks = checks.filter((c) => !c.ok);
if (failedChecks.length) exitCode = 2;
else if (gatesList.some((g) => g.must === 'FAIL')) exitCode = 1;
log(`done in ${Math.round((Date.now() - started) / 1000)} s, exit ${exitCode}${failedChecks.length ? ` (${failedChecks.length} failed checks)` : ''}`);
await sleep(100);
process.exit(exitCode);
