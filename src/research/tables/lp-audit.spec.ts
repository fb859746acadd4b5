import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { auditCells } from '../verify/verifier-audit.js';
import type { Box } from './boxes.js';
import { FeasibilityAudit, integerWidth } from './lp-audit.js';

interface TinyTable {
  shape: number[];
  inner: number[];
  /** Per cell (inner and margins, grand total last): suppressed or not. */
  suppressed: boolean[];
  p: number;
}

const ATTRS = ['a', 'b', 'c'];
const code = (attr: string, i: number) => `${attr}${i}`;

/** Every cell as a position vector (-1 = margin), inner cells first, the grand total last. */
function cellsOf(shape: number[]): number[][] {
  let cells: number[][] = [[]];
  for (const size of shape) cells = cells.flatMap((c) => [...Array.from({ length: size }, (_, i) => [...c, i]), [...c, -1]]);
  const margins = (c: number[]) => c.filter((x) => x < 0).length;
  return cells.sort((x, y) => margins(x) - margins(y));
}

const innerIndex = (shape: number[], pos: number[]) => pos.reduce((acc, p, d) => acc * shape[d]! + p, 0);
const membersOf = (shape: number[], cell: number[]) => cellsOf(shape).filter((c) => c.every((x) => x >= 0) && c.every((x, d) => cell[d]! < 0 || cell[d] === x));

/**
 * The oracle: every non-negative integer completion of the published cells, by backtracking over the suppressed
 * inner cells (written for this test, independent of both audits). A published cell is checked as soon as its last
 * unknown member is set; sums only grow with the value tried, so an overshoot ends the loop.
 */
function oracleBounds(t: TinyTable): Map<number, { lo: number; hi: number }> {
  const cells = cellsOf(t.shape);
  const members = cells.map((c) => membersOf(t.shape, c).map((m) => innerIndex(t.shape, m)));
  const unknown = cells.map((c, i) => (c.every((x) => x >= 0) && t.suppressed[i] ? innerIndex(t.shape, c) : -1)).filter((x) => x >= 0);
  const values = [...t.inner];
  const sum = (i: number) => members[i]!.reduce((s, m) => s + values[m]!, 0);
  const truth = cells.map((_, i) => sum(i));
  const total = truth[truth.length - 1]!;
  const checksAt = unknown.map(() => [] as number[]);
  cells.forEach((_, i) => {
    if (t.suppressed[i]) return;
    const last = Math.max(...members[i]!.map((m) => unknown.indexOf(m)));
    if (last >= 0) checksAt[last]!.push(i);
  });
  const bounds = new Map<number, { lo: number; hi: number }>();
  const record = () =>
    cells.forEach((_, i) => {
      if (!t.suppressed[i]) return;
      const v = sum(i);
      const b = bounds.get(i) ?? { lo: Infinity, hi: -Infinity };
      bounds.set(i, { lo: Math.min(b.lo, v), hi: Math.max(b.hi, v) });
    });
  const assign = (k: number) => {
    if (k === unknown.length) return record();
    for (let v = 0; v <= total; v += 1) {
      values[unknown[k]!] = v;
      let over = false;
      let ok = true;
      for (const i of checksAt[k]!) {
        const s = sum(i);
        if (s > truth[i]!) over = true;
        if (s !== truth[i]) ok = false;
      }
      if (over) break;
      if (ok) assign(k + 1);
    }
  };
  assign(0);
  return bounds;
}

const tinyTables = fc
  .constantFrom<number[]>([2, 2], [2, 3], [3, 3], [2, 2, 2])
  .chain((shape) => {
    const n = cellsOf(shape).length;
    const innerCount = shape.reduce((a, b) => a * b, 1);
    return fc.record({
      shape: fc.constant(shape),
      inner: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: innerCount, maxLength: innerCount }),
      suppressedInner: fc.uniqueArray(fc.integer({ min: 0, max: innerCount - 1 }), { minLength: 1, maxLength: Math.min(4, innerCount) }),
      suppressedMargins: fc.array(fc.boolean(), { minLength: n - innerCount - 1, maxLength: n - innerCount - 1 }),
      p: fc.integer({ min: 1, max: 6 }),
    });
  })
  .map(({ shape, inner, suppressedInner, suppressedMargins, p }): TinyTable => {
    const innerCount = shape.reduce((a, b) => a * b, 1);
    const suppressed = [...Array.from({ length: innerCount }, (_, i) => suppressedInner.includes(i)), ...suppressedMargins, false];
    return { shape, inner, suppressed, p };
  });

function boxesOf(t: TinyTable): { boxes: Box[]; domains: Map<string, string[]>; values: number[] } {
  const cells = cellsOf(t.shape);
  const domains = new Map(t.shape.map((size, d) => [ATTRS[d]!, Array.from({ length: size }, (_, i) => code(ATTRS[d]!, i))]));
  const boxes = cells.map((c) => Object.fromEntries(c.map((x, d) => [ATTRS[d]!, x < 0 ? domains.get(ATTRS[d]!)! : [code(ATTRS[d]!, x)]])));
  const values = cells.map((c) => membersOf(t.shape, c).reduce((s, m) => s + t.inner[innerIndex(t.shape, m)]!, 0));
  return { boxes, domains, values };
}

describe('LP audit against a brute-force integer oracle (T12)', () => {
  it('verifier MIP bounds equal the oracle, LP bounds contain them, and the engine never passes what the oracle fails', async () => {
    const samples = fc.sample(tinyTables, { numRuns: 150, seed: 12 });
    let engineFailures = 0;
    let verifierPooled = 0;
    for (const t of samples) {
      const { boxes, domains, values } = boxesOf(t);
      const total = values[values.length - 1]!;
      const oracle = oracleBounds(t);
      const suppressed = t.suppressed.map((s, i) => (s ? i : -1)).filter((i) => i >= 0);

      const engine = await FeasibilityAudit.create({ domains, boxes, zeroBoxes: [], total, protectionWidth: t.p, maxAtoms: 10_000, mipNodeLimit: 10_000 });
      try {
        boxes.forEach((_, i) => (t.suppressed[i] ? undefined : engine.setPublished(i, values[i]!)));
        for (const i of suppressed) {
          const o = oracle.get(i)!;
          const lp = engine.lpBounds(i);
          expect(lp.lo).toBeLessThanOrEqual(o.lo + 1e-6);
          expect(lp.hi).toBeGreaterThanOrEqual(o.hi - 1e-6);
          const verdict = engine.check(i, true);
          if (verdict.pass) expect(o.hi - o.lo).toBeGreaterThanOrEqual(t.p);
          else engineFailures += 1;
        }
      } finally {
        engine.dispose();
      }

      // A protection width above every possible LP width forces the verifier's integer re-check on every cell.
      const cells = boxes.map((box, i) => ({ box: box as Record<string, string[]>, value: t.suppressed[i] ? null : values[i]! }));
      const findings = await auditCells(domains, cells, [], total, suppressed, new Set(suppressed), 1000, 10_000, 10_000);
      for (const f of findings) {
        const o = oracle.get(f.index)!;
        if (f.pooled) expect(o.hi - o.lo).toBeGreaterThanOrEqual(1000);
        if (f.pooled || integerWidth(f.lo, f.hi) >= 2000) continue;
        expect(f.integerLo ?? f.lo).toBeCloseTo(o.lo, 6);
        expect(f.integerHi ?? f.hi).toBeCloseTo(o.hi, 6);
      }
      expect(findings.length).toBe(suppressed.length);

      // At the table's own width, cells the verifier certifies from earlier optima must be wide in the oracle too.
      const atP = await auditCells(domains, cells, [], total, suppressed, new Set(suppressed), t.p, 10_000, 10_000);
      for (const f of atP) {
        const o = oracle.get(f.index)!;
        if (f.pass) expect(o.hi - o.lo).toBeGreaterThanOrEqual(t.p);
        if (f.pooled) verifierPooled += 1;
      }
    }
    expect(engineFailures).toBeGreaterThan(0);
    expect(verifierPooled).toBeGreaterThan(0);
  });
});
