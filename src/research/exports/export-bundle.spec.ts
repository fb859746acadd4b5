import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ResearchError } from '../research.errors.js';
import { columnCodes, type ReleaseColumn } from '../releases/release-person.js';
import { SeededRandom } from '../../common/seeded-random.js';
import { syntheticRegister } from '../testing/synthetic-register.js';
import { parseExportCsv, testExport } from '../testing/export-fixtures.js';
import type { ExportBundle } from './export-bundle.js';
import type { EarlierExport } from './lineage.js';

const QIS = ['age', 'sex', 'geo', 'period', 'referral_source', 'attempts', 'first_attempt_delay'];
const L1 = (reg: ReturnType<typeof syntheticRegister>, dim: string, code: string, level: number) =>
  level >= 1 ? code : reg.registry.dimension(dim).generaliseFrom(code, level, 1);

/** Independent k-check, as the SQL `GROUP BY QIs HAVING count(DISTINCT pid) < k` of T1. */
function violatingGroups(bundle: ExportBundle, k: number): number {
  const { header, rows } = parseExportCsv(bundle.files['data.csv']);
  const qiCols = header.map((h, i) => (QIS.includes(h) ? i : -1)).filter((i) => i >= 0);
  const groups = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = qiCols.map((i) => r[i]).join('|');
    groups.set(key, (groups.get(key) ?? new Set()).add(r[0]!));
  }
  return [...groups.values()].filter((pids) => pids.size < k).length;
}

function exportOrRefusal(run: () => ExportBundle): ExportBundle | undefined {
  try {
    return run();
  } catch (e) {
    expect(e).toBeInstanceOf(ResearchError);
    expect((e as ResearchError).code).toBe('EXPORT_INFEASIBLE');
    expect((e as ResearchError).status).toBe(422);
    return undefined;
  }
}

const columnSets = [
  ['age', 'sex', 'geo', 'period', 'referral_source', 'outcome', 'rereferral'],
  ['age', 'geo', 'outcome'],
  ['sex', 'period', 'referral_source', 'attempts', 'rereferral'],
  ['age', 'sex', 'geo', 'care_started', 'parent_present'],
];

describe('record-level export', () => {
  it('T1-T3 property: k per person, suppression limit and accounting, distinct ℓ; never a silent violation', () => {
    let served = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom(...columnSets),
        fc.integer({ min: 5, max: 20 }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.record({ age: fc.integer({ min: 0, max: 2 }), geo: fc.integer({ min: 0, max: 1 }), period: fc.integer({ min: 0, max: 2 }) }),
        (seed, size, columns, k, limit, finestLevels) => {
          const reg = syntheticRegister({ seed, persons: size, injectUniques: size > 0 });
          const bundle = exportOrRefusal(() =>
            testExport({ registry: reg.registry, persons: reg.persons, request: { columns, k, suppressionLimit: limit, linkageScope: 'export' }, policy: { ...testPolicyWith(finestLevels) } }),
          );
          if (!bundle) return;
          served += 1;
          const m = bundle.manifest;
          // T1
          expect(violatingGroups(bundle, k)).toBe(0);
          // T2
          const { header, rows } = parseExportCsv(bundle.files['data.csv']);
          expect(m.population.exported + m.population.suppressed).toBe(reg.persons.length);
          expect(rows.length).toBe(m.population.exported);
          expect(m.population.suppressed).toBeLessThanOrEqual(limit * reg.persons.length + 1e-9);
          expect(bundle.suppressedPersonKeys.length).toBe(m.population.suppressed);
          for (const counts of Object.values(m.population.suppressedByStratum)) {
            expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(m.population.suppressed);
          }
          // T3
          const col = (n: string) => header.indexOf(n);
          const groups = new Map<string, string[][]>();
          for (const r of rows) {
            const key = header.map((h, i) => (QIS.includes(h) ? r[i] : '')).join('|');
            groups.set(key, [...(groups.get(key) ?? []), r]);
          }
          for (const members of groups.values()) {
            if (col('outcome') >= 0) {
              const level = m.columns.find((c) => c.name === 'outcome')!.level!;
              expect(new Set(members.map((r) => L1(reg, 'outcome', r[col('outcome')]!, level))).size).toBeGreaterThanOrEqual(2);
            }
            if (col('rereferral') >= 0) {
              const level = m.columns.find((c) => c.name === 'rereferral')!.level!;
              const complete = new Set(members.map((r) => L1(reg, 'rereferral', r[col('rereferral')]!, level)).filter((v) => v !== 'CENSORED'));
              expect(complete.size === 0 || complete.size >= 2).toBe(true);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(served).toBeGreaterThan(5);
  });

  it('T5: a prosecutor who knows every QI exactly succeeds at most 1/k per target and 0.09 on average', () => {
    const reg = syntheticRegister({ seed: 77, persons: 3000, injectUniques: true });
    const columns = ['age', 'sex', 'geo', 'period', 'referral_source', 'attempts', 'first_attempt_delay', 'outcome'];
    const bundle = testExport({ registry: reg.registry, persons: reg.persons, request: { columns, linkageScope: 'export' } });
    const { header, rows } = parseExportCsv(bundle.files['data.csv']);
    const levels = Object.fromEntries(bundle.manifest.columns.filter((c) => c.level !== undefined).map((c) => [c.name, c.level!]));
    const qis = header.filter((h) => QIS.includes(h));
    const suppressed = new Set(bundle.suppressedPersonKeys);
    const targets = reg.persons.filter((p) => !suppressed.has(p.personKey)).map(columnCodes);
    const rowKey = (r: string[]) => qis.map((q) => r[header.indexOf(q)]).join('|');
    const candidatesByKey = new Map<string, number>();
    for (const r of rows) candidatesByKey.set(rowKey(r), (candidatesByKey.get(rowKey(r)) ?? 0) + 1);
    const successes = targets.map((t) => {
      const covering = qis.map((q) => reg.registry.dimension(q).generalise(t[q as ReleaseColumn], levels[q]!)).join('|');
      return 1 / candidatesByKey.get(covering)!;
    });
    const max = Math.max(...successes);
    const mean = successes.reduce((a, b) => a + b, 0) / successes.length;
    expect(max).toBeLessThanOrEqual(1 / 5);
    expect(mean).toBeLessThanOrEqual(0.09);
    expect(mean).toBeCloseTo(bundle.manifest.risk.average, 4);

    // Monte-Carlo attacker: pick a target, guess uniformly among its candidates.
    const rng = new SeededRandom(5);
    const trials = 20_000;
    let hits = 0;
    for (let i = 0; i < trials; i += 1) if (rng.next() < successes[rng.int(0, successes.length - 1)]!) hits += 1;
    const rate = hits / trials;
    expect(Math.abs(rate - mean)).toBeLessThanOrEqual(2.576 * Math.sqrt((mean * (1 - mean)) / trials));
  });

  it('is deterministic: same inputs give byte-identical files and manifest', () => {
    const reg = syntheticRegister({ seed: 9, persons: 1200 });
    const request = { columns: columnSets[0]!, linkageScope: 'export' as const };
    const a = testExport({ registry: reg.registry, persons: reg.persons, request });
    const b = testExport({ registry: reg.registry, persons: [...reg.persons].reverse(), request });
    expect(b.files['data.csv'].equals(a.files['data.csv'])).toBe(true);
    expect(b.files['codebook.json'].equals(a.files['codebook.json'])).toBe(true);
    expect(b.manifestBytes.equals(a.manifestBytes)).toBe(true);
  });

  it('refuses with EXPORT_INFEASIBLE naming the QI to coarsen, never relaxing k', () => {
    const reg = syntheticRegister({ seed: 2, persons: 300 });
    try {
      testExport({ registry: reg.registry, persons: reg.persons.slice(0, 8), request: { columns: ['age', 'sex'], k: 10, linkageScope: 'export' } });
      throw new Error('expected a refusal');
    } catch (e) {
      expect((e as ResearchError).code).toBe('EXPORT_INFEASIBLE');
      expect((e as ResearchError).status).toBe(422);
    }
    expect(() => testExport({ registry: reg.registry, persons: reg.persons, request: { columns: ['age'], k: 3, linkageScope: 'export' } })).toThrow(/k may only be raised/);
    expect(() => testExport({ registry: reg.registry, persons: reg.persons, request: { columns: ['age'], suppressionLimit: 0.2, linkageScope: 'export' } })).toThrow(/lowered/);
  });

  it('T7: k and ℓ hold on the join of two exports of a project; export scope joins nothing', () => {
    const reg = syntheticRegister({ seed: 31, persons: 4000 });
    const first = testExport({
      registry: reg.registry,
      persons: reg.persons,
      exportId: 'export-1',
      request: { columns: ['age', 'sex', 'geo'], linkageScope: 'project' },
    });
    const earlier: EarlierExport = {
      exportId: 'export-1',
      registry: reg.registry,
      persons: reg.persons,
      columns: first.manifest.columns.filter((c) => c.name !== 'pid').map((c) => ({ name: c.name, level: c.level! })),
      suppressedPersonKeys: first.suppressedPersonKeys,
    };
    const second = testExport({
      registry: reg.registry,
      persons: reg.persons,
      exportId: 'export-2',
      earlierExports: [earlier],
      request: { columns: ['period', 'referral_source', 'rereferral'], linkageScope: 'project' },
    });
    expect(second.manifest.pseudonymisation.linkedExports).toEqual(['export-1']);
    const a = parseExportCsv(first.files['data.csv']);
    const b = parseExportCsv(second.files['data.csv']);
    const byPid = new Map(a.rows.map((r) => [r[0]!, r.slice(1).join('|')]));
    const joinGroups = new Map<string, string[][]>();
    for (const r of b.rows) {
      const key = `${byPid.get(r[0]!) ?? 'ABSENT'}#${b.header.map((h, i) => (QIS.includes(h) ? r[i] : '')).join('|')}`;
      joinGroups.set(key, [...(joinGroups.get(key) ?? []), r]);
    }
    expect(b.rows.filter((r) => byPid.has(r[0]!)).length).toBeGreaterThan(0);
    for (const members of joinGroups.values()) {
      expect(members.length).toBeGreaterThanOrEqual(5);
      const rr = new Set(members.map((r) => L1(reg, 'rereferral', r[b.header.indexOf('rereferral')]!, 0)).filter((v) => v !== 'CENSORED'));
      expect(rr.size === 0 || rr.size >= 2).toBe(true);
    }
    expect(second.manifest.privacy.k.scope).toBe('project-join');

    const isolated = testExport({ registry: reg.registry, persons: reg.persons, exportId: 'export-3', saltSeed: 999, request: { columns: ['period', 'rereferral'], linkageScope: 'export' } });
    const c = parseExportCsv(isolated.files['data.csv']);
    expect(c.rows.filter((r) => byPid.has(r[0]!)).length).toBe(0);
  });
});

function testPolicyWith(finestLevels: Record<string, number>) {
  return { allowedColumns: [...QIS, 'outcome', 'rereferral', 'care_started', 'followup_reached', 'parent_present'], finestLevels, k: 5, l: 2, suppressionLimit: 0.05, maxAverageRisk: 0.09 };
}
