import type { MigrationInterface, QueryRunner } from 'typeorm';

const AUDIT_TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'];

/**
 * The audit trail: events written in the request transaction, a hash chain sealed after commit, and
 * signed checkpoints. Append-only by grants and by triggers that fire in every replication mode.
 * Raw SQL because TypeORM cannot express xid8, GIN indexes or statement-level TRUNCATE triggers.
 */
export class AuditTrail1764320200000 implements MigrationInterface {
  name = 'AuditTrail1764320200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_sealer') THEN
        CREATE ROLE doorstep_sealer NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_verifier') THEN
        CREATE ROLE doorstep_verifier NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
    END $$`);
    await q.query(`CREATE TABLE processing_activities (
      code text PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL
    )`);
    await q.query(`INSERT INTO processing_activities (code, name, description) VALUES
      ('INTAKE', 'Intake of referrals', 'Receiving bank and police signals about young people'),
      ('TRIAGE', 'Triage', 'Eligibility, duplicates, legal basis and police clearance'),
      ('VISIT_PLANNING', 'Visit planning', 'Planning doorstep visits and visiting pairs'),
      ('VISIT', 'Doorstep visit', 'Attempts and the preventive conversation'),
      ('FOLLOW_UP', 'Follow-up care', 'Care referrals and follow-up contacts'),
      ('CASE_MANAGEMENT', 'Case management', 'Steering a case through the workflow'),
      ('RESEARCH', 'Research', 'De-identified statistics and exports for approved projects'),
      ('ACCOUNTABILITY', 'Accountability', 'Audit reading, access reports and break-glass review'),
      ('ADMINISTRATION', 'Administration', 'Accounts, organisations, districts, keys and sign-in')`);
    await q.query(`CREATE TABLE audit_events (
      event_id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
      event_seq bigint GENERATED ALWAYS AS IDENTITY,
      occurred_at timestamptz(3) NOT NULL,
      duration_ms integer NOT NULL,
      request_id text NOT NULL,
      trace_id char(32) NOT NULL,
      span_id char(16) NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'anonymous')),
      actor_user_id uuid,
      actor_api_key_id uuid,
      actor_role text,
      actor_org_id uuid,
      on_behalf_of_user_id uuid,
      auth_method text NOT NULL CHECK (auth_method IN ('password', 'password+totp', 'api_key', 'none', 'system')),
      action text NOT NULL,
      route text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'error')),
      http_status smallint NOT NULL,
      error_code text,
      object_type text NOT NULL,
      object_ids uuid[] NOT NULL DEFAULT '{}',
      subject_ids uuid[] NOT NULL DEFAULT '{}',
      field_classes text[] NOT NULL DEFAULT '{}',
      filter_keys text[] NOT NULL DEFAULT '{}',
      processing_activity text NOT NULL REFERENCES processing_activities (code),
      authz_rule text,
      break_glass boolean NOT NULL DEFAULT false,
      break_glass_grant_id uuid,
      break_glass_reason_sha256 bytea,
      recipient_org_id uuid,
      origin_ip inet,
      user_agent_sha256 bytea,
      app_version text NOT NULL,
      hash_version smallint NOT NULL DEFAULT 1,
      written_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
    )`);
    await q.query(`CREATE INDEX audit_events_subject_ids_gin ON audit_events USING gin (subject_ids)`);
    await q.query(`CREATE INDEX audit_events_occurred ON audit_events (occurred_at, event_seq)`);
    await q.query(`CREATE INDEX audit_events_actor ON audit_events (actor_user_id, occurred_at)`);
    await q.query(`CREATE INDEX audit_events_request ON audit_events (request_id)`);
    await q.query(`CREATE INDEX audit_events_sealer ON audit_events (written_xid, event_seq)`);
    await q.query(`CREATE TABLE audit_chain (
      chain_pos bigint PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE REFERENCES audit_events (event_id),
      event_seq bigint NOT NULL,
      written_xid xid8 NOT NULL,
      entry_hash bytea NOT NULL,
      chain_hash bytea NOT NULL,
      sealed_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE audit_checkpoints (
      no bigint PRIMARY KEY,
      chain_pos bigint NOT NULL,
      chain_hash bytea NOT NULL,
      created_at timestamptz(3) NOT NULL,
      payload text NOT NULL,
      signature bytea NOT NULL,
      key_id text NOT NULL
    )`);
    await q.query(`CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit tables are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'P0001';
      END $$`);
    for (const t of AUDIT_TABLES) {
      await q.query(`CREATE TRIGGER ${t}_no_change BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION audit_reject_change()`);
      await q.query(`CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()`);
      // ENABLE ALWAYS: session_replication_role = replica skips ordinary triggers, not these.
      await q.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_no_change`);
      await q.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_no_truncate`);
      await q.query(`REVOKE ALL ON ${t} FROM PUBLIC`);
    }
    await q.query(`GRANT SELECT ON processing_activities TO doorstep_app, doorstep_sealer, doorstep_verifier`);
    await q.query(`GRANT INSERT, SELECT ON audit_events TO doorstep_app`);
    await q.query(`GRANT SELECT ON audit_chain, audit_checkpoints TO doorstep_app`);
    await q.query(`GRANT SELECT ON audit_events TO doorstep_sealer`);
    await q.query(`GRANT INSERT, SELECT ON audit_chain, audit_checkpoints TO doorstep_sealer`);
    await q.query(`GRANT SELECT ON audit_events, audit_chain, audit_checkpoints TO doorstep_verifier`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...AUDIT_TABLES].reverse()) await q.query(`DROP TABLE ${t}`);
    await q.query(`DROP FUNCTION audit_reject_change()`);
    await q.query(`DROP TABLE processing_activities`);
  }
}
