-- Doorstep benchmark dataset (performance.md §3.2).
--
--   psql -v size=100000 -v seed=1 -v anchor=2026-01-15 -v matchkey=<64 hex> -v persons=100000 -v full=0 -f bench/data/generate.sql
--
-- Runs on a database migrated by the app's own migrations, as a superuser (it drops and re-creates the
-- constraints and indexes of the big tables around the load). Every value derives from
-- hashint8extended(row number, seed * 1000 + column salt), never from random(), so it does not depend on
-- the plan; ids derive from (seed, table number, row number) through bench.uid(table, n). `anchor` is the
-- "today" of the data (the end of its five years); the orchestrator passes the generation day and records it.
-- `matchkey` is the bench-only INTAKE_MATCH_KEY (hex) the subjects' HMAC match keys are made with.
--
-- Table numbers for bench.uid: 1 areas, 2 organisations, 3 users, 4 sessions, 5 api_keys, 10 subjects,
-- 11 cases, 12 referrals, 13 case_transitions, 14 visits, 15 visit_attempts, 16 conversations,
-- 17 care_referrals, 18 follow_up_contacts, 19 audit_events, 20 release persons;
-- 40-42 the attempt pool (bench/data/pool.sql), 50 subjects created by the create scenario.
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';
SET TimeZone = 'UTC';
SET jit = off;

CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA bench;
CREATE SCHEMA gen;

-- ---------------------------------------------------------------------------------------------------
-- Deterministic helpers. bench.seed() and bench.smax() are constants baked into the function bodies so
-- that everything stays IMMUTABLE and inlinable.
SELECT format('CREATE FUNCTION bench.seed() RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql AS %L', 'SELECT ' || :seed || '::bigint') \gexec
SELECT format('CREATE FUNCTION bench.smax() RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql AS %L', 'SELECT ' || ceil(:size / 1.10)::bigint || '::bigint') \gexec
SELECT format('CREATE FUNCTION bench.nref() RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql AS %L', 'SELECT ' || :size || '::bigint') \gexec
SELECT format('CREATE FUNCTION bench.anchor() RETURNS date IMMUTABLE PARALLEL SAFE LANGUAGE sql AS %L', 'SELECT ' || quote_literal(:'anchor') || '::date') \gexec
SELECT format('CREATE FUNCTION bench.matchkey() RETURNS bytea IMMUTABLE PARALLEL SAFE LANGUAGE sql AS %L', 'SELECT decode(' || quote_literal(:'matchkey') || ', ''hex'')') \gexec

CREATE FUNCTION bench.h(n bigint, salt int) RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT hashint8extended(n, bench.seed() * 1000 + salt) $$;
-- uniform in [0, 1)
CREATE FUNCTION bench.u(n bigint, salt int) RETURNS float8 IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT ((bench.h(n, salt) >> 11) & 4503599627370495)::float8 / 4503599627370496.0 $$;
-- a version-4 uuid from (table, row number)
CREATE FUNCTION bench.uid(t int, n bigint) RETURNS uuid IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT overlay(overlay(lpad(to_hex(bench.h(n, 7000 + t)), 16, '0') || lpad(to_hex(bench.h(n, 8000 + t)), 16, '0') placing '4' from 13) placing '8' from 17)::uuid $$;
-- index into a list by cumulative lower bounds: bench.pick(u, '{0,0.55,0.9}') in 1..3
CREATE FUNCTION bench.pick(u float8, lows float8[]) RETURNS int IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT width_bucket(u, lows) $$;
-- base64url without padding, as Node's digest('base64url')
CREATE FUNCTION bench.b64url(b bytea) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=') $$;
-- session token of user k and API key k (bench/lib/secrets.mjs computes the same strings)
CREATE FUNCTION bench.session_token(k int) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT 'dss_' || bench.b64url(sha256(convert_to('bench-session:' || bench.seed() || ':' || k, 'UTF8'))) $$;
CREATE FUNCTION bench.api_key_id(k int) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT substr(md5('bench-key:' || bench.seed() || ':' || k), 1, 16) $$;
CREATE FUNCTION bench.api_key_secret(k int) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT bench.b64url(sha256(convert_to('bench-key-secret:' || bench.seed() || ':' || k, 'UTF8'))) $$;
-- The app's match key: HMAC-SHA-256(INTAKE_MATCH_KEY, normalised family | date of birth | first initial)
-- for plain ASCII one-word names, which is all this dataset makes (src/subjects/subject-matching.ts).
CREATE FUNCTION bench.match_key(given text, family text, dob date) RETURNS bytea IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT hmac(convert_to(lower(family) || '|' || dob::text || '|' || lower(left(given, 1)), 'UTF8'), bench.matchkey(), 'sha256') $$;
CREATE FUNCTION bench.name_norm(given text, family text) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT lower(given) || ' ' || lower(family) $$;
-- base-20 letters of n (< 3.2 M) without leading zeros ('a'); the alphabet has no x, y or z (typos use them)
CREATE FUNCTION bench.code20(n bigint) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT ltrim(
      substr('abdefghiklmnoprstuvw', ((n / 160000) % 20)::int + 1, 1) || substr('abdefghiklmnoprstuvw', ((n / 8000) % 20)::int + 1, 1) ||
      substr('abdefghiklmnoprstuvw', ((n / 400) % 20)::int + 1, 1) || substr('abdefghiklmnoprstuvw', ((n / 20) % 20)::int + 1, 1) ||
      substr('abdefghiklmnoprstuvw', (n % 20)::int + 1, 1), 'a') $$;
-- Five years in insert order: +8 %/year volume growth and ±15 % seasonality (x in [0, 1) → years from start).
CREATE FUNCTION bench.t_years(x float8) RETURNS float8 IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT ln(1 + x * (1.08 ^ 5 - 1)) / ln(1.08) - 0.15 / (2 * pi()) * (1 - cos(2 * pi() * ln(1 + x * (1.08 ^ 5 - 1)) / ln(1.08))) $$;
CREATE FUNCTION bench.start_date() RETURNS date IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT (bench.anchor() - interval '5 years')::date $$;

-- Subjects are functions of their number s; a planted near-duplicate copies another subject's identity
-- with a one-letter typo ('z' for the last letter of the family name); the copied subject is the previous one, so
-- no two duplicates share a source.
CREATE FUNCTION bench.dup_src(s bigint) RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT s - 1 $$;
CREATE FUNCTION bench.is_dup(s bigint) RETURNS boolean IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT s > 60 AND bench.u(s, 16) < 0.02 AND bench.u(bench.dup_src(s), 16) >= 0.02 $$;
CREATE FUNCTION bench.ident(s bigint) RETURNS bigint IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE WHEN bench.is_dup(s) THEN bench.dup_src(s) ELSE s END $$;
CREATE FUNCTION bench.sex(b bigint) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT (ARRAY['MALE', 'FEMALE', 'X', 'UNKNOWN'])[bench.pick(bench.u(b, 12), '{0,0.58,0.96,0.98}')] $$;
CREATE FUNCTION bench.given(b bigint) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE WHEN bench.sex(b) = 'FEMALE'
      THEN (ARRAY['Emma','Julia','Sophie','Mila','Sara','Anna','Tess','Fleur','Lisa','Noor','Yasmin','Fatima','Lina','Eva','Zoe','Iris','Roos','Nina','Amira','Sanne'])[1 + floor(bench.u(b, 13) * 20)::int]
      ELSE (ARRAY['Daan','Sem','Finn','Milan','Levi','Noah','Lucas','Jesse','Thijs','Bram','Mohammed','Adam','Ryan','Omar','Youssef','Luuk','Stijn','Ruben','Tim','Lars'])[1 + floor(bench.u(b, 13) * 20)::int] END $$;
-- family name = one of 40 bases (none a prefix of another) + base-20 letters of b / 40: unique per b
CREATE FUNCTION bench.family(b bigint) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT (ARRAY['Jansen','Bakker','Visser','Smit','Meijer','Mulder','Bos','Vos','Peters','Hendriks','Dekker','Brouwer','Dijkstra','Koster','Prins','Huisman','Kok','Jacobs','Vermeulen','Schouten',
                      'Willems','Hoekstra','Maas','Verhoeven','Kuipers','Postma','Kramer','Blom','Wouters','Schipper','Yilmaz','Kaya','Demir','Elmoussaoui','Bouzid','Ahmadi','Nguyen','Martins','Singh','Kowalski'])[(b % 40)::int + 1]
           || bench.code20(b / 40) $$;
CREATE FUNCTION bench.age_at_referral(b bigint) RETURNS int IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE bench.pick(bench.u(b, 10), '{0,0.12,0.30,0.70,0.92}')
      WHEN 1 THEN 12 + floor(bench.u(b, 11) * 4) WHEN 2 THEN 16 + floor(bench.u(b, 11) * 2) WHEN 3 THEN 18 + floor(bench.u(b, 11) * 5)
      WHEN 4 THEN 23 + floor(bench.u(b, 11) * 5) ELSE 28 + floor(bench.u(b, 11) * 7) END::int $$;
-- approximate first-referral day of subject b (its position in the subject order), minus the age
CREATE FUNCTION bench.dob(b bigint) RETURNS date IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT (bench.start_date() + floor(bench.t_years((b - 0.5) / bench.smax()) * 365.25)::int
                - make_interval(years => bench.age_at_referral(b)) - make_interval(days => floor(bench.u(b, 18) * 364)::int))::date $$;

-- ---------------------------------------------------------------------------------------------------
-- Drop the constraints and indexes of the big tables; they are rebuilt after the load.
CREATE TABLE gen.big(t regclass);
INSERT INTO gen.big VALUES ('subjects'), ('cases'), ('referrals'), ('case_transitions'), ('visits'), ('visit_visitors'), ('visit_attempts'),
  ('conversations'), ('care_referrals'), ('follow_up_contacts'), ('audit_events');
CREATE TABLE gen.ddl AS
  SELECT 3 AS ord, format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS up,
         format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS down, 1 AS drop_ord
    FROM pg_constraint c WHERE c.contype = 'f' AND (c.conrelid IN (SELECT t FROM gen.big) OR c.confrelid IN (SELECT t FROM gen.big))
  UNION ALL
  SELECT 1, format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
         format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname), 2
    FROM pg_constraint c WHERE c.contype IN ('p', 'u') AND c.conrelid IN (SELECT t FROM gen.big)
  UNION ALL
  SELECT 2, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass), 3
    FROM pg_index i WHERE i.indrelid IN (SELECT t FROM gen.big)
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'));
SELECT down FROM gen.ddl ORDER BY drop_ord \gexec

-- ---------------------------------------------------------------------------------------------------
-- Geography (the app's demo geography, src/demo/geography.ts), organisations, users, sessions, API keys.
INSERT INTO areas (id, level, code, name, parent_id, created_at, updated_at)
SELECT bench.uid(1, k), level, code, name, CASE WHEN parent IS NULL THEN NULL ELSE bench.uid(1, parent) END, bench.start_date(), bench.start_date()
  FROM (VALUES (1, 'REGION', 'MN', 'Regio Midden-Nederland', NULL::int),
               (2, 'DISTRICT', 'UTRECHT_STAD', 'Utrecht Stad', 1), (3, 'DISTRICT', 'EEMLAND', 'Eemland', 1),
               (4, 'DISTRICT', 'GOOI_VECHTSTREEK', 'Gooi en Vechtstreek', 1), (5, 'DISTRICT', 'FLEVOLAND', 'Flevoland', 1),
               (6, 'DISTRICT', 'WEST_UTRECHT', 'West-Utrecht', 1)) v(k, level, code, name, parent);
-- municipalities in Zipf rank order (s = 0.8) with their district number
CREATE TABLE bench.muni (rank int PRIMARY KEY, k int, code text, name text, district int, weight float8, lo float8);
INSERT INTO bench.muni (rank, k, code, name, district)
VALUES (1, 10, 'GM0344', 'Utrecht', 2), (2, 11, 'GM0034', 'Almere', 5), (3, 12, 'GM0307', 'Amersfoort', 3), (4, 13, 'GM0995', 'Lelystad', 5),
       (5, 14, 'GM0402', 'Hilversum', 4), (6, 15, 'GM1942', 'Gooise Meren', 4), (7, 16, 'GM0632', 'Woerden', 6), (8, 17, 'GM0342', 'Soest', 3),
       (9, 18, 'GM0406', 'Huizen', 4), (10, 19, 'GM0736', 'De Ronde Venen', 6), (11, 20, 'GM0327', 'Leusden', 3), (12, 21, 'GM1696', 'Wijdemeren', 4),
       (13, 22, 'GM0308', 'Baarn', 3), (14, 23, 'GM0313', 'Bunschoten', 3);
UPDATE bench.muni SET weight = rank ^ -0.8;
UPDATE bench.muni m SET lo = x.lo FROM (SELECT rank, (sum(weight) OVER (ORDER BY rank) - weight) / sum(weight) OVER () AS lo FROM bench.muni) x WHERE x.rank = m.rank;
INSERT INTO areas (id, level, code, name, parent_id, created_at, updated_at)
SELECT bench.uid(1, k), 'MUNICIPALITY', code, name, bench.uid(1, district), bench.start_date(), bench.start_date() FROM bench.muni;
SELECT format('CREATE FUNCTION bench.muni_lows() RETURNS float8[] IMMUTABLE LANGUAGE sql AS %L', 'SELECT ' || quote_literal(array_agg(lo ORDER BY rank)::text) || '::float8[]') FROM bench.muni \gexec
CREATE FUNCTION bench.muni_rank(b bigint) RETURNS int IMMUTABLE PARALLEL SAFE LANGUAGE sql AS $$ SELECT bench.pick(bench.u(b, 15), bench.muni_lows()) $$;

-- organisations: 1 programme office, 2 police unit (also police intake), 3-5 banks, 6 HALT, 7 municipality,
-- 8-12 youth work per district, 13 research institute, 14 debt service, 15 care provider
INSERT INTO organisations (id, name, type, can_refer, covenant_signed_at, covenant_version, created_at, updated_at)
SELECT bench.uid(2, k), name, type, can_refer, CASE WHEN covenant THEN bench.start_date() END, CASE WHEN covenant THEN '2020-1' END, bench.start_date(), bench.start_date()
  FROM (VALUES (1, 'Programmabureau Doorstep', 'PROGRAMME_OFFICE', false, true), (2, 'Politie eenheid Midden-Nederland', 'POLICE', true, true),
               (3, 'Bank Noord', 'BANK', true, true), (4, 'Bank Midden', 'BANK', true, true), (5, 'Bank Zuid', 'BANK', true, true),
               (6, 'Bureau HALT', 'HALT', true, true), (7, 'Gemeente Utrecht', 'MUNICIPALITY', true, true),
               (8, 'Jongerenwerk Utrecht', 'YOUTH_WORK', true, true), (9, 'Jongerenwerk Eemland', 'YOUTH_WORK', true, true),
               (10, 'Jongerenwerk Gooi', 'YOUTH_WORK', true, true), (11, 'Jongerenwerk Flevoland', 'YOUTH_WORK', true, true),
               (12, 'Jongerenwerk West-Utrecht', 'YOUTH_WORK', true, true), (13, 'Onderzoeksinstituut', 'RESEARCH', false, false),
               (14, 'Schuldhulp', 'DEBT_SERVICE', false, true), (15, 'Wijkteam', 'CARE_PROVIDER', false, true)) v(k, name, type, can_refer, covenant);

-- users (200): 1 admin, 2-3 privacy officers, 4-23 coordinators (1-3 districts), 24-83 police officers and
-- 84-143 youth workers (12 per district), 144-195 referrers (banks and police), 196-200 researchers
CREATE TABLE bench.users (k int PRIMARY KEY, id uuid NOT NULL, role text NOT NULL, district int, districts int[] NOT NULL, org int NOT NULL);
INSERT INTO bench.users (k, id, role, district, districts, org)
SELECT k, bench.uid(3, k), role, district,
       CASE WHEN role = 'coordinator' THEN (SELECT array_agg(2 + (district - 2 + j) % 5 ORDER BY j) FROM generate_series(0, floor(bench.u(k, 1) * 3)::int) j)
            WHEN district IS NOT NULL THEN ARRAY[district] ELSE '{}' END,
       org
  FROM (SELECT k,
               CASE WHEN k = 1 THEN 'admin' WHEN k <= 3 THEN 'privacy_officer' WHEN k <= 23 THEN 'coordinator' WHEN k <= 83 THEN 'police_officer'
                    WHEN k <= 143 THEN 'youth_worker' WHEN k <= 195 THEN 'referrer' ELSE 'researcher' END AS role,
               CASE WHEN k BETWEEN 4 AND 23 THEN 2 + (k - 4) % 5 WHEN k BETWEEN 24 AND 83 THEN 2 + (k - 24) % 5 WHEN k BETWEEN 84 AND 143 THEN 2 + (k - 84) % 5 END AS district,
               CASE WHEN k <= 23 THEN 1 WHEN k <= 83 THEN 2 WHEN k <= 143 THEN 8 + (k - 84) % 5 WHEN k <= 195 THEN 2 + (k - 144) % 4 ELSE 13 END AS org
          FROM generate_series(1, 200) k) x;
INSERT INTO users (id, username, display_name, organisation_id, roles, district_ids, active, password_hash, mfa_enrolled, rights_version, created_at, updated_at, last_login_at)
SELECT id, 'bench.' || role || '.' || lpad(k::text, 3, '0'), initcap(replace(role, '_', ' ')) || ' ' || k, bench.uid(2, org), ARRAY[role],
       ARRAY(SELECT bench.uid(1, d) FROM unnest(districts) d ORDER BY d), true,
       '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2gtbm8tbG9naW4$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', true, 1,
       bench.start_date(), bench.start_date(), bench.anchor()
  FROM bench.users;
-- one session per user; the orchestrator refreshes last_seen_at / expires_at before every window
INSERT INTO sessions (id, user_id, token_sha256, created_at, last_seen_at, expires_at, mfa_verified_at, auth_method)
SELECT bench.uid(4, k), id, sha256(convert_to(bench.session_token(k), 'UTF8')), bench.anchor(), bench.anchor(), bench.anchor() + 1, bench.anchor(), 'password+totp'
  FROM bench.users;
-- API keys 1-2 Bank Noord, 3-4 Bank Midden, 5-6 Bank Zuid, 7-8 police intake
INSERT INTO api_keys (id, key_id, secret_sha256, organisation_id, name, created_at, expires_at)
SELECT bench.uid(5, k), bench.api_key_id(k), sha256(convert_to(bench.api_key_secret(k), 'UTF8')), bench.uid(2, CASE WHEN k <= 6 THEN 3 + (k - 1) / 2 ELSE 2 END),
       'bench key ' || k, bench.anchor(), bench.anchor() + 360
  FROM generate_series(1, 8) k;

-- ---------------------------------------------------------------------------------------------------
-- Referrals in time order. Subjects s = 1..smax get a first referral at their position in the order and,
-- for 15 % of them, a second one 0.01-0.31 of the five years later; the first `size` by time are kept.
CREATE UNLOGGED TABLE gen.ref AS
WITH r AS (
  SELECT s, 1 AS k, (s - bench.u(s, 2)) / bench.smax() AS u FROM generate_series(1, bench.smax()) s
  UNION ALL
  SELECT s, 2, (s - bench.u(s, 2)) / bench.smax() + 0.01 + 0.30 * bench.u(s, 4) FROM generate_series(1, bench.smax()) s WHERE bench.u(s, 3) < 0.15
), kept AS (SELECT s, k, u FROM r ORDER BY u, s, k LIMIT bench.nref())
SELECT row_number() OVER (ORDER BY u, s, k) AS r, s, k FROM kept;

CREATE UNLOGGED TABLE gen.ref2 AS
SELECT r, s, k,
       ((d + CASE WHEN extract(isodow FROM d) >= 6 AND bench.u(r, 5) < 0.722 THEN (8 - extract(isodow FROM d))::int ELSE 0 END)::timestamp
         + make_interval(mins => 480 + floor(bench.u(r, 6) * 600)::int)) AT TIME ZONE 'Europe/Amsterdam' AS received_at
  FROM (SELECT r, s, k, bench.start_date() + floor(bench.t_years((r - 0.5) / bench.nref()) * 365.25)::int AS d FROM gen.ref) x;
ALTER TABLE gen.ref2 ADD PRIMARY KEY (r);

-- per subject: first and second referral, whether the second joined the open first case (20 %)
CREATE UNLOGGED TABLE gen.subj AS
SELECT s, min(r) FILTER (WHERE k = 1) AS r1, min(r) FILTER (WHERE k = 2) AS r2,
       min(received_at) FILTER (WHERE k = 1) AS t1, min(received_at) FILTER (WHERE k = 2) AS t2,
       bench.u(s, 20) < 0.20 AS attach
  FROM gen.ref2 GROUP BY s;
ALTER TABLE gen.subj ADD PRIMARY KEY (s);

-- staged so that every derived value is computed once per row (inlined SQL functions would repeat them)
CREATE UNLOGGED TABLE gen.subj_id AS SELECT s, t1, bench.ident(s) AS b, bench.is_dup(s) AS dup, bench.muni_rank(s) AS mr FROM gen.subj;
CREATE UNLOGGED TABLE gen.subj_name AS
SELECT s, t1, b, dup, mr, bench.given(b) AS giv, CASE WHEN dup THEN left(bench.family(b), -1) || 'z' ELSE bench.family(b) END AS fam, bench.dob(b) AS dob
  FROM gen.subj_id;
INSERT INTO subjects (id, version, created_at, updated_at, family_name, given_names, date_of_birth, sex, street, house_number, postcode,
                      municipality_code, municipality_id, phone, guardians, preferred_language, interpreter_needed, address_verified_at,
                      duplicate_status, possible_duplicate_of_id, match_key, name_norm)
SELECT bench.uid(10, s), 1, t1, t1, fam, giv, dob, bench.sex(b),
       (ARRAY['Kerkstraat','Dorpsstraat','Schoolstraat','Molenweg','Stationsweg','Julianalaan','Beatrixstraat','Wilhelminalaan','Parkweg','Lindelaan'])[1 + floor(bench.u(s, 30) * 10)::int],
       (1 + floor(bench.u(s, 31) * 180))::text, (1000 + floor(bench.u(s, 32) * 8999))::text || ' ' || chr(65 + floor(bench.u(s, 33) * 26)::int) || chr(65 + floor(bench.u(s, 34) * 26)::int),
       m.code, bench.uid(1, m.k),
       CASE WHEN bench.u(s, 35) < 0.8 THEN '06' || lpad(floor(bench.u(s, 36) * 100000000)::bigint::text, 8, '0') END,
       CASE WHEN dob > (bench.anchor() - interval '18 years')::date THEN jsonb_build_array(jsonb_build_object('name', 'Ouder ' || fam, 'relation', 'PARENT', 'phone', NULL)) ELSE '[]'::jsonb END,
       CASE WHEN bench.u(s, 37) < 0.1 THEN 'en' END, bench.u(s, 37) < 0.03,
       CASE WHEN bench.u(s, 38) < 0.5 THEN t1 + interval '3 days' END,
       CASE WHEN dup THEN 'POSSIBLE' ELSE 'NONE' END, CASE WHEN dup THEN bench.uid(10, b) END,
       bench.match_key(giv, fam, dob), bench.name_norm(giv, fam)
  FROM gen.subj_name n JOIN bench.muni m ON m.rank = n.mr;

-- ---------------------------------------------------------------------------------------------------
-- Cases: one per opening referral (first referrals, and second referrals that did not join the open case).
CREATE UNLOGGED TABLE gen.cases AS
WITH base AS (
  SELECT g.r, g.s, g.k, g.received_at AS created_at, sj.t2, sj.r2, sj.attach, m.code AS muni_code, m.district,
         (bench.anchor() - g.received_at::date) AS age_days
    FROM gen.ref2 g JOIN gen.subj sj ON sj.s = g.s JOIN bench.muni m ON m.rank = bench.muni_rank(g.s)
   WHERE g.k = 1 OR NOT sj.attach
), o AS (
  SELECT b.*,
         CASE WHEN b.k = 1 AND b.r2 IS NOT NULL AND NOT b.attach THEN 'before_second'     -- must be closed before the re-referral
              WHEN b.k = 1 AND b.r2 IS NOT NULL AND b.attach THEN 'open_at_second'       -- must be open when the second one arrives
              ELSE 'free' END AS rule,
         bench.u(b.r, 21) < CASE WHEN b.age_days < 90 THEN 0.70 ELSE 0.05 END OR b.age_days < 2 AS rule_open,
         b.created_at + make_interval(days => least(greatest(b.age_days - 1, 1), 14 + floor(bench.u(b.r, 25) * 106)::int)) AS rule_closed_at
    FROM base b
), c AS (
  SELECT o.*,
         CASE o.rule
           WHEN 'before_second' THEN o.created_at + (o.t2 - o.created_at) * (0.3 + 0.6 * bench.u(o.r, 26))
           WHEN 'open_at_second' THEN CASE WHEN o.rule_open OR greatest(o.rule_closed_at, o.t2 + interval '7 days') > bench.anchor() THEN NULL
                                           ELSE greatest(o.rule_closed_at, o.t2 + interval '7 days') END
           ELSE CASE WHEN o.rule_open THEN NULL ELSE o.rule_closed_at END
         END AS closed_at
    FROM o
)
SELECT c.r, c.s, c.k, c.created_at, c.t2, c.attach, c.muni_code, c.district, c.age_days, c.closed_at,
       grp, reason, open_state,
       CASE WHEN c.closed_at IS NULL THEN open_state ELSE 'CLOSED' END AS state,
       CASE WHEN c.closed_at IS NOT NULL THEN grp IN ('REACHED', 'NOT_REACHED') OR (grp = 'ENDED_OTHER' AND bench.u(c.r, 27) < 0.5)
            ELSE open_state IN ('VISIT_PLANNED', 'NO_CONTACT', 'UNREACHABLE', 'REFUSED', 'CONVERSATION_HELD', 'FOLLOW_UP') END AS visited,
       CASE bench.pick(bench.u(c.r, 28), '{0,0.70,0.95}') WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 3 END AS nv
  FROM c
  CROSS JOIN LATERAL (SELECT (ARRAY['REACHED', 'NOT_REACHED', 'NOT_ELIGIBLE', 'WITHDRAWN', 'ENDED_OTHER'])[bench.pick(bench.u(c.r, 22), '{0,0.45,0.70,0.85,0.93}')] AS grp OFFSET 0) g
  CROSS JOIN LATERAL (SELECT CASE grp
       WHEN 'REACHED' THEN (ARRAY['CONVERSATION_NO_FURTHER_NEED','CARE_STARTED','CARE_DECLINED','NO_FOLLOW_UP_CONSENT','FOLLOW_UP_COMPLETED','FOLLOW_UP_NOT_REACHED'])[bench.pick(bench.u(c.r, 23), '{0,0.35,0.60,0.70,0.80,0.95}')]
       WHEN 'NOT_REACHED' THEN (ARRAY['UNREACHABLE','REFUSED'])[bench.pick(bench.u(c.r, 23), '{0,0.70}')]
       WHEN 'NOT_ELIGIBLE' THEN (ARRAY['NOT_ELIGIBLE_AGE','NOT_ELIGIBLE_NO_LEGAL_BASIS','NOT_ELIGIBLE_OTHER_TRACK','NOT_ELIGIBLE_INVESTIGATIVE_INTEREST','NOT_ELIGIBLE_OUT_OF_REGION'])[bench.pick(bench.u(c.r, 23), '{0,0.40,0.50,0.80,0.999}')]
       WHEN 'WITHDRAWN' THEN (ARRAY['WITHDRAWN','MERGED_DUPLICATE'])[bench.pick(bench.u(c.r, 23), '{0,0.97}')]
       ELSE (ARRAY['TRANSFERRED','HOLD_EXPIRED','ESCALATED_TO_JUSTICE','SUBJECT_DECEASED'])[bench.pick(bench.u(c.r, 23), '{0,0.60,0.90,0.9995}')] END AS reason OFFSET 0) rs
  CROSS JOIN LATERAL (SELECT (ARRAY['RECEIVED','TRIAGE','ON_HOLD','READY_TO_PLAN','VISIT_PLANNED','NO_CONTACT','UNREACHABLE','REFUSED','CONVERSATION_HELD','FOLLOW_UP'])
       [bench.pick(bench.u(c.r, 24), '{0,0.08,0.18,0.22,0.32,0.52,0.67,0.72,0.75,0.85}')] AS open_state OFFSET 0) st;
ALTER TABLE gen.cases ADD PRIMARY KEY (r);
-- the case each referral belongs to (an attached second referral belongs to the first case)
CREATE UNLOGGED TABLE gen.ref_case AS
SELECT g.r, g.s, g.k, g.received_at, CASE WHEN g.k = 2 AND sj.attach THEN sj.r1 ELSE g.r END AS case_r, g.k = 2 AND sj.attach AS attached
  FROM gen.ref2 g JOIN gen.subj sj ON sj.s = g.s;

-- visits: 1 (70 %), 2 (25 %) or 3 (5 %) per visited case; in VISIT_PLANNED the last one is still planned (in the future)
CREATE UNLOGGED TABLE gen.visits AS
SELECT c.r AS case_r, i, c.r * 4 + i AS vn, c.district, c.s,
       c.state = 'VISIT_PLANNED' AND i = c.nv AS planned,
       CASE WHEN c.state = 'VISIT_PLANNED' AND i = c.nv
            THEN ((bench.anchor() + 1 + floor(bench.u(c.r * 4 + i, 40) * 10)::int)::timestamp + make_interval(hours => sh)) AT TIME ZONE 'Europe/Amsterdam'
            ELSE ((c.created_at AT TIME ZONE 'Europe/Amsterdam')::date
                  + floor(greatest(least(extract(epoch FROM coalesce(c.closed_at, bench.anchor()::timestamptz) - c.created_at) / 86400.0, 90), 1)
                          * (i - 1 + 0.5 * bench.u(c.r * 4 + i, 41)) / c.nv)::int
                  + make_interval(hours => sh))::timestamp AT TIME ZONE 'Europe/Amsterdam' END AS planned_start,
       1 + floor(bench.u(c.r * 4 + i, 43) * 100)::int AS pol_pick, 1 + floor(bench.u(c.r * 4 + i, 44) * 100)::int AS yw_pick
  FROM gen.cases c
  CROSS JOIN LATERAL generate_series(1, c.nv) i
  CROSS JOIN LATERAL (SELECT (ARRAY[9, 10, 13, 15, 17, 18, 19])[1 + floor(bench.u(c.r * 4 + i, 42) * 7)::int] AS sh OFFSET 0) h
 WHERE c.visited;
ALTER TABLE gen.visits ADD PRIMARY KEY (vn);

-- attempts: 1 (60 %), 2 (30 %) or 3 (10 %) per done visit; the case's last attempt carries its outcome
CREATE UNLOGGED TABLE gen.attempts AS
WITH a AS (
  SELECT v.case_r, v.vn, j, v.vn * 4 + j AS an, v.planned_start,
         least(v.planned_start + make_interval(hours => 26 * (j - 1)), bench.anchor()::timestamptz - interval '1 hour') AS occurred_at
    FROM gen.visits v
    CROSS JOIN LATERAL generate_series(1, CASE bench.pick(bench.u(v.vn, 45), '{0,0.60,0.90}') WHEN 1 THEN 1 WHEN 2 THEN 2 ELSE 3 END) j
   WHERE NOT v.planned
), n AS (
  SELECT a.*, row_number() OVER (PARTITION BY case_r ORDER BY vn, j) AS attempt_no,
         row_number() OVER (PARTITION BY case_r ORDER BY vn DESC, j DESC) = 1 AS last
    FROM a
)
SELECT n.*, CASE
         WHEN n.last AND (c.grp = 'REACHED' AND c.closed_at IS NOT NULL OR c.state IN ('CONVERSATION_HELD', 'FOLLOW_UP')) THEN 'CONVERSATION_HELD'
         WHEN n.last AND (c.reason = 'REFUSED' AND c.closed_at IS NOT NULL OR c.state = 'REFUSED') THEN 'REFUSED_AT_DOOR'
         WHEN bench.u(n.an, 46) < 0.03 THEN 'WRONG_ADDRESS'
         WHEN bench.u(n.an, 46) < 0.55 THEN 'NOT_HOME' ELSE 'NO_ANSWER' END AS result,
       c.s, c.district
  FROM n JOIN gen.cases c ON c.r = n.case_r;
CREATE UNLOGGED TABLE gen.case_att AS
SELECT case_r, count(*) FILTER (WHERE result NOT IN ('WRONG_ADDRESS', 'MOVED', 'ABORTED_SAFETY'))::int AS counted, min(occurred_at) AS first_at,
       max(an) FILTER (WHERE result = 'CONVERSATION_HELD') AS conv_an, max(occurred_at) FILTER (WHERE result = 'CONVERSATION_HELD') AS conv_at
  FROM gen.attempts GROUP BY case_r;
ALTER TABLE gen.case_att ADD PRIMARY KEY (case_r);

-- visitor of district d: police officer / youth worker number pick % 12 of that district
CREATE FUNCTION bench.police_k(district int, pick int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT 24 + (district - 2) + 5 * (pick % 12) $$;
CREATE FUNCTION bench.youth_k(district int, pick int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT 84 + (district - 2) + 5 * (pick % 12) $$;
CREATE FUNCTION bench.coord_k(district int, pick int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT 4 + (district - 2) + 5 * (pick % 4) $$;

INSERT INTO cases (id, version, created_at, updated_at, created_by, subject_id, district_id, municipality_code, state, state_changed_at,
                   case_manager_user_id, priority, episode_no, previous_case_id, re_referral, days_since_previous_closure, hold_until, hold_reason,
                   has_unreviewed_signal, counted_attempts, first_attempt_at, next_visit_at, next_follow_up_due_at,
                   police_clearance_confirmed_at, police_clearance_org_id, police_clearance_reference, closure_reason, closure_group, closed_at)
SELECT bench.uid(11, c.r), 1 + floor(bench.u(c.r, 50) * 6)::int, c.created_at, coalesce(c.closed_at, c.created_at + interval '2 days'), NULL,
       bench.uid(10, c.s), bench.uid(1, c.district), c.muni_code, c.state,
       coalesce(c.closed_at, least(c.created_at + make_interval(days => 1 + floor(bench.u(c.r, 51) * greatest(c.age_days - 1, 1))::int), bench.anchor()::timestamptz)),
       CASE WHEN c.state <> 'RECEIVED' THEN bench.uid(3, bench.coord_k(c.district, c.r::int % 97)) END,
       CASE WHEN bench.u(c.r, 52) < 0.1 THEN 'HIGH' ELSE 'NORMAL' END,
       c.k, CASE WHEN c.k = 2 THEN bench.uid(11, sj.r1) END, c.k = 2,
       CASE WHEN c.k = 2 THEN greatest(0, floor(extract(epoch FROM c.created_at - pc.closed_at) / 86400))::int END,
       CASE WHEN c.state = 'ON_HOLD' THEN bench.anchor() + 30 END, CASE WHEN c.state = 'ON_HOLD' THEN 'INVESTIGATIVE_INTEREST' END,
       c.state <> 'CLOSED' AND c.k = 1 AND sj.attach AND sj.r2 IS NOT NULL,
       coalesce(ca.counted, 0), ca.first_at,
       pv.planned_start,
       CASE WHEN c.state = 'FOLLOW_UP' THEN bench.anchor() + 20 END,
       CASE WHEN c.state NOT IN ('RECEIVED', 'TRIAGE') AND src.source IN ('BANK', 'POLICE') THEN c.created_at + interval '5 days' END,
       CASE WHEN c.state NOT IN ('RECEIVED', 'TRIAGE') AND src.source IN ('BANK', 'POLICE') THEN bench.uid(2, 2) END,
       CASE WHEN c.state NOT IN ('RECEIVED', 'TRIAGE') AND src.source IN ('BANK', 'POLICE') THEN 'PL09-' || c.r END,
       CASE WHEN c.closed_at IS NOT NULL THEN c.reason END, CASE WHEN c.closed_at IS NOT NULL THEN c.grp END, c.closed_at
  FROM gen.cases c
  JOIN gen.subj sj ON sj.s = c.s
  LEFT JOIN gen.cases pc ON c.k = 2 AND pc.r = sj.r1
  LEFT JOIN gen.case_att ca ON ca.case_r = c.r
  LEFT JOIN gen.visits pv ON pv.case_r = c.r AND pv.planned
  CROSS JOIN LATERAL (SELECT (ARRAY['BANK','POLICE','HALT','MUNICIPALITY','SCHOOL','YOUTH_WORK','SELF','OTHER'])[bench.pick(bench.u(c.r, 60), '{0,0.55,0.90,0.93,0.95,0.97,0.985,0.995}')] AS source OFFSET 0) src;

-- referrals: BANK 55 %, POLICE 35 %, others 10 %; API keys for 80 % of bank and police signals
INSERT INTO referrals (id, version, created_at, updated_at, created_by, case_id, subject_id, source_type, referrer_org_id, submitted_by_user_id, api_key_id,
                       received_at, incident_month, reason_codes, legal_basis_code, consent_given, consent_date, status, decided_at, attached_to_open_case,
                       subject_match, external_reference, fraud_type, amount_band, bank_registration_status, notes)
SELECT bench.uid(12, g.r), 1, g.received_at, g.received_at, usr, bench.uid(11, g.case_r), bench.uid(10, g.s), src.source, bench.uid(2, org), usr, key,
       g.received_at, to_char(g.received_at - interval '1 month', 'YYYY-MM'),
       CASE WHEN bench.u(g.r, 62) < 0.6 THEN ARRAY['ACCOUNT_USED_FOR_FRAUD'] WHEN bench.u(g.r, 62) < 0.85 THEN ARRAY['ACCOUNT_USED_FOR_FRAUD', 'CARD_PIN_HANDED_OVER'] ELSE ARRAY['APPROACHED_BY_RECRUITER'] END,
       CASE src.source WHEN 'BANK' THEN 'COVENANT_ART_5' WHEN 'POLICE' THEN 'WPG_ART_19' ELSE 'CONSENT_REFERRER' END,
       CASE WHEN src.source NOT IN ('BANK', 'POLICE') THEN true END, CASE WHEN src.source NOT IN ('BANK', 'POLICE') THEN g.received_at::date END,
       st.status, CASE WHEN st.status <> 'RECEIVED' THEN g.received_at + interval '4 days' END, g.attached,
       CASE WHEN g.k = 2 THEN 'LINKED' WHEN bench.is_dup(g.s) THEN 'POSSIBLE_DUPLICATE' ELSE 'NEW' END,
       CASE WHEN src.source IN ('POLICE', 'BANK') THEN src.source || '-' || g.r END,
       CASE WHEN src.source = 'BANK' THEN (ARRAY['WHATSAPP_FRIEND_IN_NEED','MARKETPLACE','BANK_HELPDESK','PHISHING','INVESTMENT','OTHER','UNKNOWN'])[1 + floor(bench.u(g.r, 63) * 7)::int] END,
       CASE WHEN src.source = 'BANK' THEN (ARRAY['LT_1K','1K_5K','5K_25K','GT_25K','UNKNOWN'])[1 + floor(bench.u(g.r, 64) * 5)::int] END,
       CASE WHEN src.source = 'BANK' THEN (ARRAY['UNKNOWN','NONE','IVR','EVR'])[1 + floor(bench.u(g.r, 65) * 4)::int] END,
       CASE WHEN src.source = 'POLICE' AND bench.u(g.r, 66) < 0.3 THEN 'Melding via basisteam' END
  FROM gen.ref_case g
  JOIN gen.cases c ON c.r = g.case_r
  CROSS JOIN LATERAL (SELECT (ARRAY['BANK','POLICE','HALT','MUNICIPALITY','SCHOOL','YOUTH_WORK','SELF','OTHER'])[bench.pick(bench.u(g.r, 60), '{0,0.55,0.90,0.93,0.95,0.97,0.985,0.995}')] AS source OFFSET 0) src
  CROSS JOIN LATERAL (SELECT CASE src.source WHEN 'BANK' THEN 3 + floor(bench.u(g.r, 61) * 3)::int WHEN 'POLICE' THEN 2 WHEN 'HALT' THEN 6
                                             WHEN 'MUNICIPALITY' THEN 7 WHEN 'YOUTH_WORK' THEN 8 + c.district - 2 ELSE 1 END AS org OFFSET 0) o
  CROSS JOIN LATERAL (SELECT CASE WHEN src.source = 'BANK' AND bench.u(g.r, 67) < 0.8 THEN bench.uid(5, 1 + 2 * (o.org - 3) + floor(bench.u(g.r, 68) * 2)::int)
                                  WHEN src.source = 'POLICE' AND bench.u(g.r, 67) < 0.8 THEN bench.uid(5, 7 + floor(bench.u(g.r, 68) * 2)::int) END AS key OFFSET 0) k
  CROSS JOIN LATERAL (SELECT CASE WHEN k.key IS NULL AND src.source IN ('BANK', 'POLICE') THEN bench.uid(3, 144 + (o.org - 2) + 4 * floor(bench.u(g.r, 69) * 13)::int)
                                  WHEN k.key IS NULL THEN bench.uid(3, bench.coord_k(c.district, g.r::int % 89)) END AS usr OFFSET 0) us
  CROSS JOIN LATERAL (SELECT CASE WHEN c.state IN ('RECEIVED', 'TRIAGE') THEN 'RECEIVED'
                                  WHEN c.grp IN ('NOT_ELIGIBLE', 'WITHDRAWN') AND c.state = 'CLOSED' THEN 'NOT_ACCEPTED'
                                  WHEN g.attached AND bench.u(g.r, 70) < 0.3 THEN 'RECEIVED' ELSE 'ACCEPTED' END AS status OFFSET 0) st;

-- state history: RECEIVED at intake, TRIAGE a day later, then the current state
INSERT INTO case_transitions (id, case_id, from_state, to_state, at, by_user_id, by_role, reason_code)
SELECT bench.uid(13, c.r * 4 + n), bench.uid(11, c.r), fs, ts, at, CASE WHEN n > 1 THEN bench.uid(3, bench.coord_k(c.district, c.r::int % 97)) END,
       CASE WHEN n > 1 THEN 'coordinator' ELSE 'referrer' END, rc
  FROM gen.cases c
  CROSS JOIN LATERAL (VALUES (1, NULL, 'RECEIVED', c.created_at, NULL),
                             (2, 'RECEIVED', 'TRIAGE', c.created_at + interval '1 day', NULL),
                             (3, 'TRIAGE', c.state, coalesce(c.closed_at, c.created_at + interval '2 days'), CASE WHEN c.state = 'CLOSED' THEN c.reason END)) t(n, fs, ts, at, rc)
 WHERE n = 1 OR (n = 2 AND c.state <> 'RECEIVED') OR (n = 3 AND c.state NOT IN ('RECEIVED', 'TRIAGE'));

INSERT INTO visits (id, version, created_at, updated_at, case_id, planned_start, planned_end, weekday, time_slot, status, address_snapshot, safety_notes)
SELECT bench.uid(14, v.vn), CASE WHEN v.planned THEN 1 ELSE 2 END, v.planned_start - interval '5 days', v.planned_start, bench.uid(11, v.case_r),
       v.planned_start, v.planned_start + interval '2 hours', to_char(v.planned_start AT TIME ZONE 'Europe/Amsterdam', 'FMDAY'),
       CASE WHEN extract(hour FROM v.planned_start AT TIME ZONE 'Europe/Amsterdam') < 12 THEN 'MORNING'
            WHEN extract(hour FROM v.planned_start AT TIME ZONE 'Europe/Amsterdam') < 17 THEN 'AFTERNOON' ELSE 'EVENING' END,
       CASE WHEN v.planned THEN 'PLANNED' ELSE 'DONE' END,
       jsonb_build_object('street', s.street, 'houseNumber', s.house_number, 'postcode', s.postcode, 'municipalityCode', s.municipality_code),
       CASE WHEN bench.u(v.vn, 47) < 0.05 THEN 'Hond aanwezig' END
  FROM gen.visits v JOIN subjects s ON s.id = bench.uid(10, v.s);
INSERT INTO visit_visitors (visit_id, user_id, role)
SELECT bench.uid(14, v.vn), bench.uid(3, bench.police_k(v.district, v.pol_pick)), 'police_officer' FROM gen.visits v
UNION ALL
SELECT bench.uid(14, v.vn), bench.uid(3, bench.youth_k(v.district, v.yw_pick)), 'youth_worker' FROM gen.visits v;

INSERT INTO visit_attempts (id, version, created_at, updated_at, created_by, visit_id, case_id, attempt_no, occurred_at, weekday, time_slot, result,
                            counts_toward_max, card_left, spoke_with, recorded_by_user_id)
SELECT bench.uid(15, a.an), 1, a.occurred_at, a.occurred_at, pol, bench.uid(14, a.vn), bench.uid(11, a.case_r), a.attempt_no, a.occurred_at,
       to_char(a.occurred_at AT TIME ZONE 'Europe/Amsterdam', 'FMDAY'),
       CASE WHEN extract(hour FROM a.occurred_at AT TIME ZONE 'Europe/Amsterdam') BETWEEN 9 AND 11 THEN 'MORNING'
            WHEN extract(hour FROM a.occurred_at AT TIME ZONE 'Europe/Amsterdam') BETWEEN 12 AND 16 THEN 'AFTERNOON'
            WHEN extract(hour FROM a.occurred_at AT TIME ZONE 'Europe/Amsterdam') BETWEEN 17 AND 20 THEN 'EVENING' ELSE 'OUTSIDE_SLOTS' END,
       a.result, a.result NOT IN ('WRONG_ADDRESS', 'MOVED', 'ABORTED_SAFETY'), bench.u(a.an, 48) < 0.5,
       CASE a.result WHEN 'CONVERSATION_HELD' THEN 'SUBJECT' WHEN 'REFUSED_AT_DOOR' THEN 'SUBJECT' ELSE 'NONE' END, pol
  FROM gen.attempts a JOIN gen.visits v ON v.vn = a.vn
  CROSS JOIN LATERAL (SELECT bench.uid(3, bench.police_k(v.district, v.pol_pick)) AS pol OFFSET 0) p;

INSERT INTO conversations (id, version, created_at, updated_at, attempt_id, case_id, held_at, duration_min, location, parent_present, interpreter_used,
                           topics_covered, recruitment_channel, subject_acknowledges_involvement, awareness_before, awareness_after,
                           intends_to_refuse_future_requests, consent_follow_up_given, consent_follow_up_given_by, research_consent, agreements,
                           youth_work_notes, recorded_by_user_id)
SELECT bench.uid(16, c.r), 1, ca.conv_at, ca.conv_at, bench.uid(15, ca.conv_an), bench.uid(11, c.r), ca.conv_at, 20 + floor(bench.u(c.r, 80) * 40)::int,
       (ARRAY['DOORSTEP', 'INSIDE', 'OTHER_AGREED_PLACE'])[1 + floor(bench.u(c.r, 81) * 3)::int],
       CASE WHEN s.date_of_birth > (ca.conv_at - interval '18 years')::date THEN bench.u(c.r, 82) < 0.7 END, false,
       ARRAY['LEGAL_CONSEQUENCES', 'HOW_TO_SAY_NO'], (ARRAY['SNAPCHAT','INSTAGRAM','TELEGRAM','WHATSAPP','SCHOOL_PEERS','FRIENDS','NEIGHBOURHOOD','JOB_AD','UNKNOWN'])[1 + floor(bench.u(c.r, 83) * 9)::int],
       (ARRAY['YES', 'PARTLY', 'NO', 'NOT_DISCUSSED'])[1 + floor(bench.u(c.r, 84) * 4)::int], 2, 4, 'YES',
       bench.u(c.r, 85) < 0.75, CASE WHEN bench.u(c.r, 85) < 0.75 THEN 'SUBJECT' END, bench.u(c.r, 86) < 0.6,
       'Afspraak: contact over vier weken', 'Open gesprek, jongere gemotiveerd', bench.uid(3, bench.youth_k(c.district, v.yw_pick))
  FROM gen.cases c JOIN gen.case_att ca ON ca.case_r = c.r AND ca.conv_an IS NOT NULL
  JOIN gen.attempts a ON a.an = ca.conv_an JOIN gen.visits v ON v.vn = a.vn
  JOIN subjects s ON s.id = bench.uid(10, c.s);

INSERT INTO care_referrals (id, version, created_at, updated_at, case_id, type, provider_organisation_id, proposed_at, status, status_at, data_shared_fields, notes)
SELECT bench.uid(17, c.r), 1, ca.conv_at, ca.conv_at, bench.uid(11, c.r),
       (ARRAY['DEBT_SERVICE','BASIC_BANK_ACCOUNT','BANK_DIALOGUE','YOUTH_CARE_WIJKTEAM','YOUTH_WORK_MENTORING','HALT_EDUCATION'])[1 + floor(bench.u(c.r, 90) * 6)::int],
       bench.uid(2, 14 + floor(bench.u(c.r, 91) * 2)::int), ca.conv_at, (ARRAY['PROPOSED','SENT','STARTED','COMPLETED'])[1 + floor(bench.u(c.r, 92) * 4)::int],
       ca.conv_at + interval '7 days', ARRAY['NAME', 'PHONE'], CASE WHEN bench.u(c.r, 93) < 0.3 THEN 'Warme overdracht' END
  FROM gen.cases c JOIN gen.case_att ca ON ca.case_r = c.r AND ca.conv_an IS NOT NULL
 WHERE bench.u(c.r, 94) < 0.4;

INSERT INTO follow_up_contacts (id, version, created_at, updated_at, case_id, sequence_no, due_at, occurred_at, channel, result, awareness_now, needs_new_care)
SELECT bench.uid(18, c.r * 2 + j), 1, ca.conv_at, ca.conv_at, bench.uid(11, c.r), j, ca.conv_at + make_interval(days => 42 * j),
       CASE WHEN c.state = 'CLOSED' OR j = 1 AND ca.conv_at + interval '42 days' < bench.anchor() THEN least(ca.conv_at + make_interval(days => 42 * j + 3), bench.anchor()::timestamptz) END,
       CASE WHEN c.state = 'CLOSED' OR j = 1 AND ca.conv_at + interval '42 days' < bench.anchor() THEN 'PHONE' END,
       CASE WHEN c.state = 'CLOSED' OR j = 1 AND ca.conv_at + interval '42 days' < bench.anchor() THEN CASE WHEN c.reason = 'FOLLOW_UP_NOT_REACHED' THEN 'NOT_REACHED' ELSE 'REACHED' END END,
       CASE WHEN c.state = 'CLOSED' THEN 4 END, CASE WHEN c.state = 'CLOSED' THEN false END
  FROM gen.cases c JOIN gen.case_att ca ON ca.case_r = c.r AND ca.conv_an IS NOT NULL
  CROSS JOIN LATERAL generate_series(1, CASE WHEN bench.u(c.r, 95) < 0.5 THEN 1 ELSE 2 END) j
 WHERE c.state = 'FOLLOW_UP' OR c.reason IN ('FOLLOW_UP_COMPLETED', 'FOLLOW_UP_NOT_REACHED');

-- ---------------------------------------------------------------------------------------------------
-- Audit history: three events per referral (its CREATE, a coordinator's READ, a TRANSITION), in time
-- order, none at 5 M. Events only: audit_chain stays empty until the sealer (being built) seals them.
INSERT INTO audit_events (event_id, occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role,
                          actor_org_id, auth_method, action, route, outcome, http_status, object_type, object_ids, subject_ids, field_classes,
                          processing_activity, origin_ip, app_version)
SELECT e.event_id, e.occurred_at, e.duration_ms, e.request_id, e.trace_id, e.span_id, e.actor_type, e.actor_user_id, e.actor_api_key_id, e.actor_role,
       e.actor_org_id, e.auth_method, e.action, e.route, 'success', e.http_status, e.object_type, e.object_ids, e.subject_ids, e.field_classes,
       e.processing_activity, '10.0.0.1'::inet, '0.1.0'
  FROM (
    SELECT bench.uid(19, r.rn * 3 + j) AS event_id,
           least(r.received_at + make_interval(days => 2 * (j - 1), secs => 1), bench.anchor()::timestamptz) AS occurred_at,
           5 + floor(bench.u(r.rn * 3 + j, 100) * 40)::int AS duration_ms,
           'seed-' || (r.rn * 3 + j) AS request_id, md5('t' || (r.rn * 3 + j)) AS trace_id, left(md5('s' || (r.rn * 3 + j)), 16) AS span_id,
           CASE WHEN j = 1 AND r.api_key_id IS NOT NULL THEN 'api_key' ELSE 'user' END AS actor_type,
           CASE WHEN j = 1 THEN r.submitted_by_user_id ELSE c.case_manager_user_id END AS actor_user_id,
           CASE WHEN j = 1 THEN r.api_key_id END AS actor_api_key_id,
           CASE WHEN j = 1 THEN 'referrer' ELSE 'coordinator' END AS actor_role,
           CASE WHEN j = 1 THEN r.referrer_org_id ELSE bench.uid(2, 1) END AS actor_org_id,
           CASE WHEN j = 1 AND r.api_key_id IS NOT NULL THEN 'api_key' ELSE 'password+totp' END AS auth_method,
           (ARRAY['CREATE', 'READ', 'TRANSITION'])[j] AS action,
           (ARRAY['POST /api/v1/referrals', 'GET /api/v1/cases/:id', 'POST /api/v1/cases/:id/transitions'])[j] AS route,
           (ARRAY[201, 200, 200])[j] AS http_status, (ARRAY['Referral', 'Case', 'Case'])[j] AS object_type,
           CASE WHEN j = 1 THEN ARRAY(SELECT x FROM unnest(ARRAY[r.id, r.case_id, r.subject_id]) x ORDER BY x) ELSE ARRAY[r.case_id] END AS object_ids,
           ARRAY[r.subject_id] AS subject_ids,
           CASE WHEN j = 2 THEN ARRAY['IDENTIFYING', 'POLICE_ORIGIN', 'SENSITIVE'] ELSE ARRAY['IDENTIFYING'] END AS field_classes,
           (ARRAY['INTAKE', 'CASE_MANAGEMENT', 'CASE_MANAGEMENT'])[j] AS processing_activity
      FROM (SELECT g.r AS rn, x.* FROM gen.ref_case g JOIN referrals x ON x.id = bench.uid(12, g.r)) r
      JOIN cases c ON c.id = r.case_id
      CROSS JOIN generate_series(1, 3) j
     WHERE bench.nref() < 5000000
  ) e
 ORDER BY e.occurred_at, e.event_id;

-- ---------------------------------------------------------------------------------------------------
-- Research: release persons (research-data.md §2.2 codes, generated directly from the seed: the release
-- derivation from cases is the research module's job), a rollup at the catalogue's finest levels and
-- stored catalogue answers. Release 1 has `persons` rows; the full run adds releases 2 (50 k) and 3 (100 k).
CREATE TABLE bench.releases (release_id smallint PRIMARY KEY, code text NOT NULL, persons bigint NOT NULL);
INSERT INTO bench.releases VALUES (1, 'BENCH-MAIN', :persons);
INSERT INTO bench.releases SELECT 2, 'BENCH-50K', 50000 WHERE :full = 1;
INSERT INTO bench.releases SELECT 3, 'BENCH-100K', 100000 WHERE :full = 1;
CREATE TABLE bench.geo_district (geo text PRIMARY KEY, district text NOT NULL);
INSERT INTO bench.geo_district SELECT m.code, a.code FROM bench.muni m JOIN areas a ON a.id = bench.uid(1, m.district);
CREATE TABLE bench.release_persons (
  release_id smallint NOT NULL, person_key uuid NOT NULL, age smallint NOT NULL, sex text NOT NULL, geo text NOT NULL, period text NOT NULL,
  referral_source text NOT NULL, attempts text NOT NULL, first_attempt_delay text NOT NULL, outcome text NOT NULL, rereferral text NOT NULL,
  rereferral_6m text NOT NULL, care_started text NOT NULL, followup_reached text NOT NULL, parent_present text NOT NULL, prior_referrals text NOT NULL
);
INSERT INTO bench.release_persons
SELECT rl.release_id, bench.uid(20, n), age,
       (ARRAY['M', 'F', 'X_OR_UNKNOWN'])[bench.pick(bench.u(n, 201), '{0,0.58,0.96}')],
       (SELECT code FROM bench.muni WHERE rank = bench.pick(bench.u(n, 202), bench.muni_lows())),
       to_char(bench.start_date() + floor(bench.t_years(bench.u(n, 203) * 0.88) * 365.25)::int, 'YYYY-MM'),
       (ARRAY['BANK','POLICE','HALT','MUNICIPALITY','SCHOOL','YOUTH_WORK','SELF','OTHER'])[bench.pick(bench.u(n, 204), '{0,0.55,0.90,0.93,0.95,0.97,0.985,0.995}')],
       (ARRAY['1', '2', '3+'])[bench.pick(bench.u(n, 205), '{0,0.5,0.8}')], (ARRAY['0-7', '8-14', '15-30', '31+'])[bench.pick(bench.u(n, 206), '{0,0.3,0.6,0.85}')],
       outcome, rereferral,
       CASE WHEN rereferral = 'CENSORED' THEN 'CENSORED' WHEN rereferral IN ('0-3m', '3-6m') THEN 'YES' ELSE 'NO' END,
       CASE WHEN outcome = 'CONVERSATION_CARE' THEN 'YES' WHEN outcome = 'CONVERSATION_NO_CARE' THEN 'NO' ELSE 'NA' END,
       CASE WHEN outcome LIKE 'CONVERSATION%' THEN CASE WHEN bench.u(n, 207) < 0.7 THEN 'YES' ELSE 'NO' END ELSE 'NA' END,
       CASE WHEN outcome LIKE 'CONVERSATION%' AND age < 18 THEN CASE WHEN bench.u(n, 208) < 0.6 THEN 'YES' ELSE 'NO' END ELSE 'NA' END,
       (ARRAY['0', '1', '2+'])[bench.pick(bench.u(n, 209), '{0,0.85,0.97}')]
  FROM bench.releases rl
  CROSS JOIN LATERAL generate_series(rl.release_id::bigint * 100000000 + 1, rl.release_id::bigint * 100000000 + rl.persons) n
  CROSS JOIN LATERAL (SELECT CASE bench.pick(bench.u(n, 210), '{0,0.12,0.30,0.70,0.92}') WHEN 1 THEN 12 + floor(bench.u(n, 211) * 4) WHEN 2 THEN 16 + floor(bench.u(n, 211) * 2)
                                 WHEN 3 THEN 18 + floor(bench.u(n, 211) * 5) WHEN 4 THEN 23 + floor(bench.u(n, 211) * 5) ELSE 28 + floor(bench.u(n, 211) * 7) END::smallint AS age,
                             (ARRAY['CONVERSATION_CARE','CONVERSATION_NO_CARE','REFUSED','UNREACHABLE','OTHER'])[bench.pick(bench.u(n, 212), '{0,0.20,0.55,0.67,0.92}')] AS outcome,
                             CASE WHEN bench.u(n, 203) > 0.72 THEN 'CENSORED'
                                  ELSE (ARRAY['0-3m','3-6m','6-12m','NONE'])[bench.pick(bench.u(n, 213), '{0,0.04,0.07,0.12}')] END AS rereferral) v
 ORDER BY rl.release_id, n;

-- counts at the finest levels of the catalogue tables (month, district, age L2, sex, source L1, outcome L1)
CREATE FUNCTION bench.age_l2(age int) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE WHEN age <= 15 THEN '0-15' WHEN age <= 17 THEN '16-17' WHEN age <= 21 THEN '18-21' WHEN age <= 25 THEN '22-25' ELSE '26+' END $$;
CREATE FUNCTION bench.outcome_l1(outcome text) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE WHEN outcome LIKE 'CONVERSATION%' THEN 'REACHED' WHEN outcome IN ('REFUSED', 'UNREACHABLE') THEN 'NOT_REACHED' ELSE 'OTHER' END $$;
CREATE FUNCTION bench.source_l1(src text) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
  AS $$ SELECT CASE WHEN src = 'BANK' THEN 'BANK' WHEN src IN ('POLICE', 'HALT') THEN 'POLICE_JUSTICE' WHEN src = 'OTHER' THEN 'OTHER' ELSE 'COMMUNITY' END $$;
CREATE TABLE bench.release_rollup AS
SELECT rp.release_id, rp.period, g.district, bench.age_l2(rp.age) AS age_l2, rp.sex, bench.source_l1(rp.referral_source) AS source_l1,
       bench.outcome_l1(rp.outcome) AS outcome_l1, count(*)::int AS n
  FROM bench.release_persons rp JOIN bench.geo_district g ON g.geo = rp.geo
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
CREATE INDEX ON bench.release_rollup (release_id);
CREATE TABLE bench.stats_catalogue (release_id smallint NOT NULL, table_code text NOT NULL, dims text[] NOT NULL, cells jsonb, PRIMARY KEY (release_id, table_code));
INSERT INTO bench.stats_catalogue (release_id, table_code, dims)
SELECT r.release_id, t.code, t.dims FROM bench.releases r
CROSS JOIN (VALUES ('T01', ARRAY['period', 'district']), ('T02', ARRAY['district', 'outcome_l1']), ('T03', ARRAY['age_l2', 'sex', 'outcome_l1']),
                   ('T04', ARRAY['source_l1', 'outcome_l1']), ('T05', ARRAY['period', 'outcome_l1']), ('T06', ARRAY['district', 'age_l2', 'source_l1'])) t(code, dims);

-- ---------------------------------------------------------------------------------------------------
-- Constraints and indexes back, bench indexes, grants for the application role, statistics.
SELECT up FROM gen.ddl ORDER BY ord \gexec
ALTER TABLE bench.release_persons ADD PRIMARY KEY (release_id, person_key);
-- bench-only: the attempt pool, the per-scenario input tables and the export files
CREATE TABLE bench.pool (slot bigint PRIMARY KEY, tag text NOT NULL, visit_id uuid NOT NULL, case_id uuid NOT NULL, user_k int NOT NULL);
CREATE SEQUENCE bench.pool_slots;
CREATE SEQUENCE bench.input_seq;
CREATE TABLE bench.export_files (export_id text NOT NULL, chunk_no int NOT NULL, data bytea NOT NULL, PRIMARY KEY (export_id, chunk_no));
CREATE TABLE bench.exports (export_id text PRIMARY KEY, release_id smallint NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL, sha256 text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
GRANT USAGE ON SCHEMA bench TO doorstep_app;
GRANT SELECT ON ALL TABLES IN SCHEMA bench TO doorstep_app;
GRANT INSERT, UPDATE ON bench.stats_catalogue, bench.export_files, bench.exports TO doorstep_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA bench TO doorstep_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO doorstep_app;

DROP SCHEMA gen CASCADE;
CREATE TABLE bench.meta (key text PRIMARY KEY, value jsonb NOT NULL);
INSERT INTO bench.meta VALUES ('size', to_jsonb(:size)), ('seed', to_jsonb(:seed)), ('anchor', to_jsonb(:'anchor'::text)), ('persons', to_jsonb(:persons)),
                              ('full', to_jsonb(:full)), ('generated_at', to_jsonb(now()));
VACUUM (FREEZE, ANALYZE);
