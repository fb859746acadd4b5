import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { sign } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import type { Tx } from '../database/tx.js';
import { AUDIT_PAYLOAD_SQL, chainHash, checkpointDigest, entryHash, genesisHash, type AuditPayload, type CheckpointPayload } from './audit-hash.js';
import { loadAuditKeys, type AuditKeys } from './audit-keys.js';
import { CheckpointSink } from './checkpoint-sink.js';

const SEALER_LOCK = 72_680_021;
const BATCH = 1000;

interface Head {
  pos: number;
  hash: Buffer;
  xid: string | null;
  seq: string | null;
}

/**
 * Seals committed audit events into the SHA-256 hash chain, in batches, after commit. An event is
 * sealed only once its writing transaction is older than every transaction still running
 * (`written_xid < pg_snapshot_xmin`), so a late commit is sealed in a later batch, never skipped,
 * and no request ever waits on a chain head. One sealer at a time (transaction advisory lock).
 * Every ≤ 1,000 sealed events or ≤ 60 s a checkpoint is signed with Ed25519 and written to the
 * database and to the sink outside it.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditSealer');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly keys: AuditKeys;
  readonly sink: CheckpointSink;
  private lastCheckpointAt = Date.now();
  private failures = 0;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.keys = loadAuditKeys(config);
    this.sink = new CheckpointSink(config.audit.checkpointSinkDir);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.audit.sealerEnabled) return;
    await this.reconcileSink().catch((e) => this.logger.warn({ errorClass: e?.constructor?.name }, 'could not reconcile the checkpoint sink'));
    this.timer = setInterval(() => void this.sealNow().catch(() => undefined), this.config.audit.sealIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
    if (this.config.audit.sealerEnabled) {
      // A final pass, so events of the last requests are sealed before the pool closes.
      await this.sealNow().catch(() => undefined);
    }
  }

  /** One pass (or several, while a full batch came back); returns how many events it sealed. */
  async sealNow(): Promise<number> {
    if (this.running) return this.running;
    this.running = (async () => {
      let total = 0;
      try {
        for (;;) {
          const n = await this.db.tx(null, (tx) => this.pass(tx), { role: 'doorstep_sealer', auditFailures: false });
          total += n;
          if (n < BATCH) break;
        }
        this.failures = 0;
      } catch (e) {
        // The database may be unreachable; the sealer resumes where it left off.
        if (this.failures++ % 30 === 0) this.logger.warn({ errorClass: (e as Error)?.constructor?.name, code: (e as { code?: string })?.code }, 'audit sealer pass failed');
      } finally {
        this.running = null;
      }
      return total;
    })();
    return this.running;
  }

  private async pass(tx: Tx): Promise<number> {
    const locked = await tx.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [SEALER_LOCK]);
    if (!locked?.ok) return 0;
    const head = await this.head(tx);
    const rows = await tx.query<AuditPayload & { __seq: string; __xid: string }>(
      `SELECT ${AUDIT_PAYLOAD_SQL}, e.event_seq::text AS __seq, e.written_xid::text AS __xid
         FROM audit_events e
        WHERE e.written_xid < pg_snapshot_xmin(pg_current_snapshot())
          ${head.xid ? `AND (e.written_xid, e.event_seq) > ($1::xid8, $2::bigint)` : ''}
        ORDER BY e.written_xid, e.event_seq
        LIMIT ${BATCH}`,
      head.xid ? [head.xid, head.seq] : [],
    );
    if (rows.length > 0) {
      const positions: number[] = [];
      const ids: string[] = [];
      const seqs: string[] = [];
      const xids: string[] = [];
      const entries: Buffer[] = [];
      const chains: Buffer[] = [];
      let prev = head.hash;
      let pos = head.pos;
      for (const r of rows) {
        const { __seq, __xid, ...payload } = r;
        const e = entryHash(payload as AuditPayload);
        prev = chainHash(prev, e);
        pos++;
        positions.push(pos);
        ids.push(payload.event_id);
        seqs.push(__seq);
        xids.push(__xid);
        entries.push(e);
        chains.push(prev);
      }
      await tx.exec(
        `INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::xid8[], $5::bytea[], $6::bytea[])`,
        [positions, ids, seqs, xids, entries, chains],
      );
    }
    await this.maybeCheckpoint(tx);
    return rows.length;
  }

  private async head(tx: Tx): Promise<Head> {
    const row = await tx.one<{ pos: string; hash: Buffer; xid: string; seq: string }>(
      `SELECT chain_pos::text AS pos, chain_hash AS hash, written_xid::text AS xid, event_seq::text AS seq FROM audit_chain ORDER BY chain_pos DESC LIMIT 1`,
    );
    return row ? { pos: Number(row.pos), hash: row.hash, xid: row.xid, seq: row.seq } : { pos: 0, hash: genesisHash(this.config.audit.installationId), xid: null, seq: null };
  }

  private async maybeCheckpoint(tx: Tx): Promise<void> {
    const last = await tx.one<{ no: string; chainPos: string; payload: string }>(`SELECT no::text AS no, chain_pos::text AS "chainPos", payload FROM audit_checkpoints c ORDER BY c.no DESC LIMIT 1`);
    const head = await this.head(tx);
    const lastPos = last ? Number(last.chainPos) : 0;
    if (head.pos <= lastPos) return;
    const due = head.pos - lastPos >= this.config.audit.checkpointEvery || Date.now() - this.lastCheckpointAt >= this.config.audit.checkpointMaxSeconds * 1000;
    if (!due) return;
    const payload: CheckpointPayload = {
      v: 1,
      installation: this.config.audit.installationId,
      no: last ? Number(last.no) + 1 : 1,
      chainPos: head.pos,
      chainHash: head.hash.toString('hex'),
      createdAt: new Date().toISOString(),
      prevCheckpointSha256: last ? checkpointDigest(last.payload) : null,
    };
    const canonical = canonicalize(payload)!;
    const signature = sign(null, Buffer.from(canonical), this.keys.signing);
    await tx.exec(`INSERT INTO audit_checkpoints (no, chain_pos, chain_hash, created_at, payload, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      payload.no,
      payload.chainPos,
      head.hash,
      payload.createdAt,
      canonical,
      signature,
      this.keys.signingKeyId,
    ]);
    // Written to the sink only after COMMIT; a crash in between is repaired by reconcileSink at start.
    tx.afterCommit.push(() => {
      this.sink.append({ no: payload.no, payload: canonical, signature: signature.toString('base64'), keyId: this.keys.signingKeyId });
      this.lastCheckpointAt = Date.now();
    });
  }

  /** Appends checkpoints the database has but the sink lacks (a crash between commit and append). */
  private async reconcileSink(): Promise<void> {
    const inSink = new Set(this.sink.read().map((e) => e.no));
    const rows = await this.db.tx(null, (tx) => tx.query<{ no: string; payload: string; signature: Buffer; keyId: string }>(`SELECT c.no::text AS no, payload, signature, key_id AS "keyId" FROM audit_checkpoints c ORDER BY c.no`), {
      role: 'doorstep_sealer',
      auditFailures: false,
    });
    const maxInSink = Math.max(0, ...inSink);
    for (const r of rows) {
      if (Number(r.no) > maxInSink && !inSink.has(Number(r.no))) this.sink.append({ no: Number(r.no), payload: r.payload, signature: r.signature.toString('base64'), keyId: r.keyId });
    }
  }
}
