// The dataset template: one database per size, seed and cache key (generator, migrations, audit hash format), built
// once by the app's migrations + bench/data/generate.sql + the app's sealer, then cloned per run (STRATEGY FILE_COPY).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDatabase, databaseExists, dropDatabase, urlFor, withClient, BENCH_ROLE } from './db.mjs';
import { BENCH_DIR, REPO_DIR, dist } from './paths.mjs';
import { benchSecrets } from './secrets.mjs';

export const SIZES = { '1k': 1_000, '100k': 100_000, '1m': 1_000_000, '5m': 5_000_000 };

/** Tables whose row count and sum(hashtextextended(id::text, 0)) go into the result. */
export const CHECKSUM_TABLES = [
  ['subjects', 'id'], ['cases', 'id'], ['referrals', 'id'], ['case_transitions', 'id'], ['visits', 'id'], ['visit_visitors', 'visit_id'],
  ['visit_attempts', 'id'], ['conversations', 'id'], ['care_referrals', 'id'], ['follow_up_contacts', 'id'], ['audit_events', 'event_id'],
  ['bench.release_persons', 'person_key'],
];

/** generator + migrations + size/seed (not the audit hash code: a template sealed by an older sealer still serves runs). */
export function cacheKey({ size, seed, full }) {
  const h = createHash('sha256');
  h.update(readFileSync(join(BENCH_DIR, 'data', 'generate.sql')));
  for (const f of readdirSync(join(REPO_DIR, 'migrations')).sort()) h.update(f).update(readFileSync(join(REPO_DIR, 'migrations', f)));
  h.update(JSON.stringify({ size, seed, full, seal: 'bulk-v1' }));
  return h.digest('hex').slice(0, 10);
}

export function templateName({ sizeLabel, seed, key }) {
  return `doorstep_bench_tmpl_${sizeLabel}_s${seed}_${key}`;
}

function run(cmd, args, env, log) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed (${code}): ${err.slice(-2000) || out.slice(-2000)}`))));
    p.on('error', reject);
    void log;
  });
}

async function migrate(url) {
  const { typeOrmOptions } = await import(dist('src/database/database.config.js'));
  const ds = new DataSource({ ...typeOrmOptions({ url, poolSize: 1 }, { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 3_600_000 }), migrationsRun: false });
  await ds.initialize();
  try {
    return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export async function checksums(client) {
  const out = {};
  for (const [table, col] of CHECKSUM_TABLES) {
    const r = await client.query(`SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(${col}::text, 0)), 0)::text AS sum FROM ${table}`);
    out[table] = { rows: Number(r.rows[0].n), sum: r.rows[0].sum };
  }
  return out;
}

/**
 * Returns the template for (size, seed), building it when missing. `appEnv(url)` gives the app's environment for a
 * database (the sealer runs with it). Generation day = anchor; a template older than 30 days is rebuilt.
 */
export async function ensureTemplate({ adminUrl, sizeLabel, seed, full, log, appEnv }) {
  const size = SIZES[sizeLabel];
  const persons = size;
  const key = cacheKey({ size, seed, full });
  const name = templateName({ sizeLabel, seed, key });
  const started = Date.now();
  const existing = await withClient(adminUrl, async (admin) => {
    if (!(await databaseExists(admin, name))) return null;
    return withClient(urlFor(adminUrl, name), async (c) => {
      const r = await c.query(`SELECT to_regclass('bench.meta') IS NOT NULL AS ok`);
      if (!r.rows[0].ok) return null;
      const m = Object.fromEntries((await c.query('SELECT key, value FROM bench.meta')).rows.map((x) => [x.key, x.value]));
      if (!m.complete || Date.now() - Date.parse(m.anchor) > 30 * 86_400_000) return null;
      return m;
    });
  });
  if (existing) {
    log(`dataset: cached template ${name} (anchor ${existing.anchor})`);
    return { name, key, meta: existing, built: false, buildSeconds: 0 };
  }
  log(`dataset: building template ${name} (${size} referrals)…`);
  await withClient(adminUrl, async (admin) => {
    const r = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`doorstep\\_bench\\_tmpl\\_${sizeLabel}\\_s${seed}\\_%`]);
    for (const { datname } of r.rows) await dropDatabase(admin, datname);
    await createDatabase(admin, name);
  });
  const url = urlFor(adminUrl, name);
  const phases = {};
  let t = Date.now();
  await migrate(url);
  phases.migrateSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const anchor = new Date().toISOString().slice(0, 10);
  const u = new URL(adminUrl);
  await run(
    'psql',
    ['-X', '-q', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'), '-d', name,
      '-v', `size=${size}`, '-v', `seed=${seed}`, '-v', `anchor=${anchor}`, '-v', `matchkey=${benchSecrets(seed).intakeMatchKey.toString('hex')}`,
      '-v', `persons=${persons}`, '-v', `full=${full ? 1 : 0}`, '-f', join(BENCH_DIR, 'data', 'generate.sql')],
    u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {},
  );
  phases.generateSeconds = (Date.now() - t) / 1000;
  await withClient(url, (c) => c.query(`GRANT SELECT ON migrations TO ${BENCH_ROLE}`));
  t = Date.now();
  if (size < 5_000_000) {
    const bulk = await run(process.execPath, [join(BENCH_DIR, 'probes', 'bulk-seal.mjs'), url, benchSecrets(seed).installationId], {});
    phases.bulkSeal = JSON.parse(bulk.trim().split('\n').pop());
    // the app's sealer: nothing left to seal, it signs the checkpoint at the head
    const env = appEnv(urlFor(adminUrl, name, BENCH_ROLE));
    const out = await run(process.execPath, [join(BENCH_DIR, 'probes', 'sealer.mjs'), '--once'], env);
    phases.seal = JSON.parse(out.trim().split('\n').pop());
    phases.sealSeconds = (Date.now() - t) / 1000;
    // npm run audit:verify on the fresh chain (the design requires that it passes); at 1 M (3 M events) it takes
    // minutes, so there only with BENCH_VERIFY=1
    t = Date.now();
    const verify = size > 100_000 && process.env.BENCH_VERIFY !== '1' ? { ok: true, output: 'skipped above 100 k referrals (BENCH_VERIFY=1 runs it)' } : await run(process.execPath, [join(REPO_DIR, 'dist', 'src', 'audit', 'verify-cli.js'), '--json'], env).then(
      (o) => ({ ok: true, output: o.trim().slice(-400) }),
      (e) => ({ ok: false, output: String(e.message).slice(-600) }),
    );
    phases.auditVerify = { ...verify, seconds: (Date.now() - t) / 1000 };
    log(`dataset: audit:verify ${verify.ok ? 'passed' : 'FAILED'} (${phases.auditVerify.seconds} s)`);
  }
  t = Date.now();
  const sums = await withClient(url, async (c) => {
    await c.query('VACUUM (FREEZE, ANALYZE)');
    const s = await checksums(c);
    await c.query(`INSERT INTO bench.meta VALUES ('checksums', $1), ('phases', $2), ('complete', 'true')`, [JSON.stringify(s), JSON.stringify(phases)]);
    return s;
  });
  phases.vacuumSeconds = (Date.now() - t) / 1000;
  const meta = await withClient(url, async (c) => Object.fromEntries((await c.query('SELECT key, value FROM bench.meta')).rows.map((x) => [x.key, x.value])));
  log(`dataset: built in ${Math.round((Date.now() - started) / 1000)} s (${JSON.stringify(phases)})`);
  void sums;
  return { name, key, meta, built: true, buildSeconds: (Date.now() - started) / 1000 };
}
