import { internCodes } from './release-data.js';
import type { ReleasePerson } from './release-person.js';

describe('internCodes', () => {
  it('leaves every value of every person as it was (sharing strings changes memory, not data)', () => {
    const person = (key: string, geo: string): ReleasePerson =>
      ({ personKey: key, age: 19, sex: 'F', geo, period: '2026-03', outcome: 'CONVERSATION_HELD', rereferral: 'NO' }) as unknown as ReleasePerson;
    const rows = [person('a', 'GM0344'), person('b', ['GM', '0344'].join('')), person('c', 'GM0363')];
    const before = JSON.parse(JSON.stringify(rows));
    expect(internCodes(rows)).toBe(rows);
    expect(rows).toEqual(before);
  });
});
