import { expect, it } from '@jest/globals';
import { persons, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: nobody of 40 re-referred (x = 0): a sensitive zero tells every member their value.
it('suppresses x = 0 of n = 40 but publishes x = 0 of n = 0', () => {
  const rows = [...persons(40, { geo: 'GM0344' }), ...persons(30, { geo: 'GM0307', rereferral: '0-3m', rereferral6m: 'YES' }), ...persons(30, { geo: 'GM0307' })];
  const t = primaryTable(testRegistry(), rows, { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }] });
  expect(t.at('D01', 'x')).toEqual({ value: 0, status: 'suppressed_primary' });
  expect(t.at('D03', 'n')).toEqual({ value: 0, status: 'published' });
  expect(t.at('D03', 'x')).toEqual({ value: 0, status: 'published' });
});
