import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ResearchError } from '../research.errors.js';
import type { DimensionDefinition, DimensionKind, DimensionRole, RegistryDefinition, StructuralZeroDefinition } from './registry.types.js';

/** Leading characters a spreadsheet would execute (OWASP CSV injection); no code or label may start with one. */
export const FORMULA_LEADS = ['=', '+', '-', '@', '\t', '\r'] as const;

const ROLES: readonly DimensionRole[] = ['QI', 'SA', 'analysis', 'table'];
const KINDS: readonly DimensionKind[] = ['coded', 'geography'];
const NAME = /^[a-z][a-z0-9_]*$/;
const CODE = /^[\x21-\x7e]+$/;
/** Area systems that must never become a second research geography (geographical differencing, SDC Handbook ch. 5). */
const GEOGRAPHIC_NAME = /(postcode|zip|basisteam|neighbourhood|neighborhood|wijk|buurt|district|municipal|gemeente|region|area|street|address|city|town)/;

function invalid(message: string, details?: Record<string, unknown>): ResearchError {
  return new ResearchError('VALIDATION_FAILED', `Invalid research registry: ${message}`, { details });
}

export function startsWithFormulaLead(text: string): boolean {
  return FORMULA_LEADS.some((c) => text.startsWith(c));
}

/** One dimension with its nested code lists; generalisation is a table lookup. */
export class Dimension {
  readonly name: string;
  readonly role: DimensionRole;
  readonly kind: DimensionKind;
  readonly levelCount: number;
  private readonly codeLists: string[][];
  private readonly labels: Array<Map<string, string>>;
  private readonly index: Array<Map<string, number>>;
  /** toLevel[l][i] = code at level l of the i-th level-0 code. */
  private readonly fromLeaf: string[][];
  private readonly leaves: Array<Map<string, string[]>>;

  constructor(def: DimensionDefinition) {
    this.name = def.name;
    this.role = def.role;
    this.kind = def.kind;
    this.levelCount = def.levels.length;
    this.codeLists = def.levels.map((l) => l.codes.map((c) => c.code));
    this.labels = def.levels.map((l) => new Map(l.codes.map((c) => [c.code, c.label])));
    this.index = this.codeLists.map((list) => new Map(list.map((c, i) => [c, i])));
    const parentOf: Array<Map<string, string>> = def.levels.map(() => new Map());
    def.levels.forEach((level, l) => {
      if (l === 0) return;
      for (const c of level.codes) for (const child of c.children ?? []) parentOf[l - 1]!.set(child, c.code);
    });
    const leafCodes = this.codeLists[0]!;
    this.fromLeaf = [leafCodes.slice()];
    for (let l = 1; l < this.levelCount; l += 1) {
      this.fromLeaf.push(this.fromLeaf[l - 1]!.map((c) => parentOf[l - 1]!.get(c)!));
    }
    this.leaves = this.fromLeaf.map((mapped) => {
      const m = new Map<string, string[]>();
      mapped.forEach((code, i) => {
        const list = m.get(code) ?? [];
        list.push(leafCodes[i]!);
        m.set(code, list);
      });
      return m;
    });
  }

  get topLevel(): number {
    return this.levelCount - 1;
  }

  codes(level: number): readonly string[] {
    return this.level(level);
  }

  hasCode(level: number, code: string): boolean {
    return this.index[level]?.has(code) ?? false;
  }

  indexOf(level: number, code: string): number {
    return this.index[level]?.get(code) ?? -1;
  }

  label(level: number, code: string): string {
    const label = this.labels[level]?.get(code);
    if (label === undefined) throw invalid(`unknown code ${code} at ${this.name} level ${level}`);
    return label;
  }

  /** The level-`level` code covering a level-0 code. */
  generalise(leafCode: string, level: number): string {
    const i = this.indexOf(0, leafCode);
    if (i < 0) throw invalid(`unknown ${this.name} code ${leafCode}`);
    this.level(level);
    return this.fromLeaf[level]![i]!;
  }

  /** Generalises a code from `fromLevel` to the coarser `toLevel`. */
  generaliseFrom(code: string, fromLevel: number, toLevel: number): string {
    if (toLevel < fromLevel) throw invalid(`cannot refine ${this.name} from level ${fromLevel} to ${toLevel}`);
    const leaves = this.leafCodes(fromLevel, code);
    return this.generalise(leaves[0]!, toLevel);
  }

  /** Level-0 codes under a code, in level-0 order. */
  leafCodes(level: number, code: string): readonly string[] {
    const list = this.leaves[level]?.get(code);
    if (!list) throw invalid(`unknown code ${code} at ${this.name} level ${level}`);
    return list;
  }

  leafCount(level: number, code: string): number {
    return this.leafCodes(level, code).length;
  }

  /** For each level-0 code index, the index of its level-`level` code: the roll-up map of the lattice search. */
  leafToLevelIndex(level: number): Int32Array {
    const out = new Int32Array(this.codeLists[0]!.length);
    this.fromLeaf[level]!.forEach((code, i) => (out[i] = this.indexOf(level, code)));
    return out;
  }

  private level(level: number): string[] {
    const list = this.codeLists[level];
    if (!Number.isInteger(level) || !list) throw invalid(`${this.name} has no level ${level}`);
    return list;
  }
}

/** A loaded, validated registry. Construct through {@link loadRegistry}. */
export class Registry {
  readonly version: string;
  readonly sha256: string;
  readonly dimensions: readonly Dimension[];
  readonly structuralZeros: readonly StructuralZeroDefinition[];
  private readonly byName: Map<string, Dimension>;

  constructor(readonly definition: RegistryDefinition) {
    this.version = definition.registryVersion;
    this.sha256 = registrySha256(definition);
    this.dimensions = definition.dimensions.map((d) => new Dimension(d));
    this.byName = new Map(this.dimensions.map((d) => [d.name, d]));
    this.structuralZeros = definition.structuralZeros;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  dimension(name: string): Dimension {
    const d = this.byName.get(name);
    if (!d) throw invalid(`unknown dimension ${name}`);
    return d;
  }
}

export function registrySha256(definition: RegistryDefinition): string {
  return createHash('sha256').update(canonicalize(definition) ?? '', 'utf8').digest('hex');
}

/**
 * Validates a registry definition (research-data.md §2.4, "checked at load") and builds the lookup structure.
 * A violation throws; the caller is expected to stop the process.
 */
export function loadRegistry(definition: RegistryDefinition): Registry {
  validateRegistry(definition);
  return new Registry(structuredClone(definition));
}

export function validateRegistry(def: RegistryDefinition): void {
  if (typeof def?.registryVersion !== 'string' || def.registryVersion.length === 0) throw invalid('registryVersion missing');
  if (!Array.isArray(def.dimensions) || def.dimensions.length === 0) throw invalid('no dimensions');
  const names = new Set<string>();
  for (const dim of def.dimensions) {
    validateDimension(dim);
    if (names.has(dim.name)) throw invalid(`duplicate dimension ${dim.name}`);
    names.add(dim.name);
  }
  const geographies = def.dimensions.filter((d) => d.kind === 'geography');
  if (geographies.length !== 1 || geographies[0]!.name !== 'geo') {
    throw invalid('exactly one geography, named geo, is allowed', { geographies: geographies.map((g) => g.name) });
  }
  const secondArea = def.dimensions.find((d) => d.name !== 'geo' && GEOGRAPHIC_NAME.test(d.name));
  if (secondArea) throw invalid(`${secondArea.name} looks like a second geography`, { dimension: secondArea.name });
  if (!Array.isArray(def.structuralZeros)) throw invalid('structuralZeros missing');
  const byName = new Map(def.dimensions.map((d) => [d.name, d]));
  for (const z of def.structuralZeros) validateStructuralZero(z, byName);
}

function validateText(text: unknown, what: string, ascii: boolean): void {
  if (typeof text !== 'string' || text.length === 0) throw invalid(`${what} is empty`);
  if (ascii && !CODE.test(text)) throw invalid(`${what} must be printable ASCII without spaces`, { code: text });
  if (startsWithFormulaLead(text)) throw invalid(`${what} starts with a formula character`, { value: text });
  if ([...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) throw invalid(`${what} contains a control character`);
}

function validateDimension(dim: DimensionDefinition): void {
  if (typeof dim?.name !== 'string' || !NAME.test(dim.name)) throw invalid(`bad dimension name ${String(dim?.name)}`);
  if (!ROLES.includes(dim.role)) throw invalid(`${dim.name}: unknown role`);
  if (!KINDS.includes(dim.kind)) throw invalid(`${dim.name}: only coded columns may enter a release (no free text)`, { dimension: dim.name });
  if (!Array.isArray(dim.levels) || dim.levels.length === 0) throw invalid(`${dim.name}: no code list`, { dimension: dim.name });
  dim.levels.forEach((level, l) => {
    if (!Array.isArray(level?.codes) || level.codes.length === 0) throw invalid(`${dim.name} level ${l}: empty code list`);
    validateText(level.name, `${dim.name} level ${l} name`, false);
    const seen = new Set<string>();
    for (const c of level.codes) {
      validateText(c.code, `${dim.name} code`, true);
      validateText(c.label, `${dim.name} label of ${c.code}`, false);
      if (seen.has(c.code)) throw invalid(`${dim.name} level ${l}: duplicate code ${c.code}`);
      seen.add(c.code);
      if (l === 0 && c.children !== undefined) throw invalid(`${dim.name}: level-0 code ${c.code} has children`);
      if (l > 0 && (!Array.isArray(c.children) || c.children.length === 0)) throw invalid(`${dim.name}: ${c.code} has no children`);
    }
    if (l === 0) return;
    const below = new Set(dim.levels[l - 1]!.codes.map((c) => c.code));
    const parentOf = new Map<string, string>();
    for (const c of level.codes) {
      for (const child of c.children!) {
        if (!below.has(child)) throw invalid(`${dim.name}: ${c.code} lists unknown child ${child}`);
        const other = parentOf.get(child);
        if (other !== undefined) {
          throw invalid(`${dim.name}: ${child} has two parents (${other}, ${c.code}); levels must nest`, { dimension: dim.name, code: child });
        }
        parentOf.set(child, c.code);
      }
    }
    const orphan = [...below].find((c) => !parentOf.has(c));
    if (orphan !== undefined) throw invalid(`${dim.name}: ${orphan} has no parent at level ${l}`, { dimension: dim.name, code: orphan });
  });
}

function validateStructuralZero(z: StructuralZeroDefinition, dims: Map<string, DimensionDefinition>): void {
  const checkCodes = (dimName: string, level: number, codes: unknown) => {
    const d = dims.get(dimName);
    if (!d) throw invalid(`structural zero ${z.id}: unknown dimension ${dimName}`);
    const lvl = d.levels[level];
    if (!lvl) throw invalid(`structural zero ${z.id}: ${dimName} has no level ${level}`);
    if (!Array.isArray(codes) || codes.length === 0) throw invalid(`structural zero ${z.id}: no codes`);
    const known = new Set(lvl.codes.map((c) => c.code));
    for (const c of codes) if (!known.has(c)) throw invalid(`structural zero ${z.id}: unknown code ${String(c)}`);
  };
  if (typeof z?.id !== 'string' || !z.id) throw invalid('structural zero without id');
  for (const [dimName, cond] of Object.entries(z.when ?? {})) checkCodes(dimName, cond.level, cond.codes);
  checkCodes(z.column, 0, z.codes);
}
