import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readStrictCsv } from '../verify/csv-reader.js';
import { guardField, writeCsv } from './csv-writer.js';

const LEADS = ['=', '+', '-', '@', '\t', '\r'];

describe('CSV writer (T10)', () => {
  it('quotes every field, ends every record in CRLF and doubles quotes', () => {
    const bytes = writeCsv(['pid', 'age'], [['abc', 'say "hi"'], ['def', 'a,b\r\nc']]);
    expect(bytes.toString('utf8')).toBe('"pid","age"\r\n"abc","say ""hi"""\r\n"def","a,b\r\nc"\r\n');
  });

  it('guards formula leads and only those', () => {
    expect(LEADS.map((l) => guardField(`${l}1+1`))).toEqual(LEADS.map((l) => `'${l}1+1`));
    expect(guardField('0-12')).toBe('0-12');
    expect(guardField("'quoted")).toBe("'quoted");
  });

  it('property: hostile strings get a leading apostrophe and round-trip through an RFC 4180 reader', () => {
    const hostile = fc.tuple(fc.constantFrom(...LEADS), fc.string({ unit: 'binary', maxLength: 30 })).map(([lead, rest]) => lead + rest);
    const field = fc.oneof(hostile, fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), { maxLength: 20 }), (rows) => {
        const bytes = writeCsv(['a', 'b', 'c'], rows);
        const parsed = readStrictCsv(bytes);
        expect(parsed.problems).toEqual([]);
        expect(parsed.rows.length).toBe(rows.length);
        rows.forEach((row, r) =>
          row.forEach((value, c) => {
            const back = parsed.rows[r]![c]!;
            if (LEADS.some((l) => value.startsWith(l))) {
              expect(back.startsWith("'")).toBe(true);
              expect(back.slice(1)).toBe(value);
            } else expect(back).toBe(value);
          }),
        );
        // No unquoted field: after every separator or record start comes a quote.
        const text = bytes.toString('utf8');
        expect(text.startsWith('"')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
