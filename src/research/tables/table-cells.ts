import type { ColumnCodes } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { ALL } from '../registry/research-registry.js';
import { boxWithin, intersectBoxes, isEmptyBox, type Box } from './boxes.js';
import { VALUE_KIND_ORDER, valueKinds, type CompletenessContext, type ValueKind } from './measures.js';
import type { TablePlan } from './table-plan.js';

export interface TableCell {
  /** Dimension name -> code, or `*` for a margin; keys in registry order. */
  key: Record<string, string>;
  /** Per planned dimension, the code's index or -1 for `*`. */
  position: number[];
  inner: boolean;
}

export interface TableValue {
  cell: number;
  kind: ValueKind;
  box: Box;
  value: number;
}

export interface ComputedTable {
  plan: TablePlan;
  kinds: ValueKind[];
  cells: TableCell[];
  /** In canonical order: cells in key order, kinds in VALUE_KIND_ORDER within a cell. */
  values: TableValue[];
  valueAt(cell: number, kind: ValueKind): number | undefined;
  indexOf(cell: number, kind: ValueKind): number | undefined;
}

type Predicate = (row: ColumnCodes) => boolean;

export function compileBox(box: Box): Predicate {
  const tests = Object.entries(box).map(([attr, codes]) => [attr as keyof ColumnCodes, new Set(codes)] as const);
  return (row) => tests.every(([attr, codes]) => codes.has(row[attr]));
}

/** Declared structural zeros of the registry as boxes over level-0 codes. */
export function declaredZeroBoxes(registry: Registry): Box[] {
  return registry.structuralZeros.map((z) => {
    const box: Record<string, readonly string[]> = {};
    for (const [dim, cond] of Object.entries(z.when)) {
      const d = registry.dimension(dim);
      box[dim] = cond.codes.flatMap((c) => d.leafCodes(cond.level, c));
    }
    box[z.column] = intersectBoxes(box, { [z.column]: z.codes })[z.column]!;
    return box;
  });
}

/** The restriction each value kind adds to a cell's rows. */
export function kindBoxes(plan: TablePlan, ctx: CompletenessContext): Record<ValueKind, Box> {
  const m = plan.measure;
  const den = m.denominator?.(ctx) ?? {};
  const window = plan.baseBox.period!;
  const censoredMonths = den.period ? window.filter((p) => !den.period!.includes(p)) : [];
  return {
    persons: {},
    n: den,
    x: intersectBoxes(den, m.success ?? {}),
    censored: { period: censoredMonths },
  };
}

export function cellBox(plan: TablePlan, cell: TableCell): Box {
  let box: Box = plan.baseBox;
  plan.dimensions.forEach((d, i) => {
    const pos = cell.position[i]!;
    const leaves = pos < 0 ? d.codes.flatMap((c) => d.dimension.leafCodes(d.level, c)) : d.dimension.leafCodes(d.level, d.codes[pos]!);
    box = intersectBoxes(box, { [d.name]: leaves });
  });
  return box;
}

export function enumerateCells(plan: TablePlan): TableCell[] {
  const radix = plan.dimensions.map((d) => d.codes.length + 1);
  const cells: TableCell[] = [];
  const total = radix.reduce((a, b) => a * b, 1);
  for (let i = 0; i < total; i += 1) {
    let rest = i;
    const position = new Array<number>(radix.length);
    for (let d = radix.length - 1; d >= 0; d -= 1) {
      const r = rest % radix[d]!;
      rest = Math.floor(rest / radix[d]!);
      position[d] = r === radix[d]! - 1 ? -1 : r;
    }
    const key: Record<string, string> = {};
    plan.dimensions.forEach((d, k) => (key[d.name] = position[k]! < 0 ? ALL : d.codes[position[k]!]!));
    cells.push({ key, position, inner: position.every((p) => p >= 0) });
  }
  return cells;
}

/** Counts every value of every cell, margins included, in one pass over the rows. */
export function computeTable(plan: TablePlan, rows: readonly ColumnCodes[], ctx: CompletenessContext): ComputedTable {
  const cells = enumerateCells(plan);
  const kinds = valueKinds(plan.measure).sort((a, b) => VALUE_KIND_ORDER.indexOf(a) - VALUE_KIND_ORDER.indexOf(b));
  const kb = kindBoxes(plan, ctx);
  const inBase = compileBox(plan.baseBox);
  const tests = kinds.map((k) => compileBox(kb[k]));
  const radix = plan.dimensions.map((d) => d.codes.length + 1);
  const strides = radix.map((_, i) => radix.slice(i + 1).reduce((a, b) => a * b, 1));
  const counts = kinds.map(() => new Float64Array(cells.length));
  const codeIndex = plan.dimensions.map((d) => new Map(d.codes.map((c, i) => [c, i])));
  const masks = 1 << plan.dimensions.length;

  for (const row of rows) {
    if (!inBase(row)) continue;
    const pos = plan.dimensions.map((d, i) => codeIndex[i]!.get(d.dimension.generalise(row[d.name as keyof ColumnCodes], d.level)));
    if (pos.some((p) => p === undefined)) continue;
    const hits = tests.map((t) => t(row));
    for (let mask = 0; mask < masks; mask += 1) {
      let cell = 0;
      pos.forEach((p, i) => (cell += ((mask >> i) & 1 ? radix[i]! - 1 : p!) * strides[i]!));
      hits.forEach((hit, k) => {
        if (hit) counts[k]![cell]! += 1;
      });
    }
  }

  const values: TableValue[] = [];
  const lookup = new Map<string, number>();
  cells.forEach((cell, ci) => {
    const box = cellBox(plan, cell);
    kinds.forEach((kind, k) => {
      lookup.set(`${ci}:${kind}`, values.length);
      values.push({ cell: ci, kind, box: intersectBoxes(box, kb[kind]), value: counts[k]![ci]! });
    });
  });
  return {
    plan,
    kinds,
    cells,
    values,
    valueAt: (cell, kind) => {
      const i = lookup.get(`${cell}:${kind}`);
      return i === undefined ? undefined : values[i]!.value;
    },
    indexOf: (cell, kind) => lookup.get(`${cell}:${kind}`),
  };
}

export function isStructuralBox(box: Box, zeroBoxes: readonly Box[]): boolean {
  return !isEmptyBox(box) && zeroBoxes.some((z) => boxWithin(box, z));
}

/**
 * Mean persons per inner, non-structural cell (research-data.md §4.2). A cell is structural for a rate when its
 * denominator is, e.g. parent presence among adults.
 */
export function meanInnerCellSize(table: ComputedTable, zeroBoxes: readonly Box[]): number {
  const kindForStructure: ValueKind = table.kinds.includes('n') ? 'n' : 'persons';
  let persons = 0;
  let cells = 0;
  table.cells.forEach((cell, ci) => {
    if (!cell.inner) return;
    const v = table.values[table.indexOf(ci, kindForStructure)!]!;
    if (isStructuralBox(v.box, zeroBoxes)) return;
    persons += table.valueAt(ci, 'persons')!;
    cells += 1;
  });
  return cells === 0 ? 0 : persons / cells;
}
