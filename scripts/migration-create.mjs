// `npm run migration:create -- <Name> [--description "<one line>"] [--dry-run] [--no-index] [--dir <dir>]`
//
// Writes an empty migrations/<epochMs>-<Name>.ts (up and down to fill in by hand: data migrations,
// grants, RLS policies, triggers, anything the entity diff cannot express) and appends the class to
// migrations/index.ts. Needs no database and no build.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addToIndex, migrationFileName, parseArgs, renderMigration } from './migration-template.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2), 'migration-create');
const timestamp = Date.now();
const { className, source } = renderMigration({ name: args.name, timestamp, description: args.description, up: [], down: [] });
if (args.dryRun) {
  process.stdout.write(source);
  process.exit(0);
}
const dir = resolve(args.dir ?? join(root, 'migrations'));
const fileName = migrationFileName(args.name, timestamp);
const file = join(dir, fileName);
writeFileSync(file, source, { flag: 'wx' });
console.log(`migration-create: wrote ${relative(process.cwd(), file)}`);
const index = join(dir, 'index.ts');
if (!args.noIndex && existsSync(index) && addToIndex(index, readFileSync(index, 'utf8'), className, fileName)) {
  console.log(`migration-create: added ${className} to ${relative(process.cwd(), index)}`);
} else {
  console.log(`migration-create: add it to migrations/index.ts yourself:\n  import { ${className} } from './${fileName.replace(/\.ts$/, '.js')}';\n  … and ${className} at the end of MIGRATIONS`);
}
if (!args.description) console.log('migration-create: give the class a one-line JSDoc saying what the migration is for (or pass --description)');
console.log('migration-create: fill in up() and down() (every migration has a working down), then `npm run build && node scripts/migration-check.mjs <admin url>`');
