import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { AuthService } from '../auth/auth.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import type { BreakGlassDto, ListGrantsQuery, ReviewGrantDto } from './dto/break-glass.dto.js';
import type { BreakGlassGrantCreated, BreakGlassGrantResponse } from './dto/break-glass.response.js';
import { BreakGlassRepository, type GrantRow } from './break-glass.repository.js';

const toResponse = (g: GrantRow): BreakGlassGrantResponse => ({
  id: g.id,
  caseId: g.caseId,
  userId: g.userId,
  reason: g.reason,
  grantedAt: g.grantedAt.toISOString(),
  expiresAt: g.expiresAt.toISOString(),
  revokedAt: g.revokedAt?.toISOString() ?? null,
  reviewedAt: g.reviewedAt?.toISOString() ?? null,
  reviewedBy: g.reviewedBy,
  reviewOutcome: g.reviewOutcome,
  reviewNote: g.reviewNote,
  eventCount: g.eventCount,
});

/**
 * Emergency access (access-and-audit.md §2.5): a coordinator opens one case outside their districts
 * for 60 minutes, with a reason and a fresh second factor. Every grant is queued for the privacy
 * officer's review from its own commit, and every event under it carries the grant.
 */
@Injectable()
export class BreakGlassService {
  private readonly logger = new Logger('BreakGlass');

  constructor(
    private readonly db: Db,
    private readonly repo: BreakGlassRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async grant(actor: Actor, caseId: string, dto: BreakGlassDto): Promise<BreakGlassGrantCreated> {
    const reason = dto.reason.trim();
    const min = this.config.workflow.breakGlassMinReasonLength;
    if (reason.length < min) {
      throw new DomainError('VALIDATION_FAILED', `Give a reason of at least ${min} characters`, { errors: [{ field: 'reason', code: 'TOO_SHORT', message: `reason must have at least ${min} characters` }] });
    }
    try {
      this.auth.assertFreshMfa(actor);
    } catch (e) {
      await this.audit.recordRefusal(actor, e as DomainError);
      throw e;
    }
    return this.db.tx(actor, async (tx) => {
      const target = await this.repo.caseForGrant(tx, caseId);
      if (!target) throw new DomainError('NOT_FOUND', 'Case not found');
      if (actor.districtIds.includes(target.districtId)) {
        throw new DomainError('VALIDATION_FAILED', 'This case is in your own district: no emergency access needed', {
          errors: [{ field: 'caseId', code: 'NOT_NEEDED', message: 'the case lies in one of your districts' }],
          auditSubjectIds: [target.subjectId],
        });
      }
      if ((await this.repo.grantsLastDay(tx, actor.userId!)) >= this.config.workflow.breakGlassMaxPerDay) {
        throw new DomainError('RATE_LIMITED', `At most ${this.config.workflow.breakGlassMaxPerDay} emergency grants per 24 hours`, { retryAfterSeconds: 3600, auditSubjectIds: [target.subjectId] });
      }
      const reasonSha256 = createHash('sha256').update(reason).digest();
      const g = await this.repo.insert(tx, { caseId, userId: actor.userId!, reason, reasonSha256, minutes: this.config.workflow.breakGlassMinutes });
      this.logger.warn({ security: true, grantId: g.id, caseId, userId: actor.userId }, 'break-glass access granted');
      await this.audit.record(tx, {
        action: 'BREAK_GLASS_GRANT',
        objectType: 'Case',
        objectIds: [caseId, g.id],
        subjectIds: [target.subjectId],
        breakGlassGrantId: g.id,
        breakGlassReasonSha256: reasonSha256,
      });
      return { grantId: g.id, expiresAt: g.expiresAt.toISOString() };
    });
  }

  async list(actor: Actor, q: ListGrantsQuery): Promise<Page<BreakGlassGrantResponse>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const rows = await this.repo.list(tx, q.reviewed === undefined ? undefined : q.reviewed === 'true', after, limit);
      const page = toPage(rows, limit, (r) => [r.grantedAt.toISOString(), r.id], (r) => r);
      await this.audit.record(tx, {
        action: 'AUDIT_READ',
        objectType: 'BreakGlassGrant',
        objectIds: page.items.map((g) => g.id),
        subjectIds: page.items.map((g) => g.subjectId),
        fieldClasses: ['IDENTIFYING'],
        filterKeys: q.reviewed !== undefined ? ['reviewed'] : [],
      });
      tx.touch(page.items.map((g) => g.subjectId));
      return { items: page.items.map(toResponse), nextCursor: page.nextCursor };
    });
  }

  async review(actor: Actor, id: string, dto: ReviewGrantDto): Promise<BreakGlassGrantResponse> {
    return this.db.tx(actor, async (tx) => {
      const grant = await this.repo.get(tx, id);
      if (!grant) throw new DomainError('NOT_FOUND', 'Grant not found');
      if (grant.userId === actor.userId) throw new DomainError('FORBIDDEN', 'Nobody reviews their own emergency access');
      if (!(await this.repo.review(tx, id, actor.userId!, dto.outcome, dto.note ?? null))) throw new DomainError('CONFLICT', 'This grant was already reviewed');
      await this.audit.record(tx, { action: 'BREAK_GLASS_REVIEW', objectType: 'BreakGlassGrant', objectIds: [id, grant.caseId], subjectIds: [grant.subjectId], authzRule: dto.outcome });
      tx.touch([grant.subjectId]);
      return toResponse((await this.repo.get(tx, id))!);
    });
  }
}
