import 'reflect-metadata';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { ConfigError, loadConfigFromProcess } from '../config/app-config.js';
import { resolveDbConnection } from '../database/database.config.js';
import { loadAuditKeys } from './audit-keys.js';
import { verifyAuditChain } from './audit-verifier.js';
import { CheckpointSink } from './checkpoint-sink.js';

/**
 * `npm run audit:verify [-- --json] [-- --sink <dir>]`: verifies the whole audit chain against the
 * signed checkpoints and the sink. Exit 0 clean, 1 tampering or inconsistency, 2 could not verify.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const sinkArg = args.indexOf('--sink');
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : 'configuration error'}\n`);
    return 2;
  }
  const sinkDir = sinkArg >= 0 ? args[sinkArg + 1] : config.audit.checkpointSinkDir;
  if (!sinkDir || !existsSync(sinkDir)) {
    process.stderr.write(`cannot verify: checkpoint sink ${sinkDir ?? '(none)'} not found\n`);
    return 2;
  }
  let keys;
  try {
    keys = loadAuditKeys(config);
  } catch {
    process.stderr.write('cannot verify: no usable verification key\n');
    return 2;
  }
  const conn = await resolveDbConnection(config);
  const pool = new pg.Pool({ connectionString: conn.url, max: 1 });
  const started = Date.now();
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await verifyAuditChain({ client, installationId: config.audit.installationId, verifyKeys: keys.verify, sink: new CheckpointSink(sinkDir).read() });
      await client.query('COMMIT');
      const seconds = (Date.now() - started) / 1000;
      if (json) process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
      else {
        process.stdout.write(`audit chain: ${result.ok ? 'OK' : 'FAILED'} — ${result.checkedEvents} events in ${seconds.toFixed(1)} s; last checkpoint ${result.lastCheckpoint?.no ?? 'none'}\n`);
        if (!result.ok) {
          process.stdout.write(`first bad position: ${result.firstBadSequence ?? 'n/a'}\n`);
          for (const f of result.findings.slice(0, 50)) process.stdout.write(`  ${f.code}${f.position !== undefined ? ` @${f.position}` : ''}: ${f.detail}\n`);
        }
      }
      return result.ok ? 0 : 1;
    } finally {
      client.release();
    }
  } catch (e) {
    process.stderr.write(`cannot verify: ${(e as { code?: string })?.code ?? (e as Error)?.constructor?.name}\n`);
    return 2;
  } finally {
    await pool.end();
    await conn.embedded?.stop();
  }
}

process.exitCode = await main();
