import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rows that never change once written: frozen release rows and the output register. */
const APPEND_ONLY = ['research_release_persons', 'research_tables', 'research_register_cells', 'research_table_deliveries'];

/**
 * Research access (research-data.md §3): projects, frozen releases, the output register of every served table,
 * and record-level exports. Raw SQL like the audit trail, because the append-only guarantees live in triggers
 * that fire in every replication mode and in column-level grants TypeORM cannot express. No key material is
 * stored here: projects and exports reference their salts in the key store by `key_id` only.
 */
export class Research1764320400000 implements MigrationInterface {
  name = 'Research1764320400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE research_projects (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      dac_reference text NOT NULL CHECK (length(dac_reference) BETWEEN 1 AND 100),
      purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
      legal_route text NOT NULL CHECK (legal_route IN ('ART_89_SAFEGUARDS', 'CONSENT')),
      ethics_reference text CHECK (length(ethics_reference) <= 100),
      includes_sensitive boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'SUSPENDED', 'ENDED')),
      modes text[] NOT NULL DEFAULT '{sdc}' CHECK (modes <@ ARRAY['sdc', 'export']::text[]),
      finest_levels jsonb NOT NULL DEFAULT '{}',
      export_columns text[] NOT NULL DEFAULT '{}',
      starts_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      key_id text,
      salt_destroyed_at timestamptz,
      approved_by uuid REFERENCES users (id) ON DELETE RESTRICT,
      approved_at timestamptz,
      ended_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      created_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT chk_research_projects_approved CHECK ((status IN ('APPROVED', 'SUSPENDED')) <= (approved_at IS NOT NULL AND key_id IS NOT NULL)),
      CONSTRAINT chk_research_projects_window CHECK (expires_at > starts_at)
    )`);
    await q.query(`CREATE INDEX idx_research_projects_created ON research_projects (created_at DESC, id DESC)`);
    await q.query(`CREATE TABLE research_project_members (
      project_id uuid NOT NULL REFERENCES research_projects (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      confidentiality_signed_on date NOT NULL,
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, user_id)
    )`);
    await q.query(`CREATE INDEX idx_research_project_members_user ON research_project_members (user_id, project_id)`);

    await q.query(`CREATE TABLE research_releases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL CHECK (code ~ '^[0-9]{4}-Q[1-4]$'),
      cutoff date NOT NULL,
      series_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'BUILDING' CHECK (status IN ('BUILDING', 'BUILT', 'PUBLISHED', 'RETIRED', 'FAILED')),
      from_month text,
      months text[] NOT NULL DEFAULT '{}',
      registry jsonb,
      registry_version text,
      registry_sha256 text,
      geography_sha256 text,
      source_sha256 text,
      software_version text,
      git_commit text,
      counts jsonb NOT NULL DEFAULT '{}',
      catalogue jsonb NOT NULL DEFAULT '[]',
      failure_code text,
      built_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      built_at timestamptz,
      published_by uuid REFERENCES users (id) ON DELETE RESTRICT,
      published_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_research_releases_code UNIQUE (code),
      CONSTRAINT chk_research_releases_built CHECK ((status IN ('BUILT', 'PUBLISHED', 'RETIRED')) <= (built_at IS NOT NULL AND registry IS NOT NULL AND source_sha256 IS NOT NULL)),
      CONSTRAINT chk_research_releases_published CHECK ((status = 'PUBLISHED') <= (published_at IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX idx_research_releases_series ON research_releases (series_id, cutoff)`);
    await q.query(`CREATE TABLE research_release_persons (
      release_id uuid NOT NULL REFERENCES research_releases (id) ON DELETE RESTRICT,
      person_key uuid NOT NULL,
      age smallint NOT NULL CHECK (age BETWEEN 0 AND 130),
      sex text NOT NULL,
      geo text NOT NULL,
      period text NOT NULL,
      referral_source text NOT NULL,
      attempts text NOT NULL,
      first_attempt_delay text NOT NULL,
      outcome text NOT NULL,
      rereferral text NOT NULL,
      rereferral_6m text NOT NULL,
      care_started text NOT NULL,
      followup_reached text NOT NULL,
      parent_present text NOT NULL,
      prior_referrals text NOT NULL,
      PRIMARY KEY (release_id, person_key)
    )`);

    await q.query(`CREATE TABLE research_tables (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigint GENERATED ALWAYS AS IDENTITY,
      series_id uuid NOT NULL,
      release_id uuid NOT NULL REFERENCES research_releases (id) ON DELETE RESTRICT,
      project_id uuid REFERENCES research_projects (id) ON DELETE RESTRICT,
      catalogue_name text,
      request_sha256 text NOT NULL,
      request jsonb NOT NULL,
      response jsonb NOT NULL,
      lp_solves integer NOT NULL,
      verification jsonb NOT NULL,
      register_sha256 text NOT NULL,
      prev_chain_sha256 text NOT NULL,
      chain_sha256 text NOT NULL,
      requested_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_research_tables_request UNIQUE (release_id, request_sha256)
    )`);
    await q.query(`CREATE INDEX idx_research_tables_series ON research_tables (series_id, seq)`);
    await q.query(`CREATE TABLE research_register_cells (
      table_id uuid NOT NULL REFERENCES research_tables (id) ON DELETE RESTRICT,
      ordinal integer NOT NULL,
      series_id uuid NOT NULL,
      box_id text NOT NULL,
      box jsonb NOT NULL,
      cell_key jsonb NOT NULL,
      kind text NOT NULL,
      value integer,
      status text NOT NULL CHECK (status IN ('published', 'suppressed_primary', 'suppressed_secondary', 'structural')),
      PRIMARY KEY (table_id, ordinal),
      CONSTRAINT chk_research_register_cells_value CHECK ((status = 'published') = (value IS NOT NULL) OR status = 'structural')
    )`);
    await q.query(`CREATE INDEX idx_research_register_cells_series ON research_register_cells (series_id)`);
    // Which project received which table (a stored answer is delivered again): the mixing rule reads this.
    await q.query(`CREATE TABLE research_table_deliveries (
      table_id uuid NOT NULL REFERENCES research_tables (id) ON DELETE RESTRICT,
      project_id uuid NOT NULL REFERENCES research_projects (id) ON DELETE RESTRICT,
      first_delivered_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, table_id)
    )`);

    await q.query(`CREATE TABLE research_exports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      project_id uuid NOT NULL REFERENCES research_projects (id) ON DELETE RESTRICT,
      release_id uuid NOT NULL REFERENCES research_releases (id) ON DELETE RESTRICT,
      requested_by uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
      status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'VERIFIED', 'REFUSED', 'FAILED_VERIFICATION', 'EXPIRED')),
      request jsonb NOT NULL,
      linkage_scope text NOT NULL CHECK (linkage_scope IN ('project', 'export')),
      export_key_id text,
      node jsonb,
      columns jsonb,
      suppressed_person_keys uuid[],
      manifest jsonb,
      manifest_sha256 text,
      refusal jsonb,
      verification jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      expires_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      CONSTRAINT chk_research_exports_verified CHECK ((status = 'VERIFIED') <= (manifest IS NOT NULL AND node IS NOT NULL AND expires_at IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX idx_research_exports_project ON research_exports (project_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_research_exports_open ON research_exports (status) WHERE status IN ('QUEUED', 'RUNNING', 'VERIFIED')`);
    await q.query(`CREATE TABLE research_export_files (
      export_id uuid NOT NULL REFERENCES research_exports (id) ON DELETE RESTRICT,
      name text NOT NULL CHECK (name IN ('data.csv', 'codebook.json', 'manifest.json')),
      bytes bytea NOT NULL,
      sha256 text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (export_id, name)
    )`);

    await q.query(`CREATE FUNCTION research_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'research releases and registers are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'P0001';
      END $$`);
    for (const t of APPEND_ONLY) {
      await q.query(`CREATE TRIGGER ${t}_no_change BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION research_reject_change()`);
      await q.query(`CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION research_reject_change()`);
      await q.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_no_change`);
      await q.query(`ALTER TABLE ${t} ENABLE ALWAYS TRIGGER ${t}_no_truncate`);
    }
    for (const t of ['research_projects', 'research_project_members', 'research_releases', ...APPEND_ONLY, 'research_exports', 'research_export_files']) {
      await q.query(`REVOKE ALL ON ${t} FROM PUBLIC`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON research_projects TO doorstep_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON research_project_members TO doorstep_app`);
    await q.query(`GRANT SELECT, INSERT ON research_releases TO doorstep_app`);
    await q.query(
      `GRANT UPDATE (status, series_id, from_month, months, registry, registry_version, registry_sha256, geography_sha256, source_sha256, software_version, git_commit, counts, catalogue, failure_code, built_at, published_by, published_at, version) ON research_releases TO doorstep_app`,
    );
    await q.query(`GRANT SELECT, INSERT ON research_release_persons, research_tables, research_register_cells, research_table_deliveries TO doorstep_app`);
    await q.query(`GRANT SELECT, INSERT ON research_exports TO doorstep_app`);
    await q.query(
      `GRANT UPDATE (status, export_key_id, node, columns, suppressed_person_keys, manifest, manifest_sha256, refusal, verification, started_at, finished_at, expires_at, version) ON research_exports TO doorstep_app`,
    );
    await q.query(`GRANT SELECT, INSERT, DELETE ON research_export_files TO doorstep_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['research_export_files', 'research_exports', 'research_table_deliveries', 'research_register_cells', 'research_tables', 'research_release_persons', 'research_releases', 'research_project_members', 'research_projects']) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`DROP FUNCTION research_reject_change()`);
  }
}
