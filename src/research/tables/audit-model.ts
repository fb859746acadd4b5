import { ResearchError } from '../research.errors.js';
import type { Box } from './boxes.js';

/**
 * The variables and rows of one audit component, solver-independent. Atoms are products of code classes over the
 * attributes of a clique; atoms in exactly the same rows merge into one column.
 */
export interface ComponentModel {
  columns: number;
  /** Box index -> merged columns it sums. */
  columnsOf: Map<number, Int32Array>;
  /** Equalities Σ plus − Σ minus = 0 that glue cliques along their separators. */
  links: Array<{ plus: Int32Array; minus: Int32Array }>;
  /** One row per clique: its columns sum to the release total. */
  cliqueTotals: Int32Array[];
  /** Release rows counted per column, when given. */
  truth: Float64Array | undefined;
  cliques: string[][];
}

export interface AuditModelInput {
  domains: ReadonlyMap<string, readonly string[]>;
  boxes: readonly Box[];
  zeroBoxes: readonly Box[];
  truth?: ReadonlyArray<Readonly<Record<string, string>>>;
  maxAtoms: number;
}

interface Classes {
  classOf: Map<string, number>;
  count: number;
}

/**
 * Splits the audit into components (attributes never constrained together are independent given the public total)
 * and each component into a junction tree of cliques (research-data.md §4.5 asks for atoms at the finest levels;
 * this is the same feasible set, written smaller). Gluing clique tables that agree on their separators always gives a
 * joint table, real or integer (a transport problem per separator cell), so LP and MIP bounds are exact.
 */
export function buildAuditModels(input: AuditModelInput): { componentsOf: number[][]; models: ComponentModel[] } {
  const { domains } = input;
  const attrs = [...domains.keys()];
  const proper = (box: Box, a: string) => {
    const domain = domains.get(a);
    if (!domain) throw new Error(`audit box uses attribute ${a} without a domain`);
    for (const c of box[a]!) if (!domain.includes(c)) throw new Error(`audit box code ${c} outside the ${a} domain`);
    return new Set(box[a]).size < domain.length;
  };
  const rowAttrs = new Set(input.boxes.flatMap((b) => Object.keys(b).filter((a) => proper(b, a))));
  // A zero box on an attribute no row distinguishes cannot change any row sum once that attribute is summed out.
  const zeroBoxes = input.zeroBoxes.filter((z) => Object.keys(z).every((a) => !proper(z, a) || rowAttrs.has(a)));
  const all = [...input.boxes, ...zeroBoxes];
  const constrained = all.map((b) => Object.keys(b).filter((a) => proper(b, a)).sort((x, y) => attrs.indexOf(x) - attrs.indexOf(y)));
  const classes = attributeClasses(attrs, all, constrained, domains);

  const parent = new Map(attrs.map((a) => [a, a]));
  const find = (a: string): string => {
    while (parent.get(a) !== a) a = parent.get(a)!;
    return a;
  };
  for (const cs of constrained) for (let i = 1; i < cs.length; i += 1) parent.set(find(cs[i]!), find(cs[0]!));
  const used = attrs.filter((a) => constrained.some((cs) => cs.includes(a)));
  const roots = [...new Set(used.map(find))];
  const groups = roots.length === 0 ? [[] as string[]] : roots.map((r) => used.filter((a) => find(a) === r));
  const componentsOf = input.boxes.map((_, i) => {
    const cs = constrained[i]!;
    return cs.length === 0 ? groups.map((_g, gi) => gi) : [groups.findIndex((g) => g.includes(cs[0]!))];
  });

  let atomBudget = input.maxAtoms;
  const models = groups.map((group, gi) => {
    const model = buildComponentModel(input, group, gi, all, constrained, componentsOf, classes, atomBudget);
    atomBudget -= model.atoms;
    return model.model;
  });
  return { componentsOf, models };
}

function attributeClasses(attrs: string[], all: readonly Box[], constrained: string[][], domains: ReadonlyMap<string, readonly string[]>): Map<string, Classes> {
  const out = new Map<string, Classes>();
  for (const a of attrs) {
    const relevant = all.map((b, i) => (constrained[i]!.includes(a) ? new Set(b[a]) : undefined));
    const signatures = new Map<string, number>();
    const classOf = new Map<string, number>();
    for (const code of domains.get(a)!) {
      const sig = relevant.flatMap((codes, i) => (codes?.has(code) ? [i] : [])).join(',');
      if (!signatures.has(sig)) signatures.set(sig, signatures.size);
      classOf.set(code, signatures.get(sig)!);
    }
    out.set(a, { classOf, count: signatures.size });
  }
  return out;
}

/** Maximal cliques of a min-fill triangulation of the attribute graph, in elimination order. */
function triangulate(group: string[], edgesFrom: string[][]): string[][] {
  const adj = new Map(group.map((a) => [a, new Set<string>()]));
  for (const cs of edgesFrom) for (const a of cs) for (const b of cs) if (a !== b) adj.get(a)!.add(b);
  const remaining = [...group];
  const cliques: string[][] = [];
  while (remaining.length > 0) {
    let best = remaining[0]!;
    let bestFill = Infinity;
    for (const v of remaining) {
      const nb = [...adj.get(v)!];
      let fill = 0;
      for (let i = 0; i < nb.length; i += 1) for (let j = i + 1; j < nb.length; j += 1) if (!adj.get(nb[i]!)!.has(nb[j]!)) fill += 1;
      if (fill < bestFill) {
        best = v;
        bestFill = fill;
      }
    }
    const nb = [...adj.get(best)!];
    for (const x of nb) for (const y of nb) if (x !== y) adj.get(x)!.add(y);
    cliques.push([best, ...nb].sort((x, y) => group.indexOf(x) - group.indexOf(y)));
    for (const x of nb) adj.get(x)!.delete(best);
    remaining.splice(remaining.indexOf(best), 1);
  }
  return cliques.filter((c, i) => !cliques.some((d, j) => j !== i && c.every((a) => d.includes(a)) && (d.length > c.length || j < i)));
}

/** Maximum-weight spanning tree over cliques, weight = shared attributes (Prim, ties by index). */
function junctionTree(cliques: string[][]): Array<[number, number]> {
  const inTree = new Set([0]);
  const edges: Array<[number, number]> = [];
  while (inTree.size < cliques.length) {
    let best: [number, number] | undefined;
    let weight = -1;
    for (const i of inTree) {
      for (let j = 0; j < cliques.length; j += 1) {
        if (inTree.has(j)) continue;
        const w = cliques[i]!.filter((a) => cliques[j]!.includes(a)).length;
        if (w > weight) {
          weight = w;
          best = [i, j];
        }
      }
    }
    edges.push(best!);
    inTree.add(best![1]);
  }
  return edges;
}

function buildComponentModel(
  input: AuditModelInput,
  group: string[],
  gi: number,
  all: readonly Box[],
  constrained: string[][],
  componentsOf: number[][],
  classes: Map<string, Classes>,
  atomBudget: number,
): { model: ComponentModel; atoms: number } {
  const nBoxes = input.boxes.length;
  const inGroup = (i: number) => (i < nBoxes ? componentsOf[i]!.includes(gi) : constrained[i]!.length > 0 && group.includes(constrained[i]![0]!));
  const members = all.map((_, i) => i).filter(inGroup);
  const cliques = group.length === 0 ? [[]] : triangulate(group, members.map((i) => constrained[i]!));
  const radix = cliques.map((c) => c.map((a) => classes.get(a)!.count));
  const sizes = radix.map((r) => r.reduce((x, y) => x * y, 1));
  const atoms = sizes.reduce((x, y) => x + y, 0);
  if (atoms > atomBudget) {
    throw new ResearchError('TABLE_TOO_COMPLEX', 'The combination of this table with the tables already served is too complex to audit', {
      details: { reason: 'audit-model-size' },
    });
  }
  const home = (i: number) => cliques.findIndex((c) => constrained[i]!.every((a) => c.includes(a)));
  const admitted = (i: number, q: number) =>
    cliques[q]!.map((a, d) => (constrained[i]!.includes(a) ? [...new Set(all[i]![a]!.map((code) => classes.get(a)!.classOf.get(code)!))].sort((x, y) => x - y) : Array.from({ length: radix[q]![d]! }, (_, k) => k)));
  const enumerate = (q: number, lists: number[][], visit: (atom: number) => void) => {
    const r = radix[q]!;
    const rec = (d: number, acc: number) => {
      if (d === lists.length) return visit(acc);
      for (const k of lists[d]!) rec(d + 1, acc * r[d]! + k);
    };
    rec(0, 0);
  };
  const decode = (q: number, atom: number) => {
    const r = radix[q]!;
    const out = new Array<number>(r.length);
    for (let d = r.length - 1; d >= 0; d -= 1) {
      out[d] = atom % r[d]!;
      atom = Math.floor(atom / r[d]!);
    }
    return out;
  };

  const zero = sizes.map((s) => new Uint8Array(s));
  for (const i of members.filter((m) => m >= nBoxes)) {
    cliques.forEach((c, q) => {
      if (constrained[i]!.every((a) => c.includes(a))) enumerate(q, admitted(i, q), (t) => (zero[q]![t] = 1));
    });
  }

  // Row memberships per atom: boxes (ids >= 0) and separator cells (ids < 0), then merge equal signatures.
  const signature = sizes.map((s) => Array.from({ length: s }, () => [] as number[]));
  const boxAtoms = new Map<number, { q: number; atoms: number[] }>();
  for (const i of members.filter((m) => m < nBoxes)) {
    const q = constrained[i]!.length === 0 ? 0 : home(i);
    const list: number[] = [];
    enumerate(q, admitted(i, q), (t) => {
      if (zero[q]![t]) return;
      list.push(t);
      signature[q]![t]!.push(i);
    });
    boxAtoms.set(i, { q, atoms: list });
  }
  const tree = junctionTree(cliques);
  const linkCells: Array<{ a: number; b: number; key: string }> = [];
  const linkId = new Map<string, number>();
  tree.forEach(([a, b], e) => {
    const shared = cliques[a]!.filter((x) => cliques[b]!.includes(x));
    for (const q of [a, b]) {
      const pos = shared.map((x) => cliques[q]!.indexOf(x));
      for (let t = 0; t < sizes[q]!; t += 1) {
        if (zero[q]![t]) continue;
        const cls = decode(q, t);
        const key = `${e}:${pos.map((p) => cls[p]).join(',')}`;
        if (!linkId.has(key)) {
          linkId.set(key, linkCells.length);
          linkCells.push({ a, b, key });
        }
        signature[q]![t]!.push(-1 - linkId.get(key)!);
      }
    }
  });

  const columnOf = sizes.map((s) => new Int32Array(s).fill(-1));
  const bySignature = new Map<string, number>();
  let columns = 0;
  const cliqueColumns = cliques.map(() => new Set<number>());
  cliques.forEach((_, q) => {
    for (let t = 0; t < sizes[q]!; t += 1) {
      if (zero[q]![t]) continue;
      const key = `${q}|${signature[q]![t]!.join(',')}`;
      if (!bySignature.has(key)) bySignature.set(key, columns++);
      columnOf[q]![t] = bySignature.get(key)!;
      cliqueColumns[q]!.add(columnOf[q]![t]!);
    }
  });
  const sorted = (xs: Iterable<number>) => Int32Array.from(new Set(xs)).sort();
  const columnsOf = new Map<number, Int32Array>();
  for (const [i, { q, atoms: list }] of boxAtoms) {
    columnsOf.set(i, constrained[i]!.length === 0 ? sorted(cliqueColumns[0]!) : sorted(list.map((t) => columnOf[q]![t]!)));
  }
  const plus = linkCells.map(() => new Set<number>());
  const minus = linkCells.map(() => new Set<number>());
  cliques.forEach((_, q) => {
    for (let t = 0; t < sizes[q]!; t += 1) {
      if (zero[q]![t]) continue;
      for (const id of signature[q]![t]!) {
        if (id >= 0) continue;
        const cell = linkCells[-1 - id]!;
        (cell.a === q ? plus : minus)[-1 - id]!.add(columnOf[q]![t]!);
      }
    }
  });

  let truth: Float64Array | undefined;
  if (input.truth) {
    truth = new Float64Array(columns);
    for (const row of input.truth) {
      cliques.forEach((c, q) => {
        let atom = 0;
        c.forEach((a, d) => (atom = atom * radix[q]![d]! + classes.get(a)!.classOf.get(row[a]!)!));
        const col = columnOf[q]![atom]!;
        if (col < 0) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'a release row falls in a declared structural zero');
        truth![col]! += 1;
      });
    }
  }
  return {
    model: {
      columns: Math.max(columns, 1),
      columnsOf,
      links: linkCells.map((_, k) => ({ plus: sorted(plus[k]!), minus: sorted(minus[k]!) })),
      cliqueTotals: cliqueColumns.map((s) => sorted(s)),
      truth,
      cliques,
    },
    atoms,
  };
}
