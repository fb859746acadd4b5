import { createHash, type KeyObject } from 'node:crypto';
import { canonicalBytes, signManifest } from '../keys/manifest-signing.js';
import { PSEUDONYM_BITS, PSEUDONYM_SCHEME } from '../keys/pseudonyms.js';
import { columnCodes, type ColumnCodes, type ReleaseColumn, type ReleasePerson } from '../releases/release-person.js';
import type { Registry } from '../registry/dimension-registry.js';
import { ResearchError } from '../research.errors.js';
import { buildCodebook } from './codebook.js';
import { writeCsv } from './csv-writer.js';
import { EXPORT_CHECKS, type ExportManifest } from './export-manifest.js';
import { planExport, type ExportColumn, type ExportPlan, type ExportPolicy, type ExportRequest } from './export-request.js';
import { searchLattice, type LatticeDimension, type LatticeInput, type LatticeSensitive } from './lattice-search.js';
import { lineageClasses, type EarlierExport } from './lineage.js';
import { classSizeHistogram, riskSummary, round } from './risk-measures.js';

export interface ExportMeta {
  exportId: string;
  projectId: string;
  dacReference: string;
  requestedBy: string;
  /** ISO timestamp from the caller's clock, so equal inputs give equal bytes. */
  createdAt: string;
  software: { version: string; gitCommit: string; configSha256: string };
  /** Key-provider id of the pseudonymisation key (never the key). */
  pseudonymKeyId: string;
}

export interface ExportBundleInput {
  registry: Registry;
  release: { id: string; cutoff: string; sourceSha256: string };
  persons: readonly ReleasePerson[];
  request: ExportRequest;
  policy: ExportPolicy;
  /** person key -> pid under the project (or export) key. */
  pseudonymise: (personKey: string) => string;
  /** Earlier exports of the project; ignored for `linkageScope: "export"`. */
  earlierExports: readonly EarlierExport[];
  meta: ExportMeta;
  signing: { privateKey: KeyObject | string | undefined; keyId: string };
}

export interface ExportBundle {
  files: { 'data.csv': Buffer; 'codebook.json': Buffer };
  manifest: ExportManifest;
  /** Canonical JSON of the signed manifest: the bytes to store and serve. */
  manifestBytes: Buffer;
  /** Chosen generalisation level per QI: stored with the export for lineage. */
  node: Record<string, number>;
  columns: ExportColumn[];
  /** Stored with the export (never served) so later exports can rebuild this one. */
  suppressedPersonKeys: string[];
}

/** Sensitive attributes whose diversity is enforced, with their L1 value per person. */
const REACHED_L1 = ['REACHED', 'NOT_REACHED', 'OTHER'];
function sensitiveAttributes(registry: Registry, plan: ExportPlan, rows: readonly ColumnCodes[]): LatticeSensitive[] {
  const out: LatticeSensitive[] = [];
  const exported = (name: string) => plan.columns.some((c) => c.name === name);
  // Analysis columns are NA exactly for persons not reached, so they reveal the outcome's L1 value too.
  if (exported('outcome') || plan.columns.some((c) => c.role === 'analysis')) {
    const outcome = registry.dimension('outcome');
    out.push({ name: 'outcome', valueCount: 3, values: Int32Array.from(rows.map((r) => REACHED_L1.indexOf(outcome.generalise(r.outcome, 1)))) });
  }
  if (exported('rereferral')) {
    const rr = registry.dimension('rereferral');
    out.push({
      name: 'rereferral',
      valueCount: 2,
      values: Int32Array.from(rows.map((r) => ['YES', 'NO'].indexOf(rr.generalise(r.rereferral, 1)))),
    });
  }
  return out;
}

function latticeDimension(registry: Registry, column: ExportColumn, weight: number): LatticeDimension {
  const dim = registry.dimension(column.name);
  const leaves = dim.codes(0).length;
  const levels = Array.from({ length: dim.levelCount }, (_, l) => l);
  return {
    name: column.name,
    minLevel: column.level,
    maxLevel: dim.topLevel,
    codeCount: levels.map((l) => dim.codes(l).length),
    up: levels.slice(0, -1).map((l) => Int32Array.from(dim.codes(l).map((c) => dim.indexOf(l + 1, dim.generaliseFrom(c, l, l + 1))))),
    loss: levels.map((l) => Float64Array.from(dim.codes(l).map((c) => (leaves <= 1 ? 0 : (dim.leafCount(l, c) - 1) / (leaves - 1))))),
    weight,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface OptimalNode {
  plan: ExportPlan;
  /** Persons sorted by person key: the order every later step uses. */
  persons: ReleasePerson[];
  rows: ColumnCodes[];
  fixed: Int32Array;
  sensitive: LatticeSensitive[];
  result: ReturnType<typeof searchLattice>;
}

/** The lattice search of research-data.md §5.3 on a release, before any file is written. */
export function findOptimalNode(
  registry: Registry,
  inputPersons: readonly ReleasePerson[],
  request: ExportRequest,
  policy: ExportPolicy,
  earlierExports: readonly EarlierExport[],
): OptimalNode {
  const plan = planExport(registry, request, policy);
  const persons = [...inputPersons].sort((a, b) => (a.personKey < b.personKey ? -1 : a.personKey > b.personKey ? 1 : 0));
  const rows = persons.map(columnCodes);
  const earlier = plan.linkageScope === 'project' ? earlierExports : [];
  const fixed = earlier.length > 0 ? lineageClasses(persons, earlier) : new Int32Array(persons.length);
  const sensitive = sensitiveAttributes(registry, plan, rows);
  const lattice: LatticeInput = {
    dimensions: plan.qis.map((q) => latticeDimension(registry, q, plan.weights[q.name]!)),
    codes: plan.qis.map((q) => {
      const dim = registry.dimension(q.name);
      return Int32Array.from(rows.map((r) => dim.indexOf(q.level, dim.generalise(r[q.name as ReleaseColumn], q.level))));
    }),
    fixed,
    sensitive,
    k: plan.k,
    l: plan.l,
    suppressionLimit: plan.suppressionLimit,
    maxAverageRisk: plan.maxAverageRisk,
  };
  return { plan, persons, rows, fixed, sensitive, result: searchLattice(lattice) };
}

/**
 * A record-level export end to end (research-data.md §5): optimal generalisation, pseudonyms, CSV, codebook and a
 * signed manifest. The caller must run the independent verifier on the result before anything is served.
 */
export function buildExportBundle(input: ExportBundleInput): ExportBundle {
  const { registry } = input;
  const { plan, persons, rows, fixed, sensitive, result } = findOptimalNode(registry, input.persons, input.request, input.policy, input.earlierExports);
  const earlier = plan.linkageScope === 'project' ? input.earlierExports : [];
  const best = result.best;
  if (!best) {
    throw new ResearchError('EXPORT_INFEASIBLE', 'No generalisation meets k, l, the suppression limit and the risk limit', {
      details: result.hint ? { coarsen: result.hint } : {},
    });
  }
  const node: Record<string, number> = {};
  plan.qis.forEach((q, i) => (node[q.name] = best.levels[i]!));
  const levels: Record<string, number> = { ...node };
  for (const c of plan.columns) if (c.role !== 'QI') levels[c.name] = c.level;
  const value = (r: ColumnCodes, name: string) => registry.dimension(name).generalise(r[name as ReleaseColumn], levels[name]!);

  // Re-derive the classes of the chosen node from the rows themselves, not from the rolled-up counts.
  const classOf = rows.map((r, i) => `${plan.qis.map((q) => value(r, q.name)).join('\u001f')}\u001e${fixed[i]}`);
  const members = new Map<string, number[]>();
  classOf.forEach((c, i) => {
    const list = members.get(c);
    if (list) list.push(i);
    else members.set(c, [i]);
  });
  const keep = new Uint8Array(rows.length);
  const sizes: number[] = [];
  const achievedL: Record<string, number | null> = Object.fromEntries(sensitive.map((s) => [s.name, null]));
  for (const list of members.values()) {
    const distinct = sensitive.map((s) => new Set(list.map((i) => s.values[i]!).filter((v) => v >= 0)).size);
    const ok = list.length >= plan.k && distinct.every((d) => d === 0 || d >= plan.l);
    if (!ok) continue;
    sizes.push(list.length);
    for (const i of list) keep[i] = 1;
    sensitive.forEach((s, si) => {
      if (distinct[si]! > 0) achievedL[s.name] = Math.min(achievedL[s.name] ?? Infinity, distinct[si]!);
    });
  }
  const exported = sizes.reduce((a, b) => a + b, 0);
  if (exported !== best.kept) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'search and export disagree on the kept rows');

  const dataColumns = plan.columns.map((c) => c.name);
  const csvRows = rows
    .map((r, i) => ({ r, i }))
    .filter(({ i }) => keep[i])
    .map(({ r, i }) => [input.pseudonymise(persons[i]!.personKey), ...dataColumns.map((c) => value(r, c))])
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  for (let i = 1; i < csvRows.length; i += 1) {
    if (csvRows[i]![0] === csvRows[i - 1]![0]) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'pseudonym collision');
  }
  const csv = writeCsv(['pid', ...dataColumns], csvRows);
  const codebook = buildCodebook(registry, { exportId: input.meta.exportId, releaseId: input.release.id, cutoff: input.release.cutoff, columns: plan.columns, levels });
  const codebookBytes = canonicalBytes(codebook);

  const suppressedIdx = rows.map((_, i) => i).filter((i) => !keep[i]);
  const strata: Record<string, Record<string, number>> = {};
  const tally = (name: string, codes: readonly string[]) => {
    const dim = registry.dimension(name);
    strata[name] = Object.fromEntries(codes.map((c) => [c, 0]));
    for (const i of suppressedIdx) strata[name]![dim.generalise(rows[i]![name as ReleaseColumn], 1)]! += 1;
  };
  if (dataColumns.includes('outcome')) tally('outcome', REACHED_L1);
  if (dataColumns.includes('rereferral')) tally('rereferral', ['YES', 'NO', 'CENSORED']);

  const unsigned: ExportManifest = {
    manifestVersion: 1,
    exportId: input.meta.exportId,
    projectId: input.meta.projectId,
    dacReference: input.meta.dacReference,
    requestedBy: input.meta.requestedBy,
    release: { ...input.release, registryVersion: registry.version, registrySha256: registry.sha256 },
    software: input.meta.software,
    population: { personsInRelease: rows.length, exported, suppressed: suppressedIdx.length, suppressedByStratum: strata },
    columns: [{ name: 'pid', role: 'pseudonym' }, ...plan.columns.map((c) => ({ name: c.name, role: c.role, level: levels[c.name]! }))],
    pseudonymisation: {
      scheme: PSEUDONYM_SCHEME,
      bits: PSEUDONYM_BITS,
      keyId: input.meta.pseudonymKeyId,
      linkageScope: plan.linkageScope,
      linkedExports: earlier.map((e) => e.exportId),
    },
    privacy: {
      k: { target: plan.k, achieved: sizes.reduce((m, f) => Math.min(m, f), sizes.length > 0 ? Infinity : 0), scope: plan.linkageScope === 'project' ? 'project-join' : 'export' },
      l: Object.fromEntries(sensitive.map((s) => [s.name, { target: plan.l, achieved: achievedL[s.name] ?? null }])),
      suppressionLimit: plan.suppressionLimit,
      suppressionUsed: round(suppressedIdx.length / rows.length, 4),
      averageRiskLimit: plan.maxAverageRisk,
    },
    ecSizes: classSizeHistogram(sizes),
    risk: riskSummary(sizes),
    informationLoss: { loss: round(best.loss, 6), discernibility: best.discernibility, nodesEvaluated: result.nodesEvaluated, optimal: true, weights: plan.weights },
    verification: { passed: true, checks: [...EXPORT_CHECKS] },
    files: { 'data.csv': { sha256: sha256(csv), rows: csvRows.length }, 'codebook.json': { sha256: sha256(codebookBytes) } },
    createdAt: input.meta.createdAt,
  };
  const manifest = signManifest(unsigned, input.signing.privateKey, input.signing.keyId);
  return {
    files: { 'data.csv': csv, 'codebook.json': codebookBytes },
    manifest,
    manifestBytes: canonicalBytes(manifest),
    node,
    columns: plan.columns,
    suppressedPersonKeys: suppressedIdx.map((i) => persons[i]!.personKey),
  };
}
