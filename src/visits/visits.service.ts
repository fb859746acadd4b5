import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import { permittedFields, pickFields } from '../authorization/fields.js';
import { factsOf } from '../authorization/sql-scope.js';
import { CaseAccess, type CaseFacts } from '../cases/case-access.service.js';
import { CaseWorkflow } from '../cases/case-workflow.service.js';
import { hasRole, type Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { UNCOUNTED_ATTEMPT_RESULTS, type AttemptResult, type CaseState } from '../common/domain-enums.js';
import type { FieldError } from '../common/errors.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { startOfLocalDay } from '../common/time-zone.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import { IdempotencyService, requireIdempotencyKey, type HttpResult } from '../idempotency/idempotency.service.js';
import type { CreateAttemptDto, CreateVisitDto, ListVisitsQuery, UpdateVisitDto } from './dto/visit.dto.js';
import type { AttemptResponse, TabletVisit, VisitResponse } from './dto/visit.response.js';
import { OUTSIDE_SLOTS, slotCheck, slotOf } from './time-slots.js';
import { VisitError } from './visits.errors.js';
import { VisitsRepository, type VisitRow } from './visits.repository.js';

const MAX_VISIT_HOURS = 6;

/** The visit and case counters read with the case facts when an attempt is recorded (VisitsRepository.attemptContext). */
interface AttemptContext {
  visitId: string;
  caseId: string;
  plannedStart: Date;
  visitStatus: string;
  visitors: Array<{ userId: string; role: string }>;
  countedAttempts: number;
  firstAttemptAt: Date | null;
  earlier: Array<{ weekday: string; timeSlot: string }>;
}

function toResponse(v: VisitRow, warnings?: string[]): VisitResponse {
  return {
    id: v.id,
    caseId: v.caseId,
    plannedStart: v.plannedStart.toISOString(),
    plannedEnd: v.plannedEnd.toISOString(),
    weekday: v.weekday,
    timeSlot: v.timeSlot,
    status: v.status,
    cancelReason: v.cancelReason,
    visitors: v.visitors,
    addressSnapshot: v.addressSnapshot,
    safetyNotes: v.safetyNotes,
    overrideReason: v.overrideReason,
    overrideComment: v.overrideComment,
    overrideByUserId: v.overrideByUserId,
    overrideAt: v.overrideAt?.toISOString() ?? null,
    ...(warnings ? { warnings } : {}),
    version: v.version,
  };
}

@Injectable()
export class VisitsService {
  constructor(
    private readonly db: Db,
    private readonly repo: VisitsRepository,
    private readonly access: CaseAccess,
    private readonly workflow: CaseWorkflow,
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Plans a visit (READY_TO_PLAN or NO_CONTACT → VISIT_PLANNED; after UNREACHABLE or REFUSED only on the
   * subject's request) with guards G4–G8. A replacement for a cancelled visit keeps VISIT_PLANNED.
   */
  async create(actor: Actor, caseId: string, dto: CreateVisitDto): Promise<VisitResponse> {
    const { start, end } = this.window(dto.plannedStart, dto.plannedEnd, true);
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Plan, 'Visit', caseId, { forUpdate: true });
      const from = facts.state as CaseState;
      const replacement = from === 'VISIT_PLANNED';
      if (replacement) {
        if (await this.repo.hasPlannedVisit(tx, caseId)) {
          throw new VisitError('INVALID_TRANSITION', 'The case already has a planned visit: reschedule it with PATCH /visits/{id}', { details: { currentState: from, allowedTargets: [] }, auditSubjectIds: [facts.subjectId] });
        }
      } else {
        this.workflow.assertAllowed(from, 'VISIT_PLANNED', 'visit', dto.reasonCode);
      }
      const pf = await this.repo.planningFacts(tx, caseId);
      const { visitors, slot, warnings } = await this.checkPlan(tx, facts, pf, start, dto.visitorIds, dto.override ?? null, {
        checkMaxAttempts: !['UNREACHABLE', 'REFUSED'].includes(from),
      });
      const visitId = await this.repo.insert(tx, {
        caseId,
        plannedStart: start,
        plannedEnd: end,
        weekday: slot.weekday,
        timeSlot: slot.slot,
        address: pf.address,
        safetyNotes: dto.safetyNotes ?? null,
        override: dto.override ?? null,
        actorId: actor.userId,
      });
      await this.repo.setVisitors(tx, visitId, visitors);
      const bg = this.access.breakGlass(actor, facts);
      if (!replacement) {
        this.workflow.move(tx, actor, { caseId, from, to: 'VISIT_PLANNED', trigger: 'visit', at: this.clock.now(), reasonCode: dto.reasonCode ?? null, breakGlassGrantId: bg.breakGlassGrantId, set: { nextVisitAt: start } });
      } else {
        await this.repo.refreshNextVisit(tx, caseId);
      }
      tx.touch([facts.subjectId]);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'Visit', objectIds: [visitId, caseId], subjectIds: [facts.subjectId], fieldClasses: ['IDENTIFYING'], ...bg });
      if (!replacement) await this.audit.record(tx, { action: 'TRANSITION', objectType: 'Case', objectIds: [caseId], subjectIds: [facts.subjectId], authzRule: `${from}->VISIT_PLANNED`, ...bg });
      return toResponse((await this.repo.get(tx, visitId))!, warnings);
    });
  }

  /** Reschedule, change visitors or notes, or cancel; the version check is part of the UPDATE. */
  async update(actor: Actor, visitId: string, version: number, dto: UpdateVisitDto): Promise<VisitResponse> {
    if (dto.cancel && (dto.plannedStart || dto.plannedEnd || dto.visitorIds || dto.override)) {
      throw new VisitError('VALIDATION_FAILED', 'Cancel a visit on its own', { errors: [{ field: 'cancel', code: 'CANCEL_WITH_CHANGES', message: 'cancel cannot be combined with other changes' }] });
    }
    return this.db.tx(actor, async (tx) => {
      const visit = await this.repo.get(tx, visitId);
      if (!visit) throw new VisitError('NOT_FOUND', 'Visit not found');
      const facts = await this.access.require(tx, actor, Action.Update, 'Visit', visit.caseId, { notFound: 'Visit' });
      const subjectIds = [facts.subjectId];
      if (visit.status !== 'PLANNED') throw new VisitError('CONFLICT', `The visit is ${visit.status.toLowerCase()} and can no longer change`, { auditSubjectIds: subjectIds });
      const patch: Record<string, unknown> = {};
      let warnings: string[] | undefined;
      if (dto.cancel) {
        Object.assign(patch, { status: 'CANCELLED', cancelReason: dto.cancel.reason });
      } else {
        if (dto.safetyNotes !== undefined) patch.safetyNotes = dto.safetyNotes;
        const reschedule = dto.plannedStart !== undefined || dto.plannedEnd !== undefined;
        if ((reschedule || dto.visitorIds || dto.override) && visit.attempts > 0) {
          throw new VisitError('CONFLICT', 'A visit with a recorded attempt cannot be rescheduled', { auditSubjectIds: subjectIds });
        }
        if (reschedule || dto.visitorIds || dto.override) {
          const { start, end } = this.window(dto.plannedStart ?? visit.plannedStart.toISOString(), dto.plannedEnd ?? visit.plannedEnd.toISOString(), reschedule);
          const pf = await this.repo.planningFacts(tx, visit.caseId);
          const override = dto.override ?? (visit.overrideReason ? { reason: visit.overrideReason, comment: visit.overrideComment ?? '' } : null);
          const plan = await this.checkPlan(tx, facts, pf, start, dto.visitorIds ?? visit.visitors.map((v) => v.userId), override, { checkMaxAttempts: false });
          warnings = plan.warnings;
          Object.assign(patch, { plannedStart: start, plannedEnd: end, weekday: plan.slot.weekday, timeSlot: plan.slot.slot });
          if (dto.override) Object.assign(patch, { overrideReason: dto.override.reason, overrideComment: dto.override.comment, overrideByUserId: actor.userId, overrideAt: this.clock.now() });
          if (dto.visitorIds) await this.repo.setVisitors(tx, visitId, plan.visitors);
        }
      }
      const v = await this.repo.update(tx, visitId, version, patch);
      if (v === null) throw new VisitError('VERSION_CONFLICT', 'The visit was changed by someone else', { details: { currentVersion: visit.version }, auditSubjectIds: subjectIds });
      if (patch.plannedStart || dto.cancel) await this.repo.refreshNextVisit(tx, visit.caseId);
      tx.touch(subjectIds);
      await this.audit.record(tx, {
        action: 'UPDATE',
        objectType: 'Visit',
        objectIds: [visitId, visit.caseId],
        subjectIds,
        fieldClasses: dto.safetyNotes !== undefined || dto.override ? ['IDENTIFYING'] : [],
        authzRule: Object.keys(dto).sort().join(','),
        ...this.access.breakGlass(actor, facts),
      });
      return toResponse((await this.repo.get(tx, visitId))!, warnings);
    });
  }

  /** The tablet list: the caller's visits in the window (default today and tomorrow) with what is needed at the door. */
  async list(actor: Actor, q: ListVisitsQuery): Promise<Page<TabletVisit>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    const from = q.from ? new Date(q.from) : startOfLocalDay(this.clock.now(), this.config.workflow.programmeTimeZone);
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + 2 * 86_400_000);
    if (to.getTime() <= from.getTime() || to.getTime() - from.getTime() > 31 * 86_400_000) {
      throw new VisitError('VALIDATION_FAILED', 'The window must be positive and at most 31 days', { errors: [{ field: 'to', code: 'OUT_OF_RANGE', message: 'to must be after from and at most 31 days later' }] });
    }
    const visitor = hasRole(actor, 'police_officer') || hasRole(actor, 'youth_worker');
    const mine = q.mine === undefined ? visitor : q.mine === 'true';
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const facts = this.access.facts(p, actor);
      const scope = this.access.scope(actor, Action.Read, 'Visit', p);
      const rows = await this.repo.tabletList(tx, scope, facts, p, { from, to, mineUserId: mine ? actor.userId : null, status: q.status, after, limit });
      const page = toPage(rows, limit, (r) => [(r.plannedStart as Date).toISOString(), r.id as string], (r) => r);
      const ability = this.access.ability(actor);
      const items = page.items.map((r) => {
        const base = toResponse(r as unknown as VisitRow);
        const full = { ...base, caseState: r.caseState, subject: r.subject, previousAttempts: r.previousAttempts };
        return pickFields(full, permittedFields(ability, Action.Read, 'Visit', factsOf(r, 'fact:'))) as unknown as TabletVisit;
      });
      tx.touch(page.items.map((r) => r.subjectId as string));
      await this.audit.record(tx, {
        action: 'LIST',
        objectType: 'Visit',
        objectIds: page.items.map((r) => r.id as string),
        subjectIds: page.items.map((r) => r.subjectId as string),
        fieldClasses: ['IDENTIFYING'],
        filterKeys: Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k),
      });
      return { items, nextCursor: page.nextCursor };
    });
  }

  /**
   * An attempt at the door (Idempotency-Key required): the attempt, the visit marked done and the case
   * moved (NO_CONTACT, UNREACHABLE after the last allowed try, REFUSED or CONVERSATION_HELD), in one transaction.
   */
  async recordAttempt(actor: Actor, visitId: string, dto: CreateAttemptDto, key: string | undefined): Promise<HttpResult<AttemptResponse>> {
    requireIdempotencyKey(key);
    return this.db.tx(actor, (tx) =>
      this.idempotency.run(tx, actor, { key, method: 'POST', route: '/visits/:id/attempts', params: { id: visitId }, body: dto }, async () => {
        // The visit, its case's facts and counters, and the earlier attempts' slots: one read, the case row locked.
        const ctx = await this.access.loadVia<AttemptContext>(tx, actor, this.repo.attemptContext(visitId), true);
        if (!ctx) throw new VisitError('NOT_FOUND', 'Visit not found');
        const facts = this.access.check(actor, Action.Create, 'VisitAttempt', ctx, { notFound: 'Visit' });
        const visit = { caseId: ctx.caseId, plannedStart: ctx.plannedStart, status: ctx.visitStatus, visitors: ctx.visitors };
        const subjectIds = [facts.subjectId];
        const onBehalf = this.recorder(actor, visit, dto.onBehalfOfUserId, subjectIds);
        const notPlanned = () => new VisitError('CONFLICT', `The visit is ${visit.status.toLowerCase()}; plan a new visit for another attempt`, { auditSubjectIds: subjectIds });
        if (visit.status !== 'PLANNED') throw notPlanned();
        const from = facts.state as CaseState;
        if (from !== 'VISIT_PLANNED') throw new VisitError('INVALID_TRANSITION', `Attempts are recorded on a planned visit; the case is ${from}`, { details: { currentState: from, allowedTargets: [] }, auditSubjectIds: subjectIds });
        const occurredAt = new Date(dto.occurredAt);
        if (occurredAt.getTime() < visit.plannedStart.getTime() - 12 * 3_600_000) {
          throw new VisitError('VALIDATION_FAILED', 'The attempt lies too long before the planned visit', { errors: [{ field: 'occurredAt', code: 'BEFORE_VISIT', message: 'occurredAt must not be more than 12 hours before plannedStart' }], auditSubjectIds: subjectIds });
        }
        const result = dto.result as AttemptResult;
        const counts = !UNCOUNTED_ATTEMPT_RESULTS.includes(result);
        const slot = slotOf(occurredAt, this.config.workflow.timeSlots, this.config.workflow.programmeTimeZone);
        const warnings = ctx.earlier.some((e) => e.weekday === slot.weekday && e.timeSlot === (slot.slot ?? OUTSIDE_SLOTS)) ? ['SAME_WEEKDAY_AND_SLOT_AS_EARLIER_ATTEMPT'] : [];
        const counted = ctx.countedAttempts + (counts ? 1 : 0);
        const to: CaseState =
          result === 'CONVERSATION_HELD' ? 'CONVERSATION_HELD' : result === 'REFUSED_AT_DOOR' ? 'REFUSED' : counts && counted >= this.config.workflow.maxAttempts ? 'UNREACHABLE' : 'NO_CONTACT';
        const attempt = await this.repo.insertAttemptOnPlannedVisit(tx, {
          visitId,
          caseId: visit.caseId,
          occurredAt,
          weekday: slot.weekday,
          timeSlot: slot.slot ?? OUTSIDE_SLOTS,
          result,
          countsTowardMax: counts,
          cardLeft: dto.cardLeft,
          spokeWith: dto.spokeWith,
          recordedByUserId: actor.userId!,
          onBehalfOfUserId: onBehalf,
        });
        if (!attempt) throw notPlanned();
        const bg = this.access.breakGlass(actor, facts);
        this.workflow.move(tx, actor, {
          caseId: visit.caseId,
          from,
          to,
          trigger: 'attempt',
          at: this.clock.now(),
          reasonCode: result,
          breakGlassGrantId: bg.breakGlassGrantId,
          set: { nextVisitAt: null, countedAttempts: counted, firstAttemptAt: ctx.firstAttemptAt ?? occurredAt },
        });
        tx.touch(subjectIds);
        await this.audit.record(tx, { action: 'CREATE', objectType: 'VisitAttempt', objectIds: [attempt.id, visitId, visit.caseId], subjectIds, onBehalfOfUserId: onBehalf, ...bg });
        await this.audit.record(tx, { action: 'TRANSITION', objectType: 'Case', objectIds: [visit.caseId, attempt.id], subjectIds, authzRule: `${from}->${to}`, onBehalfOfUserId: onBehalf, ...bg });
        return {
          status: 201,
          body: {
            id: attempt.id,
            visitId,
            caseId: visit.caseId,
            attemptNo: attempt.attemptNo,
            occurredAt: occurredAt.toISOString(),
            weekday: slot.weekday,
            timeSlot: slot.slot ?? OUTSIDE_SLOTS,
            result,
            countsTowardMax: counts,
            cardLeft: dto.cardLeft,
            spokeWith: dto.spokeWith,
            recordedByUserId: actor.userId!,
            onBehalfOfUserId: onBehalf,
            caseState: to,
            warnings,
            version: attempt.version,
          },
        };
      }),
    );
  }

  /** Loads a visit for recording what happened (a conversation), checks access and who records. */
  async forRecording(tx: Tx, actor: Actor, visitId: string, type: 'Conversation', onBehalfOfUserId?: string): Promise<{ visit: VisitRow; facts: CaseFacts; onBehalf: string | null }> {
    const visit = await this.repo.get(tx, visitId);
    if (!visit) throw new VisitError('NOT_FOUND', 'Visit not found');
    const facts = await this.access.require(tx, actor, Action.Create, type, visit.caseId, { forUpdate: true, notFound: 'Visit' });
    const onBehalf = this.recorder(actor, visit, onBehalfOfUserId, [facts.subjectId]);
    return { visit, facts, onBehalf };
  }

  /** Loads a visit for reading something recorded on it. */
  async forReading(tx: Tx, actor: Actor, visitId: string, type: 'Conversation'): Promise<{ visit: VisitRow; facts: CaseFacts }> {
    const visit = await this.repo.get(tx, visitId);
    if (!visit) throw new VisitError('NOT_FOUND', 'Visit not found');
    const facts = await this.access.require(tx, actor, Action.Read, type, visit.caseId, { notFound: 'Visit' });
    return { visit, facts };
  }

  /**
   * Who records: a visitor on this very visit, or a coordinator naming that visitor. Returns the
   * visitor acted for (coordinator) or null.
   */
  recorder(actor: Actor, visit: Pick<VisitRow, 'visitors'>, onBehalfOfUserId: string | undefined, subjectIds: string[]): string | null {
    const onVisit = visit.visitors.some((v) => v.userId === actor.userId);
    if (onVisit && !onBehalfOfUserId) return null;
    if (hasRole(actor, 'coordinator')) {
      if (!onBehalfOfUserId || !visit.visitors.some((v) => v.userId === onBehalfOfUserId)) {
        throw new VisitError('VALIDATION_FAILED', 'A coordinator records on behalf of one of the visitors', {
          errors: [{ field: 'onBehalfOfUserId', code: 'NOT_A_VISITOR', message: 'onBehalfOfUserId must be a visitor on this visit' }],
          auditSubjectIds: subjectIds,
        });
      }
      return onBehalfOfUserId;
    }
    throw new VisitError('FORBIDDEN', 'Only the visitors on this visit record what happened at the door', { auditSubjectIds: subjectIds });
  }

  private window(startIso: string, endIso: string, checkFuture: boolean): { start: Date; end: Date } {
    const start = new Date(startIso);
    const end = new Date(endIso);
    const errors: FieldError[] = [];
    if (end.getTime() <= start.getTime()) errors.push({ field: 'plannedEnd', code: 'BEFORE_START', message: 'plannedEnd must be after plannedStart' });
    if (end.getTime() - start.getTime() > MAX_VISIT_HOURS * 3_600_000) errors.push({ field: 'plannedEnd', code: 'TOO_LONG', message: `a visit lasts at most ${MAX_VISIT_HOURS} hours` });
    if (checkFuture && start.getTime() < this.clock.nowMs() - 10 * 60_000) errors.push({ field: 'plannedStart', code: 'IN_THE_PAST', message: 'plannedStart must not lie in the past' });
    if (errors.length) throw new VisitError('VALIDATION_FAILED', 'Invalid visit window', { errors });
    return { start, end };
  }

  /** Guards G4–G8 and the visitor checks shared by planning and rescheduling. */
  private async checkPlan(
    tx: Tx,
    facts: CaseFacts,
    pf: Awaited<ReturnType<VisitsRepository['planningFacts']>>,
    start: Date,
    visitorIds: string[],
    override: { reason: string; comment: string } | null,
    opts: { checkMaxAttempts: boolean },
  ): Promise<{ visitors: Array<{ userId: string; role: string }>; slot: { weekday: string; slot: string }; warnings: string[] }> {
    const subjectIds = [facts.subjectId];
    const candidates = await this.repo.visitorCandidates(tx, visitorIds);
    const unknown = visitorIds.filter((id) => !candidates.some((c) => c.id === id && c.active && (c.roles.includes('police_officer') || c.roles.includes('youth_worker'))));
    if (unknown.length) {
      throw new VisitError('VALIDATION_FAILED', 'Every visitor must be an active police officer or youth worker', {
        errors: [{ field: 'visitorIds', code: 'UNKNOWN_VISITOR', message: 'visitorIds must name active police officers or youth workers' }],
        auditSubjectIds: subjectIds,
      });
    }
    const failed: FieldError[] = [];
    const visitors = candidates.map((c) => ({ userId: c.id, role: c.roles.includes('police_officer') ? 'police_officer' : 'youth_worker' }));
    if (candidates.some((c) => !c.districtIds.includes(pf.districtId) || !c.covenantSigned)) {
      failed.push({ field: 'visitorIds', code: 'VISITOR_OUT_OF_SCOPE', message: 'every visitor must work in the case district for an organisation with a signed covenant' });
    }
    const pair = visitors.some((v) => v.role === 'police_officer') && visitors.some((v) => v.role === 'youth_worker');
    if (!pair && !override) failed.push({ field: 'visitorIds', code: 'PAIR_INCOMPLETE', message: 'a visit needs a police officer and a youth worker, or an override with reason and comment' });
    const slot = slotOf(start, this.config.workflow.timeSlots, this.config.workflow.programmeTimeZone);
    let warnings: string[] = [];
    if (!slot.slot) {
      failed.push({ field: 'plannedStart', code: 'SLOT_OUTSIDE_HOURS', message: `plannedStart must lie in a visiting slot (${this.config.workflow.timeSlots.map((s) => `${s.code} ${s.startHour}–${s.endHour}`).join(', ')}, ${this.config.workflow.programmeTimeZone})` });
    } else {
      const check = slotCheck({ weekday: slot.weekday, slot: slot.slot }, pf.earlier);
      if (check.repeated) failed.push({ field: 'plannedStart', code: 'SLOT_REPEATED', message: 'an earlier attempt was on the same weekday and time slot: choose another day or time' });
      warnings = check.warnings;
    }
    if (opts.checkMaxAttempts && pf.countedAttempts >= this.config.workflow.maxAttempts) {
      failed.push({ field: 'caseId', code: 'MAX_ATTEMPTS_REACHED', message: `the case already had ${pf.countedAttempts} counted attempts` });
    }
    if (pf.lastAddressProblemAt && (!pf.addressVerifiedAt || pf.addressVerifiedAt <= pf.lastAddressProblemAt)) {
      failed.push({ field: 'caseId', code: 'ADDRESS_UNVERIFIED', message: 'verify the address again after a wrong-address or moved attempt' });
    }
    if (failed.length) {
      throw new VisitError('INVALID_TRANSITION', `The visit cannot be planned: ${failed.map((f) => f.code).join(', ')}`, { errors: failed, details: { currentState: facts.state }, auditSubjectIds: subjectIds });
    }
    return { visitors, slot: { weekday: slot.weekday, slot: slot.slot! }, warnings };
  }
}

