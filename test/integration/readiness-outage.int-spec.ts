import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { ThrowawayCluster } from '../support/throwaway-cluster.js';

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await fn()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Readiness follows the database: 503 within 5 s of an outage, 200 again without a restart. */
describe('readiness during a database outage', () => {
  let cluster: ThrowawayCluster | null;
  let t: TestApp | undefined;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    if (!cluster) return;
    cluster.start();
    t = await createTestApp({ DATABASE_URL: cluster.url, DB_ACQUIRE_TIMEOUT_MS: '500', AUDIT_SEALER_ENABLED: 'false' });
  }, 120_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    cluster?.destroy();
  });

  it('turns 503 while PostgreSQL is down and recovers on its own', async () => {
    if (!cluster || !t) {
      // No PostgreSQL server binaries on this machine (only Node and npm): nothing to stop.
      console.warn('skipped: initdb/pg_ctl not found');
      return;
    }
    const server = t.server;
    await request(server).get('/health/ready').expect(200);
    cluster.stopImmediate();
    const down = await waitFor(async () => (await request(server).get('/health/ready')).status === 503, 5000);
    const body = (await request(server).get('/health/ready')).body;
    expect(body).toEqual({ status: 'unavailable', reason: 'database' });
    cluster.start();
    const up = await waitFor(async () => (await request(server).get('/health/ready')).status === 200, 15_000);
    expect(down).toBeLessThan(5000);
    expect(up).toBeLessThan(15_000);
  }, 60_000);
});
