import { researchRegistryDefinition } from './research-registry.js';

let cached: Record<string, number> | null = null;

/**
 * Number of levels of every research dimension. Only geography and period code lists vary between releases;
 * their depth does not, so one registry over a placeholder geography and window gives the answer.
 */
export function levelCounts(): Record<string, number> {
  if (cached) return cached;
  const def = researchRegistryDefinition({
    registryVersion: 'levels',
    geography: {
      regions: [{ code: 'R', label: 'R', districts: ['D'] }],
      districts: [{ code: 'D', label: 'D', municipalities: ['GM0001'] }],
      municipalities: [{ code: 'GM0001', label: 'M' }],
    },
    months: ['2000-01'],
  });
  cached = Object.fromEntries(def.dimensions.map((d) => [d.name, d.levels.length]));
  return cached;
}
