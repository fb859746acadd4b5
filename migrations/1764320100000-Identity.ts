import type { MigrationInterface, QueryRunner } from "typeorm";

/** Organisations, areas, users, sessions, recovery codes, login throttling and API keys. */

export class Identity1764320100000 implements MigrationInterface {
    name = 'Identity1764320100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "organisations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, "name" text NOT NULL, "type" text NOT NULL, "parent_id" uuid, "can_refer" boolean NOT NULL DEFAULT false, "served_area_ids" uuid array NOT NULL DEFAULT '{}', "covenant_signed_at" TIMESTAMP WITH TIME ZONE, "covenant_version" text, "active" boolean NOT NULL DEFAULT true, CONSTRAINT "chk_organisations_type" CHECK ("type" IN ('PROGRAMME_OFFICE', 'POLICE', 'YOUTH_WORK', 'BANK', 'DEBT_SERVICE', 'CARE_PROVIDER', 'MUNICIPALITY', 'HALT', 'RESEARCH')), CONSTRAINT "PK_7bf54cba378d5b2f1d4c10ef4df" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "key_id" text NOT NULL, "secret_sha256" bytea NOT NULL, "organisation_id" uuid NOT NULL, "name" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_api_keys_key_id" ON "api_keys"  ("key_id") `);
        await queryRunner.query(`CREATE INDEX "idx_api_keys_organisation" ON "api_keys"  ("organisation_id") `);
        await queryRunner.query(`CREATE TABLE "login_throttles" ("key" text NOT NULL, "failures" integer NOT NULL DEFAULT '0', "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "last_failure_at" TIMESTAMP WITH TIME ZONE, "blocked_until" TIMESTAMP WITH TIME ZONE, "locked" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_366650e3560115bd25315ca53d0" PRIMARY KEY ("key"))`);
        await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, "username" text NOT NULL, "display_name" text NOT NULL, "organisation_id" uuid NOT NULL, "roles" text array NOT NULL, "district_ids" uuid array NOT NULL DEFAULT '{}', "active" boolean NOT NULL DEFAULT true, "password_hash" text NOT NULL, "totp_secret_enc" bytea, "totp_key_id" text, "mfa_enrolled" boolean NOT NULL DEFAULT false, "totp_last_step" bigint, "rights_version" integer NOT NULL DEFAULT '1', "last_login_at" TIMESTAMP WITH TIME ZONE, "last_access_review_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "chk_users_roles" CHECK (cardinality("roles") >= 1 AND "roles" <@ ARRAY['admin', 'privacy_officer', 'coordinator', 'police_officer', 'youth_worker', 'referrer', 'researcher']::text[]), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username" ON "users"  ("username") `);
        await queryRunner.query(`CREATE INDEX "idx_users_organisation" ON "users"  ("organisation_id") `);
        await queryRunner.query(`CREATE TABLE "recovery_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "code_hash" text NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0723b9e53961e799027d7f7ba32" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "idx_recovery_codes_user" ON "recovery_codes"  ("user_id") `);
        await queryRunner.query(`CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "token_sha256" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "mfa_verified_at" TIMESTAMP WITH TIME ZONE, "auth_method" text NOT NULL, "restricted" boolean NOT NULL DEFAULT false, CONSTRAINT "chk_sessions_auth_method" CHECK ("auth_method" IN ('password', 'password+totp')), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "idx_sessions_user" ON "sessions"  ("user_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_sessions_token_sha256" ON "sessions"  ("token_sha256") `);
        await queryRunner.query(`CREATE TABLE "areas" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, "level" text NOT NULL, "code" text NOT NULL, "name" text NOT NULL, "parent_id" uuid, "active" boolean NOT NULL DEFAULT true, CONSTRAINT "chk_areas_level" CHECK ("level" IN ('REGION', 'DISTRICT', 'MUNICIPALITY')), CONSTRAINT "PK_5110493f6342f34c978c084d0d6" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_areas_code" ON "areas"  ("code") `);
        await queryRunner.query(`CREATE INDEX "idx_areas_parent" ON "areas"  ("parent_id") `);
        await queryRunner.query(`ALTER TABLE "organisations" ADD CONSTRAINT "fk_organisations_parent" FOREIGN KEY ("parent_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "api_keys" ADD CONSTRAINT "fk_api_keys_organisation" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "fk_users_organisation" FOREIGN KEY ("organisation_id") REFERENCES "organisations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "recovery_codes" ADD CONSTRAINT "fk_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "areas" ADD CONSTRAINT "fk_areas_parent" FOREIGN KEY ("parent_id") REFERENCES "areas"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
        await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "areas", "organisations", "users", "sessions", "recovery_codes", "login_throttles", "api_keys" TO doorstep_app`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "areas" DROP CONSTRAINT "fk_areas_parent"`);
        await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_user"`);
        await queryRunner.query(`ALTER TABLE "recovery_codes" DROP CONSTRAINT "fk_recovery_codes_user"`);
        await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "fk_users_organisation"`);
        await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "fk_api_keys_organisation"`);
        await queryRunner.query(`ALTER TABLE "organisations" DROP CONSTRAINT "fk_organisations_parent"`);
        await queryRunner.query(`DROP INDEX "public"."idx_areas_parent"`);
        await queryRunner.query(`DROP INDEX "public"."uq_areas_code"`);
        await queryRunner.query(`DROP TABLE "areas"`);
        await queryRunner.query(`DROP INDEX "public"."uq_sessions_token_sha256"`);
        await queryRunner.query(`DROP INDEX "public"."idx_sessions_user"`);
        await queryRunner.query(`DROP TABLE "sessions"`);
        await queryRunner.query(`DROP INDEX "public"."idx_recovery_codes_user"`);
        await queryRunner.query(`DROP TABLE "recovery_codes"`);
        await queryRunner.query(`DROP INDEX "public"."idx_users_organisation"`);
        await queryRunner.query(`DROP INDEX "public"."uq_users_username"`);
        await queryRunner.query(`DROP TABLE "users"`);
        await queryRunner.query(`DROP TABLE "login_throttles"`);
        await queryRunner.query(`DROP INDEX "public"."idx_api_keys_organisation"`);
        await queryRunner.query(`DROP INDEX "public"."uq_api_keys_key_id"`);
        await queryRunner.query(`DROP TABLE "api_keys"`);
        await queryRunner.query(`DROP TABLE "organisations"`);
    }

}
