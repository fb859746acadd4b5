// L0: pgbench replaying the canonical statements (bench/pgbench/*.pgb with `-- @sql` lines expanded from bench/sql/).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './paths.mjs';
import { runCommand } from './procs.mjs';
import { statement } from './sql.mjs';

export const PGBENCH = ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench'].find((p) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return p === 'pgbench';
  }
});

/** The script with its `-- @sql` lines replaced; returns { file, statementsPerTransaction }. */
export function expandScript(name, outDir) {
  const src = readFileSync(join(BENCH_DIR, 'pgbench', `${name}.pgb`), 'utf8');
  let statements = 0;
  const lines = src.split('\n').map((line) => {
    const m = /^--\s*@sql\s+([a-z0-9-]+)\s*$/.exec(line.trim());
    if (m) {
      statements++;
      return statement(m[1]).pgbench;
    }
    if (/^(BEGIN|COMMIT);$/.test(line.trim()) || /\\gset\s*$/.test(line)) statements++;
    return line.startsWith('--') ? '' : line;
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.pgb`);
  writeFileSync(file, lines.filter((l) => l !== '').join('\n') + '\n');
  return { file, statementsPerTransaction: statements };
}

/** pgbench's text form of a parameter value (arrays as PostgreSQL array literals, bytea as \x…, null as ''). */
export function pgText(v) {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `{${v.map((x) => `"${String(x instanceof Date ? x.toISOString() : x).replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
  return String(v);
}

/** Creates bench.<table>(i, <every parameter> text) from parameter objects, and a sequence for write scenarios. */
export async function createInputTable(client, table, rows, { sequence = false, startAt = 1 } = {}) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== 'i').sort();
  await client.query(`DROP TABLE IF EXISTS bench.${table}`);
  await client.query(`CREATE UNLOGGED TABLE bench.${table} (i int PRIMARY KEY, ${cols.map((c) => `"${c}" text`).join(', ')})`);
  for (let off = 0; off < rows.length; off += 2000) {
    const batch = rows.slice(off, off + 2000).map((r, k) => {
      const o = { i: startAt + off + k };
      for (const c of cols) o[c] = pgText(r[c]);
      return o;
    });
    await client.query(`INSERT INTO bench.${table} SELECT * FROM json_populate_recordset(NULL::bench.${table}, $1::json)`, [JSON.stringify(batch)]);
  }
  await client.query(`GRANT SELECT ON bench.${table} TO doorstep_app`);
  if (sequence) {
    await client.query(`DROP SEQUENCE IF EXISTS bench.${table}_seq`);
    await client.query(`CREATE SEQUENCE bench.${table}_seq START ${startAt}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON bench.${table}_seq TO doorstep_app`);
  }
  await client.query(`ANALYZE bench.${table}`);
}

function connArgs(url) {
  const u = new URL(url);
  return ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), '-d', u.pathname.slice(1)];
}

/** Runs pgbench; returns tps (without connection time), per-second samples, transactions, failures and errors. */
export async function pgbench({ url, script, seconds, transactions, clients = 10, threads = 2, defines = {}, core = 1, logDir = null, extra = [] }) {
  const args = ['-M', 'prepared', '-n', '-c', String(clients), '-j', String(threads), '-P', '1', '--no-vacuum'];
  if (transactions) args.push('-t', String(transactions));
  else args.push('-T', String(seconds));
  for (const [k, v] of Object.entries(defines)) args.push('-D', `${k}=${v}`);
  if (logDir) {
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    args.push('--log', `--log-prefix=${join(logDir, 'pgbench_log')}`);
  }
  args.push(...extra, ...(script ? ['-f', script] : []), ...connArgs(url));
  const r = await runCommand(PGBENCH, args, { core, timeoutMs: ((seconds ?? 60) + 120) * 1000 });
  const samples = [...r.stderr.matchAll(/progress: [\d.]+ s, ([\d.]+) tps/g)].map((m) => Number(m[1]));
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1] ?? NaN);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const latencyAvgMs = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1] ?? NaN);
  const aborted = /aborted|error/i.test(r.stderr) ? r.stderr.split('\n').filter((l) => /aborted|error/i.test(l)).slice(0, 5) : [];
  let perTransactionMs = null;
  if (logDir) {
    perTransactionMs = [];
    for (const f of readdirSync(logDir)) {
      for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
        const p = line.trim().split(/\s+/);
        if (p.length >= 3) perTransactionMs.push(Number(p[2]) / 1000);
      }
    }
  }
  return { ok: r.code === 0 && aborted.length === 0, code: r.code, tps, samples, processed, failed, latencyAvgMs, aborted, perTransactionMs, stderrTail: r.code === 0 ? undefined : r.stderr.slice(-1500) };
}
