import type { TableRequest } from './table-plan.js';

export interface CatalogueTable {
  name: string;
  title: string;
  request: TableRequest;
}

/**
 * The standard tables computed in this fixed order when a release is published (research-data.md §4.6), so common
 * figures never depend on who asked first. They are also the coordinators' effectiveness indicators: reach, refusal
 * and unreachable; attempts; time to the first attempt; care uptake; re-referral within 6 and 12 months by outcome.
 */
export const CATALOGUE: readonly CatalogueTable[] = [
  { name: 'reach', title: 'Outcome of the index visit', request: { measure: 'persons', dimensions: [{ name: 'outcome', level: 0 }] } },
  { name: 'reach-by-quarter', title: 'Reach by quarter', request: { measure: 'persons', dimensions: [{ name: 'outcome', level: 1 }, { name: 'period', level: 1 }] } },
  { name: 'reach-by-source', title: 'Reach by referral source', request: { measure: 'reached', dimensions: [{ name: 'referral_source', level: 1 }] } },
  { name: 'attempts', title: 'Attempts per person by reach', request: { measure: 'persons', dimensions: [{ name: 'attempts', level: 0 }, { name: 'outcome', level: 1 }] } },
  { name: 'first-attempt-delay', title: 'Days from referral to the first attempt', request: { measure: 'persons', dimensions: [{ name: 'first_attempt_delay', level: 0 }] } },
  { name: 'care-uptake', title: 'Care started among persons reached, by district', request: { measure: 'care_started', dimensions: [{ name: 'geo', level: 1 }] } },
  { name: 'rereferral-12m', title: 'Re-referral within 12 months by outcome', request: { measure: 'rereferral_12m', dimensions: [{ name: 'outcome', level: 1 }] } },
  { name: 'rereferral-6m', title: 'Re-referral within 6 months by outcome', request: { measure: 'rereferral_6m', dimensions: [{ name: 'outcome', level: 1 }] } },
];
