import type { Actor, ProcessingActivity } from '../common/actor.js';
import type { Tx } from '../database/tx.js';
import type { AuditEventInput } from './audit-event.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuids(values: Iterable<string | null | undefined> | undefined): string[] {
  const out = new Set<string>();
  for (const v of values ?? []) if (v && UUID.test(v.toLowerCase())) out.add(v.toLowerCase());
  return [...out].sort();
}

/** The role whose rules decided: an actor normally holds one role; with several, the first case role. */
export function primaryRole(actor: Actor | null): string | null {
  if (!actor || actor.roles.length === 0) return null;
  return actor.roles[0];
}

/**
 * Inserts one audit event in the given transaction. Ids and codes only: no names, no free text.
 * Subject and object ids are sorted and distinct so the hash chain has one canonical form.
 */
export async function insertAuditEvent(tx: Tx, actor: Actor | null, ev: AuditEventInput, fallbackPurpose: ProcessingActivity = 'ADMINISTRATION'): Promise<void> {
  const subjectIds = uuids(ev.subjectIds);
  const req = actor?.request;
  const startedAt = req?.startedAt ?? new Date();
  const outcome = ev.outcome ?? 'success';
  const status = ev.httpStatus ?? (outcome === 'success' ? (ev.action === 'CREATE' ? 201 : 200) : 500);
  await tx.query(
    `INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id,
       actor_role, actor_org_id, on_behalf_of_user_id, auth_method, action, route, outcome, http_status, error_code, object_type,
       object_ids, subject_ids, field_classes, filter_keys, processing_activity, authz_rule, break_glass, break_glass_grant_id,
       break_glass_reason_sha256, recipient_org_id, origin_ip, user_agent_sha256, app_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)`,
    [
      startedAt,
      Math.max(0, Date.now() - startedAt.getTime()),
      req?.requestId ?? 'none',
      req?.traceId ?? '0'.repeat(32),
      req?.spanId ?? '0'.repeat(16),
      actor ? actor.type : 'anonymous',
      actor?.userId ?? null,
      actor?.apiKeyId ?? null,
      primaryRole(actor),
      actor?.organisationId ?? null,
      ev.onBehalfOfUserId ?? null,
      actor ? actor.authMethod : 'none',
      ev.action,
      req?.route ?? 'SYSTEM',
      outcome,
      status,
      ev.errorCode ?? null,
      ev.objectType,
      uuids(ev.objectIds),
      subjectIds,
      [...new Set(ev.fieldClasses ?? [])].filter((c) => c !== 'NORMAL').sort(),
      [...new Set(ev.filterKeys ?? [])].sort(),
      req?.purpose ?? fallbackPurpose,
      ev.authzRule ?? null,
      Boolean(ev.breakGlassGrantId),
      ev.breakGlassGrantId ?? null,
      ev.breakGlassReasonSha256 ?? null,
      ev.recipientOrgId ?? null,
      req?.ip ?? null,
      req?.userAgentSha256 ?? null,
      APP_VERSION.value,
    ],
  );
  for (const id of subjectIds) tx.auditedSubjects.add(id);
  tx.auditEvents++;
}

/** Set once at start-up from the configuration. */
export const APP_VERSION = { value: '0.0.0' };
