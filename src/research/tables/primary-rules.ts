import { ResearchError } from '../research.errors.js';
import { isEmptyBox, type Box } from './boxes.js';
import { isStructuralBox, type ComputedTable } from './table-cells.js';
import type { ValueKind } from './measures.js';

export type ValueStatus = 'published' | 'suppressed_primary' | 'suppressed_secondary' | 'structural';

export interface PrimaryParameters {
  tau: number;
  g: number;
}

export const isSuppressed = (s: ValueStatus) => s === 'suppressed_primary' || s === 'suppressed_secondary';

/** Group rule (research-data.md §4.3): a sensitive count too close to 0 or to its total; an empty total reveals nothing. */
export function groupRuleFails(count: number, total: number, g: number): boolean {
  return total > 0 && Math.min(count, total - count) < g;
}

export function thresholdFails(count: number, tau: number): boolean {
  return count > 0 && count < tau;
}

/** The value x is judged against: n, or persons for a rate whose denominator is everybody. */
export function denominatorKind(kinds: readonly ValueKind[]): ValueKind {
  return kinds.includes('n') ? 'n' : 'persons';
}

/**
 * Primary suppression (research-data.md §4.3): threshold on group counts, group rule on sensitive counts (x within n,
 * outcome counts within their row, and their sums at every coarser outcome level), structural zeros, dependencies.
 */
export function applyPrimaryRules(table: ComputedTable, params: PrimaryParameters, zeroBoxes: readonly Box[]): ValueStatus[] {
  const { plan, cells, values } = table;
  const den = denominatorKind(table.kinds);
  const sensitiveDim = plan.dimensions.findIndex((d) => d.sensitive);
  const status: ValueStatus[] = values.map(() => 'published');
  const marginOf = (cell: number, dim: number) => {
    const radix = plan.dimensions.map((d) => d.codes.length + 1);
    const stride = radix.slice(dim + 1).reduce((a, b) => a * b, 1);
    return cell + (radix[dim]! - 1 - cells[cell]!.position[dim]!) * stride;
  };
  const at = (cell: number, kind: ValueKind) => table.valueAt(cell, kind)!;

  values.forEach((v, i) => {
    if (isEmptyBox(v.box)) return;
    if (isStructuralBox(v.box, zeroBoxes)) {
      if (v.value !== 0) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'a release row falls in a declared structural zero');
      status[i] = 'structural';
      return;
    }
    const cell = cells[v.cell]!;
    let fails: boolean;
    if (v.kind === 'x') fails = groupRuleFails(v.value, at(v.cell, den), params.g);
    else if (sensitiveDim >= 0 && cell.position[sensitiveDim]! >= 0) fails = groupRuleFails(v.value, at(marginOf(v.cell, sensitiveDim), v.kind), params.g);
    else fails = thresholdFails(v.value, params.tau);
    if (fails) status[i] = 'suppressed_primary';
  });

  if (sensitiveDim >= 0) applyCoarserGroupRule(table, params.g, sensitiveDim, status, marginOf);
  applyDependencies(table, status, 'suppressed_primary');
  return status;
}

/** Sums of sensitive cells implied at coarser levels (REACHED = two outcome codes) must pass the group rule too. */
function applyCoarserGroupRule(table: ComputedTable, g: number, d: number, status: ValueStatus[], marginOf: (cell: number, dim: number) => number): void {
  const { plan, cells } = table;
  const sd = plan.dimensions[d]!;
  const den = denominatorKind(table.kinds);
  cells.forEach((row, rowIndex) => {
    if (row.position[d] !== -1) return;
    const memberCell = (codeIndex: number) => {
      const radix = plan.dimensions.map((x) => x.codes.length + 1);
      const stride = radix.slice(d + 1).reduce((a, b) => a * b, 1);
      return rowIndex - (radix[d]! - 1 - codeIndex) * stride;
    };
    for (let level = sd.level + 1; level <= sd.dimension.topLevel; level += 1) {
      for (const parent of sd.dimension.codes(level)) {
        const members = sd.codes.map((c, k) => ({ c, k })).filter(({ c }) => sd.dimension.generaliseFrom(c, sd.level, level) === parent);
        if (members.length < 2) continue;
        const memberCells = members.map((m) => memberCell(m.k));
        for (const kind of table.kinds) {
          const sum = memberCells.reduce((s, c) => s + table.valueAt(c, kind)!, 0);
          const total = kind === 'x' ? memberCells.reduce((s, c) => s + table.valueAt(c, den)!, 0) : table.valueAt(marginOf(memberCells[0]!, d), kind)!;
          if (!groupRuleFails(sum, total, g)) continue;
          for (const c of memberCells) {
            const i = table.indexOf(c, kind)!;
            if (status[i] === 'published') status[i] = 'suppressed_primary';
          }
        }
      }
    }
  });
}

/** A rate is published only with its n and x: hiding the denominator hides x (research-data.md §4.3). */
export function applyDependencies(table: ComputedTable, status: ValueStatus[], as: 'suppressed_primary' | 'suppressed_secondary'): number[] {
  if (!table.kinds.includes('x')) return [];
  const den = denominatorKind(table.kinds);
  const changed: number[] = [];
  table.cells.forEach((_, c) => {
    const x = table.indexOf(c, 'x')!;
    if (isSuppressed(status[table.indexOf(c, den)!]!) && status[x] === 'published') {
      status[x] = as;
      changed.push(x);
    }
  });
  return changed;
}
