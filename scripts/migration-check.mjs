// CI migration check on an empty database: migrate; the schema the entities describe must need no
// further change (drift check); revert every migration; migrate again; check drift again.
// Usage: node scripts/migration-check.mjs <admin postgres url>
import { scratchDatabase } from './scratch-database.mjs';
import { DataSource } from 'typeorm';

const { typeOrmOptions } = await import('../dist/src/database/database.config.js');
const { MIGRATIONS } = await import('../dist/migrations/index.js');

const admin = process.argv[2] ?? process.env.DATABASE_URL;
if (!admin) {
  console.error('usage: migration-check.mjs <postgres admin url>');
  process.exit(2);
}
const scratch = await scratchDatabase(admin, 'doorstep_migcheck');
const ds = new DataSource({ ...typeOrmOptions({ url: scratch.url, poolSize: 2 }, { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 600_000 }), migrationsRun: false });
let failed = false;

async function drift(stage) {
  const sql = await ds.driver.createSchemaBuilder().log();
  if (sql.upQueries.length > 0) {
    failed = true;
    console.error(`[migration-check] drift after ${stage}: the entities need ${sql.upQueries.length} change(s):`);
    for (const q of sql.upQueries) console.error(`  ${q.query}`);
  } else {
    console.log(`[migration-check] no drift after ${stage}`);
  }
}

try {
  await ds.initialize();
  const applied = await ds.runMigrations({ transaction: 'each' });
  console.log(`[migration-check] applied ${applied.length} of ${MIGRATIONS.length} migrations`);
  await drift('migrate');
  for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
  const left = await ds.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`);
  if (left[0].n !== 0) {
    failed = true;
    console.error(`[migration-check] ${left[0].n} table(s) left after reverting every migration`);
  } else {
    console.log('[migration-check] every migration reverted cleanly');
  }
  await ds.runMigrations({ transaction: 'each' });
  await drift('re-migrate');
} catch (e) {
  failed = true;
  console.error('[migration-check] failed:', e);
} finally {
  await ds.destroy().catch(() => undefined);
  await scratch.drop();
}
process.exit(failed ? 1 : 0);
