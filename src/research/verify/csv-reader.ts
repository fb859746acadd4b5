export interface ParsedCsv {
  header: string[];
  rows: string[][];
  problems: string[];
}

/**
 * Strict RFC 4180 reader for what the exporter promises: every field quoted, CRLF after every record. Anything else
 * is reported as a problem rather than tolerated.
 */
export function readStrictCsv(bytes: Uint8Array): ParsedCsv {
  const problems: string[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { header: [], rows: [], problems: ['not valid UTF-8'] };
  }
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      if (text[i] !== '"') {
        problems.push(`unquoted field in record ${records.length + 1}`);
        return { header: records[0] ?? [], rows: records.slice(1), problems };
      }
      i += 1;
      let field = '';
      for (;;) {
        if (i >= text.length) {
          problems.push('unterminated quoted field');
          return { header: records[0] ?? [], rows: records.slice(1), problems };
        }
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
      record.push(field);
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') {
        i += 2;
        break;
      }
      problems.push(`record ${records.length + 1} does not end in CRLF`);
      return { header: records[0] ?? [], rows: records.slice(1), problems };
    }
    records.push(record);
  }
  const header = records[0] ?? [];
  const rows = records.slice(1);
  rows.forEach((r, n) => {
    if (r.length !== header.length) problems.push(`row ${n + 1} has ${r.length} fields, header ${header.length}`);
  });
  return { header, rows, problems };
}

/** Fields a spreadsheet would evaluate, unguarded, or guarded (codes never need the guard, so either is a finding). */
export function formulaLead(field: string): boolean {
  return /^[=+\-@\t\r']/.test(field);
}
