import { expect, it } from '@jest/globals';
import { persons, reached, testRegistry } from '../../testing/person-builder.js';
import { primaryTable } from './scenario-helpers.js';

// Scenario: parent presence by minor/adult; adults can never have a parent recorded (declared structural zero).
it('shows the adult cells as structural and judges the minors normally', () => {
  const rows = [
    ...persons(12, { ...reached(true, 16), parentPresent: 'YES' }),
    ...persons(20, { ...reached(false, 17), parentPresent: 'NO' }),
    ...persons(40, reached(true, 25)),
    ...persons(30, { age: 30, outcome: 'REFUSED' }),
  ];
  const t = primaryTable(testRegistry(), rows, { measure: 'parent_present', dimensions: [{ name: 'age', level: 3 }] });
  expect(t.at('18+', 'n')).toEqual({ value: 0, status: 'structural' });
  expect(t.at('18+', 'x')).toEqual({ value: 0, status: 'structural' });
  expect(t.at('18+', 'persons')).toEqual({ value: 70, status: 'published' });
  expect(t.at('0-17', 'n')).toEqual({ value: 32, status: 'published' });
  expect(t.at('0-17', 'x')).toEqual({ value: 12, status: 'published' });
});
