import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/database.config.js';
import { productionEnv } from '../support/production-env.js';
import { createTestApp } from '../support/test-app.js';
import { ThrowawayCluster } from '../support/throwaway-cluster.js';

/**
 * Production start-up: the app runs as the unprivileged role from db/roles.sql on a server that keeps
 * acknowledged commits, and refuses to start as a superuser or on a server with fsync or
 * synchronous_commit off (issue 9 §4).
 */
describe('production start-up checks', () => {
  let cluster: ThrowawayCluster | null = null;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    if (!cluster) return;
    cluster.start();
    cluster.psql(readFileSync(join(process.cwd(), 'db/roles.sql'), 'utf8'));
    cluster.psql('CREATE DATABASE doorstep');
    const ds = new DataSource({ ...typeOrmOptions({ url: cluster.urlFor('postgres', 'doorstep'), poolSize: 1 }, { dbAcquireTimeoutMs: 10_000, dbStatementTimeoutMs: 600_000 }), migrationsRun: false });
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
  }, 180_000);

  afterAll(() => {
    cluster?.destroy();
  });

  it('starts as doorstep_app on a durable server and serves requests', async () => {
    if (!cluster) return console.warn('skipped: initdb/pg_ctl not found');
    const t = await createTestApp(productionEnv(cluster.urlFor('doorstep_app', 'doorstep')));
    try {
      await request(t.server).get('/health/ready').expect(200);
      await request(t.server).post('/api/v1/auth/login').send({ username: 'nobody', password: 'nothing-at-all-here' }).expect(401);
      // Logged in as doorstep_app itself, token lookups are plain prepared statements: unknown tokens are 401, not errors.
      await request(t.server).get('/api/v1/auth/me').set('Authorization', `Bearer dss_${'A'.repeat(43)}`).expect(401);
      await request(t.server).get('/api/v1/auth/me').set('Authorization', `Bearer dsk_${'A'.repeat(16)}_${'B'.repeat(43)}`).expect(401);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('refuses to start as a superuser', async () => {
    if (!cluster) return;
    await expect(createTestApp(productionEnv(cluster.urlFor('postgres', 'doorstep')))).rejects.toThrow(/superuser/);
  }, 120_000);

  it('refuses to start when fsync or synchronous_commit is off', async () => {
    if (!cluster) return;
    cluster.stop();
    cluster.start({ fsync: 'off', synchronous_commit: 'off' });
    await expect(createTestApp(productionEnv(cluster.urlFor('doorstep_app', 'doorstep')))).rejects.toThrow(/fsync is off; synchronous_commit is off/);
    cluster.stop();
    cluster.start();
  }, 120_000);
});
