import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { RETRYABLE_SQLSTATES, sqlState } from '../database/pg-errors.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import type { Tx } from '../database/tx.js';
import type { AuditEventInput } from './audit-event.js';
import { APP_VERSION, insertAuditEvent, insertAuditEventsForSubjects, type SubjectQuery } from './audit-writer.js';

/**
 * Writes audit events inside the caller's transaction (`record`), and refusals in a transaction of
 * their own after the failed work rolled back (registered with Db as its failure auditor).
 */
@Injectable()
export class AuditService implements OnModuleInit {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    APP_VERSION.value = this.config.appVersion;
    this.db.setFailureAuditor((db, actor, error) => this.recordFailure(db, actor, error));
  }

  /**
   * The event commits with the work it describes, or not at all. When it cannot be written the whole
   * transaction fails with 503 and nothing — no change, no personal data — leaves (fail closed).
   */
  async record(tx: Tx, event: AuditEventInput): Promise<void> {
    // The INSERT is deferred to the transaction's next statement or COMMIT; its failure is mapped there.
    await insertAuditEvent(tx, tx.actor, event, 'ADMINISTRATION', (e) => this.closed(tx, e));
  }

  /** `event` once per `perEvent` subjects of a query (bulk disclosures), fail-closed like `record`. */
  async recordForSubjects(tx: Tx, event: Omit<AuditEventInput, 'subjectIds'>, subjects: SubjectQuery, perEvent: number): Promise<void> {
    await this.failClosed(tx, () => insertAuditEventsForSubjects(tx, tx.actor, event, subjects, perEvent, 'ADMINISTRATION', (e) => this.closed(tx, e)));
  }

  private async failClosed(tx: Tx, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (e) {
      throw this.closed(tx, e);
    }
  }

  /** A failed audit write: a retryable conflict reruns the transaction, anything else fails closed with 503. */
  private closed(tx: Tx, e: unknown): Error {
    const state = sqlState(e);
    if (state && RETRYABLE_SQLSTATES.has(state)) return e as Error;
    this.logger.error({ security: true, sqlState: state, requestId: tx.actor?.request.requestId }, 'audit event could not be written; the request fails closed');
    return new DomainError('UNAVAILABLE', 'The request could not be recorded in the audit trail; nothing was changed or returned', { retryAfterSeconds: 2 });
  }

  /** Refusals by the access guard (layers 1 and 2), before any record was loaded. */
  async recordRefusal(actor: Actor, error: DomainError): Promise<void> {
    await this.recordFailure(this.db, actor, error);
  }

  /** Refusals of authenticated requests; a refused attempt on an existing record names its subjects. */
  private async recordFailure(db: Db, actor: Actor, error: DomainError): Promise<void> {
    if (actor.type === 'system') return;
    const denied = error.status === 401 || error.status === 403 || error.status === 404;
    await db.tx(
      actor,
      (tx) =>
        insertAuditEvent(tx, actor, {
          action: failureAction(actor.request.method),
          objectType: routeObjectType(actor.request.route),
          subjectIds: error.options.auditSubjectIds,
          outcome: denied ? 'denied' : 'error',
          httpStatus: error.status,
          errorCode: error.code,
        }),
      { auditFailures: false },
    );
  }

  /** Account and security events outside a business transaction (login, logout, MFA). */
  async recordStandalone(actor: Actor | null, event: AuditEventInput): Promise<void> {
    await this.db.tx(actor, (tx) => insertAuditEvent(tx, actor, event), { auditFailures: false });
  }
}

function failureAction(method: string): AuditEventInput['action'] {
  switch (method) {
    case 'GET':
      return 'READ';
    case 'POST':
      return 'CREATE';
    default:
      return 'UPDATE';
  }
}

/** `GET /api/v1/cases/:id` → `cases`: the resource family, for a refusal before any record was loaded. */
export function routeObjectType(route: string): string {
  const path = route.split(' ')[1] ?? route;
  const parts = path.split('/').filter((p) => p && !p.startsWith(':') && p !== 'api' && p !== 'v1');
  return parts[0] ?? 'unknown';
}
