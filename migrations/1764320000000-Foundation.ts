import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Extensions and the unprivileged application role. The role is created here only when it is missing
 * (embedded database, CI); on a production server `db/roles.sql` creates it with LOGIN beforehand.
 */
export class Foundation1764320000000 implements MigrationInterface {
  name = 'Foundation1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_app') THEN
        CREATE ROLE doorstep_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO doorstep_app`);
    // The app checks at start that every migration ran; it reads TypeORM's bookkeeping table for that.
    await q.query(`GRANT SELECT ON migrations TO doorstep_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE SELECT ON migrations FROM doorstep_app`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM doorstep_app`);
    await q.query(`DROP EXTENSION IF EXISTS pg_trgm`);
  }
}
