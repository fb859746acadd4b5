// Soak run (access-and-audit.md §6.3 RE-08, issue 9 §3): the built API under a mixed workload at a fixed
// request rate for a long time, watching for what only time reveals: memory growth, event-loop stalls,
// a pool that creeps, errors that appear after an hour and not after a minute.
//
//   npm run test:soak                      30 minutes at 20 requests/s
//   npm run test:soak -- --minutes 2       a quick check
//   node test/soak/soak.mjs --rate 50 --minutes 30 --warmup-minutes 3
//
// Database: with DATABASE_URL (an admin URL with CREATEDB) a scratch database doorstep_soak_<pid> on that
// server, dropped at the end; without it a throwaway PostgreSQL cluster of the run's own (initdb and
// pg_ctl from PG_BIN or /usr/lib/postgresql/*/bin, on a free port, removed at the end), so the pool and
// the API's own memory are measured as in production; only without those binaries the embedded PGlite
// (one connection, and its memory counts in the API's RSS). The API is seeded with the demo world.
//
// Workload (open loop: requests start on schedule whether or not earlier ones finished, like
// `autocannon -R`): about 70 % single-record reads, 20 % lists, 10 % steps of whole case lifecycles
// (referral with Idempotency-Key, triage, police clearance, address check, visit plan, attempt with
// Idempotency-Key, conversation, follow-up, closure). VISIT_TIME_SLOTS is one all-day slot so visits
// can be planned and attempted at any hour of the run.
//
// Measured: every request's status and latency; the API's RSS (/proc) and event-loop delay (the
// perf_hooks monitor preloaded by test/soak/eld-probe.mjs, inside the API process; nothing in src/);
// on a server, the API's connections in pg_stat_activity. At the end: SIGTERM (exit 0 expected) and
// the audit verifier CLI over the whole chain.
//
// Pass: 0 errors (5xx or network); RSS growth < 10 % (median of the first window after warm-up vs the
// last window; windows of 5 minutes, shorter for short runs); event-loop delay p99 < 50 ms after warm-up;
// the pool within its size and never stuck in a transaction; the target rate sustained; clean exit and
// a clean verifier. Exit 0 on pass, 1 on failure, 2 when the run could not be set up. The JSON summary
// goes to stdout and test/soak/results/last-run.json.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = join(root, 'test/soak/results/last-run.json');

function parseArgs(argv) {
  const o = { rate: 20, minutes: 30, warmupMinutes: null, maxInFlight: 200, sampleSeconds: 5, keep: false };
  const names = { '--rate': 'rate', '--minutes': 'minutes', '--warmup-minutes': 'warmupMinutes', '--max-in-flight': 'maxInFlight', '--sample-seconds': 'sampleSeconds' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split('=', 2) : [argv[i], undefined];
    if (flag === '--keep') {
      o.keep = true;
      continue;
    }
    const key = names[flag];
    if (!key) usage(`unknown argument ${argv[i]}`);
    const v = Number(inline ?? argv[++i]);
    if (!Number.isFinite(v) || v <= 0) usage(`${flag} needs a positive number`);
    o[key] = v;
  }
  // Warm-up: JIT, pool, caches and the demo seed settle; a fifth of the run, at most 3 minutes.
  if (o.warmupMinutes === null) o.warmupMinutes = Math.min(3, o.minutes / 5);
  if (o.warmupMinutes >= o.minutes) usage('--warmup-minutes must be shorter than --minutes');
  return o;
}

function usage(message) {
  process.stderr.write(`soak: ${message}\nusage: node test/soak/soak.mjs [--rate 20] [--minutes 30] [--warmup-minutes N] [--max-in-flight 200] [--keep]\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => process.stderr.write(`[soak] ${m}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] * 100) / 100;
}

function median(values) {
  return percentile(values, 50);
}

// ---------------------------------------------------------------- HTTP

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let base = '';

/** One request; never throws: a transport failure comes back as status 0 with the error code. */
function http(method, path, { token, body, headers = {} } = {}) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const h = { accept: 'application/json', ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (payload) {
    h['content-type'] = 'application/json';
    h['content-length'] = String(payload.length);
  }
  const url = new URL(path, base);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => resolve({ status: 0, error: e.code ?? 'ERESPONSE', ms: performance.now() - started }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode, body: json, text, ms: performance.now() - started });
      });
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve({ status: 0, error: e.code ?? e.message, ms: performance.now() - started }));
    req.end(payload);
  });
}

// ---------------------------------------------------------------- accounting

const stats = {
  started: 0,
  completed: 0,
  skipped: 0,
  byKind: {},
  byStatus: {},
  errors: [],
  errorCount: 0,
  clientErrors: [],
  clientErrorCount: 0,
  flowsStarted: 0,
  flowsCompleted: 0,
  flowsAbandoned: 0,
};
/** Latencies of the current sampling interval, and of the whole run after warm-up. */
let intervalLatencies = [];
let intervalLive = [];
const runLatencies = [];
const runLive = [];
let inFlight = 0;
let warm = false;

function account(kind, res, expected) {
  stats.completed++;
  stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
  const key = res.status === 0 ? `network:${res.error}` : String(res.status);
  stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  intervalLatencies.push(res.ms);
  if (warm) runLatencies.push(res.ms);
  if (kind === 'live') {
    intervalLive.push(res.ms);
    if (warm) runLive.push(res.ms);
  }
  if (res.status === 0 || res.status >= 500) {
    stats.errorCount++;
    if (stats.errors.length < 20) stats.errors.push({ at: new Date().toISOString(), kind, status: res.status, error: res.error, body: res.text?.slice(0, 300) });
  } else if (!expected.includes(res.status)) {
    stats.clientErrorCount++;
    if (stats.clientErrors.length < 20) stats.clientErrors.push({ kind, status: res.status, body: res.text?.slice(0, 300) });
  }
}

async function call(kind, method, path, o = {}, expected = [200]) {
  const res = await http(method, path, o);
  account(kind, res, expected);
  return res;
}

// ---------------------------------------------------------------- world

const tokens = {};
const users = {};
const known = { cases: [], subjects: [], referrals: [] };

function remember(list, id) {
  if (!id || list.includes(id)) return;
  list.push(id);
  if (list.length > 500) list.shift();
}

async function login(username, password) {
  const r = await http('POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
  tokens[username] = r.body.token;
  const me = await http('GET', '/api/v1/auth/me', { token: r.body.token });
  users[username] = me.body;
}

function lastMonth() {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
}

function name(len) {
  const c = 'bdfghjklmnprstvwz';
  const v = 'aeiou';
  const s = Array.from(randomBytes(len), (b, i) => (i % 2 === 0 ? c[b % c.length] : v[b % v.length])).join('');
  return s[0].toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------- case lifecycle

const COORD = 'coord.utrecht';
const POLICE = 'police.utrecht';
const YOUTH = 'youth.utrecht';

/**
 * One case from referral to closure, one request per step. Each step returns true to go on. Versions
 * come from the previous answer; a GET precedes every If-Match on the case, as a client would do.
 */
const STEPS = [
  async (f) => {
    f.referralKey = randomUUID();
    const r = await call('write', 'POST', '/api/v1/referrals', {
      token: tokens[COORD],
      headers: { 'idempotency-key': f.referralKey },
      body: {
        sourceType: 'BANK',
        legalBasisCode: 'COVENANT_ART_5',
        reasonCodes: ['ACCOUNT_USED_FOR_FRAUD'],
        incidentMonth: lastMonth(),
        amountBand: '1K_5K',
        fraudType: 'MARKETPLACE',
        subject: {
          givenNames: `Soak ${name(7)}`,
          familyName: name(10),
          dateOfBirth: `${2001 + (randomBytes(1)[0] % 6)}-0${1 + (randomBytes(1)[0] % 9)}-1${randomBytes(1)[0] % 9}`,
          sex: 'MALE',
          address: { street: 'Duurtestlaan', houseNumber: '3', postcode: '3511 AB', municipality: 'Utrecht' },
        },
      },
    }, [201]);
    if (r.status !== 201) return false;
    f.caseId = r.body.caseId;
    remember(known.cases, f.caseId);
    remember(known.referrals, r.body.id);
    return true;
  },
  (f) => getCase(f),
  (f) => transition(f, { to: 'TRIAGE' }),
  (f) => getCase(f),
  async (f) => {
    const r = await call('write', 'PATCH', `/api/v1/cases/${f.caseId}`, {
      token: tokens[COORD],
      headers: { 'if-match': `"${f.caseVersion}"` },
      body: { policeClearance: { confirmedAt: new Date(Date.now() - 3_600_000).toISOString(), policeOrganisationId: users[POLICE].organisationId, reference: `SOAK-${f.n}` } },
    });
    return r.status === 200;
  },
  async (f) => {
    const r = await call('read', 'GET', `/api/v1/subjects/${f.subjectId}`, { token: tokens[COORD] });
    f.subjectVersion = r.body?.version;
    return r.status === 200;
  },
  async (f) => {
    const r = await call('write', 'PATCH', `/api/v1/subjects/${f.subjectId}`, {
      token: tokens[COORD],
      headers: { 'if-match': `"${f.subjectVersion}"` },
      body: { addressVerifiedAt: new Date(Date.now() - 60_000).toISOString() },
    });
    return r.status === 200;
  },
  (f) => getCase(f),
  (f) => transition(f, { to: 'READY_TO_PLAN' }),
  async (f) => {
    const start = Date.now() - 5 * 60_000;
    const r = await call('write', 'POST', `/api/v1/cases/${f.caseId}/visits`, {
      token: tokens[COORD],
      body: { plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + 3_600_000).toISOString(), visitorIds: [users[POLICE].id, users[YOUTH].id], safetyNotes: 'Soak run' },
    }, [201]);
    f.visitId = r.body?.id;
    return r.status === 201;
  },
  async (f) => {
    const r = await call('write', 'POST', `/api/v1/visits/${f.visitId}/attempts`, {
      token: tokens[POLICE],
      headers: { 'idempotency-key': randomUUID() },
      body: { occurredAt: new Date(Date.now() - 1000).toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT', cardLeft: false },
    }, [201]);
    return r.status === 201;
  },
  async (f) => {
    const r = await call('write', 'POST', `/api/v1/visits/${f.visitId}/conversation`, {
      token: tokens[YOUTH],
      headers: { 'idempotency-key': randomUUID() },
      body: {
        location: 'INSIDE',
        parentPresent: false,
        topicsCovered: ['LEGAL_CONSEQUENCES', 'HOW_TO_SAY_NO'],
        recruitmentChannel: 'SNAPCHAT',
        subjectAcknowledgesInvolvement: 'PARTLY',
        coercionIndicated: false,
        debtIndicated: false,
        awarenessBefore: 2,
        awarenessAfter: 4,
        intendsToRefuseFutureRequests: 'YES',
        consentFollowUpContact: { given: true, givenBy: 'SUBJECT' },
        consentCareDataShare: { given: false },
      },
    }, [201]);
    return r.status === 201;
  },
  (f) => getCase(f),
  async (f) => {
    const r = await transition(f, { to: 'FOLLOW_UP' }, true);
    const fu = r?.body?.followUps?.[0];
    f.followUp = fu ? { id: fu.id, version: fu.version } : null;
    return Boolean(f.followUp);
  },
  async (f) => {
    const r = await call('write', 'PATCH', `/api/v1/follow-ups/${f.followUp.id}`, {
      token: tokens[YOUTH],
      headers: { 'if-match': `"${f.followUp.version}"` },
      body: { occurredAt: new Date().toISOString(), channel: 'PHONE', result: 'REACHED', reApproachedByRecruiter: 'NO', awarenessNow: 4 },
    });
    return r.status === 200;
  },
  (f) => getCase(f),
  (f) => transition(f, { to: 'CLOSED', reasonCode: 'FOLLOW_UP_COMPLETED' }),
];

async function getCase(f) {
  const r = await call('read', 'GET', `/api/v1/cases/${f.caseId}`, { token: tokens[COORD] });
  f.caseVersion = r.body?.version;
  f.subjectId = r.body?.subject?.id ?? f.subjectId;
  remember(known.subjects, f.subjectId);
  return r.status === 200;
}

async function transition(f, body, returnResponse = false) {
  const r = await call('write', 'POST', `/api/v1/cases/${f.caseId}/transitions`, { token: tokens[COORD], headers: { 'if-match': `"${f.caseVersion}"` }, body });
  if (r.status === 200) f.caseVersion = r.body.version;
  if (returnResponse) return r.status === 200 ? r : null;
  return r.status === 200;
}

const flows = [];
let flowNo = 0;
const MAX_FLOWS = 12;

async function advanceFlow() {
  let f = flows.find((x) => !x.busy);
  if (!f) {
    if (flows.length >= MAX_FLOWS) return readOp();
    f = { n: ++flowNo, step: 0, busy: false };
    flows.push(f);
    stats.flowsStarted++;
  }
  f.busy = true;
  try {
    const ok = await STEPS[f.step](f);
    f.step++;
    if (!ok || f.step >= STEPS.length) {
      flows.splice(flows.indexOf(f), 1);
      if (ok) stats.flowsCompleted++;
      else stats.flowsAbandoned++;
    }
  } finally {
    f.busy = false;
  }
}

// ---------------------------------------------------------------- reads and lists

const pick = (list) => list[Math.floor(Math.random() * list.length)];

async function readOp() {
  const r = Math.random();
  if (r < 0.1) return call('live', 'GET', '/health/live');
  if (r < 0.15) return call('read', 'GET', '/api/v1/auth/me', { token: tokens[pick([COORD, POLICE, YOUTH])] });
  if (known.cases.length === 0 || r < 0.25) return listOp();
  if (r < 0.7) return call('read', 'GET', `/api/v1/cases/${pick(known.cases)}`, { token: tokens[COORD] });
  if (r < 0.85 && known.subjects.length) return call('read', 'GET', `/api/v1/subjects/${pick(known.subjects)}`, { token: tokens[COORD] });
  if (known.referrals.length) return call('read', 'GET', `/api/v1/referrals/${pick(known.referrals)}`, { token: tokens[COORD] });
  return listOp();
}

async function listOp() {
  const r = Math.random();
  if (r < 0.4) {
    const res = await call('list', 'GET', '/api/v1/cases?limit=20', { token: tokens[COORD] });
    for (const c of res.body?.items ?? []) remember(known.cases, c.id);
    return res;
  }
  if (r < 0.6) {
    const res = await call('list', 'GET', '/api/v1/referrals?limit=20', { token: tokens[COORD] });
    for (const x of res.body?.items ?? []) remember(known.referrals, x.id);
    return res;
  }
  if (r < 0.8) return call('list', 'GET', '/api/v1/visits', { token: tokens[POLICE] });
  return call('list', 'GET', '/api/v1/follow-ups', { token: tokens[YOUTH] });
}

function operation() {
  const r = Math.random();
  if (r < 0.1) return advanceFlow();
  if (r < 0.3) return listOp();
  return readOp();
}

// ---------------------------------------------------------------- process sampling

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function lastEld(file) {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- main

const work = mkdtempSync(join(tmpdir(), 'doorstep-soak-'));
const eldFile = join(work, 'event-loop.ndjson');
const appLog = join(work, 'app.log');
let admin = null;
let scratch = null;
let child = null;
let exitCode = 2;
const summary = { startedAt: new Date().toISOString(), options: opts, workDir: work };

let cluster = null;

function findPgBin() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : [];
  return [process.env.PG_BIN, ...versions].find((c) => c && existsSync(join(c, 'initdb')) && existsSync(join(c, 'pg_ctl'))) ?? null;
}

/** initdb + pg_ctl start on a free port; as root the tools run as the postgres OS user (they refuse root). */
async function startThrowawayCluster(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'doorstep-soak-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const run = (tool, args) => {
    const cmd = [...asPostgres, join(bin, tool), ...args];
    execFileSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  };
  const port = await freePort();
  cluster = {
    dir,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch {
        // not running (initdb or start failed)
      }
      if (existsSync(join(dir, 'server.log'))) copyFileSync(join(dir, 'server.log'), join(work, 'postgresql.log'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-w', '-t', '60', 'start']);
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function setUpDatabase() {
  let url = process.env.DATABASE_URL;
  let server = null;
  if (!url) {
    const bin = findPgBin();
    if (!bin) return { env: { PGLITE_DATA_DIR: join(work, 'pg') }, where: 'embedded PGlite (file)' };
    url = await startThrowawayCluster(bin);
    server = `throwaway cluster (${bin})`;
  }
  scratch = `doorstep_soak_${process.pid}`;
  admin = new pg.Client({ connectionString: url, application_name: 'soak-harness' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${scratch}"`);
  const u = new URL(url);
  u.pathname = `/${scratch}`;
  return { env: { DATABASE_URL: u.href }, where: `scratch database ${scratch} on ${server ?? u.host}` };
}

async function poolSample() {
  if (!admin) return null;
  const r = await admin.query(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_tx,
            count(*) FILTER (WHERE state LIKE 'idle in transaction%' AND state_change < now() - interval '5 seconds')::int AS stuck_in_tx
       FROM pg_stat_activity WHERE datname = $1 AND application_name = 'doorstep'`,
    [scratch],
  );
  return r.rows[0];
}

async function startApp(dbEnv) {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    SEED_DEMO: 'true',
    SECRETS_DIR: join(work, 'secrets'),
    AUDIT_CHECKPOINT_SINK: join(work, 'checkpoints'),
    RESEARCH_EXPORT_DIR: join(work, 'exports'),
    LOG_LEVEL: 'info',
    DOCS_ENABLED: 'false',
    VISIT_TIME_SLOTS: 'ALLDAY:0-24',
    SOAK_ELD_FILE: eldFile,
    SOAK_ELD_INTERVAL_MS: String(opts.sampleSeconds * 1000),
    SOAK_WARMUP_MS: String(opts.warmupMinutes * 60_000),
    ...dbEnv,
  };
  const fd = openSync(appLog, 'a');
  child = spawn(process.execPath, ['--import', join(root, 'test/soak/eld-probe.mjs'), 'dist/src/main.js'], { cwd: root, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited during start (${child.exitCode}); log: ${appLog}`);
    if (Date.now() > deadline) throw new Error(`the API was not ready within 180 s; log: ${appLog}`);
    const r = await http('GET', '/health/ready');
    if (r.status === 200) break;
    await sleep(250);
  }
  return { env, exited };
}

function verify(env) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/src/audit/verify-cli.js', '--json'], { cwd: root, env, timeout: 600_000 }, (err, stdout, stderr) => {
      let result = null;
      try {
        result = JSON.parse(stdout.trim().split('\n').pop());
      } catch {
        result = null;
      }
      resolve({ exitCode: err ? (typeof err.code === 'number' ? err.code : 2) : 0, ok: result?.ok ?? false, checkedEvents: result?.checkedEvents ?? null, findings: result?.findings?.slice(0, 10) ?? stderr.slice(0, 500) });
    });
  });
}

try {
  if (!existsSync(join(root, 'dist/src/main.js'))) throw new Error('dist/ is missing: run `npm run test:soak` (it builds first) or `npm run build`');
  const db = await setUpDatabase();
  summary.database = db.where;
  log(`starting the API on ${db.where}; work directory ${work}`);
  const app = await startApp(db.env);
  summary.appPid = child.pid;
  for (const u of [COORD, POLICE, YOUTH]) await login(u, process.env.DEMO_PASSWORD || 'doorstep-demo');
  log(`running ${opts.minutes} min at ${opts.rate} requests/s (warm-up ${opts.warmupMinutes} min)`);

  const samples = [];
  const intervalMs = 1000 / opts.rate;
  const t0 = Date.now();
  const end = t0 + opts.minutes * 60_000;
  const warmEnd = t0 + opts.warmupMinutes * 60_000;
  let nextSample = t0 + opts.sampleSeconds * 1000;
  let nextReport = t0 + 60_000;
  const pending = new Set();
  let died = null;
  // Set before the final SIGTERM, so the exit that stop causes is not counted as a death during the run.
  let stopping = false;
  void app.exited.then((x) => {
    if (!stopping) died = { ...x, atSecond: Math.round((Date.now() - t0) / 1000) };
  });
  for (let i = 0; ; i++) {
    const due = t0 + i * intervalMs;
    if (due >= end) break;
    // A crashed API fails the run at once; half an hour of refused connections would add nothing.
    if (died) {
      log(`the API exited during the run (code ${died.code}, signal ${died.signal}); log: ${appLog}`);
      break;
    }
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    warm = Date.now() >= warmEnd;
    if (inFlight >= opts.maxInFlight) {
      stats.skipped++;
    } else {
      stats.started++;
      inFlight++;
      const p = operation()
        .catch((e) => {
          stats.errorCount++;
          if (stats.errors.length < 20) stats.errors.push({ at: new Date().toISOString(), kind: 'harness', error: String(e?.message ?? e) });
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    if (Date.now() >= nextSample) {
      nextSample += opts.sampleSeconds * 1000;
      const eld = lastEld(eldFile);
      const pool = await poolSample().catch(() => null);
      samples.push({
        t: Math.round((Date.now() - t0) / 1000),
        warm,
        rssKiB: rssKiB(child.pid),
        eldP99: eld?.interval?.p99 ?? null,
        eldMax: eld?.interval?.max ?? null,
        latencyP99: percentile(intervalLatencies, 99),
        liveP99: percentile(intervalLive, 99),
        inFlight,
        pool,
      });
      intervalLatencies = [];
      intervalLive = [];
    }
    if (Date.now() >= nextReport) {
      nextReport += 60_000;
      const s = samples[samples.length - 1];
      log(`${Math.round((Date.now() - t0) / 60_000)} min: ${stats.completed} requests, ${stats.errorCount} errors, ${stats.clientErrorCount} unexpected 4xx, RSS ${Math.round((s?.rssKiB ?? 0) / 1024)} MiB, event-loop p99 ${s?.eldP99} ms, latency p99 ${s?.latencyP99} ms${s?.pool ? `, connections ${s.pool.total}` : ''}, flows ${stats.flowsCompleted} done`);
    }
  }
  await Promise.allSettled([...pending]);
  const elapsed = (Date.now() - t0) / 1000;

  // Windows for the RSS comparison: 5 minutes, or a third of the measured time in a short run.
  const measured = samples.filter((s) => s.warm && s.rssKiB !== null);
  const windowS = Math.min(300, ((opts.minutes - opts.warmupMinutes) * 60) / 3);
  const firstT = measured[0]?.t ?? 0;
  const lastT = measured[measured.length - 1]?.t ?? 0;
  const first = measured.filter((s) => s.t < firstT + windowS).map((s) => s.rssKiB);
  const last = measured.filter((s) => s.t > lastT - windowS).map((s) => s.rssKiB);
  const rssFirst = median(first);
  const rssLast = median(last);
  const rssGrowthPct = rssFirst && rssLast ? Math.round(((rssLast - rssFirst) / rssFirst) * 1000) / 10 : null;
  const eldFinal = lastEld(eldFile)?.afterWarmup ?? null;
  const pools = samples.filter((s) => s.pool).map((s) => s.pool);

  // Clean stop, then the verifier over the whole chain (on PGlite it needs the data directory to itself).
  stopping = true;
  child.kill('SIGTERM');
  const stopStarted = Date.now();
  const stop = await Promise.race([app.exited, sleep(20_000).then(() => null)]);
  if (!stop) child.kill('SIGKILL');
  const stopMs = Date.now() - stopStarted;
  const verification = await verify(app.env);

  const achievedRate = stats.started / elapsed;
  summary.result = {
    seconds: Math.round(elapsed),
    targetRate: opts.rate,
    achievedRate: Math.round(achievedRate * 100) / 100,
    requests: stats.completed,
    skippedOverload: stats.skipped,
    byKind: stats.byKind,
    byStatus: stats.byStatus,
    errors: stats.errorCount,
    errorSamples: stats.errors,
    unexpected4xx: stats.clientErrorCount,
    unexpected4xxSamples: stats.clientErrors,
    flows: { started: stats.flowsStarted, completed: stats.flowsCompleted, abandoned: stats.flowsAbandoned },
    latencyMs: { p50: percentile(runLatencies, 50), p99: percentile(runLatencies, 99), max: percentile(runLatencies, 100) },
    healthLiveLatencyMs: { p50: percentile(runLive, 50), p99: percentile(runLive, 99), max: percentile(runLive, 100) },
    eventLoopDelayMs: eldFinal,
    rss: { windowSeconds: windowS, firstWindowMedianMiB: rssFirst && Math.round(rssFirst / 102.4) / 10, lastWindowMedianMiB: rssLast && Math.round(rssLast / 102.4) / 10, growthPct: rssGrowthPct, maxMiB: Math.round(Math.max(...measured.map((s) => s.rssKiB)) / 102.4) / 10 },
    pool: pools.length ? { maxTotal: Math.max(...pools.map((p) => p.total)), samplesIdleInTx: pools.filter((p) => p.idle_in_tx > 0).length, samplesStuckInTx: pools.filter((p) => p.stuck_in_tx > 0).length, firstMedian: median(pools.slice(0, Math.ceil(pools.length / 3)).map((p) => p.total)), lastMedian: median(pools.slice(-Math.ceil(pools.length / 3)).map((p) => p.total)) } : 'n/a (embedded PGlite: one connection)',
    diedDuringRun: died,
    shutdown: { code: stop?.code ?? null, signal: stop?.signal ?? null, ms: stopMs },
    auditVerify: verification,
  };
  const r = summary.result;
  const poolSize = Number(process.env.DB_POOL_SIZE || 10);
  const checks = {
    noErrors: r.errors === 0,
    rssGrowthUnder10Pct: r.rss.growthPct !== null && r.rss.growthPct < 10,
    eventLoopP99Under50ms: r.eventLoopDelayMs !== null && r.eventLoopDelayMs.p99 < 50,
    // Idle in transaction for a moment is a transaction between two statements; for seconds it is a leak.
    poolStable: typeof r.pool === 'string' || (r.pool.maxTotal <= poolSize && r.pool.samplesStuckInTx === 0),
    rateSustained: r.achievedRate >= opts.rate * 0.95 && r.skippedOverload === 0,
    cleanExit: !died && r.shutdown.code === 0,
    auditVerifies: verification.exitCode === 0 && verification.ok,
  };
  summary.checks = checks;
  summary.samples = samples;
  summary.pass = Object.values(checks).every(Boolean);
  exitCode = summary.pass ? 0 : 1;
} catch (e) {
  summary.error = String(e?.stack ?? e);
  log(`could not run: ${e?.message ?? e}`);
  exitCode = 2;
} finally {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  agent.destroy();
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  cluster?.stop();
  summary.finishedAt = new Date().toISOString();
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
  const { samples: _samples, ...brief } = summary;
  process.stdout.write(`${JSON.stringify(brief, null, 2)}\n`);
  log(`${summary.pass ? 'PASS' : 'FAIL'}; results in ${RESULTS}${opts.keep || exitCode !== 0 ? `; logs in ${work}` : ''}`);
  if (!opts.keep && exitCode === 0) rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
