import { describe, expect, it } from '@jest/globals';
import type { ResearchError } from '../../research.errors.js';
import { testRegistry, testRelease } from '../../testing/person-builder.js';
import { DEFAULT_TABLE_PARAMETERS, planTable, type TableRequest } from '../table-plan.js';

const registry = testRegistry();
const refusal = (request: TableRequest, finest: Record<string, number> = {}) => {
  try {
    planTable(registry, testRelease, request, DEFAULT_TABLE_PARAMETERS, finest);
    return undefined;
  } catch (e) {
    return { code: (e as ResearchError).code, status: (e as ResearchError).status };
  }
};

// Scenarios: design rules refused before any count is taken (research-data.md §4.2).
describe('table design rules', () => {
  it('refuses more than 2,000 cells, margins included', () => {
    // 20 ages x 15 municipalities x 19 months = 5,700 cells with margins
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'age', level: 0 }, { name: 'geo', level: 0 }, { name: 'period', level: 0 }] })).toEqual({ code: 'TABLE_TOO_LARGE', status: 422 });
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'age', level: 0 }, { name: 'geo', level: 0 }, { name: 'period', level: 2 }] })).toBeUndefined();
  });

  it('refuses more than three classifying dimensions plus period; a filter counts', () => {
    const four = [{ name: 'age', level: 3 }, { name: 'sex', level: 0 }, { name: 'geo', level: 2 }, { name: 'referral_source', level: 2 }];
    expect(refusal({ measure: 'persons', dimensions: four })).toEqual({ code: 'TABLE_TOO_COMPLEX', status: 422 });
    expect(refusal({ measure: 'persons', dimensions: [...four.slice(0, 3), { name: 'period', level: 3 }] })).toBeUndefined();
    expect(refusal({ measure: 'persons', dimensions: four.slice(0, 3), filters: [{ dimension: 'attempts', level: 0, in: ['1'] }] })).toEqual({ code: 'TABLE_TOO_COMPLEX', status: 422 });
  });

  it('allows only whole-node filters', () => {
    const dims = [{ name: 'age', level: 2 }];
    expect(refusal({ measure: 'persons', dimensions: dims, filters: [{ dimension: 'period', level: 3, in: ['2024'] }] })).toBeUndefined();
    const range = { dimension: 'age', level: 0, gte: '16', lte: '18' } as unknown as TableRequest['filters'] extends Array<infer F> | undefined ? F : never;
    expect(refusal({ measure: 'persons', dimensions: dims, filters: [range] })).toEqual({ code: 'FILTER_NOT_ALLOWED', status: 422 });
    expect(refusal({ measure: 'persons', dimensions: dims, filters: [{ dimension: 'period', level: 3, in: ['2031'] }] })).toEqual({ code: 'FILTER_NOT_ALLOWED', status: 422 });
    expect(refusal({ measure: 'persons', dimensions: dims, filters: [{ dimension: 'outcome', level: 1, in: ['REACHED'] }] })).toEqual({ code: 'FILTER_NOT_ALLOWED', status: 422 });
    expect(refusal({ measure: 'persons', dimensions: dims, filters: [{ dimension: 'age', level: 0, in: ['17'] }] })).toEqual({ code: 'FILTER_NOT_ALLOWED', status: 422 });
  });

  it('refuses levels finer than the project allows with 403', () => {
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'geo', level: 0 }] }, { geo: 1 })).toEqual({ code: 'LEVEL_NOT_ALLOWED', status: 403 });
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'age', level: 3 }], filters: [{ dimension: 'geo', level: 0, in: ['GM0344'] }] }, { geo: 1 })).toEqual({
      code: 'LEVEL_NOT_ALLOWED',
      status: 403,
    });
  });

  it('never runs with protection weaker than the defaults', () => {
    for (const weaker of [{ tau: 5 }, { g: 2 }, { p: 5 }, { minMeanCellSize: 10 }, { maxCells: 5000 }, { maxClassifyingDimensions: 4 }]) {
      expect(() => planTable(registry, testRelease, { measure: 'persons', dimensions: [] }, { ...DEFAULT_TABLE_PARAMETERS, ...weaker }, {})).toThrow(/weaker/);
    }
    expect(() => planTable(registry, testRelease, { measure: 'persons', dimensions: [] }, { ...DEFAULT_TABLE_PARAMETERS, tau: 15, p: 15 }, {})).not.toThrow();
  });

  it('refuses unknown measures and untabulable dimensions as validation errors', () => {
    expect(refusal({ measure: 'median_age', dimensions: [] })?.code).toBe('VALIDATION_FAILED');
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'rereferral', level: 0 }] })?.code).toBe('VALIDATION_FAILED');
    expect(refusal({ measure: 'persons', dimensions: [{ name: 'age', level: 9 }] })?.code).toBe('VALIDATION_FAILED');
  });
});
