import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

export const HASH_VERSION = 1;

/**
 * Every column of `audit_events` except `event_seq` and `written_xid`, rendered the same way for the
 * sealer and the verifier: uuids as lower-case text, timestamps as `YYYY-MM-DDTHH:mm:ss.sssZ`, bytea
 * as lower-case hex, arrays as stored (sorted by the writer), nulls kept.
 */
export const AUDIT_PAYLOAD_SQL = `
  e.event_id::text AS event_id,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
  e.duration_ms, e.request_id, e.trace_id, e.span_id, e.actor_type,
  e.actor_user_id::text AS actor_user_id, e.actor_api_key_id::text AS actor_api_key_id, e.actor_role,
  e.actor_org_id::text AS actor_org_id, e.on_behalf_of_user_id::text AS on_behalf_of_user_id, e.auth_method,
  e.action, e.route, e.outcome, e.http_status, e.error_code, e.object_type,
  e.object_ids::text[] AS object_ids, e.subject_ids::text[] AS subject_ids, e.field_classes, e.filter_keys,
  e.processing_activity, e.authz_rule, e.break_glass, e.break_glass_grant_id::text AS break_glass_grant_id,
  encode(e.break_glass_reason_sha256, 'hex') AS break_glass_reason_sha256, e.recipient_org_id::text AS recipient_org_id,
  e.origin_ip::text AS origin_ip, encode(e.user_agent_sha256, 'hex') AS user_agent_sha256, e.app_version, e.hash_version`;

export type AuditPayload = Record<string, unknown> & { event_id: string };

/** RFC 8785 canonical JSON of an event row. */
export function canonicalPayload(row: AuditPayload): string {
  const c = canonicalize(row);
  if (c === undefined) throw new Error('audit event could not be canonicalised');
  return c;
}

/** e(n) = SHA-256(0x00 ‖ payload): the leaf hash, separated from chain hashes as in RFC 6962. */
export function entryHash(row: AuditPayload): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(canonicalPayload(row)).digest();
}

/** h(n) = SHA-256(0x01 ‖ h(n-1) ‖ e(n)). */
export function chainHash(previous: Buffer, entry: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(previous).update(entry).digest();
}

/** h(0) = SHA-256("doorstep-audit-v1:" ‖ installation id): chains of two installations never splice. */
export function genesisHash(installationId: string): Buffer {
  return createHash('sha256').update(`doorstep-audit-v1:${installationId}`).digest();
}

export interface CheckpointPayload {
  v: 1;
  installation: string;
  no: number;
  chainPos: number;
  chainHash: string;
  createdAt: string;
  prevCheckpointSha256: string | null;
}

export const checkpointDigest = (canonical: string) => createHash('sha256').update(canonical).digest('hex');
