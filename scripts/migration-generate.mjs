// `npm run migration:generate -- <Name> [--description "<one line>"] [--dry-run] [--no-index] [--dir <dir>]`
//
// Writes migrations/<epochMs>-<Name>.ts with the SQL that takes a database migrated to the current list
// (migrations/index.ts, as built in dist/) to the schema the entities describe, in the style of the
// existing migrations (TypeORM's generator output), and appends the class to migrations/index.ts.
//
// The diff is computed on a scratch database, never on a database someone works in: with DATABASE_URL
// (an admin URL with CREATEDB) a database doorstep_miggen_<pid> on that server, dropped afterwards;
// without it an in-memory embedded PostgreSQL (PGlite). Prefer the server: it is what production runs.
//
//   --description  the one-line JSDoc above the class (the existing migrations all have one)
//   --dry-run      print the migration instead of writing it
//   --no-index     leave migrations/index.ts alone and only print the lines to add
//   --dir          write into another directory (tests of this script)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { scratchDatabase as serverScratchDatabase } from './scratch-database.mjs';
import { addToIndex, migrationFileName, parseArgs, renderMigration } from './migration-template.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2), 'migration-generate');
if (!existsSync(join(root, 'dist/src/database/database.config.js'))) {
  console.error('migration-generate: dist/ is missing; run `npm run migration:generate` (it builds first) or `npm run build`');
  process.exit(2);
}
const { typeOrmOptions } = await import('../dist/src/database/database.config.js');
const { startEmbeddedPostgres } = await import('../dist/src/database/embedded-postgres.js');
const { MIGRATIONS } = await import('../dist/migrations/index.js');

const timeouts = { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 600_000 };

/** A scratch database and a way to get rid of it. */
async function scratchDatabase() {
  const admin = process.env.DATABASE_URL;
  if (!admin) {
    const embedded = await startEmbeddedPostgres('memory://');
    return { url: embedded.url, where: 'embedded PGlite (in memory)', drop: () => embedded.stop() };
  }
  return serverScratchDatabase(admin, 'doorstep_miggen');
}

const escape = (sql) => sql.replace(/`/g, '\\`');
const params = (p) => (p && p.length ? `, ${JSON.stringify(p)}` : '');

let exitCode = 0;
const db = await scratchDatabase();
const ds = new DataSource({ ...typeOrmOptions({ url: db.url, poolSize: 1 }, timeouts), migrationsRun: false });
try {
  await ds.initialize();
  const applied = await ds.runMigrations({ transaction: 'each' });
  console.log(`migration-generate: ${db.where}, ${applied.length} of ${MIGRATIONS.length} migrations applied`);
  const sql = await ds.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    console.log('migration-generate: the entities match the migrations; nothing to generate (use `npm run migration:create` for a hand-written one)');
    exitCode = 1;
  } else {
    const timestamp = Date.now();
    const up = sql.upQueries.map((q) => `        await queryRunner.query(\`${escape(q.query)}\`${params(q.parameters)});`);
    // The schema builder lists the undo steps in execution order of the up steps; down runs them backwards.
    const down = sql.downQueries.map((q) => `        await queryRunner.query(\`${escape(q.query)}\`${params(q.parameters)});`).reverse();
    const { className, source } = renderMigration({ name: args.name, timestamp, description: args.description, up, down });
    if (args.dryRun) {
      process.stdout.write(source);
    } else {
      const dir = resolve(args.dir ?? join(root, 'migrations'));
      const file = join(dir, migrationFileName(args.name, timestamp));
      writeFileSync(file, source);
      console.log(`migration-generate: wrote ${relative(process.cwd(), file)} (${up.length} statement(s) up, ${down.length} down)`);
      const index = join(dir, 'index.ts');
      const added = !args.noIndex && existsSync(index) && addToIndex(index, readFileSync(index, 'utf8'), className, migrationFileName(args.name, timestamp));
      if (added) console.log(`migration-generate: added ${className} to ${relative(process.cwd(), index)}`);
      else console.log(`migration-generate: add it to migrations/index.ts yourself:\n  import { ${className} } from './${migrationFileName(args.name, timestamp).replace(/\.ts$/, '.js')}';\n  … and ${className} at the end of MIGRATIONS`);
      if (!args.description) console.log('migration-generate: give the class a one-line JSDoc saying what the migration is for (or pass --description)');
      console.log('migration-generate: review the SQL (data migrations, grants for doorstep_app, RLS policies and triggers are never generated), then `npm run build && node scripts/migration-check.mjs <admin url>`');
    }
  }
} catch (e) {
  console.error('migration-generate: failed:', e instanceof Error ? e.message : e);
  exitCode = 2;
} finally {
  await ds.destroy().catch(() => undefined);
  await db.drop().catch(() => undefined);
}
process.exit(exitCode);
