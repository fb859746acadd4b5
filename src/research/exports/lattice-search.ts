import { ResearchError } from '../research.errors.js';

/** One quasi-identifier of the lattice, already coded to integers. */
export interface LatticeDimension {
  name: string;
  minLevel: number;
  maxLevel: number;
  /** codeCount[level]: size of the level's code list. */
  codeCount: number[];
  /** up[level][i]: index at level + 1 of code i at `level`. */
  up: Int32Array[];
  /** loss[level][i] = (leaves(code) - 1) / (leaves(top) - 1) (research-data.md §5.3). */
  loss: Float64Array[];
  weight: number;
}

/** A sensitive attribute for distinct ℓ: per record a value index, or -1 where the record does not count (censored). */
export interface LatticeSensitive {
  name: string;
  values: Int32Array;
  valueCount: number;
}

export interface LatticeInput {
  dimensions: LatticeDimension[];
  /** codes[d][r]: record r's code index at dimensions[d].minLevel. */
  codes: Int32Array[];
  /** Fixed join attributes (earlier exports of the project) as one class id per record; all 0 without lineage. */
  fixed: Int32Array;
  sensitive: LatticeSensitive[];
  k: number;
  l: number;
  suppressionLimit: number;
  maxAverageRisk: number;
}

export interface NodeEvaluation {
  levels: number[];
  feasible: boolean;
  suppressed: number;
  kept: number;
  classes: number;
  loss: number;
  discernibility: number;
  averageRisk: number;
}

export interface LatticeResult {
  best: NodeEvaluation | undefined;
  nodesEvaluated: number;
  /** When nothing is feasible: the QI whose coarsening alone gets closest. */
  hint: string | undefined;
  evaluations: NodeEvaluation[];
}

export const MAX_LATTICE_NODES = 20_000;
const LOSS_TIE = 1e-12;

interface Groups {
  count: number;
  codes: Int32Array[];
  fixed: Int32Array;
  size: Int32Array;
  /** sa[s][g * valueCount + v]: records of group g with value v. */
  sa: Int32Array[];
}

function groupRecords(input: LatticeInput): Groups {
  const { dimensions, codes, fixed, sensitive } = input;
  const n = fixed.length;
  const index = new Map<number, number>();
  const gCodes = dimensions.map(() => [] as number[]);
  const gFixed: number[] = [];
  const gSize: number[] = [];
  const gSa = sensitive.map(() => [] as number[]);
  for (let r = 0; r < n; r += 1) {
    let key = 0;
    dimensions.forEach((d, i) => (key = key * d.codeCount[d.minLevel]! + codes[i]![r]!));
    key = key * (n + 1) + fixed[r]!;
    let g = index.get(key);
    if (g === undefined) {
      g = gSize.length;
      index.set(key, g);
      dimensions.forEach((_, i) => gCodes[i]!.push(codes[i]![r]!));
      gFixed.push(fixed[r]!);
      gSize.push(0);
      sensitive.forEach((s, si) => {
        for (let v = 0; v < s.valueCount; v += 1) gSa[si]!.push(0);
      });
    }
    gSize[g]! += 1;
    sensitive.forEach((s, si) => {
      const v = s.values[r]!;
      if (v >= 0) gSa[si]![g! * s.valueCount + v]! += 1;
    });
  }
  return { count: gSize.length, codes: gCodes.map((c) => Int32Array.from(c)), fixed: Int32Array.from(gFixed), size: Int32Array.from(gSize), sa: gSa.map((s) => Int32Array.from(s)) };
}

/** Groups of a node one level coarser in dimension `d` than the node `from` was grouped at. */
function rollUp(input: LatticeInput, from: Groups, levels: number[], d: number): Groups {
  const { dimensions, sensitive } = input;
  const up = dimensions[d]!.up[levels[d]! - 1]!;
  const fixedRadix = input.fixed.length + 1;
  const index = new Map<number, number>();
  const gCodes = dimensions.map(() => [] as number[]);
  const gFixed: number[] = [];
  const gSize: number[] = [];
  const gSa = sensitive.map(() => [] as number[]);
  for (let g = 0; g < from.count; g += 1) {
    let key = 0;
    for (let i = 0; i < dimensions.length; i += 1) {
      const code = i === d ? up[from.codes[i]![g]!]! : from.codes[i]![g]!;
      key = key * dimensions[i]!.codeCount[levels[i]!]! + code;
    }
    key = key * fixedRadix + from.fixed[g]!;
    let t = index.get(key);
    if (t === undefined) {
      t = gSize.length;
      index.set(key, t);
      for (let i = 0; i < dimensions.length; i += 1) gCodes[i]!.push(i === d ? up[from.codes[i]![g]!]! : from.codes[i]![g]!);
      gFixed.push(from.fixed[g]!);
      gSize.push(0);
      sensitive.forEach((s, si) => {
        for (let v = 0; v < s.valueCount; v += 1) gSa[si]!.push(0);
      });
    }
    gSize[t]! += from.size[g]!;
    sensitive.forEach((s, si) => {
      for (let v = 0; v < s.valueCount; v += 1) gSa[si]![t! * s.valueCount + v]! += from.sa[si]![g * s.valueCount + v]!;
    });
  }
  return { count: gSize.length, codes: gCodes.map((c) => Int32Array.from(c)), fixed: Int32Array.from(gFixed), size: Int32Array.from(gSize), sa: gSa.map((s) => Int32Array.from(s)) };
}

/** Distinct ℓ on every sensitive attribute; a class without any counted value reveals nothing and passes. */
function diverse(input: LatticeInput, groups: Groups, g: number): boolean {
  return input.sensitive.every((s, si) => {
    let distinct = 0;
    let counted = 0;
    for (let v = 0; v < s.valueCount; v += 1) {
      const c = groups.sa[si]![g * s.valueCount + v]!;
      counted += c;
      if (c > 0) distinct += 1;
    }
    return counted === 0 || distinct >= input.l;
  });
}

function evaluate(input: LatticeInput, groups: Groups, levels: number[]): NodeEvaluation {
  const n = input.fixed.length;
  const weightSum = input.dimensions.reduce((s, d) => s + d.weight, 0);
  let suppressed = 0;
  let kept = 0;
  let classes = 0;
  let discernibility = 0;
  let lossSum = 0;
  for (let g = 0; g < groups.count; g += 1) {
    const f = groups.size[g]!;
    if (f < input.k || !diverse(input, groups, g)) {
      suppressed += f;
      continue;
    }
    kept += f;
    classes += 1;
    discernibility += f * f;
    let rowLoss = 0;
    input.dimensions.forEach((d, i) => (rowLoss += d.weight * d.loss[levels[i]!]![groups.codes[i]![g]!]!));
    lossSum += f * rowLoss;
  }
  discernibility += suppressed * n;
  const loss = n === 0 ? 0 : (lossSum + suppressed * weightSum) / (n * weightSum);
  const averageRisk = kept === 0 ? 1 : classes / kept;
  const feasible = n > 0 && kept > 0 && suppressed <= input.suppressionLimit * n + 1e-9 && averageRisk <= input.maxAverageRisk + 1e-12;
  return { levels: [...levels], feasible, suppressed, kept, classes, loss, discernibility, averageRisk };
}

/** Lower Loss, then lower discernibility, then the smaller level vector (research-data.md §5.3). */
export function betterNode(a: NodeEvaluation, b: NodeEvaluation): boolean {
  if (Math.abs(a.loss - b.loss) > LOSS_TIE) return a.loss < b.loss;
  if (a.discernibility !== b.discernibility) return a.discernibility < b.discernibility;
  for (let i = 0; i < a.levels.length; i += 1) if (a.levels[i] !== b.levels[i]) return a.levels[i]! < b.levels[i]!;
  return false;
}

export function latticeNodes(dimensions: readonly LatticeDimension[]): number[][] {
  let nodes: number[][] = [[]];
  for (const d of dimensions) {
    const next: number[][] = [];
    for (const n of nodes) for (let l = d.minLevel; l <= d.maxLevel; l += 1) next.push([...n, l]);
    nodes = next;
  }
  const height = (v: number[]) => v.reduce((s, l) => s + l, 0);
  return nodes.sort((a, b) => height(a) - height(b) || compareVectors(a, b));
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Exhaustive full-domain generalisation search (research-data.md §5.3): every node is evaluated, so the result is
 * the global optimum. Classes are counted once at the finest node and rolled up one level at a time from the
 * cheapest parent; records are never rescanned per node.
 */
export function searchLattice(input: LatticeInput): LatticeResult {
  const nodes = latticeNodes(input.dimensions);
  if (nodes.length > MAX_LATTICE_NODES) {
    throw new ResearchError('EXPORT_INFEASIBLE', 'the generalisation lattice is too large for an exhaustive search');
  }
  const keyOf = (v: readonly number[]) => v.join(',');
  let previous = new Map<string, Groups>();
  let current = new Map<string, Groups>();
  let height = -1;
  const evaluations: NodeEvaluation[] = [];
  let best: NodeEvaluation | undefined;
  for (const node of nodes) {
    const h = node.reduce((s, l) => s + l, 0);
    if (h !== height) {
      previous = current;
      current = new Map();
      height = h;
    }
    let source: { groups: Groups; d: number } | undefined;
    input.dimensions.forEach((dim, d) => {
      if (node[d]! <= dim.minLevel) return;
      const parent = [...node];
      parent[d]! -= 1;
      const g = previous.get(keyOf(parent));
      if (g && (!source || g.count < source.groups.count)) source = { groups: g, d };
    });
    const groups = source ? rollUp(input, source.groups, node, source.d) : groupRecords(input);
    current.set(keyOf(node), groups);
    const e = evaluate(input, groups, node);
    evaluations.push(e);
    if (e.feasible && (!best || betterNode(e, best))) best = e;
  }
  return { best, nodesEvaluated: nodes.length, hint: best ? undefined : coarseningHint(input, evaluations), evaluations };
}

function coarseningHint(input: LatticeInput, evaluations: readonly NodeEvaluation[]): string | undefined {
  const n = input.fixed.length;
  if (n === 0) return undefined;
  const score = (e: NodeEvaluation) => Math.max(0, e.suppressed - input.suppressionLimit * n) / n + Math.max(0, e.averageRisk - input.maxAverageRisk);
  let bestScore = Infinity;
  let hint: string | undefined;
  input.dimensions.forEach((dim, d) => {
    for (const e of evaluations) {
      const alone = e.levels.every((l, i) => (i === d ? l > dim.minLevel : l === input.dimensions[i]!.minLevel));
      if (alone && score(e) < bestScore) {
        bestScore = score(e);
        hint = dim.name;
      }
    }
  });
  return hint;
}
