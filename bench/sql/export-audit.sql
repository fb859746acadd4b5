-- EXPORT events for a build or a download: the release's persons, 1,000 subject ids per event, one INSERT … SELECT
INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_role, actor_org_id, auth_method,
                          action, route, outcome, http_status, object_type, object_ids, subject_ids, field_classes, processing_activity,
                          recipient_org_id, origin_ip, user_agent_sha256, app_version)
SELECT :started_at::timestamptz, greatest(0, floor(extract(epoch FROM clock_timestamp() - :started_at::timestamptz) * 1000))::int, :request_id, :trace_id, :span_id,
       'user', NULLIF(:actor_user_id, '')::uuid, :actor_role, NULLIF(:actor_org_id, '')::uuid, :auth_method, 'EXPORT', :route, 'success', 200,
       'ResearchExport', '{}', array_agg(person_key ORDER BY person_key), '{}', 'RESEARCH', NULLIF(:actor_org_id, '')::uuid,
       NULLIF(:origin_ip, '')::inet, NULLIF(:ua_sha256, '')::bytea, :app_version
  FROM (SELECT person_key, (row_number() OVER (ORDER BY person_key) - 1) / 1000 AS g FROM bench.release_persons WHERE release_id = :release_id::smallint) x
 GROUP BY g;
