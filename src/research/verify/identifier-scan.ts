export interface IdentifierHit {
  kind: 'bsn' | 'iban' | 'postcode' | 'email' | 'phone' | 'date' | 'name';
  where: string;
}

function elevenTest(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += (9 - i) * Number(digits[i]);
  sum -= Number(digits[8]);
  return sum % 11 === 0 && digits !== '000000000';
}

function ibanValid(candidate: string): boolean {
  const s = candidate.replace(/\s/g, '').toUpperCase();
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Scans text for direct identifiers (research-data.md §8, T8): BSN (11-test), IBAN (mod 97), Dutch postcode,
 * e-mail, phone numbers, day dates and any fixture name or street.
 */
export function scanText(text: string, where: string, names: readonly string[]): IdentifierHit[] {
  const hits: IdentifierHit[] = [];
  for (const m of text.matchAll(/(?<![\dA-Za-z])\d{9}(?![\dA-Za-z])/g)) if (elevenTest(m[0])) hits.push({ kind: 'bsn', where });
  for (const m of text.matchAll(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}\b/g)) if (ibanValid(m[0])) hits.push({ kind: 'iban', where });
  if (/\b[1-9]\d{3} ?[A-Z]{2}\b/.test(text)) hits.push({ kind: 'postcode', where });
  if (/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/.test(text)) hits.push({ kind: 'email', where });
  if (/(?:\+31|0031)[\s-]?\d(?:[\s-]?\d){8}|(?<!\d)06[\s-]?\d{8}(?!\d)|(?<!\d)0\d{2}[\s-]?\d{7}(?!\d)/.test(text)) hits.push({ kind: 'phone', where });
  if (/\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b/.test(text)) hits.push({ kind: 'date', where });
  const nameRe = namePattern(names);
  if (nameRe && nameRe.test(text)) hits.push({ kind: 'name', where });
  return hits;
}

const namePatterns = new Map<string, RegExp | undefined>();

/** One case-insensitive whole-word alternation per name list, compiled once. */
function namePattern(names: readonly string[]): RegExp | undefined {
  const key = names.join('\u0000');
  if (!namePatterns.has(key)) {
    const terms = names.filter((n) => n.trim().length > 0).map(escape);
    namePatterns.set(key, terms.length === 0 ? undefined : new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.join('|')})(?![\\p{L}\\p{N}])`, 'iu'));
  }
  return namePatterns.get(key);
}

/** Scans every string of a JSON value; `exempt` paths hold fields whose format is checked elsewhere (dates, hashes). */
export function scanJson(value: unknown, where: string, names: readonly string[], exempt: ReadonlySet<string>): IdentifierHit[] {
  const hits: IdentifierHit[] = [];
  const walk = (v: unknown, path: string) => {
    if (exempt.has(path)) return;
    if (typeof v === 'string') hits.push(...scanText(v, `${where}:${path}`, names));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, `${path}[]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        hits.push(...scanText(k, `${where}:${path}.<key>`, names));
        walk(x, `${path}.${k}`);
      }
    }
  };
  walk(value, '$');
  return hits;
}
