import { ResearchError } from '../research.errors.js';
import { boxesIntersect, boxId, isEmptyBox, type Box } from './boxes.js';
import { FeasibilityAudit, type CellBounds } from './lp-audit.js';
import { applyDependencies, denominatorKind, isSuppressed, type ValueStatus } from './primary-rules.js';
import type { ComputedTable } from './table-cells.js';
import type { ValueKind } from './measures.js';

/** One value served earlier from the release series (research-data.md §4.6); it never changes. */
export interface RegisterCell {
  box: Box;
  /** Published value, or null when suppressed. */
  value: number | null;
  status: ValueStatus;
}

export interface ProtectionInput {
  table: ComputedTable;
  /** Statuses after the primary rules; not modified. */
  primary: readonly ValueStatus[];
  register: readonly RegisterCell[];
  domains: ReadonlyMap<string, readonly string[]>;
  /** Declared structural zeros plus the public censoring rules. */
  zeroBoxes: readonly Box[];
  total: number;
  truth?: ReadonlyArray<Readonly<Record<string, string>>>;
  protectionWidth: number;
  maxAtoms: number;
  mipNodeLimit: number;
  /** LP solves pruning may spend; past it the remaining secondary cells stay suppressed (safe, deterministic). */
  pruneLpBudget: number;
}

export interface ProtectionResult {
  status: ValueStatus[];
  lpSolves: number;
  mipSolves: number;
  greedySteps: number;
  pruneTrials: number;
  /** Final bounds of every suppressed value of the table, by value index (for diagnostics, never served). */
  bounds: Map<number, CellBounds>;
}

interface Quantity {
  box: Box;
  value: number;
  /** Table values with this box, in canonical order. */
  items: number[];
  fixed: boolean;
  suppressed: boolean;
  /** Fails a primary rule (here or when it was served): only these need the protection width. */
  primary: boolean;
  global: boolean;
}

/**
 * Secondary suppression (research-data.md §4.4): audit-driven greedy with pruning. Deterministic: no randomness,
 * fixed orders everywhere, ties broken by canonical key order.
 */
export async function protectTable(input: ProtectionInput): Promise<ProtectionResult> {
  const { table } = input;
  const status = [...input.primary];
  const quantities: Quantity[] = [];
  const byId = new Map<string, number>();
  const qOfItem = new Int32Array(table.values.length).fill(-1);

  const quantity = (box: Box, value: number, fixed: boolean): number => {
    const id = boxId(box);
    const known = byId.get(id);
    if (known !== undefined) return known;
    byId.set(id, quantities.length);
    quantities.push({ box, value, items: [], fixed, suppressed: false, primary: false, global: Object.keys(box).every((a) => box[a]!.length === input.domains.get(a)!.length) });
    return quantities.length - 1;
  };

  for (const cell of input.register) {
    if (cell.status === 'structural' || isEmptyBox(cell.box)) continue;
    const q = quantity(cell.box, cell.value ?? 0, true);
    quantities[q]!.suppressed = isSuppressed(cell.status);
    quantities[q]!.primary ||= cell.status === 'suppressed_primary';
  }
  table.values.forEach((v, i) => {
    if (status[i] === 'structural' || isEmptyBox(v.box)) return;
    const q = quantity(v.box, v.value, false);
    const quant = quantities[q]!;
    if (quant.fixed && !quant.suppressed && quant.value !== v.value) {
      throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'a served cell no longer matches the release rows');
    }
    quant.items.push(i);
    qOfItem[i] = q;
  });

  // Served cells keep their status; duplicate boxes within the table share the most protective one.
  for (const quant of quantities) {
    if (quant.items.length === 0) continue;
    quant.primary ||= quant.items.some((i) => status[i] === 'suppressed_primary');
    if (quant.fixed) {
      for (const i of quant.items) status[i] = quant.suppressed ? (status[i] === 'suppressed_primary' ? status[i] : 'suppressed_secondary') : 'published';
    } else if (quant.items.some((i) => isSuppressed(status[i]!))) {
      quant.suppressed = true;
      for (const i of quant.items) if (status[i] === 'published') status[i] = 'suppressed_secondary';
    }
  }

  const audit = await FeasibilityAudit.create({
    domains: input.domains,
    boxes: quantities.map((q) => q.box),
    zeroBoxes: input.zeroBoxes,
    total: input.total,
    truth: input.truth,
    protectionWidth: input.protectionWidth,
    maxAtoms: input.maxAtoms,
    mipNodeLimit: input.mipNodeLimit,
  });
  try {
    quantities.forEach((q, i) => {
      if (!q.suppressed) audit.setPublished(i, q.value);
    });
    const touched = new Set(quantities.flatMap((q, i) => (q.items.length > 0 ? audit.componentsOfBox(i) : [])));
    const relevant = (i: number) => audit.componentsOfBox(i).some((c) => touched.has(c));
    /** Table quantities first (canonical key order), then served ones the new table could narrow. */
    const checkOrder = () => {
      const own = quantities
        .map((q, i) => ({ q, i }))
        .filter(({ q }) => q.suppressed && q.primary && q.items.length > 0)
        .sort((a, b) => a.q.items[0]! - b.q.items[0]!)
        .map(({ i }) => i);
      const served = quantities.map((q, i) => ({ q, i })).filter(({ q, i }) => q.suppressed && q.primary && q.items.length === 0 && relevant(i)).map(({ i }) => i);
      return [...own, ...served];
    };
    // LP-only while searching; the integer re-check runs once the LP is satisfied and sends the search back if needed.
    let integerMode = false;
    const firstFailing = (): number | undefined => checkOrder().find((q) => !audit.check(q, integerMode).pass);
    const integerFailing = (): boolean => checkOrder().some((q) => !audit.check(q, true).pass);

    const suppress = (q: number) => {
      const quant = quantities[q]!;
      quant.suppressed = true;
      audit.setSuppressed(q);
      for (const i of quant.items) if (status[i] === 'published') status[i] = 'suppressed_secondary';
      for (const x of applyDependencies(table, status, 'suppressed_secondary')) {
        const qx = quantities[qOfItem[x]!];
        if (qx && !qx.fixed && !qx.suppressed) {
          qx.suppressed = true;
          audit.setSuppressed(qOfItem[x]!);
          for (const i of qx.items) if (status[i] === 'published') status[i] = 'suppressed_secondary';
        }
      }
    };

    // A suppressed value alone in one of its lines is recovered from that line's total. Each greedy round below
    // costs LPs to find such a line and close it; here every such line is closed first, without LPs. This is a
    // necessary condition only: the LP audit still decides, and pruning gives back what it does not need.
    // Count tables only: in rate tables a line of x values also hangs on the n values of its cells; closing lines up
    // front made a 2,640-value re-referral table slower (engine 13 s → 22 s) though a reached table got faster.
    if (table.kinds.length === 1) closeLonelyLines(table, status, quantities, qOfItem, suppress);

    let greedySteps = 0;
    let pruneTrials = 0;
    const greedy = () => {
      for (let failing = firstFailing(); failing !== undefined; failing = firstFailing()) {
        greedySteps += 1;
        const candidate = cheapestCandidate(table, quantities, qOfItem, failing);
        if (candidate === undefined) {
          throw new ResearchError('TABLE_NOT_PROTECTABLE', 'No suppression pattern protects every small cell of this table against the tables already served');
        }
        suppress(candidate);
      }
    };
    const settle = () => {
      greedy();
      if (!integerMode && integerFailing()) {
        integerMode = true;
        greedy();
      }
    };
    settle();

    // Pruning (§4.4 step 5): give back the costliest secondary cells whose suppression the audit does not need. Cells
    // are tried in batches that double after a pass and halve after a failure, down to one. Publishing fewer cells
    // can only widen intervals, so a batch that passes accepts exactly the cells the one-by-one walk would accept;
    // a failed batch decides nothing and is retried smaller. Same pattern as one-by-one, far fewer audits when most
    // cells can be given back.
    const secondary = quantities
      .map((q, i) => ({ q, i }))
      .filter(({ q }) => q.suppressed && !q.fixed && q.items.length > 0 && q.items.every((i) => status[i] === 'suppressed_secondary'))
      .sort((a, b) => b.q.value - a.q.value || a.q.items[0]! - b.q.items[0]!);
    const den = denominatorKind(table.kinds);
    const blockedByDenominator = (q: Quantity) =>
      q.items.some((item) => {
        const v = table.values[item]!;
        return v.kind === 'x' && isSuppressed(status[table.indexOf(v.cell, den)!]!);
      });
    const pruneStart = audit.lpSolves;
    // Pruning audits with LPs only; integer re-checks (MIPs, each worth hundreds of LPs) run once more at the end, in
    // the settle below, which suppresses again if the integers need it.
    integerMode = false;
    let next = 0;
    let batch = 1;
    while (next < secondary.length && audit.lpSolves - pruneStart <= input.pruneLpBudget) {
      const trial: Array<{ q: Quantity; i: number }> = [];
      let end = next;
      for (; end < secondary.length && trial.length < batch; end += 1) {
        const candidate = secondary[end]!;
        // Judged as the one-by-one walk would: with every earlier cell of the batch given back.
        if (blockedByDenominator(candidate.q)) continue;
        trial.push(candidate);
        candidate.q.suppressed = false;
        audit.setPublished(candidate.i, candidate.q.value);
        for (const item of candidate.q.items) status[item] = 'published';
      }
      pruneTrials += 1;
      if (trial.length === 0 || firstFailing() === undefined) {
        next = end;
        batch *= 2;
        continue;
      }
      for (const { q, i } of trial) {
        q.suppressed = true;
        audit.setSuppressed(i);
        for (const item of q.items) status[item] = 'suppressed_secondary';
      }
      if (trial.length === 1) next = end;
      else batch = Math.ceil(trial.length / 2);
    }
    settle();

    const bounds = new Map<number, CellBounds>();
    for (const q of checkOrder()) {
      const result = audit.check(q, true);
      if (!result.pass) throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'suppression pattern failed its final audit');
      for (const item of quantities[q]!.items) bounds.set(item, result);
    }
    return { status, lpSolves: audit.lpSolves, mipSolves: audit.mipSolves, greedySteps, pruneTrials, bounds };
  } finally {
    audit.dispose();
  }
}

/** Mixed-radix layout of the table's cells: each dimension's codes, then its margin. */
interface LineGeometry {
  radix: number[];
  strides: number[];
}

function lineGeometry(table: ComputedTable): LineGeometry {
  const radix = table.plan.dimensions.map((d) => d.codes.length + 1);
  return { radix, strides: radix.map((_, i) => radix.slice(i + 1).reduce((a, b) => a * b, 1)) };
}

/** The values of one kind on the line through `cell` along dimension `d` (its codes and its margin), itself included. */
function lineThrough(table: ComputedTable, g: LineGeometry, cell: number, kind: ValueKind, d: number): number[] {
  const pos = table.cells[cell]!.position;
  const here = pos[d]! < 0 ? g.radix[d]! - 1 : pos[d]!;
  const line: number[] = [];
  for (let k = 0; k < g.radix[d]!; k += 1) {
    const other = table.indexOf(cell + (k - here) * g.strides[d]!, kind);
    if (other !== undefined) line.push(other);
  }
  return line;
}

/**
 * The cheapest of some values by research-data.md §4.4 step 3: unsuppressed, never served, not the grand total; inner
 * cells before margins; cost = value + 1; ties by canonical key order. Returns the value's index.
 */
function cheapestOf(table: ComputedTable, quantities: readonly Quantity[], qOfItem: Int32Array, items: Iterable<number>): number | undefined {
  const { cells, values } = table;
  const eligible = [...items].filter((item) => {
    const q = qOfItem[item]!;
    return q >= 0 && !quantities[q]!.suppressed && !quantities[q]!.fixed && !quantities[q]!.global;
  });
  const inner = eligible.filter((item) => cells[values[item]!.cell]!.inner);
  return (inner.length > 0 ? inner : eligible).sort((a, b) => values[a]!.value - values[b]!.value || a - b)[0];
}

/**
 * Until no line has exactly one suppressed value: in such a line (one dimension varied over its codes and its margin,
 * the other positions and the value kind fixed), suppress the line's cheapest candidate.
 */
function closeLonelyLines(table: ComputedTable, status: readonly ValueStatus[], quantities: readonly Quantity[], qOfItem: Int32Array, suppress: (q: number) => void): void {
  const { values } = table;
  const g = lineGeometry(table);
  const hidden = (item: number) => isSuppressed(status[item]!);
  const queue = values.map((_, i) => i).filter(hidden);
  const queued = new Set(queue);
  for (let head = 0; head < queue.length; head += 1) {
    const v = values[queue[head]!]!;
    for (let d = 0; d < g.radix.length; d += 1) {
      const line = lineThrough(table, g, v.cell, v.kind, d);
      if (line.filter(hidden).length !== 1) continue;
      const choice = cheapestOf(table, quantities, qOfItem, line);
      if (choice === undefined) continue;
      suppress(qOfItem[choice]!);
      for (let i = 0; i < values.length; i += 1) {
        if (hidden(i) && !queued.has(i)) {
          queued.add(i);
          queue.push(i);
        }
      }
    }
  }
}

/** Whether two values of the table can share a row: positions agree or one is a margin; censored excludes n and x. */
function cellsOverlap(table: ComputedTable, a: number, ak: string, b: number, bk: string): boolean {
  const pa = table.cells[a]!.position;
  const pb = table.cells[b]!.position;
  for (let d = 0; d < pa.length; d += 1) if (pa[d]! >= 0 && pb[d]! >= 0 && pa[d] !== pb[d]) return false;
  const disjoint = (k1: string, k2: string) => k1 === 'censored' && (k2 === 'n' || k2 === 'x');
  return !disjoint(ak, bk) && !disjoint(bk, ak);
}

/**
 * Candidates (research-data.md §4.4 step 3): values on a line (row, column, other value of the same cell) through any
 * table value overlapping the failing cell; the cheapest of them by cheapestOf.
 */
function cheapestCandidate(table: ComputedTable, quantities: readonly Quantity[], qOfItem: Int32Array, failing: number): number | undefined {
  const { values } = table;
  const failingBox = quantities[failing]!.box;
  const g = lineGeometry(table);
  const own = quantities[failing]!.items[0];
  const seeds = values
    .map((v, i) => ({ v, i }))
    .filter(({ v }) => (own === undefined ? boxesIntersect(v.box, failingBox) : cellsOverlap(table, values[own]!.cell, values[own]!.kind, v.cell, v.kind)));
  const pool = new Set<number>();
  for (const { v, i } of seeds) {
    pool.add(i);
    for (const kind of table.kinds) pool.add(table.indexOf(v.cell, kind)!);
    for (let d = 0; d < g.radix.length; d += 1) for (const other of lineThrough(table, g, v.cell, v.kind, d)) pool.add(other);
  }
  const choice = cheapestOf(table, quantities, qOfItem, pool);
  return choice === undefined ? undefined : qOfItem[choice];
}
