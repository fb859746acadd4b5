import { expect, it } from '@jest/globals';
import { persons, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: all but two of a district re-referred (x = n - 2): almost everybody shares the sensitive value.
it('suppresses x = n - 2', () => {
  const rows = [...persons(38, { geo: 'GM0344', rereferral: '3-6m', rereferral6m: 'YES' }), ...persons(2, { geo: 'GM0344' }), ...persons(20, { geo: 'GM0307', rereferral: '0-3m', rereferral6m: 'YES' }), ...persons(20, { geo: 'GM0307' })];
  const t = primaryTable(testRegistry(), rows, { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }] });
  expect(t.at('D01', 'x')).toEqual({ value: 38, status: 'suppressed_primary' });
  expect(t.at('D02', 'x')).toEqual({ value: 20, status: 'published' });
  expect(t.at('*', 'x')).toEqual({ value: 58, status: 'published' });
});
