// Database administration for the benchmark: its login role, template and run databases. It creates and drops only
// databases named doorstep_bench_* (never `test`, doorstep_t_*, or anything it did not create).
import pg from 'pg';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export const BENCH_ROLE = 'doorstep_bench';
/** L3 logs in as the app's own role, as a production deployment does (db/roles.sql), so it runs no role switch. */
export const APP_LOGIN_ROLE = 'doorstep_app';
const OURS = /^doorstep_bench_[a-z0-9_]+$/;

export function urlFor(adminUrl, database, user) {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.href;
}

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url, application_name: 'doorstep-bench-orchestrator' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export function assertOurs(name) {
  if (!OURS.test(name) || name === 'test' || name.startsWith('doorstep_t_')) throw new Error(`refusing to touch database ${name}`);
}

/** The login role of L1-L3 and pgbench: not a superuser (production mode refuses one), member of the app's roles. */
export async function ensureRole(admin) {
  await admin.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_app') THEN
      CREATE ROLE doorstep_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_sealer') THEN
      CREATE ROLE doorstep_sealer NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_verifier') THEN
      CREATE ROLE doorstep_verifier NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BENCH_ROLE}') THEN
      CREATE ROLE ${BENCH_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
  END $$`);
  await admin.query(`GRANT doorstep_app, doorstep_sealer, doorstep_verifier TO ${BENCH_ROLE}`);
  // The login and memberships db/roles.sql gives doorstep_app in production (not its timeouts, which would cut the
  // 1 M research builds). NOINHERIT keeps the sealer's and verifier's rights out of request transactions, so the
  // test suite, which switches to doorstep_app on the same server, sees the same rights as before.
  await admin.query(`ALTER ROLE ${APP_LOGIN_ROLE} LOGIN NOINHERIT`);
  await admin.query(`GRANT doorstep_sealer, doorstep_verifier TO ${APP_LOGIN_ROLE}`);
}

export async function databaseExists(admin, name) {
  return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0;
}

export async function dropDatabase(admin, name) {
  assertOurs(name);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export async function createDatabase(admin, name, template) {
  assertOurs(name);
  if (template) assertOurs(template);
  await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}" STRATEGY FILE_COPY` : ''}`);
}

/** Databases of earlier interrupted runs (doorstep_bench_run_<pid>_…) whose process is gone. */
export async function dropStaleRuns(admin) {
  const r = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'doorstep\\_bench\\_run\\_%'`);
  for (const { datname } of r.rows) {
    const pid = Number(/^doorstep_bench_run_(\d+)_/.exec(datname)?.[1]);
    let alive = false;
    try {
      if (pid) {
        process.kill(pid, 0);
        alive = true;
      }
    } catch {
      alive = false;
    }
    if (!alive) await dropDatabase(admin, datname);
  }
}
