import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import highsImport from 'highs';
import { buildAuditModels } from './audit-model.js';
import type { Box } from './boxes.js';
import { FeasibilityAudit } from './lp-audit.js';

const DOMAINS = new Map<string, string[]>([
  ['a', ['a0', 'a1', 'a2']],
  ['b', ['b0', 'b1']],
  ['c', ['c0', 'c1', 'c2']],
  ['d', ['d0', 'd1']],
]);
const ATTRS = [...DOMAINS.keys()];

const solver = (highsImport as unknown as typeof highsImport.default)();

/** Reference: one variable per full-product atom, bounds by the one-shot LP API (no decomposition, no merging). */
async function referenceBounds(boxes: Box[], published: Map<number, number>, zeros: Box[], target: number, total: number) {
  const highs = await solver;
  let atoms: string[][] = [[]];
  for (const a of ATTRS) atoms = atoms.flatMap((t) => DOMAINS.get(a)!.map((c) => [...t, c]));
  const inBox = (t: string[], box: Box) => Object.entries(box).every(([a, codes]) => codes.includes(t[ATTRS.indexOf(a)]!));
  const live = atoms.map((t, i) => ({ t, i })).filter(({ t }) => !zeros.some((z) => inBox(t, z)));
  const sum = (box: Box) => live.filter(({ t }) => inBox(t, box)).map(({ i }) => `x${i}`).join(' + ') || '0 x0';
  const rows = [...published].map(([b, v], k) => ` r${k}: ${sum(boxes[b]!)} = ${v}`);
  rows.push(` tot: ${live.map(({ i }) => `x${i}`).join(' + ')} = ${total}`);
  const solve = (sense: string) => {
    const lp = `${sense}\n obj: ${sum(boxes[target]!)}\nsubject to\n${rows.join('\n')}\nbounds\n${atoms.map((_, i) => ` x${i} >= 0`).join('\n')}\nend\n`;
    const r = highs.solve(lp, { output_flag: false } as never);
    expect(r.Status).toBe('Optimal');
    return r.ObjectiveValue;
  };
  return { lo: solve('minimize'), hi: solve('maximize') };
}

const boxArb = fc
  .subarray(ATTRS, { minLength: 1, maxLength: 2 })
  .chain((attrs) => fc.tuple(...attrs.map((a) => fc.subarray(DOMAINS.get(a)!, { minLength: 1 }))).map((sets) => Object.fromEntries(attrs.map((a, i) => [a, sets[i]!])) as Box));

describe('junction-tree audit model', () => {
  it('splits a chain of two-attribute tables into cliques', () => {
    const boxes: Box[] = [{ a: ['a0'], b: ['b0'] }, { b: ['b1'], c: ['c0'] }, { c: ['c1'], d: ['d0'] }];
    const { models } = buildAuditModels({ domains: DOMAINS, boxes, zeroBoxes: [], maxAtoms: 1000 });
    expect(models).toHaveLength(1);
    expect(models[0]!.cliques.length).toBeGreaterThan(1);
  });

  it('gives the same LP bounds as the full product of attributes', async () => {
    const cases = fc.sample(
      fc.record({
        boxes: fc.array(boxArb, { minLength: 2, maxLength: 7 }),
        zero: fc.option(boxArb, { nil: undefined }),
        truth: fc.array(fc.tuple(fc.nat(2), fc.nat(1), fc.nat(2), fc.nat(1)), { minLength: 5, maxLength: 40 }),
        suppressMask: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      }),
      { numRuns: 40, seed: 7 },
    );
    for (const c of cases) {
      const zeros = c.zero ? [c.zero] : [];
      const rows = c.truth
        .map(([a, b, cc, d]) => ({ a: `a${a}`, b: `b${b}`, c: `c${cc}`, d: `d${d}` }))
        .filter((r) => !zeros.some((z) => Object.entries(z).every(([k, codes]) => codes.includes(r[k as keyof typeof r]))));
      const inBox = (r: Record<string, string>, box: Box) => Object.entries(box).every(([k, codes]) => codes.includes(r[k]!));
      const values = c.boxes.map((b) => rows.filter((r) => inBox(r, b)).length);
      const audit = await FeasibilityAudit.create({ domains: DOMAINS, boxes: c.boxes, zeroBoxes: zeros, total: rows.length, protectionWidth: 1, maxAtoms: 10_000, mipNodeLimit: 1000 });
      try {
        const published = new Map<number, number>();
        c.boxes.forEach((_, i) => {
          if (!c.suppressMask[i]) {
            published.set(i, values[i]!);
            audit.setPublished(i, values[i]!);
          }
        });
        for (let i = 0; i < c.boxes.length; i += 1) {
          if (!c.suppressMask[i]) continue;
          const mine = audit.lpBounds(i);
          const ref = await referenceBounds(c.boxes, published, zeros, i, rows.length);
          expect(mine.lo).toBeCloseTo(ref.lo, 6);
          expect(mine.hi).toBeCloseTo(ref.hi, 6);
        }
      } finally {
        audit.dispose();
      }
    }
  });
});
