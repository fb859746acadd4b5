import { describe, expect, it } from '@jest/globals';
import { SYNTHETIC_GEOGRAPHY, FIXTURE_NAMES, FIXTURE_STREETS } from '../testing/synthetic-register.js';
import { buildResearchRegistry } from '../registry/research-registry.js';
import { monthRange } from '../registry/period-codes.js';
import { scanJson, scanText } from './identifier-scan.js';

const names = [...FIXTURE_NAMES, ...FIXTURE_STREETS];
const kinds = (text: string) => scanText(text, 't', names).map((h) => h.kind);

describe('identifier scanner', () => {
  it.each([
    ['111222333', 'bsn'],
    ['BSN 123456782 in notes', 'bsn'],
    ['NL91ABNA0417164300', 'iban'],
    ['NL91 ABNA 0417 1643 00', 'iban'],
    ['3511 AB', 'postcode'],
    ['3511AB Utrecht', 'postcode'],
    ['jan@example.nl', 'email'],
    ['+31 6 12345678', 'phone'],
    ['0031612345678', 'phone'],
    ['0612345678', 'phone'],
    ['030-1234567', 'phone'],
    ['2024-02-29', 'date'],
    ['29-02-2024', 'date'],
    ['lives on the Kerkstraat', 'name'],
    ['JANSEN', 'name'],
  ])('detects %j as %s', (text, kind) => {
    expect(kinds(text)).toContain(kind);
  });

  it('ignores numbers that fail the 11-test or mod-97', () => {
    expect(kinds('123456789')).not.toContain('bsn');
    expect(kinds('NL92ABNA0417164300')).not.toContain('iban');
  });

  it('finds nothing in any registry code or label', () => {
    const registry = buildResearchRegistry({ registryVersion: '2025.1', geography: SYNTHETIC_GEOGRAPHY, months: monthRange('2022-01', '2025-12') });
    const hits = registry.dimensions.flatMap((d) =>
      Array.from({ length: d.levelCount }, (_, l) => d.codes(l).flatMap((c) => [...scanText(c, `${d.name}`, names), ...scanText(d.label(l, c), d.name, names)])).flat(),
    );
    expect(hits).toEqual([]);
    expect(scanJson(registry.definition, 'registry', names, new Set())).toEqual([]);
  });

  it('skips exempt JSON paths only', () => {
    const doc = { cutoff: '2025-06-30', note: 'born 2001-04-01' };
    expect(scanJson(doc, 'm', names, new Set(['$.cutoff'])).map((h) => h.where)).toEqual(['m:$.note']);
  });
});
