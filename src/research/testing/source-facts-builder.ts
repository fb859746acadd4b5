import type { AttemptResult, CareStatus, CaseState } from '../../common/domain-enums.js';
import type { ReferralSource } from '../releases/release-person.js';
import type { ReleaseSourceFacts, SourceFollowUp, SubjectSex } from '../releases/release-source-facts.js';

/**
 * Hand-built release source facts for derivation tests: people, cases and their histories in a few readable calls.
 * Events on the same day keep the order in which they were added (their instants come from one running clock).
 */
export class SourceFactsBuilder {
  readonly facts: ReleaseSourceFacts = {
    persons: [],
    personsBeforeWindow: 0,
    cases: [],
    referrals: [],
    visits: [],
    attempts: [],
    conversations: [],
    careReferrals: [],
    followUps: [],
    transitions: [],
  };
  private seq = 0;

  /** A uuid-shaped id; `prefix` (hex) lets a test choose the sort order of person keys. */
  id(prefix = ''): string {
    this.seq += 1;
    const hex = (prefix + this.seq.toString(16).padStart(12, '0')).slice(-12).padStart(12, '0');
    return `00000000-0000-4000-8000-${hex}`;
  }

  /** An instant on a local date; later calls on the same date are later in the day. */
  at(on: string): string {
    this.seq += 1;
    const s = this.seq % 86_400;
    const hh = String(Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return `${on}T${hh}:${mm}:${ss}.000000Z`;
  }

  person(p: { dob?: string; sex?: SubjectSex; key?: string } = {}): PersonBuilder {
    const personKey = p.key ?? this.id();
    this.facts.persons.push({ personKey, dateOfBirth: p.dob ?? '2004-06-15', sex: p.sex ?? 'MALE' });
    return new PersonBuilder(this, personKey);
  }
}

export class PersonBuilder {
  constructor(
    readonly b: SourceFactsBuilder,
    readonly personKey: string,
  ) {}

  /** A case opened by a referral received on `referredOn`. */
  case(referredOn: string, r: { source?: ReferralSource; incidentMonth?: string | null } = {}): CaseBuilder {
    const caseId = this.b.id();
    this.b.facts.cases.push({ caseId, personKey: this.personKey, closureReason: null, closedOn: null });
    const c = new CaseBuilder(this.b, this.personKey, caseId);
    c.transition('RECEIVED', referredOn);
    return c.referral(referredOn, r);
  }
}

export class CaseBuilder {
  constructor(
    readonly b: SourceFactsBuilder,
    readonly personKey: string,
    readonly caseId: string,
  ) {}

  referral(receivedOn: string, r: { source?: ReferralSource; incidentMonth?: string | null } = {}): this {
    this.b.facts.referrals.push({
      caseId: this.caseId,
      personKey: this.personKey,
      sourceType: r.source ?? 'BANK',
      receivedAt: this.b.at(receivedOn),
      receivedOn,
      incidentMonth: r.incidentMonth === undefined ? null : r.incidentMonth,
    });
    return this;
  }

  /** A visit at an address in `municipality` with attempts `[date, result]`; a conversation follows a CONVERSATION_HELD. */
  visit(municipality: string, attempts: Array<[string, AttemptResult]>, conversation: { parentPresent?: boolean | null } | false = {}): this {
    const visitId = this.b.id();
    this.b.facts.visits.push({ visitId, caseId: this.caseId, plannedStart: this.b.at(attempts[0]?.[0] ?? '2000-01-01'), municipalityCode: municipality });
    for (const [on, result] of attempts) {
      this.b.facts.attempts.push({ visitId, caseId: this.caseId, occurredAt: this.b.at(on), occurredOn: on, result });
      const to: CaseState = result === 'CONVERSATION_HELD' ? 'CONVERSATION_HELD' : result === 'REFUSED_AT_DOOR' ? 'REFUSED' : 'NO_CONTACT';
      this.transition(to, on);
      if (result === 'CONVERSATION_HELD' && conversation) {
        this.b.facts.conversations.push({ caseId: this.caseId, heldAt: this.b.at(on), heldOn: on, parentPresent: conversation.parentPresent ?? null });
      }
    }
    return this;
  }

  transition(toState: CaseState, on: string): this {
    this.b.facts.transitions.push({ caseId: this.caseId, toState, at: this.b.at(on), on });
    return this;
  }

  close(reason: string, on: string): this {
    const c = this.b.facts.cases.find((x) => x.caseId === this.caseId)!;
    c.closureReason = reason;
    c.closedOn = on;
    return this.transition('CLOSED', on);
  }

  care(status: CareStatus, statusOn: string): this {
    this.b.facts.careReferrals.push({ caseId: this.caseId, status, statusOn });
    return this;
  }

  followUp(dueOn: string, occurredOn: string | null = null, result: SourceFollowUp['result'] = null): this {
    this.b.facts.followUps.push({ caseId: this.caseId, dueOn, occurredOn, result });
    return this;
  }
}
