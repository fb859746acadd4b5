-- load+audit: the whole case as one JSON document (every child collection a json_agg subselect, the app's
-- CasesRepository.detail) and its READ event, in one statement. Field filtering follows in Node.
WITH d AS (
  SELECT c.subject_id, json_build_object(
         'id', c.id, 'state', c.state, 'districtId', c.district_id, 'municipalityCode', c.municipality_code,
         'stateChangedAt', c.state_changed_at, 'caseManagerUserId', c.case_manager_user_id, 'priority', c.priority,
         'episodeNo', c.episode_no, 'previousCaseId', c.previous_case_id, 'reReferral', c.re_referral,
         'daysSincePreviousClosure', c.days_since_previous_closure, 'holdUntil', c.hold_until, 'holdReason', c.hold_reason,
         'hasUnreviewedSignal', c.has_unreviewed_signal, 'countedAttempts', c.counted_attempts, 'firstAttemptAt', c.first_attempt_at,
         'nextVisitAt', c.next_visit_at, 'nextFollowUpDueAt', c.next_follow_up_due_at,
         'overdue', ((c.state = 'ON_HOLD' AND c.hold_until < now())
                     OR (c.state IN ('RECEIVED', 'TRIAGE', 'READY_TO_PLAN', 'VISIT_PLANNED') AND c.first_attempt_at IS NULL AND c.created_at < now() - make_interval(days => :target_days::int))
                     OR (c.next_follow_up_due_at IS NOT NULL AND c.next_follow_up_due_at < now())),
         'policeClearance', json_build_object('confirmedAt', c.police_clearance_confirmed_at, 'policeOrganisationId', c.police_clearance_org_id,
                                              'reference', c.police_clearance_reference),
         'closureReason', c.closure_reason, 'closureGroup', c.closure_group, 'closedAt', c.closed_at, 'closureComment', c.closure_comment,
         'version', c.version, 'createdAt', c.created_at, 'updatedAt', c.updated_at,
         'subject', json_build_object(
           'id', s.id, 'familyName', s.family_name, 'givenNames', s.given_names, 'dateOfBirth', s.date_of_birth,
           'address', json_build_object('street', s.street, 'houseNumber', s.house_number, 'postcode', s.postcode, 'municipalityCode', s.municipality_code),
           'phone', s.phone, 'guardians', s.guardians, 'sex', s.sex, 'preferredLanguage', s.preferred_language,
           'interpreterNeeded', s.interpreter_needed, 'isMinor', s.date_of_birth > (now() - interval '18 years')::date,
           'ageAtReferral', date_part('year', age(c.created_at::date, s.date_of_birth))::int,
           'addressVerifiedAt', s.address_verified_at, 'duplicateStatus', s.duplicate_status, 'possibleDuplicateOfId', s.possible_duplicate_of_id,
           'mergedIntoId', s.merged_into_id, 'lvbSuspected', s.lvb_suspected, 'mentalHealthConcern', s.mental_health_concern, 'version', s.version),
         'referrals', COALESCE((SELECT json_agg(json_build_object(
             'id', r.id, 'caseId', r.case_id, 'subjectId', r.subject_id, 'sourceType', r.source_type, 'referrerOrganisationId', r.referrer_org_id,
             'receivedAt', r.received_at, 'incidentMonth', r.incident_month, 'reasonCodes', r.reason_codes, 'legalBasisCode', r.legal_basis_code,
             'consentObtainedByReferrer', CASE WHEN r.consent_given IS NULL THEN NULL ELSE json_build_object('given', r.consent_given, 'date', r.consent_date) END,
             'status', r.status, 'decidedAt', r.decided_at, 'attachedToOpenCase', r.attached_to_open_case, 'subjectMatch', r.subject_match,
             'districtId', c.district_id, 'externalReference', r.external_reference, 'fraudType', r.fraud_type, 'amountBand', r.amount_band,
             'bankRegistrationStatus', r.bank_registration_status, 'notes', r.notes, 'version', r.version) ORDER BY r.received_at, r.id)
           FROM referrals r WHERE r.case_id = c.id), '[]'::json),
         'transitions', COALESCE((SELECT json_agg(json_build_object(
             'id', t.id, 'fromState', t.from_state, 'toState', t.to_state, 'at', t.at, 'byUserId', t.by_user_id, 'byRole', t.by_role,
             'reasonCode', CASE WHEN t.to_state = 'ON_HOLD' THEN NULL ELSE t.reason_code END,
             'holdReasonCode', CASE WHEN t.to_state = 'ON_HOLD' THEN t.reason_code END,
             'comment', t.comment, 'breakGlassGrantId', t.break_glass_grant_id) ORDER BY t.at, t.id)
           FROM case_transitions t WHERE t.case_id = c.id), '[]'::json),
         'visits', COALESCE((SELECT json_agg(json_build_object(
             'id', v.id, 'caseId', v.case_id, 'plannedStart', v.planned_start, 'plannedEnd', v.planned_end, 'weekday', v.weekday,
             'timeSlot', v.time_slot, 'status', v.status, 'cancelReason', v.cancel_reason,
             'visitors', COALESCE((SELECT json_agg(json_build_object('userId', vv.user_id, 'role', vv.role) ORDER BY vv.role, vv.user_id)
                                   FROM visit_visitors vv WHERE vv.visit_id = v.id), '[]'::json),
             'addressSnapshot', v.address_snapshot, 'safetyNotes', v.safety_notes, 'overrideReason', v.override_reason,
             'overrideComment', v.override_comment, 'overrideByUserId', v.override_by_user_id, 'overrideAt', v.override_at,
             'version', v.version) ORDER BY v.planned_start, v.id)
           FROM visits v WHERE v.case_id = c.id), '[]'::json),
         'attempts', COALESCE((SELECT json_agg(json_build_object(
             'id', a.id, 'visitId', a.visit_id, 'caseId', a.case_id, 'attemptNo', a.attempt_no, 'occurredAt', a.occurred_at,
             'weekday', a.weekday, 'timeSlot', a.time_slot, 'result', a.result, 'countsTowardMax', a.counts_toward_max,
             'cardLeft', a.card_left, 'spokeWith', a.spoke_with, 'recordedByUserId', a.recorded_by_user_id,
             'onBehalfOfUserId', a.on_behalf_of_user_id, 'version', a.version) ORDER BY a.attempt_no)
           FROM visit_attempts a WHERE a.case_id = c.id), '[]'::json),
         'conversation', (SELECT json_build_object(
             'id', cv.id, 'attemptId', cv.attempt_id, 'caseId', cv.case_id, 'heldAt', cv.held_at, 'durationMin', cv.duration_min,
             'location', cv.location, 'parentPresent', cv.parent_present, 'parentAbsentReason', cv.parent_absent_reason,
             'parentAbsentComment', cv.parent_absent_comment, 'interpreterUsed', cv.interpreter_used, 'topicsCovered', cv.topics_covered,
             'recruitmentChannel', cv.recruitment_channel, 'subjectAcknowledgesInvolvement', cv.subject_acknowledges_involvement,
             'coercionIndicated', cv.coercion_indicated, 'debtIndicated', cv.debt_indicated, 'awarenessBefore', cv.awareness_before,
             'awarenessAfter', cv.awareness_after, 'intendsToRefuseFutureRequests', cv.intends_to_refuse_future_requests,
             'consentFollowUpContact', json_build_object('given', cv.consent_follow_up_given, 'givenBy', cv.consent_follow_up_given_by),
             'consentCareDataShare', json_build_object('given', cv.consent_care_share_given, 'scope', cv.consent_care_share_scope),
             'researchConsent', cv.research_consent, 'agreements', cv.agreements, 'youthWorkNotes', cv.youth_work_notes,
             'recordedByUserId', cv.recorded_by_user_id, 'version', cv.version)
           FROM conversations cv WHERE cv.case_id = c.id ORDER BY cv.held_at DESC LIMIT 1),
         'careReferrals', COALESCE((SELECT json_agg(json_build_object(
             'id', cr.id, 'caseId', cr.case_id, 'type', cr.type, 'providerOrganisationId', cr.provider_organisation_id,
             'proposedAt', cr.proposed_at, 'status', cr.status, 'statusAt', cr.status_at, 'dataSharedFields', cr.data_shared_fields,
             'notes', cr.notes, 'version', cr.version) ORDER BY cr.proposed_at, cr.id)
           FROM care_referrals cr WHERE cr.case_id = c.id), '[]'::json),
         'followUps', COALESCE((SELECT json_agg(json_build_object(
             'id', f.id, 'caseId', f.case_id, 'sequenceNo', f.sequence_no, 'dueAt', f.due_at, 'occurredAt', f.occurred_at,
             'channel', f.channel, 'result', f.result, 'careStatusReported', f.care_status_reported,
             'reApproachedByRecruiter', f.re_approached_by_recruiter, 'newIncidentReported', f.new_incident_reported,
             'awarenessNow', f.awareness_now, 'needsNewCare', f.needs_new_care,
             'overdue', f.occurred_at IS NULL AND f.due_at < now(), 'notes', f.notes, 'version', f.version) ORDER BY f.sequence_no)
           FROM follow_up_contacts f WHERE f.case_id = c.id), '[]'::json)
       ) AS doc
    FROM cases c JOIN subjects s ON s.id = c.subject_id
   WHERE c.id = :case_id::uuid
)
-- @audit
, audit AS (
  INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role, actor_org_id,
                            on_behalf_of_user_id, auth_method, action, route, outcome, http_status, error_code, object_type, object_ids, subject_ids,
                            field_classes, filter_keys, processing_activity, authz_rule, break_glass, break_glass_grant_id, break_glass_reason_sha256,
                            origin_ip, user_agent_sha256, app_version)
  SELECT :started_at::timestamptz, greatest(0, floor(extract(epoch FROM clock_timestamp() - :started_at::timestamptz) * 1000))::int, :request_id, :trace_id, :span_id,
         :actor_type, NULLIF(:actor_user_id, '')::uuid, NULL, :actor_role, NULLIF(:actor_org_id, '')::uuid, NULL, :auth_method, 'READ', :route, 'success', 200, NULL,
         'Case', ARRAY[:case_id::uuid], ARRAY[d.subject_id], :field_classes::text[], '{}', :purpose, NULL,
         NULLIF(:bg_grant_id, '') IS NOT NULL, NULLIF(:bg_grant_id, '')::uuid, NULLIF(:bg_reason_sha256, '')::bytea,
         NULLIF(:origin_ip, '')::inet, NULLIF(:ua_sha256, '')::bytea, :app_version
    FROM d
)
-- @end-audit
SELECT doc FROM d;
