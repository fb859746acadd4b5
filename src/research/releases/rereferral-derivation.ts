import type { FollowUpStatus, RereferralBand } from './release-person.js';
import { addMonths, monthOf } from './calendar.js';

export interface LaterReferral {
  /** Date the referral was received, `YYYY-MM-DD`. */
  receivedOn: string;
  /** Month the incident happened, `YYYY-MM`; missing counts as a new incident. */
  incidentMonth: string | null;
}

export interface RereferralInput {
  /** Date of the first attempt of the index visit. */
  indexDate: string;
  /** Release cutoff (a quarter end). */
  cutoff: string;
  /** Referrals of the same person other than those of the index case; order does not matter. */
  referrals: readonly LaterReferral[];
}

export interface RereferralResult {
  rereferral: RereferralBand;
  rereferral6m: FollowUpStatus;
}

/**
 * Re-referral bands with right-censoring (research-data.md §2.1). A person whose 12 months have not run out at the
 * cutoff is CENSORED even when a re-referral was already seen: counting only the events seen so far would bias rates
 * upward. The boundaries are inclusive, so a re-referral on the last day of the window counts.
 */
export function deriveRereferral(input: RereferralInput): RereferralResult {
  const indexMonth = monthOf(input.indexDate);
  const first = input.referrals
    .filter((r) => r.receivedOn > input.indexDate && r.receivedOn <= input.cutoff)
    .filter((r) => r.incidentMonth === null || r.incidentMonth >= indexMonth)
    .map((r) => r.receivedOn)
    .sort()[0];
  const at = (months: number) => addMonths(input.indexDate, months);
  const within = (months: number) => first !== undefined && first <= at(months);

  let rereferral: RereferralBand;
  if (at(12) > input.cutoff) rereferral = 'CENSORED';
  else if (within(3)) rereferral = '0-3m';
  else if (within(6)) rereferral = '3-6m';
  else if (within(12)) rereferral = '6-12m';
  else rereferral = 'NONE';

  const rereferral6m: FollowUpStatus = at(6) > input.cutoff ? 'CENSORED' : within(6) ? 'YES' : 'NO';
  return { rereferral, rereferral6m };
}
