import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import { AUDIT_PAYLOAD_SQL, chainHash, entryHash, genesisHash, type AuditPayload } from '../../src/audit/audit-hash.js';
import { loadAuditKeys } from '../../src/audit/audit-keys.js';
import { AuditSealer } from '../../src/audit/audit-sealer.service.js';
import { verifyAuditChain, type VerifyResult } from '../../src/audit/audit-verifier.js';
import { CheckpointSink } from '../../src/audit/checkpoint-sink.js';
import { Db } from '../../src/database/db.service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const EVENTS = 10_000;

/** AU-05, AU-06, AU-07: append-only enforcement, the tamper matrix, and sealing under concurrency. */
describe('audit trail: append-only, hash chain, checkpoints, verification', () => {
  let t: TestApp;
  const db = () => t.app.get(Db);

  async function insertEvents(n: number, client?: PoolClient) {
    const sql = `INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, auth_method, action, route, outcome,
        http_status, object_type, object_ids, subject_ids, field_classes, processing_activity, app_version)
      SELECT now() - make_interval(secs => g / 1000.0), (g % 50), 'req-' || g, lpad(to_hex(g), 32, '0'), lpad(to_hex(g), 16, '0'), 'user', gen_random_uuid(), 'password',
             (ARRAY['READ','LIST','CREATE','UPDATE'])[1 + g % 4], 'GET /api/v1/cases/:id', 'success', 200, 'Case', ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()],
             CASE WHEN g % 3 = 0 THEN ARRAY['IDENTIFYING'] ELSE '{}'::text[] END, 'CASE_MANAGEMENT', 'test'
        FROM generate_series(1, $1::int) g`;
    if (client) await client.query(sql, [n]);
    else await db().pool.query(sql, [n]);
  }

  async function verifyWith(client: PoolClient): Promise<VerifyResult> {
    return verifyAuditChain({
      client,
      installationId: t.config.audit.installationId,
      verifyKeys: loadAuditKeys(t.config).verify,
      sink: new CheckpointSink(t.config.audit.checkpointSinkDir).read(),
    });
  }

  /** Runs an attack as the owner in a transaction that is rolled back, and returns what the verifier saw. */
  async function attack(steps: (c: PoolClient) => Promise<void>): Promise<VerifyResult> {
    const c = await db().pool.connect();
    try {
      await c.query('BEGIN');
      for (const tbl of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
        await c.query(`ALTER TABLE ${tbl} DISABLE TRIGGER ${tbl}_no_change`);
        await c.query(`ALTER TABLE ${tbl} DISABLE TRIGGER ${tbl}_no_truncate`);
      }
      await steps(c);
      for (const tbl of ['audit_events', 'audit_chain', 'audit_checkpoints']) await c.query(`ALTER TABLE ${tbl} ENABLE ALWAYS TRIGGER ${tbl}_no_change; ALTER TABLE ${tbl} ENABLE ALWAYS TRIGGER ${tbl}_no_truncate`);
      return await verifyWith(c);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  }

  const eventAt = async (c: PoolClient, pos: number) => (await c.query<{ id: string }>(`SELECT event_id AS id FROM audit_chain WHERE chain_pos = $1`, [pos])).rows[0].id;

  beforeAll(async () => {
    t = await createTestApp({ AUDIT_SEALER_ENABLED: 'false', AUDIT_VERIFY_INTERVAL_MINUTES: '0' });
    await insertEvents(EVENTS);
    const sealer = t.app.get(AuditSealer);
    let sealed = 0;
    // A transaction open in another test database holds sealing back for a moment (xids are cluster-wide).
    for (let i = 0; i < 300 && sealed < EVENTS; i++) {
      const n = await sealer.sealNow();
      sealed += n;
      if (n === 0) await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('seals every event once, in a gap-free chain, with a signed checkpoint at most every 1,000 events', async () => {
    const stats = (await db().pool.query(`SELECT count(*)::int AS n, min(chain_pos)::int AS lo, max(chain_pos)::int AS hi, count(DISTINCT event_id)::int AS d FROM audit_chain`)).rows[0];
    expect(stats.n).toBeGreaterThanOrEqual(EVENTS);
    expect(stats).toMatchObject({ lo: 1, hi: stats.n, d: stats.n });
    const cps = (await db().pool.query(`SELECT chain_pos::int AS pos FROM audit_checkpoints ORDER BY no`)).rows.map((r) => r.pos as number);
    expect(cps.length).toBeGreaterThanOrEqual(10);
    let prev = 0;
    for (const p of cps) {
      expect(p - prev).toBeLessThanOrEqual(1000);
      prev = p;
    }
    expect(new CheckpointSink(t.config.audit.checkpointSinkDir).read().length).toBe(cps.length);
    const c = await db().pool.connect();
    try {
      const clean = await verifyWith(c);
      expect(clean.findings).toEqual([]);
      expect(clean.ok).toBe(true);
      expect(clean.checkedEvents).toBe(stats.n);
    } finally {
      c.release();
    }
  });

  describe('append-only enforcement (AU-05)', () => {
    async function sqlState(sql: string, role: 'app' | 'owner' | 'replica'): Promise<string | undefined> {
      const c = await db().pool.connect();
      try {
        await c.query('BEGIN');
        if (role === 'app') await c.query('SET LOCAL ROLE doorstep_app');
        if (role === 'replica') await c.query(`SET LOCAL session_replication_role = replica`);
        await c.query(sql);
        return undefined;
      } catch (e) {
        return (e as { code?: string }).code;
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    }

    it('refuses the application role every change with 42501', async () => {
      for (const sql of [
        `UPDATE audit_events SET action = 'READ'`,
        `DELETE FROM audit_events`,
        `TRUNCATE audit_events`,
        `ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`,
        `DROP TABLE audit_events`,
        `INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash) VALUES (999999999, gen_random_uuid(), 1, '1'::xid8, '\\x00', '\\x00')`,
        `UPDATE audit_checkpoints SET payload = '{}'`,
      ]) {
        expect({ sql, state: await sqlState(sql, 'app') }).toEqual({ sql, state: '42501' });
      }
    });

    it('refuses even the owner UPDATE, DELETE and TRUNCATE, also in replica mode, with the trigger error', async () => {
      for (const table of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
        for (const sql of [`UPDATE ${table} SET ${table === 'audit_events' ? 'action' : table === 'audit_chain' ? 'sealed_at' : 'key_id'} = ${table === 'audit_chain' ? 'now()' : `'x'`}`, `DELETE FROM ${table}`, `TRUNCATE ${table} CASCADE`]) {
          expect({ sql, state: await sqlState(sql, 'owner') }).toEqual({ sql, state: 'P0001' });
        }
      }
      expect(await sqlState(`UPDATE audit_events SET action = 'READ'`, 'replica')).toBe('P0001');
      const triggers = (await db().pool.query(`SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname LIKE 'audit\\_%' AND NOT t.tgisinternal`)).rows;
      expect(triggers).toHaveLength(6);
      expect(triggers.every((r) => r.tgenabled === 'A')).toBe(true);
    });
  });

  describe('tamper matrix (AU-06)', () => {
    const positions = [1, 777, 2500, 5001, 9000];

    it('finds an edited field at its exact position', async () => {
      for (const pos of positions) {
        const r = await attack(async (c) => {
          await c.query(`UPDATE audit_events SET actor_role = 'admin' WHERE event_id = $1`, [await eventAt(c, pos)]);
        });
        expect({ pos, ok: r.ok, first: r.firstBadSequence }).toEqual({ pos, ok: false, first: pos });
      }
    });

    it('finds a deleted event and a deleted chain row at their position', async () => {
      for (const pos of positions) {
        const r = await attack(async (c) => {
          const id = await eventAt(c, pos);
          await c.query(`ALTER TABLE audit_chain DROP CONSTRAINT IF EXISTS audit_chain_event_id_fkey`);
          await c.query(`DELETE FROM audit_events WHERE event_id = $1`, [id]);
        });
        expect({ pos, ok: r.ok, first: r.firstBadSequence }).toEqual({ pos, ok: false, first: pos });
        const r2 = await attack(async (c) => {
          await c.query(`DELETE FROM audit_chain WHERE chain_pos = $1`, [pos]);
        });
        expect({ pos, ok: r2.ok, first: r2.firstBadSequence }).toEqual({ pos, ok: false, first: pos });
      }
    });

    it('finds a forged row inserted mid-chain', async () => {
      for (const pos of positions.slice(1)) {
        const r = await attack(async (c) => {
          await c.query(`UPDATE audit_chain SET chain_pos = chain_pos + 1000000 WHERE chain_pos >= $1`, [pos]);
          await c.query(`UPDATE audit_chain SET chain_pos = chain_pos - 999999 WHERE chain_pos >= 1000000`);
          await insertEvents(1, c);
          const forged = (await c.query(`SELECT event_id FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain x WHERE x.event_id = e.event_id) ORDER BY event_seq DESC LIMIT 1`)).rows[0].event_id;
          await c.query(`INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash) VALUES ($1, $2, 1, '1'::xid8, $3, $3)`, [pos, forged, Buffer.alloc(32, 7)]);
        });
        expect({ pos, ok: r.ok, first: r.firstBadSequence }).toEqual({ pos, ok: false, first: pos });
      }
    });

    it('finds two swapped rows at the first of them', async () => {
      for (const pos of positions.slice(0, 4)) {
        const other = pos + 100;
        const r = await attack(async (c) => {
          await c.query(`UPDATE audit_chain SET chain_pos = -1 WHERE chain_pos = $1`, [pos]);
          await c.query(`UPDATE audit_chain SET chain_pos = $1 WHERE chain_pos = $2`, [pos, other]);
          await c.query(`UPDATE audit_chain SET chain_pos = $1 WHERE chain_pos = -1`, [other]);
        });
        expect({ pos, ok: r.ok, first: r.firstBadSequence }).toEqual({ pos, ok: false, first: pos });
      }
    });

    it('finds a truncated tail and a rollback to an older state', async () => {
      for (const keep of [1500, 6000, 9500]) {
        const r = await attack(async (c) => {
          const ids = (await c.query(`SELECT event_id FROM audit_chain WHERE chain_pos > $1`, [keep])).rows.map((x) => x.event_id);
          await c.query(`DELETE FROM audit_chain WHERE chain_pos > $1`, [keep]);
          await c.query(`DELETE FROM audit_events WHERE event_id = ANY($1::uuid[])`, [ids]);
          await c.query(`DELETE FROM audit_checkpoints WHERE chain_pos > $1`, [keep]);
        });
        expect(r.ok).toBe(false);
        expect(r.findings.map((f) => f.code)).toContain('ROLLBACK_DETECTED');
        expect(r.firstBadSequence).toBe(keep + 1);
      }
    });

    it('finds a whole-chain rewrite with recomputed hashes through the signed checkpoints', async () => {
      for (const pos of positions.slice(0, 4)) {
        const r = await attack(async (c) => {
          await c.query(`UPDATE audit_events SET outcome = 'denied' WHERE event_id = $1`, [await eventAt(c, pos)]);
          let prev = pos === 1 ? genesisHash(t.config.audit.installationId) : (await c.query(`SELECT chain_hash FROM audit_chain WHERE chain_pos = $1`, [pos - 1])).rows[0].chain_hash;
          const rows = (await c.query(`SELECT c.chain_pos::int AS pos, ${AUDIT_PAYLOAD_SQL} FROM audit_chain c JOIN audit_events e ON e.event_id = c.event_id WHERE c.chain_pos >= $1 ORDER BY c.chain_pos`, [pos])).rows;
          const positionsArr: number[] = [];
          const entries: Buffer[] = [];
          const chains: Buffer[] = [];
          for (const row of rows) {
            const { pos: p, ...payload } = row;
            const e = entryHash(payload as AuditPayload);
            prev = chainHash(prev, e);
            positionsArr.push(p);
            entries.push(e);
            chains.push(prev);
          }
          await c.query(
            `UPDATE audit_chain c SET entry_hash = x.e, chain_hash = x.h FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS x(p, e, h) WHERE c.chain_pos = x.p`,
            [positionsArr, entries, chains],
          );
        });
        expect(r.ok).toBe(false);
        expect(r.findings.map((f) => f.code)).toContain('CHECKPOINT_HASH_MISMATCH');
        expect(r.findings.some((f) => f.code === 'ENTRY_HASH_MISMATCH')).toBe(false);
      }
    });

    it('finds a forged checkpoint', async () => {
      const r = await attack(async (c) => {
        await c.query(`UPDATE audit_checkpoints SET payload = replace(payload, '"v":1', '"v":1 ') WHERE no = 3`);
      });
      expect(r.ok).toBe(false);
      expect(r.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['CHECKPOINT_SIGNATURE_INVALID', 'CHECKPOINT_DIFFERS_FROM_SINK']));
      const r2 = await attack(async (c) => {
        await c.query(`DELETE FROM audit_checkpoints WHERE no = 2`);
      });
      expect(r2.findings.map((f) => f.code)).toContain('CHECKPOINT_MISSING_FROM_DATABASE');
    });

    it('reports no false positives on a clean chain, twice', async () => {
      for (let i = 0; i < 2; i++) {
        const r = await attack(async () => undefined);
        expect(r.findings).toEqual([]);
      }
    });
  });

  it('seals an event whose transaction commits late, without skipping or sealing twice (AU-07, server only)', async () => {
    if (!t.config.databaseUrl) {
      console.warn('skipped on the embedded database: one session cannot hold two transactions');
      return;
    }
    const sealer = t.app.get(AuditSealer);
    await sealer.sealNow();
    const before = (await db().pool.query(`SELECT max(chain_pos)::int AS hi FROM audit_chain`)).rows[0].hi;
    const slow = await db().pool.connect();
    try {
      await slow.query('BEGIN');
      await insertEvents(1, slow);
      await insertEvents(5);
      await sealer.sealNow();
      const sealedWhileOpen = (await db().pool.query(`SELECT max(chain_pos)::int AS hi FROM audit_chain`)).rows[0].hi;
      // Newer commits wait until the older open transaction is gone: nothing overtakes it.
      expect(sealedWhileOpen).toBe(before);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    // Transaction ids are cluster-wide: a transaction another test file holds open in its own database also
    // holds the sealer back for a moment (it seals only below pg_snapshot_xmin), so seal until it catches up.
    let after = { n: 0, hi: 0, d: 0 };
    for (let i = 0; i < 100 && after.hi < before + 6; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      await sealer.sealNow();
      after = (await db().pool.query(`SELECT count(*)::int AS n, max(chain_pos)::int AS hi, count(DISTINCT event_id)::int AS d FROM audit_chain`)).rows[0];
    }
    expect(after.hi).toBe(before + 6);
    expect(after.d).toBe(after.n);
    const unsealed = (await db().pool.query(`SELECT count(*)::int AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.event_id)`)).rows[0].n;
    expect(unsealed).toBe(0);
  });
});
