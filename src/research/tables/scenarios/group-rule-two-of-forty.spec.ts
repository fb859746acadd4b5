import { expect, it } from '@jest/globals';
import { persons, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: 2 of 40 complete persons re-referred in a district (group rule g = 3 on x).
it('suppresses x = 2 of n = 40 and, through the dependency, nothing else of the cell', () => {
  const rows = [...persons(2, { geo: 'GM0344', rereferral: '0-3m', rereferral6m: 'YES' }), ...persons(38, { geo: 'GM0344' }), ...persons(60, { geo: 'GM0307', rereferral: '6-12m' }), ...persons(60, { geo: 'GM0307' })];
  const t = primaryTable(testRegistry(), rows, { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }] });
  expect(t.at('D01', 'x')).toEqual({ value: 2, status: 'suppressed_primary' });
  expect(t.at('D01', 'n')).toEqual({ value: 40, status: 'published' });
  expect(t.at('D01', 'persons').status).toBe('published');
  expect(t.at('D02', 'x')).toEqual({ value: 60, status: 'published' });
});
