import { describe, expect, it } from '@jest/globals';
import { ENUMS, NL, englishLabel } from './labels.i18n.js';

describe('labels', () => {
  it('gives every enum value a Dutch and an English label', () => {
    const missing: string[] = [];
    for (const [name, values] of Object.entries(ENUMS)) for (const v of values) if (!NL[v]) missing.push(`${name}.${v}`);
    expect(missing).toEqual([]);
    for (const values of Object.values(ENUMS)) for (const v of values) expect(englishLabel(v).length).toBeGreaterThan(0);
  });
});
