import { ResearchError } from '../research.errors.js';
import { loadRegistry, type Registry } from './dimension-registry.js';
import { halfYearOf, isMonthCode, quarterOf, yearOf } from './period-codes.js';
import type { CodeDefinition, DimensionDefinition, GeographyInput, LevelDefinition, RegistryDefinition } from './registry.types.js';

/** Code of the single top node of a hierarchy that ends in "all". */
export const ALL = '*';

/** QIs in lattice order; the order also breaks ties between equally good nodes (research-data.md §5.3). */
export const CORE_QIS = ['age', 'sex', 'geo', 'period', 'referral_source'] as const;
export const OPTIONAL_QIS = ['attempts', 'first_attempt_delay'] as const;
export const SENSITIVE = ['outcome', 'rereferral'] as const;
export const ANALYSIS = ['care_started', 'followup_reached', 'parent_present'] as const;

export const AGE_BOTTOM = 12;
export const AGE_TOP = 30;

/** Level-0 age code for an age in whole years at the index date. */
export function ageCode(years: number): string {
  if (!Number.isInteger(years) || years < 0) throw new ResearchError('VALIDATION_FAILED', 'age must be a non-negative integer');
  if (years <= AGE_BOTTOM) return `0-${AGE_BOTTOM}`;
  if (years >= AGE_TOP) return `${AGE_TOP}+`;
  return String(years);
}

const leaf = (code: string, label = code): CodeDefinition => ({ code, label });
const node = (code: string, children: string[], label = code): CodeDefinition => ({ code, label, children });
const all = (below: LevelDefinition, label = 'All'): LevelDefinition => ({
  name: 'all',
  codes: [node(ALL, below.codes.map((c) => c.code), label)],
});

function ageLevels(): LevelDefinition[] {
  const years = Array.from({ length: AGE_TOP - AGE_BOTTOM - 1 }, (_, i) => String(AGE_BOTTOM + 1 + i));
  const l0: LevelDefinition = {
    name: 'year',
    codes: [leaf(`0-${AGE_BOTTOM}`, `0-${AGE_BOTTOM} years`), ...years.map((y) => leaf(y, `${y} years`)), leaf(`${AGE_TOP}+`, `${AGE_TOP}+ years`)],
  };
  const pairs: CodeDefinition[] = [node('0-13', ['0-12', '13'], '0-13 years')];
  for (let a = 14; a < AGE_TOP; a += 2) pairs.push(node(`${a}-${a + 1}`, [String(a), String(a + 1)], `${a}-${a + 1} years`));
  pairs.push(node('30+', ['30+'], '30+ years'));
  const l1: LevelDefinition = { name: 'two-year band', codes: pairs };
  const l2: LevelDefinition = {
    name: 'life stage',
    codes: [
      node('0-15', ['0-13', '14-15'], '0-15 years'),
      node('16-17', ['16-17'], '16-17 years'),
      node('18-21', ['18-19', '20-21'], '18-21 years'),
      node('22-25', ['22-23', '24-25'], '22-25 years'),
      node('26+', ['26-27', '28-29', '30+'], '26+ years'),
    ],
  };
  const l3: LevelDefinition = { name: 'minor/adult', codes: [node('0-17', ['0-15', '16-17'], 'Minor'), node('18+', ['18-21', '22-25', '26+'], 'Adult')] };
  return [l0, l1, l2, l3, all(l3)];
}

function periodLevels(months: readonly string[]): LevelDefinition[] {
  if (months.length === 0) throw new ResearchError('VALIDATION_FAILED', 'a release has at least one month');
  const sorted = [...new Set(months)].sort();
  for (const m of sorted) if (!isMonthCode(m)) throw new ResearchError('VALIDATION_FAILED', `bad month code ${m}`);
  const group = (codes: readonly string[], key: (c: string) => string, name: string): LevelDefinition => {
    const out = new Map<string, string[]>();
    for (const c of codes) out.set(key(c), [...(out.get(key(c)) ?? []), c]);
    return { name, codes: [...out].map(([code, children]) => node(code, children)) };
  };
  const l0: LevelDefinition = { name: 'month', codes: sorted.map((m) => leaf(m)) };
  const l1 = group(sorted, quarterOf, 'quarter');
  const l2 = group(l1.codes.map((c) => c.code), (q) => halfYearOf(`${q.slice(0, 4)}-${String(Number(q.slice(6)) * 3).padStart(2, '0')}`), 'half-year');
  const l3 = group(l2.codes.map((c) => c.code), (h) => yearOf(`${h.slice(0, 4)}-01`), 'year');
  return [l0, l1, l2, l3, all(l3, 'Release window')];
}

const MUNICIPALITY = /^GM\d{4}$/;

function geoLevels(geo: GeographyInput): LevelDefinition[] {
  const bad = geo.municipalities.find((m) => !MUNICIPALITY.test(m.code));
  if (bad) throw new ResearchError('VALIDATION_FAILED', `municipality codes are CBS codes GMnnnn (got ${bad.code})`);
  const l0: LevelDefinition = { name: 'municipality', codes: geo.municipalities.map((m) => leaf(m.code, m.label)) };
  const l1: LevelDefinition = { name: 'district', codes: geo.districts.map((d) => node(d.code, [...d.municipalities], d.label)) };
  const l2: LevelDefinition = { name: 'region', codes: geo.regions.map((r) => node(r.code, [...r.districts], r.label)) };
  return [l0, l1, l2];
}

function flat(name: string, codes: Array<[string, string]>, withAll: boolean): LevelDefinition[] {
  const l0: LevelDefinition = { name, codes: codes.map(([c, l]) => leaf(c, l)) };
  return withAll ? [l0, all(l0)] : [l0];
}

const dim = (name: string, role: DimensionDefinition['role'], description: string, levels: LevelDefinition[], kind: DimensionDefinition['kind'] = 'coded'): DimensionDefinition => ({
  name,
  role,
  kind,
  description,
  levels,
});

const YES_NO_NA: Array<[string, string]> = [
  ['YES', 'Yes'],
  ['NO', 'No'],
  ['NA', 'Not applicable'],
];

export interface ResearchRegistryInput {
  registryVersion: string;
  geography: GeographyInput;
  /** Months (`YYYY-MM`) of the release window; the period code lists derive from them. */
  months: readonly string[];
}

/** The registry of research-data.md §2.4 as data, for one release window and one geography version. */
export function researchRegistryDefinition(input: ResearchRegistryInput): RegistryDefinition {
  const dims: DimensionDefinition[] = [
    dim('age', 'QI', 'Age in whole years at the index date', ageLevels()),
    dim('sex', 'QI', 'Sex of the subject', flat('sex', [['F', 'Female'], ['M', 'Male'], ['X_OR_UNKNOWN', 'Other or unknown']], true)),
    dim('geo', 'QI', "Municipality of the index visit's address snapshot", geoLevels(input.geography), 'geography'),
    dim('period', 'QI', 'Month of the index date', periodLevels(input.months)),
    dim('referral_source', 'QI', 'Source type of the first referral of the index case', [
      {
        name: 'source',
        codes: [
          leaf('BANK', 'Bank'),
          leaf('POLICE', 'Police'),
          leaf('HALT', 'Halt'),
          leaf('MUNICIPALITY', 'Municipality'),
          leaf('SCHOOL', 'School'),
          leaf('YOUTH_WORK', 'Youth work'),
          leaf('SELF', 'Self-referral'),
          leaf('OTHER', 'Other'),
        ],
      },
      {
        name: 'source group',
        codes: [
          node('BANK', ['BANK'], 'Bank'),
          node('POLICE_JUSTICE', ['POLICE', 'HALT'], 'Police and justice'),
          node('COMMUNITY', ['MUNICIPALITY', 'SCHOOL', 'YOUTH_WORK', 'SELF'], 'Community'),
          node('OTHER', ['OTHER'], 'Other'),
        ],
      },
      { name: 'all', codes: [node(ALL, ['BANK', 'POLICE_JUSTICE', 'COMMUNITY', 'OTHER'], 'All')] },
    ]),
    dim('attempts', 'QI', 'Visit attempts in the process window', flat('attempts', [['1', '1 attempt'], ['2', '2 attempts'], ['3+', '3 or more attempts']], true)),
    dim('first_attempt_delay', 'QI', 'Days from the first referral to the index date', flat('days', [['0-7', '0-7 days'], ['8-14', '8-14 days'], ['15-30', '15-30 days'], ['31+', '31 days or more']], true)),
    dim('outcome', 'SA', 'Furthest contact result of the index case in the process window', [
      {
        name: 'outcome',
        codes: [
          leaf('CONVERSATION_CARE', 'Conversation held, care referral'),
          leaf('CONVERSATION_NO_CARE', 'Conversation held, no care referral'),
          leaf('REFUSED', 'Refused'),
          leaf('UNREACHABLE', 'Unreachable'),
          leaf('OTHER', 'Other (withdrawn, transferred, on hold, open)'),
        ],
      },
      {
        name: 'reach',
        codes: [
          node('REACHED', ['CONVERSATION_CARE', 'CONVERSATION_NO_CARE'], 'Reached'),
          node('NOT_REACHED', ['REFUSED', 'UNREACHABLE'], 'Not reached'),
          node('OTHER', ['OTHER'], 'Other'),
        ],
      },
    ]),
    dim('rereferral', 'SA', 'Re-referral within 12 calendar months of the index date', [
      {
        name: 'time band',
        codes: [
          leaf('0-3m', 'Re-referred within 3 months'),
          leaf('3-6m', 'Re-referred after 3 to 6 months'),
          leaf('6-12m', 'Re-referred after 6 to 12 months'),
          leaf('NONE', 'Not re-referred within 12 months'),
          leaf('CENSORED', 'Follow-up incomplete at the cutoff'),
        ],
      },
      {
        name: 'status',
        codes: [node('YES', ['0-3m', '3-6m', '6-12m'], 'Re-referred'), node('NO', ['NONE'], 'Not re-referred'), node('CENSORED', ['CENSORED'], 'Censored')],
      },
    ]),
    dim('rereferral_6m', 'table', 'Re-referral within 6 calendar months of the index date', flat('status', [['YES', 'Re-referred'], ['NO', 'Not re-referred'], ['CENSORED', 'Censored']], false)),
    dim('care_started', 'analysis', 'Care referral started (reached persons)', flat('care', YES_NO_NA, false)),
    dim('followup_reached', 'analysis', 'Follow-up contact reached (follow-up due)', flat('followup', YES_NO_NA, false)),
    dim('parent_present', 'analysis', 'Parent present at the conversation (reached minors)', flat('parent', YES_NO_NA, false)),
    dim('prior_referrals', 'table', 'Referrals of the person before the index case', flat('prior', [['0', 'None'], ['1', 'One'], ['2+', 'Two or more']], true)),
  ];
  return {
    registryVersion: input.registryVersion,
    dimensions: dims,
    structuralZeros: [
      {
        id: 'parent-present-adults',
        description: 'Parent presence is only recorded for minors',
        when: { age: { level: 3, codes: ['18+'] } },
        column: 'parent_present',
        codes: ['YES', 'NO'],
      },
      {
        id: 'parent-present-unreached',
        description: 'Parent presence is only recorded for a conversation held',
        when: { outcome: { level: 1, codes: ['NOT_REACHED', 'OTHER'] } },
        column: 'parent_present',
        codes: ['YES', 'NO'],
      },
      {
        id: 'care-started-unreached',
        description: 'Care can only start after a conversation held',
        when: { outcome: { level: 1, codes: ['NOT_REACHED', 'OTHER'] } },
        column: 'care_started',
        codes: ['YES', 'NO'],
      },
      {
        id: 'care-started-without-referral',
        description: 'Care cannot start without a care referral',
        when: { outcome: { level: 0, codes: ['CONVERSATION_NO_CARE'] } },
        column: 'care_started',
        codes: ['YES'],
      },
    ],
  };
}

export function buildResearchRegistry(input: ResearchRegistryInput): Registry {
  return loadRegistry(researchRegistryDefinition(input));
}
