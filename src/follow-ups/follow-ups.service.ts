import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import { forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import { CaseAccess, type CaseFacts } from '../cases/case-access.service.js';
import type { Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { CreateFollowUpDto, ListFollowUpsQuery, UpdateFollowUpDto } from './dto/follow-up.dto.js';
import type { FollowUpListItem, FollowUpResponse } from './dto/follow-up.response.js';
import { FollowUpsRepository, type FollowUpRow } from './follow-ups.repository.js';

const toResponse = (f: FollowUpRow): FollowUpResponse => ({
  id: f.id,
  caseId: f.caseId,
  sequenceNo: f.sequenceNo,
  dueAt: f.dueAt.toISOString(),
  occurredAt: f.occurredAt?.toISOString() ?? null,
  channel: f.channel,
  result: f.result,
  careStatusReported: f.careStatusReported,
  reApproachedByRecruiter: f.reApproachedByRecruiter,
  newIncidentReported: f.newIncidentReported,
  awarenessNow: f.awarenessNow,
  needsNewCare: f.needsNewCare,
  overdue: f.overdue,
  notes: f.notes,
  version: f.version,
});

/** Follow-up contacts weeks after the conversation (first one due `followUp.intervalDays` after it). */
@Injectable()
export class FollowUpsService {
  constructor(
    private readonly db: Db,
    private readonly repo: FollowUpsRepository,
    private readonly access: CaseAccess,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, caseId: string, dto: CreateFollowUpDto): Promise<FollowUpResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Create, 'FollowUp', caseId, { forUpdate: true });
      const subjectIds = [facts.subjectId];
      if (facts.state !== 'FOLLOW_UP') throw new DomainError('INVALID_TRANSITION', 'Follow-up contacts are planned while the case is in FOLLOW_UP', { details: { currentState: facts.state }, auditSubjectIds: subjectIds });
      const n = await this.repo.count(tx, caseId);
      if (n >= this.config.workflow.followUpMaxContacts) throw new DomainError('CONFLICT', `At most ${this.config.workflow.followUpMaxContacts} follow-up contacts per case`, { auditSubjectIds: subjectIds });
      const due = new Date(dto.dueAt);
      if (due.getTime() < this.clock.nowMs() - 86_400_000) {
        throw new DomainError('VALIDATION_FAILED', 'A new follow-up cannot be due in the past', { errors: [{ field: 'dueAt', code: 'IN_THE_PAST', message: 'dueAt must not lie in the past' }], auditSubjectIds: subjectIds });
      }
      const id = await this.repo.insert(tx, caseId, n + 1, due, actor.userId);
      await this.repo.refreshCaseDue(tx, caseId);
      tx.touch(subjectIds);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'FollowUp', objectIds: [id, caseId], subjectIds, ...this.access.breakGlass(actor, facts) });
      return this.respond(actor, facts, (await this.repo.get(tx, id))!);
    });
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateFollowUpDto): Promise<FollowUpResponse> {
    return this.db.tx(actor, async (tx) => {
      const current = await this.repo.get(tx, id);
      if (!current) throw new DomainError('NOT_FOUND', 'Follow-up not found');
      const facts = await this.access.require(tx, actor, Action.Update, 'FollowUp', current.caseId, { notFound: 'Follow-up' });
      const subjectIds = [facts.subjectId];
      const written = Object.entries(dto).filter(([, v]) => v !== undefined).map(([k]) => k);
      if (!facts.caseOpen) throw new DomainError('CONFLICT', 'The case is closed; its follow-ups can no longer change', { auditSubjectIds: subjectIds });
      const forbidden = forbiddenWriteFields(this.access.ability(actor), Action.Update, 'FollowUp', facts, written);
      if (forbidden.length) throw new DomainError('FORBIDDEN', `Your role may not set ${forbidden.join(', ')}`, { details: { fields: forbidden }, auditSubjectIds: subjectIds });
      if ((dto.result === 'REACHED' || dto.result === 'NOT_REACHED') && !(dto.occurredAt ?? current.occurredAt)) {
        throw new DomainError('VALIDATION_FAILED', 'When was the contact?', { errors: [{ field: 'occurredAt', code: 'REQUIRED', message: 'occurredAt is required with a REACHED or NOT_REACHED result' }], auditSubjectIds: subjectIds });
      }
      const v = await this.repo.update(tx, id, version, { ...dto });
      if (v === null) throw new DomainError('VERSION_CONFLICT', 'The follow-up was changed by someone else', { details: { currentVersion: current.version }, auditSubjectIds: subjectIds });
      await this.repo.refreshCaseDue(tx, current.caseId);
      tx.touch(subjectIds);
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'FollowUp', objectIds: [id, current.caseId], subjectIds, fieldClasses: dto.notes !== undefined ? ['YOUTHWORK_ONLY'] : [], authzRule: written.sort().join(','), ...this.access.breakGlass(actor, facts) });
      return this.respond(actor, facts, (await this.repo.get(tx, id))!);
    });
  }

  /** `?due=overdue`: what coordinators and visitors should chase, soonest first. */
  async list(actor: Actor, q: ListFollowUpsQuery): Promise<Page<FollowUpListItem>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const scope = this.access.scope(actor, Action.Read, 'FollowUp', p);
      const rows = await this.repo.list(tx, scope, p, { due: q.due ?? 'all', includeDone: q.includeDone === 'true', after, limit });
      const page = toPage(rows, limit, (r) => [r.dueAt.toISOString(), r.id], (r) => ({
        id: r.id,
        caseId: r.caseId,
        districtId: r.districtId,
        sequenceNo: r.sequenceNo,
        dueAt: r.dueAt.toISOString(),
        occurredAt: r.occurredAt?.toISOString() ?? null,
        result: r.result,
        overdue: r.overdue,
        subjectDisplayName: r.subjectDisplayName,
        version: r.version,
      }));
      tx.touch(rows.slice(0, limit).map((r) => r.subjectId));
      await this.audit.record(tx, {
        action: 'LIST',
        objectType: 'FollowUp',
        objectIds: page.items.map((i) => i.id),
        subjectIds: rows.slice(0, limit).map((r) => r.subjectId),
        fieldClasses: ['IDENTIFYING'],
        filterKeys: Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k),
      });
      return page;
    });
  }

  private respond(actor: Actor, facts: CaseFacts, row: FollowUpRow): FollowUpResponse {
    return pickFields(toResponse(row), permittedFields(this.access.ability(actor), Action.Read, 'FollowUp', facts)) as FollowUpResponse;
  }
}
