import type { Highs, Model } from 'highs';
import { ResearchError } from '../research.errors.js';
import { buildAuditModels } from './audit-model.js';
import { boxWithin, type Box } from './boxes.js';
import { loadHighs } from './highs-solver.js';

/** Feasibility tolerance of the audit (research-data.md §4.4 step 6). */
export const AUDIT_EPSILON = 1e-6;
const MODEL_STATUS_OPTIMAL = 7;
/** Bounded so pooled checks stay cheap; the oldest LP optima go first, the seed (release rows) stays. */
const POOL_LIMIT = 200;

export interface AuditSetup {
  /** Every attribute the boxes mention, with its complete public level-0 code list. */
  domains: ReadonlyMap<string, readonly string[]>;
  /** Rows and objectives; a box's index is its handle. All start suppressed (unconstrained). */
  boxes: readonly Box[];
  /** Combinations every attacker knows to be empty (declared structural zeros, censoring rules). */
  zeroBoxes: readonly Box[];
  /** The public release total: the row every component shares. */
  total: number;
  /** Release rows at level 0: a known feasible point seeds the solution pool. */
  truth?: ReadonlyArray<Readonly<Record<string, string>>>;
  protectionWidth: number;
  /** Refuse rather than build a component with more atoms than this. */
  maxAtoms: number;
  /** Branch-and-bound node limit of the integer re-check; hitting it fails the cell (deterministic, unlike a timer). */
  mipNodeLimit: number;
}

export interface CellBounds {
  pass: boolean;
  lo: number;
  hi: number;
  /** How the verdict was reached: a pooled feasible table, the LP, or the integer re-check. */
  method: 'pool' | 'lp' | 'mip';
}

interface Component {
  model: Model;
  columns: number;
  /** Box index -> row index in this component's model. */
  rowOf: Map<number, number>;
  /** Box index -> merged columns it sums. */
  columnsOf: Map<number, Int32Array>;
  /** Recent LP optima (and the release rows): feasible tables of the current model while `violated` is empty. */
  pool: StoredSolution[];
  /** The argmin/argmax tables of each box's last LP, kept apart from the pool so pruning can reuse them. */
  witnesses: Map<number, { lo: StoredSolution; hi: StoredSolution }>;
  hasTruth: boolean;
  lastObjective: Int32Array | undefined;
}

interface StoredSolution {
  values: Float64Array;
  integral: boolean;
  /** Published boxes this table does not satisfy; it certifies nothing until they are suppressed again. */
  violated: Set<number>;
}

/** Integer width of an interval, robust to solver round-off. */
export function integerWidth(lo: number, hi: number): number {
  return Math.floor(hi + AUDIT_EPSILON) - Math.ceil(lo - AUDIT_EPSILON);
}

/**
 * The LP feasibility audit of research-data.md §4.5, on the model of {@link buildAuditModels}: one persistent HiGHS
 * model per independent component, objectives swapped per cell. Suppressing only removes equalities, so passes are
 * kept across suppressions; publishing adds one, so they are dropped. Every LP optimum is kept as a feasible table:
 * two of them that differ by P in a cell certify it without solving (§4.5 shortcut).
 */
export class FeasibilityAudit {
  private readonly published = new Map<number, number>();
  /** Boxes certified since the last added equality: by the LP, and (a subset) also for integers. */
  private readonly lpPass = new Set<number>();
  private readonly integerPass = new Set<number>();
  private solves = 0;
  private mipSolveCount = 0;

  private constructor(
    private readonly highs: Highs,
    private readonly setup: AuditSetup,
    private readonly componentsOf: number[][],
    private readonly components: Component[],
  ) {}

  static async create(setup: AuditSetup): Promise<FeasibilityAudit> {
    const highs = await loadHighs();
    const built = buildComponents(highs, setup);
    const audit = new FeasibilityAudit(highs, setup, built.componentsOf, built.components);
    return audit;
  }

  get lpSolves(): number {
    return this.solves;
  }

  get mipSolves(): number {
    return this.mipSolveCount;
  }

  /** Publishing a value adds an equality, which can only narrow other cells: cached passes are dropped. */
  setPublished(box: number, value: number): void {
    if (this.published.get(box) === value) return;
    this.published.set(box, value);
    for (const c of this.componentsOf[box]!) {
      const comp = this.components[c]!;
      comp.model.changeRowBounds(comp.rowOf.get(box)!, value, value);
      const cols = comp.columnsOf.get(box)!;
      for (const sol of liveSolutions(comp)) {
        if (Math.abs(sumColumns(sol.values, cols) - value) > AUDIT_EPSILON) sol.violated.add(box);
      }
    }
    this.lpPass.clear();
    this.integerPass.clear();
  }

  /** Suppressing removes an equality: every cell that passed still passes. */
  setSuppressed(box: number): void {
    if (!this.published.has(box)) return;
    this.published.delete(box);
    for (const c of this.componentsOf[box]!) {
      const comp = this.components[c]!;
      comp.model.changeRowBounds(comp.rowOf.get(box)!, -this.highs.infinity, this.highs.infinity);
      for (const sol of liveSolutions(comp)) sol.violated.delete(box);
    }
  }

  /** Components a box lies in: cells of other components cannot be affected by changes to this one. */
  componentsOfBox(box: number): readonly number[] {
    return this.componentsOf[box]!;
  }

  isPublished(box: number): boolean {
    return this.published.has(box);
  }

  /**
   * Bounds of a suppressed box's sum; passes when the integer width is at least P. With `integer`, a cell whose
   * LP width is below 2P must also pass as a MIP (LP bounds can be wider than integer ones in linked tables); the
   * suppression search runs LP-only first and re-checks for integers at the end, which gives the same answer faster.
   */
  check(box: number, integer = true): CellBounds {
    const p = this.setup.protectionWidth;
    const comps = this.componentsOf[box]!;
    if (comps.length !== 1) {
      // A box constraining no attribute counts the whole release, which is public.
      return { pass: false, lo: this.setup.total, hi: this.setup.total, method: 'pool' };
    }
    if (this.integerPass.has(box) || (!integer && this.lpPass.has(box))) return { pass: true, lo: Number.NaN, hi: Number.NaN, method: 'pool' };
    const comp = this.components[comps[0]!]!;
    const cols = comp.columnsOf.get(box)!;
    const certify = (lo: number, hi: number, method: CellBounds['method'], integerCertified: boolean): CellBounds => {
      if (integerCertified || integerWidth(lo, hi) >= 2 * p) this.integerPass.add(box);
      this.lpPass.add(box);
      return { pass: true, lo, hi, method };
    };

    const witness = comp.witnesses.get(box);
    let lo = Infinity;
    let hi = -Infinity;
    let loInt = Infinity;
    let hiInt = -Infinity;
    for (const sol of witness ? [witness.lo, witness.hi, ...comp.pool] : comp.pool) {
      if (sol.violated.size > 0) continue;
      const v = sumColumns(sol.values, cols);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      if (sol.integral) {
        loInt = Math.min(loInt, v);
        hiInt = Math.max(hiInt, v);
      }
      if (integerWidth(loInt, hiInt) >= p || integerWidth(lo, hi) >= 2 * p) return certify(lo, hi, 'pool', true);
    }
    if (!integer && integerWidth(lo, hi) >= p) return certify(lo, hi, 'pool', false);

    // Often one LP suffices: the other end is already reached by a pooled table.
    const low = this.optimise(comp, cols, false);
    if (!integer && integerWidth(low.value, hi) >= p) return certify(low.value, hi, 'lp', false);
    const high = this.optimise(comp, cols, true);
    comp.witnesses.set(box, { lo: low, hi: high });
    const width = integerWidth(low.value, high.value);
    if (width < p) return { pass: false, lo: low.value, hi: high.value, method: 'lp' };
    // Integral LP optima are integer optima too: the MIP could not narrow these bounds.
    if (low.integral && high.integral) return certify(low.value, high.value, 'lp', true);
    if (width >= 2 * p || !integer) return certify(low.value, high.value, 'lp', false);
    const mip = this.integerBounds(comp, cols, low.integral ? low.value : undefined, high.integral ? high.value : undefined);
    if (mip === undefined || integerWidth(mip.lo, mip.hi) < p) return { pass: false, lo: mip?.lo ?? low.value, hi: mip?.hi ?? high.value, method: 'mip' };
    return certify(mip.lo, mip.hi, 'mip', true);
  }

  /** Plain LP bounds of a box's sum, without pool shortcuts (diagnostics and tests). */
  lpBounds(box: number): { lo: number; hi: number } {
    const comps = this.componentsOf[box]!;
    if (comps.length !== 1) return { lo: this.setup.total, hi: this.setup.total };
    const comp = this.components[comps[0]!]!;
    const cols = comp.columnsOf.get(box)!;
    return { lo: this.optimise(comp, cols, false).value, hi: this.optimise(comp, cols, true).value };
  }

  dispose(): void {
    for (const c of this.components) c.model.dispose();
  }

  private setObjective(comp: Component, cols: Int32Array, maximise: boolean): void {
    if (comp.lastObjective) for (const j of comp.lastObjective) comp.model.changeColCost(j, 0);
    for (const j of cols) comp.model.changeColCost(j, 1);
    comp.lastObjective = cols;
    const sense = this.highs.constants.objectiveSense;
    comp.model.changeObjectiveSense(maximise ? sense.maximize : sense.minimize);
  }

  private optimise(comp: Component, cols: Int32Array, maximise: boolean): StoredSolution & { value: number } {
    this.setObjective(comp, cols, maximise);
    this.solves += 1;
    let status = comp.model.run().modelStatus;
    if (status !== MODEL_STATUS_OPTIMAL) {
      // A warm start after many bound changes can end in a wrong verdict; the model always has the release rows as a
      // feasible point, so solve once more from scratch before giving up.
      comp.model.clearSolver();
      comp.model.options.set({ simplex_strategy: 1 });
      status = comp.model.run().modelStatus;
      comp.model.options.set({ simplex_strategy: 4 });
    }
    if (status !== MODEL_STATUS_OPTIMAL) {
      throw new ResearchError('DISCLOSURE_CHECK_FAILED', `LP audit ended with model status ${status}`);
    }
    const values = Float64Array.from(comp.model.getSolution().colValue);
    const solution = { values, violated: new Set<number>(), integral: isIntegral(values), value: comp.model.getObjectiveValue() };
    comp.pool.push(solution);
    if (comp.pool.length > POOL_LIMIT) comp.pool.splice(comp.hasTruth ? 1 : 0, 1);
    return solution;
  }

  /** Integer bounds of a box's sum; a side whose LP optimum was integral is passed in and not solved again. */
  private integerBounds(comp: Component, cols: Int32Array, knownLo?: number, knownHi?: number): { lo: number; hi: number } | undefined {
    const all = { kind: 'range', from: 0, to: comp.columns - 1 } as const;
    comp.model.changeColsIntegrality(all, new Int32Array(comp.columns).fill(1));
    comp.model.options.set({ mip_max_nodes: this.setup.mipNodeLimit });
    try {
      const bound = (maximise: boolean): number | undefined => {
        this.setObjective(comp, cols, maximise);
        this.mipSolveCount += 1;
        const status = comp.model.run().modelStatus;
        if (status !== MODEL_STATUS_OPTIMAL) return undefined;
        comp.pool.push({ values: Float64Array.from(comp.model.getSolution().colValue), violated: new Set(), integral: true });
        if (comp.pool.length > POOL_LIMIT) comp.pool.splice(comp.hasTruth ? 1 : 0, 1);
        return comp.model.getObjectiveValue();
      };
      const lo = knownLo ?? bound(false);
      const hi = knownHi ?? bound(true);
      return lo === undefined || hi === undefined ? undefined : { lo, hi };
    } finally {
      comp.model.clearIntegrality();
    }
  }
}

function* liveSolutions(comp: Component): Generator<StoredSolution> {
  const seen = new Set<StoredSolution>();
  for (const sol of comp.pool) {
    seen.add(sol);
    yield sol;
  }
  for (const w of comp.witnesses.values()) {
    for (const sol of [w.lo, w.hi]) {
      if (seen.has(sol)) continue;
      seen.add(sol);
      yield sol;
    }
  }
}

function isIntegral(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]!;
    if (Math.abs(v - Math.round(v)) > AUDIT_EPSILON) return false;
  }
  return true;
}

function sumColumns(sol: Float64Array, cols: Int32Array): number {
  let s = 0;
  for (let k = 0; k < cols.length; k += 1) s += sol[cols[k]!]!;
  return s;
}

function buildComponents(highs: Highs, setup: AuditSetup): { componentsOf: number[][]; components: Component[] } {
  const { componentsOf, models } = buildAuditModels(setup);
  const inf = highs.infinity;
  const components = models.map((m): Component => {
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const rowOf = new Map<number, number>();
    const addRow = (cols: Iterable<number>, coef: number, lo: number, hi: number) => {
      for (const c of cols) {
        indices.push(c);
        values.push(coef);
      }
      starts.push(indices.length);
      lower.push(lo);
      upper.push(hi);
    };
    for (const [box, cols] of m.columnsOf) {
      rowOf.set(box, lower.length);
      const global = componentsOf[box]!.length > 1;
      addRow(cols, 1, global ? setup.total : -inf, global ? setup.total : inf);
    }
    for (const link of m.links) {
      for (const c of link.plus) {
        indices.push(c);
        values.push(1);
      }
      addRow(link.minus, -1, 0, 0);
    }
    for (const cols of m.cliqueTotals) addRow(cols, 1, setup.total, setup.total);
    const numRows = lower.length;
    const model = highs.createModel({
      numCols: m.columns,
      numRows,
      colCost: new Float64Array(m.columns),
      colLower: new Float64Array(m.columns),
      colUpper: new Float64Array(m.columns).fill(inf),
      rowLower: lower,
      rowUpper: upper,
      matrix: { format: 'csr', numRows, numCols: m.columns, starts, indices, values },
    });
    // Bound LPs differ only in their objective, so the previous basis stays primal feasible: primal simplex restarts from it.
    model.options.set({ output_flag: false, simplex_strategy: 4 });
    const pool: StoredSolution[] = m.truth ? [{ values: m.truth, violated: new Set(), integral: true }] : [];
    return { model, columns: m.columns, rowOf, columnsOf: m.columnsOf, pool, witnesses: new Map(), hasTruth: pool.length > 0, lastObjective: undefined };
  });
  return { componentsOf, components };
}

/** True when a box lies inside one of the zero boxes, so its count is known to be zero. */
export function isStructural(box: Box, zeroBoxes: readonly Box[]): boolean {
  return zeroBoxes.some((z) => boxWithin(box, z));
}
