import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import { classesOf } from '../authorization/field-classes.js';
import { forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import { CaseAccess } from '../cases/case-access.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { Db } from '../database/db.service.js';
import { IdempotencyService, requireIdempotencyKey, type HttpResult } from '../idempotency/idempotency.service.js';
import { VisitsService } from '../visits/visits.service.js';
import { ConversationsRepository, type ConversationRow } from './conversations.repository.js';
import type { CreateConversationDto } from './dto/conversation.dto.js';
import type { ConversationResponse } from './dto/conversation.response.js';

function toResponse(c: ConversationRow): ConversationResponse {
  return {
    id: c.id,
    attemptId: c.attemptId,
    caseId: c.caseId,
    heldAt: c.heldAt.toISOString(),
    durationMin: c.durationMin,
    location: c.location,
    parentPresent: c.parentPresent,
    parentAbsentReason: c.parentAbsentReason,
    parentAbsentComment: c.parentAbsentComment,
    interpreterUsed: c.interpreterUsed,
    topicsCovered: c.topicsCovered,
    recruitmentChannel: c.recruitmentChannel,
    subjectAcknowledgesInvolvement: c.subjectAcknowledgesInvolvement,
    coercionIndicated: c.coercionIndicated,
    debtIndicated: c.debtIndicated,
    awarenessBefore: c.awarenessBefore,
    awarenessAfter: c.awarenessAfter,
    intendsToRefuseFutureRequests: c.intendsToRefuseFutureRequests,
    consentFollowUpContact: { given: c.consentFollowUpGiven, givenBy: c.consentFollowUpGivenBy },
    consentCareDataShare: { given: c.consentCareShareGiven, scope: c.consentCareShareScope },
    researchConsent: c.researchConsent,
    agreements: c.agreements,
    youthWorkNotes: c.youthWorkNotes,
    recordedByUserId: c.recordedByUserId,
    version: c.version,
  };
}

/** Body fields → registry fields of the Conversation subject, for the field-level write check. */
const WRITE_FIELD: Record<string, string> = { onBehalfOfUserId: 'recordedByUserId' };

@Injectable()
export class ConversationsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ConversationsRepository,
    private readonly visits: VisitsService,
    private readonly access: CaseAccess,
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
  ) {}

  /** One conversation per CONVERSATION_HELD attempt (Idempotency-Key required); G9 for minors. */
  async create(actor: Actor, visitId: string, dto: CreateConversationDto, key: string | undefined): Promise<HttpResult<ConversationResponse>> {
    requireIdempotencyKey(key);
    return this.db.tx(actor, (tx) =>
      this.idempotency.run(tx, actor, { key, method: 'POST', route: '/visits/:id/conversation', params: { id: visitId }, body: dto }, async () => {
        const { visit, facts, onBehalf } = await this.visits.forRecording(tx, actor, visitId, 'Conversation', dto.onBehalfOfUserId);
        const subjectIds = [facts.subjectId];
        const ability = this.access.ability(actor);
        const written = Object.entries(dto).filter(([, v]) => v !== undefined).map(([k]) => WRITE_FIELD[k] ?? k);
        const forbidden = forbiddenWriteFields(ability, Action.Create, 'Conversation', facts, written);
        if (forbidden.length) throw new DomainError('FORBIDDEN', `Your role may not record ${forbidden.join(', ')}`, { details: { fields: forbidden }, auditSubjectIds: subjectIds });
        if (facts.state !== 'CONVERSATION_HELD') {
          throw new DomainError('INVALID_TRANSITION', `The conversation is recorded while the case is CONVERSATION_HELD; it is ${facts.state}`, { details: { currentState: facts.state }, auditSubjectIds: subjectIds });
        }
        const attempt = await this.repo.heldAttempt(tx, visitId);
        if (!attempt) throw new DomainError('CONFLICT', 'Record an attempt with result CONVERSATION_HELD on this visit first', { auditSubjectIds: subjectIds });
        if (attempt.conversationId) throw new DomainError('CONFLICT', 'The conversation of this attempt was recorded already', { auditSubjectIds: subjectIds });
        const heldAt = dto.heldAt ? new Date(dto.heldAt) : attempt.occurredAt;
        const age = await this.repo.subjectAgeOn(tx, visit.caseId, heldAt);
        const errors = [];
        if (age < 18 && dto.parentPresent !== true && !dto.parentAbsentReason) {
          errors.push({ field: 'parentPresent', code: 'PARENT_PRESENCE_REQUIRED', message: 'for a minor: parentPresent true, or a parentAbsentReason' });
        }
        if (dto.parentAbsentReason === 'OTHER' && !dto.parentAbsentComment) {
          errors.push({ field: 'parentAbsentComment', code: 'REQUIRED', message: 'parentAbsentComment is required with reason OTHER' });
        }
        if (dto.consentFollowUpContact.given && !dto.consentFollowUpContact.givenBy) {
          errors.push({ field: 'consentFollowUpContact.givenBy', code: 'REQUIRED', message: 'givenBy is required when consent was given' });
        }
        if (errors.length) throw new DomainError('VALIDATION_FAILED', 'The conversation is incomplete', { errors, auditSubjectIds: subjectIds });
        const id = await this.repo.insert(tx, {
          attemptId: attempt.id,
          caseId: visit.caseId,
          heldAt,
          durationMin: dto.durationMin ?? null,
          location: dto.location,
          parentPresent: dto.parentPresent ?? null,
          parentAbsentReason: dto.parentAbsentReason ?? null,
          parentAbsentComment: dto.parentAbsentComment ?? null,
          interpreterUsed: dto.interpreterUsed ?? false,
          topicsCovered: dto.topicsCovered,
          recruitmentChannel: dto.recruitmentChannel ?? null,
          subjectAcknowledgesInvolvement: dto.subjectAcknowledgesInvolvement,
          coercionIndicated: dto.coercionIndicated ?? false,
          debtIndicated: dto.debtIndicated ?? false,
          awarenessBefore: dto.awarenessBefore ?? null,
          awarenessAfter: dto.awarenessAfter ?? null,
          intendsToRefuseFutureRequests: dto.intendsToRefuseFutureRequests ?? null,
          consentFollowUpGiven: dto.consentFollowUpContact.given,
          consentFollowUpGivenBy: dto.consentFollowUpContact.givenBy ?? null,
          consentCareShareGiven: dto.consentCareDataShare?.given ?? false,
          consentCareShareScope: dto.consentCareDataShare?.scope ?? [],
          researchConsent: dto.researchConsent ?? null,
          agreements: dto.agreements ?? null,
          youthWorkNotes: dto.youthWorkNotes ?? null,
          recordedByUserId: actor.userId!,
        });
        if (!id) throw new DomainError('CONFLICT', 'The conversation of this attempt was recorded already', { auditSubjectIds: subjectIds });
        tx.touch(subjectIds);
        await this.audit.record(tx, {
          action: 'CREATE',
          objectType: 'Conversation',
          objectIds: [id, attempt.id, visitId, visit.caseId],
          subjectIds,
          fieldClasses: classesOf('Conversation', written),
          onBehalfOfUserId: onBehalf,
          ...this.access.breakGlass(actor, facts),
        });
        const body = pickFields(toResponse((await this.repo.get(tx, id))!), permittedFields(ability, Action.Read, 'Conversation', facts)) as ConversationResponse;
        return { status: 201, body };
      }),
    );
  }

  async getForVisit(actor: Actor, visitId: string): Promise<ConversationResponse> {
    return this.db.tx(actor, async (tx) => {
      const { facts } = await this.visits.forReading(tx, actor, visitId, 'Conversation');
      const row = await this.repo.byVisit(tx, visitId);
      if (!row) throw new DomainError('NOT_FOUND', 'No conversation was recorded on this visit');
      const body = pickFields(toResponse(row), permittedFields(this.access.ability(actor), Action.Read, 'Conversation', facts)) as ConversationResponse;
      tx.touch([facts.subjectId]);
      await this.audit.record(tx, { action: 'READ', objectType: 'Conversation', objectIds: [row.id, visitId], subjectIds: [facts.subjectId], fieldClasses: classesOf('Conversation', Object.keys(body)), ...this.access.breakGlass(actor, facts) });
      return body;
    });
  }
}
