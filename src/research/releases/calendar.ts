import { ResearchError } from '../research.errors.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function parse(date: string): Ymd {
  const match = DATE.exec(date);
  const ymd = match ? { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) } : undefined;
  if (!ymd || ymd.m < 1 || ymd.m > 12 || ymd.d < 1 || ymd.d > daysInMonth(ymd.y, ymd.m)) {
    throw new ResearchError('VALIDATION_FAILED', `not a calendar date: ${date}`);
  }
  return ymd;
}

const format = ({ y, m, d }: Ymd) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Calendar months with a month-end clamp: 2024-02-29 + 12 months = 2025-02-28; 2024-01-31 + 1 = 2024-02-29. */
export function addMonths(date: string, months: number): string {
  const { y, m, d } = parse(date);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return format({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
}

export function addDays(date: string, days: number): string {
  const { y, m, d } = parse(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return format({ y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() });
}

export function monthOf(date: string): string {
  parse(date);
  return date.slice(0, 7);
}

/** Last day of the quarter containing a month `YYYY-MM`. */
export function quarterEndOfMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const q = Math.ceil(Number(month.slice(5, 7)) / 3);
  return format({ y, m: q * 3, d: daysInMonth(y, q * 3) });
}

export function isQuarterEnd(date: string): boolean {
  const { y, m, d } = parse(date);
  return m % 3 === 0 && d === daysInMonth(y, m);
}

export const PROCESS_WINDOW_DAYS = 120;

/** A quarter enters a release once its whole process window has closed (research-data.md §2.1). */
export function quarterIncluded(anyMonthOfQuarter: string, cutoff: string): boolean {
  return addDays(quarterEndOfMonth(anyMonthOfQuarter), PROCESS_WINDOW_DAYS) <= cutoff;
}

/**
 * Months whose every index date has complete follow-up of `months` calendar months at `cutoff`. The cutoff is
 * a quarter end, so completeness is decided per index quarter; that is what keeps cells of earlier releases exact
 * constraints in later audits.
 */
export function followUpCompleteMonths(months: readonly string[], cutoff: string, followUpMonths: number): string[] {
  if (!isQuarterEnd(cutoff)) throw new ResearchError('VALIDATION_FAILED', 'a release cutoff is a quarter end');
  return months.filter((m) => addMonths(quarterEndOfMonth(m), followUpMonths) <= cutoff);
}
