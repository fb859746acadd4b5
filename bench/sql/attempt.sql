-- attempt CTE: the attempt, the visit done, the case moved (compare-and-swap on its state) with its counters, the history
-- row, the CREATE and TRANSITION events and the idempotency row, in one statement. No "caseVersion" → the case moved meanwhile.
WITH att AS (
  INSERT INTO visit_attempts (visit_id, case_id, attempt_no, occurred_at, weekday, time_slot, result, counts_toward_max, card_left, spoke_with,
                              recorded_by_user_id, on_behalf_of_user_id, created_by)
  VALUES (:visit_id::uuid, :case_id::uuid, :attempt_no::int, :occurred_at::timestamptz, :weekday, :time_slot, :result, :counts::boolean, :card_left::boolean,
          :spoke_with, NULLIF(:actor_user_id, '')::uuid, NULLIF(:on_behalf_of, '')::uuid, NULLIF(:actor_user_id, '')::uuid)
  RETURNING id, version
), vis AS (
  UPDATE visits SET status = 'DONE', version = version + 1, updated_at = now() WHERE id = :visit_id::uuid RETURNING id
), moved AS (
  UPDATE cases SET version = version + 1, updated_at = now(), state = :to_state, state_changed_at = :now::timestamptz, next_visit_at = NULL,
                   counted_attempts = :counted::int, first_attempt_at = COALESCE(first_attempt_at, :occurred_at::timestamptz)
   WHERE id = :case_id::uuid AND state = :from_state
  RETURNING version
), history AS (
  INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code, break_glass_grant_id)
  SELECT :case_id::uuid, :from_state, :to_state, :now::timestamptz, NULLIF(:actor_user_id, '')::uuid, :by_role, :result, NULLIF(:bg_grant_id, '')::uuid FROM moved
)
-- @audit
, audit AS (
  INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role, actor_org_id,
                            on_behalf_of_user_id, auth_method, action, route, outcome, http_status, error_code, object_type, object_ids, subject_ids,
                            field_classes, filter_keys, processing_activity, authz_rule, break_glass, break_glass_grant_id, break_glass_reason_sha256,
                            origin_ip, user_agent_sha256, app_version)
  SELECT :started_at::timestamptz, greatest(0, floor(extract(epoch FROM clock_timestamp() - :started_at::timestamptz) * 1000))::int, :request_id, :trace_id, :span_id,
         :actor_type, NULLIF(:actor_user_id, '')::uuid, NULL, :actor_role, NULLIF(:actor_org_id, '')::uuid, NULLIF(:on_behalf_of, '')::uuid, :auth_method,
         e.action, :route, 'success', e.status, NULL, e.object_type, e.object_ids, ARRAY[:subject_id::uuid], '{}', '{}', :purpose, e.authz_rule,
         NULLIF(:bg_grant_id, '') IS NOT NULL, NULLIF(:bg_grant_id, '')::uuid, NULLIF(:bg_reason_sha256, '')::bytea,
         NULLIF(:origin_ip, '')::inet, NULLIF(:ua_sha256, '')::bytea, :app_version
    FROM att
    CROSS JOIN LATERAL (
      SELECT 'CREATE' AS action, 'VisitAttempt' AS object_type, 201 AS status,
             ARRAY(SELECT x FROM unnest(ARRAY[att.id, :visit_id::uuid, :case_id::uuid]) x ORDER BY x) AS object_ids, NULL::text AS authz_rule
      UNION ALL
      SELECT 'TRANSITION', 'Case', 200, ARRAY(SELECT x FROM unnest(ARRAY[:case_id::uuid, att.id]) x ORDER BY x), :from_state || '->' || :to_state
        FROM moved
    ) e
)
-- @end-audit
, idem AS (
  INSERT INTO idempotency_keys (scope, key, fingerprint, status_code, body, headers, created_at, expires_at)
  SELECT :idem_scope, :idem_key, :fingerprint::bytea, 201, :body_template::jsonb || jsonb_build_object('id', att.id, 'version', att.version),
         '{}'::jsonb, :now::timestamptz, :expires_at::timestamptz
    FROM att, moved
)
SELECT att.id, att.version, moved.version AS "caseVersion" FROM att LEFT JOIN moved ON true;
