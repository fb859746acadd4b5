import { expect, it } from '@jest/globals';
import { persons, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: persons by district with 9, 10 and 0 persons (research-data.md §4.3, threshold τ = 10).
it('suppresses 0 < count < 10 and publishes 10 and 0', () => {
  const rows = [...persons(9, { geo: 'GM0344' }), ...persons(10, { geo: 'GM0307' }), ...persons(30, { geo: 'GM0034' }), ...persons(31, { geo: 'GM0632' })];
  const t = primaryTable(testRegistry(), rows, { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }] });
  expect(t.at('D01', 'persons')).toEqual({ value: 9, status: 'suppressed_primary' });
  expect(t.at('D02', 'persons')).toEqual({ value: 10, status: 'published' });
  expect(t.at('D03', 'persons')).toEqual({ value: 0, status: 'published' });
  expect(t.at('*', 'persons')).toEqual({ value: 80, status: 'published' });
});
