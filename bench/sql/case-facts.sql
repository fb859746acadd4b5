-- facts: the access facts of one case for this actor (src/cases/case-scope.ts, CaseAccess.load), with the actor
-- as a parameter (the app inlines it as a literal, which gives every actor its own SQL text)
SELECT c.id, c.subject_id AS "subjectId", c.state, c.version, c.district_id AS "districtId",
       EXISTS (SELECT 1 FROM visit_visitors vv JOIN visits v ON v.id = vv.visit_id
                WHERE v.case_id = c.id AND vv.user_id = NULLIF(:actor_user_id, '')::uuid AND v.status <> 'CANCELLED') AS "assignedToActor",
       (c.closed_at IS NULL OR c.closed_at > now() - make_interval(days => :visitor_days::int)) AS "visitorWindowOpen",
       c.closed_at IS NULL AS "caseOpen",
       g.id IS NOT NULL AS "grantActive", g.id AS "activeGrantId", g.reason_sha256 AS "grantReasonSha256"
  FROM cases c
  LEFT JOIN LATERAL (SELECT id, reason_sha256 FROM break_glass_grants
                      WHERE case_id = c.id AND user_id = NULLIF(:actor_user_id, '')::uuid AND expires_at > now() AND revoked_at IS NULL
                      ORDER BY expires_at DESC LIMIT 1) g ON TRUE
 WHERE c.id = :case_id::uuid;
