import type { Registry } from '../registry/dimension-registry.js';
import { ANALYSIS, CORE_QIS, OPTIONAL_QIS, SENSITIVE } from '../registry/research-registry.js';
import { ResearchError } from '../research.errors.js';

export type LinkageScope = 'project' | 'export';

export interface ExportRequest {
  columns: string[];
  k?: number;
  l?: number;
  suppressionLimit?: number;
  linkageScope: LinkageScope;
}

/** Project-level settings and defaults (research-data.md §5.1, §7); requests may only tighten them. */
export interface ExportPolicy {
  allowedColumns: readonly string[];
  /** Finest level per column the project may receive; SA columns are exported at this level. */
  finestLevels: Readonly<Record<string, number>>;
  k: number;
  l: number;
  suppressionLimit: number;
  maxAverageRisk: number;
  qiWeights?: Readonly<Record<string, number>>;
}

export const DEFAULT_EXPORT_LIMITS = { k: 5, l: 2, suppressionLimit: 0.05, maxAverageRisk: 0.09 } as const;

export const EXPORTABLE_COLUMNS: readonly string[] = [...CORE_QIS, ...OPTIONAL_QIS, ...SENSITIVE, ...ANALYSIS];

export type ColumnRole = 'QI' | 'SA' | 'analysis';

export interface ExportColumn {
  name: string;
  role: ColumnRole;
  /** Export level for SA and analysis columns; the lattice's lowest level for QIs. */
  level: number;
}

export interface ExportPlan {
  columns: ExportColumn[];
  qis: ExportColumn[];
  sas: ExportColumn[];
  k: number;
  l: number;
  suppressionLimit: number;
  maxAverageRisk: number;
  linkageScope: LinkageScope;
  weights: Record<string, number>;
}

const bad = (message: string, details?: Record<string, unknown>) => new ResearchError('VALIDATION_FAILED', message, details ? { details } : {});

export function planExport(registry: Registry, request: ExportRequest, policy: ExportPolicy): ExportPlan {
  const d = DEFAULT_EXPORT_LIMITS;
  if (policy.k < d.k || policy.l < d.l || policy.suppressionLimit > d.suppressionLimit || policy.maxAverageRisk > d.maxAverageRisk) {
    throw bad('project export settings are weaker than the defaults');
  }
  if (!Array.isArray(request?.columns) || request.columns.length === 0) throw bad('columns must list at least one column');
  if (new Set(request.columns).size !== request.columns.length) throw bad('a column appears twice');
  for (const c of request.columns) {
    if (typeof c !== 'string' || !EXPORTABLE_COLUMNS.includes(c)) throw bad('column cannot be exported', { column: String(c) });
    if (!policy.allowedColumns.includes(c)) throw new ResearchError('LEVEL_NOT_ALLOWED', 'column outside the project allowlist', { details: { column: c } });
  }
  const k = request.k ?? policy.k;
  const l = request.l ?? policy.l;
  const limit = request.suppressionLimit ?? policy.suppressionLimit;
  if (!Number.isInteger(k) || k < policy.k) throw bad(`k may only be raised above ${policy.k}`);
  if (!Number.isInteger(l) || l < policy.l) throw bad(`l may only be raised above ${policy.l}`);
  if (typeof limit !== 'number' || !(limit >= 0) || limit > policy.suppressionLimit) throw bad(`the suppression limit may only be lowered below ${policy.suppressionLimit}`);
  if (request.linkageScope !== 'project' && request.linkageScope !== 'export') throw bad('linkageScope is project or export');

  const order = EXPORTABLE_COLUMNS.filter((c) => request.columns.includes(c));
  const columns: ExportColumn[] = order.map((name) => {
    const dim = registry.dimension(name);
    const role: ColumnRole = (SENSITIVE as readonly string[]).includes(name) ? 'SA' : (ANALYSIS as readonly string[]).includes(name) ? 'analysis' : 'QI';
    const level = policy.finestLevels[name] ?? 0;
    if (!Number.isInteger(level) || level < 0 || level > dim.topLevel) throw bad(`bad finest level for ${name}`);
    return { name, role, level };
  });
  const weights: Record<string, number> = {};
  for (const c of columns.filter((c) => c.role === 'QI')) {
    const w = policy.qiWeights?.[c.name] ?? 1;
    if (!(w > 0)) throw bad(`QI weight for ${c.name} must be positive`);
    weights[c.name] = w;
  }
  return {
    columns,
    qis: columns.filter((c) => c.role === 'QI'),
    sas: columns.filter((c) => c.role === 'SA'),
    k,
    l,
    suppressionLimit: limit,
    maxAverageRisk: policy.maxAverageRisk,
    linkageScope: request.linkageScope,
    weights,
  };
}
