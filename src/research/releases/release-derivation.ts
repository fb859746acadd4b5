import { isMonthCode } from '../registry/period-codes.js';
import { ResearchError } from '../research.errors.js';
import { addDays, addMonths, isQuarterEnd, monthOf, quarterIncluded, type PROCESS_WINDOW_DAYS } from './calendar.js';
import type { AttemptsBand, DelayBand, Outcome, PriorReferrals, ReleasePerson, Sex, YesNoNa } from './release-person.js';
import { deriveRereferral } from './rereferral-derivation.js';
import type {
  ReleaseSourceFacts,
  SourceAttempt,
  SourceCareReferral,
  SourceCase,
  SourceConversation,
  SourceFollowUp,
  SourcePerson,
  SourceReferral,
  SourceTransition,
  SourceVisit,
} from './release-source-facts.js';

/** The previous published release of the same series: its rows and the months they cover. */
export interface FrozenRelease {
  months: readonly string[];
  persons: readonly ReleasePerson[];
}

export interface DeriveReleaseOptions {
  /** Quarter end `YYYY-MM-DD`. */
  cutoff: string;
  /** First month of the release window, `YYYY-MM`, the first month of a quarter. */
  fromMonth: string;
  /** Fixed at the registry's window: quarter inclusion already assumes it. */
  processWindowDays: typeof PROCESS_WINDOW_DAYS;
  frozen: FrozenRelease | null;
}

export interface ReleaseCounts {
  /** Rows in the release. */
  included: number;
  /** Persons with an index visit in a quarter whose process window is still open at the cutoff. */
  pendingWindow: number;
  /** Persons with an index visit in a frozen month who are absent from the frozen rows: left out (§3.1). */
  lateRegistrations: number;
  /** Persons whose index visit lies before the release window. */
  outsideWindow: number;
  copiedFromFrozen: number;
  /** Frozen rows whose `rereferral` or `rereferral6m` moved from CENSORED to a final value. */
  rereferralFinalised: number;
}

export interface DerivedRelease {
  /** Sorted by person key, so that source order cannot reveal index dates. */
  persons: ReleasePerson[];
  months: string[];
  counts: ReleaseCounts;
}

/**
 * Months of a release: from `fromMonth` through the last quarter whose process window has closed at `cutoff`, including
 * months without persons, so that the period code list (and every table's key set) does not depend on the data.
 */
export function releaseMonths(fromMonth: string, cutoff: string): string[] {
  if (!isMonthCode(fromMonth) || (Number(fromMonth.slice(5, 7)) - 1) % 3 !== 0) {
    throw new ResearchError('VALIDATION_FAILED', 'a release window starts on the first month of a quarter');
  }
  if (!isQuarterEnd(cutoff)) throw new ResearchError('VALIDATION_FAILED', 'a release cutoff is a quarter end');
  const months: string[] = [];
  for (let quarter = fromMonth; quarterIncluded(quarter, cutoff); quarter = monthOf(addMonths(`${quarter}-01`, 3))) {
    for (let i = 0; i < 3; i += 1) months.push(monthOf(addMonths(`${quarter}-01`, i)));
  }
  if (months.length === 0) throw new ResearchError('VALIDATION_FAILED', 'no quarter of the release window has a closed process window at this cutoff');
  return months;
}

/**
 * Release rows from live case facts (research-data.md §2.1, §2.2, §3.1). Pure: the same facts and options always give
 * the same rows. Persons outside the included quarters are only counted; frozen quarters are copied from the previous
 * release, with re-referral moving once from CENSORED to its final value.
 */
export function deriveRelease(facts: ReleaseSourceFacts, opts: DeriveReleaseOptions): DerivedRelease {
  const months = releaseMonths(opts.fromMonth, opts.cutoff);
  const source = new SourceIndex(facts);
  const counts: ReleaseCounts = { included: 0, pendingWindow: 0, lateRegistrations: 0, outsideWindow: facts.personsBeforeWindow, copiedFromFrozen: 0, rereferralFinalised: 0 };

  const derived: ReleasePerson[] = [];
  for (const person of facts.persons) {
    const index = source.indexVisit(person.personKey, opts.cutoff);
    if (!index) continue;
    const indexMonth = monthOf(index.indexDate);
    if (indexMonth < opts.fromMonth) counts.outsideWindow += 1;
    else if (!quarterIncluded(indexMonth, opts.cutoff)) counts.pendingWindow += 1;
    else derived.push(derivePerson(person, index, source, opts));
  }

  const persons = opts.frozen ? mergeFrozen(derived, opts.frozen, months, counts) : derived;
  persons.sort((a, b) => (a.personKey < b.personKey ? -1 : a.personKey > b.personKey ? 1 : 0));
  counts.included = persons.length;
  return { persons, months, counts };
}

interface IndexVisit {
  caseId: string;
  visit: SourceVisit;
  /** Local date of the first attempt of the index visit. */
  indexDate: string;
}

const byInstant = <T>(at: (t: T) => string) => (a: T, b: T) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The facts grouped by person and case, ordered by instant, built once per release. */
class SourceIndex {
  readonly cases: Map<string, SourceCase>;
  readonly attemptsByPerson: Map<string, SourceAttempt[]>;
  readonly visits: Map<string, SourceVisit>;
  readonly attemptsByCase: Map<string, SourceAttempt[]>;
  readonly referralsByCase: Map<string, SourceReferral[]>;
  readonly referralsByPerson: Map<string, SourceReferral[]>;
  readonly conversationsByCase: Map<string, SourceConversation[]>;
  readonly careByCase: Map<string, SourceCareReferral[]>;
  readonly followUpsByCase: Map<string, SourceFollowUp[]>;
  readonly transitionsByCase: Map<string, SourceTransition[]>;

  constructor(facts: ReleaseSourceFacts) {
    this.cases = new Map(facts.cases.map((c) => [c.caseId, c]));
    this.visits = new Map(facts.visits.map((v) => [v.visitId, v]));
    const attempts = [...facts.attempts].sort(byInstant((a) => a.occurredAt));
    this.attemptsByCase = groupBy(attempts, (a) => a.caseId);
    // An attempt belongs to the person of its case: merges move cases, so this is the person after merges.
    this.attemptsByPerson = groupBy(
      attempts.filter((a) => this.cases.has(a.caseId) && this.visits.has(a.visitId)),
      (a) => this.cases.get(a.caseId)!.personKey,
    );
    const referrals = [...facts.referrals].sort(byInstant((r) => r.receivedAt));
    this.referralsByCase = groupBy(referrals, (r) => r.caseId);
    this.referralsByPerson = groupBy(referrals, (r) => r.personKey);
    this.conversationsByCase = groupBy([...facts.conversations].sort(byInstant((c) => c.heldAt)), (c) => c.caseId);
    this.careByCase = groupBy(facts.careReferrals, (c) => c.caseId);
    this.followUpsByCase = groupBy(facts.followUps, (f) => f.caseId);
    this.transitionsByCase = groupBy([...facts.transitions].sort(byInstant((t) => t.at)), (t) => t.caseId);
  }

  /**
   * The person's first visit with a recorded attempt, taken as the visit holding the person's earliest attempt (ties:
   * earlier planned start, then visit id). A case has one open visit at a time and a person one open case, so this is
   * the first visit by planning order too, and the index date is the person's first knock on the door.
   */
  indexVisit(personKey: string, cutoff: string): IndexVisit | null {
    let first: SourceAttempt | null = null;
    for (const a of this.attemptsByPerson.get(personKey) ?? []) {
      if (a.occurredOn > cutoff) continue;
      if (!first || a.occurredAt < first.occurredAt) first = a;
      else if (a.occurredAt === first.occurredAt) {
        const [va, vf] = [this.visits.get(a.visitId)!, this.visits.get(first.visitId)!];
        if (va.plannedStart < vf.plannedStart || (va.plannedStart === vf.plannedStart && va.visitId < vf.visitId)) first = a;
      }
    }
    if (!first) return null;
    const visit = this.visits.get(first.visitId)!;
    return { caseId: visit.caseId, visit, indexDate: first.occurredOn };
  }
}

const SEX: Record<SourcePerson['sex'], Sex> = { FEMALE: 'F', MALE: 'M', X: 'X_OR_UNKNOWN', UNKNOWN: 'X_OR_UNKNOWN' };

/** A care referral that went out to the provider: SENT needs the young person's consent and shares data (G12). */
const CARE_SENT = new Set(['SENT', 'STARTED', 'COMPLETED']);
const CARE_STARTED = new Set(['STARTED', 'COMPLETED']);

function ymd(date: string): { y: number; m: number; d: number } {
  return { y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)), d: Number(date.slice(8, 10)) };
}

/** Whole years; someone born on 29 February turns a year older on 1 March in other years. */
export function wholeYears(dateOfBirth: string, on: string): number {
  const b = ymd(dateOfBirth);
  const o = ymd(on);
  return o.y - b.y - (o.m < b.m || (o.m === b.m && o.d < b.d) ? 1 : 0);
}

function daysBetween(from: string, to: string): number {
  const a = ymd(from);
  const b = ymd(to);
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
}

/**
 * Every recorded attempt counts, uncounted results (WRONG_ADDRESS, MOVED, ABORTED_SAFETY) included: the population is
 * defined by a recorded attempt of any result, so counting only attempts that use up a try (G8) could give zero for a
 * person in the release, a value the registry has no code for; and every knock took a visiting pair's time.
 */
function attemptsBand(n: number): AttemptsBand {
  return n <= 1 ? '1' : n === 2 ? '2' : '3+';
}

function delayBand(days: number): DelayBand {
  return days <= 7 ? '0-7' : days <= 14 ? '8-14' : days <= 30 ? '15-30' : '31+';
}

function priorBand(n: number): PriorReferrals {
  return n === 0 ? '0' : n === 1 ? '1' : '2+';
}

function derivePerson(person: SourcePerson, index: IndexVisit, source: SourceIndex, opts: DeriveReleaseOptions): ReleasePerson {
  const { caseId, indexDate } = index;
  const windowEnd = addDays(indexDate, opts.processWindowDays);
  const inWindow = (on: string | null): boolean => on !== null && on >= indexDate && on <= windowEnd;

  const caseReferrals = source.referralsByCase.get(caseId) ?? [];
  const firstReferral = caseReferrals[0];
  if (!firstReferral) throw new ResearchError('VALIDATION_FAILED', 'a visited case without a referral cannot be coded');
  const personReferrals = source.referralsByPerson.get(person.personKey) ?? [];
  const prior = personReferrals.filter((r) => r.receivedAt < firstReferral.receivedAt).length;

  const attempts = (source.attemptsByCase.get(caseId) ?? []).filter((a) => inWindow(a.occurredOn));
  const conversation = (source.conversationsByCase.get(caseId) ?? []).find((c) => inWindow(c.heldOn)) ?? null;
  const reached = conversation !== null || attempts.some((a) => a.result === 'CONVERSATION_HELD');

  // Care referrals keep only their current status: a status reached after the window hides the one held at its end,
  // so only what the data proves for the window counts (a referral SENT on day 30 and STARTED on day 150 reads as no care).
  const care = (source.careByCase.get(caseId) ?? []).filter((c) => inWindow(c.statusOn));
  const careSent = care.some((c) => CARE_SENT.has(c.status));
  const careStarted = care.some((c) => CARE_STARTED.has(c.status));

  const outcome = reached ? (careSent ? 'CONVERSATION_CARE' : 'CONVERSATION_NO_CARE') : notReachedOutcome(source, caseId, attempts, inWindow, windowEnd);
  const age = wholeYears(person.dateOfBirth, indexDate);
  const rereferral = deriveRereferral({
    indexDate,
    cutoff: opts.cutoff,
    // §2.1 literally: any referral of the person received after the index date, including a new signal that joined
    // the still-open index case (domain.md O1: "attached to the open case or opening a new one").
    referrals: personReferrals.map((r) => ({ receivedOn: r.receivedOn, incidentMonth: r.incidentMonth })),
  });

  return {
    personKey: person.personKey,
    age,
    sex: SEX[person.sex],
    geo: index.visit.municipalityCode,
    period: monthOf(indexDate),
    referralSource: firstReferral.sourceType,
    attempts: attemptsBand(attempts.length),
    // A referral moved in by a merge can only be earlier than the case's own, so the delay is never negative in
    // workflow data; a clock-skewed import is banded as 0-7 rather than refused.
    firstAttemptDelay: delayBand(Math.max(0, daysBetween(firstReferral.receivedOn, indexDate))),
    outcome,
    rereferral: rereferral.rereferral,
    rereferral6m: rereferral.rereferral6m,
    careStarted: reached ? (careStarted ? 'YES' : 'NO') : 'NA',
    followupReached: reached ? followUpReached(source.followUpsByCase.get(caseId) ?? [], windowEnd, inWindow) : 'NA',
    parentPresent: parentPresent(age, reached, conversation),
    priorReferrals: priorBand(prior),
  };
}

/**
 * REFUSED before UNREACHABLE before OTHER (§2.1 "furthest contact result"). Unreachable covers a case that was declared
 * UNREACHABLE (attempts used up or stopped, or closed so) in the window, and one still in NO_CONTACT at the window's end:
 * its last knock reached nobody and nothing further happened for the rest of the window. A case withdrawn, transferred,
 * on hold or with a visit still planned at the window's end is OTHER.
 */
function notReachedOutcome(source: SourceIndex, caseId: string, attempts: SourceAttempt[], inWindow: (on: string | null) => boolean, windowEnd: string): Outcome {
  const kase = source.cases.get(caseId);
  const closedAs = (reason: string) => kase?.closureReason === reason && inWindow(kase.closedOn);
  const transitions = source.transitionsByCase.get(caseId) ?? [];
  const entered = (state: string) => transitions.some((t) => t.toState === state && inWindow(t.on));
  if (attempts.some((a) => a.result === 'REFUSED_AT_DOOR') || entered('REFUSED') || closedAs('REFUSED')) return 'REFUSED';
  const stateAtWindowEnd = transitions.filter((t) => t.on <= windowEnd).at(-1)?.toState;
  if (entered('UNREACHABLE') || closedAs('UNREACHABLE') || stateAtWindowEnd === 'NO_CONTACT') return 'UNREACHABLE';
  return 'OTHER';
}

/**
 * Among reached persons with a follow-up contact due in the window (or made early, inside it): was one of them
 * reached inside the window? A cancelled contact was never due. Persons without any are NA ("follow-up due" is the
 * measure's denominator, research-data.md §2.3).
 */
function followUpReached(followUps: SourceFollowUp[], windowEnd: string, inWindow: (on: string | null) => boolean): YesNoNa {
  const due = followUps.filter((f) => f.result !== 'CANCELLED' && (f.dueOn <= windowEnd || inWindow(f.occurredOn)));
  if (due.length === 0) return 'NA';
  return due.some((f) => f.result === 'REACHED' && inWindow(f.occurredOn)) ? 'YES' : 'NO';
}

/**
 * Recorded for reached minors only (age at the index date, as the registry's structural zeros are stated). A reached
 * minor whose conversation record is missing is NA: unknown, not "no parent".
 */
function parentPresent(age: number, reached: boolean, conversation: SourceConversation | null): YesNoNa {
  if (age >= 18 || !reached || !conversation) return 'NA';
  return conversation.parentPresent === true ? 'YES' : 'NO';
}

/**
 * §3.1: rows of frozen months are copied unchanged except re-referral moving once from CENSORED to final; a person
 * newly seen in a frozen month is a late registration, left out and counted, since adding them would make every cell of
 * that quarter a one-person difference between the two releases.
 */
function mergeFrozen(derived: ReleasePerson[], frozen: FrozenRelease, months: readonly string[], counts: ReleaseCounts): ReleasePerson[] {
  const releaseMonthSet = new Set(months);
  const frozenMonths = new Set(frozen.months);
  for (const m of frozenMonths) {
    if (!releaseMonthSet.has(m)) throw new ResearchError('VALIDATION_FAILED', 'a frozen month lies outside the new release window');
  }
  const derivedByKey = new Map(derived.map((p) => [p.personKey, p]));
  const out: ReleasePerson[] = [];
  for (const row of frozen.persons) {
    if (!frozenMonths.has(row.period)) throw new ResearchError('VALIDATION_FAILED', 'a frozen row lies outside its release months');
    const now = derivedByKey.get(row.personKey);
    // The person's current derivation supplies the final value; a person no longer derivable (merged away) stays as frozen.
    const rereferral = row.rereferral === 'CENSORED' && now && now.rereferral !== 'CENSORED' ? now.rereferral : row.rereferral;
    const rereferral6m = row.rereferral6m === 'CENSORED' && now && now.rereferral6m !== 'CENSORED' ? now.rereferral6m : row.rereferral6m;
    if (rereferral !== row.rereferral || rereferral6m !== row.rereferral6m) counts.rereferralFinalised += 1;
    out.push({ ...row, rereferral, rereferral6m });
  }
  counts.copiedFromFrozen = out.length;
  const frozenKeys = new Set(frozen.persons.map((p) => p.personKey));
  for (const p of derived) {
    // A frozen person whose index month has since moved keeps the frozen row; the person still appears once.
    if (frozenKeys.has(p.personKey)) continue;
    if (frozenMonths.has(p.period)) counts.lateRegistrations += 1;
    else out.push(p);
  }
  return out;
}
