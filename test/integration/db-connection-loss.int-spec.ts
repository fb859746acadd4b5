import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DomainError } from '../../src/common/errors.js';
import { Db } from '../../src/database/db.service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { ThrowawayCluster } from '../support/throwaway-cluster.js';

/**
 * Regression (fault tier, RE-04/RE-05): a backend that dies while a transaction holds its pooled client
 * between two queries made pg emit an unhandled 'error' and ended the whole API process. Now the
 * transaction fails with 503 UNAVAILABLE, the broken client leaves the pool, and the next one works.
 */
describe('a connection lost in the middle of a transaction', () => {
  let cluster: ThrowawayCluster | null;
  let t: TestApp | undefined;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    if (!cluster) return;
    cluster.start();
    t = await createTestApp({ DATABASE_URL: cluster.url, AUDIT_SEALER_ENABLED: 'false', DB_POOL_SIZE: '2' });
  }, 120_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    cluster?.destroy();
  });

  it('answers 503 and keeps the process and the pool usable', async () => {
    if (!cluster || !t) {
      console.warn('skipped: initdb/pg_ctl not found');
      return;
    }
    const db = t.app.get(Db);
    const side = new pg.Client({ connectionString: cluster.url });
    await side.connect();
    try {
      const failed = db.tx(null, async (tx) => {
        const me = await tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await side.query('SELECT pg_terminate_backend($1)', [me!.pid]);
        // Until the backend is gone, so its FATAL message reaches this client while no query is running on it.
        while ((await side.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [me!.pid])).rowCount) await new Promise((r) => setTimeout(r, 20));
        return tx.one('SELECT 1 AS one');
      });
      await expect(failed).rejects.toBeInstanceOf(DomainError);
      await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
      for (let i = 0; i < 4; i++) await expect(db.tx(null, (tx) => tx.one<{ one: number }>('SELECT 1 AS one'))).resolves.toEqual({ one: 1 });
      expect(db.pool.totalCount).toBeLessThanOrEqual(2);
    } finally {
      await side.end();
    }
  }, 60_000);
});
