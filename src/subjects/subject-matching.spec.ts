import { describe, expect, it } from '@jest/globals';
import { matchKey, matchKeyInput, nameForSimilarity, normaliseFamilyName, swappedDate } from './subject-matching.js';

describe('subject matching keys', () => {
  it('normalises family names: case, diacritics, prefixes, spaces and punctuation', () => {
    expect(normaliseFamilyName('van der Berg')).toBe('berg');
    expect(normaliseFamilyName('Van den Berg')).toBe('berg');
    expect(normaliseFamilyName("in 't Veld")).toBe('veld');
    expect(normaliseFamilyName('Çelik')).toBe('celik');
    expect(normaliseFamilyName('Jansen-de Vries')).toBe('jansenvries');
    expect(normaliseFamilyName('de')).toBe('de');
  });

  it('builds the same key for spelling variants of one person', () => {
    const a = matchKeyInput('van der Berg', '2005-03-04', 'Émile Jan');
    const b = matchKeyInput('Van Der Berg', '2005-03-04', 'emile');
    expect(a).toBe(b);
    expect(matchKeyInput('Berg', '2005-03-04', 'Anna')).not.toBe(a);
    const secret = Buffer.alloc(32, 7);
    expect(matchKey(secret, 'van der Berg', '2005-03-04', 'Émile').equals(matchKey(secret, 'Berg', '2005-03-04', 'E'))).toBe(true);
    expect(matchKey(secret, 'Berg', '2005-03-04', 'E').toString('hex')).not.toContain('berg');
  });

  it('swaps day and month only when that gives another valid date', () => {
    expect(swappedDate('2005-03-04')).toBe('2005-04-03');
    expect(swappedDate('2005-03-25')).toBeNull();
    expect(swappedDate('2005-05-05')).toBeNull();
  });

  it('compares full names without diacritics or prefixes', () => {
    expect(nameForSimilarity('Fatima', 'el Amrani')).toBe('fatima elamrani');
    expect(nameForSimilarity('Éva', 'van Dijk')).toBe('eva dijk');
  });
});
