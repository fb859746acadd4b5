import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AuditVerification } from '../audit/audit-verification.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { AccountabilityRepository } from './accountability.repository.js';
import type { AccessLogQuery, SearchAuditEventsQuery } from './dto/accountability.dto.js';
import type { AccessLogPage, AuditEventResponse, VerifyResponse } from './dto/accountability.response.js';

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v as string));

/** Who saw or changed what about a person, when and why: read by the privacy officer only, and audited. */
@Injectable()
export class AccountabilityService {
  constructor(
    private readonly db: Db,
    private readonly repo: AccountabilityRepository,
    private readonly verification: AuditVerification,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The audit trail is read with a second factor (NEN 7513: two-factor access to the log). */
  private requireMfa(actor: Actor): void {
    if (this.config.mfa.enforce && actor.authMethod !== 'password+totp') {
      throw new DomainError('MFA_REQUIRED', 'Reading the audit trail needs a session with a second factor');
    }
  }

  async search(actor: Actor, q: SearchAuditEventsQuery): Promise<Page<AuditEventResponse>> {
    this.requireMfa(actor);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'int']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const rows = await this.repo.search(tx, { subjectId: q.subjectId, actorId: q.actorId, from: q.from, to: q.to, action: q.action, outcome: q.outcome, after, limit });
      const page = toPage(rows, limit, (r) => [r.occurredAt.toISOString(), r.eventSeq], ({ eventSeq: _s, ...r }) => ({ ...r, occurredAt: iso(r.occurredAt) }) as unknown as AuditEventResponse);
      await this.audit.record(tx, {
        action: 'AUDIT_READ',
        objectType: 'AuditEvent',
        objectIds: page.items.map((e) => e.eventId),
        subjectIds: page.items.flatMap((e) => e.subjectIds),
        filterKeys: Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k),
      });
      return page;
    });
  }

  async accessLog(actor: Actor, subjectId: string, q: AccessLogQuery): Promise<AccessLogPage> {
    this.requireMfa(actor);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'int']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      if (!(await this.repo.subjectExists(tx, subjectId))) throw new DomainError('NOT_FOUND', 'Subject not found');
      const rows = await this.repo.accessLog(tx, subjectId, { from: q.from, to: q.to, after, limit });
      const page = toPage(rows, limit, (r) => [r.occurredAt.toISOString(), r.eventSeq], (r) => ({
        occurredAt: iso(r.occurredAt),
        actor: {
          type: r.actorType as string,
          userId: (r.actorUserId as string | null) ?? null,
          displayName: (r.displayName as string | null) ?? null,
          role: (r.actorRole as string | null) ?? null,
          organisationId: (r.actorOrgId as string | null) ?? null,
          organisationName: (r.organisationName as string | null) ?? null,
        },
        action: r.action as string,
        objectType: r.objectType as string,
        processingActivity: r.processingActivity as string,
        outcome: r.outcome as string,
        httpStatus: r.httpStatus as number,
        fieldClasses: r.fieldClasses as string[],
        wpgOrigin: (r.fieldClasses as string[]).includes('POLICE_ORIGIN'),
        breakGlass: r.breakGlass as boolean,
        breakGlassReason: (r.breakGlassReason as string | null) ?? null,
        onBehalfOfUserId: (r.onBehalfOfUserId as string | null) ?? null,
      }));
      tx.touch([subjectId]);
      await this.audit.record(tx, { action: 'AUDIT_READ', objectType: 'AccessLog', objectIds: [subjectId], subjectIds: [subjectId], filterKeys: ['subjectId', ...(q.from ? ['from'] : []), ...(q.to ? ['to'] : [])] });
      return { subjectId, ...page };
    });
  }

  async verify(actor: Actor, full: boolean): Promise<VerifyResponse> {
    this.requireMfa(actor);
    const result = await this.verification.verify({ full });
    await this.audit.recordStandalone(actor, { action: 'AUDIT_VERIFY', objectType: 'AuditChain', outcome: 'success', authzRule: result.ok ? 'ok' : 'failed' });
    return result;
  }
}
