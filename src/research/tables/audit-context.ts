import { followUpCompleteMonths } from '../releases/calendar.js';
import { RELEASE_COLUMNS } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import type { Box } from './boxes.js';
import type { CompletenessContext } from './measures.js';
import { declaredZeroBoxes } from './table-cells.js';

export function completeness(months: readonly string[], cutoff: string): CompletenessContext {
  return { complete12: followUpCompleteMonths(months, cutoff, 12), complete6: followUpCompleteMonths(months, cutoff, 6) };
}

/** Complete public code lists of every release column; period spans the whole series. */
export function auditDomains(registry: Registry, seriesMonths: readonly string[]): Map<string, readonly string[]> {
  const domains = new Map<string, readonly string[]>();
  for (const column of RELEASE_COLUMNS) domains.set(column, registry.dimension(column).codes(0));
  domains.set('period', [...new Set([...registry.dimension('period').codes(0), ...seriesMonths])].sort());
  return domains;
}

/**
 * Combinations everyone knows to be empty: declared structural zeros plus the public censoring rules of §2.1
 * (completeness is decided by the index quarter; the 6- and 12-month statuses agree).
 */
export function publicZeroBoxes(registry: Registry, seriesMonths: readonly string[], cutoff: string): Box[] {
  const months = [...seriesMonths].sort();
  const { complete12, complete6 } = completeness(months, cutoff);
  const not = (subset: readonly string[]) => months.filter((m) => !subset.includes(m));
  const boxes: Box[] = [
    ...declaredZeroBoxes(registry),
    { period: not(complete12), rereferral: ['0-3m', '3-6m', '6-12m', 'NONE'] },
    { period: complete12, rereferral: ['CENSORED'] },
    { period: not(complete6), rereferral_6m: ['YES', 'NO'] },
    { period: complete6, rereferral_6m: ['CENSORED'] },
    { rereferral: ['0-3m', '3-6m'], rereferral_6m: ['NO', 'CENSORED'] },
    { rereferral: ['6-12m', 'NONE'], rereferral_6m: ['YES', 'CENSORED'] },
  ];
  return boxes.filter((b) => Object.values(b).every((codes) => codes.length > 0));
}
