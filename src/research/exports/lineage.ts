import { columnCodes, type ReleasePerson, type ReleaseColumn } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';

/** An earlier export of the same project, rebuilt from its frozen rows, stored node and stored suppressed set. */
export interface EarlierExport {
  exportId: string;
  registry: Registry;
  persons: readonly ReleasePerson[];
  /** Exported columns with the level each was delivered at. */
  columns: ReadonlyArray<{ name: string; level: number }>;
  suppressedPersonKeys: readonly string[];
}

export const ABSENT = 'ABSENT';

/** What the researcher holds about each person from one earlier export, keyed by person; ABSENT when not delivered. */
export function deliveredValues(earlier: EarlierExport): Map<string, string> {
  const suppressed = new Set(earlier.suppressedPersonKeys);
  const out = new Map<string, string>();
  for (const p of earlier.persons) {
    if (suppressed.has(p.personKey)) continue;
    const codes = columnCodes(p);
    out.set(p.personKey, earlier.columns.map((c) => earlier.registry.dimension(c.name).generalise(codes[c.name as ReleaseColumn], c.level)).join('\u001f'));
  }
  return out;
}

/**
 * Join classes (research-data.md §5.6): persons with the same values in every earlier export of the project (pids
 * link them) share a class id; k, ℓ and risk are then evaluated within classes, i.e. on the join.
 */
export function lineageClasses(persons: readonly ReleasePerson[], earlier: readonly EarlierExport[]): Int32Array {
  const delivered = earlier.map(deliveredValues);
  const ids = new Map<string, number>();
  return Int32Array.from(
    persons.map((p) => {
      const key = delivered.map((d) => d.get(p.personKey) ?? ABSENT).join('\u001e');
      if (!ids.has(key)) ids.set(key, ids.size);
      return ids.get(key)!;
    }),
  );
}
