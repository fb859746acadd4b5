import highsImport from 'highs';
import type { Highs, Model } from 'highs';

/** Boxes as the verifier sees them: attribute -> admitted level-0 codes. */
export type PlainBox = Readonly<Record<string, readonly string[]>>;

const EPS = 1e-6;
const OPTIMAL = 7;

let loading: Promise<Highs> | undefined;
function solver(): Promise<Highs> {
  const loader = highsImport as unknown as typeof highsImport.default;
  loading ??= loader();
  return loading;
}

export const intWidth = (lo: number, hi: number) => Math.floor(hi + EPS) - Math.ceil(lo - EPS);

export interface AuditCell {
  box: PlainBox;
  /** Published value, or null when suppressed. */
  value: number | null;
}

export interface AuditFinding {
  index: number;
  /** LP bounds. */
  lo: number;
  hi: number;
  /** Integer bounds when the LP width was below 2P (undefined bounds: the MIP hit its node limit). */
  integerLo?: number;
  integerHi?: number;
  pass: boolean;
  /** Certified by two feasible tables found earlier: lo and hi are then their values, not the bounds. */
  pooled?: boolean;
}

/** Solutions kept for the shortcut; checking one costs a sum over a cell's columns. */
const POOL_SIZE = 128;

function pooledRange(pool: ReadonlyArray<{ x: Float64Array; integral: boolean }>, cols: readonly number[]) {
  let lo = Infinity;
  let hi = -Infinity;
  let intLo = Infinity;
  let intHi = -Infinity;
  for (const { x, integral } of pool) {
    let v = 0;
    for (const c of cols) v += x[c]!;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    if (integral) {
      intLo = Math.min(intLo, v);
      intHi = Math.max(intHi, v);
    }
  }
  return { lo, hi, intLo, intHi };
}

/**
 * Independent LP + MIP feasibility audit, one finding per checked cell. Attributes never constrained together form
 * separate components (independent given the public total); within one, variables are clique atoms (see
 * componentLp), without merging; each optimum found is kept as a feasible table for the §4.5 shortcut. Every suppressed cell in `toCheck` must have integer width
 * ≥ P; below 2P the bounds are re-solved as a MIP, and a MIP that does not finish within the node limit fails.
 */
export async function auditCells(
  domains: Map<string, string[]>,
  cells: readonly AuditCell[],
  zeros: readonly PlainBox[],
  total: number,
  toCheck: readonly number[],
  /** Cells added by the output under test; components without one were audited when they were served. */
  added: ReadonlySet<number>,
  p: number,
  mipNodeLimit: number,
  maxAtoms: number,
): Promise<AuditFinding[]> {
  const highs = await solver();
  const proper = (b: PlainBox, a: string) => new Set(b[a]).size < domains.get(a)!.length;
  const rowAttrs = new Set(cells.flatMap((c) => Object.keys(c.box).filter((a) => proper(c.box, a))));
  const usefulZeros = zeros.filter((z) => Object.keys(z).every((a) => !proper(z, a) || rowAttrs.has(a)));
  const all = [...cells.map((c) => c.box), ...usefulZeros];
  const attrsOf = all.map((b) => Object.keys(b).filter((a) => proper(b, a)));

  // components: attributes appearing together in a box
  const root = new Map<string, string>();
  const find = (a: string): string => {
    let r = a;
    while (root.get(r) !== r) r = root.get(r)!;
    return r;
  };
  for (const as of attrsOf) for (const a of as) if (!root.has(a)) root.set(a, a);
  for (const as of attrsOf) for (let i = 1; i < as.length; i += 1) root.set(find(as[i]!), find(as[0]!));
  const groups = new Map<string, string[]>();
  for (const a of root.keys()) groups.set(find(a), [...(groups.get(find(a)) ?? []), a]);
  const comps = groups.size === 0 ? [[] as string[]] : [...groups.values()].map((g) => g.sort());

  const findings: AuditFinding[] = [];
  for (const attrs of comps) {
    const inComp = (i: number) => attrsOf[i]!.length === 0 || attrs.includes(attrsOf[i]![0]!);
    const members = cells.map((_, i) => i).filter(inComp);
    const checks = toCheck.filter((i) => inComp(i) && attrsOf[i]!.length > 0);
    if (checks.length === 0 || !members.some((i) => added.has(i))) continue;
    const zeroIdx = usefulZeros.map((_, zi) => cells.length + zi).filter((i) => attrsOf[i]!.length > 0 && attrs.includes(attrsOf[i]![0]!));
    const lp = componentLp(attrs, all, attrsOf, members, zeroIdx, cells, total, domains, maxAtoms, highs.infinity);
    const model: Model = highs.createModel(lp.data);
    try {
      // Only the objective changes between solves, so primal simplex can start from the last basis.
      model.options.set({ output_flag: false, simplex_strategy: 4 });
      const n = lp.data.numCols;
      // Every optimum is a feasible table of this component: two that differ by enough in a cell prove its width
      // without solving (research-data.md §4.5 shortcut). Kept here, not shared with the engine's pool.
      const pool: Array<{ x: Float64Array; integral: boolean }> = [];
      const keep = (): boolean => {
        const x = Float64Array.from(model.getSolution().colValue);
        const integral = x.every((v) => Math.abs(v - Math.round(v)) <= EPS);
        pool.push({ x, integral });
        if (pool.length > POOL_SIZE) pool.shift();
        return integral;
      };
      let lastIntegral = false;
      const bound = (colsOfBox: number[], max: boolean, integer: boolean): number | undefined => {
        const cost = new Float64Array(n);
        for (const c of colsOfBox) cost[c] = 1;
        model.changeColsCost({ kind: 'range', from: 0, to: n - 1 }, cost);
        model.changeObjectiveSense(max ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize);
        const status = model.run().modelStatus;
        if (status !== OPTIMAL) {
          if (!integer) throw new Error(`verifier LP status ${status}`);
          return undefined;
        }
        lastIntegral = keep();
        return model.getObjectiveValue();
      };
      for (const i of checks) {
        const bc = lp.colsOf.get(i)!;
        const pooled = pooledRange(pool, bc);
        if (intWidth(pooled.lo, pooled.hi) >= 2 * p || intWidth(pooled.intLo, pooled.intHi) >= p) {
          findings.push({ index: i, lo: pooled.lo, hi: pooled.hi, pass: true, pooled: true });
          continue;
        }
        const lo = bound(bc, false, false)!;
        const loIntegral = lastIntegral;
        const hi = bound(bc, true, false)!;
        const w = intWidth(lo, hi);
        // An integral LP optimum is also the integer optimum, so the MIP could not narrow these bounds.
        if (w < p || w >= 2 * p || (loIntegral && lastIntegral)) {
          findings.push({ index: i, lo, hi, pass: w >= p });
          continue;
        }
        const hiIntegral = lastIntegral;
        const seen = pooledRange(pool, bc);
        if (intWidth(seen.intLo, seen.intHi) >= p) {
          findings.push({ index: i, lo, hi, pass: true, pooled: true });
          continue;
        }
        model.changeColsIntegrality({ kind: 'range', from: 0, to: n - 1 }, new Int32Array(n).fill(1));
        model.options.set({ mip_max_nodes: mipNodeLimit });
        // An integral LP end is already the integer bound on that side.
        const ilo = loIntegral ? lo : bound(bc, false, true);
        const ihi = hiIntegral ? hi : bound(bc, true, true);
        model.clearIntegrality();
        const pass = ilo !== undefined && ihi !== undefined && intWidth(ilo, ihi) >= p;
        findings.push({ index: i, lo, hi, integerLo: ilo, integerHi: ihi, pass });
      }
    } finally {
      model.dispose();
    }
  }
  return findings;
}

/**
 * One component as an LP: cliques of a chordal cover of the attribute graph (eliminating the attribute of least
 * degree first), one variable per clique atom, cliques glued on their shared attributes along a spanning tree of
 * largest overlaps. Gluing agreeing clique tables always yields a joint table, so the bounds are those of the full
 * product of attributes.
 */
function componentLp(
  attrs: string[],
  all: readonly PlainBox[],
  attrsOf: string[][],
  members: number[],
  zeroIdx: number[],
  cells: readonly AuditCell[],
  total: number,
  domains: Map<string, string[]>,
  maxAtoms: number,
  inf: number,
) {
  const used = [...members, ...zeroIdx];
  const nbr = new Map(attrs.map((a) => [a, new Set<string>()]));
  for (const i of used) for (const a of attrsOf[i]!) for (const b of attrsOf[i]!) if (a !== b) nbr.get(a)!.add(b);
  const left = new Set(attrs);
  const raw: string[][] = [];
  while (left.size > 0) {
    const v = [...left].sort((x, y) => nbr.get(x)!.size - nbr.get(y)!.size || attrs.indexOf(x) - attrs.indexOf(y))[0]!;
    const around = [...nbr.get(v)!];
    for (const x of around) for (const y of around) if (x !== y) nbr.get(x)!.add(y);
    for (const x of around) nbr.get(x)!.delete(v);
    raw.push([v, ...around]);
    left.delete(v);
  }
  const cliques = attrs.length === 0 ? [[] as string[]] : raw.filter((c, i) => !raw.some((d, j) => j !== i && c.every((a) => d.includes(a)) && (d.length > c.length || j < i)));

  // classes: codes no relevant box tells apart
  const classOf = new Map<string, Map<string, number>>();
  const classCount = new Map<string, number>();
  for (const a of attrs) {
    const sigs = new Map<string, number>();
    const m = new Map<string, number>();
    for (const code of domains.get(a)!) {
      const sig = used.map((i) => (attrsOf[i]!.includes(a) && all[i]![a]!.includes(code) ? '1' : '0')).join('');
      if (!sigs.has(sig)) sigs.set(sig, sigs.size);
      m.set(code, sigs.get(sig)!);
    }
    classOf.set(a, m);
    classCount.set(a, sigs.size);
  }
  const atomsOf = cliques.map((c) => {
    let out: number[][] = [[]];
    for (const a of c) out = out.flatMap((t) => Array.from({ length: classCount.get(a)! }, (_, k) => [...t, k]));
    return out;
  });
  if (atomsOf.reduce((s, x) => s + x.length, 0) > maxAtoms) throw new Error('audit model too large for the verifier');
  const admits = (i: number, clique: string[], cls: number[]) =>
    clique.every((a, d) => !attrsOf[i]!.includes(a) || all[i]![a]!.some((code) => classOf.get(a)!.get(code) === cls[d]));
  const inside = (i: number, clique: string[]) => attrsOf[i]!.every((a) => clique.includes(a));

  const varOf = atomsOf.map((list) => new Int32Array(list.length).fill(-1));
  let nVars = 0;
  cliques.forEach((c, q) => {
    atomsOf[q]!.forEach((cls, t) => {
      if (!zeroIdx.some((z) => inside(z, c) && admits(z, c, cls))) varOf[q]![t] = nVars++;
    });
  });
  const starts = [0];
  const index: number[] = [];
  const coef: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const row = (entries: Array<[number, number]>, lo: number, hi: number) => {
    for (const [v, c] of entries) {
      index.push(v);
      coef.push(c);
    }
    starts.push(index.length);
    lower.push(lo);
    upper.push(hi);
  };
  const colsOf = new Map<number, number[]>();
  for (const i of members) {
    const q = attrsOf[i]!.length === 0 ? 0 : cliques.findIndex((c) => inside(i, c));
    const vars = atomsOf[q]!.flatMap((cls, t) => (varOf[q]![t]! >= 0 && admits(i, cliques[q]!, cls) ? [varOf[q]![t]!] : []));
    colsOf.set(i, vars);
    const v = attrsOf[i]!.length === 0 ? total : cells[i]!.value;
    row(vars.map((x) => [x, 1]), v ?? -inf, v ?? inf);
  }
  cliques.forEach((_, q) => row(atomsOf[q]!.flatMap((_c, t) => (varOf[q]![t]! >= 0 ? [[varOf[q]![t]!, 1] as [number, number]] : [])), total, total));
  // spanning tree (Kruskal on overlap size) and one equality per separator cell
  const pairs: Array<[number, number, number]> = [];
  for (let x = 0; x < cliques.length; x += 1) for (let y = x + 1; y < cliques.length; y += 1) pairs.push([x, y, cliques[x]!.filter((a) => cliques[y]!.includes(a)).length]);
  pairs.sort((p1, p2) => p2[2] - p1[2] || p1[0] - p2[0] || p1[1] - p2[1]);
  const comp = cliques.map((_, q) => q);
  const top = (q: number): number => (comp[q] === q ? q : top(comp[q]!));
  for (const [x, y] of pairs) {
    if (top(x) === top(y)) continue;
    comp[top(y)] = top(x);
    const shared = cliques[x]!.filter((a) => cliques[y]!.includes(a));
    const key = (q: number, cls: number[]) => shared.map((a) => cls[cliques[q]!.indexOf(a)]).join(',');
    const cellsOf = (q: number) => {
      const m = new Map<string, number[]>();
      atomsOf[q]!.forEach((cls, t) => {
        if (varOf[q]![t]! < 0) return;
        m.set(key(q, cls), [...(m.get(key(q, cls)) ?? []), varOf[q]![t]!]);
      });
      return m;
    };
    const mx = cellsOf(x);
    const my = cellsOf(y);
    for (const k of new Set([...mx.keys(), ...my.keys()])) {
      row([...(mx.get(k) ?? []).map((v) => [v, 1] as [number, number]), ...(my.get(k) ?? []).map((v) => [v, -1] as [number, number])], 0, 0);
    }
  }
  const numCols = Math.max(nVars, 1);
  return {
    colsOf,
    data: {
      numCols,
      numRows: lower.length,
      colCost: new Float64Array(numCols),
      colLower: new Float64Array(numCols),
      colUpper: new Float64Array(numCols).fill(inf),
      rowLower: lower,
      rowUpper: upper,
      matrix: { format: 'csr' as const, numRows: lower.length, numCols, starts, indices: index, values: coef },
    },
  };
}
