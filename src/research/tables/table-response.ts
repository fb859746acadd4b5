import { isEmptyBox, type Box } from './boxes.js';
import type { ValueKind } from './measures.js';
import { isSuppressed, type ValueStatus } from './primary-rules.js';
import type { RegisterCell } from './secondary-suppression.js';
import type { ComputedTable } from './table-cells.js';
import type { TableParameters } from './table-plan.js';

export interface TableResponseCell {
  key: Record<string, string>;
  persons: number | null;
  censored?: number | null;
  n?: number | null;
  x?: number | null;
  rate?: number | null;
  ci95?: [number, number] | null;
  status: Partial<Record<ValueKind, ValueStatus>>;
}

export interface TableProtection {
  tau: number;
  g: number;
  p: number;
  minMeanCellSize: number;
  primary: number;
  secondary: number;
}

export interface TableResponseBody {
  releaseId: string;
  mode: 'sdc';
  measure: string;
  denominator: string;
  dimensions: Array<{ name: string; level: number }>;
  filters: Array<{ dimension: string; level: number; in: string[] }>;
  cells: TableResponseCell[];
  protection: TableProtection;
}

/** One value for `research_register_cells`; `boxId` is the canonical identity a later audit matches on. */
export interface RegisterRow extends RegisterCell {
  boxId: string;
  cellKey: Record<string, string>;
  kind: ValueKind;
}

const Z95 = 1.959963984540054;
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Wilson score interval for x of n at 95 %. */
export function wilson95(x: number, n: number): [number, number] {
  const p = x / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [round3(Math.max(0, centre - half)), round3(Math.min(1, centre + half))];
}

export function buildTableResponse(
  releaseId: string,
  table: ComputedTable,
  status: readonly ValueStatus[],
  params: TableParameters,
): TableResponseBody {
  const { plan } = table;
  const shown = (i: number) => (status[i] === 'published' || status[i] === 'structural' ? table.values[i]!.value : null);
  const cells = table.cells.map((cell, c) => {
    const out: TableResponseCell = { key: cell.key, persons: null, status: {} };
    for (const kind of table.kinds) {
      const i = table.indexOf(c, kind)!;
      out[kind] = shown(i);
      out.status[kind] = status[i]!;
    }
    if (plan.measure.rate) {
      if (!table.kinds.includes('n')) {
        out.n = out.persons;
        out.status.n = out.status.persons;
      }
      const ready = out.n !== null && out.n !== undefined && out.n > 0 && out.x !== null && out.x !== undefined;
      out.rate = ready ? round3(out.x! / out.n!) : null;
      out.ci95 = ready ? wilson95(out.x!, out.n!) : null;
    }
    return out;
  });
  return {
    releaseId,
    mode: 'sdc',
    measure: plan.measure.name,
    denominator: plan.measure.denominatorLabel,
    dimensions: plan.dimensions.map((d) => ({ name: d.name, level: d.level })),
    filters: plan.filters.map((f) => ({ dimension: f.dimension, level: f.level, in: [...f.codes] })),
    cells,
    protection: {
      tau: params.tau,
      g: params.g,
      p: params.p,
      minMeanCellSize: params.minMeanCellSize,
      primary: status.filter((s) => s === 'suppressed_primary').length,
      secondary: status.filter((s) => s === 'suppressed_secondary').length,
    },
  };
}

/** The rows a served table appends to the output register; empty boxes (zeros by definition) are left out. */
export function registerRows(table: ComputedTable, status: readonly ValueStatus[], boxIdOf: (box: Box) => string): RegisterRow[] {
  return table.values.flatMap((v, i) => {
    if (isEmptyBox(v.box)) return [];
    const s = status[i]!;
    return [{ box: v.box, boxId: boxIdOf(v.box), cellKey: table.cells[v.cell]!.key, kind: v.kind, value: isSuppressed(s) ? null : v.value, status: s }];
  });
}
