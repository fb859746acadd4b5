import { ageCode } from '../registry/research-registry.js';
import type { Registry } from '../registry/dimension-registry.js';
import { ResearchError } from '../research.errors.js';

export type Sex = 'F' | 'M' | 'X_OR_UNKNOWN';
export type ReferralSource = 'BANK' | 'POLICE' | 'HALT' | 'MUNICIPALITY' | 'SCHOOL' | 'YOUTH_WORK' | 'SELF' | 'OTHER';
export type AttemptsBand = '1' | '2' | '3+';
export type DelayBand = '0-7' | '8-14' | '15-30' | '31+';
export type Outcome = 'CONVERSATION_CARE' | 'CONVERSATION_NO_CARE' | 'REFUSED' | 'UNREACHABLE' | 'OTHER';
export type RereferralBand = '0-3m' | '3-6m' | '6-12m' | 'NONE' | 'CENSORED';
export type FollowUpStatus = 'YES' | 'NO' | 'CENSORED';
export type YesNoNa = 'YES' | 'NO' | 'NA';
export type PriorReferrals = '0' | '1' | '2+';

/**
 * One row of `research_release_persons` (research-data.md §2.2): the allowlist, already derived and coded.
 * Nothing else about a person ever reaches the research engines.
 */
export interface ReleasePerson {
  /** Internal subject uuid after merges; only ever the input to the pseudonym. */
  personKey: string;
  /** Whole years at the index date. */
  age: number;
  sex: Sex;
  /** CBS municipality code `GMnnnn`. */
  geo: string;
  /** Index month `YYYY-MM`. */
  period: string;
  referralSource: ReferralSource;
  attempts: AttemptsBand;
  firstAttemptDelay: DelayBand;
  outcome: Outcome;
  rereferral: RereferralBand;
  rereferral6m: FollowUpStatus;
  careStarted: YesNoNa;
  followupReached: YesNoNa;
  parentPresent: YesNoNa;
  priorReferrals: PriorReferrals;
}

/** Release columns by registry dimension name, each as its level-0 code. */
export type ColumnCodes = Record<ReleaseColumn, string>;

export const RELEASE_COLUMNS = [
  'age',
  'sex',
  'geo',
  'period',
  'referral_source',
  'attempts',
  'first_attempt_delay',
  'outcome',
  'rereferral',
  'rereferral_6m',
  'care_started',
  'followup_reached',
  'parent_present',
  'prior_referrals',
] as const;
export type ReleaseColumn = (typeof RELEASE_COLUMNS)[number];

export function columnCodes(p: ReleasePerson): ColumnCodes {
  return {
    age: ageCode(p.age),
    sex: p.sex,
    geo: p.geo,
    period: p.period,
    referral_source: p.referralSource,
    attempts: p.attempts,
    first_attempt_delay: p.firstAttemptDelay,
    outcome: p.outcome,
    rereferral: p.rereferral,
    rereferral_6m: p.rereferral6m,
    care_started: p.careStarted,
    followup_reached: p.followupReached,
    parent_present: p.parentPresent,
    prior_referrals: p.priorReferrals,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Refuses rows that do not fit the registry: a value outside its code list, a duplicate person, or a
 * combination the registry declares structurally impossible.
 */
export function assertReleaseRows(registry: Registry, persons: readonly ReleasePerson[]): void {
  const seen = new Set<string>();
  const zeros = registry.structuralZeros.map((z) => ({
    z,
    when: Object.entries(z.when).map(([dim, c]) => ({ dim, level: c.level, codes: new Set(c.codes) })),
    codes: new Set(z.codes),
  }));
  for (const p of persons) {
    if (!UUID.test(p.personKey)) throw new ResearchError('VALIDATION_FAILED', 'release row with a malformed person key');
    if (seen.has(p.personKey)) throw new ResearchError('VALIDATION_FAILED', 'a person appears twice in a release');
    seen.add(p.personKey);
    const codes = columnCodes(p);
    for (const column of RELEASE_COLUMNS) {
      if (!registry.dimension(column).hasCode(0, codes[column])) {
        throw new ResearchError('VALIDATION_FAILED', `release value outside the ${column} code list`, { details: { column } });
      }
    }
    for (const { z, when, codes: zc } of zeros) {
      const inside = when.every((w) => w.codes.has(registry.dimension(w.dim).generalise(codes[w.dim as ReleaseColumn], w.level)));
      if (inside && zc.has(codes[z.column as ReleaseColumn])) {
        throw new ResearchError('VALIDATION_FAILED', `release row violates structural zero ${z.id}`, { details: { structuralZero: z.id } });
      }
    }
    const censored12 = p.rereferral === 'CENSORED';
    if (censored12 && p.rereferral6m === 'CENSORED') continue;
    if (!censored12 && p.rereferral6m === 'CENSORED') {
      throw new ResearchError('VALIDATION_FAILED', '12-month follow-up complete but 6-month follow-up censored');
    }
  }
}
