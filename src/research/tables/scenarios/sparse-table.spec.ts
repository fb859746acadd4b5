import { expect, it } from '@jest/globals';
import type { ResearchError } from '../../research.errors.js';
import { persons, testRegistry, testRelease } from '../../testing/person-builder.js';
import { buildSdcTable } from '../sdc-table.js';
import { DEFAULT_TABLE_PARAMETERS } from '../table-plan.js';

// Scenario: 400 persons by age (years) x municipality: far below 20 per cell on average.
it('refuses with TABLE_TOO_SPARSE and names a coarser level vector that passes', async () => {
  const munis = ['GM0344', 'GM0307', 'GM0342', 'GM0034', 'GM0632'];
  const rows = Array.from({ length: 400 }, (_, i) => persons(1, { age: 14 + (i % 12), geo: munis[i % munis.length]! })[0]!);
  const request = { measure: 'persons', dimensions: [{ name: 'age', level: 0 }, { name: 'geo', level: 0 }] };
  const error = await buildSdcTable({ registry: testRegistry(), release: testRelease, persons: rows, request, params: DEFAULT_TABLE_PARAMETERS, finestLevels: {}, register: [] }).then(
    () => undefined,
    (e: ResearchError) => e,
  );
  expect(error?.code).toBe('TABLE_TOO_SPARSE');
  expect(error?.status).toBe(422);
  const hint = error!.options.details!.coarserDimensions as Array<{ name: string; level: number }>;
  // Fewest coarsening steps first: all of age (19 codes, empty ones included) over the one region.
  expect(hint).toEqual([
    { name: 'age', level: 0 },
    { name: 'geo', level: 2 },
  ]);
  // The hint itself passes the sparsity rule.
  await expect(buildSdcTable({ registry: testRegistry(), release: testRelease, persons: rows, request: { measure: 'persons', dimensions: hint }, params: DEFAULT_TABLE_PARAMETERS, finestLevels: {}, register: [] })).resolves.toBeDefined();
});
