// Shared by migration-generate.mjs and migration-create.mjs: arguments, file name, class source and the
// index update, so generated and hand-written migrations look like the ones in migrations/.
import { writeFileSync } from 'node:fs';

const USAGE = '<Name> [--description "<one line>"] [--dry-run] [--no-index] [--dir <dir>]';

/** `add-case-labels`, `add_case_labels` or `AddCaseLabels` → `AddCaseLabels`. */
export function pascalName(raw) {
  return raw
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export function parseArgs(argv, script) {
  const out = { name: null, description: null, dryRun: false, noIndex: false, dir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run') out.dryRun = true;
    else if (a === '--no-index') out.noIndex = true;
    else if (a === '--description' || a === '--dir') {
      const v = argv[++i];
      if (!v) fail(script, `${a} needs a value`);
      out[a.slice(2)] = v;
    } else if (a.startsWith('--')) fail(script, `unknown option ${a}`);
    else if (out.name) fail(script, `one name only (got ${out.name} and ${a})`);
    else out.name = a;
  }
  if (!out.name) fail(script, `a name is required: npm run ${script.replace('-', ':')} -- ${USAGE}`);
  const name = pascalName(out.name);
  if (!/^[A-Z][A-Za-z0-9]{0,80}$/.test(name)) fail(script, `"${out.name}" does not make a class name (letters and digits, starting with a letter)`);
  if (out.description && /\*\/|\n/.test(out.description)) fail(script, '--description is one line without */');
  return { ...out, name };
}

function fail(script, message) {
  console.error(`${script}: ${message}`);
  process.exit(2);
}

export const migrationFileName = (name, timestamp) => `${timestamp}-${name}.ts`;

/** TypeORM's generator layout (4 spaces, double-quoted import), with a type-only import and a JSDoc line. */
export function renderMigration({ name, timestamp, description, up, down }) {
  const className = `${name}${timestamp}`;
  const doc = description ? `\n/** ${description} */` : '';
  const body = (lines) => (lines.length ? `${lines.join('\n')}\n` : '');
  const source = `import type { MigrationInterface, QueryRunner } from "typeorm";
${doc}
export class ${className} implements MigrationInterface {
    name = '${className}'

    public async up(queryRunner: QueryRunner): Promise<void> {
${body(up)}    }

    public async down(queryRunner: QueryRunner): Promise<void> {
${body(down)}    }

}
`;
  return { className, source };
}

/**
 * Adds the import after the last import of migrations/index.ts and the class at the end of MIGRATIONS.
 * Returns false (and changes nothing) when the file does not have the expected shape.
 */
export function addToIndex(file, text, className, fileName) {
  const list = /export const MIGRATIONS(\s*:[^=]+)?\s*=\s*\[([\s\S]*?)\]/.exec(text);
  const imports = [...text.matchAll(/^import .*;$/gm)];
  if (!list || imports.length === 0 || text.includes(`{ ${className} }`)) return false;
  const inner = list[2];
  const multiline = inner.includes('\n');
  const newInner = multiline ? `${inner.replace(/,?\s*$/, ',')}\n  ${className},\n` : `${inner.trim() ? `${inner.trim()}, ` : ''}${className}`;
  const listStart = list.index + list[0].indexOf('[') + 1;
  let next = text.slice(0, listStart) + newInner + text.slice(listStart + inner.length);
  const last = imports[imports.length - 1];
  const at = last.index + last[0].length;
  next = `${next.slice(0, at)}\nimport { ${className} } from './${fileName.replace(/\.ts$/, '.js')}';${next.slice(at)}`;
  writeFileSync(file, next);
  return true;
}
