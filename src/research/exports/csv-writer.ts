import { FORMULA_LEADS } from '../registry/dimension-registry.js';

/**
 * OWASP CSV-injection guard: a field a spreadsheet would evaluate gets a leading apostrophe. Registry codes never
 * start that way; this is the second line of defence and is tested on its own.
 */
export function guardField(value: string): string {
  return FORMULA_LEADS.some((c) => value.startsWith(c)) ? `'${value}` : value;
}

const quote = (value: string) => `"${guardField(value).replace(/"/g, '""')}"`;

/** RFC 4180 CSV: UTF-8, CRLF after every record, every field quoted. */
export function writeCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): Buffer {
  const lines = [header, ...rows].map((r) => {
    if (r.length !== header.length) throw new Error('CSV row width differs from the header');
    return r.map(quote).join(',');
  });
  return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');
}
