import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { columnCodes, type ReleasePerson, type ReleaseColumn } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { syntheticRegister } from '../testing/synthetic-register.js';
import { testPolicy } from '../testing/export-fixtures.js';
import { findOptimalNode } from './export-bundle.js';

interface OracleNode {
  levels: number[];
  loss: number;
  discernibility: number;
}

/**
 * Brute force, written apart from the engine: every node, every person, straight from the registry's generalise();
 * no integer coding, no roll-up.
 */
function oracle(registry: Registry, persons: readonly ReleasePerson[], qis: string[], mins: number[], opts: { k: number; l: number; limit: number; outcome: boolean; rereferral: boolean }): OracleNode | undefined {
  const rows = persons.map(columnCodes);
  const n = rows.length;
  let nodes: number[][] = [[]];
  qis.forEach((q, i) => {
    const top = registry.dimension(q).topLevel;
    nodes = nodes.flatMap((v) => Array.from({ length: top - mins[i]! + 1 }, (_, k) => [...v, mins[i]! + k]));
  });
  let best: OracleNode | undefined;
  for (const levels of nodes) {
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const key = qis.map((q, d) => registry.dimension(q).generalise(r[q as ReleaseColumn], levels[d]!)).join('|');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    let suppressed = 0;
    let kept = 0;
    let classes = 0;
    let disc = 0;
    let lossSum = 0;
    for (const members of groups.values()) {
      const outcomes = new Set(members.map((i) => registry.dimension('outcome').generalise(rows[i]!.outcome, 1)));
      const rr = new Set(members.map((i) => registry.dimension('rereferral').generalise(rows[i]!.rereferral, 1)).filter((v) => v !== 'CENSORED'));
      const ok = members.length >= opts.k && (!opts.outcome || outcomes.size >= opts.l) && (!opts.rereferral || rr.size === 0 || rr.size >= opts.l);
      if (!ok) {
        suppressed += members.length;
        continue;
      }
      kept += members.length;
      classes += 1;
      disc += members.length ** 2;
      for (const i of members) {
        qis.forEach((q, d) => {
          const dim = registry.dimension(q);
          const code = dim.generalise(rows[i]![q as ReleaseColumn], levels[d]!);
          lossSum += (dim.leafCount(levels[d]!, code) - 1) / (dim.codes(0).length - 1);
        });
      }
    }
    disc += suppressed * n;
    const loss = (lossSum + suppressed * qis.length) / (n * qis.length);
    const feasible = kept > 0 && suppressed <= opts.limit * n + 1e-9 && classes / kept <= 0.09 + 1e-12;
    if (!feasible) continue;
    const better =
      !best ||
      (Math.abs(loss - best.loss) > 1e-12 ? loss < best.loss : disc !== best.discernibility ? disc < best.discernibility : levels.join() < best.levels.join());
    if (better) best = { levels, loss, discernibility: disc };
  }
  return best;
}

describe('optimal lattice search against a brute-force oracle (T4)', () => {
  it('finds the same optimum Loss and the same tie-broken node', () => {
    const qiSets = [
      ['age', 'sex', 'geo'],
      ['age', 'geo', 'period'],
      ['sex', 'geo', 'referral_source', 'attempts'],
      ['age', 'sex', 'period', 'referral_source'],
    ];
    let feasible = 0;
    let infeasible = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.oneof(fc.integer({ min: 3, max: 60 }), fc.integer({ min: 150, max: 700 })),
        fc.constantFrom(...qiSets),
        fc.integer({ min: 5, max: 9 }),
        fc.constantFrom(0, 0.01, 0.05),
        fc.boolean(),
        fc.boolean(),
        (seed, size, qis, k, limit, withOutcome, withRereferral) => {
          const reg = syntheticRegister({ seed, persons: size, injectUniques: true });
          const columns = [...qis, ...(withOutcome ? ['outcome'] : []), ...(withRereferral ? ['rereferral'] : [])];
          const found = findOptimalNode(reg.registry, reg.persons, { columns, k, suppressionLimit: limit, linkageScope: 'export' }, testPolicy(), []);
          const ordered = found.plan.qis.map((q) => q.name);
          expect(found.result.nodesEvaluated).toBeLessThanOrEqual(1000);
          const expected = oracle(reg.registry, reg.persons, ordered, ordered.map(() => 0), { k, l: 2, limit, outcome: withOutcome, rereferral: withRereferral });
          const best = found.result.best;
          if (!expected) {
            infeasible += 1;
            expect(best).toBeUndefined();
            return;
          }
          feasible += 1;
          expect(best).toBeDefined();
          expect(Math.abs(best!.loss - expected.loss)).toBeLessThanOrEqual(1e-9);
          expect(best!.levels).toEqual(expected.levels);
          expect(best!.discernibility).toBe(expected.discernibility);
        },
      ),
      { numRuns: 25 },
    );
    // Both outcomes must occur, or the comparison proved little.
    expect(feasible).toBeGreaterThan(5);
    expect(infeasible).toBeGreaterThan(0);
  });

  it('respects the project finest levels as the bottom of the lattice', () => {
    const reg = syntheticRegister({ seed: 5, persons: 600 });
    const found = findOptimalNode(reg.registry, reg.persons, { columns: ['age', 'geo'], linkageScope: 'export' }, testPolicy({ finestLevels: { age: 2, geo: 1 } }), []);
    expect(found.result.nodesEvaluated).toBe(3 * 2);
    expect(found.result.best!.levels[0]).toBeGreaterThanOrEqual(2);
    expect(found.result.best!.levels[1]).toBeGreaterThanOrEqual(1);
  });
});
