import { followUpCompleteMonths } from '../releases/calendar.js';
import type { ReleasePerson, RereferralBand } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { monthRange } from '../registry/period-codes.js';
import { buildResearchRegistry } from '../registry/research-registry.js';
import type { GeographyInput } from '../registry/registry.types.js';
import { SeededRandom } from '../../common/seeded-random.js';

/** A programme region of whole municipalities in districts; codes look like CBS codes but the set is synthetic. */
export const SYNTHETIC_GEOGRAPHY: GeographyInput = {
  regions: [{ code: 'R01', label: 'Programme region', districts: ['D01', 'D02', 'D03', 'D04', 'D05'] }],
  districts: [
    { code: 'D01', label: 'Central', municipalities: ['GM0344'] },
    { code: 'D02', label: 'East', municipalities: ['GM0307', 'GM0342', 'GM0308', 'GM0327', 'GM0313'] },
    { code: 'D03', label: 'North', municipalities: ['GM0402', 'GM1942', 'GM0406', 'GM1696'] },
    { code: 'D04', label: 'Polder', municipalities: ['GM0034', 'GM0995'] },
    { code: 'D05', label: 'West', municipalities: ['GM0632', 'GM0736'] },
  ],
  municipalities: [
    ['GM0344', 'Stadsveld'],
    ['GM0307', 'Amerwijk'],
    ['GM0342', 'Zoetendal'],
    ['GM0308', 'Baardam'],
    ['GM0327', 'Leuvenhout'],
    ['GM0313', 'Bunsloo'],
    ['GM0402', 'Hilverveen'],
    ['GM1942', 'Gooimeer'],
    ['GM0406', 'Huisduin'],
    ['GM1696', 'Wijdeveen'],
    ['GM0034', 'Almerdijk'],
    ['GM0995', 'Lelystrand'],
    ['GM0632', 'Woerdam'],
    ['GM0736', 'Rondeveen'],
  ].map(([code, label]) => ({ code: code!, label: label! })),
};

/** Names and streets of the synthetic register's source records; they must never appear in any output. */
export const FIXTURE_NAMES = ['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'Bos', 'Vos', 'Peters', 'Hendriks', 'Dekker', 'Sanne', 'Daan', 'Noor', 'Bram', 'Fleur', 'Lotte'];
export const FIXTURE_STREETS = ['Kerkstraat', 'Schoolstraat', 'Molenweg', 'Dorpsstraat', 'Stationsweg', 'Lindenlaan', 'Beukenlaan', 'Julianastraat'];

export interface SyntheticRegisterOptions {
  seed: number;
  persons: number;
  /** Quarter-end cutoff; default 2025-06-30. */
  cutoff?: string;
  /** First month of the window; default two years before the last included quarter. */
  firstMonth?: string;
  registryVersion?: string;
  /** Plant unusual persons (a 34-year-old self-referral in the smallest municipality, and so on). */
  injectUniques?: boolean;
}

export interface SyntheticRegister {
  persons: ReleasePerson[];
  registry: Registry;
  months: string[];
  cutoff: string;
  geography: GeographyInput;
}

function lastIncludedMonth(cutoff: string): string {
  // Quarter end + 120 days <= cutoff: the quarter ending two quarters before the cutoff's quarter is the last one.
  const y = Number(cutoff.slice(0, 4));
  const q = Math.ceil(Number(cutoff.slice(5, 7)) / 3) - 2;
  const year = q <= 0 ? y - 1 : y;
  const quarter = q <= 0 ? q + 4 : q;
  return `${year}-${String(quarter * 3).padStart(2, '0')}`;
}

/**
 * Seeded synthetic register in the shape of research-data.md §8: ages 12-35 peaking at 17-21, Zipf-distributed
 * municipalities, rare referral sources, every outcome, 10-30 % re-referral, recent quarters censored.
 */
export function syntheticRegister(opts: SyntheticRegisterOptions): SyntheticRegister {
  const rng = new SeededRandom(opts.seed);
  const cutoff = opts.cutoff ?? '2025-06-30';
  const last = lastIncludedMonth(cutoff);
  const first = opts.firstMonth ?? `${Number(last.slice(0, 4)) - 2}-${String((Number(last.slice(5, 7)) % 12) + 1).padStart(2, '0')}`;
  const months = monthRange(first, last);
  const registry = buildResearchRegistry({ registryVersion: opts.registryVersion ?? 'test.1', geography: SYNTHETIC_GEOGRAPHY, months });
  const complete12 = new Set(followUpCompleteMonths(months, cutoff, 12));
  const complete6 = new Set(followUpCompleteMonths(months, cutoff, 6));
  const munis = SYNTHETIC_GEOGRAPHY.municipalities.map((m, i) => [m.code, 1 / (i + 1)] as const);
  const ages = Array.from({ length: 24 }, (_, i) => 12 + i).map((a) => [a, a >= 17 && a <= 21 ? 6 : a < 17 ? 3 : a <= 25 ? 2.5 : 0.8] as const);
  const sources = [['BANK', 50], ['POLICE', 20], ['HALT', 4], ['MUNICIPALITY', 8], ['SCHOOL', 6], ['YOUTH_WORK', 5], ['SELF', 1.5], ['OTHER', 2]] as const;
  const outcomes = [['CONVERSATION_CARE', 20], ['CONVERSATION_NO_CARE', 35], ['REFUSED', 15], ['UNREACHABLE', 22], ['OTHER', 8]] as const;
  const reRate = 0.1 + rng.next() * 0.2;

  const person = (overrides: Partial<ReleasePerson> = {}): ReleasePerson => {
    const age = overrides.age ?? rng.weighted(ages);
    const period = overrides.period ?? rng.pick(months);
    const outcome = overrides.outcome ?? rng.weighted(outcomes);
    const reached = outcome === 'CONVERSATION_CARE' || outcome === 'CONVERSATION_NO_CARE';
    const reBand = rng.chance(reRate) ? rng.weighted([['0-3m', 4], ['3-6m', 3], ['6-12m', 3]] as const) : 'NONE';
    const rereferral: RereferralBand = complete12.has(period) ? reBand : 'CENSORED';
    const soon = reBand === '0-3m' || reBand === '3-6m';
    return {
      personKey: rng.uuid(),
      age,
      sex: rng.weighted([['M', 62], ['F', 36], ['X_OR_UNKNOWN', 2]] as const),
      geo: rng.weighted(munis),
      period,
      referralSource: rng.weighted(sources),
      attempts: rng.weighted([['1', 50], ['2', 30], ['3+', 20]] as const),
      firstAttemptDelay: rng.weighted([['0-7', 30], ['8-14', 35], ['15-30', 25], ['31+', 10]] as const),
      outcome,
      rereferral,
      rereferral6m: complete6.has(period) ? (soon ? 'YES' : 'NO') : 'CENSORED',
      careStarted: outcome === 'CONVERSATION_CARE' ? (rng.chance(0.7) ? 'YES' : 'NO') : outcome === 'CONVERSATION_NO_CARE' ? 'NO' : 'NA',
      followupReached: reached ? (rng.chance(0.6) ? 'YES' : 'NO') : 'NA',
      parentPresent: reached && age < 18 ? (rng.chance(0.4) ? 'YES' : 'NO') : 'NA',
      priorReferrals: rng.weighted([['0', 70], ['1', 20], ['2+', 10]] as const),
      ...overrides,
    };
  };

  const persons = Array.from({ length: opts.persons }, () => person());
  if (opts.injectUniques && opts.persons > 0) {
    const smallest = SYNTHETIC_GEOGRAPHY.municipalities[SYNTHETIC_GEOGRAPHY.municipalities.length - 1]!.code;
    persons.push(person({ age: 34, geo: smallest, referralSource: 'SELF', outcome: 'REFUSED', parentPresent: 'NA' }));
    persons.push(person({ age: 12, sex: 'X_OR_UNKNOWN', geo: smallest, referralSource: 'HALT' }));
  }
  return { persons, registry, months, cutoff, geography: SYNTHETIC_GEOGRAPHY };
}
