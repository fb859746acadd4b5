// Builds one migrated template database per test run; every test file then gets its own copy
// (test/support/per-file-db.ts), so files run in parallel without sharing state.
// Plain .mjs importing dist/: Jest imports global setup natively, outside its transform.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';

const { typeOrmOptions } = await import('../../dist/src/database/database.config.js');
const { startEmbeddedPostgres } = await import('../../dist/src/database/embedded-postgres.js');

const timeouts = { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 600_000 };

async function migrate(url) {
  const ds = new DataSource({ ...typeOrmOptions({ url, poolSize: 1 }, timeouts), migrationsRun: false });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** True when the process that created a database named doorstep_t_<pid>_… is gone. */
function orphaned(datname) {
  const pid = Number(/^doorstep_(?:t|tmpl)_(\d+)_/.exec(datname)?.[1]);
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

export default async function globalSetup() {
  const started = Date.now();
  // Unit specs need no database (npm run test:unit).
  if (process.env.SKIP_DB_SETUP === '1') return;
  if (process.env.DATABASE_URL) {
    const admin = process.env.DATABASE_URL;
    const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const prefix = `doorstep_t_${run}_`;
    const template = `doorstep_tmpl_${run}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      // Databases left behind by an interrupted run (never those of a run still going on).
      const stale = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'doorstep\\_t\\_%' OR datname LIKE 'doorstep\\_tmpl\\_%'`);
      for (const { datname } of stale.rows) if (orphaned(datname)) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${template}"`);
    } finally {
      await c.end();
    }
    const url = new URL(admin);
    url.pathname = `/${template}`;
    await migrate(url.href);
    process.env.TEST_DB_ADMIN_URL = admin;
    process.env.TEST_DB_TEMPLATE = template;
    process.env.TEST_DB_PREFIX = prefix;
  } else {
    const embedded = await startEmbeddedPostgres('memory://');
    try {
      await migrate(embedded.url);
      const dir = join(process.cwd(), 'node_modules', '.cache', 'doorstep');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `pglite-template-${process.pid}.tar`);
      writeFileSync(file, Buffer.from(await (await embedded.dump()).arrayBuffer()));
      process.env.PGLITE_TEMPLATE = file;
    } finally {
      await embedded.stop();
    }
  }
  process.stdout.write(`\n[global-setup] template database ready in ${Date.now() - started} ms\n`);
}
