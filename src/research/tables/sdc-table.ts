import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { columnCodes, type ReleasePerson } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { auditDomains, completeness, publicZeroBoxes } from './audit-context.js';
import { boxId } from './boxes.js';
import { applyPrimaryRules } from './primary-rules.js';
import { protectTable, type RegisterCell } from './secondary-suppression.js';
import { computeTable, declaredZeroBoxes } from './table-cells.js';
import { planTable, type ReleaseContext, type TableParameters, type TableRequest } from './table-plan.js';
import { buildTableResponse, registerRows, type RegisterRow, type TableResponseBody } from './table-response.js';
import { assertDenseEnough } from './table-sparsity.js';

export interface SeriesContext {
  /** Rows of the newest release of the series: every served cell is a sum over them. */
  persons: readonly ReleasePerson[];
  cutoff: string;
  months: readonly string[];
}

export interface SdcTableInput {
  registry: Registry;
  release: ReleaseContext;
  /** Rows of the release the table is for. */
  persons: readonly ReleasePerson[];
  request: TableRequest;
  params: TableParameters;
  /** Project's finest allowed level per dimension (absent: level 0). */
  finestLevels: Readonly<Record<string, number>>;
  /** Every value served so far from the release series. */
  register: readonly RegisterCell[];
  /** Newest release of the series when it is not `release` itself. */
  series?: SeriesContext;
}

export interface SdcTableResult {
  response: TableResponseBody;
  registerRows: RegisterRow[];
  lpSolves: number;
}

/** SHA-256 of the canonical request: identical requests return the stored answer (research-data.md §4.1). */
export function tableRequestSha256(releaseId: string, request: TableRequest): string {
  const normal = {
    releaseId,
    measure: request.measure,
    dimensions: [...request.dimensions].map((d) => ({ name: d.name, level: d.level })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    filters: [...(request.filters ?? [])]
      .map((f) => ({ dimension: f.dimension, level: f.level, in: [...f.in].sort() }))
      .sort((a, b) => (a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : 0)),
  };
  return createHash('sha256').update(canonicalize(normal)!, 'utf8').digest('hex');
}

/**
 * One SDC table end to end (research-data.md §4): design rules, counts, primary rules, audit-driven secondary
 * suppression against the output register. Same inputs give the same response, byte for byte; any refusal throws a
 * ResearchError and nothing is to be registered.
 */
export async function buildSdcTable(input: SdcTableInput): Promise<SdcTableResult> {
  const { registry, release, params } = input;
  const plan = planTable(registry, release, input.request, params, input.finestLevels);
  const rows = input.persons.map(columnCodes);
  const ctx = completeness(release.months, release.cutoff);
  const declared = declaredZeroBoxes(registry);
  assertDenseEnough(registry, release, input.request, plan, params, input.finestLevels, rows, declared, ctx);

  const table = computeTable(plan, rows, ctx);
  const primary = applyPrimaryRules(table, params, declared);
  const series = input.series ?? { persons: input.persons, cutoff: release.cutoff, months: release.months };
  const seriesRows = series === input.series ? series.persons.map(columnCodes) : rows;
  const protection = await protectTable({
    table,
    primary,
    register: input.register,
    domains: auditDomains(registry, series.months),
    zeroBoxes: publicZeroBoxes(registry, series.months, series.cutoff),
    total: series.persons.length,
    truth: seriesRows,
    protectionWidth: params.p,
    maxAtoms: params.maxAtoms,
    mipNodeLimit: params.mipNodeLimit,
    pruneLpBudget: params.pruneLpBudget,
  });
  return {
    response: buildTableResponse(release.id, table, protection.status, params),
    registerRows: registerRows(table, protection.status, boxId),
    lpSolves: protection.lpSolves,
  };
}
