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

const COLUMNS = [
  'occurred_at', 'duration_ms', 'request_id', 'trace_id', 'span_id', 'actor_type', 'actor_user_id', 'actor_api_key_id',
  'actor_role', 'actor_org_id', 'on_behalf_of_user_id', 'auth_method', 'action', 'route', 'outcome', 'http_status', 'error_code', 'object_type',
  'object_ids', 'subject_ids', 'field_classes', 'filter_keys', 'processing_activity', 'authz_rule', 'break_glass', 'break_glass_grant_id',
  'break_glass_reason_sha256', 'recipient_org_id', 'origin_ip', 'user_agent_sha256', 'app_version',
] as const;
/** Parameter types of COLUMNS: in INSERT … SELECT a parameter takes no type from its target column. */
const TYPES = [
  'timestamptz', 'integer', 'text', 'text', 'text', 'text', 'uuid', 'uuid', 'text', 'uuid', 'uuid', 'text', 'text', 'text', 'text', 'smallint', 'text', 'text',
  'uuid[]', 'uuid[]', 'text[]', 'text[]', 'text', 'text', 'boolean', 'uuid', 'bytea', 'uuid', 'inet', 'bytea', 'text',
] as const;
const SUBJECTS = COLUMNS.indexOf('subject_ids');

const INSERT_ONE = `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_c, i) => `$${i + 1}`).join(', ')})`;

/** The values of COLUMNS for one event, subject ids included. */
function eventValues(actor: Actor | null, ev: AuditEventInput, fallbackPurpose: ProcessingActivity, subjectIds: string[]): unknown[] {
  const req = actor?.request;
  const startedAt = req?.startedAt ?? new Date();
  const outcome = ev.outcome ?? 'success';
  const status = ev.httpStatus ?? (outcome === 'success' ? (ev.action === 'CREATE' ? 201 : 200) : 500);
  return [
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
  ];
}

/**
 * Writes one audit event in the given transaction. Ids and codes only: no names, no free text.
 * Subject and object ids are sorted and distinct so the hash chain has one canonical form.
 * The INSERT is deferred (Tx.defer): it reaches the database in the same transaction, ahead of the next
 * statement or just before COMMIT, and `onError` maps its failure there.
 */
export async function insertAuditEvent(
  tx: Tx,
  actor: Actor | null,
  ev: AuditEventInput,
  fallbackPurpose: ProcessingActivity = 'ADMINISTRATION',
  onError?: (err: unknown) => Error,
): Promise<void> {
  const subjectIds = uuids(ev.subjectIds);
  tx.defer({ sql: INSERT_ONE, params: eventValues(actor, ev, fallbackPurpose, subjectIds), onError });
  for (const id of subjectIds) tx.auditedSubjects.add(id);
  tx.auditEvents++;
}

/**
 * The subjects of a large disclosure (a research export: up to millions of persons) as a query, not as values: ids
 * that never enter the process cannot leave it unaudited, so they bypass the commit guard's bookkeeping. The query
 * must return one distinct uuid column `subject_id` and use parameters $1…$n of `subjectParams`.
 */
export interface SubjectQuery {
  sql: string;
  params: unknown[];
}

/**
 * The same event once per `perEvent` subjects of the query, in one INSERT … SELECT (one round trip instead of one per
 * event, and no subject ids through the driver). Each event's subject ids are sorted, as insertAuditEvent sorts them,
 * so the hash chain sees the same canonical form. With no subjects at all one event without subject ids is written.
 */
export async function insertAuditEventsForSubjects(
  tx: Tx,
  actor: Actor | null,
  ev: Omit<AuditEventInput, 'subjectIds'>,
  subjects: SubjectQuery,
  perEvent: number,
  fallbackPurpose: ProcessingActivity = 'ADMINISTRATION',
  onError?: (err: unknown) => Error,
): Promise<number> {
  const values = eventValues(actor, ev, fallbackPurpose, []);
  const params: unknown[] = [...subjects.params];
  const select = COLUMNS.map((c, i) => {
    if (i === SUBJECTS) return 's.ids';
    params.push(values[i]);
    return `$${params.length}::${TYPES[i]}`;
  });
  params.push(perEvent);
  const sql = `INSERT INTO audit_events (${COLUMNS.join(', ')})
    SELECT ${select.join(', ')}
      FROM (SELECT array_agg(subject_id ORDER BY subject_id) AS ids
              FROM (SELECT q.subject_id, (row_number() OVER (ORDER BY q.subject_id) - 1) / $${params.length}::int AS g FROM (${subjects.sql}) q) n
             GROUP BY g) s`;
  const written = await tx.exec(sql, params);
  if (written === 0) {
    await insertAuditEvent(tx, actor, { ...ev, subjectIds: [] }, fallbackPurpose, onError);
    return 1;
  }
  tx.auditEvents += written;
  return written;
}

/** Set once at start-up from the configuration. */
export const APP_VERSION = { value: '0.0.0' };
