import { beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Each test file gets its own database cloned from the migrated template (real server only). */
beforeAll(async () => {
  const { TEST_DB_ADMIN_URL: admin, TEST_DB_TEMPLATE: template, TEST_DB_PREFIX: prefix } = process.env;
  if (!admin || !template) return;
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await c.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.href;
});
