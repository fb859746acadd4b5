import { Injectable } from '@nestjs/common';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

const EVENT_COLUMNS = `e.event_id AS "eventId", e.event_seq::text AS "eventSeq", e.occurred_at AS "occurredAt", e.request_id AS "requestId",
  e.actor_type AS "actorType", e.actor_user_id AS "actorUserId", e.actor_api_key_id AS "actorApiKeyId", e.actor_role AS "actorRole",
  e.actor_org_id AS "actorOrgId", e.on_behalf_of_user_id AS "onBehalfOfUserId", e.auth_method AS "authMethod", e.action, e.route,
  e.outcome, e.http_status AS "httpStatus", e.error_code AS "errorCode", e.object_type AS "objectType", e.object_ids AS "objectIds",
  e.subject_ids AS "subjectIds", e.field_classes AS "fieldClasses", e.filter_keys AS "filterKeys", e.processing_activity AS "processingActivity",
  e.break_glass AS "breakGlass", e.break_glass_grant_id AS "breakGlassGrantId", e.recipient_org_id AS "recipientOrgId"`;

@Injectable()
export class AccountabilityRepository {
  async search(
    tx: Tx,
    f: { subjectId?: string; actorId?: string; from?: string; to?: string; action?: string; outcome?: string; after: [string, string] | null; limit: number },
  ): Promise<Array<Record<string, unknown> & { occurredAt: Date; eventSeq: string; subjectIds: string[] }>> {
    const p = new SqlParams();
    const where = ['TRUE'];
    if (f.subjectId) where.push(`e.subject_ids @> ARRAY[${p.add(f.subjectId)}::uuid]`);
    if (f.actorId) where.push(`e.actor_user_id = ${p.add(f.actorId)}::uuid`);
    if (f.from) where.push(`e.occurred_at >= ${p.add(f.from)}::timestamptz`);
    if (f.to) where.push(`e.occurred_at < ${p.add(f.to)}::timestamptz`);
    if (f.action) where.push(`e.action = ${p.add(f.action)}`);
    if (f.outcome) where.push(`e.outcome = ${p.add(f.outcome)}`);
    if (f.after) where.push(`(e.occurred_at, e.event_seq) > (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::bigint)`);
    return tx.query(`SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE ${where.join(' AND ')} ORDER BY e.occurred_at, e.event_seq LIMIT ${p.add(f.limit + 1)}`, p.values);
  }

  async subjectExists(tx: Tx, id: string): Promise<boolean> {
    return Boolean(await tx.one(`SELECT 1 FROM subjects WHERE id = $1`, [id]));
  }

  /**
   * One indexed query over the GIN index on subject_ids: the events of this person and of every
   * record merged into them, with actor names resolved now (audit rows carry ids only).
   */
  async accessLog(tx: Tx, subjectId: string, f: { from?: string; to?: string; after: [string, string] | null; limit: number }) {
    const p = new SqlParams([subjectId]);
    const where = [`e.subject_ids && (SELECT array_agg(id) FROM ids)`];
    if (f.from) where.push(`e.occurred_at >= ${p.add(f.from)}::timestamptz`);
    if (f.to) where.push(`e.occurred_at < ${p.add(f.to)}::timestamptz`);
    if (f.after) where.push(`(e.occurred_at, e.event_seq) > (${p.add(f.after[0])}::timestamptz, ${p.add(f.after[1])}::bigint)`);
    return tx.query<Record<string, unknown> & { occurredAt: Date; eventSeq: string }>(
      `WITH RECURSIVE ids(id) AS (SELECT $1::uuid UNION SELECT s.id FROM subjects s JOIN ids ON s.merged_into_id = ids.id)
       SELECT e.occurred_at AS "occurredAt", e.event_seq::text AS "eventSeq", e.actor_type AS "actorType", e.actor_user_id AS "actorUserId",
              u.display_name AS "displayName", e.actor_role AS "actorRole", e.actor_org_id AS "actorOrgId", o.name AS "organisationName",
              e.action, e.object_type AS "objectType", e.processing_activity AS "processingActivity", e.outcome, e.http_status AS "httpStatus",
              e.field_classes AS "fieldClasses", e.break_glass AS "breakGlass", g.reason AS "breakGlassReason", e.on_behalf_of_user_id AS "onBehalfOfUserId"
         FROM audit_events e
         LEFT JOIN users u ON u.id = e.actor_user_id
         LEFT JOIN organisations o ON o.id = e.actor_org_id
         LEFT JOIN break_glass_grants g ON g.id = e.break_glass_grant_id
        WHERE ${where.join(' AND ')}
        ORDER BY e.occurred_at, e.event_seq LIMIT ${p.add(f.limit + 1)}`,
      p.values,
    );
  }
}
