import type { ColumnCodes } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { ResearchError } from '../research.errors.js';
import { intersectBoxes, type Box } from './boxes.js';
import type { CompletenessContext } from './measures.js';
import { cellBox, compileBox, enumerateCells, isStructuralBox, kindBoxes } from './table-cells.js';
import { planTable, type ReleaseContext, type TableParameters, type TablePlan, type TableRequest } from './table-plan.js';

interface Tally {
  codes: string[];
  count: number;
}

function meanFromTallies(plan: TablePlan, tallies: readonly Tally[], zeroBoxes: readonly Box[], ctx: CompletenessContext): number {
  const structureKind = plan.measure.denominator ? kindBoxes(plan, ctx).n : {};
  const cells = enumerateCells(plan).filter((c) => c.inner);
  const open = cells.filter((c) => !isStructuralBox(intersectBoxes(cellBox(plan, c), structureKind), zeroBoxes));
  if (open.length === 0) return 0;
  const openKeys = new Set(open.map((c) => plan.dimensions.map((d) => c.key[d.name]).join('|')));
  let persons = 0;
  for (const t of tallies) {
    const key = plan.dimensions.map((d, i) => d.dimension.generalise(t.codes[i]!, d.level)).join('|');
    if (openKeys.has(key)) persons += t.count;
  }
  return persons / open.length;
}

/** Level vectors at least as coarse as the request, fewest steps first, then lexicographically. */
function coarserVectors(plan: TablePlan): number[][] {
  const ranges = plan.dimensions.map((d) => Array.from({ length: d.dimension.topLevel - d.level + 1 }, (_, k) => d.level + k));
  let vectors: number[][] = [[]];
  for (const r of ranges) vectors = vectors.flatMap((v) => r.map((l) => [...v, l]));
  const steps = (v: number[]) => v.reduce((s, l, i) => s + l - plan.dimensions[i]!.level, 0);
  const firstDifference = (a: number[], b: number[]) => a.findIndex((x, i) => x !== b[i]);
  return vectors
    .filter((v) => steps(v) > 0)
    .sort((a, b) => {
      const i = firstDifference(a, b);
      return steps(a) - steps(b) || (i < 0 ? 0 : a[i]! - b[i]!);
    });
}

/**
 * Refuses a table whose mean persons per inner, non-structural cell is below the minimum (research-data.md §4.2),
 * naming the least-coarsened level vector that would pass; the hint carries no counts.
 */
export function assertDenseEnough(
  registry: Registry,
  release: ReleaseContext,
  request: TableRequest,
  plan: TablePlan,
  params: TableParameters,
  finestLevels: Readonly<Record<string, number>>,
  rows: readonly ColumnCodes[],
  zeroBoxes: readonly Box[],
  ctx: CompletenessContext,
): void {
  const inBase = compileBox(plan.baseBox);
  const byKey = new Map<string, Tally>();
  for (const row of rows) {
    if (!inBase(row)) continue;
    const codes = plan.dimensions.map((d) => row[d.name as keyof ColumnCodes]);
    const key = codes.join('|');
    const t = byKey.get(key);
    if (t) t.count += 1;
    else byKey.set(key, { codes, count: 1 });
  }
  const tallies = [...byKey.values()];
  if (meanFromTallies(plan, tallies, zeroBoxes, ctx) >= params.minMeanCellSize) return;

  for (const vector of coarserVectors(plan)) {
    const candidate: TableRequest = { ...request, dimensions: plan.dimensions.map((d, i) => ({ name: d.name, level: vector[i]! })) };
    let coarser: TablePlan;
    try {
      coarser = planTable(registry, release, candidate, params, finestLevels);
    } catch {
      continue;
    }
    if (meanFromTallies(coarser, tallies, zeroBoxes, ctx) >= params.minMeanCellSize) {
      throw new ResearchError('TABLE_TOO_SPARSE', `fewer than ${params.minMeanCellSize} persons per cell on average; a coarser table passes`, {
        details: { minMeanCellSize: params.minMeanCellSize, coarserDimensions: candidate.dimensions },
      });
    }
  }
  throw new ResearchError('TABLE_TOO_SPARSE', `fewer than ${params.minMeanCellSize} persons per cell on average, at every coarser level`, {
    details: { minMeanCellSize: params.minMeanCellSize },
  });
}
