import canonicalize from 'canonicalize';
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { PoolClient } from 'pg';
import { AUDIT_PAYLOAD_SQL, chainHash, checkpointDigest, entryHash, genesisHash, type AuditPayload, type CheckpointPayload } from './audit-hash.js';
import type { SinkEntry } from './checkpoint-sink.js';

export interface VerifyFinding {
  code:
    | 'CHECKPOINT_SIGNATURE_INVALID'
    | 'CHECKPOINT_KEY_UNKNOWN'
    | 'CHECKPOINT_LINK_BROKEN'
    | 'CHECKPOINT_ORDER'
    | 'CHECKPOINT_NOT_IN_SINK'
    | 'CHECKPOINT_MISSING_FROM_DATABASE'
    | 'CHECKPOINT_DIFFERS_FROM_SINK'
    | 'CHECKPOINT_HASH_MISMATCH'
    | 'CHAIN_GAP'
    | 'EVENT_MISSING'
    | 'ENTRY_HASH_MISMATCH'
    | 'CHAIN_HASH_MISMATCH'
    | 'UNSEALED_OLD_EVENTS'
    | 'ROLLBACK_DETECTED'
    | 'BACKDATED_EVENT'
    | 'TRIGGER_MISSING';
  position?: number;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  checkedEvents: number;
  /** The chain was recomputed from this position on (0: from the genesis hash). */
  fromPosition: number;
  lastCheckpoint: { no: number; chainPos: number; createdAt: string } | null;
  firstBadSequence?: number;
  findings: VerifyFinding[];
}

export interface VerifyInput {
  client: PoolClient;
  installationId: string;
  verifyKeys: Map<string, KeyObject>;
  sink: SinkEntry[];
  /** Events older than this must be sealed (default 5 minutes). */
  unsealedGraceSeconds?: number;
  /**
   * Incremental run: recompute the chain only after this signed checkpoint position, starting from its
   * signed hash. Checkpoints, the sink, rollback and the catalog are always checked in full.
   */
  fromCheckpointPos?: number;
  batchSize?: number;
}

const AUDIT_TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'];

/**
 * Recomputes the chain from the start and checks it against the stored hashes, the signed
 * checkpoints (with pinned keys, never keys from the database) and the sink outside the database.
 * Detects edits, deletions, insertions, swaps, truncation, whole-chain rewrites, forged checkpoints
 * and rollback to an older state; `firstBadSequence` is the first chain position that fails.
 */
export async function verifyAuditChain(input: VerifyInput): Promise<VerifyResult> {
  const { client } = input;
  const findings: VerifyFinding[] = [];
  let firstBad: number | undefined;
  const flag = (f: VerifyFinding) => {
    findings.push(f);
    if (f.position !== undefined && (firstBad === undefined || f.position < firstBad)) firstBad = f.position;
  };

  // 1. Checkpoints: signatures, links, order, and agreement with the sink.
  const dbCheckpoints = (
    await client.query<{ no: string; chainPos: string; chainHash: Buffer; payload: string; signature: Buffer; keyId: string }>(
      `SELECT c.no::text AS no, c.chain_pos::text AS "chainPos", c.chain_hash AS "chainHash", c.payload, c.signature, c.key_id AS "keyId" FROM audit_checkpoints c ORDER BY c.no`,
    )
  ).rows;
  const checkpoints: Array<{ no: number; chainPos: number; chainHash: string; payload: CheckpointPayload }> = [];
  let prevCanonical: string | null = null;
  let prevPos = 0;
  for (const c of dbCheckpoints) {
    const key = input.verifyKeys.get(c.keyId);
    let payload: CheckpointPayload | null = null;
    try {
      payload = JSON.parse(c.payload) as CheckpointPayload;
    } catch {
      payload = null;
    }
    if (!key) {
      flag({ code: 'CHECKPOINT_KEY_UNKNOWN', position: Number(c.chainPos), detail: `checkpoint ${c.no} is signed with a key that is not pinned` });
    } else if (!verifySignature(null, Buffer.from(c.payload), key, c.signature) || !payload || canonicalize(payload) !== c.payload) {
      flag({ code: 'CHECKPOINT_SIGNATURE_INVALID', position: Number(c.chainPos), detail: `checkpoint ${c.no} does not verify` });
    }
    if (payload) {
      const expectedPrev = prevCanonical ? checkpointDigest(prevCanonical) : null;
      if (payload.prevCheckpointSha256 !== expectedPrev || payload.no !== Number(c.no)) flag({ code: 'CHECKPOINT_LINK_BROKEN', position: Number(c.chainPos), detail: `checkpoint ${c.no} does not link to its predecessor` });
      if (payload.chainPos <= prevPos || payload.chainPos !== Number(c.chainPos) || payload.chainHash !== c.chainHash.toString('hex')) {
        flag({ code: 'CHECKPOINT_ORDER', position: Number(c.chainPos), detail: `checkpoint ${c.no} position or hash disagrees with its signed payload` });
      }
      if (payload.installation !== input.installationId) flag({ code: 'CHECKPOINT_SIGNATURE_INVALID', position: Number(c.chainPos), detail: `checkpoint ${c.no} belongs to another installation` });
      checkpoints.push({ no: Number(c.no), chainPos: payload.chainPos, chainHash: payload.chainHash, payload });
      prevPos = payload.chainPos;
    }
    prevCanonical = c.payload;
  }
  const sinkByNo = new Map(input.sink.map((s) => [s.no, s]));
  for (const c of dbCheckpoints) {
    const s = sinkByNo.get(Number(c.no));
    if (!s) flag({ code: 'CHECKPOINT_NOT_IN_SINK', position: Number(c.chainPos), detail: `checkpoint ${c.no} is in the database but not in the sink` });
    else if (s.payload !== c.payload || s.signature !== c.signature.toString('base64')) flag({ code: 'CHECKPOINT_DIFFERS_FROM_SINK', position: Number(c.chainPos), detail: `checkpoint ${c.no} differs from the sink` });
  }
  const dbNos = new Set(dbCheckpoints.map((c) => Number(c.no)));
  for (const s of input.sink) {
    if (!dbNos.has(s.no)) {
      let pos: number | undefined;
      try {
        pos = (JSON.parse(s.payload) as CheckpointPayload).chainPos;
      } catch {
        pos = undefined;
      }
      flag({ code: 'CHECKPOINT_MISSING_FROM_DATABASE', position: pos, detail: `sink checkpoint ${s.no} is missing from the database` });
    }
  }
  // Signed sink checkpoints, verified with the pinned keys, are the outside truth for rollback detection.
  const sinkCheckpoints = input.sink
    .filter((s) => {
      const key = input.verifyKeys.get(s.keyId);
      return key && verifySignature(null, Buffer.from(s.payload), key, Buffer.from(s.signature, 'base64'));
    })
    .map((s) => JSON.parse(s.payload) as CheckpointPayload);
  const signedHashAt = new Map<number, string>();
  for (const c of [...sinkCheckpoints, ...checkpoints.map((c) => c.payload)]) signedHashAt.set(c.chainPos, c.chainHash);

  // 2. The chain itself, streamed in keyset batches; the next batch is fetched while this one is hashed.
  const batch = input.batchSize ?? 10_000;
  let start = 0;
  let prev = genesisHash(input.installationId);
  if (input.fromCheckpointPos && signedHashAt.has(input.fromCheckpointPos)) {
    start = input.fromCheckpointPos;
    prev = Buffer.from(signedHashAt.get(start)!, 'hex');
  }
  let expectedPos = start + 1;
  let checked = 0;
  type ChainRow = AuditPayload & { __pos: string; __entry: Buffer; __chain: Buffer; __present: boolean; __late: boolean };
  const fetch = (after: number) =>
    client.query<ChainRow>(
      `SELECT c.chain_pos::text AS __pos, c.entry_hash AS __entry, c.chain_hash AS __chain, e.event_id IS NOT NULL AS __present,
              (e.event_id IS NOT NULL AND c.sealed_at - (e.occurred_at + make_interval(secs => e.duration_ms / 1000.0)) > interval '5 minutes') AS __late,
              ${AUDIT_PAYLOAD_SQL}
         FROM audit_chain c LEFT JOIN audit_events e ON e.event_id = c.event_id
        WHERE c.chain_pos > $1 AND c.chain_pos <= $1 + $2 ORDER BY c.chain_pos`,
      [after, batch],
    );
  const maxPos = Number((await client.query<{ m: string | null }>(`SELECT max(chain_pos)::text AS m FROM audit_chain`)).rows[0].m ?? 0);
  let window = start;
  let pending = maxPos > start ? fetch(start) : null;
  while (pending) {
    const rows = (await pending).rows;
    window += batch;
    pending = window < maxPos ? fetch(window) : null;
    for (const r of rows) {
      const pos = Number(r.__pos);
      if (pos !== expectedPos) flag({ code: 'CHAIN_GAP', position: expectedPos, detail: `chain positions ${expectedPos}–${pos - 1} are missing` });
      expectedPos = pos + 1;
      const { __pos: _pos, __entry, __chain, __present, __late, ...payload } = r;
      if (!__present) {
        flag({ code: 'EVENT_MISSING', position: pos, detail: `the event sealed at position ${pos} is gone` });
      } else if (!entryHash(payload as AuditPayload).equals(__entry)) {
        flag({ code: 'ENTRY_HASH_MISMATCH', position: pos, detail: `the event at position ${pos} was changed` });
      }
      if (__late) flag({ code: 'BACKDATED_EVENT', position: pos, detail: `the event at position ${pos} was sealed long after its time` });
      const expectedChain = chainHash(prev, __entry);
      if (!expectedChain.equals(__chain)) flag({ code: 'CHAIN_HASH_MISMATCH', position: pos, detail: `the chain hash at position ${pos} does not follow` });
      // Continue from the stored hash so one edit is reported once, not at every later position.
      prev = __chain;
      const signed = signedHashAt.get(pos);
      if (signed !== undefined && signed !== __chain.toString('hex')) {
        flag({ code: 'CHECKPOINT_HASH_MISMATCH', position: pos, detail: `the chain at position ${pos} differs from the signed checkpoint` });
      }
      checked++;
    }
  }
  const head = expectedPos - 1;

  // 3. Rollback or truncation: the database is behind what was signed outside it.
  const newestSigned = Math.max(0, ...sinkCheckpoints.map((c) => c.chainPos));
  if (head < newestSigned) flag({ code: 'ROLLBACK_DETECTED', position: head + 1, detail: `the chain ends at ${head} but position ${newestSigned} was signed` });

  // 4. Events that should have been sealed by now.
  const grace = input.unsealedGraceSeconds ?? 300;
  const unsealed = (
    await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.event_id) AND e.occurred_at < now() - make_interval(secs => $1::int)`,
      [grace],
    )
  ).rows[0].n;
  if (unsealed > 0) flag({ code: 'UNSEALED_OLD_EVENTS', detail: `${unsealed} events older than ${grace} s are not sealed` });

  // 5. Enforcement in the catalog: the append-only triggers exist and always fire.
  const triggers = (
    await client.query<{ table: string; name: string; enabled: string }>(
      `SELECT c.relname AS table, t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = ANY($1) AND NOT t.tgisinternal`,
      [AUDIT_TABLES],
    )
  ).rows;
  for (const table of AUDIT_TABLES) {
    for (const suffix of ['no_change', 'no_truncate']) {
      const t = triggers.find((x) => x.table === table && x.name === `${table}_${suffix}`);
      if (!t || t.enabled !== 'A') flag({ code: 'TRIGGER_MISSING', detail: `trigger ${table}_${suffix} is missing or not ENABLE ALWAYS` });
    }
  }

  const lastDb = checkpoints[checkpoints.length - 1];
  return {
    ok: findings.length === 0,
    checkedEvents: checked,
    fromPosition: start,
    lastCheckpoint: lastDb ? { no: lastDb.no, chainPos: lastDb.chainPos, createdAt: lastDb.payload.createdAt } : null,
    ...(firstBad !== undefined ? { firstBadSequence: firstBad } : {}),
    findings,
  };
}
