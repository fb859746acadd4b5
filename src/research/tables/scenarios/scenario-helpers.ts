import { columnCodes, type ReleasePerson } from '../../releases/release-person.js';
import type { Registry } from '../../registry/dimension-registry.js';
import { testRelease } from '../../testing/person-builder.js';
import { completeness } from '../audit-context.js';
import type { ValueKind } from '../measures.js';
import { applyPrimaryRules, type ValueStatus } from '../primary-rules.js';
import { computeTable, declaredZeroBoxes } from '../table-cells.js';
import { DEFAULT_TABLE_PARAMETERS, planTable, type TableRequest } from '../table-plan.js';

/** Counts and primary statuses of a table, keyed by `code|code|…` then value kind. */
export function primaryTable(registry: Registry, rows: readonly ReleasePerson[], request: TableRequest) {
  const plan = planTable(registry, testRelease, request, DEFAULT_TABLE_PARAMETERS, {});
  const table = computeTable(plan, rows.map(columnCodes), completeness(testRelease.months, testRelease.cutoff));
  const status = applyPrimaryRules(table, DEFAULT_TABLE_PARAMETERS, declaredZeroBoxes(registry));
  const at = (key: string, kind: ValueKind): { value: number; status: ValueStatus } => {
    const cell = table.cells.findIndex((c) => Object.values(c.key).join('|') === key);
    if (cell < 0) throw new Error(`no cell ${key}`);
    const i = table.indexOf(cell, kind)!;
    return { value: table.values[i]!.value, status: status[i]! };
  };
  return { plan, table, status, at };
}
