import { describe, expect, it } from '@jest/globals';
import { ResearchError } from '../research.errors.js';
import { SYNTHETIC_GEOGRAPHY } from '../testing/synthetic-register.js';
import { loadRegistry } from './dimension-registry.js';
import { monthRange } from './period-codes.js';
import { ageCode, buildResearchRegistry, researchRegistryDefinition } from './research-registry.js';
import type { GeographyInput, RegistryDefinition } from './registry.types.js';

const months = monthRange('2023-07', '2024-12');
const definition = () => researchRegistryDefinition({ registryVersion: '2025.1', geography: SYNTHETIC_GEOGRAPHY, months });

function rejects(def: RegistryDefinition, fragment: RegExp) {
  expect(() => loadRegistry(def)).toThrow(ResearchError);
  expect(() => loadRegistry(def)).toThrow(fragment);
}

describe('research registry', () => {
  const registry = buildResearchRegistry({ registryVersion: '2025.1', geography: SYNTHETIC_GEOGRAPHY, months });

  it('has the lattice of research-data.md §5.3: 5·2·3·5·3 levels', () => {
    expect(['age', 'sex', 'geo', 'period', 'referral_source'].map((d) => registry.dimension(d).levelCount)).toEqual([5, 2, 3, 5, 3]);
    expect(['attempts', 'first_attempt_delay'].map((d) => registry.dimension(d).levelCount)).toEqual([2, 2]);
  });

  it('generalises level-0 codes along every hierarchy', () => {
    const age = registry.dimension('age');
    expect([ageCode(5), ageCode(12), ageCode(13), ageCode(29), ageCode(30), ageCode(41)]).toEqual(['0-12', '0-12', '13', '29', '30+', '30+']);
    expect(['0-12', '14', '17', '19', '24', '29', '30+'].map((c) => age.generalise(c, 2))).toEqual(['0-15', '0-15', '16-17', '18-21', '22-25', '26+', '26+']);
    expect(age.generalise('17', 3)).toBe('0-17');
    expect(age.generalise('18', 4)).toBe('*');
    const period = registry.dimension('period');
    expect(['2023-07', '2024-03', '2024-12'].map((m) => period.generalise(m, 1))).toEqual(['2023-Q3', '2024-Q1', '2024-Q4']);
    expect(period.generalise('2024-05', 2)).toBe('2024-H1');
    expect(period.generalise('2024-05', 3)).toBe('2024');
    expect(period.codes(1)).toEqual(['2023-Q3', '2023-Q4', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4']);
    expect(registry.dimension('geo').generalise('GM0308', 1)).toBe('D02');
    expect(registry.dimension('referral_source').generalise('HALT', 1)).toBe('POLICE_JUSTICE');
    expect(registry.dimension('outcome').generalise('CONVERSATION_NO_CARE', 1)).toBe('REACHED');
    expect(registry.dimension('rereferral').generalise('3-6m', 1)).toBe('YES');
  });

  it('lists complete code lists and leaves for every level', () => {
    const geo = registry.dimension('geo');
    expect(geo.codes(2)).toEqual(['R01']);
    expect(geo.leafCount(2, 'R01')).toBe(SYNTHETIC_GEOGRAPHY.municipalities.length);
    expect(geo.leafCodes(1, 'D04')).toEqual(['GM0034', 'GM0995']);
    expect(registry.dimension('age').leafCount(2, '26+')).toBe(5);
    for (const dim of registry.dimensions) {
      for (let l = 1; l < dim.levelCount; l += 1) {
        const total = dim.codes(l).reduce((s, c) => s + dim.leafCount(l, c), 0);
        expect(total).toBe(dim.codes(0).length);
      }
    }
  });

  it('has a version and a stable SHA-256 of its canonical form', () => {
    const again = buildResearchRegistry({ registryVersion: '2025.1', geography: SYNTHETIC_GEOGRAPHY, months });
    expect(registry.version).toBe('2025.1');
    expect(registry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(again.sha256).toBe(registry.sha256);
    const other = buildResearchRegistry({ registryVersion: '2025.1', geography: SYNTHETIC_GEOGRAPHY, months: monthRange('2023-07', '2025-03') });
    expect(other.sha256).not.toBe(registry.sha256);
  });

  describe('load-time checks (T9)', () => {
    it('rejects a free-text column', () => {
      const def = definition();
      def.dimensions.push({ name: 'notes_canary', role: 'analysis', kind: 'free_text' as never, description: 'notes', levels: [] });
      rejects(def, /free text/);
      const noCodes = definition();
      noCodes.dimensions.push({ name: 'comments', role: 'analysis', kind: 'coded', description: 'comments', levels: [] });
      rejects(noCodes, /no code list/);
    });

    it('rejects a second geography', () => {
      const def = definition();
      def.dimensions.push({ ...def.dimensions.find((d) => d.name === 'geo')!, name: 'basisteam' });
      rejects(def, /exactly one geography/);
      const disguised = definition();
      disguised.dimensions.push({ name: 'postcode_area', role: 'QI', kind: 'coded', description: 'p', levels: [{ name: 'x', codes: [{ code: 'A', label: 'A' }] }] });
      rejects(disguised, /second geography/);
    });

    it('rejects a district that splits a municipality', () => {
      const geography: GeographyInput = structuredClone(SYNTHETIC_GEOGRAPHY);
      geography.districts[1]!.municipalities.push('GM0344');
      expect(() => buildResearchRegistry({ registryVersion: 'x', geography, months })).toThrow(/two parents/);
    });

    it('rejects a municipality outside every district', () => {
      const geography: GeographyInput = structuredClone(SYNTHETIC_GEOGRAPHY);
      geography.municipalities.push({ code: 'GM9999', label: 'Nowhere' });
      expect(() => buildResearchRegistry({ registryVersion: 'x', geography, months })).toThrow(/no parent/);
    });

    it.each(['=cmd', '+1', '-1', '@SUM', '\tX', '\rX'])('rejects a code or label starting with a formula character: %j', (bad) => {
      const def = definition();
      def.dimensions.find((d) => d.name === 'sex')!.levels[0]!.codes[0]!.label = bad;
      rejects(def, /formula character|control character/);
      const code = definition();
      code.dimensions.find((d) => d.name === 'referral_source')!.levels[0]!.codes.push({ code: bad, label: 'x' });
      rejects(code, /formula character|printable ASCII/);
    });

    it('rejects structural zeros that name unknown codes', () => {
      const def = definition();
      def.structuralZeros.push({ id: 'z', description: 'z', when: { age: { level: 3, codes: ['99+'] } }, column: 'parent_present', codes: ['YES'] });
      rejects(def, /unknown code/);
    });
  });
});
