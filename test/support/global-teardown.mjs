import pg from 'pg';

import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  if (process.env.PGLITE_TEMPLATE) rmSync(process.env.PGLITE_TEMPLATE, { force: true });
  const { TEST_DB_ADMIN_URL: admin, TEST_DB_TEMPLATE: template, TEST_DB_PREFIX: prefix } = process.env;
  if (!admin || !template) return;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    const dbs = await c.query(`SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)`, [template, prefix]);
    for (const { datname } of dbs.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
