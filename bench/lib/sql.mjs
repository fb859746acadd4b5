// The canonical statements of bench/sql/, shared by L0 (pgbench), L1 (bare Fastify) and L2 (Nest with overrides).
// Files use pgbench's `:name` variables; Node gets them as `$n` (one number per name) and runs them as named
// prepared statements. `-- @audit` … `-- @end-audit` blocks are the audit inserts, dropped for L1-noaudit.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql');

const VAR_CHARS = /[A-Za-z0-9_]/;

/** Removes `--` comments outside string literals and the audit blocks (when audit is false). */
export function preprocess(text, { audit = true } = {}) {
  const lines = text.split('\n');
  const kept = [];
  let inAudit = false;
  for (const line of lines) {
    const t = line.trim();
    if (t === '-- @audit') {
      inAudit = true;
      continue;
    }
    if (t === '-- @end-audit') {
      inAudit = false;
      continue;
    }
    if (inAudit && !audit) continue;
    kept.push(stripComment(line));
  }
  return kept
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim() !== '')
    .join('\n')
    .replace(/;\s*$/, '');
}

function stripComment(line) {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") inQuote = !inQuote;
    else if (!inQuote && ch === '-' && line[i + 1] === '-') return line.slice(0, i);
  }
  return line;
}

/** `:name` → `$n` with pgbench's rules: a name is letters, digits and `_`; `::type` casts are left alone. */
export function toPositional(text) {
  const names = [];
  let out = '';
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      inQuote = !inQuote;
      out += ch;
      continue;
    }
    if (!inQuote && ch === ':') {
      if (text[i + 1] === ':') {
        // a cast: copy every consecutive colon
        let j = i;
        while (text[j] === ':') j++;
        out += text.slice(i, j);
        i = j - 1;
        continue;
      }
      let j = i + 1;
      while (j < text.length && VAR_CHARS.test(text[j])) j++;
      if (j > i + 1) {
        const name = text.slice(i + 1, j);
        let n = names.indexOf(name);
        if (n < 0) {
          names.push(name);
          n = names.length - 1;
        }
        out += `$${n + 1}`;
        i = j - 1;
        continue;
      }
    }
    out += ch;
  }
  return { text: out, names };
}

const cache = new Map();

/** A canonical statement: `{ name, text, names, pgbench }` (pgbench: the `:name` text for L0 scripts). */
export function statement(file, { audit = true } = {}) {
  const key = `${file}:${audit}`;
  let s = cache.get(key);
  if (!s) {
    const raw = readFileSync(join(SQL_DIR, `${file}.sql`), 'utf8');
    const pgbench = preprocess(raw, { audit });
    const { text, names } = toPositional(pgbench);
    s = { name: `bench_${file.replace(/[^a-z0-9]/gi, '_')}_${audit ? 'a' : 'n'}`, file, text, names, pgbench: `${pgbench};` };
    cache.set(key, s);
  }
  return s;
}

/** A pg query config for a named prepared statement; every name must have a value (null → ''). */
export function bind(stmt, values) {
  return {
    name: stmt.name,
    text: stmt.text,
    values: stmt.names.map((n) => {
      if (!(n in values)) throw new Error(`${stmt.file}.sql: no value for :${n}`);
      const v = values[n];
      return v === null || v === undefined ? '' : v;
    }),
  };
}

export function sqlFile(file) {
  return readFileSync(join(SQL_DIR, `${file}.sql`), 'utf8');
}
