-- Tops up the attempt pool (performance.md §3.2): slots $1..$2 become cases in VISIT_PLANNED, each with one planned
-- visit (started an hour ago) and its pair of visitors, for a new subject; bench.pool names the visit and the visitor
-- (police officer or youth worker) whose session records the attempt. $3 tags the slots with the level they serve.
-- One statement (bench.uid tables 40 subjects, 41 cases, 42 visits). Run with node-pg, not psql.
WITH s AS (
  SELECT slot, 2 + floor(bench.u(slot, 400) * 5)::int AS district, bench.u(slot, 401) < 0.5 AS by_police, floor(bench.u(slot, 402) * 100)::int AS pick,
         'Poolman' || bench.code20(slot) AS family, (date '2005-01-01' + (slot % 3500)::int) AS dob
    FROM generate_series($1::bigint, $2::bigint) slot
), m AS (
  SELECT DISTINCT ON (district) district, code, k FROM bench.muni ORDER BY district, rank
), subj AS (
  INSERT INTO subjects (id, family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id, guardians, match_key, name_norm)
  SELECT bench.uid(40, s.slot), s.family, 'Sam', s.dob, 'UNKNOWN', 'Poolstraat', '1', '3511 AB', m.code, bench.uid(1, m.k), '[]', bench.match_key('Sam', s.family, s.dob),
         bench.name_norm('Sam', s.family)
    FROM s JOIN m ON m.district = s.district
  RETURNING id
), cs AS (
  INSERT INTO cases (id, created_at, updated_at, subject_id, district_id, municipality_code, state, state_changed_at, case_manager_user_id, next_visit_at)
  SELECT bench.uid(41, s.slot), now() - interval '10 days', now() - interval '1 day', bench.uid(40, s.slot), bench.uid(1, s.district), m.code, 'VISIT_PLANNED',
         now() - interval '1 day', bench.uid(3, bench.coord_k(s.district, s.pick)), date_trunc('minute', now()) - interval '1 hour'
    FROM s JOIN m ON m.district = s.district
  RETURNING id
), vs AS (
  INSERT INTO visits (id, created_at, updated_at, case_id, planned_start, planned_end, weekday, time_slot, status, address_snapshot)
  SELECT bench.uid(42, s.slot), now() - interval '1 day', now() - interval '1 day', bench.uid(41, s.slot), p.start, p.start + interval '2 hours',
         to_char(p.start AT TIME ZONE 'Europe/Amsterdam', 'FMDAY'),
         CASE WHEN extract(hour FROM p.start AT TIME ZONE 'Europe/Amsterdam') < 12 THEN 'MORNING'
              WHEN extract(hour FROM p.start AT TIME ZONE 'Europe/Amsterdam') < 17 THEN 'AFTERNOON' ELSE 'EVENING' END,
         'PLANNED', jsonb_build_object('street', 'Poolstraat', 'houseNumber', '1', 'postcode', '3511 AB', 'municipalityCode', m.code)
    FROM s JOIN m ON m.district = s.district CROSS JOIN (SELECT date_trunc('minute', now()) - interval '1 hour' AS start) p
  RETURNING id
), vv AS (
  INSERT INTO visit_visitors (visit_id, user_id, role)
  SELECT bench.uid(42, s.slot), bench.uid(3, bench.police_k(s.district, s.pick)), 'police_officer' FROM s
  UNION ALL
  SELECT bench.uid(42, s.slot), bench.uid(3, bench.youth_k(s.district, s.pick)), 'youth_worker' FROM s
  RETURNING visit_id
)
INSERT INTO bench.pool (slot, tag, visit_id, case_id, user_k)
SELECT s.slot, $3, bench.uid(42, s.slot), bench.uid(41, s.slot), CASE WHEN s.by_police THEN bench.police_k(s.district, s.pick) ELSE bench.youth_k(s.district, s.pick) END
  FROM s;
