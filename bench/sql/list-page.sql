-- page+audit: one keyset page of a coordinator's cases and its LIST event in one statement.
-- Each district is paged on its own (index cases (district_id, state, created_at, id)) and merged; the grant
-- arm adds cases reached through an active break-glass grant. The first page passes the sentinel cursor
-- ('infinity', ffffffff-…), so page 1 and deep pages share one plan. :limit_plus = limit + 1 (is there a next page).
WITH page AS (
  SELECT c.* FROM (
    SELECT x.* FROM unnest(:district_ids::uuid[]) AS d(district_id)
    CROSS JOIN LATERAL (
      SELECT x.id, x.state, x.district_id, x.subject_id, x.created_at, x.version, x.next_visit_at, x.priority, x.has_unreviewed_signal, x.re_referral,
             x.case_manager_user_id, x.state_changed_at, x.hold_until, x.first_attempt_at, x.next_follow_up_due_at
        FROM cases x
       WHERE x.district_id = d.district_id AND x.state = :state AND (x.created_at, x.id) < (:after_ts::timestamptz, :after_id::uuid)
       ORDER BY x.created_at DESC, x.id DESC
       LIMIT :limit_plus::int) x
    UNION ALL
    SELECT x.id, x.state, x.district_id, x.subject_id, x.created_at, x.version, x.next_visit_at, x.priority, x.has_unreviewed_signal, x.re_referral,
           x.case_manager_user_id, x.state_changed_at, x.hold_until, x.first_attempt_at, x.next_follow_up_due_at
      FROM break_glass_grants g JOIN cases x ON x.id = g.case_id
     WHERE g.user_id = NULLIF(:actor_user_id, '')::uuid AND g.expires_at > now() AND g.revoked_at IS NULL AND x.state = :state
       AND (x.created_at, x.id) < (:after_ts::timestamptz, :after_id::uuid) AND x.district_id <> ALL (:district_ids::uuid[])
  ) c
  ORDER BY c.created_at DESC, c.id DESC
  LIMIT :limit_plus::int
), rows AS (
  SELECT p.*, s.given_names || ' ' || s.family_name AS display_name, date_part('year', age(p.created_at::date, s.date_of_birth))::int AS age_at_referral,
         row_number() OVER (ORDER BY p.created_at DESC, p.id DESC) AS rn
    FROM page p JOIN subjects s ON s.id = p.subject_id
)
-- @audit
, audit AS (
  INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role, actor_org_id,
                            on_behalf_of_user_id, auth_method, action, route, outcome, http_status, error_code, object_type, object_ids, subject_ids,
                            field_classes, filter_keys, processing_activity, authz_rule, break_glass, origin_ip, user_agent_sha256, app_version)
  SELECT :started_at::timestamptz, greatest(0, floor(extract(epoch FROM clock_timestamp() - :started_at::timestamptz) * 1000))::int, :request_id, :trace_id, :span_id,
         :actor_type, NULLIF(:actor_user_id, '')::uuid, NULL, :actor_role, NULLIF(:actor_org_id, '')::uuid, NULL, :auth_method, 'LIST', :route, 'success', 200, NULL,
         'Case', coalesce(array_agg(id ORDER BY id) FILTER (WHERE rn < :limit_plus::int), '{}'),
         coalesce(array_agg(DISTINCT subject_id ORDER BY subject_id) FILTER (WHERE rn < :limit_plus::int), '{}'),
         '{IDENTIFYING}', :filter_keys::text[], :purpose, NULL, false, NULLIF(:origin_ip, '')::inet, NULLIF(:ua_sha256, '')::bytea, :app_version
    FROM rows
)
-- @end-audit
SELECT id, state, district_id AS "districtId", subject_id AS "subjectId", display_name AS "displayName", age_at_referral AS "ageAtReferral",
       next_visit_at AS "nextVisitAt",
       ((state = 'ON_HOLD' AND hold_until < now())
        OR (state IN ('RECEIVED', 'TRIAGE', 'READY_TO_PLAN', 'VISIT_PLANNED') AND first_attempt_at IS NULL AND created_at < now() - make_interval(days => :target_days::int))
        OR (next_follow_up_due_at IS NOT NULL AND next_follow_up_due_at < now())) AS overdue,
       version, created_at AS "createdAt", priority, has_unreviewed_signal AS "hasUnreviewedSignal", re_referral AS "reReferral",
       case_manager_user_id AS "caseManagerUserId", state_changed_at AS "stateChangedAt"
  FROM rows ORDER BY rn;
