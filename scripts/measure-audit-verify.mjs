// Measures full verification of N audit events (default 1,000,000) on the local PostgreSQL server:
// generates and seals the events into a scratch database, then times the same engine as
// `npm run audit:verify`. Events are stamped within the last second, so the verifier's backdating check
// (sealed more than 5 minutes after its time) holds while sealing a million of them. Usage: node scripts/measure-audit-verify.mjs [N] [postgres admin url]
import canonicalize from 'canonicalize';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';

const { typeOrmOptions } = await import('../dist/src/database/database.config.js');
const { AUDIT_PAYLOAD_SQL, entryHash, chainHash, genesisHash, checkpointDigest } = await import('../dist/src/audit/audit-hash.js');
const { verifyAuditChain } = await import('../dist/src/audit/audit-verifier.js');
const { CheckpointSink } = await import('../dist/src/audit/checkpoint-sink.js');
const { keyIdOf } = await import('../dist/src/audit/audit-keys.js');

const n = Number(process.argv[2] ?? 1_000_000);
const admin = process.argv[3] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `doorstep_auditverify_${process.pid}`;
const installation = 'measure';
const root = new pg.Client({ connectionString: admin });
await root.connect();
await root.query(`CREATE DATABASE "${name}"`);
const url = new URL(admin);
url.pathname = `/${name}`;
const sinkDir = mkdtempSync(join(tmpdir(), 'doorstep-sink-'));
try {
  const ds = new DataSource({ ...typeOrmOptions({ url: url.href, poolSize: 1 }, { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 3_600_000 }), migrationsRun: false });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  const c = new pg.Client({ connectionString: url.href });
  await c.connect();
  let t = Date.now();
  await c.query(`INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, auth_method, action, route, outcome,
      http_status, object_type, object_ids, subject_ids, field_classes, processing_activity, app_version)
    SELECT now() - make_interval(secs => g / 1000000.0), g % 50, 'req-' || g, lpad(to_hex(g), 32, '0'), lpad(to_hex(g), 16, '0'), 'user', gen_random_uuid(), 'password',
           (ARRAY['READ','LIST','CREATE','UPDATE'])[1 + g % 4], 'GET /api/v1/cases/:id', 'success', 200, 'Case', ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()],
           CASE WHEN g % 3 = 0 THEN ARRAY['IDENTIFYING'] ELSE '{}'::text[] END, 'CASE_MANAGEMENT', 'measure'
      FROM generate_series(1, $1::int) g`, [n]);
  console.log(`inserted ${n} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const sink = new CheckpointSink(sinkDir);
  let prev = genesisHash(installation);
  let pos = 0;
  let lastSeq = 0;
  let cpNo = 0;
  let prevCp = null;
  for (;;) {
    const rows = (await c.query(`SELECT e.event_seq AS __seq, e.written_xid::text AS __xid, ${AUDIT_PAYLOAD_SQL} FROM audit_events e WHERE e.event_seq > $1 ORDER BY e.event_seq LIMIT 10000`, [lastSeq])).rows;
    if (rows.length === 0) break;
    const P = [], I = [], S = [], X = [], E = [], H = [];
    for (const r of rows) {
      const { __seq, __xid, ...payload } = r;
      const e = entryHash(payload);
      prev = chainHash(prev, e);
      pos++;
      P.push(pos); I.push(payload.event_id); S.push(__seq); X.push(__xid); E.push(e); H.push(prev);
      if (pos % 1000 === 0) {
        cpNo++;
        const payloadCp = { v: 1, installation, no: cpNo, chainPos: pos, chainHash: prev.toString('hex'), createdAt: new Date().toISOString(), prevCheckpointSha256: prevCp ? checkpointDigest(prevCp) : null };
        const canonical = canonicalize(payloadCp);
        const sig = sign(null, Buffer.from(canonical), privateKey);
        await c.query(`INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash) SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::xid8[], $5::bytea[], $6::bytea[])`, [P.splice(0), I.splice(0), S.splice(0), X.splice(0), E.splice(0), H.splice(0)]);
        await c.query(`INSERT INTO audit_checkpoints (no, chain_pos, chain_hash, created_at, payload, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [cpNo, pos, prev, payloadCp.createdAt, canonical, sig, keyId]);
        sink.append({ no: cpNo, payload: canonical, signature: sig.toString('base64'), keyId });
        prevCp = canonical;
      }
    }
    if (P.length) await c.query(`INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash) SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::xid8[], $5::bytea[], $6::bytea[])`, [P, I, S, X, E, H]);
    lastSeq = Number(rows[rows.length - 1].__seq);
  }
  await c.query('VACUUM ANALYZE audit_events; ');
  await c.query('VACUUM ANALYZE audit_chain');
  console.log(`sealed ${pos} events with ${cpNo} checkpoints in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const result = await verifyAuditChain({ client: c, installationId: installation, verifyKeys: new Map([[keyId, publicKey]]), sink: sink.read() });
  await c.query('COMMIT');
  const seconds = (Date.now() - t) / 1000;
  console.log(JSON.stringify({ events: n, ok: result.ok, checkedEvents: result.checkedEvents, findings: result.findings.length, verifySeconds: seconds }));
  await c.end();
} finally {
  await root.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await root.end();
  rmSync(sinkDir, { recursive: true, force: true });
}
