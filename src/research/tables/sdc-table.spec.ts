import { describe, expect, it } from '@jest/globals';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { ResearchError } from '../research.errors.js';
import { columnCodes } from '../releases/release-person.js';
import { syntheticRegister } from '../testing/synthetic-register.js';
import { verifyTable } from '../verify/table-verifier.js';
import { rowInBox, type Box } from './boxes.js';
import { buildSdcTable, tableRequestSha256, type SdcTableInput } from './sdc-table.js';
import { DEFAULT_TABLE_PARAMETERS, type TableRequest } from './table-plan.js';
import { wilson95 } from './table-response.js';

const requests: TableRequest[] = [
  { measure: 'persons', dimensions: [{ name: 'geo', level: 0 }, { name: 'age', level: 3 }] },
  { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }, { name: 'age', level: 2 }, { name: 'sex', level: 0 }] },
  { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }, { name: 'age', level: 3 }] },
  { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }, { name: 'outcome', level: 0 }] },
  { measure: 'reached', dimensions: [{ name: 'geo', level: 0 }], filters: [{ dimension: 'period', level: 3, in: ['2024'] }] },
];

function inputFor(seed: number, size: number, request: TableRequest): SdcTableInput {
  const reg = syntheticRegister({ seed, persons: size, injectUniques: true });
  return { registry: reg.registry, release: { id: '2025-Q2', cutoff: reg.cutoff, months: reg.months }, persons: reg.persons, request, params: DEFAULT_TABLE_PARAMETERS, finestLevels: {}, register: [] };
}

const verify = (input: SdcTableInput, result: Awaited<ReturnType<typeof buildSdcTable>>) =>
  verifyTable({
    registry: input.registry.definition,
    release: input.release,
    persons: input.persons,
    request: input.request,
    params: input.params,
    response: result.response,
    registerRows: result.registerRows,
    register: input.register,
  });

describe('SDC tables end to end', () => {
  it('T13 property: no primary cell published, every primary-suppressed width ≥ P (independent LP + MIP), byte-identical reruns', async () => {
    const samples = fc.sample(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1500, max: 5000 }), fc.constantFrom(...requests)), { numRuns: 8, seed: 13 });
    let served = 0;
    for (const [seed, size, request] of samples) {
      const input = inputFor(seed, size, request);
      let result;
      try {
        result = await buildSdcTable(input);
      } catch (e) {
        expect(e).toBeInstanceOf(ResearchError);
        expect(['TABLE_TOO_SPARSE', 'TABLE_NOT_PROTECTABLE']).toContain((e as ResearchError).code);
        continue;
      }
      served += 1;
      const verdict = await verify(input, result);
      expect(verdict.failures).toEqual([]);
      expect(verdict.passed).toBe(true);
      const again = await buildSdcTable(inputFor(seed, size, request));
      expect(canonicalize(again.response)).toBe(canonicalize(result.response));
      expect(canonicalize(again.registerRows)).toBe(canonicalize(result.registerRows));
    }
    expect(served).toBeGreaterThan(3);
  });

  it('audits a new table against every cell served before from the series', async () => {
    const first = inputFor(41, 2500, { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }, { name: 'age', level: 2 }] });
    const a = await buildSdcTable(first);
    const second: SdcTableInput = { ...first, request: { measure: 'persons', dimensions: [{ name: 'geo', level: 0 }, { name: 'age', level: 3 }] }, register: a.registerRows };
    const b = await buildSdcTable(second);
    expect((await verify(second, b)).failures).toEqual([]);
    // Cells both tables share keep the status they were served with.
    const served = new Map(a.registerRows.map((r) => [r.boxId, r.status]));
    for (const r of b.registerRows) if (served.has(r.boxId)) expect(r.status === 'published').toBe(served.get(r.boxId) === 'published');
  });

  it('T19 (tables): the verifier refuses injected faults', async () => {
    const input = inputFor(43, 2000, { measure: 'rereferral_12m', dimensions: [{ name: 'geo', level: 1 }, { name: 'age', level: 2 }] });
    const result = await buildSdcTable(input);
    const mutate = (edit: (response: Record<string, unknown>, rows: Array<Record<string, unknown>>) => void) => {
      const response = structuredClone(result.response) as unknown as Record<string, unknown>;
      const rows = structuredClone(result.registerRows) as unknown as Array<Record<string, unknown>>;
      edit(response, rows);
      return verifyTable({ registry: input.registry.definition, release: input.release, persons: input.persons, request: input.request, params: input.params, response, registerRows: rows as never, register: [] });
    };
    const cells = result.response.cells;
    const primary = cells.findIndex((c) => Object.values(c.status).includes('suppressed_primary'));
    const secondary = cells.findIndex((c) => Object.values(c.status).includes('suppressed_secondary'));
    expect(primary).toBeGreaterThanOrEqual(0);
    expect(secondary).toBeGreaterThanOrEqual(0);

    const publishPrimary = await mutate((response, rows) => {
      const cell = (response.cells as Array<Record<string, Record<string, string> | number | null>>)[primary]!;
      const kind = Object.entries(cell.status as Record<string, string>).find(([, s]) => s === 'suppressed_primary')![0];
      const row = rows.find((r) => canonicalize(r.cellKey) === canonicalize(cells[primary]!.key) && r.kind === kind)!;
      (cell.status as Record<string, string>)[kind] = 'published';
      row.status = 'published';
      row.value = cell[kind] = 1;
    });
    expect(publishPrimary.passed).toBe(false);

    const wrongValue = await mutate((response) => {
      const cell = (response.cells as Array<Record<string, number | null>>).find((c) => typeof c.persons === 'number')!;
      cell.persons! += 1;
    });
    expect(wrongValue.failures.map((f) => f.check)).toContain('cells');

    const weakerPattern = await mutate((response, rows) => {
      const cell = (response.cells as Array<Record<string, Record<string, string> | number | null>>)[secondary]!;
      const kind = Object.entries(cell.status as Record<string, string>).find(([, s]) => s === 'suppressed_secondary')![0];
      const truth = rows.find((r) => canonicalize(r.cellKey) === canonicalize(cells[secondary]!.key) && r.kind === kind)!;
      const value = recount(input, truth.box as Box);
      (cell.status as Record<string, string>)[kind] = 'published';
      cell[kind] = value;
      truth.status = 'published';
      truth.value = value;
    });
    expect(weakerPattern.passed).toBe(false);

    const droppedRow = await mutate((_response, rows) => rows.pop());
    expect(droppedRow.failures.map((f) => f.check)).toContain('register');
  });

  it('hashes equal requests equally, whatever the order of dimensions and codes', () => {
    const a = tableRequestSha256('2025-Q2', { measure: 'persons', dimensions: [{ name: 'age', level: 2 }, { name: 'geo', level: 1 }], filters: [{ dimension: 'period', level: 3, in: ['2024', '2023'] }] });
    const b = tableRequestSha256('2025-Q2', { measure: 'persons', dimensions: [{ name: 'geo', level: 1 }, { name: 'age', level: 2 }], filters: [{ dimension: 'period', level: 3, in: ['2023', '2024'] }] });
    expect(a).toBe(b);
    expect(tableRequestSha256('2025-Q3', { measure: 'persons', dimensions: [] })).not.toBe(tableRequestSha256('2025-Q2', { measure: 'persons', dimensions: [] }));
  });

  it('computes Wilson 95 % intervals', () => {
    expect(wilson95(14, 63)).toEqual([0.137, 0.339]);
    expect(wilson95(0, 40)).toEqual([0, 0.088]);
  });
});

function recount(input: SdcTableInput, box: Box): number {
  return input.persons.map(columnCodes).filter((row) => rowInBox(row, box)).length;
}
