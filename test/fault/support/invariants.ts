import type { FaultWorld } from './fault-world.js';
import type { Ack } from './writers.js';

export interface InvariantReport {
  referrals: number;
  ackedKeys: number;
  /** Acknowledged keys with no row, or a row with another id than the one acknowledged. */
  lost: string[];
  /** Keys with more than one referral row. */
  duplicates: string[];
  /** Referrals of the writers whose key was never acknowledged (allowed only while a key is unresolved). */
  unackedRows: string[];
  referralsWithoutCreateEvent: number;
  createEventsWithoutReferral: number;
  casesWithoutReferral: number;
  casesWithoutReceivedTransition: number;
  subjectsWithoutCase: number;
  referralsWithoutIdempotencyRow: number;
  idempotencyRowsWithoutReferral: number;
}

/**
 * What a crash may never leave behind, checked by SQL as the superuser: every acknowledged write present
 * once, and every referral intake whole (subject, case, RECEIVED transition, referral, CREATE event and
 * idempotency row) or absent.
 */
export async function checkInvariants(world: FaultWorld, acked: Map<string, Ack>, tag: string): Promise<InvariantReport> {
  const rows = await world.ownerQuery<{ id: string; ref: string }>(`SELECT id, external_reference AS ref FROM referrals WHERE external_reference LIKE $1`, [`FLT-${tag}-%`]);
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = r.ref.slice(4);
    byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
  }
  const lost: string[] = [];
  for (const a of acked.values()) {
    const ids = byKey.get(a.key);
    if (!ids || !ids.includes(a.id)) lost.push(a.key);
  }
  const duplicates = [...byKey.entries()].filter(([, ids]) => ids.length > 1).map(([k]) => k);
  const unackedRows = [...byKey.keys()].filter((k) => !acked.has(k));
  const one = async (sql: string) => (await world.ownerQuery<{ n: number }>(sql))[0].n;
  return {
    referrals: rows.length,
    ackedKeys: acked.size,
    lost,
    duplicates,
    unackedRows,
    referralsWithoutCreateEvent: await one(
      `SELECT count(*)::int AS n FROM referrals r WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'CREATE' AND e.object_type = 'Referral' AND e.object_ids @> ARRAY[r.id])`,
    ),
    createEventsWithoutReferral: await one(
      `SELECT count(*)::int AS n FROM audit_events e WHERE e.action = 'CREATE' AND e.object_type = 'Referral' AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = ANY(e.object_ids))`,
    ),
    casesWithoutReferral: await one(`SELECT count(*)::int AS n FROM cases c WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id)`),
    casesWithoutReceivedTransition: await one(
      `SELECT count(*)::int AS n FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_transitions t WHERE t.case_id = c.id AND t.from_state IS NULL AND t.to_state = 'RECEIVED')`,
    ),
    subjectsWithoutCase: await one(`SELECT count(*)::int AS n FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.subject_id = s.id)`),
    referralsWithoutIdempotencyRow: await one(
      `SELECT count(*)::int AS n FROM referrals r WHERE r.external_reference LIKE 'FLT-%' AND NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.key = substr(r.external_reference, 5))`,
    ),
    idempotencyRowsWithoutReferral: await one(
      `SELECT count(*)::int AS n FROM idempotency_keys k WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = (k.body->>'id')::uuid)`,
    ),
  };
}

/** The invariants that must hold once every key is resolved; returns the violated ones. */
export function violations(r: InvariantReport, opts: { allowUnacked?: boolean } = {}): string[] {
  const v: string[] = [];
  if (r.lost.length) v.push(`${r.lost.length} acknowledged writes lost`);
  if (r.duplicates.length) v.push(`${r.duplicates.length} keys with duplicate rows`);
  if (r.unackedRows.length && !opts.allowUnacked) v.push(`${r.unackedRows.length} rows for keys never acknowledged`);
  for (const k of [
    'referralsWithoutCreateEvent',
    'createEventsWithoutReferral',
    'casesWithoutReferral',
    'casesWithoutReceivedTransition',
    'subjectsWithoutCase',
    'referralsWithoutIdempotencyRow',
    'idempotencyRowsWithoutReferral',
  ] as const) {
    if (r[k] > 0) v.push(`${k}: ${r[k]}`);
  }
  return v;
}
