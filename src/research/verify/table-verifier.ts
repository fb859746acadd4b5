import canonicalize from 'canonicalize';
import { auditCells, type AuditCell, type PlainBox } from './verifier-audit.js';
import { RegistryView, type PlainRegistry } from './registry-view.js';
import { failClosed, type Findings, type VerificationResult } from './verification-result.js';

/** A release row as plain data (the verifier re-derives every code itself). */
export interface PlainPerson {
  personKey: string;
  age: number;
  sex: string;
  geo: string;
  period: string;
  referralSource: string;
  attempts: string;
  firstAttemptDelay: string;
  outcome: string;
  rereferral: string;
  rereferral6m: string;
  careStarted: string;
  followupReached: string;
  parentPresent: string;
  priorReferrals: string;
}

export interface PlainRegisterCell {
  box: PlainBox;
  value: number | null;
  status: string;
}

export interface PlainRegisterRow extends PlainRegisterCell {
  boxId: string;
  cellKey: Record<string, string>;
  kind: string;
}

export interface TableVerificationInput {
  registry: PlainRegistry;
  release: { id: string; cutoff: string; months: readonly string[] };
  persons: readonly PlainPerson[];
  /** Newest release of the series when it is not `release`. */
  series?: { persons: readonly PlainPerson[]; cutoff: string; months: readonly string[] };
  request: { measure: string; dimensions: Array<{ name: string; level: number }>; filters?: Array<{ dimension: string; level: number; in: string[] }> };
  params: { tau: number; g: number; p: number; minMeanCellSize: number; maxCells: number; maxClassifyingDimensions: number; mipNodeLimit: number; maxAtoms: number };
  /** The response about to be returned, and the rows about to be registered. */
  response: unknown;
  registerRows: readonly PlainRegisterRow[];
  /** Everything served from the series before. */
  register: readonly PlainRegisterCell[];
}

const TABULABLE = ['age', 'sex', 'geo', 'period', 'referral_source', 'attempts', 'first_attempt_delay', 'prior_referrals', 'outcome'];
const KINDS = ['persons', 'censored', 'n', 'x'];

interface Measure {
  kinds: string[];
  den?: (c12: string[], c6: string[]) => PlainBox;
  success?: PlainBox;
}
const MEASURES: Record<string, Measure> = {
  persons: { kinds: ['persons'] },
  rereferral_12m: { kinds: ['persons', 'censored', 'n', 'x'], den: (c12) => ({ period: c12 }), success: { rereferral: ['0-3m', '3-6m', '6-12m'] } },
  rereferral_6m: { kinds: ['persons', 'censored', 'n', 'x'], den: (_c12, c6) => ({ period: c6 }), success: { rereferral_6m: ['YES'] } },
  reached: { kinds: ['persons', 'x'], success: { outcome: ['CONVERSATION_CARE', 'CONVERSATION_NO_CARE'] } },
  care_started: { kinds: ['persons', 'n', 'x'], den: () => ({ care_started: ['YES', 'NO'] }), success: { care_started: ['YES'] } },
  followup_reached: { kinds: ['persons', 'n', 'x'], den: () => ({ followup_reached: ['YES', 'NO'] }), success: { followup_reached: ['YES'] } },
  parent_present: { kinds: ['persons', 'n', 'x'], den: () => ({ parent_present: ['YES', 'NO'] }), success: { parent_present: ['YES'] } },
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

function endOfQuarterPlusMonths(month: string, add: number): string {
  const y = Number(month.slice(0, 4));
  const qEndMonth = Math.ceil(Number(month.slice(5, 7)) / 3) * 3;
  const qEndDay = new Date(Date.UTC(y, qEndMonth, 0)).getUTCDate();
  const total = y * 12 + qEndMonth - 1 + add;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const day = Math.min(qEndDay, new Date(Date.UTC(ny, nm, 0)).getUTCDate());
  return `${ny}-${String(nm).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
const completeMonths = (months: readonly string[], cutoff: string, n: number) => months.filter((m) => endOfQuarterPlusMonths(m, n) <= cutoff);

function ageCoder(reg: RegistryView): (years: number) => string {
  const ranges = reg.codes('age', 0).map((code) => {
    const m = /^(\d+)(?:-(\d+)|(\+))?$/.exec(code);
    if (!m) throw new Error(`unreadable age code ${code}`);
    const hi = m[2] !== undefined ? Number(m[2]) : m[3] ? Infinity : Number(m[1]);
    return { code, lo: Number(m[1]), hi };
  });
  return (years) => {
    const r = ranges.find((x) => years >= x.lo && years <= x.hi);
    if (!r) throw new Error('age outside the age code list');
    return r.code;
  };
}

function codesOf(p: PlainPerson, age: (y: number) => string): Record<string, string> {
  return {
    age: age(p.age),
    sex: p.sex,
    geo: p.geo,
    period: p.period,
    referral_source: p.referralSource,
    attempts: p.attempts,
    first_attempt_delay: p.firstAttemptDelay,
    outcome: p.outcome,
    rereferral: p.rereferral,
    rereferral_6m: p.rereferral6m,
    care_started: p.careStarted,
    followup_reached: p.followupReached,
    parent_present: p.parentPresent,
    prior_referrals: p.priorReferrals,
  };
}

function meet(a: PlainBox, b: PlainBox): PlainBox {
  const out: Record<string, readonly string[]> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? out[k]!.filter((c) => v.includes(c)) : [...v];
  return out;
}
const inBox = (row: Record<string, string>, box: PlainBox) => Object.entries(box).every(([a, codes]) => codes.includes(row[a]!));
const empty = (box: PlainBox) => Object.values(box).some((c) => c.length === 0);
const within = (inner: PlainBox, outer: PlainBox) => !empty(inner) && Object.entries(outer).every(([a, codes]) => inner[a] !== undefined && inner[a]!.every((c) => codes.includes(c)));
const boxKey = (box: PlainBox) => canonicalize(Object.fromEntries(Object.keys(box).sort().map((k) => [k, [...box[k]!].sort()])))!;

/** The table half of the independent verifier (research-data.md §5.8). */
export function verifyTable(input: TableVerificationInput): Promise<VerificationResult> {
  return failClosed((f) => runTableChecks(input, f));
}

async function runTableChecks(input: TableVerificationInput, f: Findings): Promise<void> {
  const reg = new RegistryView(input.registry);
  const { request, params, release } = input;
  const measure = MEASURES[request.measure];
  if (!measure) return f.fail('design', 'unknown measure');

  // design rules
  f.begin('design');
  const regOrder = input.registry.dimensions.map((d) => d.name);
  const dims = [...request.dimensions].sort((a, b) => regOrder.indexOf(a.name) - regOrder.indexOf(b.name));
  const filters = request.filters ?? [];
  for (const d of dims) f.expect('design', TABULABLE.includes(d.name) && d.level >= 0 && d.level < reg.levelCount(d.name), `bad dimension ${d.name}`);
  for (const flt of filters) {
    f.expect('design', TABULABLE.includes(flt.dimension) && flt.dimension !== 'outcome' && Object.keys(flt).sort().join(',') === 'dimension,in,level', 'a filter is not a whole-node selection');
    f.expect('design', flt.in.length > 0 && flt.in.every((c) => reg.codes(flt.dimension, flt.level).includes(c)), 'a filter lists unknown codes');
  }
  const classifying = new Set([...dims.map((d) => d.name), ...filters.map((x) => x.dimension)].filter((n) => n !== 'period'));
  f.expect('design', classifying.size <= params.maxClassifyingDimensions, 'too many classifying dimensions');
  if (f.failures.length > 0) return;

  const base: Record<string, readonly string[]> = {};
  for (const flt of filters) base[flt.dimension] = flt.in.flatMap((c) => reg.leaves(flt.dimension, flt.level, c));
  base.period = (base.period ?? reg.codes('period', 0)).filter((m) => release.months.includes(m));
  const codeLists = dims.map((d) => {
    const flt = filters.find((x) => x.dimension === d.name);
    return reg.codes(d.name, d.level).filter((c) => !flt || flt.in.includes(reg.up(d.name, c, d.level, flt.level)));
  });
  const cellCount = codeLists.reduce((n, l) => n * (l.length + 1), 1);
  f.expect('design', cellCount <= params.maxCells, 'too many cells');

  // cells, values and boxes recomputed from the release rows
  const age = ageCoder(reg);
  const rows = input.persons.map((p) => codesOf(p, age));
  const c12 = completeMonths(release.months, release.cutoff, 12);
  const c6 = completeMonths(release.months, release.cutoff, 6);
  const den = measure.den?.(c12, c6) ?? {};
  const kindBox: Record<string, PlainBox> = {
    persons: {},
    n: den,
    x: meet(den, measure.success ?? {}),
    censored: { period: den.period ? base.period.filter((m) => !den.period!.includes(m)) : [] },
  };
  const kinds = KINDS.filter((k) => measure.kinds.includes(k));
  const keys: Array<Array<string>> = [];
  const walk = (d: number, acc: string[]) => {
    if (d === dims.length) return void keys.push(acc);
    for (const c of [...codeLists[d]!, '*']) walk(d + 1, [...acc, c]);
  };
  walk(0, []);
  const cellBox = (key: string[]) => {
    let box = base;
    dims.forEach((d, i) => (box = meet(box, { [d.name]: key[i] === '*' ? codeLists[i]!.flatMap((c) => reg.leaves(d.name, d.level, c)) : reg.leaves(d.name, d.level, key[i]!) })));
    return box;
  };
  // Inner tallies in one pass, margins as sums of them: a different route from the engine's.
  const tallies = new Map<string, { key: string[]; counts: number[] }>();
  for (const r of rows) {
    if (!inBox(r, base)) continue;
    const key = dims.map((d) => reg.up(d.name, r[d.name]!, 0, d.level));
    if (key.some((c, i) => !codeLists[i]!.includes(c))) continue;
    const id = key.join('|');
    const t = tallies.get(id) ?? { key, counts: kinds.map(() => 0) };
    kinds.forEach((k, ki) => {
      if (inBox(r, kindBox[k]!)) t.counts[ki]! += 1;
    });
    tallies.set(id, t);
  }
  const expected = keys.map((key) => {
    const box = cellBox(key);
    const values: Record<string, { box: PlainBox; value: number }> = {};
    kinds.forEach((k, ki) => {
      const b = meet(box, kindBox[k]!);
      let value = 0;
      for (const t of tallies.values()) if (t.key.every((c, i) => key[i] === '*' || key[i] === c)) value += t.counts[ki]!;
      values[k] = { box: b, value: empty(b) ? 0 : value };
    });
    return { key, values };
  });
  const byKey = new Map(expected.map((e) => [e.key.join('|'), e]));

  // sparsity
  const zeroBoxes: PlainBox[] = input.registry.structuralZeros.map((z) => {
    const box: Record<string, readonly string[]> = {};
    for (const [dim, cond] of Object.entries(z.when)) box[dim] = cond.codes.flatMap((c) => reg.leaves(dim, cond.level, c));
    box[z.column] = box[z.column] ? box[z.column]!.filter((c) => z.codes.includes(c)) : [...z.codes];
    return box;
  });
  const structural = (b: PlainBox) => zeroBoxes.some((z) => within(b, z));
  const inner = expected.filter((c) => !c.key.includes('*') && !structural(c.values[kinds.includes('n') ? 'n' : 'persons']!.box));
  const mean = inner.length === 0 ? 0 : inner.reduce((s, c) => s + c.values.persons!.value, 0) / inner.length;
  f.expect('design', mean >= params.minMeanCellSize, 'mean cell size below the minimum');

  // the response against the recomputation
  f.begin('cells');
  const response = obj(input.response);
  const cells = Array.isArray(response.cells) ? response.cells.map(obj) : [];
  f.expect('cells', response.measure === request.measure && response.releaseId === release.id, 'response measure or release differs');
  f.expect('cells', cells.length === expected.length, 'response does not hold every cell');
  if (cells.length !== expected.length) return;
  const statusOf = (ci: number, k: string) => String(obj(cells[ci]!.status)[k === 'n' && !kinds.includes('n') ? 'persons' : k]);
  expected.forEach((e, ci) => {
    const cell = cells[ci]!;
    const key = obj(cell.key);
    f.expect('cells', dims.every((d, i) => key[d.name] === e.key[i]) && Object.keys(key).length === dims.length, `cell ${ci} has an unexpected key`);
    for (const k of kinds) {
      const s = statusOf(ci, k);
      const shown = cell[k];
      if (s === 'published') f.expect('cells', shown === e.values[k]!.value, `cell ${ci} ${k}: published value differs from the release rows`);
      else if (s === 'structural') f.expect('cells', shown === 0 && e.values[k]!.value === 0 && structural(e.values[k]!.box), `cell ${ci} ${k}: false structural zero`);
      else f.expect('cells', (s === 'suppressed_primary' || s === 'suppressed_secondary') && shown === null, `cell ${ci} ${k}: suppressed value shown`);
    }
    if (kinds.includes('x')) {
      const n = kinds.includes('n') ? cell.n : cell.persons;
      const ready = typeof n === 'number' && n > 0 && typeof cell.x === 'number';
      f.expect('cells', ready ? cell.rate === Math.round(((cell.x as number) / n) * 1000) / 1000 : cell.rate === null, `cell ${ci}: rate inconsistent with n and x`);
    }
  });

  // primary rules
  f.begin('primary');
  const at = (key: string[], k: string) => byKey.get(key.join('|'))!.values[k]!.value;
  const sIdx = dims.findIndex((d) => d.name === 'outcome');
  const denKind = kinds.includes('n') ? 'n' : 'persons';
  const group = (c: number, t: number) => t > 0 && Math.min(c, t - c) < params.g;
  const mustHide = expected.map(() => new Set<string>());
  expected.forEach((e, ci) => {
    for (const k of kinds) {
      const v = e.values[k]!;
      if (empty(v.box) || structural(v.box)) continue;
      let fails: boolean;
      if (k === 'x') fails = group(v.value, e.values[denKind]!.value);
      else if (sIdx >= 0 && e.key[sIdx] !== '*') fails = group(v.value, at(e.key.map((c, i) => (i === sIdx ? '*' : c)), k));
      else fails = v.value > 0 && v.value < params.tau;
      if (fails) mustHide[ci]!.add(k);
    }
  });
  if (sIdx >= 0) {
    const d = dims[sIdx]!;
    expected.forEach((row) => {
      if (row.key[sIdx] !== '*') return;
      for (let lvl = d.level + 1; lvl < reg.levelCount('outcome'); lvl += 1) {
        for (const parent of reg.codes('outcome', lvl)) {
          const members = codeLists[sIdx]!.filter((c) => reg.up('outcome', c, d.level, lvl) === parent);
          if (members.length < 2) continue;
          const mk = members.map((m) => row.key.map((c, i) => (i === sIdx ? m : c)));
          for (const k of kinds) {
            const sum = mk.reduce((s, key) => s + at(key, k), 0);
            const tot = k === 'x' ? mk.reduce((s, key) => s + at(key, denKind), 0) : at(row.key, k);
            if (group(sum, tot)) for (const key of mk) mustHide[expected.indexOf(byKey.get(key.join('|'))!)]!.add(k);
          }
        }
      }
    });
  }
  expected.forEach((e, ci) => {
    for (const k of mustHide[ci]!) f.expect('primary', statusOf(ci, k) !== 'published', `cell ${ci} ${k} fails a primary rule but is published`);
    if (kinds.includes('x') && statusOf(ci, denKind) !== 'published') f.expect('primary', statusOf(ci, 'x') !== 'published', `cell ${ci}: x published without its denominator`);
  });

  // register rows = response values
  f.begin('register');
  const rowsByKey = new Map(input.registerRows.map((r) => [`${canonicalize(r.cellKey)}|${r.kind}`, r]));
  let expectedRows = 0;
  expected.forEach((e, ci) => {
    const keyObj = Object.fromEntries(dims.map((d, i) => [d.name, e.key[i]!]));
    for (const k of kinds) {
      const v = e.values[k]!;
      if (empty(v.box)) continue;
      expectedRows += 1;
      const r = rowsByKey.get(`${canonicalize(keyObj)}|${k}`);
      const s = statusOf(ci, k);
      f.expect(
        'register',
        r !== undefined && boxKey(r.box) === boxKey(v.box) && r.boxId === boxKey(v.box) && r.status === s && r.value === (s === 'published' || s === 'structural' ? v.value : null),
        `register row for cell ${ci} ${k} differs from the response`,
      );
    }
  });
  f.expect('register', input.registerRows.length === expectedRows, 'register rows do not match the response one to one');
  if (f.failures.length > 0) return;

  // LP + MIP audit over the series register and the new rows
  f.begin('audit');
  const series = input.series ?? { persons: input.persons, cutoff: release.cutoff, months: release.months };
  const months = [...new Set([...reg.codes('period', 0), ...series.months])].sort();
  const domains = new Map<string, string[]>();
  for (const d of input.registry.dimensions) domains.set(d.name, [...reg.codes(d.name, 0)]);
  domains.set('period', months);
  const s12 = completeMonths(months, series.cutoff, 12);
  const s6 = completeMonths(months, series.cutoff, 6);
  const not = (xs: string[]) => months.filter((m) => !xs.includes(m));
  const zeros = [
    ...zeroBoxes,
    { period: not(s12), rereferral: ['0-3m', '3-6m', '6-12m', 'NONE'] },
    { period: s12, rereferral: ['CENSORED'] },
    { period: not(s6), rereferral_6m: ['YES', 'NO'] },
    { period: s6, rereferral_6m: ['CENSORED'] },
    { rereferral: ['0-3m', '3-6m'], rereferral_6m: ['NO', 'CENSORED'] },
    { rereferral: ['6-12m', 'NONE'], rereferral_6m: ['YES', 'CENSORED'] },
  ].filter((b) => Object.values(b).every((c) => c.length > 0));

  const byBox = new Map<string, { box: PlainBox; published: number | null; suppressed: boolean; primary: boolean; added: boolean }>();
  const note = (cell: PlainRegisterCell, added: boolean) => {
    if (cell.status === 'structural' || empty(cell.box)) return;
    const id = boxKey(cell.box);
    const entry = byBox.get(id) ?? { box: cell.box, published: null, suppressed: false, primary: false, added: false };
    if (cell.status === 'published') {
      if (entry.published !== null && entry.published !== cell.value) f.fail('audit', 'one cell served with two values');
      entry.published = cell.value;
    } else entry.suppressed = true;
    entry.primary ||= cell.status === 'suppressed_primary';
    entry.added ||= added;
    byBox.set(id, entry);
  };
  input.register.forEach((c) => note(c, false));
  input.registerRows.forEach((c) => note(c, true));
  const list = [...byBox.values()];
  for (const e of list) if (e.suppressed && e.published !== null) f.fail('audit', 'a suppressed cell was published elsewhere');
  const auditList: AuditCell[] = list.map((e) => ({ box: e.box, value: e.suppressed ? null : e.published }));
  // The protection width is owed to cells that fail a primary rule; a secondary cell only hides them.
  const toCheck = list.map((e, i) => (e.suppressed && e.primary ? i : -1)).filter((i) => i >= 0);
  const added = new Set(list.map((e, i) => (e.added ? i : -1)).filter((i) => i >= 0));
  const findings = await auditCells(domains, auditList, zeros, series.persons.length, toCheck, added, params.p, params.mipNodeLimit, params.maxAtoms);
  for (const x of findings) {
    if (!x.pass) f.fail('audit', `a suppressed cell can be narrowed to [${x.integerLo ?? x.lo}, ${x.integerHi ?? x.hi}]`);
  }
}
