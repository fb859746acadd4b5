import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import { classesOf, type FieldClass } from '../authorization/field-classes.js';
import { forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import type { Actor } from '../common/actor.js';
import { primaryCaseRole } from '../common/actor-roles.js';
import { Clock } from '../common/clock.js';
import { closureGroupOf, type CaseState } from '../common/domain-enums.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import { CaseAccess, type CaseFacts } from './case-access.service.js';
import { consentGiverValid, decide, type GuardContext } from './case-state-machine.js';
import { CaseError } from './cases.errors.js';
import { CasesRepository } from './cases.repository.js';
import type { ListCasesQuery, TransitionDto, UpdateCaseDto } from './dto/case.dto.js';
import type { CaseListItem, CaseResponse } from './dto/case.response.js';

@Injectable()
export class CasesService {
  constructor(
    private readonly db: Db,
    private readonly repo: CasesRepository,
    private readonly access: CaseAccess,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(actor: Actor, q: ListCasesQuery): Promise<Page<CaseListItem>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const arms = this.access.arms(actor, Action.Read, 'Case', p);
      const rows = await this.repo.list(tx, arms, p, actor.userId, this.config.workflow.firstAttemptTargetDays, {
        state: q.state,
        districtId: q.districtId,
        assignedToMe: q.assignedToMe === 'true',
        overdue: q.overdue === 'true',
        hasUnreviewedSignal: q.hasUnreviewedSignal === 'true',
        after,
        limit,
      });
      const page = toPage(rows, limit, (r) => [r.createdAt.toISOString(), r.id], (r) => ({
        id: r.id,
        state: r.state,
        districtId: r.districtId,
        subject: { displayName: r.displayName, ageAtReferral: r.ageAtReferral },
        nextVisitAt: r.nextVisitAt?.toISOString() ?? null,
        overdue: r.overdue,
        version: r.version,
        createdAt: r.createdAt.toISOString(),
        stateChangedAt: r.stateChangedAt.toISOString(),
        priority: r.priority,
        hasUnreviewedSignal: r.hasUnreviewedSignal,
        reReferral: r.reReferral,
        caseManagerUserId: r.caseManagerUserId,
      }));
      // One event for the page, naming every subject on it (also for an empty page). The look-ahead row is not returned.
      tx.touch(rows.slice(0, limit).map((r) => r.subjectId));
      await this.audit.record(tx, {
        action: 'LIST',
        objectType: 'Case',
        objectIds: page.items.map((i) => i.id),
        subjectIds: rows.slice(0, limit).map((r) => r.subjectId),
        fieldClasses: ['IDENTIFYING'],
        filterKeys: Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k),
      });
      return page;
    });
  }

  async get(actor: Actor, id: string): Promise<CaseResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Read, 'Case', id);
      return this.readDetail(tx, actor, facts, 'READ');
    });
  }

  /** Loads, filters by the permitted fields and audits the read; shared by every call that answers with a case. */
  async readDetail(tx: Tx, actor: Actor, facts: CaseFacts, action: 'READ' | null): Promise<CaseResponse> {
    const doc = await this.repo.detail(tx, facts.id, this.config.workflow.firstAttemptTargetDays);
    if (!doc) throw new CaseError('NOT_FOUND', 'Case not found');
    const fields = permittedFields(this.access.ability(actor), Action.Read, 'Case', facts);
    const body = pickFields(doc, fields) as unknown as CaseResponse;
    if (action) {
      await this.audit.record(tx, {
        action,
        objectType: 'Case',
        objectIds: [facts.id],
        subjectIds: [facts.subjectId],
        fieldClasses: returnedClasses(body),
        ...this.access.breakGlass(actor, facts),
      });
    }
    return body;
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateCaseDto): Promise<CaseResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Update, 'Case', id, { forUpdate: true });
      const written = [
        ...(dto.caseManagerId !== undefined ? ['caseManagerUserId'] : []),
        ...(dto.priority !== undefined ? ['priority'] : []),
        ...(dto.policeClearance ? ['policeClearance.confirmedAt', 'policeClearance.policeOrganisationId', 'policeClearance.reference'] : []),
      ];
      const forbidden = forbiddenWriteFields(this.access.ability(actor), Action.Update, 'Case', facts, written);
      if (forbidden.length) throw new CaseError('FORBIDDEN', `You may not set ${forbidden.join(', ')}`, { details: { fields: forbidden }, auditSubjectIds: [facts.subjectId] });
      if (dto.caseManagerId && !(await this.repo.userIsActiveInOrg(tx, dto.caseManagerId))) {
        throw new CaseError('VALIDATION_FAILED', 'The case manager must be an active coordinator', { errors: [{ field: 'caseManagerId', code: 'NOT_A_COORDINATOR', message: 'caseManagerId must be an active coordinator' }] });
      }
      if (dto.policeClearance && !(await this.repo.policeOrganisation(tx, dto.policeClearance.policeOrganisationId))) {
        throw new CaseError('VALIDATION_FAILED', 'The confirmation must come from a police organisation', {
          errors: [{ field: 'policeClearance.policeOrganisationId', code: 'NOT_POLICE', message: 'policeOrganisationId must be a police organisation' }],
        });
      }
      const newVersion = await this.repo.update(tx, id, version, {
        caseManagerUserId: dto.caseManagerId,
        priority: dto.priority,
        policeClearanceConfirmedAt: dto.policeClearance?.confirmedAt,
        policeClearanceOrgId: dto.policeClearance?.policeOrganisationId,
        policeClearanceReference: dto.policeClearance?.reference,
      });
      if (newVersion === null) throw new CaseError('VERSION_CONFLICT', 'The case was changed by someone else', { details: { currentVersion: facts.version } });
      await this.audit.record(tx, {
        action: 'UPDATE',
        objectType: 'Case',
        objectIds: [id],
        subjectIds: [facts.subjectId],
        fieldClasses: dto.policeClearance ? ['POLICE_ORIGIN'] : [],
        authzRule: written.join(','),
        ...this.access.breakGlass(actor, facts),
      });
      return this.readDetail(tx, actor, { ...facts, version: newVersion }, null);
    });
  }

  /** `POST /cases/:id/transitions`: the coordinator's moves of domain.md §2.2, with their guards. */
  async transition(actor: Actor, id: string, version: number, dto: TransitionDto): Promise<CaseResponse> {
    const now = this.clock.now();
    if (dto.holdUntil) {
      const until = new Date(dto.holdUntil);
      const max = now.getTime() + this.config.workflow.maxHoldDays * 86_400_000;
      if (until.getTime() <= now.getTime() || until.getTime() > max) {
        throw new CaseError('VALIDATION_FAILED', `holdUntil must lie within the next ${this.config.workflow.maxHoldDays} days`, {
          errors: [{ field: 'holdUntil', code: 'OUT_OF_RANGE', message: `holdUntil must lie within the next ${this.config.workflow.maxHoldDays} days` }],
        });
      }
    }
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Transition, 'Case', id, { forUpdate: true });
      if (facts.version !== version) throw new CaseError('VERSION_CONFLICT', 'The case was changed by someone else', { details: { currentVersion: facts.version } });
      const from = facts.state as CaseState;
      const g = await this.repo.guardFacts(tx, id, this.config.workflow.policeClearanceSources, this.config.workflow.legalBasisCodes);
      const ctx: GuardContext = {
        now,
        legalBasisActive: g.legalBasisActive,
        policeClearanceNeeded: g.policeClearanceNeeded,
        policeClearanceRecorded: g.policeClearanceRecorded,
        possibleDuplicate: g.possibleDuplicate,
        addressVerifiedAt: g.addressVerifiedAt,
        lastAddressProblemAt: g.lastAddressProblemAt,
        hasConversation: g.hasConversation,
        consentFollowUpGiven: g.consentFollowUpGiven,
        consentGivenByValid: g.ageAtConversation === null ? false : consentGiverValid(g.ageAtConversation, g.consentFollowUpGivenBy),
        pendingFollowUps: g.pendingFollowUps,
        holdUntil: g.holdUntil,
      };
      const decision = decide(from, dto.to, 'transition', dto, ctx);
      const subjectIds = [facts.subjectId];
      switch (decision.kind) {
        case 'invalid':
          throw new CaseError('INVALID_TRANSITION', `A case in ${from} cannot move to ${dto.to}${dto.to === 'VISIT_PLANNED' ? ' here: plan a visit with POST /cases/{id}/visits' : ''}`, {
            details: { currentState: from, allowedTargets: decision.allowed },
            auditSubjectIds: subjectIds,
          });
        case 'reason':
          throw new CaseError('VALIDATION_FAILED', `This move needs one of these reason codes: ${decision.allowedReasons.join(', ')}`, {
            errors: [{ field: 'reasonCode', code: 'INVALID_REASON', message: `reasonCode must be one of ${decision.allowedReasons.join(', ')}` }],
            auditSubjectIds: subjectIds,
          });
        case 'missing':
          throw new CaseError('VALIDATION_FAILED', `Missing ${decision.fields.join(', ')}`, {
            errors: decision.fields.map((f) => ({ field: f, code: 'REQUIRED', message: `${f} is required for this move` })),
            auditSubjectIds: subjectIds,
          });
        case 'guards':
          throw new CaseError('INVALID_TRANSITION', `The move to ${dto.to} is blocked: ${decision.failed.join(', ')}`, {
            details: { currentState: from },
            errors: decision.failed.map((code) => ({ field: 'to', code, message: GUARD_MESSAGES[code] })),
            auditSubjectIds: subjectIds,
          });
      }
      const set: Record<string, unknown> = {};
      if (from === 'RECEIVED' && dto.to === 'TRIAGE') set.caseManagerUserId = (await this.currentManager(tx, id)) ?? actor.userId;
      if (dto.to === 'ON_HOLD') {
        set.holdReason = dto.holdReason;
        set.holdUntil = new Date(dto.holdUntil!);
        set.nextVisitAt = null;
        await this.repo.cancelOpenVisits(tx, id, 'CASE_ON_HOLD');
      }
      if (from === 'ON_HOLD' && dto.to === 'TRIAGE') {
        set.holdReason = null;
        set.holdUntil = null;
      }
      if (dto.to === 'READY_TO_PLAN') await this.repo.decideOpenReferrals(tx, id, 'ACCEPTED', now);
      let followUpId: string | null = null;
      if (dto.to === 'FOLLOW_UP') {
        const due = new Date((g.lastConversationAt ?? now).getTime() + this.config.workflow.followUpIntervalDays * 86_400_000);
        followUpId = await this.repo.createFollowUp(tx, id, 1, due, actor.userId);
        set.nextFollowUpDueAt = due;
      }
      if (dto.to === 'CLOSED') {
        const group = closureGroupOf(dto.reasonCode!)!;
        Object.assign(set, { closureReason: dto.reasonCode, closureGroup: group, closedAt: now, closureComment: dto.comment ?? null, nextVisitAt: null, nextFollowUpDueAt: null });
        await this.repo.cancelOpenVisits(tx, id, 'OTHER');
        if (group === 'NOT_ELIGIBLE' || group === 'WITHDRAWN') await this.repo.decideOpenReferrals(tx, id, 'NOT_ACCEPTED', now);
      }
      const bg = this.access.breakGlass(actor, facts);
      const newVersion = await this.repo.moveState(tx, {
        caseId: id,
        from,
        to: dto.to,
        expectedVersion: version,
        at: now,
        byUserId: actor.userId,
        byRole: primaryCaseRole(actor),
        reasonCode: dto.to === 'ON_HOLD' ? (dto.holdReason ?? null) : (dto.reasonCode ?? null),
        comment: dto.comment ?? null,
        breakGlassGrantId: bg.breakGlassGrantId ?? null,
        set,
      });
      if (newVersion === null) throw new CaseError('VERSION_CONFLICT', 'The case was changed by someone else', { details: { currentVersion: facts.version } });
      const classes: FieldClass[] = [];
      if (dto.comment) classes.push('IDENTIFYING');
      if (dto.to === 'ON_HOLD') classes.push('POLICE_ORIGIN');
      await this.audit.record(tx, {
        action: 'TRANSITION',
        objectType: 'Case',
        objectIds: [id, followUpId],
        subjectIds,
        fieldClasses: classes,
        authzRule: `${from}->${dto.to}`,
        ...bg,
      });
      return this.readDetail(tx, actor, { ...facts, version: newVersion, state: dto.to, caseOpen: dto.to !== 'CLOSED' }, null);
    });
  }

  private async currentManager(tx: Tx, id: string): Promise<string | null> {
    const row = await tx.one<{ m: string | null }>(`SELECT case_manager_user_id AS m FROM cases WHERE id = $1`, [id]);
    return row?.m ?? null;
  }
}

const GUARD_MESSAGES: Record<string, string> = {
  LEGAL_BASIS_MISSING: 'The opening referral has no active legal-basis code',
  POLICE_CLEARANCE_MISSING: 'Record the police "no investigative interest" confirmation first',
  DUPLICATE_UNRESOLVED: 'Resolve the possible duplicate first (merge or confirm distinct)',
  ADDRESS_UNVERIFIED: 'Verify the address first (after a wrong-address or moved attempt, verify it again)',
  CONSENT_REQUIRED: 'Follow-up needs consent from the right person for the subject\'s age; without it close as NO_FOLLOW_UP_CONSENT',
  FOLLOW_UP_PENDING: 'A follow-up contact is still open',
  CONVERSATION_MISSING: 'Record the conversation first',
  HOLD_NOT_EXPIRED: 'The hold has not expired yet',
};

/** Registry classes by response path, the path's parent included (`subject.address.street` counts as `subject.address`). */
const classesByPath = new Map<string, FieldClass[]>();

function classesOfPath(path: string): FieldClass[] {
  let classes = classesByPath.get(path);
  if (!classes) {
    classes = [...classesOf('Case', [path, path.slice(0, Math.max(path.lastIndexOf('.'), 0))])];
    // Keys inside stored JSON values are data, not registry paths: keep the memo bounded all the same.
    if (classesByPath.size >= 10_000) classesByPath.clear();
    classesByPath.set(path, classes);
  }
  return classes;
}

/** Field classes of everything a response carried, for the audit event. */
export function returnedClasses(body: object, prefix = ''): Set<FieldClass> {
  const paths = new Set<string>();
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else if (Array.isArray(v)) v.forEach((item) => (item && typeof item === 'object' ? Object.entries(item).forEach(([k, x]) => walk(x, `${path}.${k}`)) : paths.add(path)));
    else paths.add(path);
  };
  walk(body, prefix);
  const classes = new Set<FieldClass>();
  for (const p of paths) for (const c of classesOfPath(p)) classes.add(c);
  return classes;
}
