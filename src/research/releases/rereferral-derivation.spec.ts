import { describe, expect, it } from '@jest/globals';
import { addMonths, followUpCompleteMonths, quarterIncluded } from './calendar.js';
import { deriveRereferral } from './rereferral-derivation.js';

describe('calendar months', () => {
  it.each([
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2024-08-31', 6, '2025-02-28'],
    ['2024-03-31', 12, '2025-03-31'],
    ['2024-12-15', 3, '2025-03-15'],
  ])('%s + %i months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('includes a quarter once quarter end + 120 days has passed', () => {
    expect(quarterIncluded('2024-11', '2025-03-31')).toBe(false);
    expect(quarterIncluded('2024-09', '2025-03-31')).toBe(true);
    expect(quarterIncluded('2024-12', '2025-06-30')).toBe(true);
  });

  it('decides completeness per index quarter', () => {
    expect(followUpCompleteMonths(['2024-01', '2024-03', '2024-04', '2024-06', '2024-07'], '2025-03-31', 12)).toEqual(['2024-01', '2024-03']);
    expect(followUpCompleteMonths(['2024-06', '2024-07', '2024-09', '2024-10'], '2025-03-31', 6)).toEqual(['2024-06', '2024-07', '2024-09']);
  });
});

describe('re-referral with right-censoring (T17)', () => {
  const later = (receivedOn: string, incidentMonth: string | null = null) => ({ receivedOn, incidentMonth });

  it('is complete exactly when index + 12 months is on or before the cutoff', () => {
    expect(deriveRereferral({ indexDate: '2024-03-31', cutoff: '2025-03-31', referrals: [] }).rereferral).toBe('NONE');
    expect(deriveRereferral({ indexDate: '2024-04-01', cutoff: '2025-03-31', referrals: [] }).rereferral).toBe('CENSORED');
  });

  it('censors a person even when a re-referral was already seen', () => {
    const r = deriveRereferral({ indexDate: '2024-06-15', cutoff: '2025-03-31', referrals: [later('2024-07-01')] });
    expect(r.rereferral).toBe('CENSORED');
    expect(r.rereferral6m).toBe('YES');
  });

  it('clamps 29 February: the window ends on 28 February of the next year', () => {
    const onLastDay = deriveRereferral({ indexDate: '2024-02-29', cutoff: '2025-03-31', referrals: [later('2025-02-28')] });
    expect(onLastDay.rereferral).toBe('6-12m');
    const dayAfter = deriveRereferral({ indexDate: '2024-02-29', cutoff: '2025-03-31', referrals: [later('2025-03-01')] });
    expect(dayAfter.rereferral).toBe('NONE');
  });

  it('counts a re-referral on the last day of each band', () => {
    const band = (receivedOn: string) => deriveRereferral({ indexDate: '2024-01-15', cutoff: '2025-03-31', referrals: [later(receivedOn)] });
    expect(band('2024-04-15').rereferral).toBe('0-3m');
    expect(band('2024-04-16').rereferral).toBe('3-6m');
    expect(band('2024-07-15').rereferral).toBe('3-6m');
    expect(band('2024-07-15').rereferral6m).toBe('YES');
    expect(band('2024-07-16').rereferral).toBe('6-12m');
    expect(band('2024-07-16').rereferral6m).toBe('NO');
    expect(band('2025-01-15').rereferral).toBe('6-12m');
    expect(band('2025-01-16').rereferral).toBe('NONE');
  });

  it('ignores a referral whose incident month lies before the index month; a missing month counts as new', () => {
    const old = deriveRereferral({ indexDate: '2024-03-10', cutoff: '2025-03-31', referrals: [later('2024-05-01', '2024-02')] });
    expect(old.rereferral).toBe('NONE');
    const sameMonth = deriveRereferral({ indexDate: '2024-03-10', cutoff: '2025-03-31', referrals: [later('2024-05-01', '2024-03')] });
    expect(sameMonth.rereferral).toBe('0-3m');
    const missing = deriveRereferral({ indexDate: '2024-03-10', cutoff: '2025-03-31', referrals: [later('2024-05-01', null)] });
    expect(missing.rereferral).toBe('0-3m');
  });

  it('ignores referrals on or before the index date and uses the earliest later one', () => {
    const r = deriveRereferral({ indexDate: '2024-03-10', cutoff: '2025-03-31', referrals: [later('2024-03-10'), later('2024-12-01'), later('2024-04-01')] });
    expect(r.rereferral).toBe('0-3m');
  });

  it('censors the 6-month status on its own, shorter window', () => {
    const r = deriveRereferral({ indexDate: '2024-09-30', cutoff: '2025-03-31', referrals: [] });
    expect(r).toEqual({ rereferral: 'CENSORED', rereferral6m: 'NO' });
    expect(deriveRereferral({ indexDate: '2024-10-01', cutoff: '2025-03-31', referrals: [] }).rereferral6m).toBe('CENSORED');
  });
});
