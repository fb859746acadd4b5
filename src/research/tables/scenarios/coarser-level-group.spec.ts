import { expect, it } from '@jest/globals';
import { persons, reached, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: outcome codes each pass the group rule, but their sum REACHED (two codes, one level up) is 38 of 40.
it('makes every member of a failing coarser sum primary', () => {
  const rows = [
    ...persons(20, { geo: 'GM0344', ...reached(true) }),
    ...persons(18, { geo: 'GM0344', ...reached(false) }),
    ...persons(2, { geo: 'GM0344', outcome: 'OTHER' }),
    ...persons(15, { geo: 'GM0307', ...reached(true) }),
    ...persons(15, { geo: 'GM0307', ...reached(false) }),
    ...persons(15, { geo: 'GM0307', outcome: 'REFUSED' }),
    ...persons(15, { geo: 'GM0307', outcome: 'UNREACHABLE' }),
  ];
  const t = primaryTable(testRegistry(), rows, { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }, { name: 'outcome', level: 0 }] });
  expect(t.at('D01|CONVERSATION_CARE', 'persons')).toEqual({ value: 20, status: 'suppressed_primary' });
  expect(t.at('D01|CONVERSATION_NO_CARE', 'persons')).toEqual({ value: 18, status: 'suppressed_primary' });
  // REFUSED + UNREACHABLE = 0 of 40 fails too (a sensitive zero at the coarser level).
  expect(t.at('D01|REFUSED', 'persons').status).toBe('suppressed_primary');
  expect(t.at('D01|*', 'persons')).toEqual({ value: 40, status: 'published' });
  expect(t.at('D02|CONVERSATION_CARE', 'persons')).toEqual({ value: 15, status: 'published' });
  expect(t.at('D02|REFUSED', 'persons')).toEqual({ value: 15, status: 'published' });
});
