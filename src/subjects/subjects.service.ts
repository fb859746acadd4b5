import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import type { FieldClass } from '../authorization/field-classes.js';
import { classesOf } from '../authorization/field-classes.js';
import { forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import { CaseAccess, type CaseFacts } from '../cases/case-access.service.js';
import type { Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import type { Tx } from '../database/tx.js';
import type { MergeSubjectDto, UpdateSubjectDto } from './dto/subject.dto.js';
import type { MergeResponse, SubjectResponse } from './dto/subject.response.js';
import { matchKey, nameForSimilarity } from './subject-matching.js';
import { SubjectError } from './subjects.errors.js';
import { SubjectsRepository, type SubjectRow } from './subjects.repository.js';

function toResponse(s: SubjectRow): SubjectResponse {
  return {
    id: s.id,
    familyName: s.familyName,
    givenNames: s.givenNames,
    dateOfBirth: s.dateOfBirth,
    address: { street: s.street, houseNumber: s.houseNumber, postcode: s.postcode, municipalityCode: s.municipalityCode },
    phone: s.phone,
    guardians: s.guardians,
    sex: s.sex,
    preferredLanguage: s.preferredLanguage,
    interpreterNeeded: s.interpreterNeeded,
    isMinor: s.isMinor,
    addressVerifiedAt: s.addressVerifiedAt?.toISOString() ?? null,
    duplicateStatus: s.duplicateStatus,
    possibleDuplicateOfId: s.possibleDuplicateOfId,
    mergedIntoId: s.mergedIntoId,
    lvbSuspected: s.lvbSuspected,
    mentalHealthConcern: s.mentalHealthConcern,
    version: s.version,
  };
}

/** Rectification, duplicate resolution and merging of subjects (domain.md §2.5). */
@Injectable()
export class SubjectsService {
  constructor(
    private readonly db: Db,
    private readonly repo: SubjectsRepository,
    private readonly access: CaseAccess,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A subject is reached through its open (else latest) case; out of reach answers 404. */
  private async reach(tx: Tx, actor: Actor, id: string, action: Action, forUpdate = false): Promise<CaseFacts> {
    const caseId = await this.repo.governingCase(tx, id);
    if (!caseId) throw new SubjectError('NOT_FOUND', 'Subject not found');
    return this.access.require(tx, actor, action, 'Subject', caseId, { forUpdate, notFound: 'Subject' });
  }

  async get(actor: Actor, id: string): Promise<SubjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.reach(tx, actor, id, Action.Read);
      const body = pickFields(toResponse((await this.repo.get(tx, id))!), permittedFields(this.access.ability(actor), Action.Read, 'Subject', facts)) as SubjectResponse;
      await this.audit.record(tx, { action: 'READ', objectType: 'Subject', objectIds: [id], subjectIds: [id], fieldClasses: classesOf('Subject', Object.keys(body)), ...this.access.breakGlass(actor, facts) });
      return body;
    });
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateSubjectDto): Promise<SubjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.reach(tx, actor, id, Action.Update);
      const written = Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined);
      const ability = this.access.ability(actor);
      const forbidden = forbiddenWriteFields(ability, Action.Update, 'Subject', facts, written);
      if (forbidden.length) throw new SubjectError('FORBIDDEN', `You may not set ${forbidden.join(', ')}`, { details: { fields: forbidden }, auditSubjectIds: [id] });
      const current = (await this.repo.get(tx, id, true))!;
      if (current.duplicateStatus === 'MERGED') throw new SubjectError('CONFLICT', 'This subject was merged into another; change that one', { auditSubjectIds: [id] });
      const patch: Record<string, unknown> = { ...dto, address: undefined };
      if (dto.address) {
        const m = await this.repo.municipality(tx, dto.address.municipality);
        if (!m) {
          throw new SubjectError('UNKNOWN_MUNICIPALITY', 'The municipality is not known to the programme', {
            errors: [{ field: 'address.municipality', code: 'UNKNOWN_MUNICIPALITY', message: 'municipality must be a municipality of the programme region' }],
          });
        }
        Object.assign(patch, {
          street: dto.address.street.trim(),
          houseNumber: dto.address.houseNumber,
          postcode: dto.address.postcode.toUpperCase().replace(/^(\d{4}) ?/, '$1 '),
          municipalityCode: m.code,
          municipalityId: m.id,
          addressVerifiedAt: dto.addressVerifiedAt ?? null,
        });
      }
      if (dto.givenNames || dto.familyName || dto.dateOfBirth) {
        const given = dto.givenNames ?? current.givenNames;
        const family = dto.familyName ?? current.familyName;
        const dob = dto.dateOfBirth ?? current.dateOfBirth;
        const key = matchKey(this.config.intakeMatchKey, family, dob, given);
        if (await this.repo.matchKeyTaken(tx, key, id)) {
          throw new SubjectError('CONFLICT', 'Another subject has the same name and date of birth: merge the two instead', { auditSubjectIds: [id] });
        }
        Object.assign(patch, { matchKey: key, nameNorm: nameForSimilarity(given, family) });
      }
      const v = await this.repo.update(tx, id, version, patch);
      if (v === null) throw new SubjectError('VERSION_CONFLICT', 'The subject was changed by someone else', { details: { currentVersion: current.version } });
      const classes = new Set<FieldClass>(classesOf('Subject', written));
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'Subject', objectIds: [id], subjectIds: [id], fieldClasses: classes, authzRule: written.sort().join(','), ...this.access.breakGlass(actor, facts) });
      return pickFields(toResponse((await this.repo.get(tx, id))!), permittedFields(ability, Action.Read, 'Subject', facts)) as SubjectResponse;
    });
  }

  /** A possible duplicate turns out to be another person (guard G3 then passes). */
  async confirmDistinct(actor: Actor, id: string, version: number): Promise<SubjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.reach(tx, actor, id, Action.Merge);
      const current = (await this.repo.get(tx, id, true))!;
      if (current.duplicateStatus !== 'POSSIBLE') throw new SubjectError('CONFLICT', 'The subject is not marked as a possible duplicate', { auditSubjectIds: [id] });
      const v = await this.repo.update(tx, id, version, { duplicateStatus: 'CONFIRMED_DISTINCT' });
      if (v === null) throw new SubjectError('VERSION_CONFLICT', 'The subject was changed by someone else', { details: { currentVersion: current.version } });
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'Subject', objectIds: [id, current.possibleDuplicateOfId], subjectIds: [id], authzRule: 'confirm-distinct', ...this.access.breakGlass(actor, facts) });
      return pickFields(toResponse((await this.repo.get(tx, id))!), permittedFields(this.access.ability(actor), Action.Read, 'Subject', facts)) as SubjectResponse;
    });
  }

  /**
   * Confirms a possible duplicate: its referrals join the survivor's open case (its own case closes
   * MERGED_DUPLICATE), or, when the survivor has no open case, its case moves over as a re-referral.
   * Both subjects are locked in id order; the merge record keeps what is needed to undo it by hand.
   */
  async merge(actor: Actor, id: string, dto: MergeSubjectDto): Promise<MergeResponse> {
    if (dto.intoSubjectId === id) {
      throw new SubjectError('VALIDATION_FAILED', 'A subject cannot be merged into itself', { errors: [{ field: 'intoSubjectId', code: 'SAME_SUBJECT', message: 'intoSubjectId must be another subject' }] });
    }
    return this.db.tx(actor, async (tx) => {
      const fromFacts = await this.reach(tx, actor, id, Action.Merge);
      const intoFacts = await this.reach(tx, actor, dto.intoSubjectId, Action.Merge);
      await this.repo.lockPair(tx, id, dto.intoSubjectId);
      const from = (await this.repo.get(tx, id))!;
      const into = (await this.repo.get(tx, dto.intoSubjectId))!;
      if (from.duplicateStatus !== 'POSSIBLE') throw new SubjectError('CONFLICT', 'Only a subject marked as a possible duplicate can be merged', { auditSubjectIds: [id] });
      if (into.duplicateStatus === 'MERGED') throw new SubjectError('CONFLICT', 'The target subject was itself merged away', { auditSubjectIds: [dto.intoSubjectId] });
      const now = this.clock.now();
      const fromCases = await this.repo.cases(tx, id);
      const intoCases = await this.repo.cases(tx, dto.intoSubjectId);
      const movedReferralIds = await this.repo.referralIds(tx, id);
      const before = {
        from: { duplicateStatus: from.duplicateStatus, possibleDuplicateOfId: from.possibleDuplicateOfId, cases: fromCases.map((c) => ({ id: c.id, state: c.state })) },
        into: { cases: intoCases.map((c) => ({ id: c.id, state: c.state })) },
        referralCases: movedReferralIds,
      };
      const intoOpen = intoCases.find((c) => c.state !== 'CLOSED') ?? null;
      const fromOpen = fromCases.find((c) => c.state !== 'CLOSED') ?? null;
      let targetCase: string;
      let closedCaseId: string | null = null;
      const movedCaseIds: string[] = [];
      if (intoOpen) {
        await this.repo.moveReferrals(tx, id, dto.intoSubjectId, intoOpen.id);
        await this.repo.raiseSignal(tx, intoOpen.id);
        targetCase = intoOpen.id;
        if (fromOpen) {
          await this.repo.closeAsDuplicate(tx, fromOpen.id, fromOpen.state, now, actor.userId);
          closedCaseId = fromOpen.id;
        }
      } else {
        const latestClosed = intoCases.filter((c) => c.closedAt).sort((a, b) => b.closedAt!.getTime() - a.closedAt!.getTime())[0] ?? null;
        for (const c of fromCases) {
          await this.repo.moveCase(tx, c.id, dto.intoSubjectId, c.id === fromOpen?.id && latestClosed ? { id: latestClosed.id, closedAt: latestClosed.closedAt!, episodeNo: latestClosed.episodeNo } : null, now);
          movedCaseIds.push(c.id);
        }
        await this.repo.moveReferrals(tx, id, dto.intoSubjectId, null);
        targetCase = fromOpen?.id ?? intoCases[intoCases.length - 1]?.id ?? fromCases[0].id;
      }
      await this.repo.markMerged(tx, id, dto.intoSubjectId);
      const mergeId = await this.repo.insertMerge(tx, { fromSubjectId: id, intoSubjectId: dto.intoSubjectId, mergedBy: actor.userId, movedReferralIds, movedCaseIds, closedCaseId, before });
      await this.audit.record(tx, {
        action: 'MERGE',
        objectType: 'Subject',
        objectIds: [mergeId, id, dto.intoSubjectId, targetCase, closedCaseId, ...movedReferralIds],
        subjectIds: [id, dto.intoSubjectId],
        ...(this.access.breakGlass(actor, fromFacts).breakGlassGrantId ? this.access.breakGlass(actor, fromFacts) : this.access.breakGlass(actor, intoFacts)),
      });
      return { mergeId, fromSubjectId: id, intoSubjectId: dto.intoSubjectId, caseId: targetCase, closedCaseId };
    });
  }
}
