import type { ReleasePerson } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { monthRange } from '../registry/period-codes.js';
import { buildResearchRegistry } from '../registry/research-registry.js';
import { SYNTHETIC_GEOGRAPHY } from './synthetic-register.js';

export const TEST_CUTOFF = '2025-06-30';
export const TEST_MONTHS = monthRange('2023-07', '2024-12');

export function testRegistry(): Registry {
  return buildResearchRegistry({ registryVersion: 'test.1', geography: SYNTHETIC_GEOGRAPHY, months: TEST_MONTHS });
}

export const testRelease = { id: '2025-Q2', cutoff: TEST_CUTOFF, months: TEST_MONTHS };

let counter = 0;

/** A release row with dull defaults (adult, refused, complete follow-up, no re-referral) and the given overrides. */
export function person(overrides: Partial<ReleasePerson> = {}): ReleasePerson {
  counter += 1;
  return {
    personKey: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`,
    age: 20,
    sex: 'M',
    geo: 'GM0344',
    period: '2023-07',
    referralSource: 'BANK',
    attempts: '1',
    firstAttemptDelay: '0-7',
    outcome: 'REFUSED',
    rereferral: 'NONE',
    rereferral6m: 'NO',
    careStarted: 'NA',
    followupReached: 'NA',
    parentPresent: 'NA',
    priorReferrals: '0',
    ...overrides,
  };
}

export function persons(count: number, overrides: Partial<ReleasePerson> = {}): ReleasePerson[] {
  return Array.from({ length: count }, () => person(overrides));
}

/** The outcome fields of a person reached in conversation (keeps the registry's structural zeros). */
export const reached = (care: boolean, age = 20): Partial<ReleasePerson> => ({
  age,
  outcome: care ? 'CONVERSATION_CARE' : 'CONVERSATION_NO_CARE',
  careStarted: care ? 'YES' : 'NO',
  followupReached: 'NO',
  parentPresent: age < 18 ? 'NO' : 'NA',
});
