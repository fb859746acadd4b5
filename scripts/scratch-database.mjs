// A throwaway database on a PostgreSQL server for the migration scripts: created empty, dropped afterwards.
import pg from 'pg';

/** Creates `<prefix>_<pid>` through the admin URL (needs CREATEDB); `drop()` removes it and closes the admin client. */
export async function scratchDatabase(admin, prefix) {
  const name = `${prefix}_${process.pid}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    where: `scratch database ${name} on ${url.host}`,
    drop: async () => {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
