import type { Dimension, Registry } from '../registry/dimension-registry.js';
import { ResearchError } from '../research.errors.js';
import type { Box } from './boxes.js';
import { isMeasureName, MEASURES, type MeasureDefinition } from './measures.js';

export interface TableDimensionRequest {
  name: string;
  level: number;
}

export interface TableFilterRequest {
  dimension: string;
  level: number;
  in: string[];
}

export interface TableRequest {
  measure: string;
  dimensions: TableDimensionRequest[];
  filters?: TableFilterRequest[];
}

/** Protection parameters (research-data.md §7). Callers may only tighten the defaults. */
export interface TableParameters {
  tau: number;
  g: number;
  p: number;
  minMeanCellSize: number;
  maxCells: number;
  maxClassifyingDimensions: number;
  /** Largest audit component the engine builds; beyond it the table is refused. */
  maxAtoms: number;
  mipNodeLimit: number;
  /**
   * LP solves the pruning step may spend before it stops giving cells back: a quality-for-time knob, never a safety
   * one (cells not yet tried stay suppressed). Since count tables close lonely lines before the LP search their
   * first pattern is leaner, and 500 gives back enough: an 1,800-cell count table ends with 317 secondary cells at 500
   * (296 at 1,000, and 333 at 1,000 before that change) in 3.1 s instead of 5.3 s with its verifier (issue 7 note).
   */
  pruneLpBudget: number;
}

export const DEFAULT_TABLE_PARAMETERS: Readonly<TableParameters> = {
  tau: 10,
  g: 3,
  p: 10,
  minMeanCellSize: 20,
  maxCells: 2000,
  maxClassifyingDimensions: 3,
  maxAtoms: 250_000,
  mipNodeLimit: 20_000,
  pruneLpBudget: 500,
};

export interface ReleaseContext {
  id: string;
  /** Quarter-end cutoff `YYYY-MM-DD`. */
  cutoff: string;
  /** Months of the release window, `YYYY-MM`. */
  months: readonly string[];
}

/** Dimensions a table may classify by: QIs, the outcome and prior referrals; never re-referral or analysis columns. */
export const TABLE_DIMENSIONS = ['age', 'sex', 'geo', 'period', 'referral_source', 'attempts', 'first_attempt_delay', 'prior_referrals', 'outcome'] as const;
/** Dimensions whose counts within a row are sensitive (group rule instead of threshold). */
export const SENSITIVE_TABLE_DIMENSIONS = ['outcome'] as const;

export interface PlannedDimension {
  name: string;
  level: number;
  dimension: Dimension;
  /** The level's codes, narrowed by a filter on the same dimension. */
  codes: readonly string[];
  sensitive: boolean;
}

export interface PlannedFilter {
  dimension: string;
  level: number;
  codes: readonly string[];
}

export interface TablePlan {
  measure: MeasureDefinition;
  /** In registry order, whatever the request order: equal tables get equal cells. */
  dimensions: PlannedDimension[];
  filters: PlannedFilter[];
  /** Rows the table counts: filters and the release window. */
  baseBox: Box;
  cellCount: number;
}

const fail = (code: ConstructorParameters<typeof ResearchError>[0], message: string, details?: Record<string, unknown>) =>
  new ResearchError(code, message, details ? { details } : {});

function checkLevel(registry: Registry, name: unknown, level: unknown, what: string): Dimension {
  if (typeof name !== 'string' || !(TABLE_DIMENSIONS as readonly string[]).includes(name) || !registry.has(name)) {
    throw fail('VALIDATION_FAILED', `${what}: unknown or non-tabulable dimension`, { dimension: String(name) });
  }
  const dim = registry.dimension(name);
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > dim.topLevel) {
    throw fail('VALIDATION_FAILED', `${what}: ${name} has no level ${String(level)}`, { dimension: name });
  }
  return dim;
}

/** Protection may only be tightened (research-data.md §0, §7): weaker parameters are a configuration error. */
export function assertTableParameters(params: TableParameters): void {
  const d = DEFAULT_TABLE_PARAMETERS;
  const weaker =
    params.tau < d.tau ||
    params.g < d.g ||
    params.p < d.p ||
    params.minMeanCellSize < d.minMeanCellSize ||
    params.maxCells > d.maxCells ||
    params.maxClassifyingDimensions > d.maxClassifyingDimensions;
  if (weaker) throw new ResearchError('VALIDATION_FAILED', 'table protection parameters are weaker than the defaults');
}

/**
 * Checks a table request against the design rules of research-data.md §4.2 that need no data (sparsity needs
 * counts and is checked by the caller), in the order: shape, filters, allowed levels, complexity, size.
 */
export function planTable(
  registry: Registry,
  release: ReleaseContext,
  request: TableRequest,
  params: TableParameters,
  finestLevels: Readonly<Record<string, number>>,
): TablePlan {
  assertTableParameters(params);
  if (!isMeasureName(request?.measure)) throw fail('VALIDATION_FAILED', 'unknown measure', { measure: String(request?.measure) });
  if (!Array.isArray(request.dimensions)) throw fail('VALIDATION_FAILED', 'dimensions must be a list');
  const requested = request.dimensions.map((d) => ({ d, dim: checkLevel(registry, d?.name, d?.level, 'dimension') }));
  const names = requested.map((r) => r.d.name);
  if (new Set(names).size !== names.length) throw fail('VALIDATION_FAILED', 'a dimension appears twice');

  const filters = request.filters ?? [];
  if (!Array.isArray(filters)) throw fail('FILTER_NOT_ALLOWED', 'filters must be a list');
  const planned: PlannedFilter[] = [];
  for (const f of filters) {
    const keys = f && typeof f === 'object' ? Object.keys(f).sort().join(',') : '';
    if (keys !== 'dimension,in,level') throw fail('FILTER_NOT_ALLOWED', 'a filter selects whole hierarchy nodes: { dimension, level, in } only');
    const dim = checkLevel(registry, f.dimension, f.level, 'filter');
    if ((SENSITIVE_TABLE_DIMENSIONS as readonly string[]).includes(dim.name)) {
      throw fail('FILTER_NOT_ALLOWED', 'filters on sensitive dimensions are not allowed; use a rate measure', { dimension: dim.name });
    }
    if (!Array.isArray(f.in) || f.in.length === 0 || new Set(f.in).size !== f.in.length || !f.in.every((c) => typeof c === 'string' && dim.hasCode(f.level, c))) {
      throw fail('FILTER_NOT_ALLOWED', 'a filter lists distinct codes of its level', { dimension: dim.name });
    }
    if (planned.some((p) => p.dimension === dim.name)) throw fail('FILTER_NOT_ALLOWED', 'one filter per dimension', { dimension: dim.name });
    const same = requested.find((r) => r.d.name === dim.name);
    if (same && f.level < same.d.level) throw fail('FILTER_NOT_ALLOWED', 'a filter may not be finer than the dimension it narrows', { dimension: dim.name });
    planned.push({ dimension: dim.name, level: f.level, codes: [...f.in].sort((a, b) => dim.indexOf(f.level, a) - dim.indexOf(f.level, b)) });
  }

  for (const { name, level } of [...requested.map((r) => r.d), ...planned.map((p) => ({ name: p.dimension, level: p.level }))]) {
    const finest = finestLevels[name] ?? 0;
    if (level < finest) throw fail('LEVEL_NOT_ALLOWED', `the project allows ${name} no finer than level ${finest}`, { dimension: name, finestLevel: finest });
  }

  const classifying = new Set([...names, ...planned.map((p) => p.dimension)].filter((n) => n !== 'period'));
  if (classifying.size > params.maxClassifyingDimensions) {
    throw fail('TABLE_TOO_COMPLEX', `at most ${params.maxClassifyingDimensions} classifying dimensions plus period`, { maxDimensions: params.maxClassifyingDimensions });
  }

  const order = (name: string) => registry.dimensions.findIndex((d) => d.name === name);
  const dimensions: PlannedDimension[] = requested
    .sort((a, b) => order(a.d.name) - order(b.d.name))
    .map(({ d, dim }) => {
      const filter = planned.find((p) => p.dimension === d.name);
      const codes = dim.codes(d.level).filter((c) => !filter || filter.codes.includes(dim.generaliseFrom(c, d.level, filter.level)));
      return { name: d.name, level: d.level, dimension: dim, codes, sensitive: (SENSITIVE_TABLE_DIMENSIONS as readonly string[]).includes(d.name) };
    });
  planned.sort((a, b) => order(a.dimension) - order(b.dimension));

  const cellCount = dimensions.reduce((n, d) => n * (d.codes.length + 1), 1);
  if (cellCount > params.maxCells) throw fail('TABLE_TOO_LARGE', `at most ${params.maxCells} cells, margins included`, { maxCells: params.maxCells });

  const baseBox: Record<string, readonly string[]> = {};
  for (const f of planned) {
    const dim = registry.dimension(f.dimension);
    baseBox[f.dimension] = f.codes.flatMap((c) => dim.leafCodes(f.level, c));
  }
  const windowMonths = new Set(release.months);
  baseBox.period = (baseBox.period ?? registry.dimension('period').codes(0)).filter((m) => windowMonths.has(m));
  return { measure: MEASURES[request.measure], dimensions, filters: planned, baseBox, cellCount };
}
