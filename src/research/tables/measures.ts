import type { Box } from './boxes.js';

export const MEASURE_NAMES = ['persons', 'rereferral_12m', 'rereferral_6m', 'reached', 'care_started', 'followup_reached', 'parent_present'] as const;
export type MeasureName = (typeof MEASURE_NAMES)[number];

/** The values a cell carries; `censored` only for re-referral measures, `n`/`x` only for rates. */
export type ValueKind = 'persons' | 'censored' | 'n' | 'x';
export const VALUE_KIND_ORDER: readonly ValueKind[] = ['persons', 'censored', 'n', 'x'];

/** Month sets that decide completeness; both derive from the release cutoff (research-data.md §2.1). */
export interface CompletenessContext {
  complete12: readonly string[];
  complete6: readonly string[];
}

export interface MeasureDefinition {
  name: MeasureName;
  rate: boolean;
  /** Restriction of `persons` to the rate's denominator; undefined when n is simply `persons`. */
  denominator?: (ctx: CompletenessContext) => Box;
  /** Restriction of n to x. */
  success?: Box;
  reportsCensored: boolean;
  denominatorLabel: string;
}

const YES_BANDS = ['0-3m', '3-6m', '6-12m'];

export const MEASURES: Readonly<Record<MeasureName, MeasureDefinition>> = {
  persons: { name: 'persons', rate: false, reportsCensored: false, denominatorLabel: 'persons' },
  rereferral_12m: {
    name: 'rereferral_12m',
    rate: true,
    denominator: (ctx) => ({ period: ctx.complete12 }),
    success: { rereferral: YES_BANDS },
    reportsCensored: true,
    denominatorLabel: 'persons with 12 months of complete follow-up',
  },
  rereferral_6m: {
    name: 'rereferral_6m',
    rate: true,
    denominator: (ctx) => ({ period: ctx.complete6 }),
    success: { rereferral_6m: ['YES'] },
    reportsCensored: true,
    denominatorLabel: 'persons with 6 months of complete follow-up',
  },
  reached: {
    name: 'reached',
    rate: true,
    success: { outcome: ['CONVERSATION_CARE', 'CONVERSATION_NO_CARE'] },
    reportsCensored: false,
    denominatorLabel: 'visited persons',
  },
  care_started: {
    name: 'care_started',
    rate: true,
    denominator: () => ({ care_started: ['YES', 'NO'] }),
    success: { care_started: ['YES'] },
    reportsCensored: false,
    denominatorLabel: 'reached persons',
  },
  followup_reached: {
    name: 'followup_reached',
    rate: true,
    denominator: () => ({ followup_reached: ['YES', 'NO'] }),
    success: { followup_reached: ['YES'] },
    reportsCensored: false,
    denominatorLabel: 'persons with a follow-up due',
  },
  parent_present: {
    name: 'parent_present',
    rate: true,
    denominator: () => ({ parent_present: ['YES', 'NO'] }),
    success: { parent_present: ['YES'] },
    reportsCensored: false,
    denominatorLabel: 'reached minors',
  },
};

/** Values stored per cell; for `reached` n is `persons` itself and is not a separate quantity. */
export function valueKinds(m: MeasureDefinition): ValueKind[] {
  if (!m.rate) return ['persons'];
  const kinds: ValueKind[] = ['persons'];
  if (m.reportsCensored) kinds.push('censored');
  if (m.denominator) kinds.push('n');
  kinds.push('x');
  return kinds;
}

export function isMeasureName(name: unknown): name is MeasureName {
  return typeof name === 'string' && (MEASURE_NAMES as readonly string[]).includes(name);
}
