/**
 * From an OpenAPI schema to fast-check arbitraries: plausible values that respect the schema (types,
 * enums, required, lengths, ranges, arrays, nested objects, formats and patterns), mixed with hostile
 * values (wrong types, boundaries, huge strings and arrays, deep nesting, lone surrogates, NUL,
 * injection payloads, prototype keys, unknown fields carrying a canary).
 */
import fc from 'fast-check';
import { isDocumented, kindOfParam, type Operation, type Parameter, type Schema } from './openapi.js';

/**
 * Placeholders replaced, at send time, by a canary unique to the request: `fuzzcanary<run>r<n>k` in unknown
 * keys, `fuzzcanary<run>r<n>v` in the values of unknown fields. Only unknown fields ever carry them.
 */
export const CANARY_K = 'fuzzcanary@@k';
export const CANARY_V = 'fuzzcanary@@v';
export const CANARY_PREFIX = 'fuzzcanary';

/** JSON text that goes into the body verbatim (deep nesting, duplicate or prototype keys, invalid JSON). */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text.length > 300 ? `RawJson(${this.text.slice(0, 150)}…[${this.text.length} chars]…${this.text.slice(-60)})` : `RawJson(${this.text})`;
  }
}

/** What the generators know about the running world. */
export interface GenContext {
  /** Coded values per labels category (`sourceType` → ['BANK', ...]), read from GET /labels. */
  enums: Record<string, string[]>;
  /** Every coded value of every category. */
  allCodes: string[];
  /** Valid leaf values by property name, from the factories' valid bodies that fit this operation's schema. */
  examples: Record<string, unknown[]>;
  /** The same from every valid body (any operation): a weaker hint. */
  globalExamples: Record<string, unknown[]>;
  /** Known ids by collection (`cases`, `visits`, `users`, ...) and by field (`field:districtIds`). */
  pools: Record<string, string[]>;
  /** Every known id. */
  allIds: string[];
  /** Ids of the fixtures (records in known stages), by collection: the preferred targets. */
  fixturePools: Record<string, string[]>;
  /** Ids that writes must not aim at (the principals' own accounts, organisations and key). */
  protectedIds: Set<string>;
  /** Principals allowed on this operation (route level) and the others. */
  authorized: string[];
  unauthorized: string[];
  bodyLimit: number;
}

// ---------------------------------------------------------------------------------------------------
// Hostile values

/** Distinctive payloads: a problem body must never echo these back. */
export const INJECTION_PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE cases; --",
  '" OR ""="',
  "1; SELECT pg_sleep(2)--",
  "x' UNION SELECT password_hash FROM users--",
  "admin'--",
  '{"$gt":""}',
  '{"$where":"sleep(100)"}',
  "'; EXEC xp_cmdshell('dir'); --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${7*7}',
  '../../../../etc/passwd',
  '%s%s%s%s%n',
];

const HOSTILE_STRINGS: string[] = [
  ...INJECTION_PAYLOADS,
  '',
  ' ',
  '\t\r\n',
  "'",
  '"',
  '\\',
  '`',
  '%',
  '_',
  '$1',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\u202eevil',
  '\ufeffbom',
  '\u200b',
  'Z\u0337\u0322\u034ea\u0335l\u0338g\u0336o\u0334',
  '😀'.repeat(40),
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '-0',
  '0x1F',
  '9'.repeat(40),
  'true',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '3B241101-E2BB-4255-8CAF-4136C566A962',
  '{3b241101-e2bb-4255-8caf-4136c566a962}',
  '3b241101-e2bb-4255-8caf-4136c566a962 ',
  '3b241101e2bb42558caf4136c566a962',
  '0000-00-00',
  '2026-02-30',
  '2026-13-01',
  '2026-02-29',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '2026-11-28T25:61:61Z',
  '2026-11-28T12:00:00+25:00',
  '2026-11-28 12:00',
  '1732800000000',
  'now',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
];

const HOSTILE_NUMBERS: number[] = [0, -1, 1, 0.5, -0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 2 ** 63, 1e308, -1e308, 5e-324, 32767, 32768, 65536, 1.7976931348623157e308];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

const repeat = (s: string, n: number) => s.repeat(n);

/** Deliberately huge or deep values (each well under the body limit). */
const hugeArb: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  repeat('x', 10_000),
  repeat('é', 10_000),
  repeat('\ud83d\ude00', 5_000),
  repeat("' OR 1=1 -- ", 800),
  new RawJson(`[${Array.from({ length: 10_000 }, (_, i) => i).join(',')}]`),
  new RawJson(`[${Array.from({ length: 2_000 }, () => '"3b241101-e2bb-4255-8caf-4136c566a962"').join(',')}]`),
  new RawJson(`${'['.repeat(64)}1${']'.repeat(64)}`),
  new RawJson(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
  new RawJson(`${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`),
  new RawJson(`{${Array.from({ length: 3_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
);

const nosqlArb: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(100)' },
  { $regex: '.*' },
  [{ $gt: '' }],
  new RawJson(`{"__proto__":{"polluted":"${CANARY_V}"}}`),
  new RawJson(`{"constructor":{"prototype":{"polluted":"${CANARY_V}"}}}`),
);

/** A hostile value of any type. */
export const hostileValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [[]], [''], { a: 1 }) },
  { weight: 1, arbitrary: nosqlArb },
  { weight: 1, arbitrary: hugeArb },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.double() },
);

/** Short hostile strings for path and query values. */
const hostileParamArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 400)) },
  { weight: 1, arbitrary: fc.constantFrom(repeat('a', 101), repeat('9', 300), repeat('x', 2_000)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS.map(String)) },
);

// ---------------------------------------------------------------------------------------------------
// Plausible values from schemas

const singular = (s: string) => s.replace(/ies$/, 'y').replace(/s$/, '');
const plural = (s: string) => (s.endsWith('s') ? s : s.endsWith('y') ? `${s.slice(0, -1)}ies` : `${s}s`);
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const lastWord = (s: string) => {
  const words = s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  return words[words.length - 1].toLowerCase();
};

/**
 * Labels categories a property points to: the parent-qualified name first (`override.reason` →
 * overrideReason, `cancel.reason` → visitCancelReason), then the name (`reasonCodes` → reasonCode,
 * `result` → attemptResult and followUpResult).
 */
function enumCategoriesFor(name: string, parent: string, enums: Record<string, string[]>): { qualified: string[]; byName: string[] } {
  const cats = Object.keys(enums);
  const match = (candidate: string) => {
    const n = singular(candidate).toLowerCase();
    const exact = cats.filter((c) => c.toLowerCase() === n || c.toLowerCase() === candidate.toLowerCase());
    if (exact.length) return exact;
    return cats.filter((c) => {
      const lc = c.toLowerCase();
      return (n.length >= 4 && lc.endsWith(n)) || (lc.length >= 4 && n.startsWith(lc)) || (n.length >= 4 && lastWord(c) === lastWord(singular(candidate)));
    });
  };
  const qualified = parent && parent !== 'body' ? match(`${singular(parent)}${name.charAt(0).toUpperCase()}${name.slice(1)}`) : [];
  return { qualified, byName: match(name) };
}

/** Coded values a description names (`Usually PROPOSED; ACCEPTED_BY_SUBJECT or DECLINED`). */
function codesInDescription(s: Schema, allCodes: string[]): string[] {
  const tokens = (s.description ?? '').match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{3,}\b/g) ?? [];
  return [...new Set(tokens.filter((t) => allCodes.includes(t)))];
}

/** Id pools for a property name (`districtIds` → districts, `intoSubjectId` → subjects, `visitorIds` → users). */
function idPoolFor(name: string, ctx: GenContext): string[] {
  const stem = name.replace(/Ids?$/, '');
  const candidates = [`field:${name}`, `field:${singular(name)}`, plural(kebab(stem)), plural(lastWord(stem))];
  if (/user|visitor|manager|reviewer|actor/i.test(stem)) candidates.push('users');
  if (/area|district/i.test(stem)) candidates.push('districts');
  if (/organisation|provider|parent/i.test(stem)) candidates.push('organisations');
  const out = new Set<string>();
  for (const c of candidates) for (const id of ctx.pools[c] ?? []) out.add(id);
  return [...out];
}

const isoAround = (days: number, minutes: number, style: number) => {
  const d = new Date(Date.now() + days * 86_400_000 + minutes * 60_000);
  if (style === 1) return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
  if (style === 2) return d.toISOString().slice(0, 10);
  return d.toISOString();
};
/** Moments a few hours to months away; names that point ahead (due, until, planned, expires) lean to the future. */
const dateTimeArb = (future: boolean) =>
  fc.tuple(fc.integer({ min: future ? -2 : -120, max: future ? 120 : 1 }), fc.integer({ min: -12 * 60, max: 12 * 60 }), fc.nat(6)).map(([d, m, st]) => isoAround(d, m, st));
const dateArb = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2020-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const monthArb = fc.tuple(fc.integer({ min: 2015, max: 2026 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`);

function kindOfString(name: string, s: Schema): 'datetime' | 'date' | 'month' | 'uuid' | 'phone' | 'postcode' | 'plain' {
  const desc = s.description ?? '';
  if (s.format === 'uuid' || /Ids?$/.test(name) || name === 'id') return 'uuid';
  if (s.format === 'date-time' || /(At|Start|End|Until)$/.test(name) || /^(from|to|since|until)$/.test(name)) return 'datetime';
  if (s.format === 'date' || /YYYY-MM-DD/.test(desc) || /^(date|dateOfBirth|.*Date)$/.test(name)) return 'date';
  if (/YYYY-MM\b/.test(desc) || /Month$/.test(name)) return 'month';
  if (/phone/i.test(name)) return 'phone';
  if (/postcode|postalCode|zip/i.test(name)) return 'postcode';
  return 'plain';
}

function plainStringArb(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 40, 40));
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: max }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: max }) },
  );
}

function patternArb(pattern: string, s: Schema): fc.Arbitrary<string> | undefined {
  try {
    const max = s.maxLength ?? 64;
    return fc.stringMatching(new RegExp(pattern), { maxLength: Math.min(max, 64) }).filter((v) => v.length >= (s.minLength ?? 0) && v.length <= max);
  } catch {
    return undefined;
  }
}

/**
 * A plausible string for a property: a known-good example, a coded value, a known id, a pattern or format
 * match. Plausible values lean to valid; invalid ones come from the mutations.
 */
function stringArb(name: string, parent: string, s: Schema, ctx: GenContext): fc.Arbitrary<string> {
  if (s.enum?.length) return fc.constantFrom(...(s.enum as string[]));
  const fits = (v: unknown): v is string => typeof v === 'string' && v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity);
  const options: Array<fc.WeightedArbitrary<string>> = [];
  const examples = (ctx.examples[name] ?? []).filter(fits);
  if (examples.length) options.push({ weight: 12, arbitrary: fc.constantFrom(...examples) });
  const kind = kindOfString(name, s);
  if (kind === 'uuid') {
    const pool = idPoolFor(name, ctx);
    if (pool.length) options.push({ weight: 12, arbitrary: fc.constantFrom(...pool) });
    if (ctx.allIds.length) options.push({ weight: 1, arbitrary: fc.constantFrom(...ctx.allIds) });
    options.push({ weight: 1, arbitrary: fc.uuid({ version: 4 }) });
  } else if (kind === 'datetime') options.push({ weight: examples.length ? 3 : 12, arbitrary: dateTimeArb(/due|until|planned|expires|start|end|to$/i.test(name)) });
  else if (kind === 'date') options.push({ weight: examples.length ? 3 : 12, arbitrary: dateArb });
  else if (kind === 'month') options.push({ weight: examples.length ? 3 : 12, arbitrary: monthArb });
  else if (kind === 'phone') options.push({ weight: 6, arbitrary: fc.stringMatching(/^(06[1-9]\d{7}|\+316[1-9]\d{7})$/) });
  else if (kind === 'postcode') options.push({ weight: 6, arbitrary: fc.stringMatching(/^[1-9]\d{3} ?[A-Z]{2}$/) });
  if (s.pattern) {
    const p = patternArb(s.pattern, s);
    if (p) options.push({ weight: examples.length ? 3 : 12, arbitrary: p });
  }
  if (kind === 'plain' && !s.pattern) {
    // Precedence: examples that fit this schema, codes the description names, the parent-qualified
    // category, then weaker hints (examples of other operations, categories matched by name).
    const named = codesInDescription(s, ctx.allCodes);
    const { qualified, byName } = enumCategoriesFor(name, parent, ctx.enums);
    const qualifiedCodes = [...new Set(qualified.flatMap((c) => ctx.enums[c]))];
    if (named.length) options.push({ weight: examples.length ? 4 : 12, arbitrary: fc.constantFrom(...named) });
    if (qualifiedCodes.length) options.push({ weight: examples.length || named.length ? 2 : 12, arbitrary: fc.constantFrom(...qualifiedCodes) });
    if (!examples.length && !named.length && !qualifiedCodes.length) {
      const global = (ctx.globalExamples[name] ?? []).filter(fits);
      const coded = [...new Set(byName.flatMap((c) => ctx.enums[c]))];
      if (global.length) options.push({ weight: 8, arbitrary: fc.constantFrom(...global) });
      if (coded.length) options.push({ weight: 8, arbitrary: fc.constantFrom(...coded) });
      if (!global.length && !coded.length) {
        options.push({ weight: 6, arbitrary: plainStringArb(s) });
        if (ctx.allCodes.length) options.push({ weight: 2, arbitrary: fc.constantFrom(...ctx.allCodes) });
      }
    }
  }
  if (!options.length) options.push({ weight: 1, arbitrary: plainStringArb(s) });
  return fc.oneof(...options);
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : -1000;
  const max = typeof s.maximum === 'number' ? s.maximum : 1000;
  const ints = fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
  if (integer) return ints;
  return fc.oneof({ weight: 9, arbitrary: ints }, { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) });
}

const typeOf = (s: Schema): string | undefined => {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t) return t;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  if (s.enum?.length) return typeof s.enum[0];
  return undefined;
};

/** A value that respects the schema as far as the schema says anything (depth-limited). */
export function plausibleArb(s: Schema | undefined, name: string, ctx: GenContext, depth = 0, parent = ''): fc.Arbitrary<unknown> {
  if (!s) return fc.jsonValue({ maxDepth: 1 });
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.oneOf?.length || s.anyOf?.length) return fc.oneof(...(s.oneOf ?? s.anyOf)!.map((x) => plausibleArb(x, name, ctx, depth, parent)));
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  switch (typeOf(s)) {
    case 'string':
      return stringArb(name, parent, s, ctx);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 4, 4));
      const item = plausibleArb(s.items, singular(name), ctx, depth + 1, parent);
      return s.uniqueItems
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength });
    }
    case 'object': {
      if (depth > 6 || !s.properties) return fc.constant({});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties)) model[k] = plausibleArb(v, k, ctx, depth + 1, name);
      const required = (s.required ?? []).filter((k) => k in model);
      return fc.record(model, { requiredKeys: required }) as fc.Arbitrary<unknown>;
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

// ---------------------------------------------------------------------------------------------------
// Body mutations

type Mutation =
  | { kind: 'hostile'; pick: number; value: unknown }
  | { kind: 'delete' | 'null' | 'wrongType' | 'overMax' | 'underMin' | 'atMax' | 'dupItems'; pick: number };

type ExtraField = { pick: number; key: string; value: unknown };

interface Slot {
  container: Record<string, unknown> | unknown[];
  key: string | number;
  schema?: Schema;
  present: boolean;
}

/** Every place in a body (present values and absent optional properties) a mutation can hit. */
function slotsOf(value: unknown, s: Schema | undefined, out: Slot[] = [], depth = 0): Slot[] {
  if (depth > 8) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ container: value, key: i, schema: s?.items, present: true });
      slotsOf(v, s?.items, out, depth + 1);
    });
  } else if (value && typeof value === 'object' && !(value instanceof RawJson)) {
    const obj = value as Record<string, unknown>;
    const keys = new Set([...Object.keys(obj), ...Object.keys(s?.properties ?? {})]);
    for (const k of keys) {
      const present = Object.prototype.hasOwnProperty.call(obj, k);
      out.push({ container: obj, key: k, schema: s?.properties?.[k], present });
      if (present) slotsOf(obj[k], s?.properties?.[k], out, depth + 1);
    }
  }
  return out;
}

function objectsOf(value: unknown, s: Schema | undefined, out: Array<{ obj: Record<string, unknown>; schema?: Schema }> = [], depth = 0) {
  if (depth > 8) return out;
  if (Array.isArray(value)) value.forEach((v) => objectsOf(v, s?.items, out, depth + 1));
  else if (value && typeof value === 'object' && !(value instanceof RawJson)) {
    out.push({ obj: value as Record<string, unknown>, schema: s });
    for (const [k, v] of Object.entries(value)) objectsOf(v, s?.properties?.[k], out, depth + 1);
  }
  return out;
}

/** Sets an own property even for `__proto__` (never through the setter). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
}

function boundaryValue(kind: Mutation['kind'], s: Schema | undefined, current: unknown): unknown {
  const t = s ? typeOf(s) : typeof current;
  if (kind === 'wrongType') {
    if (t === 'string') return 12345;
    if (t === 'number' || t === 'integer') return '12345';
    if (t === 'boolean') return 'true';
    if (t === 'array') return { 0: 'a' };
    if (t === 'object') return ['a'];
    return [];
  }
  if (t === 'string') {
    const max = s?.maxLength ?? 255;
    const min = s?.minLength ?? 1;
    if (kind === 'overMax') return 'y'.repeat(Math.min(max + 1, 20_000));
    if (kind === 'atMax') return 'y'.repeat(Math.min(max, 20_000));
    if (kind === 'underMin') return 'y'.repeat(Math.max(0, min - 1));
  }
  if (t === 'number' || t === 'integer') {
    if (kind === 'overMax') return typeof s?.maximum === 'number' ? s.maximum + 1 : 2 ** 31;
    if (kind === 'atMax') return typeof s?.maximum === 'number' ? s.maximum : 2 ** 31 - 1;
    if (kind === 'underMin') return typeof s?.minimum === 'number' ? s.minimum - 1 : -(2 ** 31) - 1;
  }
  if (t === 'array') {
    const base = Array.isArray(current) && current.length ? current[0] : 'a';
    if (kind === 'overMax') return Array.from({ length: Math.min((s?.maxItems ?? 100) + 1, 10_000) }, () => base);
    if (kind === 'atMax') return Array.from({ length: Math.min(s?.maxItems ?? 100, 10_000) }, () => base);
    if (kind === 'underMin') return [];
    if (kind === 'dupItems') return [base, base];
  }
  return kind === 'underMin' ? '' : null;
}

/** A private copy of a (possibly shared constant) value, so later mutations never alter the constants. */
function fresh(v: unknown): unknown {
  if (v instanceof RawJson || v === null || typeof v !== 'object') return v;
  return structuredClone(v);
}

function applyMutations(body: unknown, schema: Schema | undefined, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(body);
  for (const m of mutations) {
    const slots = slotsOf(root, schema);
    if (!slots.length) {
      if (m.kind === 'hostile') root = fresh(m.value);
      continue;
    }
    const slot = slots[m.pick % slots.length];
    const c = slot.container as Record<string | number, unknown>;
    if (m.kind === 'delete') {
      if (Array.isArray(c)) c.splice(slot.key as number, 1);
      else delete c[slot.key];
    } else if (m.kind === 'null') c[slot.key] = null;
    else if (m.kind === 'hostile') c[slot.key] = fresh(m.value);
    else c[slot.key] = fresh(boundaryValue(m.kind, slot.schema, c[slot.key]));
  }
  return root;
}

const EXTRA_KEYS = [CANARY_K, `${CANARY_K}x`, 'id', 'version', 'createdBy', 'createdAt', 'deletedAt', 'isAdmin', 'role', 'roles', 'districtId', 'organisationId', 'caseId', 'userId', 'status', 'state', 'passwordHash', 'rightsVersion', ...PROTO_KEYS];

const extraFieldArb: fc.Arbitrary<ExtraField> = fc.record({
  pick: fc.nat(),
  key: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...EXTRA_KEYS) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((k) => `${CANARY_K}${k}`) }),
  value: fc.constantFrom<unknown>(CANARY_V, `${CANARY_V} note`, { polluted: CANARY_V }, { prototype: { polluted: CANARY_V } }, [CANARY_V], { $set: { polluted: CANARY_V } }),
});

function addExtras(body: unknown, schema: Schema | undefined, extras: ExtraField[]): unknown {
  let root: unknown = structuredClone(body);
  if (!root || typeof root !== 'object' || Array.isArray(root)) root = {};
  for (const e of extras) {
    const objects = objectsOf(root, schema);
    const { obj, schema: s } = objects[e.pick % objects.length];
    // A key the schema knows is not unknown: use the canary key instead.
    const key = s?.properties && e.key in s.properties ? CANARY_K : e.key;
    setOwn(obj, key, fresh(e.value));
  }
  return root;
}

const wholeBodyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    -1,
    1e308,
    true,
    'a string',
    [],
    [{}],
    new RawJson(''),
    new RawJson('   '),
    new RawJson('{"a":'),
    new RawJson('{"a":1,}'),
    new RawJson('{/* c */}'),
    new RawJson("{'a':1}"),
    new RawJson('NaN'),
    new RawJson('\ufeff{}'),
    new RawJson('{"a":"\\ud800"}'),
    new RawJson('{"a":"\\u0000"}'),
    new RawJson(`{"__proto__":{"polluted":"${CANARY_V}"}}`),
    new RawJson(`{"constructor":{"prototype":{"polluted":"${CANARY_V}"}}}`),
    new RawJson(`{"__proto__":{"polluted":"${CANARY_V}"},"__proto__":{"x":1}}`),
  ),
  hugeArb,
);

/** Over the body limit, to check 413. */
const overLimitArb = (limit: number) => fc.constant(new RawJson(`{"${CANARY_K}":"${'z'.repeat(limit + 1024)}"}`));

export interface BodyChoice {
  shape: 'plausible' | 'mutant' | 'extras' | 'dupKey' | 'whole' | 'overLimit' | 'none';
  value?: unknown;
}

/** Bodies for an operation: schema-valid-looking, mutants, unknown fields, wholly hostile, over-limit. */
export function bodyArb(op: Operation, ctx: GenContext): fc.Arbitrary<BodyChoice> {
  const schema = op.body;
  if (!schema) {
    const unexpected = fc.constantFrom<unknown>({ [CANARY_K]: CANARY_V }, { note: CANARY_V }, new RawJson(`{"__proto__":{"polluted":"${CANARY_V}"}}`));
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant<BodyChoice>({ shape: 'none' }) },
      { weight: 1, arbitrary: unexpected.map((value): BodyChoice => ({ shape: 'extras', value })) },
    );
  }
  const plausible = plausibleArb(schema, 'body', ctx);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('hostile' as const), pick: fc.nat(), value: hostileValueArb }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'null' as const, 'wrongType' as const, 'overMax' as const, 'underMin' as const, 'atMax' as const, 'dupItems' as const), pick: fc.nat() }) },
  );
  return fc.oneof(
    { weight: 25, arbitrary: plausible.map((value): BodyChoice => ({ shape: 'plausible', value })) },
    {
      weight: 40,
      arbitrary: fc.tuple(plausible, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, ms]): BodyChoice => ({ shape: 'mutant', value: applyMutations(b, schema, ms) })),
    },
    {
      weight: 15,
      arbitrary: fc.tuple(plausible, fc.array(extraFieldArb, { minLength: 1, maxLength: 3 })).map(([b, es]): BodyChoice => ({ shape: 'extras', value: addExtras(b, schema, es) })),
    },
    { weight: 5, arbitrary: fc.tuple(plausible, hostileValueArb).map(([b, v]): BodyChoice => ({ shape: 'dupKey', value: duplicateFirstKey(b, v) })) },
    { weight: 10, arbitrary: wholeBodyArb.map((value): BodyChoice => ({ shape: 'whole', value })) },
    { weight: 1, arbitrary: overLimitArb(ctx.bodyLimit).map((value): BodyChoice => ({ shape: 'overLimit', value })) },
  );
}

function duplicateFirstKey(body: unknown, value: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const keys = Object.keys(body);
  if (!keys.length) return body;
  const text = toJsonText(body);
  return new RawJson(`${text.slice(0, -1)}${keys.length ? ',' : ''}${JSON.stringify(keys[0])}:${toJsonText(value)}}`);
}

/** JSON text of a generated value; RawJson goes in verbatim and own `__proto__` keys are kept. */
export function toJsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${toJsonText((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

// ---------------------------------------------------------------------------------------------------
// Whole requests

export type PathValue = { how: 'known' | 'foreign' | 'random' | 'hostile' | 'raw'; value: string };

export interface RequestTemplate {
  principal: string;
  path: Record<string, PathValue>;
  query: Array<[string, string]>;
  ifMatch: { how: 'current' | 'none' | 'stale' | 'hostile'; value?: string };
  idempotencyKey: { how: 'fresh' | 'none' | 'reused' | 'hostile'; value?: string };
  contentType?: string;
  body: BodyChoice;
}

const CONTENT_TYPES = [
  { weight: 30, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constant('application/json; charset=utf-8') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'APPLICATION/JSON', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '') },
];

function pathValueArb(op: Operation, p: Parameter, ctx: GenContext): fc.Arbitrary<PathValue> {
  const kind = kindOfParam(op.path, p.name);
  const write = op.method !== 'GET';
  const usable = (ids: string[]) => (write ? ids.filter((id) => !ctx.protectedIds.has(id)) : ids);
  const own = usable(kind ? (ctx.pools[kind] ?? []) : []);
  const fixtures = usable(kind ? (ctx.fixturePools[kind] ?? []) : []);
  const otherOwn = own.filter((id) => !fixtures.includes(id));
  const foreign = usable(ctx.allIds.filter((id) => !own.includes(id)));
  const options: Array<fc.WeightedArbitrary<PathValue>> = [
    { weight: 2, arbitrary: fc.uuid({ version: 4 }).map((value): PathValue => ({ how: 'random', value })) },
    { weight: 2, arbitrary: hostileParamArb.map((value): PathValue => ({ how: 'hostile', value })) },
    { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%', '..', '%2e%2e%2f', '%2F', 'a%20b', '%C0%AE', '%FF%FE', '%u0041', '*', '~', "'", '$').map((value): PathValue => ({ how: 'raw', value })) },
  ];
  if (fixtures.length) options.push({ weight: 10, arbitrary: fc.constantFrom(...fixtures).map((value): PathValue => ({ how: 'known', value })) });
  if (otherOwn.length) options.push({ weight: fixtures.length ? 3 : 12, arbitrary: fc.constantFrom(...otherOwn).map((value): PathValue => ({ how: 'known', value })) });
  if (foreign.length) options.push({ weight: 2, arbitrary: fc.constantFrom(...foreign).map((value): PathValue => ({ how: 'foreign', value })) });
  return fc.oneof(...options);
}

function queryArb(op: Operation, ctx: GenContext): fc.Arbitrary<Array<[string, string]>> {
  const params = [...op.queryParams];
  const listish = op.method === 'GET' && Boolean(op.okSchema?.properties?.nextCursor);
  const documented = new Set(params.map((p) => p.name));
  if (listish && !documented.has('limit')) params.push({ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } });
  if (listish && !documented.has('cursor')) params.push({ name: 'cursor', in: 'query', schema: { type: 'string', maxLength: 200 } });
  const one = (p: Parameter): fc.Arbitrary<Array<[string, string]>> => {
    const plausible = plausibleArb(p.schema ?? { type: 'string' }, p.name, ctx).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    const value = fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: hostileParamArb });
    const absentWeight = p.name === 'cursor' && !(ctx.examples.cursor ?? []).length ? 30 : 8;
    return fc.oneof(
      { weight: absentWeight, arbitrary: fc.constant<Array<[string, string]>>([]) },
      { weight: 10, arbitrary: value.map((v): Array<[string, string]> => [[p.name, v]]) },
      { weight: 1, arbitrary: fc.tuple(value, value).map(([a, b]): Array<[string, string]> => [[p.name, a], [p.name, b]]) },
      { weight: 1, arbitrary: value.map((v): Array<[string, string]> => [[`${p.name}[]`, v]]) },
    );
  };
  const extras = fc.oneof(
    { weight: 12, arbitrary: fc.constant<Array<[string, string]>>([]) },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom(CANARY_K, 'limit', 'cursor', 'offset', 'sort', 'order', 'include', '__proto__', '__proto__[polluted]', 'constructor[prototype][polluted]', 'districtId', 'q', 'access_token'),
            fc.oneof(fc.constantFrom(CANARY_V, '0', '-1', '101', '1e3', 'abc', '50', ''), hostileParamArb),
          ),
          { minLength: 1, maxLength: 3 },
        )
        .map((pairs) => pairs as Array<[string, string]>),
    },
  );
  return fc.tuple(fc.tuple(...params.map(one)), extras).map(([parts, ex]) => [...parts.flat(), ...ex]);
}

/** The principal of a request: mostly one the route admits, sometimes another role, nobody, or garbage. */
function principalArb(ctx: GenContext): fc.Arbitrary<string> {
  const options: Array<fc.WeightedArbitrary<string>> = [];
  if (ctx.authorized.length) options.push({ weight: 20, arbitrary: fc.constantFrom(...ctx.authorized) });
  if (ctx.unauthorized.length) options.push({ weight: 2, arbitrary: fc.constantFrom(...ctx.unauthorized) });
  options.push({ weight: 1, arbitrary: fc.constantFrom('anonymous', 'garbage:bearer', 'garbage:basic', 'garbage:long', 'garbage:dsk', 'garbage:empty') });
  return fc.oneof(...options);
}

export function requestArb(op: Operation, ctx: GenContext): fc.Arbitrary<RequestTemplate> {
  const pathModel: Record<string, fc.Arbitrary<PathValue>> = {};
  for (const p of op.pathParams) pathModel[p.name] = pathValueArb(op, p, ctx);
  const write = op.method !== 'GET' && op.method !== 'HEAD';
  const ifMatch = write
    ? fc.oneof(
        { weight: 12, arbitrary: fc.constant({ how: 'current' as const }) },
        { weight: 1, arbitrary: fc.constant({ how: 'none' as const }) },
        { weight: 1, arbitrary: fc.constantFrom('"0"', '"1"', '"999"').map((value) => ({ how: 'stale' as const, value })) },
        { weight: 1, arbitrary: fc.constantFrom('*', 'W/"1"', '"abc"', '"99999999999999999999"', '"-1"', '1', '""', '"1", "2"', '"1.5"', '"0x1"', '" 1"', '"2147483648"').map((value) => ({ how: 'hostile' as const, value })) },
      )
    : fc.constant({ how: 'none' as const });
  const idem =
    op.method === 'POST'
      ? fc.oneof(
          { weight: 12, arbitrary: fc.uuid().map((value) => ({ how: 'fresh' as const, value })) },
          { weight: 1, arbitrary: fc.constant({ how: 'none' as const }) },
          { weight: 1, arbitrary: fc.constant({ how: 'reused' as const, value: 'fuzz-reused-key' }) },
          { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(129), 'a'.repeat(128), 'é-key', 'key with spaces', "'; DROP TABLE idempotency_keys; --", '\u00ff\u00fe').map((value) => ({ how: 'hostile' as const, value })) },
        )
      : fc.constant({ how: 'none' as const });
  return fc.record({
    principal: principalArb(ctx),
    path: fc.record(pathModel),
    query: queryArb(op, ctx),
    ifMatch,
    idempotencyKey: idem,
    contentType: fc.oneof(...CONTENT_TYPES),
    body: bodyArb(op, ctx),
  }) as fc.Arbitrary<RequestTemplate>;
}

export { isDocumented };
