import { Inject, Injectable } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { actorKey, type Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { Tx } from '../database/tx.js';

/** A 2xx answer as it went out, or as it is replayed for a retried request. */
export interface HttpResult<T> {
  status: number;
  body: T;
  headers?: Record<string, string>;
  replayed?: boolean;
}

export interface IdempotencyRequest {
  key: string | undefined;
  method: string;
  route: string;
  params: Record<string, string>;
  body: unknown;
}

/**
 * Exactly-once POSTs for clients that retry (tablets on a bad connection, referrer systems).
 * In the request's own transaction: a transaction-scoped advisory lock on (caller, key) — a duplicate
 * in flight gets 409 — then a lookup that replays the original 2xx, or 422 when the body differs. The
 * stored answer commits with the work, so a crash leaves nothing and a retry does the work once.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  fingerprint(req: IdempotencyRequest): Buffer {
    const canonical = canonicalize({ method: req.method, route: req.route, params: req.params, body: JSON.parse(JSON.stringify(req.body ?? null)) });
    return createHash('sha256').update(canonical ?? '').digest();
  }

  async run<T>(tx: Tx, actor: Actor, req: IdempotencyRequest, work: () => Promise<HttpResult<T>>): Promise<HttpResult<T>> {
    if (!req.key) return work();
    const scope = actorKey(actor);
    const fp = this.fingerprint(req);
    const locked = await tx.one<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok`, [`${scope}:${req.key}`]);
    if (!locked?.ok) {
      throw new DomainError('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still being processed; retry shortly', { status: 409, retryAfterSeconds: 1 });
    }
    const stored = await tx.one<{ fingerprint: Buffer; statusCode: number; body: T; headers: Record<string, string> }>(
      `SELECT fingerprint, status_code AS "statusCode", body, headers FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $3`,
      [scope, req.key, this.clock.now()],
    );
    if (stored) {
      if (!stored.fingerprint.equals(fp)) {
        throw new DomainError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used with a different request');
      }
      await this.audit.record(tx, { action: 'REPLAY', objectType: 'IdempotentRequest', objectIds: idsIn(stored.body) });
      return { status: stored.statusCode, body: stored.body, headers: { ...stored.headers, 'idempotent-replayed': 'true' }, replayed: true };
    }
    const result = await work();
    const now = this.clock.now();
    // Deferred: it goes in one statement with the request's audit events, just before COMMIT.
    tx.defer({
      sql: `INSERT INTO idempotency_keys (scope, key, fingerprint, status_code, body, headers, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code, body = EXCLUDED.body,
         headers = EXCLUDED.headers, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
      params: [scope, req.key, fp, result.status, JSON.stringify(result.body), result.headers ?? {}, now, new Date(now.getTime() + this.config.idempotencyTtlHours * 3_600_000)],
    });
    return result;
  }

  async purgeExpired(tx: Tx): Promise<number> {
    return tx.exec(`DELETE FROM idempotency_keys WHERE expires_at <= $1`, [this.clock.now()]);
  }
}

/** Record ids a stored body names, for the REPLAY event (never its content). */
function idsIn(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as Record<string, unknown>;
  return ['id', 'caseId', 'visitId', 'attemptId'].map((k) => b[k]).filter((v): v is string => typeof v === 'string');
}

/** The header is required on some routes (API-key referrals, attempts, conversations). */
export function requireIdempotencyKey(key: string | undefined): string {
  if (!key) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key header is required for this request', {
      errors: [{ field: 'Idempotency-Key', code: 'REQUIRED', message: 'Idempotency-Key header is required' }],
    });
  }
  return key;
}
