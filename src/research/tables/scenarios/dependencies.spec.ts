import { expect, it } from '@jest/globals';
import { persons, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: a district with 6 complete persons: n fails the threshold, so x and the rate go with it.
it('suppresses x when its denominator is suppressed', () => {
  const rows = [...persons(3, { geo: 'GM0344', rereferral: '0-3m', rereferral6m: 'YES' }), ...persons(3, { geo: 'GM0344' }), ...persons(12, { geo: 'GM0344', period: '2024-12', rereferral: 'CENSORED', rereferral6m: 'CENSORED' }), ...persons(40, { geo: 'GM0307' })];
  const t = primaryTable(testRegistry(), rows, { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }] });
  expect(t.at('D01', 'n')).toEqual({ value: 6, status: 'suppressed_primary' });
  expect(t.at('D01', 'x')).toEqual({ value: 3, status: 'suppressed_primary' });
  expect(t.at('D01', 'censored')).toEqual({ value: 12, status: 'published' });
  expect(t.at('D01', 'persons')).toEqual({ value: 18, status: 'published' });
});
