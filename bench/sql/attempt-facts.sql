-- facts FOR UPDATE: the visit, its visitors, the case's access facts, counters and earlier attempt slots, and the next
-- attempt number, with the case row locked (the app reads these in five statements)
SELECT v.id AS "visitId", v.case_id AS "caseId", v.planned_start AS "plannedStart", v.status AS "visitStatus",
       COALESCE((SELECT json_agg(json_build_object('userId', vv.user_id, 'role', vv.role) ORDER BY vv.role, vv.user_id)
                   FROM visit_visitors vv WHERE vv.visit_id = v.id), '[]'::json) AS visitors,
       c.subject_id AS "subjectId", c.state, c.version, c.district_id AS "districtId", c.counted_attempts AS "countedAttempts",
       c.first_attempt_at AS "firstAttemptAt", c.closed_at IS NULL AS "caseOpen",
       EXISTS (SELECT 1 FROM visit_visitors vv JOIN visits v2 ON v2.id = vv.visit_id
                WHERE v2.case_id = c.id AND vv.user_id = NULLIF(:actor_user_id, '')::uuid AND v2.status <> 'CANCELLED') AS "assignedToActor",
       g.id IS NOT NULL AS "grantActive", g.id AS "activeGrantId", g.reason_sha256 AS "grantReasonSha256",
       COALESCE((SELECT json_agg(json_build_object('weekday', a.weekday, 'timeSlot', a.time_slot)) FROM visit_attempts a WHERE a.case_id = c.id), '[]'::json) AS earlier,
       (SELECT COALESCE(max(a.attempt_no), 0)::int + 1 FROM visit_attempts a WHERE a.case_id = c.id) AS "nextAttemptNo"
  FROM visits v
  JOIN cases c ON c.id = v.case_id
  LEFT JOIN LATERAL (SELECT id, reason_sha256 FROM break_glass_grants
                      WHERE case_id = c.id AND user_id = NULLIF(:actor_user_id, '')::uuid AND expires_at > now() AND revoked_at IS NULL
                      ORDER BY expires_at DESC LIMIT 1) g ON TRUE
 WHERE v.id = :visit_id::uuid
   FOR UPDATE OF c;
