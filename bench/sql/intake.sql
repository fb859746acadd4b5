-- intake CTE: match-or-create the subject (HMAC match key, then the near-match probe on the same birth date or day and
-- month swapped), attach to the open case or open a new one (re-referral after a closed case), the history row, the
-- referral, its CREATE event (and MERGE for a linked or possible duplicate), and the idempotency row: one statement.
-- Returns one row; "municipalityFound" = 0 → 400 UNKNOWN_MUNICIPALITY, no "id" → a concurrent intake won (retry).
WITH m AS (
  SELECT m.id, m.code, d.id AS district_id, (m.active AND d.active IS TRUE) AS in_programme
    FROM areas m LEFT JOIN areas d ON d.id = m.parent_id AND d.level = 'DISTRICT'
   WHERE m.level = 'MUNICIPALITY' AND (upper(m.code) = upper(:municipality) OR lower(m.name) = lower(:municipality))
   LIMIT 1
), existing AS (
  SELECT s.id FROM subjects s WHERE s.match_key = :match_key::bytea AND s.duplicate_status <> 'MERGED' FOR UPDATE
), near AS (
  SELECT s.id FROM subjects s
   WHERE NOT EXISTS (SELECT 1 FROM existing) AND s.date_of_birth = ANY (:dob_dates::date[]) AND s.duplicate_status <> 'MERGED'
     AND similarity(s.name_norm, :name_norm) >= :similarity::float4
   ORDER BY similarity(s.name_norm, :name_norm) DESC, s.id
   LIMIT 1
), new_subject AS (
  INSERT INTO subjects (family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id,
                        phone, guardians, match_key, name_norm, duplicate_status, possible_duplicate_of_id, created_by)
  SELECT :family_name, :given_names, :date_of_birth::date, :sex, :street, :house_number, :postcode, m.code, m.id,
         NULLIF(:phone, ''), :guardians::jsonb, :match_key::bytea, :name_norm,
         CASE WHEN EXISTS (SELECT 1 FROM near) THEN 'POSSIBLE' ELSE 'NONE' END, (SELECT id FROM near), NULLIF(:actor_user_id, '')::uuid
    FROM m WHERE m.district_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM existing)
  ON CONFLICT (match_key) WHERE duplicate_status <> 'MERGED' DO NOTHING
  RETURNING id, duplicate_status
), subj AS (
  SELECT id, 'LINKED'::text AS subject_match FROM existing
  UNION ALL
  SELECT id, CASE WHEN duplicate_status = 'POSSIBLE' THEN 'POSSIBLE_DUPLICATE' ELSE 'NEW' END FROM new_subject
), open_case AS (
  SELECT c.id FROM cases c JOIN existing e ON c.subject_id = e.id WHERE c.state <> 'CLOSED' FOR UPDATE OF c
), raised AS (
  UPDATE cases SET has_unreviewed_signal = true, version = version + 1, updated_at = now() WHERE id IN (SELECT id FROM open_case) RETURNING id
), prev AS (
  SELECT c.id, c.episode_no, c.closed_at FROM cases c JOIN existing e ON c.subject_id = e.id
   WHERE c.state = 'CLOSED' AND NOT EXISTS (SELECT 1 FROM open_case)
   ORDER BY c.closed_at DESC LIMIT 1
), new_case AS (
  INSERT INTO cases (subject_id, district_id, municipality_code, state, state_changed_at, episode_no, previous_case_id, re_referral,
                     days_since_previous_closure, created_by, created_at, closure_reason, closure_group, closed_at)
  SELECT subj.id, m.district_id, m.code, CASE WHEN m.in_programme THEN 'RECEIVED' ELSE 'CLOSED' END, :now::timestamptz,
         COALESCE((SELECT episode_no + 1 FROM prev), 1), (SELECT id FROM prev), EXISTS (SELECT 1 FROM prev),
         (SELECT floor(extract(epoch FROM :now::timestamptz - closed_at) / 86400)::int FROM prev), NULLIF(:actor_user_id, '')::uuid, :now::timestamptz,
         CASE WHEN NOT m.in_programme THEN 'NOT_ELIGIBLE_OUT_OF_REGION' END, CASE WHEN NOT m.in_programme THEN 'NOT_ELIGIBLE' END,
         CASE WHEN NOT m.in_programme THEN :now::timestamptz END
    FROM subj, m WHERE NOT EXISTS (SELECT 1 FROM open_case)
  RETURNING id
), the_case AS (
  SELECT id, true AS attached FROM open_case
  UNION ALL
  SELECT id, false FROM new_case
), history AS (
  INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code)
  SELECT n.id, NULL, 'RECEIVED', :now::timestamptz, NULLIF(:actor_user_id, '')::uuid, :by_role, NULL FROM new_case n
  UNION ALL
  SELECT n.id, 'RECEIVED', 'CLOSED', :now::timestamptz, NULL, 'system', 'NOT_ELIGIBLE_OUT_OF_REGION' FROM new_case n, m WHERE NOT m.in_programme
), referral AS (
  INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, submitted_by_user_id, api_key_id, received_at, incident_month, reason_codes,
                         legal_basis_code, consent_given, consent_date, status, decided_at, attached_to_open_case, subject_match, external_reference,
                         fraud_type, amount_band, bank_registration_status, notes, created_by)
  SELECT the_case.id, subj.id, :source_type, NULLIF(:actor_org_id, '')::uuid, NULLIF(:actor_user_id, '')::uuid, NULLIF(:actor_api_key_id, '')::uuid,
         :received_at::timestamptz, NULLIF(:incident_month, ''), :reason_codes::text[], :legal_basis_code, NULLIF(:consent_given, '')::boolean,
         NULLIF(:consent_date, '')::date, CASE WHEN m.in_programme THEN 'RECEIVED' ELSE 'NOT_ACCEPTED' END,
         CASE WHEN m.in_programme THEN NULL ELSE :now::timestamptz END, the_case.attached, subj.subject_match, NULLIF(:external_reference, ''),
         NULLIF(:fraud_type, ''), NULLIF(:amount_band, ''), NULLIF(:bank_registration_status, ''), NULLIF(:notes, ''), NULLIF(:actor_user_id, '')::uuid
    FROM the_case, subj, m
  RETURNING id, case_id, subject_id, subject_match, status
)
-- @audit
, audit AS (
  INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role, actor_org_id,
                            on_behalf_of_user_id, auth_method, action, route, outcome, http_status, error_code, object_type, object_ids, subject_ids,
                            field_classes, filter_keys, processing_activity, authz_rule, break_glass, origin_ip, user_agent_sha256, app_version)
  SELECT :started_at::timestamptz, greatest(0, floor(extract(epoch FROM clock_timestamp() - :started_at::timestamptz) * 1000))::int, :request_id, :trace_id, :span_id,
         :actor_type, NULLIF(:actor_user_id, '')::uuid, NULLIF(:actor_api_key_id, '')::uuid, :actor_role, NULLIF(:actor_org_id, '')::uuid, NULL, :auth_method,
         e.action, :route, 'success', 201, NULL, e.object_type, e.object_ids, ARRAY[r.subject_id], e.field_classes, '{}', :purpose, e.authz_rule, false,
         NULLIF(:origin_ip, '')::inet, NULLIF(:ua_sha256, '')::bytea, :app_version
    FROM referral r
    CROSS JOIN LATERAL (
      SELECT 'CREATE' AS action, 'Referral' AS object_type, ARRAY(SELECT x FROM unnest(ARRAY[r.id, r.case_id, r.subject_id]) x ORDER BY x) AS object_ids,
             :field_classes::text[] AS field_classes, NULL::text AS authz_rule
      UNION ALL
      SELECT 'MERGE', 'Subject', ARRAY(SELECT x FROM unnest(ARRAY[r.subject_id, r.id]) x ORDER BY x), '{}'::text[], 'auto-' || lower(r.subject_match)
       WHERE r.subject_match <> 'NEW'
    ) e
)
-- @end-audit
, idem AS (
  INSERT INTO idempotency_keys (scope, key, fingerprint, status_code, body, headers, created_at, expires_at)
  SELECT :idem_scope, :idem_key, :fingerprint::bytea, 201,
         :body_template::jsonb || jsonb_build_object('id', r.id, 'status', r.status)
           || CASE WHEN :full_body::boolean THEN jsonb_build_object('caseId', r.case_id, 'subjectMatch', r.subject_match) ELSE '{}'::jsonb END,
         '{}'::jsonb, :now::timestamptz, :expires_at::timestamptz
    FROM referral r WHERE :idem_key <> ''
)
SELECT r.id, r.case_id AS "caseId", r.subject_id AS "subjectId", r.subject_match AS "subjectMatch", r.status,
       (SELECT count(*) FROM m)::int AS "municipalityFound", (SELECT district_id IS NOT NULL FROM m) AS "inDistrict"
  FROM (SELECT 1) one LEFT JOIN referral r ON true;
