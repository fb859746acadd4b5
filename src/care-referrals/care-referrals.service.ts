import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import { forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import { CaseAccess, type CaseFacts } from '../cases/case-access.service.js';
import { hasRole, type Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import type { CareStatus } from '../common/domain-enums.js';
import { DomainError } from '../common/errors.js';
import { Db } from '../database/db.service.js';
import type { Tx } from '../database/tx.js';
import { CareReferralsRepository, type CareReferralRow } from './care-referrals.repository.js';
import type { CreateCareReferralDto, UpdateCareReferralDto } from './dto/care-referral.dto.js';
import type { CareReferralResponse } from './dto/care-referral.response.js';

/** The care referral lifecycle; DECLINED, COMPLETED and DROPPED are final. */
export const CARE_TRANSITIONS: Record<CareStatus, CareStatus[]> = {
  PROPOSED: ['ACCEPTED_BY_SUBJECT', 'DECLINED', 'DROPPED'],
  ACCEPTED_BY_SUBJECT: ['SENT', 'DROPPED'],
  SENT: ['STARTED', 'DROPPED'],
  STARTED: ['COMPLETED', 'DROPPED'],
  DECLINED: [],
  COMPLETED: [],
  DROPPED: [],
};

/** How far a youth worker takes a care referral; sending data to a provider is the coordinator's step. */
const YOUTH_WORKER_STATUSES: CareStatus[] = ['PROPOSED', 'ACCEPTED_BY_SUBJECT', 'DECLINED'];
const CARE_CASE_STATES = ['CONVERSATION_HELD', 'FOLLOW_UP'];

const toResponse = (c: CareReferralRow): CareReferralResponse => ({
  id: c.id,
  caseId: c.caseId,
  type: c.type,
  providerOrganisationId: c.providerOrganisationId,
  proposedAt: c.proposedAt.toISOString(),
  status: c.status,
  statusAt: c.statusAt.toISOString(),
  dataSharedFields: c.dataSharedFields,
  notes: c.notes,
  version: c.version,
});

@Injectable()
export class CareReferralsService {
  constructor(
    private readonly db: Db,
    private readonly repo: CareReferralsRepository,
    private readonly access: CaseAccess,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, caseId: string, dto: CreateCareReferralDto): Promise<CareReferralResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.access.require(tx, actor, Action.Create, 'CareReferral', caseId, { forUpdate: true });
      const subjectIds = [facts.subjectId];
      this.checkFields(actor, facts, Action.Create, dto);
      if (!CARE_CASE_STATES.includes(facts.state)) {
        throw new DomainError('INVALID_TRANSITION', 'Care is offered after the conversation (case CONVERSATION_HELD or FOLLOW_UP)', { details: { currentState: facts.state }, auditSubjectIds: subjectIds });
      }
      if (dto.providerOrganisationId) await this.checkProvider(tx, dto.providerOrganisationId, false, subjectIds);
      const id = await this.repo.insert(tx, { caseId, type: dto.type, providerOrganisationId: dto.providerOrganisationId ?? null, status: dto.status ?? 'PROPOSED', at: this.clock.now(), notes: dto.notes ?? null, createdBy: actor.userId });
      tx.touch(subjectIds);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'CareReferral', objectIds: [id, caseId], subjectIds, fieldClasses: dto.notes ? ['YOUTHWORK_ONLY'] : [], ...this.access.breakGlass(actor, facts) });
      return this.respond(actor, facts, (await this.repo.get(tx, id))!);
    });
  }

  /** Status moves along the lifecycle; SENT needs the young person's consent to share (G12) and is a disclosure. */
  async update(actor: Actor, id: string, version: number, dto: UpdateCareReferralDto): Promise<CareReferralResponse> {
    return this.db.tx(actor, async (tx) => {
      const current = await this.repo.get(tx, id);
      if (!current) throw new DomainError('NOT_FOUND', 'Care referral not found');
      const facts = await this.access.require(tx, actor, Action.Update, 'CareReferral', current.caseId, { notFound: 'Care referral' });
      const subjectIds = [facts.subjectId];
      this.checkFields(actor, facts, Action.Update, dto);
      if (!facts.caseOpen) throw new DomainError('CONFLICT', 'The case is closed; its care referrals can no longer change', { auditSubjectIds: subjectIds });
      const patch: Record<string, unknown> = { ...dto };
      let disclosedTo: string | null = null;
      if (dto.status && dto.status !== current.status) {
        const to = dto.status as CareStatus;
        if (!CARE_TRANSITIONS[current.status as CareStatus].includes(to)) {
          throw new DomainError('INVALID_TRANSITION', `A care referral ${current.status} cannot become ${to}`, { details: { currentStatus: current.status, allowedTargets: CARE_TRANSITIONS[current.status as CareStatus] }, auditSubjectIds: subjectIds });
        }
        if (hasRole(actor, 'youth_worker') && !hasRole(actor, 'coordinator') && !YOUTH_WORKER_STATUSES.includes(to)) {
          throw new DomainError('FORBIDDEN', 'A youth worker records the young person\'s answer; sending and later steps are the coordinator\'s', { auditSubjectIds: subjectIds });
        }
        if (to === 'SENT') {
          const provider = dto.providerOrganisationId ?? current.providerOrganisationId;
          const shared = dto.dataSharedFields ?? current.dataSharedFields;
          const consent = await this.repo.careConsent(tx, current.caseId);
          const errors = [];
          if (!consent?.given) errors.push({ field: 'status', code: 'CARE_SHARE_CONSENT', message: 'the young person did not consent to sharing data with care' });
          if (!provider) errors.push({ field: 'providerOrganisationId', code: 'REQUIRED', message: 'a provider is required to send a referral' });
          if (shared.length === 0) errors.push({ field: 'dataSharedFields', code: 'REQUIRED', message: 'say which data was shared' });
          if (consent?.given && consent.scope.length > 0 && shared.some((f) => !consent.scope.includes(f))) {
            errors.push({ field: 'dataSharedFields', code: 'OUTSIDE_CONSENT', message: 'only data within the consented scope may be shared' });
          }
          if (errors.length) throw new DomainError('INVALID_TRANSITION', 'The referral cannot be sent yet', { errors, auditSubjectIds: subjectIds });
          await this.checkProvider(tx, provider!, true, subjectIds);
          disclosedTo = provider!;
        }
        patch.statusAt = this.clock.now();
      }
      if (dto.providerOrganisationId && !disclosedTo) await this.checkProvider(tx, dto.providerOrganisationId, false, subjectIds);
      const v = await this.repo.update(tx, id, version, patch);
      if (v === null) throw new DomainError('VERSION_CONFLICT', 'The care referral was changed by someone else', { details: { currentVersion: current.version }, auditSubjectIds: subjectIds });
      tx.touch(subjectIds);
      const bg = this.access.breakGlass(actor, facts);
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'CareReferral', objectIds: [id, current.caseId], subjectIds, fieldClasses: dto.notes !== undefined ? ['YOUTHWORK_ONLY'] : [], authzRule: dto.status ? `${current.status}->${dto.status}` : undefined, ...bg });
      if (disclosedTo) {
        await this.audit.record(tx, { action: 'DISCLOSE', objectType: 'CareReferral', objectIds: [id, current.caseId], subjectIds, recipientOrgId: disclosedTo, authzRule: (dto.dataSharedFields ?? current.dataSharedFields).join(','), ...bg });
      }
      return this.respond(actor, facts, (await this.repo.get(tx, id))!);
    });
  }

  private checkFields(actor: Actor, facts: CaseFacts, action: Action, dto: object): void {
    const written = Object.entries(dto).filter(([, v]) => v !== undefined).map(([k]) => k);
    const forbidden = forbiddenWriteFields(this.access.ability(actor), action, 'CareReferral', facts, written);
    if (forbidden.length) throw new DomainError('FORBIDDEN', `Your role may not set ${forbidden.join(', ')}`, { details: { fields: forbidden }, auditSubjectIds: [facts.subjectId] });
  }

  private async checkProvider(tx: Tx, id: string, needsCovenant: boolean, subjectIds: string[]): Promise<void> {
    const p = await this.repo.provider(tx, id);
    if (!p || !p.active || (needsCovenant && !p.covenantSigned)) {
      throw new DomainError('VALIDATION_FAILED', 'Unknown provider, or one without a signed covenant', {
        errors: [{ field: 'providerOrganisationId', code: 'PROVIDER_NOT_ALLOWED', message: 'the provider must be an active organisation with a signed covenant' }],
        auditSubjectIds: subjectIds,
      });
    }
  }

  private respond(actor: Actor, facts: CaseFacts, row: CareReferralRow): CareReferralResponse {
    return pickFields(toResponse(row), permittedFields(this.access.ability(actor), Action.Read, 'CareReferral', facts)) as CareReferralResponse;
  }
}

