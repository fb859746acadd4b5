import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Action } from '../authorization/actions.js';
import type { FieldClass } from '../authorization/field-classes.js';
import { asSubject, permittedFields, pickFields } from '../authorization/fields.js';
import { factsOf, toSqlScope } from '../authorization/sql-scope.js';
import { CaseAccess } from '../cases/case-access.service.js';
import { hasRole, type Actor } from '../common/actor.js';
import { primaryCaseRole } from '../common/actor-roles.js';
import { Clock } from '../common/clock.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import { IdempotencyService, requireIdempotencyKey, type HttpResult } from '../idempotency/idempotency.service.js';
import { matchKey, nameForSimilarity, swappedDate } from '../subjects/subject-matching.js';
import type { CreateReferralDto, DecideSignalDto, ListReferralsQuery } from './dto/referral.dto.js';
import type { ReferralCreatedResponse, ReferralResponse } from './dto/referral.response.js';
import { ReferralError } from './referrals.errors.js';
import { ReferralsRepository, type ReferralRow, type SubjectCases, type TransitionRow } from './referrals.repository.js';

/** A referrer organisation may only submit signals of its own kind. */
const SOURCE_FOR_ORG_TYPE: Record<string, string[]> = { BANK: ['BANK'], POLICE: ['POLICE'], HALT: ['HALT'], MUNICIPALITY: ['MUNICIPALITY'], YOUTH_WORK: ['YOUTH_WORK'] };

function toResponse(r: ReferralRow): ReferralResponse {
  return {
    id: r.id,
    caseId: r.caseId,
    subjectId: r.subjectId,
    districtId: r.districtId,
    sourceType: r.sourceType,
    referrerOrganisationId: r.referrerOrganisationId,
    receivedAt: r.receivedAt.toISOString(),
    incidentMonth: r.incidentMonth,
    reasonCodes: r.reasonCodes,
    legalBasisCode: r.legalBasisCode,
    consentObtainedByReferrer: r.consentGiven === null ? null : { given: r.consentGiven, date: r.consentDate },
    status: r.status,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    attachedToOpenCase: r.attachedToOpenCase,
    subjectMatch: r.subjectMatch,
    externalReference: r.externalReference,
    fraudType: r.fraudType,
    amountBand: r.amountBand,
    bankRegistrationStatus: r.bankRegistrationStatus,
    notes: r.notes,
    version: r.version,
  };
}

@Injectable()
export class ReferralsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ReferralsRepository,
    private readonly access: CaseAccess,
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Intake (domain.md §2.5), one transaction: idempotency, subject match-or-create, case attach-or-open,
   * the referral, its history row and audit events. A referrer gets a receipt; a coordinator also the
   * case and how the subject was matched.
   */
  async create(actor: Actor, dto: CreateReferralDto, idempotencyKey: string | undefined): Promise<HttpResult<ReferralCreatedResponse>> {
    if (actor.type === 'api_key') requireIdempotencyKey(idempotencyKey);
    if (!this.config.workflow.legalBasisCodes.includes(dto.legalBasisCode)) {
      throw new ReferralError('VALIDATION_FAILED', 'Unknown legal-basis code', {
        errors: [{ field: 'legalBasisCode', code: 'LEGAL_BASIS_UNKNOWN', message: `legalBasisCode must be one of ${this.config.workflow.legalBasisCodes.join(', ')}` }],
      });
    }
    return this.db.tx(actor, (tx) =>
      this.idempotency.run(tx, actor, { key: idempotencyKey, method: 'POST', route: '/referrals', params: {}, body: dto }, () => this.intake(tx, actor, dto)),
    );
  }

  private async intake(tx: Tx, actor: Actor, dto: CreateReferralDto): Promise<HttpResult<ReferralCreatedResponse>> {
    const isReferrer = hasRole(actor, 'referrer') && !hasRole(actor, 'coordinator');
    const s = dto.subject;
    const key = matchKey(this.config.intakeMatchKey, s.familyName, s.dateOfBirth, s.givenNames);
    const nameNorm = nameForSimilarity(s.givenNames, s.familyName);
    const swapped = swappedDate(s.dateOfBirth);
    const { org, municipality, exactId, nearId } = await this.repo.intakeContext(tx, actor.organisationId ?? null, s.address.municipality, {
      key,
      nameNorm,
      dates: swapped ? [s.dateOfBirth, swapped] : [s.dateOfBirth],
      threshold: this.config.workflow.duplicateSimilarity,
    });
    if (isReferrer) {
      if (!org || !org.active || !org.canRefer || !org.covenantSignedAt) throw new ReferralError('FORBIDDEN', 'Your organisation may not submit referrals (no right to refer or no signed covenant)');
      const allowed = SOURCE_FOR_ORG_TYPE[org.type];
      if (allowed && !allowed.includes(dto.sourceType)) {
        throw new ReferralError('VALIDATION_FAILED', `A ${org.type} organisation submits ${allowed.join(' or ')} referrals`, {
          errors: [{ field: 'sourceType', code: 'SOURCE_TYPE_NOT_ALLOWED', message: `sourceType must be ${allowed.join(' or ')}` }],
        });
      }
    }
    if (!municipality || !municipality.districtId) {
      throw new ReferralError('UNKNOWN_MUNICIPALITY', 'The municipality is not known to the programme', {
        errors: [{ field: 'subject.address.municipality', code: 'UNKNOWN_MUNICIPALITY', message: 'municipality must be a municipality name or CBS code (GMnnnn) of the programme region' }],
      });
    }
    const now = this.clock.now();
    const receivedAt = dto.receivedAt ? new Date(dto.receivedAt) : now;

    let subjectMatch: 'NEW' | 'LINKED' | 'POSSIBLE_DUPLICATE';
    let subject: SubjectCases;
    if (exactId) {
      subject = await this.repo.subjectCases(tx, exactId);
      subjectMatch = 'LINKED';
    } else {
      const inserted = await this.repo.insertSubject(tx, {
        familyName: s.familyName.trim(),
        givenNames: s.givenNames.trim(),
        dateOfBirth: s.dateOfBirth,
        sex: s.sex ?? 'UNKNOWN',
        street: s.address.street.trim(),
        houseNumber: s.address.houseNumber,
        postcode: s.address.postcode.toUpperCase().replace(/^(\d{4}) ?/, '$1 '),
        municipalityCode: municipality.code,
        municipalityId: municipality.id,
        phone: s.phone ?? null,
        guardians: (s.guardians ?? []).map((g) => ({ name: g.name, relation: g.relation, phone: g.phone ?? null })),
        matchKey: key,
        nameNorm,
        duplicateStatus: nearId ? 'POSSIBLE' : 'NONE',
        possibleDuplicateOfId: nearId,
        createdBy: actor.userId,
      });
      if (inserted) {
        subject = { id: inserted, openCaseId: null, latestClosed: null };
        subjectMatch = nearId ? 'POSSIBLE_DUPLICATE' : 'NEW';
      } else {
        // A concurrent intake created this person a moment ago: link to it.
        subject = await this.repo.subjectCases(tx, (await this.repo.subjectByMatchKey(tx, key))!.id);
        subjectMatch = 'LINKED';
      }
    }
    const subjectId = subject.id;

    // Case and referral ids are made here, so their writes need no round trip of their own (see insertCase).
    let caseId: string;
    let attached = false;
    const transitions: TransitionRow[] = [];
    const byRole = isReferrer ? 'referrer' : primaryCaseRole(actor);
    if (subject.openCaseId) {
      caseId = subject.openCaseId;
      attached = true;
      this.repo.raiseSignal(tx, caseId);
    } else {
      const previous = subject.latestClosed;
      caseId = randomUUID();
      this.repo.insertCase(tx, {
        id: caseId,
        subjectId,
        districtId: municipality.districtId,
        municipalityCode: municipality.code,
        at: now,
        episodeNo: previous ? previous.episodeNo + 1 : 1,
        previousCaseId: previous?.id ?? null,
        reReferral: Boolean(previous),
        daysSincePreviousClosure: previous ? Math.floor((now.getTime() - previous.closedAt.getTime()) / 86_400_000) : null,
        createdBy: actor.userId,
        closedAtIntake: municipality.inProgramme ? null : { reason: 'NOT_ELIGIBLE_OUT_OF_REGION', group: 'NOT_ELIGIBLE' },
      });
      transitions.push({ caseId, from: null, to: 'RECEIVED', at: now, byUserId: actor.userId, byRole, reasonCode: null });
      if (!municipality.inProgramme) {
        transitions.push({ caseId, from: 'RECEIVED', to: 'CLOSED', at: now, byUserId: null, byRole: 'system', reasonCode: 'NOT_ELIGIBLE_OUT_OF_REGION' });
      }
    }
    const status = municipality.inProgramme ? 'RECEIVED' : 'NOT_ACCEPTED';
    const id = randomUUID();
    this.repo.insertReferral(
      tx,
      {
        id,
        caseId,
        subjectId,
        sourceType: dto.sourceType,
        referrerOrgId: actor.organisationId!,
        submittedByUserId: actor.userId,
        apiKeyId: actor.apiKeyId,
        receivedAt,
        incidentMonth: dto.incidentMonth ?? null,
        reasonCodes: dto.reasonCodes,
        legalBasisCode: dto.legalBasisCode,
        consentGiven: dto.consentObtainedByReferrer?.given ?? null,
        consentDate: dto.consentObtainedByReferrer?.date ?? null,
        attachedToOpenCase: attached,
        subjectMatch,
        externalReference: dto.externalReference ?? null,
        fraudType: dto.fraudType ?? null,
        amountBand: dto.amountBand ?? null,
        bankRegistrationStatus: dto.bankRegistrationStatus ?? null,
        notes: dto.notes ?? null,
      },
      status,
      status === 'NOT_ACCEPTED' ? now : null,
    );
    for (const t of transitions) this.repo.insertTransition(tx, t);
    const classes: FieldClass[] = ['IDENTIFYING'];
    if (dto.externalReference || dto.fraudType || dto.amountBand || dto.bankRegistrationStatus || dto.notes) classes.push('POLICE_ORIGIN');
    tx.touch([subjectId]);
    await this.audit.record(tx, { action: 'CREATE', objectType: 'Referral', objectIds: [id, caseId, subjectId], subjectIds: [subjectId], fieldClasses: classes });
    if (subjectMatch !== 'NEW') {
      await this.audit.record(tx, { action: 'MERGE', objectType: 'Subject', objectIds: [subjectId, id], subjectIds: [subjectId], authzRule: `auto-${subjectMatch.toLowerCase()}` });
    }
    const receipt = { id, receivedAt: receivedAt.toISOString(), status };
    if (isReferrer) return { status: 201, body: receipt };
    const age = ageOn(s.dateOfBirth, now);
    const warnings = age < this.config.workflow.eligibleAgeMin || age > this.config.workflow.eligibleAgeMax ? ['AGE_OUTSIDE_ELIGIBLE_RANGE'] : [];
    return { status: 201, body: { ...receipt, caseId, subjectMatch, warnings } };
  }

  async list(actor: Actor, q: ListReferralsQuery): Promise<Page<ReferralResponse>> {
    const ability = this.access.ability(actor);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const facts = this.repo.referralFacts(this.access.facts(p, actor));
      const scope = toSqlScope(ability, Action.Read, 'Referral', facts, p);
      const rows = await this.repo.list(tx, scope, facts, p, { status: q.status, caseId: q.caseId, after, limit });
      const page = toPage(rows, limit, (r) => [r.receivedAt.toISOString(), r.id], (r) => r);
      const items: ReferralResponse[] = [];
      const classes = new Set<FieldClass>();
      for (const r of page.items) {
        const fields = this.fieldsFor(actor, r, factsOf(r, 'fact:'));
        const item = pickFields(toResponse(r), fields) as ReferralResponse;
        if (item.externalReference !== undefined) classes.add('POLICE_ORIGIN');
        items.push(item);
      }
      tx.touch(page.items.map((r) => r.subjectId));
      await this.audit.record(tx, {
        action: 'LIST',
        objectType: 'Referral',
        objectIds: page.items.map((r) => r.id),
        subjectIds: page.items.map((r) => r.subjectId),
        fieldClasses: classes,
        filterKeys: Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k),
      });
      return { items, nextCursor: page.nextCursor };
    });
  }

  async get(actor: Actor, id: string): Promise<ReferralResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.visibleFacts(tx, actor, id);
      const row = (await this.repo.get(tx, id))!;
      const body = pickFields(toResponse(row), this.fieldsFor(actor, row, facts)) as ReferralResponse;
      tx.touch([row.subjectId]);
      await this.audit.record(tx, {
        action: 'READ',
        objectType: 'Referral',
        objectIds: [id],
        subjectIds: [row.subjectId],
        fieldClasses: body.externalReference !== undefined ? ['POLICE_ORIGIN'] : [],
      });
      return body;
    });
  }

  /** A coordinator takes on (or not) a new signal that joined an open case. */
  async decide(actor: Actor, id: string, version: number, dto: DecideSignalDto): Promise<ReferralResponse> {
    return this.db.tx(actor, async (tx) => {
      const facts = await this.visibleFacts(tx, actor, id);
      if (this.access.ability(actor).cannot(Action.Update, asSubject('Referral', facts))) {
        throw new ReferralError('FORBIDDEN', 'You may not decide on this referral', { auditSubjectIds: [facts.subjectId] });
      }
      const current = (await this.repo.get(tx, id))!;
      if (!current.attachedToOpenCase || current.status !== 'RECEIVED') {
        throw new ReferralError('CONFLICT', 'Only an undecided signal on an open case can be decided here; the case workflow decides the others', { auditSubjectIds: [facts.subjectId] });
      }
      const v = await this.repo.decideSignal(tx, id, version, dto.decision, this.clock.now());
      if (v === null) throw new ReferralError('VERSION_CONFLICT', 'The referral was changed by someone else', { details: { currentVersion: current.version } });
      tx.touch([current.subjectId]);
      await this.audit.record(tx, { action: 'UPDATE', objectType: 'Referral', objectIds: [id, current.caseId], subjectIds: [current.subjectId], authzRule: `signal:${dto.decision}` });
      const row = (await this.repo.get(tx, id))!;
      return pickFields(toResponse(row), this.fieldsFor(actor, row, facts)) as ReferralResponse;
    });
  }

  private async visibleFacts(tx: Tx, actor: Actor, id: string) {
    const p = new SqlParams([id]);
    const facts = await this.repo.accessFacts(tx, this.repo.referralFacts(this.access.facts(p, actor)), p);
    if (!facts || this.access.ability(actor).cannot(Action.Read, asSubject('Referral', facts))) {
      throw new ReferralError('NOT_FOUND', 'Referral not found', { auditSubjectIds: facts ? [facts.subjectId] : [] });
    }
    return facts;
  }

  private fieldsFor(actor: Actor, _row: ReferralRow, facts: Record<string, unknown>): ReadonlySet<string> {
    return permittedFields(this.access.ability(actor), Action.Read, 'Referral', facts);
  }
}

function ageOn(dateOfBirth: string, at: Date): number {
  const dob = new Date(`${dateOfBirth}T00:00:00Z`);
  let age = at.getUTCFullYear() - dob.getUTCFullYear();
  const m = at.getUTCMonth() - dob.getUTCMonth();
  if (m < 0 || (m === 0 && at.getUTCDate() < dob.getUTCDate())) age--;
  return age;
}
