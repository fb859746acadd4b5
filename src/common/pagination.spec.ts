import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { DomainError } from './errors.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('keyset cursors', () => {
  it('round-trip every kind of key part', () => {
    const key = ['2026-11-28T10:00:00.123Z', '2026-11-28', '3b241101-e2bb-4255-8caf-4136c566a962', 'abc', '42'];
    expect(decodeCursor(encodeCursor(key), ['timestamp', 'date', 'uuid', 'string', 'int'])).toEqual(key);
  });

  it('refuse a cursor whose parts are not of the expected kind, so no value reaches SQL unchecked', () => {
    const bad: Array<[unknown[], Parameters<typeof decodeCursor>[1]]> = [
      [['coord.utrecht', '5a66fb2b-7a8f-43e7-88b9-60af86731552'], ['date', 'uuid']],
      [['2026-02-30', '5a66fb2b-7a8f-43e7-88b9-60af86731552'], ['date', 'uuid']],
      [['2026-11-28', 'not-a-uuid'], ['date', 'uuid']],
      [['yesterday', '5a66fb2b-7a8f-43e7-88b9-60af86731552'], ['timestamp', 'uuid']],
      [['1e3'], ['int']],
      [['2026-11-28'], ['date', 'uuid']],
    ];
    for (const [key, parts] of bad) {
      expect(() => decodeCursor(encodeCursor(key), parts)).toThrow(DomainError);
    }
    expect(() => decodeCursor('not base64 json', ['uuid'])).toThrow(DomainError);
    expect(decodeCursor(undefined, ['uuid'])).toBeNull();
  });

  it('give a next cursor only when a look-ahead row exists', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    expect(toPage(rows, 2, (r) => [r.k], (r) => r.k)).toEqual({ items: ['a', 'b'], nextCursor: encodeCursor(['b']) });
    expect(toPage(rows, 3, (r) => [r.k], (r) => r.k)).toEqual({ items: ['a', 'b', 'c'], nextCursor: null });
  });
});
